package rules

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/circleguard/circleguard/internal/testenv"
)

// writeFile writes a file under dir, creating folders.
func writeFile(t *testing.T, dir, name, data string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	// Write then rename, as editors and config management do: a reload
	// never sees half a file.
	tmp := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+".tmp")
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
}

func TestReload(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.yaml", ruleFile(rule("one", `contains_any(text, ["招代理"])`)))
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	var reports []error
	r, err := NewReloader(ReloadConfig{Dir: dir, Metrics: m, OnReload: func(_ *Set, err error) { reports = append(reports, err) }})
	if err != nil {
		t.Fatal(err)
	}
	v1 := r.Set().Version()
	if testutil.ToFloat64(m.reloadSuccess) != 1 || testutil.ToFloat64(m.info.WithLabelValues(v1)) != 1 {
		t.Error("metrics do not show the first load")
	}

	// A broken file: the old set stays, the error names file and line.
	writeFile(t, dir, "b.yaml", ruleFile(rule("two", `classifier.nope > 1`)))
	err = r.Reload()
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "b.yaml")+":9: rule two: when:") {
		t.Fatalf("reload error = %v", err)
	}
	if r.Set().Version() != v1 || testutil.ToFloat64(m.reloadSuccess) != 0 {
		t.Error("a failed reload replaced the set or left reload_success at 1")
	}
	if testutil.ToFloat64(m.reloads.WithLabelValues("failure")) != 1 {
		t.Error("failure not counted")
	}

	// Fixed: the new set is active, the old version's info is gone.
	writeFile(t, dir, "b.yaml", ruleFile(rule("two", `classifier.fraud > 0.9`)))
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	v2 := r.Set().Version()
	if v2 == v1 || r.Set().Rule("two") == nil {
		t.Fatal("the fixed set is not active")
	}
	if testutil.ToFloat64(m.reloadSuccess) != 1 || testutil.CollectAndCount(m.info) != 1 {
		t.Error("reload metrics wrong after success")
	}
	if len(reports) != 2 || reports[0] == nil || reports[1] != nil {
		t.Errorf("OnReload reports = %v", reports)
	}
	// The active set records its hits.
	r.Set().Eval(featuresOf("诚招代理"), nil)
	if testutil.ToFloat64(m.hits.WithLabelValues("one", "enforce", "limit")) != 1 {
		t.Error("hit not counted")
	}
}

// TestReloadWithExamples: with an analyzer, a set whose examples fail is
// rejected like one that does not load.
func TestReloadWithExamples(t *testing.T) {
	dir := t.TempDir()
	good := strings.Replace(rule("one", `contains_any(text, ["招代理"])`), "{match: [x], no_match: [y]}", "{match: [诚招代理], no_match: [吃火锅]}", 1)
	writeFile(t, dir, "a.yaml", ruleFile(good))
	r, err := NewReloader(ReloadConfig{Dir: dir, Analyze: analyze})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "a.yaml", ruleFile(strings.Replace(good, "吃火锅", "招代理", 1)))
	if err := r.Reload(); err == nil || !strings.Contains(err.Error(), `no_match example "招代理" matches`) {
		t.Fatalf("reload error = %v", err)
	}
	if _, err := NewReloader(ReloadConfig{Dir: dir, Analyze: analyze}); err == nil {
		t.Error("NewReloader accepted failing examples")
	}
}

// TestReloadWatch: Run reloads after a change in the directory or its
// lists, debounced, and keeps the set on a broken file, while posts are
// evaluated all along.
func TestReloadWatch(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.yaml", ruleFile(rule("one", `in_list("deny_authors", author.id)`)))
	writeFile(t, dir, "lists/deny_authors.txt", "u1\n")
	reports := make(chan error, 16)
	r, err := NewReloader(ReloadConfig{Dir: dir, Debounce: 20 * time.Millisecond, OnReload: func(_ *Set, err error) { reports <- err }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	// Posts flow while the rules change: every evaluation sees a whole set.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	evals := 0
	wg.Go(func() {
		f := featuresOf("x")
		f.Author.ID = "u1"
		for {
			select {
			case <-stop:
				return
			default:
			}
			if hits := r.Set().Eval(f, nil); len(hits) != 1 {
				t.Errorf("hits = %v", hits)
				return
			}
			evals++
		}
	})

	wait := func(what string) error {
		t.Helper()
		select {
		case err := <-reports:
			return err
		case <-time.After(10 * time.Second):
			t.Fatalf("no reload after %s", what)
		}
		return nil
	}
	time.Sleep(50 * time.Millisecond) // the watch is set up
	v1 := r.Set().Version()
	writeFile(t, dir, "lists/deny_authors.txt", "u1\nu2\n")
	if err := wait("a list change"); err != nil {
		t.Fatal(err)
	}
	v2 := r.Set().Version()
	if v2 == v1 {
		t.Error("a list change kept the version")
	}
	writeFile(t, dir, "b.yaml", "rules: [")
	if err := wait("a broken file"); err == nil {
		t.Fatal("a broken file reloaded")
	}
	if r.Set().Version() != v2 {
		t.Error("a broken file replaced the set")
	}
	if err := os.Remove(filepath.Join(dir, "b.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := wait("a removal"); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if evals == 0 {
		t.Error("no evaluations ran during the reloads")
	}
}

func TestReloadConfigValidate(t *testing.T) {
	if _, err := NewReloader(ReloadConfig{}); err == nil {
		t.Error("no dir accepted")
	}
	if _, err := NewReloader(ReloadConfig{Dir: t.TempDir(), Debounce: -1}); err == nil {
		t.Error("negative debounce accepted")
	}
	if _, err := NewReloader(ReloadConfig{Dir: t.TempDir()}); err == nil {
		t.Error("an empty directory loaded")
	}
}

func TestMetricsLint(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	s, err := Default(WithMetrics(m))
	if err != nil {
		t.Fatal(err)
	}
	m.activated(s, nil)
	m.reloaded(nil)
	s.Eval(featuresOf("诚招代理，零门槛，一件代发"), nil)
	testenv.LintMetrics(t, reg, "../docs/metrics.md")
}

func TestMetricsFixed(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	s, err := Default(WithMetrics(m))
	if err != nil {
		t.Fatal(err)
	}
	m.Fixed(s)
	if got := testutil.ToFloat64(m.reloadSuccess); got != 1 {
		t.Errorf("reload_success = %v with a fixed set, want 1", got)
	}
	if got := testutil.ToFloat64(m.info.WithLabelValues(s.Version())); got != 1 {
		t.Errorf("rules_info{version=%s} = %v, want 1", s.Version(), got)
	}
	var nilMetrics *Metrics
	nilMetrics.Fixed(s) // records nothing, does not panic
}

func TestReads(t *testing.T) {
	s, err := LoadDir("testdata/lists.good")
	if err != nil {
		t.Fatal(err)
	}
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		s       *Set
		feature string
		want    bool
	}{
		{def, "text", true},
		{def, "tokens", false},
		{def, "repetition", true},
		{def, "repetition.author_copies_24h", true},
		{def, "entities.wechat_ids", true},
		{def, "author.account_age_days", false},
		{s, "author.id", true},
		{nil, "text", false},
	} {
		if got := tc.s.Reads(tc.feature); got != tc.want {
			t.Errorf("Reads(%q) = %v, want %v", tc.feature, got, tc.want)
		}
	}
}
