package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/circleguard/circleguard/internal/engine"
	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/kafkatest"
	"github.com/circleguard/circleguard/internal/verdict"
	"github.com/circleguard/circleguard/rules"
	"github.com/circleguard/circleguard/worker"
)

// TestWorkerEmbedded runs the pipeline on the embedded broker: a quick check
// of the wiring. TestIntegrationWorker is the proof on real Kafka.
func TestWorkerEmbedded(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	testPipeline(t, cluster.ListenAddrs()[0], 2000, 50)
}

func TestWorkerMissingTopics(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "posts"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	kcfg := worker.DefaultKafkaConfig()
	kcfg.Brokers = cluster.ListenAddrs()
	kcfg.CreateTopics = false
	eng, _ := engine.New(rules.DefaultConfig(), engine.DefaultClassifierConfig(), engine.Repetition{})
	w, err := worker.New(kcfg, worker.DefaultConfig(), eng, worker.NewMetrics(prometheus.NewRegistry()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = w.Run(ctx)
	want := "kafka: missing topics verdicts, posts.dlq; create them or set kafka.create_topics: true"
	if err == nil || err.Error() != want {
		t.Fatalf("Run error = %v, want %q", err, want)
	}
}

// TestWorkerShutdownDeadline loses the broker mid-stream and checks that a
// stop still returns soon after the shutdown deadline, leaving the unwritten
// posts uncommitted.
func TestWorkerShutdownDeadline(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "posts", "verdicts", "posts.dlq"))
	if err != nil {
		t.Fatal(err)
	}
	kcfg := worker.DefaultKafkaConfig()
	kcfg.Brokers = cluster.ListenAddrs()
	cfg := worker.DefaultConfig()
	cfg.ShutdownTimeout = 2 * time.Second
	eng, _ := engine.New(rules.DefaultConfig(), engine.DefaultClassifierConfig(), engine.Repetition{})
	reg := prometheus.NewRegistry()
	w, err := worker.New(kcfg, cfg, eng, worker.NewMetrics(reg), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	for !w.Ready() {
		time.Sleep(20 * time.Millisecond)
	}
	g, _ := gen.New(gen.Config{Seed: 1})
	var msgs []kafka.Message
	for range 500 {
		it := g.Next()
		v, _ := json.Marshal(&it.Post)
		msgs = append(msgs, kafka.Message{Key: []byte(it.Post.AuthorID), Value: v})
	}
	kafkatest.Produce(t, kcfg.Brokers[0], "posts", msgs)
	for sum(t, reg, "circleguard_posts_consumed_total") == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	cluster.Close()
	cancel()
	start := time.Now()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		t.Logf("stopped %v after cancellation", time.Since(start).Round(10*time.Millisecond))
	case <-time.After(cfg.ShutdownTimeout + 20*time.Second):
		t.Fatal("Run did not return within 20s of the shutdown deadline")
	}
}

func TestIntegrationWorker(t *testing.T) {
	testPipeline(t, kafkatest.Broker(t), 20000, 300)
}

