package dashboards

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/circleguard/circleguard/internal/admin"
	"github.com/circleguard/circleguard/internal/demo"
	"github.com/circleguard/circleguard/internal/testenv"
)

// The live tests share one in-process demo (embedded broker, generator,
// worker, admin server), started by the first test that needs it and stopped
// by TestMain.
var (
	demoOnce sync.Once
	theDemo  *liveDemo
	demoErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if theDemo != nil {
		if err := theDemo.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "dashboards: stopping the demo:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// liveDemo is a running demo and its admin address.
type liveDemo struct {
	addr   string // host:port of /metrics
	cancel context.CancelFunc
	done   chan error
}

func (d *liveDemo) stop() error {
	d.cancel()
	select {
	case err := <-d.done:
		return err
	case <-time.After(30 * time.Second):
		return fmt.Errorf("the demo did not stop within 30s")
	}
}

// demoRate is the demo's posts per second: enough for every panel to have
// data within seconds, little enough for a shared 2-core machine under -race.
const demoRate = 300

// metricsLine is the demo's line that names its admin address.
var metricsLine = regexp.MustCompile(`metrics: http://(\S+)/metrics`)

// startDemo returns the shared demo, starting it on first use, once it
// exports every metric that appears only with traffic (per-partition lag and
// committed offsets, reasons).
func startDemo(t *testing.T) *liveDemo {
	t.Helper()
	demoOnce.Do(func() { theDemo, demoErr = launchDemo() })
	if demoErr != nil {
		t.Fatalf("start the demo: %v", demoErr)
	}
	return theDemo
}

func launchDemo() (*liveDemo, error) {
	// The registry of `circleguard demo` (main's newRegistry): the Go and
	// process collectors and circleguard_build_info.
	reg := admin.NewRegistry("dashboards-test")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	d := &liveDemo{cancel: cancel, done: make(chan error, 1)}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	go func() {
		err := demo.Run(ctx, demo.Config{Rate: demoRate, BadEvery: 50, Refresh: time.Hour}, admin.Config{Addr: "127.0.0.1:0"}, reg, pw, log)
		pw.Close()
		d.done <- err
	}()
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := metricsLine.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1]
				break
			}
		}
		io.Copy(io.Discard, pr) // the summary the demo prints when it stops
	}()
	select {
	case d.addr = <-addrc:
	case err := <-d.done:
		cancel()
		return nil, fmt.Errorf("the demo stopped before it served /metrics: %v", err)
	case <-time.After(30 * time.Second):
		d.stop()
		return nil, fmt.Errorf("the demo printed no metrics address within 30s")
	}
	deadline := time.Now().Add(45 * time.Second)
	for {
		s, err := scrape(d.addr)
		var missing []string
		if err == nil {
			missing = s.missing()
			if len(missing) == 0 {
				return d, nil
			}
		}
		if time.Now().After(deadline) {
			d.stop()
			if err != nil {
				return nil, fmt.Errorf("scrape the demo on %s: %v", d.addr, err)
			}
			return nil, fmt.Errorf("the demo on %s did not export %s within 45s", d.addr, strings.Join(missing, ", "))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// missing says which of the series that come only with traffic the scrape
// lacks yet: verdicts and dead letters counted, reasons, per-partition lag and
// committed offsets, the classifier's scores and model version.
func (s scraped) missing() []string {
	var m []string
	for _, name := range []string{"circleguard_verdicts_total", "circleguard_dead_letters_total"} {
		if s.sum(name) == 0 {
			m = append(m, name+" > 0")
		}
	}
	for _, name := range []string{"circleguard_reasons_total", "circleguard_consumer_lag_messages", "circleguard_committed_offset",
		"circleguard_classifier_score_bucket", "circleguard_model_info"} {
		if !s.has(name) {
			m = append(m, name)
		}
	}
	return m
}

// scraped is one scrape of /metrics in the text format.
type scraped struct {
	types   map[string]string  // metric family → counter, gauge, histogram, summary, untyped
	samples map[string]float64 // series (name{labels}) → value
}

func scrape(addr string) (scraped, error) {
	s := scraped{types: map[string]string{}, samples: map[string]float64{}}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if f, ok := strings.CutPrefix(line, "# TYPE "); ok {
			if name, typ, ok := strings.Cut(f, " "); ok {
				s.types[name] = typ
			}
			continue
		}
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			return s, fmt.Errorf("/metrics: bad line %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return s, fmt.Errorf("/metrics: bad value in %q", line)
		}
		s.samples[line[:i]] = v
	}
	return s, sc.Err()
}

// names returns every series name the scrape exports: a histogram's
// _bucket, _sum and _count, a summary's quantiles under its own name plus
// _sum and _count.
func (s scraped) names() map[string]bool {
	ns := map[string]bool{}
	for name, typ := range s.types {
		switch typ {
		case "histogram":
			ns[name+"_bucket"], ns[name+"_sum"], ns[name+"_count"] = true, true, true
		case "summary":
			ns[name], ns[name+"_sum"], ns[name+"_count"] = true, true, true
		default:
			ns[name] = true
		}
	}
	return ns
}

func (s scraped) has(name string) bool { return s.count(name) > 0 }

func (s scraped) count(name string) int {
	n := 0
	for series := range s.samples {
		if series == name || strings.HasPrefix(series, name+"{") {
			n++
		}
	}
	return n
}

func (s scraped) sum(name string) float64 {
	var sum float64
	for series, v := range s.samples {
		if series == name || strings.HasPrefix(series, name+"{") {
			sum += v
		}
	}
	return sum
}

// synthetic are series Prometheus makes itself for every target: queries
// may name them although no worker exports them.
var synthetic = map[string]bool{"up": true, "scrape_duration_seconds": true, "scrape_samples_scraped": true}

// TestDashboardMetricsExportedIntegration checks every metric name of every
// panel, variable, annotation and alert rule against a live scrape of the
// demo's /metrics: a query may name only what the worker exports, the
// series Prometheus makes itself (up), or what its pending entry awaits
// (trouble-only queries have no such exemption). It needs no outside
// service (the demo runs in the test) and never skips.
func TestDashboardMetricsExportedIntegration(t *testing.T) {
	qs := allQueries(t)
	d := startDemo(t)
	s, err := scrape(d.addr)
	if err != nil {
		t.Fatal(err)
	}
	exported := s.names()
	for _, q := range qs {
		e, err := expandWith(q.expr, allValues(q.vars))
		if err != nil {
			t.Errorf("%s: %v", q.id, err)
			continue
		}
		for _, name := range selectorNames(e) {
			wait := pending[q.id]
			switch {
			case exported[name] && wait.awaits(name):
				t.Logf("%s: %s is exported now: remove it from the query's pending entry", q.id, name)
			case exported[name] || synthetic[name] || wait.awaits(name):
			default:
				t.Errorf("%s: %s is not exported by the worker (its /metrics has no such series) "+
					"and not awaited by a pending entry: %q", q.id, name, q.expr)
			}
		}
	}
}

// prom is a Prometheus HTTP API client for the tests.
type prom struct {
	base string // http://host:port
}

// promResult is an instant query's result: a vector's samples (a scalar is
// one sample without labels).
type promResult struct {
	samples []promSample
}

type promSample struct {
	metric map[string]string
	value  float64
}

// promError is an error answer of the API, e.g. errorType bad_data for a
// parse error.
type promError struct {
	errorType, msg string
}

func (e *promError) Error() string { return e.errorType + ": " + e.msg }

func (p prom) get(path string, params url.Values, data any) error {
	return p.do(http.MethodGet, path, params, data)
}

func (p prom) do(method, path string, params url.Values, data any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	u := p.base + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Status    string          `json:"status"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("%s %s: %s, undecodable answer: %v", method, path, resp.Status, err)
	}
	if body.Status != "success" {
		return &promError{errorType: body.ErrorType, msg: body.Error}
	}
	if data == nil {
		return nil
	}
	return json.Unmarshal(body.Data, data)
}

// query runs an instant query now.
func (p prom) query(expr string) (promResult, error) {
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := p.get("/api/v1/query", url.Values{"query": {expr}}, &data); err != nil {
		return promResult{}, err
	}
	var r promResult
	switch data.ResultType {
	case "vector":
		var vs []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(data.Result, &vs); err != nil {
			return r, err
		}
		for _, v := range vs {
			r.samples = append(r.samples, promSample{metric: v.Metric, value: parseValue(v.Value[1])})
		}
	case "scalar":
		var v [2]any
		if err := json.Unmarshal(data.Result, &v); err != nil {
			return r, err
		}
		r.samples = append(r.samples, promSample{value: parseValue(v[1])})
	default:
		return r, fmt.Errorf("result type %s: want an instant vector or a scalar", data.ResultType)
	}
	return r, nil
}

func parseValue(v any) float64 {
	s, _ := v.(string)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

func (p prom) labelValues(label string, match string) ([]string, error) {
	params := url.Values{}
	if match != "" {
		params.Set("match[]", match)
	}
	var vs []string
	err := p.get("/api/v1/label/"+url.PathEscape(label)+"/values", params, &vs)
	return vs, err
}

func livePrometheus(t *testing.T) prom {
	t.Helper()
	return prom{base: "http://" + testenv.Addr(t, "CIRCLEGUARD_TEST_PROMETHEUS", "scripts/prometheus.sh start")}
}

// TestDashboardQueriesParseIntegration has the live Prometheus parse every
// panel, variable, annotation and alert query after Grafana's variables are
// expanded as for "All" ($__rate_interval → 1m, $instance → .*): a parse
// error comes back as errorType bad_data. Queries run against whatever the
// server holds; only errors count here.
func TestDashboardQueriesParseIntegration(t *testing.T) {
	p := livePrometheus(t)
	for _, q := range allQueries(t) {
		if q.expr == "" {
			continue // label_values(label) without a selector
		}
		e, err := expandWith(q.expr, allValues(q.vars))
		if err != nil {
			t.Errorf("%s: %v", q.id, err)
			continue
		}
		if _, err := p.query(e); err != nil {
			t.Errorf("%s: Prometheus rejects %q: %v", q.id, e, err)
		}
	}
}

// e2eJob is the job label the end-to-end test gives the demo's target, so
// that its queries see nothing else the server scrapes.
const e2eJob = "circleguard-dashboards-test"

// e2eValues are Grafana's variables as the end-to-end test expands them:
// the demo's job and instance, and intervals for a 1 s scrape interval
// ($__rate_interval is at least 4 scrape intervals in Grafana; 10 s leaves
// room for a late scrape on a busy machine), the instance selected alone.
func e2eValues(instance string) map[string]string {
	return map[string]string{
		"__rate_interval": "10s",
		"__interval":      "2s",
		"__interval_ms":   "2000",
		"__range":         "1m",
		"__range_s":       "60",
		"__range_ms":      "60000",
		"job":             e2eJob,
		"instance":        grafanaRegexp(instance),
	}
}

// grafanaRegexp formats one selected value as Grafana does for a Prometheus
// regexp matcher: regexp metacharacters escaped, the backslashes doubled for
// PromQL's string syntax.
func grafanaRegexp(v string) string {
	return strings.ReplaceAll(regexp.QuoteMeta(v), `\`, `\\`)
}

// TestDashboardPrometheusEndToEndIntegration points the live Prometheus at
// the demo (a file_sd targets file), loads alerts.yaml into it, waits for a
// dozen scrapes and then asserts, as a Grafana showing the demo would see:
//   - every panel and annotation query returns data, and no NaN (pending
//     queries excepted), except the trouble-only ones (troubleOnly), which
//     must return none on the healthy demo;
//   - every variable lists values, the demo's job and instance among them;
//   - every alert rule evaluates without error and none is pending or firing
//     on the healthy demo.
func TestDashboardPrometheusEndToEndIntegration(t *testing.T) {
	p := livePrometheus(t)
	targets := testenv.Addr(t, "CIRCLEGUARD_TEST_PROMETHEUS_TARGETS", "scripts/prometheus.sh start")
	rulesDir := testenv.Addr(t, "CIRCLEGUARD_TEST_PROMETHEUS_RULES", "scripts/prometheus.sh start")
	qs := allQueries(t)
	start := time.Now()
	d := startDemo(t)
	t.Logf("demo exporting on %s after %v", d.addr, time.Since(start).Round(time.Millisecond))

	writeTargets(t, targets, fmt.Sprintf(`[{"targets": [%q], "labels": {"job": %q}}]`, d.addr, e2eJob))
	t.Cleanup(func() { writeTargets(t, targets, "[]") })
	rules := loadRules(t, p, rulesDir)

	// A dozen scrapes: every $__rate_interval window holds ten samples.
	up := fmt.Sprintf(`count_over_time(up{job=%q, instance=%q}[1m]) >= 12 and on () (up{job=%q, instance=%q} == 1)`,
		e2eJob, d.addr, e2eJob, d.addr)
	waitFor(t, 60*time.Second, "a dozen successful scrapes of the demo", func() (bool, error) {
		r, err := p.query(up)
		return len(r.samples) > 0, err
	})
	t.Logf("Prometheus scraped the demo a dozen times %v after the start", time.Since(start).Round(time.Millisecond))

	values := e2eValues(d.addr)
	var empty, nowData, quiet []string
	for _, q := range qs {
		if q.kind == "alert" {
			continue
		}
		e, err := expandWith(q.expr, values)
		if err != nil {
			t.Errorf("%s: %v", q.id, err)
			continue
		}
		if q.kind == "variable" {
			vs, err := p.labelValues(q.label, e)
			if err != nil {
				t.Errorf("%s: label values of %s for %q: %v", q.id, q.label, e, err)
				continue
			}
			want := map[string]string{"job": e2eJob, "instance": d.addr}[q.label]
			if len(vs) == 0 || want != "" && !contains(vs, want) {
				t.Errorf("%s: label_values(%s, %s) = %v, want the demo's %q among them", q.id, e, q.label, vs, want)
			}
			continue
		}
		r, err := p.query(e)
		if err != nil {
			t.Errorf("%s: %q: %v", q.id, e, err)
			continue
		}
		_, isPending := pending[q.id]
		tr, isTrouble := troubleOnly[q.id]
		switch {
		case isTrouble && len(r.samples) > 0:
			t.Errorf("%s: trouble-only (%s), yet it has data on the healthy demo: %v for %q", q.id, tr.when, r.samples, e)
		case isTrouble:
			quiet = append(quiet, q.id)
		case len(r.samples) == 0 && isPending:
			empty = append(empty, q.id)
		case len(r.samples) == 0:
			t.Errorf("%s: no data on the demo: %q", q.id, e)
		case isPending:
			nowData = append(nowData, q.id)
		default:
			for _, s := range r.samples {
				if math.IsNaN(s.value) {
					t.Errorf("%s: NaN for %v on the demo: %q", q.id, s.metric, e)
				}
			}
		}
	}
	sort.Strings(empty)
	sort.Strings(quiet)
	if len(empty) > 0 {
		t.Logf("%d pending queries without data, as expected:\n  %s", len(empty), strings.Join(empty, "\n  "))
	}
	t.Logf("%d trouble-only queries without data on the healthy demo, as they should be:\n  %s", len(quiet), strings.Join(quiet, "\n  "))
	for _, id := range nowData {
		t.Logf("pending %q now returns data: remove it from pending", id)
	}

	checkRules(t, p, rules)
	t.Logf("end to end in %v", time.Since(start).Round(time.Millisecond))
}

func contains(vs []string, want string) bool {
	for _, v := range vs {
		if v == want {
			return true
		}
	}
	return false
}

// writeTargets replaces the file_sd targets file atomically (Prometheus
// watches its folder; a name not ending in .json is ignored).
func writeTargets(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// loadRules copies alerts.yaml into Prometheus's rules folder, reloads the
// configuration and returns the names of the alerts it holds.
func loadRules(t *testing.T, p prom, dir string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "circleguard-dashboards-test.yaml")
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	reload := func() error {
		req, _ := http.NewRequest(http.MethodPost, p.base+"/-/reload", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		msg, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("POST /-/reload: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
		}
		return nil
	}
	t.Cleanup(func() {
		os.Remove(dst)
		if err := reload(); err != nil {
			t.Errorf("reload without the test's rules: %v", err)
		}
	})
	if err := reload(); err != nil {
		t.Fatalf("Prometheus does not load alerts.yaml: %v", err)
	}
	names := map[string]bool{}
	for _, g := range loadAlerts(t).Groups {
		for _, r := range g.Rules {
			names[r.Alert+r.Record] = true
		}
	}
	return names
}

// apiRule is a rule as /api/v1/rules reports it.
type apiRule struct {
	Name      string `json:"name"`
	Type      string `json:"type"` // alerting, recording
	Health    string `json:"health"`
	LastError string `json:"lastError"`
	State     string `json:"state"` // inactive, pending, firing
	Alerts    []struct {
		Labels map[string]string `json:"labels"`
		State  string            `json:"state"`
	} `json:"alerts"`
}

// checkRules waits until Prometheus has evaluated every rule of alerts.yaml
// once, then fails for a rule evaluation error or an alert that is not
// inactive on the healthy demo.
func checkRules(t *testing.T, p prom, want map[string]bool) {
	t.Helper()
	var rules []apiRule
	waitFor(t, 20*time.Second, "every alert rule evaluated", func() (bool, error) {
		var data struct {
			Groups []struct {
				File  string    `json:"file"`
				Rules []apiRule `json:"rules"`
			} `json:"groups"`
		}
		if err := p.get("/api/v1/rules", nil, &data); err != nil {
			return false, err
		}
		rules = rules[:0]
		for _, g := range data.Groups {
			if filepath.Base(g.File) == "circleguard-dashboards-test.yaml" {
				rules = append(rules, g.Rules...)
			}
		}
		for _, r := range rules {
			if r.Health == "unknown" {
				return false, nil
			}
		}
		return len(rules) == len(want), nil
	})
	for _, r := range rules {
		if !want[r.Name] {
			t.Errorf("Prometheus holds rule %s, which alerts.yaml does not", r.Name)
		}
		if r.Health != "ok" || r.LastError != "" {
			t.Errorf("rule %s: health %s: %s", r.Name, r.Health, r.LastError)
		}
		if r.Type == "alerting" && r.State != "inactive" {
			for _, a := range r.Alerts {
				t.Errorf("alert %s is %s on the healthy demo: %v", r.Name, a.State, a.Labels)
			}
		}
	}
}

// waitFor polls cond every 250 ms until it holds, failing the test after
// timeout with what it waited for and cond's last error.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v (last error: %v)", what, timeout, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
