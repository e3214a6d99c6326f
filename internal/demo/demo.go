// Package demo runs the whole pipeline on one machine with nothing but Go: an
// embedded Kafka-protocol broker (kfake), a generator of realistic posts, the
// real worker and the admin server, and prints a live summary.
//
// kfake serves the demo and fast tests only; the integration tests prove the
// worker against a real Apache Kafka broker.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/circleguard/circleguard/internal/admin"
	"github.com/circleguard/circleguard/internal/engine"
	"github.com/circleguard/circleguard/internal/fingerprint"
	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/repetition"
	"github.com/circleguard/circleguard/rules"
	"github.com/circleguard/circleguard/worker"
)

// Config configures the demo.
type Config struct {
	// Rate is how many posts per second the generator publishes.
	// Default: 2000.
	Rate int
	// BadEvery makes every n-th message malformed, to show the dead-letter
	// path; 0 sends none. Default: 200.
	BadEvery int
	// Partitions of the posts topic. Default: 6.
	Partitions int
	// Seed selects the generated stream. Default: 1.
	Seed int64
	// Duration stops the demo after this long; 0 runs until ctx ends.
	Duration time.Duration
	// Refresh is how often the summary is printed. Default: 1s.
	Refresh time.Duration
	// Screen redraws one screen in place (for a terminal) instead of printing
	// one line per refresh.
	Screen bool
	// Model is a classifier model file; empty means the embedded model.
	Model string
	// RulesDir is a rules directory, watched and reloaded on change as run
	// does (every example must pass); empty means the embedded pack.
	RulesDir string
}

func (c *Config) defaults() {
	if c.Rate == 0 {
		c.Rate = 2000
	}
	if c.Partitions == 0 {
		c.Partitions = 6
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Refresh == 0 {
		c.Refresh = time.Second
	}
}

// Run runs the demo until ctx ends (or cfg.Duration passes), then stops the
// generator, lets the worker finish and commit, and returns. reg receives the
// worker's metrics; adminCfg.Addr empty disables the admin server.
func Run(ctx context.Context, cfg Config, adminCfg admin.Config, reg *prometheus.Registry, out io.Writer, log *slog.Logger) error {
	cfg.defaults()
	if cfg.Rate < 0 || cfg.BadEvery < 0 || cfg.Partitions < 1 {
		return errors.New("demo: rate, bad-every and partitions must not be negative")
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}

	kcfg := worker.DefaultKafkaConfig()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1),
		kfake.SeedTopics(int32(cfg.Partitions), kcfg.PostsTopic, kcfg.VerdictsTopic, kcfg.DeadLetterTopic))
	if err != nil {
		return fmt.Errorf("demo: start embedded broker: %w", err)
	}
	defer cluster.Close()
	kcfg.Brokers = cluster.ListenAddrs()
	kcfg.Group = "circleguard-demo"

	cc := engine.DefaultClassifierConfig()
	cc.Model = cfg.Model
	store, err := repetition.NewMemory(repetition.MemoryConfig{})
	if err != nil {
		return err
	}
	defer store.Close()
	rm := rules.NewMetrics(reg)
	src, reloader, err := openRules(cfg.RulesDir, cc, rm, log)
	if err != nil {
		return err
	}
	eng, err := engine.New(rules.DefaultConfig(), cc, engine.Repetition{Store: store}, engine.WithRuleSource(src))
	if err != nil {
		return err
	}
	wcfg := worker.DefaultConfig()
	wcfg.LagInterval = time.Second
	wcfg.ShutdownTimeout = 10 * time.Second
	w, err := worker.New(kcfg, wcfg, eng, worker.NewMetrics(reg), log)
	if err != nil {
		return err
	}

	var srv *admin.Server
	if adminCfg.Addr != "" {
		if srv, err = admin.Listen(adminCfg, reg, w.Ready, log); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "circleguard demo: embedded broker on %s, topics %s → %s (+ %s)\n",
		kcfg.Brokers[0], kcfg.PostsTopic, kcfg.VerdictsTopic, kcfg.DeadLetterTopic)
	if srv != nil {
		fmt.Fprintf(out, "metrics: http://%s/metrics   health: http://%s/healthz   (Ctrl-C stops)\n", srv.Addr(), srv.Addr())
	}

	var workerWG, adminWG sync.WaitGroup
	workerCtx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWorker()
	var workerErr error
	workerWG.Go(func() { workerErr = w.Run(workerCtx) })
	if reloader != nil {
		fmt.Fprintf(out, "rules: %s (%s), reloaded when it changes\n", cfg.RulesDir, reloader.Set().Version())
		workerWG.Go(func() {
			if err := reloader.Run(workerCtx); err != nil {
				log.Error("rules: cannot watch the directory", "dir", cfg.RulesDir, "err", err)
			}
		})
	}
	if srv != nil {
		adminCtx, stopAdmin := context.WithCancel(context.WithoutCancel(ctx))
		defer func() { stopAdmin(); adminWG.Wait() }()
		adminWG.Go(func() {
			if err := srv.Serve(adminCtx); err != nil {
				log.Error("admin server", "err", err)
			}
		})
	}

	var produced atomic.Int64
	var pwg sync.WaitGroup
	pwg.Go(func() {
		if err := produce(ctx, cfg, kcfg, &produced); err != nil && ctx.Err() == nil {
			log.Error("demo generator stopped", "err", err)
		}
	})
	s := newSummary(reg, &produced)
	t := time.NewTicker(cfg.Refresh)
	defer t.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-t.C:
			s.print(out, cfg.Screen)
		}
	}
	pwg.Wait()
	fmt.Fprintln(out, "stopping: the worker finishes the posts in flight and commits…")
	stopWorker()
	workerWG.Wait()
	s.print(out, false)
	return workerErr
}

