package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/circleguard/circleguard/internal/engine"
	"github.com/circleguard/circleguard/internal/fingerprint"
	"github.com/circleguard/circleguard/internal/kafkatest"
	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/verdict"
	"github.com/circleguard/circleguard/rules"
	"github.com/circleguard/circleguard/worker"
)

const kiteRule = `rules:
  - id: t.kite
    description: kites
    owner: tests
    labels: [mlm]
    action: review
    score: 0.8
    mode: enforce
    when: contains_any(text, ["风筝"])
    examples:
      match: [放风筝]
      no_match: [早安]
`

const balloonRule = `rules:
  - id: t.balloon
    description: balloons
    owner: tests
    labels: [fraud]
    action: block
    score: 0.9
    mode: enforce
    when: contains_any(text, ["气球"])
    examples:
      match: [买气球]
      no_match: [早安]
`

// brokenRule fails to load: its when names a feature that does not exist.
const brokenRule = `rules:
  - id: t.broken
    description: broken
    owner: tests
    labels: [fraud]
    action: block
    score: 0.9
    mode: enforce
    when: classifier.nope > 1
    examples:
      match: [买气球]
      no_match: [早安]
`

// TestReloadUnderLoad drops a broken rule file into the rules directory
// while posts flow through the worker (embedded broker), then fixes it: no
// verdict is lost, the old set decides while the new one is broken,
// circleguard_rules_reload_success says 0 then 1, and the verdicts after
// the fix carry the new rules_version and the new rule's reasons.
func TestReloadUnderLoad(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	broker := cluster.ListenAddrs()[0]

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kite.yaml"), []byte(kiteRule), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	rm := rules.NewMetrics(reg)
	analyze, err := engine.ExampleAnalyzer(engine.DefaultClassifierConfig(), fingerprint.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var reloadErrs atomic.Int64
	rl, err := rules.NewReloader(rules.ReloadConfig{Dir: dir, Debounce: 100 * time.Millisecond, Analyze: analyze, Metrics: rm,
		OnReload: func(_ *rules.Set, err error) {
			if err != nil {
				reloadErrs.Add(1)
				t.Logf("reload: %v", err)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	v1 := rl.Set().Version()
	eng, err := engine.New(rules.DefaultConfig(), engine.DefaultClassifierConfig(), engine.Repetition{}, engine.WithRuleSource(rl))
	if err != nil {
		t.Fatal(err)
	}
	rv1 := eng.RulesVersion()

	kcfg := worker.DefaultKafkaConfig()
	kcfg.Brokers = []string{broker}
	kcfg.Partitions = 4
	cfg := worker.DefaultConfig()
	cfg.LagInterval = 200 * time.Millisecond
	w, err := worker.New(kcfg, cfg, eng, worker.NewMetrics(reg), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := w.Run(ctx); err != nil {
			t.Errorf("worker: %v", err)
		}
	})
	wg.Go(func() {
		if err := rl.Run(ctx); err != nil {
			t.Errorf("reloader: %v", err)
		}
	})
	defer func() { cancel(); wg.Wait() }()
	waitFor(t, "the worker to be ready", w.Ready)

	// Posts flow all along: every 10 ms, 20 posts, one in four about kites
	// or balloons.
	var produced atomic.Int64
	var mu sync.Mutex
	ids := map[string]string{} // post id → phase it was produced in
	phase := "before"
	send := func(prefix string, n int) {
		mu.Lock()
		ph := phase
		mu.Unlock()
		msgs := make([]kafka.Message, n)
		for i := range msgs {
			k := produced.Add(1)
			text := "周末在家看书，天气真好"
			switch k % 4 {
			case 0:
				text = "周末带娃去公园放风筝"
			case 1:
				text = "买气球送朋友"
			}
			p := post.Post{ID: fmt.Sprintf("%s-%d", prefix, k), AuthorID: fmt.Sprintf("a%d", k%50), Text: text, CreatedAt: time.Now().UTC()}
			b, _ := json.Marshal(&p)
			msgs[i] = kafka.Message{Key: []byte(p.AuthorID), Value: b}
			mu.Lock()
			ids[p.ID] = ph
			mu.Unlock()
		}
		kafkatest.Produce(t, broker, kcfg.PostsTopic, msgs)
	}
	flowCtx, stopFlow := context.WithCancel(ctx)
	var flow sync.WaitGroup
	flow.Go(func() {
		for flowCtx.Err() == nil {
			send("flow", 20)
			time.Sleep(10 * time.Millisecond)
		}
	})
	verdicts := func() float64 { return sumOf(t, reg, "circleguard_verdicts_total") }
	waitFor(t, "verdicts to flow", func() bool { return verdicts() > 200 })

	// A broken file: the reload fails, the old set stays.
	if err := os.WriteFile(filepath.Join(dir, "balloon.yaml"), []byte(brokenRule), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failed reload", func() bool { return reloadErrs.Load() > 0 })
	if got := testutil.ToFloat64(gauge(t, reg, "circleguard_rules_reload_success")); got != 0 {
		t.Fatalf("circleguard_rules_reload_success = %v after a broken file, want 0", got)
	}
	if rl.Set().Version() != v1 || eng.RulesVersion() != rv1 {
		t.Fatalf("the broken set replaced the active one: %s", rl.Set().Version())
	}
	setPhase := func(p string) {
		mu.Lock()
		phase = p
		mu.Unlock()
	}
	setPhase("broken")
	send("broken", 100)
	time.Sleep(300 * time.Millisecond) // the flow goes on under the old set

	// Fixed: the new set is active, the metric says so. Posts sent while
	// the fix is being picked up may be decided by either set.
	setPhase("transition")
	if err := os.WriteFile(filepath.Join(dir, "balloon.yaml"), []byte(balloonRule), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the fixed reload", func() bool { return rl.Set().Version() != v1 })
	rv2 := eng.RulesVersion()
	if got := testutil.ToFloat64(gauge(t, reg, "circleguard_rules_reload_success")); got != 1 || rv2 == rv1 {
		t.Fatalf("after the fix: reload_success %v, rules_version %s (was %s)", got, rv2, rv1)
	}
	setPhase("fixed")
	send("fixed", 100)
	time.Sleep(200 * time.Millisecond)
	stopFlow()
	flow.Wait()
	waitFor(t, "every verdict", func() bool {
		return verdicts() >= float64(produced.Load()) && sumOf(t, reg, "circleguard_in_flight_posts") == 0
	})

	seen := map[string]int{}
	byPhase := map[string]map[string]int{} // phase → rules_version → verdicts
	for _, msg := range kafkatest.ReadAll(t, broker, kcfg.VerdictsTopic) {
		var v verdict.Verdict
		if err := json.Unmarshal(msg.Value, &v); err != nil {
			t.Fatal(err)
		}
		seen[v.PostID]++
		mu.Lock()
		ph := ids[v.PostID]
		mu.Unlock()
		if byPhase[ph] == nil {
			byPhase[ph] = map[string]int{}
		}
		byPhase[ph][v.RulesVersion]++
		balloon := false
		for _, r := range v.Reasons {
			balloon = balloon || r.ID == "t.balloon"
		}
		switch ph {
		case "before", "broken":
			if v.RulesVersion != rv1 || balloon {
				t.Errorf("%s post %s: rules_version %s, balloon rule %v; want %s without it", ph, v.PostID, v.RulesVersion, balloon, rv1)
			}
		case "fixed":
			if v.RulesVersion != rv2 {
				t.Errorf("post %s after the fix: rules_version %s, want %s", v.PostID, v.RulesVersion, rv2)
			}
			if want := v.Action == verdict.Block; balloon != want {
				t.Errorf("post %s after the fix: balloon rule %v, action %s", v.PostID, balloon, v.Action)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for id := range ids {
		if seen[id] != 1 {
			t.Errorf("post %s: %d verdicts, want 1", id, seen[id])
		}
	}
	t.Logf("%d posts, %d verdicts; rules_version by phase: %v", len(ids), len(seen), byPhase)
}

// waitFor polls cond for up to a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sumOf adds up every sample of the named counter or gauge family.
func sumOf(t *testing.T, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var s float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				s += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return s
}

// gauge is a collector of the named single gauge, for testutil.ToFloat64.
func gauge(t *testing.T, g prometheus.Gatherer, name string) prometheus.Collector {
	t.Helper()
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: name}, func() float64 { return sumOf(t, g, name) })
}
