package worker_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/circleguard/circleguard/internal/engine"
	"github.com/circleguard/circleguard/internal/fingerprint"
	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/kafkatest"
	"github.com/circleguard/circleguard/internal/repetition"
	"github.com/circleguard/circleguard/internal/testenv"
	"github.com/circleguard/circleguard/rules"
	"github.com/circleguard/circleguard/worker"
)

// TestLogsHoldNoPostContent runs the worker at debug level on the embedded
// broker with a canary string in every post's text, post ID and author ID
// (and in the Kafka keys), and in bad messages of every kind it
// dead-letters, then checks that the canary never reaches the log, while the
// verdicts and dead letters do carry it (so it did flow through).
func TestLogsHoldNoPostContent(t *testing.T) {
	const canary = "CANARY-e41d9b"
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	broker := cluster.ListenAddrs()[0]

	kcfg := worker.DefaultKafkaConfig()
	kcfg.Brokers = []string{broker}
	kcfg.PostsTopic, kcfg.VerdictsTopic, kcfg.DeadLetterTopic = "posts", "verdicts", "posts.dlq"
	kcfg.Partitions = 3
	store, err := repetition.Open(context.Background(), repetition.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	eng, err := engine.New(rules.DefaultConfig(), engine.DefaultClassifierConfig(), engine.Repetition{Store: store,
		Fingerprint: fingerprint.Config{Bands: fingerprint.DefaultBands, Rows: fingerprint.DefaultRows, Seed: fingerprint.DefaultSeed, MinRunes: fingerprint.DefaultMinRunes}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := worker.DefaultConfig()
	cfg.MaxPostBytes = 4096
	cfg.LagInterval = 200 * time.Millisecond
	reg := prometheus.NewRegistry()
	var logs testenv.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w, err := worker.New(kcfg, cfg, eng, worker.NewMetrics(reg), log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var runErr error
	wg.Go(func() { runErr = w.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()
	for !w.Ready() {
		time.Sleep(10 * time.Millisecond)
	}

	// Valid posts: the canary in the text, the IDs and the key; copies of
	// one text by many authors, so that repetition reasons fire too.
	g, err := gen.New(gen.Config{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []kafka.Message
	for i := range 400 {
		it := g.Next()
		p := it.Post
		p.ID = "post-" + canary + "-" + strconv.Itoa(i)
		p.AuthorID = "author-" + canary + "-" + strconv.Itoa(i%40)
		p.Text = canary + " " + p.Text
		if i%4 == 0 {
			p.Text = "加我微信 " + canary + " 下单立减99元"
		}
		v, _ := json.Marshal(&p)
		msgs = append(msgs, kafka.Message{Key: []byte(p.AuthorID), Value: v})
	}
	// Bad messages, each holding the canary.
	bads := []string{
		canary,                                   // not JSON
		`{"id":"` + canary + `","author_id":"a"`, // truncated
		`{"id":"` + canary + `","author_id":"a","text":"x","created_at":"` + canary + `"}`,                                 // bad time
		`{"id":"` + canary + `","text":"x","created_at":"2026-11-02T09:00:00Z"}`,                                           // missing author
		`{"id":"p","author_id":"` + canary + `","text":"` + canary + "\xff\xfe" + `","created_at":"2026-11-02T09:00:00Z"}`, // invalid UTF-8
		`{"id":"p","author_id":"a","text":"` + strings.Repeat(canary, 500) + `","created_at":"2026-11-02T09:00:00Z"}`,      // too large
		`{"id":["` + canary + `"],"author_id":"a","text":"x","created_at":"2026-11-02T09:00:00Z"}`,                         // wrong type
	}
	for i, b := range gen.BadMessages(5, 50) {
		bads = append(bads, strings.Replace(string(b.Data), "\"", "\""+canary, 1)+strconv.Itoa(i))
	}
	for _, b := range bads {
		msgs = append(msgs, kafka.Message{Key: []byte("key-" + canary), Value: []byte(b)})
	}
	kafkatest.Produce(t, broker, kcfg.PostsTopic, msgs)

	deadline := time.Now().Add(time.Minute)
	for sum(t, reg, "circleguard_verdicts_total")+sum(t, reg, "circleguard_dead_letters_total") < float64(len(msgs)) ||
		sum(t, reg, "circleguard_in_flight_posts") != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %v of %d answered", sum(t, reg, "circleguard_verdicts_total")+sum(t, reg, "circleguard_dead_letters_total"), len(msgs))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if runErr != nil {
		t.Fatalf("Run: %v", runErr)
	}

	// The canary flowed through: verdicts and dead letters carry it.
	verdicts := kafkatest.ReadAll(t, broker, kcfg.VerdictsTopic)
	dlq := kafkatest.ReadAll(t, broker, kcfg.DeadLetterTopic)
	if len(verdicts) != 400 || !strings.Contains(string(verdicts[0].Value), canary) {
		t.Fatalf("%d verdicts (want 400), first %s", len(verdicts), verdicts[0].Value)
	}
	if len(dlq) != len(bads) {
		t.Errorf("%d dead letters, want %d", len(dlq), len(bads))
	}
	out := logs.String()
	if !strings.Contains(out, `"msg":"worker started"`) || !strings.Contains(out, `"msg":"worker stopped"`) {
		t.Fatalf("the log lacks the worker's own lines; captured:\n%s", out)
	}
	if strings.Contains(out, canary) {
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, canary) {
				t.Errorf("log line holds post content: %s", line)
			}
		}
	}
	t.Logf("%d log lines, %d verdicts, %d dead letters; no canary in the log", strings.Count(out, "\n"), len(verdicts), len(dlq))
}
