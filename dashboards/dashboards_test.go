package dashboards

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// allowUnused lists documented metrics that no panel shows, each with why.
var allowUnused = map[string]string{
	"circleguard_commits_total":    "healthy path; commit errors and lag show commit trouble",
	"circleguard_committed_offset": "per-instance offsets; the lag panels compare the group's offsets with the partitions' ends",
}

// wantDatasource is every panel's and every target's datasource.
var wantDatasource = map[string]any{"type": "prometheus", "uid": "${datasource}"}

type dashboard struct {
	UID           string                      `json:"uid"`
	Title         string                      `json:"title"`
	ID            any                         `json:"id"`
	SchemaVersion int                         `json:"schemaVersion"`
	Panels        []panel                     `json:"panels"`
	Templating    struct{ List []variable }   `json:"templating"`
	Annotations   struct{ List []annotation } `json:"annotations"`
}

// annotation is a dashboard annotation; Prometheus ones have an expr.
type annotation struct {
	Name       string `json:"name"`
	Datasource any    `json:"datasource"`
	Expr       string `json:"expr"`
	BuiltIn    int    `json:"builtIn"`
}

type panel struct {
	ID          int                      `json:"id"`
	Type        string                   `json:"type"`
	Title       string                   `json:"title"`
	Description string                   `json:"description"`
	Datasource  any                      `json:"datasource"`
	GridPos     struct{ H, W, X, Y int } `json:"gridPos"`
	Collapsed   bool                     `json:"collapsed"`
	Panels      []panel                  `json:"panels"` // a row's panels, when it is collapsed
	Targets     []target                 `json:"targets"`
}

type target struct {
	RefID      string `json:"refId"`
	Expr       string `json:"expr"`
	Datasource any    `json:"datasource"`
}

type variable struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Query      any    `json:"query"` // a string, or {"query": "..."} in newer exports
	Datasource any    `json:"datasource"`
	Multi      bool   `json:"multi"`
	IncludeAll bool   `json:"includeAll"`
}

// queryString returns a variable's query text.
func (v variable) queryString() string {
	switch q := v.Query.(type) {
	case string:
		return q
	case map[string]any:
		s, _ := q["query"].(string)
		return s
	}
	return ""
}

type docMetric struct{ typ string }

// docRow matches a row of docs/metrics.md's table: | `name` | type | ...
var docRow = regexp.MustCompile("^\\|\\s*`(circleguard_[a-z0-9_]+)`\\s*\\|\\s*([a-z]+)\\s*\\|")

// documentedMetrics parses the metric names and types from docs/metrics.md.
func documentedMetrics(t *testing.T) map[string]docMetric {
	t.Helper()
	b, err := os.ReadFile("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	ms := map[string]docMetric{}
	for _, line := range strings.Split(string(b), "\n") {
		if m := docRow.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			ms[m[1]] = docMetric{typ: m[2]}
		}
	}
	if len(ms) == 0 {
		t.Fatal("no metrics parsed from ../docs/metrics.md's table")
	}
	return ms
}

func loadDashboards(t *testing.T) map[string]dashboard {
	t.Helper()
	files, err := filepath.Glob("*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no *.json dashboards in dashboards/")
	}
	ds := map[string]dashboard{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		ds[f] = d
	}
	return ds
}

