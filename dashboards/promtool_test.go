package dashboards

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// promtool returns the path of Debian's promtool (scripts/deps.sh installs
// it). Without it the test is skipped, except under CI=true where it fails.
func promtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("promtool not found under CI=true: scripts/deps.sh installs it (%v)", err)
		}
		t.Skipf("promtool not found: scripts/deps.sh (or apt-get install prometheus) installs it")
	}
	return path
}

// TestDashboardAlertRulesPromtool runs `promtool check rules` on alerts.yaml
// (syntax, PromQL, templates, durations) and `promtool test rules` on
// alerts_test.yaml against a copy of alerts.yaml without annotations (the
// tests pin when each alert fires and its labels, not its wording), and
// checks that every alert fires in at least one of those tests.
func TestDashboardAlertRulesPromtool(t *testing.T) {
	bin := promtool(t)
	out, err := exec.Command(bin, "check", "rules", "alerts.yaml").CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules alerts.yaml: %v\n%s", err, out)
	}

	dir := t.TempDir()
	stripped := filepath.Join(dir, "alerts.yaml")
	writeYAML(t, stripped, withoutAnnotations(t))

	b, err := os.ReadFile("alerts_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var tests map[string]any
	if err := yaml.Unmarshal(b, &tests); err != nil {
		t.Fatalf("alerts_test.yaml: %v", err)
	}
	if rf, _ := tests["rule_files"].([]any); len(rf) != 1 || rf[0] != "alerts.yaml" {
		t.Fatalf("alerts_test.yaml: rule_files %v, want [alerts.yaml]", tests["rule_files"])
	}
	tests["rule_files"] = []string{stripped}
	testFile := filepath.Join(dir, "alerts_test.yaml")
	writeYAML(t, testFile, tests)
	out, err = exec.Command(bin, "test", "rules", testFile).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules alerts_test.yaml: %v\n%s", err, out)
	}

	var spec struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string `yaml:"alertname"`
				ExpAlerts []any  `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	fires := map[string]bool{}
	for _, tc := range spec.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			}
		}
	}
	var untested []string
	for _, g := range loadAlerts(t).Groups {
		for _, r := range g.Rules {
			if r.Alert != "" && !fires[r.Alert] {
				untested = append(untested, r.Alert)
			}
		}
	}
	sort.Strings(untested)
	if len(untested) > 0 {
		t.Errorf("no test in alerts_test.yaml makes these alerts fire: %s", strings.Join(untested, ", "))
	}
}

// withoutAnnotations returns alerts.yaml with every rule's annotations
// removed.
func withoutAnnotations(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rf map[string]any
	if err := yaml.Unmarshal(b, &rf); err != nil {
		t.Fatal(err)
	}
	groups, _ := rf["groups"].([]any)
	for _, g := range groups {
		gm, _ := g.(map[string]any)
		rules, _ := gm["rules"].([]any)
		for _, r := range rules {
			if rm, ok := r.(map[string]any); ok {
				delete(rm, "annotations")
			}
		}
	}
	return rf
}

func writeYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDashboardPrometheusConfigPromtool checks the example prometheus.yml
// (which compose.yaml mounts) with `promtool check config`: its syntax and
// the rule files it loads (alerts.yaml beside it).
func TestDashboardPrometheusConfigPromtool(t *testing.T) {
	bin := promtool(t)
	out, err := exec.Command(bin, "check", "config", "prometheus.yml").CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config prometheus.yml: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "alerts.yaml") {
		t.Errorf("promtool check config prometheus.yml did not check alerts.yaml:\n%s", out)
	}
}

// TestDashboardTroubleQueriesPromtool proves that each trouble-only query
// (troubleOnly) has data only in its trouble: promtool evaluates it, with
// the variables expanded as the end-to-end test does (job, a 10 s
// $__rate_interval) and every instance selected, over its entry's series:
// nothing at the entry's healthy time, data at its failing time.
func TestDashboardTroubleQueriesPromtool(t *testing.T) {
	bin := promtool(t)
	byID := map[string]query{}
	for _, q := range allQueries(t) {
		byID[q.id] = q
	}
	values := e2eValues("")
	values["instance"] = ".*" // "All"
	type sample struct {
		Labels string  `yaml:"labels"`
		Value  float64 `yaml:"value"`
	}
	type exprTest struct {
		Expr       string   `yaml:"expr"`
		EvalTime   string   `yaml:"eval_time"`
		ExpSamples []sample `yaml:"exp_samples"`
	}
	type inputSeries struct {
		Series string `yaml:"series"`
		Values string `yaml:"values"`
	}
	type unitTest struct {
		Name           string        `yaml:"name"`
		Interval       string        `yaml:"interval"`
		InputSeries    []inputSeries `yaml:"input_series"`
		PromqlExprTest []exprTest    `yaml:"promql_expr_test"`
	}
	var tests []unitTest
	ids := make([]string, 0, len(troubleOnly))
	for id := range troubleOnly {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		tr := troubleOnly[id]
		q, ok := byID[id]
		if !ok {
			t.Errorf("troubleOnly lists %q, which is no query", id)
			continue
		}
		e, err := expandWith(q.expr, values)
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		ut := unitTest{Name: id, Interval: "1s"}
		for _, s := range tr.series {
			labels := fmt.Sprintf(`job=%q, instance=%q`, e2eJob, s.instance)
			if s.labels != "" {
				labels += ", " + s.labels
			}
			ut.InputSeries = append(ut.InputSeries, inputSeries{Series: s.metric + "{" + labels + "}", Values: s.values})
		}
		// Whatever the query's labels and values: one sample 1 when it has
		// data, none when it has not.
		has := "clamp(count(" + e + "), 1, 1)"
		ut.PromqlExprTest = []exprTest{
			{Expr: has, EvalTime: tr.healthy, ExpSamples: []sample{}},
			{Expr: has, EvalTime: tr.failing, ExpSamples: []sample{{Labels: "{}", Value: 1}}},
		}
		tests = append(tests, ut)
	}
	if len(tests) == 0 {
		return
	}
	file := filepath.Join(t.TempDir(), "trouble_test.yaml")
	writeYAML(t, file, map[string]any{"rule_files": []string{}, "evaluation_interval": "1s", "tests": tests})
	out, err := exec.Command(bin, "test", "rules", file).CombinedOutput()
	if err != nil {
		b, _ := os.ReadFile(file)
		t.Fatalf("promtool test rules: the trouble-only queries do not have data only in trouble: %v\n%s\ntest file:\n%s", err, out, b)
	}
}
