package dashboards

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// pending lists the queries that name metrics the worker does not export
// yet, or series it does not produce yet, with what each awaits and why.
// Such a query is still parsed by Prometheus, but the live tests accept that
// its awaited metrics are missing from the worker's /metrics and that it
// returns no data. When the awaited metrics land, the end-to-end test logs
// "now returns data: remove it from pending" and the entry should go.
// dashboards/README.md documents it.
//
// It is empty: every query names metrics the worker exports, and every
// query but the trouble-only ones (troubleOnly) returns data on the healthy
// demo. A query added ahead of its metrics goes here until they land.
//
// Keys are query ids as queryID builds them: "FILE | PANEL TITLE | REFID",
// "FILE | annotation NAME" or "alerts.yaml | ALERTNAME".
var pending = map[string]awaited{}

// awaited is what a pending query waits for.
type awaited struct {
	metrics []string // metric names the worker does not export yet
	series  []string // series of exported metrics that do not exist yet
	why     string
}

// troubleOnly lists the dashboard queries that return data only while
// something is wrong, such as an annotation that marks failures: a healthy
// worker gives them nothing to show. Like every other query, each must
// parse in Prometheus and name only metrics the worker exports (no pending
// exemption); unlike them, it need not return data on the healthy demo of
// the end-to-end test. The tests make "only in trouble" explicit instead:
//   - TestDashboardPrometheusEndToEndIntegration: no data on the healthy
//     demo (data there would be a false alarm);
//   - TestDashboardTroubleQueriesPromtool: no data from the series of a
//     healthy worker, data once they show the trouble (promtool evaluates
//     the query over them, variables expanded as for the demo).
//
// Alert rules are not listed: promtool's tests (alerts_test.yaml) cover
// when each fires, and the end-to-end test checks that none fires on the
// demo. Keys are query ids, as for pending. dashboards/README.md documents
// it.
var troubleOnly = map[string]trouble{
	"trust.json | annotation Rules reload failing": {
		when: "a reload of rules.dir failed and the previous rule set is still active",
		series: []troubleSeries{
			// One instance reloads fine throughout; the other's reload fails at 30 s.
			{metric: "circleguard_rules_reload_success", instance: "a:9465", values: "1x60"},
			{metric: "circleguard_rules_reload_success", instance: "b:9465", values: "1x29 0x31"},
		},
		healthy: "20s",
		failing: "45s",
	},
}

// trouble is the situation in which a trouble-only query has data.
type trouble struct {
	when string // what is wrong when the query has data
	// series are the input series, one sample a second: healthy at first,
	// in trouble later.
	series []troubleSeries
	// healthy and failing are evaluation times (promtool durations) at
	// which the query must return nothing, and something.
	healthy, failing string
}

// troubleSeries is one input series of a trouble. The test gives it the
// end-to-end test's job label.
type troubleSeries struct {
	metric   string // a metric name
	instance string // its instance label
	labels   string // more labels, e.g. `partition="0"`; may be empty
	values   string // promtool's expanding notation, e.g. "1x29 0x31"
}

// awaits reports whether the pending query id waits for metric name (a
// histogram's _bucket, _sum and _count included).
func (a awaited) awaits(name string) bool {
	for _, m := range a.metrics {
		if name == m || name == m+"_bucket" || name == m+"_sum" || name == m+"_count" {
			return true
		}
	}
	return false
}

// query is one PromQL expression of a dashboard or of the alert rules.
type query struct {
	id   string          // see pending
	file string          // operations.json, trust.json, alerts.yaml
	kind string          // panel, variable, annotation, alert
	expr string          // PromQL with Grafana's variables; for a variable, the series selector of label_values (may be empty)
	vars map[string]bool // the dashboard's own variables
	// label is the label whose values a variable lists.
	label string
}

func queryID(file string, parts ...string) string {
	return strings.Join(append([]string{file}, parts...), " | ")
}

// labelValues matches the label_values(selector, label) and label_values(label)
// forms of Grafana's Prometheus variable queries.
var labelValues = regexp.MustCompile(`^\s*label_values\(\s*(?:(.*?)\s*,\s*)?(\w+)\s*\)\s*$`)

// dashboardQueries returns every PromQL query of dashboard d (file):
// panel targets, query variables and annotations.
func dashboardQueries(t *testing.T, file string, d dashboard) []query {
	t.Helper()
	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
	}
	var qs []query
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValues.FindStringSubmatch(v.queryString())
		if m == nil {
			t.Errorf("%s: variable %s: %q is not label_values(selector, label), the only form these tests understand",
				file, v.Name, v.queryString())
			continue
		}
		qs = append(qs, query{id: queryID(file, "variable "+v.Name), file: file, kind: "variable", expr: m[1], label: m[2], vars: vars})
	}
	for _, p := range allPanels(d.Panels) {
		for _, tg := range p.Targets {
			qs = append(qs, query{id: queryID(file, p.Title, tg.RefID), file: file, kind: "panel", expr: tg.Expr, vars: vars})
		}
	}
	for _, a := range d.Annotations.List {
		if a.Expr == "" {
			continue
		}
		qs = append(qs, query{id: queryID(file, "annotation "+a.Name), file: file, kind: "annotation", expr: a.Expr, vars: vars})
	}
	return qs
}