// allPanels flattens rows: a collapsed row holds its panels itself.
func allPanels(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

// grafanaVar matches $name, ${name}, ${name:format} and [[name]].
var grafanaVar = regexp.MustCompile(`\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]`)

// builtins are Grafana's own variables with a value that PromQL accepts.
var builtins = map[string]string{
	"__rate_interval": "1m",
	"__interval":      "1m",
	"__interval_ms":   "60000",
	"__range":         "1h",
	"__range_s":       "3600",
	"__range_ms":      "3600000",
}

// expand replaces Grafana's variables in expr: built-ins by a duration and
// the dashboard's own variables by a regexp matching anything.
func expand(expr string, vars map[string]bool) (string, error) {
	return expandWith(expr, allValues(vars))
}

// checkBalanced reports unbalanced (), [], {} or an unterminated string.
// Brackets inside strings do not count.
func checkBalanced(expr string) error {
	var stack []rune
	closer := map[rune]rune{')': '(', ']': '[', '}': '{'}
	rs := []rune(expr)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; c {
		case '"', '\'', '`':
			j := i + 1
			for ; j < len(rs) && rs[j] != c; j++ {
				if rs[j] == '\\' && c != '`' {
					j++
				}
			}
			if j >= len(rs) {
				return fmt.Errorf("unterminated %c string at %d", c, i)
			}
			i = j
		case '(', '[', '{':
			stack = append(stack, c)
		case ')', ']', '}':
			if len(stack) == 0 || stack[len(stack)-1] != closer[c] {
				return fmt.Errorf("unbalanced %c at %d", c, i)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed %c", stack[len(stack)-1])
	}
	return nil
}

var metricName = regexp.MustCompile(`^circleguard_[a-z0-9_]+$`)

// metricsIn returns the documented metric each circleguard metric name of
// expr refers to, or an error for one that refers to none, unless the query
// is pending and awaits that metric. Label values in quotes are not names.
func metricsIn(expr string, docs map[string]docMetric, wait awaited) ([]string, error) {
	var names []string
	var errs []string
	for _, id := range selectorNames(expr) {
		if !strings.HasPrefix(id, "circleguard") {
			continue
		}
		if wait.awaits(id) && !documented(id, docs) {
			continue
		}
		if !metricName.MatchString(id) {
			errs = append(errs, fmt.Sprintf("%s is not a circleguard_[a-z0-9_]+ name", id))
			continue
		}
		if d, ok := docs[id]; ok {
			if d.typ == "histogram" {
				errs = append(errs, fmt.Sprintf("%s is a histogram: query its _bucket, _sum or _count", id))
				continue
			}
			names = append(names, id)
			continue
		}
		found := false
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			base, ok := strings.CutSuffix(id, suffix)
			if d, documented := docs[base]; ok && documented && d.typ == "histogram" {
				names = append(names, base)
				found = true
				break
			}
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s is not in docs/metrics.md", id))
		}
	}
	if len(errs) > 0 {
		return names, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return names, nil
}

// documented reports whether name is a metric of docs/metrics.md's table, or
// the _bucket, _sum or _count series of a histogram there.
func documented(name string, docs map[string]docMetric) bool {
	if _, ok := docs[name]; ok {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && docs[base].typ == "histogram" {
			return true
		}
	}
	return false
}

// checkQuery expands expr's variables and checks its shape and its metrics
// (those that wait awaits may be undocumented yet).
func checkQuery(expr string, vars map[string]bool, docs map[string]docMetric, wait awaited) ([]string, error) {
	e, err := expand(expr, vars)
	if err != nil {
		return nil, err
	}
	if err := checkBalanced(e); err != nil {
		return nil, err
	}
	return metricsIn(e, docs, wait)
}

// TestDashboards checks every dashboard's structure and queries, and that
// together they show every documented metric.
func TestDashboards(t *testing.T) {
	docs := documentedMetrics(t)
	used := map[string]bool{}
	uids := map[string]string{}
	for file, d := range loadDashboards(t) {
		t.Run(file, func(t *testing.T) {
			if d.UID == "" || d.Title == "" {
				t.Errorf("uid %q, title %q: both must be set", d.UID, d.Title)
			}
			if other, dup := uids[d.UID]; dup {
				t.Errorf("uid %q is also %s's", d.UID, other)
			}
			uids[d.UID] = file
			if d.ID != nil {
				t.Errorf("id %v: must be null so that the dashboard imports anywhere", d.ID)
			}
			if d.SchemaVersion == 0 {
				t.Error("no schemaVersion")
			}

			vars := map[string]bool{}
			hasDatasource := false
			for _, v := range d.Templating.List {
				vars[v.Name] = true
				if v.Name == "datasource" {
					hasDatasource = v.Type == "datasource" && v.queryString() == "prometheus"
				}
			}
			if !hasDatasource {
				t.Error(`no variable "datasource" of type datasource with query prometheus`)
			}
			for _, v := range d.Templating.List {
				if v.Type != "query" {
					continue
				}
				if !sameJSON(v.Datasource, wantDatasource) {
					t.Errorf("variable %s: datasource %v, want %v", v.Name, v.Datasource, wantDatasource)
				}
			}
			for _, a := range d.Annotations.List {
				if a.BuiltIn == 0 && !sameJSON(a.Datasource, wantDatasource) {
					t.Errorf("annotation %q: datasource %v, want %v", a.Name, a.Datasource, wantDatasource)
				}
			}

			ids := map[int]string{}
			for _, p := range allPanels(d.Panels) {
				if other, dup := ids[p.ID]; dup || p.ID == 0 {
					t.Errorf("panel %q: id %d is missing or also %q's", p.Title, p.ID, other)
				}
				ids[p.ID] = p.Title
				if p.GridPos.W < 1 || p.GridPos.X < 0 || p.GridPos.X+p.GridPos.W > 24 || p.GridPos.H < 1 {
					t.Errorf("panel %q: gridPos %+v outside the 24-column grid", p.Title, p.GridPos)
				}
				if p.Type == "row" {
					continue
				}
				if p.Title == "" || strings.TrimSpace(p.Description) == "" {
					t.Errorf("panel %d %q: needs a title and a description", p.ID, p.Title)
				}
				if !sameJSON(p.Datasource, wantDatasource) {
					t.Errorf("panel %q: datasource %v, want %v", p.Title, p.Datasource, wantDatasource)
				}
				if len(p.Targets) == 0 {
					t.Errorf("panel %q: no targets", p.Title)
				}
				refIDs := map[string]bool{}
				for _, tg := range p.Targets {
					if tg.RefID == "" || refIDs[tg.RefID] {
						t.Errorf("panel %q: refId %q missing or repeated", p.Title, tg.RefID)
					}
					refIDs[tg.RefID] = true
					if tg.Datasource != nil && !sameJSON(tg.Datasource, wantDatasource) {
						t.Errorf("panel %q target %s: datasource %v, want %v", p.Title, tg.RefID, tg.Datasource, wantDatasource)
					}
					if strings.TrimSpace(tg.Expr) == "" {
						t.Errorf("panel %q target %s: no expr", p.Title, tg.RefID)
					}
				}
			}
			checkOverlaps(t, d.Panels)

			for _, q := range dashboardQueries(t, file, d) {
				if q.expr == "" && q.kind == "variable" {
					continue
				}
				ms, err := checkQuery(q.expr, vars, docs, pending[q.id])
				if err != nil {
					t.Errorf("%s: %q: %v", q.id, q.expr, err)
				}
				for _, m := range ms {
					used[m] = true
				}
				// Every panel and annotation follows the dashboard's job and
				// instance selection (the end-to-end test relies on it too).
				if q.kind != "variable" && vars["job"] && vars["instance"] &&
					(!strings.Contains(q.expr, "$job") || !strings.Contains(q.expr, "$instance")) {
					t.Errorf("%s: %q: filter every selector by job=~\"$job\" and instance=~\"$instance\"", q.id, q.expr)
				}
			}
		})
	}

	var missing []string
	for name, d := range docs {
		switch d.typ {
		case "counter", "gauge", "histogram":
		default:
			continue
		}
		_, allowed := allowUnused[name]
		if !used[name] && !allowed {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	for _, name := range missing {
		t.Errorf("%s is documented but no panel shows it: add a panel or list it in allowUnused with a reason", name)
	}
	for name := range allowUnused {
		if _, ok := docs[name]; !ok {
			t.Errorf("allowUnused lists %s, which docs/metrics.md does not", name)
		} else if used[name] {
			t.Errorf("allowUnused lists %s, which a panel shows: remove it from allowUnused", name)
		}
	}
}

// checkOverlaps reports top-level panels whose grid rectangles overlap.
func checkOverlaps(t *testing.T, ps []panel) {
	t.Helper()
	for i, a := range ps {
		for _, b := range ps[i+1:] {
			ga, gb := a.GridPos, b.GridPos
			if ga.X < gb.X+gb.W && gb.X < ga.X+ga.W && ga.Y < gb.Y+gb.H && gb.Y < ga.Y+ga.H {
				t.Errorf("panels %q and %q overlap", a.Title, b.Title)
			}
		}
	}
}

func sameJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// TestCheckQuery keeps the query checks able to fail.
func TestCheckQuery(t *testing.T) {
	docs := map[string]docMetric{
		"circleguard_verdicts_total":     {typ: "counter"},
		"circleguard_processing_seconds": {typ: "histogram"},
	}
	vars := map[string]bool{"instance": true}
	for _, tc := range []struct {
		expr string
		ok   bool
	}{
		{`sum(rate(circleguard_verdicts_total{instance=~"$instance"}[$__rate_interval]))`, true},
		{`histogram_quantile(0.99, sum by (le) (rate(circleguard_processing_seconds_bucket[${__rate_interval}])))`, true},
		{`sum(rate(circleguard_verdicts_total{action="circleguard_not_a_metric"}[5m]))`, true},
		{`sum(rate(circleguard_verdict_total[5m]))`, false},                // not documented
		{`sum(rate(circleguard_verdicts_total_bucket[5m]))`, false},        // suffix on a counter
		{`histogram_quantile(0.5, circleguard_processing_seconds)`, false}, // bare histogram
		{`circleguard_Verdicts_total`, false},                              // not a lower-case name
		{`sum(rate(circleguard_verdicts_total[5m])`, false},                // unclosed (
		{`sum(rate(circleguard_verdicts_total[5m)))`, false},               // ] missing
		{`circleguard_verdicts_total{action="block}`, false},               // unterminated string
		{`circleguard_verdicts_total{instance=~"$nope"}`, false},           // unknown variable
		{`sum(rate(circleguard_rule_hits_total[5m]))`, false},              // undocumented, not pending
	} {
		_, err := checkQuery(tc.expr, vars, docs, awaited{})
		if (err == nil) != tc.ok {
			t.Errorf("checkQuery(%q) = %v, want ok %v", tc.expr, err, tc.ok)
		}
	}
	wait := awaited{metrics: []string{"circleguard_rule_eval_seconds"}}
	if _, err := checkQuery(`histogram_quantile(0.5, sum by (le) (rate(circleguard_rule_eval_seconds_bucket[5m])))`, vars, docs, wait); err != nil {
		t.Errorf("a pending query's awaited histogram: %v", err)
	}
}
