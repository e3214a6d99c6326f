package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/circleguard/circleguard/internal/admin"
	"github.com/circleguard/circleguard/internal/engine"
	"github.com/circleguard/circleguard/internal/repetition"
	"github.com/circleguard/circleguard/worker"
)

// cmdRun is `circleguard run`: the stream worker and its admin server.
func cmdRun(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	loader := newConfigLoader(fs)
	fs.Func("model", "classifier model `file` (the same as -classifier-model; default: the embedded model)", func(v string) error {
		return fs.Set("classifier-model", v)
	})
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loader.load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)

	eng, store, err := openEngine(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore(store, log)
	reg := newRegistry()
	w, err := worker.New(cfg.Kafka, cfg.Worker, eng, worker.NewMetrics(reg), log)
	if err != nil {
		return err
	}
	log.Info("circleguard starting", "version", version(), "brokers", cfg.Kafka.Brokers,
		"rules_version", eng.RulesVersion(), "model_version", eng.ModelVersion(), "repetition_store", cfg.Repetition.Store)
	return runWithAdmin(ctx, cfg.Admin, reg, w.Ready, log, w.Run)
}

// openEngine opens the repetition store and builds the engine on it. The
// caller closes the store (closeStore) after the engine's last use.
func openEngine(ctx context.Context, cfg Config) (*engine.Engine, repetition.Store, error) {
	store, err := repetition.Open(ctx, cfg.Repetition)
	if err != nil {
		return nil, nil, err
	}
	eng, err := engine.New(cfg.Decision, cfg.Classifier, engine.Repetition{Store: store, Fingerprint: cfg.Fingerprint})
	if err != nil {
		closeStore(store, nil)
		return nil, nil, err
	}
	return eng, store, nil
}

// closeStore closes a store openEngine returned (nil for "off").
func closeStore(s repetition.Store, log *slog.Logger) {
	if s == nil {
		return
	}
	if err := s.Close(); err != nil && log != nil {
		log.Warn("close repetition store", "err", err)
	}
}

// newRegistry returns a registry with the Go and process collectors: no
// global registry anywhere.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "circleguard_build_info",
		Help: "Always 1; the version label says which build runs.",
	}, []string{"version"})
	buildInfo.WithLabelValues(version()).Set(1)
	reg.MustRegister(buildInfo)
	return reg
}

// runWithAdmin runs fn beside the admin server (when cfg.Addr is set) and
// stops the server once fn returns.
func runWithAdmin(ctx context.Context, cfg admin.Config, reg *prometheus.Registry, ready func() bool, log *slog.Logger, fn func(context.Context) error) error {
	if cfg.Addr == "" {
		return fn(ctx)
	}
	srv, err := admin.Listen(cfg, reg, ready, log)
	if err != nil {
		return err
	}
	log.Info("admin server listening", "addr", "http://"+srv.Addr(), "endpoints", "/metrics /healthz /readyz")
	sctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var serveErr error
	wg.Go(func() { serveErr = srv.Serve(sctx) })
	err = fn(ctx)
	stop()
	wg.Wait()
	if err != nil {
		return err
	}
	return serveErr
}