// ruleFile is the part of a Prometheus rule file the tests read.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func loadAlerts(t *testing.T) ruleFile {
	t.Helper()
	b, err := os.ReadFile("alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	if err := yaml.Unmarshal(b, &rf); err != nil {
		t.Fatalf("alerts.yaml: %v", err)
	}
	if len(rf.Groups) == 0 {
		t.Fatal("alerts.yaml: no rule groups")
	}
	return rf
}

// alertQueries returns the expression of every rule in alerts.yaml.
func alertQueries(t *testing.T) []query {
	t.Helper()
	var qs []query
	for _, g := range loadAlerts(t).Groups {
		for _, r := range g.Rules {
			name := r.Alert
			if name == "" {
				name = r.Record
			}
			qs = append(qs, query{id: queryID("alerts.yaml", name), file: "alerts.yaml", kind: "alert", expr: r.Expr})
		}
	}
	return qs
}

// allQueries returns every query of every dashboard and of alerts.yaml,
// and fails the test when pending names a query that does not exist.
func allQueries(t *testing.T) []query {
	t.Helper()
	var qs []query
	ds := loadDashboards(t)
	files := make([]string, 0, len(ds))
	for f := range ds {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		qs = append(qs, dashboardQueries(t, f, ds[f])...)
	}
	qs = append(qs, alertQueries(t)...)
	ids := map[string]bool{}
	for _, q := range qs {
		if ids[q.id] {
			t.Errorf("two queries are %q: give panels distinct titles and targets distinct refIds", q.id)
		}
		ids[q.id] = true
	}
	for id := range pending {
		if !ids[id] {
			t.Errorf("pending lists %q, which is no query: remove it or fix its id", id)
		}
	}
	for id := range troubleOnly {
		if !ids[id] {
			t.Errorf("troubleOnly lists %q, which is no query: remove it or fix its id", id)
		}
	}
	return qs
}

// expandWith replaces Grafana's variables in expr ($name, ${name},
// ${name:format}, [[name]]) by values; a variable without a value is an
// error.
func expandWith(expr string, values map[string]string) (string, error) {
	var unknown []string
	out := grafanaVar.ReplaceAllStringFunc(expr, func(s string) string {
		m := grafanaVar.FindStringSubmatch(s)
		if v, ok := values[m[1]+m[2]+m[3]]; ok {
			return v
		}
		unknown = append(unknown, s)
		return s
	})
	if len(unknown) > 0 {
		return out, fmt.Errorf("unknown variables %v", unknown)
	}
	return out, nil
}

// values returns Grafana's built-in variables (builtins) and the
// dashboard's own variables set to all, as Grafana sends them for "All":
// the regexp ".*".
func allValues(vars map[string]bool) map[string]string {
	vs := map[string]string{}
	for k, v := range builtins {
		vs[k] = v
	}
	for name := range vars {
		vs[name] = ".*"
	}
	return vs
}

// selectorNames returns the metric names of expr's vector selectors, in the
// order of their first use. It is a lexer, not a parser: it assumes valid
// PromQL (the live tests have Prometheus parse every query) and skips
// strings, comments, numbers and durations, label names inside {}, ranges
// inside [], the label lists of by, without, on, ignoring, group_left and
// group_right, keywords, and the names of functions and aggregations (an
// identifier followed by "(" or by "by"/"without").
func selectorNames(expr string) []string {
	const labelList = 'L' // a "(" that opens a list of label names
	var (
		stack   []byte
		names   []string
		seen    = map[string]bool{}
		grouped bool // the previous token was a grouping keyword
	)
	top := func() byte {
		if len(stack) == 0 {
			return 0
		}
		return stack[len(stack)-1]
	}
	s := expr
	for i := 0; i < len(s); {
		c := s[i]
		wasGrouped := grouped
		grouped = false
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			grouped = wasGrouped // whitespace is no token
			i++
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			grouped = wasGrouped
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			i = j + 1
		case isDigit(c) || (c == '.' && i+1 < len(s) && isDigit(s[i+1])):
			for i < len(s) && (isIdentChar(s[i]) || s[i] == '.') {
				i++
			}
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			id, lower := s[i:j], strings.ToLower(s[i:j])
			i = j
			if t := top(); t == '{' || t == '[' || t == labelList {
				continue
			}
			if groupingKeywords[lower] {
				grouped = true
				continue
			}
			if keywords[lower] {
				continue
			}
			k := i
			for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r') {
				k++
			}
			if k < len(s) && s[k] == '(' {
				continue // a function or an aggregation
			}
			if next := leadingIdent(s[k:]); next == "by" || next == "without" {
				continue // an aggregation: sum by (le) (...)
			}
			if !seen[id] {
				seen[id] = true
				names = append(names, id)
			}
		case c == '(':
			if wasGrouped {
				stack = append(stack, labelList)
			} else {
				stack = append(stack, '(')
			}
			i++
		case c == '{' || c == '[':
			stack = append(stack, c)
			i++
		case c == ')' || c == '}' || c == ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			i++
		default:
			i++
		}
	}
	return names
}

