package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/kafkatest"
	"github.com/circleguard/circleguard/worker"
)

// TestPassThroughEmbedded checks the pass-through on the embedded broker:
// every message, valid or not, is copied once to the verdicts topic with its
// key and value unchanged, nothing is dead-lettered or counted as a verdict,
// and every input offset is committed.
func TestPassThroughEmbedded(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "posts", "verdicts", "posts.dlq"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	broker := cluster.ListenAddrs()[0]
	kcfg := worker.DefaultKafkaConfig()
	kcfg.Brokers = []string{broker}
	kcfg.Group = "pass-through"
	cfg := worker.DefaultConfig()
	cfg.BatchSize = 64 // several batches per partition
	cfg.LagInterval = 200 * time.Millisecond
	reg := prometheus.NewRegistry()
	w, err := worker.NewPassThrough(kcfg, cfg, worker.NewMetrics(reg), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}

	g, err := gen.New(gen.Config{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{} // value → key
	var msgs []kafka.Message
	for i := range 1500 {
		it := g.Next()
		v, _ := json.Marshal(&it.Post)
		msgs = append(msgs, kafka.Message{Key: []byte(it.Post.AuthorID), Value: v})
		if i%100 == 0 { // not a post: copied all the same
			msgs = append(msgs, kafka.Message{Key: fmt.Appendf(nil, "bad-%d", i), Value: fmt.Appendf(nil, "{not json %d", i)})
		}
	}
	for _, m := range msgs {
		want[string(m.Value)] = string(m.Key)
	}
	kafkatest.Produce(t, broker, kcfg.PostsTopic, msgs)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var runErr error
	wg.Go(func() { runErr = w.Run(ctx) })
	deadline := time.Now().Add(time.Minute)
	for {
		lag := sum(t, reg, "circleguard_consumer_lag_messages")
		if sum(t, reg, "circleguard_posts_consumed_total") >= float64(len(msgs)) && lag == 0 && sum(t, reg, "circleguard_in_flight_posts") == 0 {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			wg.Wait()
			t.Fatalf("timed out: lag %v, run: %v", lag, runErr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if runErr != nil {
		t.Fatalf("Run: %v", runErr)
	}

	seen := map[string]int{}
	for _, m := range kafkatest.ReadAll(t, broker, kcfg.VerdictsTopic) {
		k, ok := want[string(m.Value)]
		if !ok {
			t.Fatalf("output %q is not an input value", m.Value)
		}
		if string(m.Key) != k {
			t.Errorf("output key %q, want the input's %q", m.Key, k)
		}
		seen[string(m.Value)]++
	}
	for v := range want {
		if seen[v] != 1 {
			t.Errorf("input copied %d times, want once", seen[v])
		}
	}
	if n := len(kafkatest.ReadAll(t, broker, kcfg.DeadLetterTopic)); n != 0 {
		t.Errorf("%d dead letters, want none", n)
	}
	for _, name := range []string{"circleguard_verdicts_total", "circleguard_dead_letters_total"} {
		if n := sum(t, reg, name); n != 0 {
			t.Errorf("%s = %v, want 0", name, n)
		}
	}
	lag, err := worker.Lag(context.Background(), &kafka.Client{Addr: kafka.TCP(broker)}, kcfg.Group, kcfg.PostsTopic)
	if err != nil {
		t.Fatal(err)
	}
	for p, n := range lag {
		if n != 0 {
			t.Errorf("partition %d: lag %d after shutdown", p, n)
		}
	}
}
