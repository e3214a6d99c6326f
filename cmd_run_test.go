package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/circleguard/circleguard/internal/testenv"
	"github.com/circleguard/circleguard/internal/verdict"
	"github.com/circleguard/circleguard/rules"
)

const coffeeRule = "rules:\n  - id: t.coffee\n    description: coffee\n    owner: tests\n    labels: [fraud]\n    action: block\n    score: 0.9\n    mode: enforce\n" +
	"    when: contains_any(text, [\"咖啡\"])\n    examples: {match: [喝咖啡], no_match: [早安]}\n"

// brokenCoffee names a feature that does not exist, on line 9.
const brokenCoffee = "rules:\n  - id: t.broken\n    description: broken\n    owner: tests\n    labels: [fraud]\n    action: block\n    score: 0.9\n    mode: enforce\n" +
	"    when: classifier.nope > 1\n    examples: {match: [喝咖啡], no_match: [早安]}\n"

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRunRulesWatch checks run's rules wiring without Kafka: a broken file
// is seen by the watch, logged as file:line: reason, and leaves the active
// set; SIGHUP reloads; the embedded pack ignores SIGHUP and reports a
// successful load.
func TestRunRulesWatch(t *testing.T) {
	for _, tc := range []struct {
		name     string
		debounce time.Duration
	}{{"file change", 50 * time.Millisecond}, {"SIGHUP", time.Hour}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "coffee.yaml"), []byte(coffeeRule), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg := defaultConfig()
			cfg.Rules = RulesConfig{Dir: dir, Debounce: tc.debounce}
			reg := prometheus.NewRegistry()
			m := rules.NewMetrics(reg)
			var logs testenv.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			active, err := openRules(cfg, m, true, log)
			if err != nil {
				t.Fatal(err)
			}
			src := active.source()
			v1 := src.Set().Version()
			hup := make(chan os.Signal, 1)
			stop := active.watch(t.Context(), hup, log)
			defer stop()
			time.Sleep(100 * time.Millisecond) // let the watch start

			if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte(brokenCoffee), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.debounce == time.Hour {
				hup <- os.Interrupt // any value: the channel stands for SIGHUP
			}
			waitUntil(t, "the failed reload in the log", func() bool { return strings.Contains(logs.String(), "rules reload failed") })
			want := filepath.Join(dir, "broken.yaml") + ":9: rule t.broken: when: type rules.ClassifierFeatures has no field nope"
			if !strings.Contains(logs.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, logs.String())
			}
			if got := testutil.ToFloat64(collectorOf(reg, "circleguard_rules_reload_success")); got != 0 || src.Set().Version() != v1 {
				t.Fatalf("after a broken file: reload_success %v, version %s (was %s)", got, src.Set().Version(), v1)
			}
			if err := os.Remove(filepath.Join(dir, "broken.yaml")); err != nil {
				t.Fatal(err)
			}
			if tc.debounce == time.Hour {
				hup <- os.Interrupt
			}
			waitUntil(t, "the successful reload", func() bool { return testutil.ToFloat64(collectorOf(reg, "circleguard_rules_reload_success")) == 1 })
			if src.Set().Version() != v1 {
				t.Errorf("version %s after removing the broken file, want %s", src.Set().Version(), v1)
			}
		})
	}

	t.Run("embedded", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		m := rules.NewMetrics(reg)
		var logs testenv.Buffer
		log := slog.New(slog.NewJSONHandler(&logs, nil))
		active, err := openRules(defaultConfig(), m, true, log)
		if err != nil {
			t.Fatal(err)
		}
		def, _ := rules.Default()
		if active.source().Set().Version() != def.Version() {
			t.Fatal("not the embedded pack")
		}
		if got := testutil.ToFloat64(collectorOf(reg, "circleguard_rules_reload_success")); got != 1 {
			t.Errorf("reload_success = %v with the embedded pack, want 1", got)
		}
		hup := make(chan os.Signal, 1)
		stop := active.watch(t.Context(), hup, log)
		hup <- os.Interrupt
		waitUntil(t, "the SIGHUP log line", func() bool { return strings.Contains(logs.String(), "nothing to reload") })
		stop()
	})
}

// collectorOf is a collector of the sum of the named gauge's samples.
func collectorOf(g prometheus.Gatherer, name string) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: name}, func() float64 {
		mfs, _ := g.Gather()
		var s float64
		for _, mf := range mfs {
			if mf.GetName() == name {
				for _, m := range mf.GetMetric() {
					s += m.GetGauge().GetValue()
				}
			}
		}
		return s
	})
}

// TestScanRules: scan -rules DIR decides with the directory's rules, and
// refuses a directory whose examples fail.
func TestScanRules(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "coffee.yaml"), []byte(coffeeRule), 0o644); err != nil {
		t.Fatal(err)
	}
	in := `{"id":"p1","author_id":"a1","text":"周末去喝咖啡","created_at":"2026-11-01T08:00:00Z"}` + "\n"
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"scan", "-rules", dir}, func(string) string { return "" }, strings.NewReader(in), &out, &errOut); err != nil {
		t.Fatalf("scan: %v\n%s", err, errOut.String())
	}
	var v verdict.Verdict
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if v.Action != verdict.Block || len(v.Reasons) == 0 || !strings.Contains(out.String(), `"kind":"rule","id":"t.coffee","label":"fraud"`) {
		t.Errorf("verdict with -rules: %s", out.String())
	}
	// The same through the environment, and the embedded pack without.
	out.Reset()
	env := func(k string) string {
		if k == "CIRCLEGUARD_RULES_DIR" {
			return dir
		}
		return ""
	}
	if err := run(context.Background(), []string{"scan"}, env, strings.NewReader(in), &out, &errOut); err != nil || !strings.Contains(out.String(), "t.coffee") {
		t.Errorf("scan with CIRCLEGUARD_RULES_DIR: %v %s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"scan"}, func(string) string { return "" }, strings.NewReader(in), &out, &errOut); err != nil || strings.Contains(out.String(), "t.coffee") {
		t.Errorf("scan without rules.dir: %v %s", err, out.String())
	}

	bad := strings.Replace(coffeeRule, "no_match: [早安]", "no_match: [咖啡]", 1)
	if err := os.WriteFile(filepath.Join(dir, "coffee.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"scan", "-rules", dir}, func(string) string { return "" }, strings.NewReader(in), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), `no_match example "咖啡" matches`) {
		t.Errorf("scan with a failing example: %v", err)
	}
}