var (
	groupingKeywords = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true,
		"group_left": true, "group_right": true}
	keywords = map[string]bool{"and": true, "or": true, "unless": true, "atan2": true, "bool": true,
		"offset": true, "inf": true, "nan": true}
)

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
func isIdentChar(c byte) bool { return isIdentStart(c) || isDigit(c) }

func leadingIdent(s string) string {
	j := 0
	for j < len(s) && isIdentChar(s[j]) {
		j++
	}
	return strings.ToLower(s[:j])
}

// TestSelectorNames keeps the lexer that finds a query's metric names honest.
func TestSelectorNames(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`sum(rate(circleguard_verdicts_total{instance=~"$i", action="block"}[5m]))`, []string{"circleguard_verdicts_total"}},
		{`histogram_quantile(0.99, sum by (le) (rate(x_bucket{job=~".*"}[1m])))`, []string{"x_bucket"}},
		{`sum(x) by (le) / count without (instance) (y)`, []string{"x", "y"}},
		{`a / on (job) group_left sum by (job) (b)`, []string{"a", "b"}},
		{`a * on (job, instance) group_left (version) b`, []string{"a", "b"}},
		{`up == 0 and on (job, instance) last_over_time(c[1h])`, []string{"up", "c"}},
		{`rate(x[30m] offset 1h) > 3 * rate(x[30m] offset 1d)`, []string{"x"}},
		{`max_over_time(x[10m:1m]) @ start()`, []string{"x"}},
		{`label_replace(x, "dst", "$1", "src", "(.*)") or vector(0)`, []string{"x"}},
		{`count(up{job="a"} == bool 1) unless absent(z)`, []string{"up", "z"}},
		{"# a comment naming not_a_metric\n1e3 * x + Inf - NaN", []string{"x"}},
		{`topk(15, sum by (kind, id) (rate(r{kind!="rule"}[1m])))`, []string{"r"}},
		{`sum by (job, partition) (max by (job, partition) (lag)) > 0 AND ON (job) foo:recorded`, []string{"lag", "foo:recorded"}},
		{`x{a="}", b='{'} - y`, []string{"x", "y"}},
		{`vector(1)`, nil},
	} {
		if got := selectorNames(tc.expr); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("selectorNames(%q) = %v, want %v", tc.expr, got, tc.want)
		}
	}
}

// TestPendingKnown checks that every pending and trouble-only entry names a
// query that exists and says why it is listed; a trouble-only entry must be
// a panel or an annotation (alerts have promtool tests), not also pending,
// and its series must be metrics its query names.
func TestPendingKnown(t *testing.T) {
	qs := allQueries(t)
	for id, a := range pending {
		if a.why == "" || len(a.metrics)+len(a.series) == 0 {
			t.Errorf("pending %q: say what it awaits and why", id)
		}
	}
	byID := map[string]query{}
	for _, q := range qs {
		byID[q.id] = q
	}
	for id, tr := range troubleOnly {
		q, ok := byID[id]
		if !ok {
			continue // allQueries reported it
		}
		if _, both := pending[id]; both {
			t.Errorf("%q is both pending and trouble-only: it is one or the other", id)
		}
		if q.kind != "panel" && q.kind != "annotation" {
			t.Errorf("trouble-only %q is a %s: only panels and annotations may be", id, q.kind)
		}
		if tr.when == "" || len(tr.series) == 0 || tr.healthy == "" || tr.failing == "" {
			t.Errorf("trouble-only %q: say when it has data, with the series of that trouble and when they are healthy and failing", id)
		}
		e, err := expandWith(q.expr, allValues(q.vars))
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		names := map[string]bool{}
		for _, n := range selectorNames(e) {
			names[n] = true
		}
		for _, s := range tr.series {
			if !names[s.metric] || s.instance == "" || s.values == "" {
				t.Errorf("trouble-only %q: series %+v: want a metric of its query %q, an instance and values", id, s, q.expr)
			}
		}
	}
}
