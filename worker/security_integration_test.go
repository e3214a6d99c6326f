package worker_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl/scram"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/circleguard/circleguard/internal/engine"
	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/kafkatest"
	"github.com/circleguard/circleguard/internal/testcert"
	"github.com/circleguard/circleguard/internal/testenv"
	"github.com/circleguard/circleguard/internal/verdict"
	"github.com/circleguard/circleguard/rules"
	"github.com/circleguard/circleguard/worker"
)

// TestIntegrationWorkerTLS runs the worker against the real broker's SSL
// listener, the broker's certificate verified against the CA that
// scripts/kafka.sh made: topics created, posts consumed, verdicts
// published, offsets committed and lag read, all over TLS.
func TestIntegrationWorkerTLS(t *testing.T) {
	s := kafkatest.SecureBroker(t)
	kcfg := worker.DefaultKafkaConfig()
	kcfg.Brokers = []string{s.TLSAddr}
	kcfg.TLS = worker.TLSConfig{Enabled: true, CAFile: s.CAFile}
	securePipeline(t, kcfg, s.TLSConn(t), 3000)
}

// TestIntegrationWorkerSASL does the same over the SASL_SSL listener, the
// worker logged in with SCRAM-SHA-512.
func TestIntegrationWorkerSASL(t *testing.T) {
	s := kafkatest.SecureBroker(t)
	kcfg := worker.DefaultKafkaConfig()
	kcfg.Brokers = []string{s.SASLAddr}
	kcfg.TLS = worker.TLSConfig{Enabled: true, CAFile: s.CAFile}
	kcfg.SASL = worker.SASLConfig{Mechanism: worker.SASLScramSHA512, Username: s.User, Password: worker.Secret(s.Password)}
	securePipeline(t, kcfg, s.SASLConn(t), 3000)
}

// TestIntegrationWorkerRefused: a wrong password, a CA that did not sign
// the broker's certificate and plain TCP to a TLS listener each stop Run
// within a bounded time with an error that says why, and no error holds the
// password.
func TestIntegrationWorkerRefused(t *testing.T) {
	s := kafkatest.SecureBroker(t)
	other := testcert.WriteFile(t, "other-ca.pem", testcert.NewCA(t, "not the broker's CA").PEM)
	const wrong = "not-the-password-0123"
	for _, tc := range []struct {
		name   string
		broker string
		tls    worker.TLSConfig
		sasl   worker.SASLConfig
		want   string
	}{
		{"wrong password", s.SASLAddr, worker.TLSConfig{Enabled: true, CAFile: s.CAFile},
			worker.SASLConfig{Mechanism: worker.SASLScramSHA512, Username: s.User, Password: wrong}, "SASL Authentication Failed"},
		{"unknown user", s.SASLAddr, worker.TLSConfig{Enabled: true, CAFile: s.CAFile},
			worker.SASLConfig{Mechanism: worker.SASLScramSHA512, Username: "nobody", Password: worker.Secret(s.Password)}, "SASL Authentication Failed"},
		{"wrong CA", s.TLSAddr, worker.TLSConfig{Enabled: true, CAFile: other}, worker.SASLConfig{},
			"x509: certificate signed by unknown authority"},
		{"wrong CA with SASL", s.SASLAddr, worker.TLSConfig{Enabled: true, CAFile: other},
			worker.SASLConfig{Mechanism: worker.SASLScramSHA512, Username: s.User, Password: worker.Secret(s.Password)}, "x509: certificate signed by unknown authority"},
		{"wrong server name", s.TLSAddr, worker.TLSConfig{Enabled: true, CAFile: s.CAFile, ServerName: "kafka.example"}, worker.SASLConfig{},
			"x509: certificate is valid for localhost, not kafka.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kcfg := worker.DefaultKafkaConfig()
			kcfg.Brokers = []string{tc.broker}
			kcfg.TLS, kcfg.SASL = tc.tls, tc.sasl
			took, err := runRefused(t, kcfg)
			kafkatest.Report(t, fmt.Sprintf("refused in %v: %v", took.Round(time.Millisecond), err))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run: %v, want an error containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), s.Password) {
				t.Errorf("the error holds the password: %v", err)
			}
		})
	}
}