// openRules returns the demo's rule source: the embedded pack, or a
// Reloader of dir (also returned, for its Run).
func openRules(dir string, cc engine.ClassifierConfig, m *rules.Metrics, log *slog.Logger) (engine.RuleSource, *rules.Reloader, error) {
	if dir == "" {
		s, err := rules.Default(rules.WithMetrics(m))
		if err != nil {
			return nil, nil, err
		}
		m.Fixed(s)
		return engine.FixedRules(s), nil, nil
	}
	analyze, err := engine.ExampleAnalyzer(cc, fingerprint.Config{})
	if err != nil {
		return nil, nil, err
	}
	rl, err := rules.NewReloader(rules.ReloadConfig{Dir: dir, Analyze: analyze, Metrics: m,
		OnReload: func(active *rules.Set, err error) {
			if err != nil {
				log.Error("rules reload failed; keeping the active rules", "rule_set", active.Version(), "err", err)
				return
			}
			log.Warn("rules reloaded", "dir", dir, "rule_set", active.Version())
		}})
	if err != nil {
		return nil, nil, fmt.Errorf("demo: rules %s: %w", dir, err)
	}
	return rl, rl, nil
}

// produce publishes generated posts (and every BadEvery-th a malformed
// message) at cfg.Rate until ctx ends.
func produce(ctx context.Context, cfg Config, kcfg worker.KafkaConfig, produced *atomic.Int64) error {
	g, err := gen.New(gen.Config{Seed: cfg.Seed, Start: time.Now().UTC(), Interval: time.Second / time.Duration(max(cfg.Rate, 1))})
	if err != nil {
		return err
	}
	bads := gen.BadMessages(cfg.Seed, 64)
	wr := &kafka.Writer{
		Addr:         kafka.TCP(kcfg.Brokers...),
		Topic:        kcfg.PostsTopic,
		Balancer:     &kafka.Murmur2Balancer{}, // key = author_id, as design.md §2 says
		RequiredAcks: kafka.RequireAll,
		BatchSize:    1000,
		BatchTimeout: time.Millisecond,
	}
	defer wr.Close()
	const tick = 50 * time.Millisecond
	perTick := max(cfg.Rate*int(tick)/int(time.Second), 1)
	t := time.NewTicker(tick)
	defer t.Stop()
	msgs := make([]kafka.Message, 0, perTick)
	var n int
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		msgs = msgs[:0]
		for range perTick {
			n++
			if cfg.BadEvery > 0 && n%cfg.BadEvery == 0 {
				b := bads[(n/cfg.BadEvery)%len(bads)]
				msgs = append(msgs, kafka.Message{Key: []byte("bad"), Value: b.Data})
				continue
			}
			it := g.Next()
			val, err := json.Marshal(&it.Post)
			if err != nil {
				return err
			}
			msgs = append(msgs, kafka.Message{Key: []byte(it.Post.AuthorID), Value: val})
		}
		if err := wr.WriteMessages(ctx, msgs...); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("publish posts: %w", err)
		}
		produced.Add(int64(len(msgs)))
	}
}