// testPipeline produces valid posts and bad messages, runs the worker until
// every one is answered, then checks: one verdict per valid post keyed by
// post_id, one dead-letter record per bad message with its reason and source
// headers, and every input offset committed.
func testPipeline(t *testing.T, broker string, valid, bad int) {
	kcfg := worker.DefaultKafkaConfig()
	kcfg.Brokers = []string{broker}
	kcfg.PostsTopic = kafkatest.Unique("posts")
	kcfg.VerdictsTopic = kcfg.PostsTopic + ".verdicts"
	kcfg.DeadLetterTopic = kcfg.PostsTopic + ".dlq"
	kcfg.Group = kafkatest.Unique("group")
	kcfg.Partitions = 4
	// The worker creates the topics itself (create_topics defaults to true).
	eng, err := engine.New(rules.DefaultConfig(), engine.DefaultClassifierConfig(), engine.Repetition{})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m := worker.NewMetrics(reg)
	cfg := worker.DefaultConfig()
	cfg.LagInterval = 500 * time.Millisecond
	w, err := worker.New(kcfg, cfg, eng, m, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var runErr error
	wg.Go(func() { runErr = w.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()

	// Wait for the topics, then produce.
	deadline := time.Now().Add(30 * time.Second)
	for !w.Ready() {
		if time.Now().After(deadline) {
			cancel()
			wg.Wait()
			t.Fatalf("worker not ready after 30s: %v", runErr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	g, err := gen.New(gen.Config{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	bads := gen.BadMessages(7, bad)
	wantReason := map[string]string{} // key → reason
	var msgs []kafka.Message
	ids := map[string]bool{}
	for i := range valid + bad {
		if i%(valid/bad+1) == 0 && len(bads) > 0 {
			b := bads[0]
			bads = bads[1:]
			key := "bad-" + strconv.Itoa(i)
			wantReason[key] = b.Reason
			msgs = append(msgs, kafka.Message{Key: []byte(key), Value: b.Data})
			continue
		}
		it := g.Next()
		ids[it.Post.ID] = true
		v, _ := json.Marshal(&it.Post)
		msgs = append(msgs, kafka.Message{Key: []byte(it.Post.AuthorID), Value: v})
	}
	for len(bads) > 0 { // whatever the interleaving left over
		key := "bad-tail-" + strconv.Itoa(len(bads))
		wantReason[key] = bads[0].Reason
		msgs = append(msgs, kafka.Message{Key: []byte(key), Value: bads[0].Data})
		bads = bads[1:]
	}
	kafkatest.Produce(t, broker, kcfg.PostsTopic, msgs)

	// Wait until every message is answered and committed.
	want := float64(len(msgs))
	for {
		done := sum(t, reg, "circleguard_verdicts_total") + sum(t, reg, "circleguard_dead_letters_total")
		lag := sum(t, reg, "circleguard_consumer_lag_messages")
		if done >= want && lag == 0 && sum(t, reg, "circleguard_in_flight_posts") == 0 {
			break
		}
		if time.Now().After(deadline.Add(2 * time.Minute)) {
			t.Fatalf("timed out: %v of %v answered, lag %v", done, want, lag)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if runErr != nil {
		t.Fatalf("Run: %v", runErr)
	}

	// Verdicts: exactly one per valid post (no crash here, so no duplicates).
	seen := map[string]int{}
	for _, msg := range kafkatest.ReadAll(t, broker, kcfg.VerdictsTopic) {
		var v verdict.Verdict
		if err := json.Unmarshal(msg.Value, &v); err != nil {
			t.Fatalf("verdict is not JSON: %v", err)
		}
		if string(msg.Key) != v.PostID {
			t.Fatalf("verdict key %q != post_id %q", msg.Key, v.PostID)
		}
		if v.Source == nil || v.Source.Topic != kcfg.PostsTopic || v.Action == "" || v.RulesVersion == "" || v.ModelVersion == "" {
			t.Fatalf("incomplete verdict: %s", msg.Value)
		}
		seen[v.PostID]++
	}
	for id := range ids {
		if seen[id] != 1 {
			t.Errorf("post %s: %d verdicts, want 1", id, seen[id])
		}
	}
	if len(seen) != len(ids) {
		t.Errorf("%d distinct verdicts for %d valid posts", len(seen), len(ids))
	}

	// Dead letters: one per bad message, with reason and source headers.
	dl := kafkatest.ReadAll(t, broker, kcfg.DeadLetterTopic)
	if len(dl) != len(wantReason) {
		t.Errorf("%d dead letters, want %d", len(dl), len(wantReason))
	}
	for _, msg := range dl {
		h := map[string]string{}
		for _, x := range msg.Headers {
			h[x.Key] = string(x.Value)
		}
		if got, want := h[worker.HeaderReason], wantReason[string(msg.Key)]; got != want {
			t.Errorf("dead letter %s: reason %q, want %q (error %q)", msg.Key, got, want, h[worker.HeaderError])
		}
		if h[worker.HeaderSourceTopic] != kcfg.PostsTopic || h[worker.HeaderSourcePartition] == "" || h[worker.HeaderSourceOffset] == "" || h[worker.HeaderError] == "" {
			t.Errorf("dead letter %s: headers %v", msg.Key, h)
		}
	}

	// Every input offset is committed.
	ends := kafkatest.EndOffsets(t, broker, kcfg.PostsTopic)
	c := &kafka.Client{Addr: kafka.TCP(broker)}
	lag, err := worker.Lag(context.Background(), c, kcfg.Group, kcfg.PostsTopic)
	if err != nil {
		t.Fatal(err)
	}
	for p, n := range lag {
		if n != 0 {
			t.Errorf("partition %d: lag %d after shutdown (end %d)", p, n, ends[p])
		}
	}
	t.Logf("%d valid posts, %d bad: %d verdicts, %d dead letters; %s", len(ids), len(wantReason), len(seen), len(dl), fmt.Sprint(ends))
}

// sum adds up every sample of the named counter or gauge family.
func sum(t testing.TB, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var s float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			s += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return s
}

// BenchmarkIntegrationWorkerThroughput measures `run` end to end on the real
// broker: 200,000 generated posts are produced first, then one worker drains
// them; posts/s counts from the first verdict to the last.
//
//	go test -run '^$' -bench IntegrationWorkerThroughput -benchtime 1x ./worker/
func BenchmarkIntegrationWorkerThroughput(b *testing.B) {
	broker := kafkatest.Broker(b)
	const n = 200_000
	kcfg := worker.DefaultKafkaConfig()
	kcfg.Brokers = []string{broker}
	kcfg.PostsTopic = kafkatest.Unique("bench-posts")
	kcfg.VerdictsTopic = kcfg.PostsTopic + ".verdicts"
	kcfg.DeadLetterTopic = kcfg.PostsTopic + ".dlq"
	kafkatest.CreateTopics(b, broker, 6, kcfg.PostsTopic, kcfg.VerdictsTopic, kcfg.DeadLetterTopic)
	g, _ := gen.New(gen.Config{Seed: 9})
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		it := g.Next()
		v, _ := json.Marshal(&it.Post)
		msgs[i] = kafka.Message{Key: []byte(it.Post.AuthorID), Value: v}
	}
	kafkatest.Produce(b, broker, kcfg.PostsTopic, msgs)
	eng, _ := engine.New(rules.DefaultConfig(), engine.DefaultClassifierConfig(), engine.Repetition{})
	for b.Loop() {
		kcfg.Group = kafkatest.Unique("bench-group")
		reg := prometheus.NewRegistry()
		cfg := worker.DefaultConfig()
		cfg.LagInterval = time.Second
		w, err := worker.New(kcfg, cfg, eng, worker.NewMetrics(reg), slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		start := time.Now()
		wg.Go(func() { w.Run(ctx) })
		// Time from the first verdict, so the group join does not count.
		var first float64
		for first == 0 {
			time.Sleep(time.Millisecond)
			first = sum(b, reg, "circleguard_verdicts_total")
		}
		t0 := time.Now()
		joined := t0.Sub(start)
		for sum(b, reg, "circleguard_verdicts_total") < n {
			time.Sleep(10 * time.Millisecond)
		}
		elapsed := time.Since(t0)
		cancel()
		wg.Wait()
		b.ReportMetric((n-first)/elapsed.Seconds(), "posts/s")
		b.ReportMetric(joined.Seconds(), "s-to-first-verdict")
	}
}