// runRefused runs a worker that must fail to start and returns how long Run
// took and its error; more than 30 s fails the test.
func runRefused(t *testing.T, kcfg worker.KafkaConfig) (time.Duration, error) {
	t.Helper()
	kcfg.PostsTopic = kafkatest.Unique("refused")
	kcfg.VerdictsTopic, kcfg.DeadLetterTopic = kcfg.PostsTopic+".verdicts", kcfg.PostsTopic+".dlq"
	kcfg.Group = kcfg.PostsTopic
	eng, err := engine.New(rules.DefaultConfig(), engine.DefaultClassifierConfig(), engine.Repetition{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(kcfg, worker.DefaultConfig(), eng, worker.NewMetrics(prometheus.NewRegistry()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	err = w.Run(ctx)
	took := time.Since(start)
	if took > 30*time.Second {
		t.Errorf("Run took %v to give up, want a bounded failure (< 30s)", took)
	}
	return took, err
}

// TestWorkerSecureEmbedded is the quick check of the same wiring on the
// embedded broker, with TLS (a certificate the test makes) and SCRAM-SHA-512.
func TestWorkerSecureEmbedded(t *testing.T) {
	ca := testcert.NewCA(t, "embedded CA")
	const user, password = "worker", "embedded-scram-password"
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{ca.Server(t, "127.0.0.1").TLS}, MinVersion: tls.VersionTLS12}),
		kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-512", user, password))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	addr := cluster.ListenAddrs()[0]
	kcfg := worker.DefaultKafkaConfig()
	kcfg.Brokers = []string{addr}
	kcfg.TLS = worker.TLSConfig{Enabled: true, CAFile: testcert.WriteFile(t, "ca.pem", ca.PEM)}
	kcfg.SASL = worker.SASLConfig{Mechanism: "SCRAM-SHA-512", Username: user, Password: password}
	m, err := scram.Mechanism(scram.SHA512, user, password)
	if err != nil {
		t.Fatal(err)
	}
	securePipeline(t, kcfg, kafkatest.Conn{Addr: addr, TLS: &tls.Config{RootCAs: ca.Pool()}, SASL: m}, 500)

	// kfake drops the connection rather than answering with the error code
	// that Apache Kafka sends (TestIntegrationWorkerRefused checks that
	// message): here only the bounded failure is checked.
	bad := kcfg
	bad.SASL.Password = "wrong"
	if _, err := runRefused(t, bad); err == nil {
		t.Error("wrong password: Run succeeded")
	}
}

// securePipeline runs the worker with kcfg (whose Brokers and security are
// set) on new topics, produces n posts through conn, and checks that every
// post has exactly one verdict, that the worker read its lag without error
// and that every input offset is committed.
func securePipeline(t *testing.T, kcfg worker.KafkaConfig, conn kafkatest.Conn, n int) {
	t.Helper()
	kcfg.PostsTopic = kafkatest.Unique("secure-posts")
	kcfg.VerdictsTopic = kcfg.PostsTopic + ".verdicts"
	kcfg.DeadLetterTopic = kcfg.PostsTopic + ".dlq"
	kcfg.Group = kafkatest.Unique("secure-group")
	kcfg.Partitions = 3
	eng, err := engine.New(rules.DefaultConfig(), engine.DefaultClassifierConfig(), engine.Repetition{})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	cfg := worker.DefaultConfig()
	cfg.LagInterval = 300 * time.Millisecond
	var logs testenv.Buffer
	w, err := worker.New(kcfg, cfg, eng, worker.NewMetrics(reg), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("worker log:\n%s", logs.String())
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var runErr error
	wg.Go(func() { runErr = w.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()
	start := time.Now()
	for !w.Ready() {
		if time.Since(start) > 30*time.Second {
			cancel()
			wg.Wait()
			t.Fatalf("worker not ready after 30s: %v", runErr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	ready := time.Since(start)

	g, err := gen.New(gen.Config{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		it := g.Next()
		ids[it.Post.ID] = true
		v, _ := json.Marshal(&it.Post)
		msgs[i] = kafka.Message{Key: []byte(it.Post.AuthorID), Value: v}
	}
	t0 := time.Now()
	conn.Produce(t, kcfg.PostsTopic, msgs)
	for {
		done := sum(t, reg, "circleguard_verdicts_total") + sum(t, reg, "circleguard_dead_letters_total")
		if done >= float64(n) && sum(t, reg, "circleguard_consumer_lag_messages") == 0 && sum(t, reg, "circleguard_in_flight_posts") == 0 {
			break
		}
		if time.Since(t0) > 2*time.Minute {
			t.Fatalf("timed out: %v of %d answered, lag %v", done, n, sum(t, reg, "circleguard_consumer_lag_messages"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	took := time.Since(t0)
	// Ready needs a lag poll that succeeded within the last few intervals:
	// the worker's admin client works over this listener too.
	if !w.Ready() {
		t.Error("worker not ready after answering every post: its lag polls fail")
	}
	cancel()
	wg.Wait()
	if runErr != nil {
		t.Fatalf("Run: %v", runErr)
	}

	seen := map[string]int{}
	for _, msg := range conn.ReadAll(t, kcfg.VerdictsTopic) {
		var v verdict.Verdict
		if err := json.Unmarshal(msg.Value, &v); err != nil {
			t.Fatalf("verdict is not JSON: %v", err)
		}
		seen[v.PostID]++
	}
	for id := range ids {
		if seen[id] != 1 {
			t.Errorf("post %s: %d verdicts, want 1", id, seen[id])
		}
	}
	if len(seen) != len(ids) {
		t.Errorf("%d distinct verdicts for %d posts", len(seen), len(ids))
	}
	lag, err := worker.Lag(context.Background(), conn.Client(), kcfg.Group, kcfg.PostsTopic)
	if err != nil {
		t.Fatal(err)
	}
	for p, l := range lag {
		if l != 0 {
			t.Errorf("partition %d: lag %d after shutdown", p, l)
		}
	}
	kafkatest.Report(t, fmt.Sprintf("%s: ready in %v, %d posts answered in %v (%.0f posts/s), one verdict each, all committed",
		conn.Addr, ready.Round(time.Millisecond), n, took.Round(time.Millisecond), float64(n)/took.Seconds()))
}
