package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/circleguard/circleguard/internal/admin"
	"github.com/circleguard/circleguard/internal/engine"
	"github.com/circleguard/circleguard/internal/repetition"
	"github.com/circleguard/circleguard/rules"
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
	fs.Func("rules", "rules `directory`, watched and reloaded on change and SIGHUP (the same as -rules-dir; default: the embedded pack)", func(v string) error {
		return fs.Set("rules-dir", v)
	})
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loader.load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)
	reg := newRegistry()
	rm := rules.NewMetrics(reg)
	active, err := openRules(cfg, rm, true, log)
	if err != nil {
		return err
	}
	eng, store, err := openEngine(ctx, cfg, active.source())
	if err != nil {
		return err
	}
	defer closeStore(store, log)
	w, err := worker.New(cfg.Kafka, cfg.Worker, eng, worker.NewMetrics(reg), log)
	if err != nil {
		return err
	}
	log.Info("circleguard starting", "version", version(), "brokers", cfg.Kafka.Brokers,
		"rules_version", eng.RulesVersion(), "rules", active.name, "rule_set", eng.RuleSet().Version(),
		"model_version", eng.ModelVersion(), "repetition_store", cfg.Repetition.Store)
	// SIGHUP reloads the rules; signal.Notify keeps it from ending the
	// process even with the embedded pack, which has nothing to reload.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return runWithAdmin(ctx, cfg.Admin, reg, w.Ready, log, func(ctx context.Context) error {
		stop := active.watch(ctx, hup, log)
		defer stop()
		return w.Run(ctx)
	})
}

// openEngine opens the repetition store and builds the engine on it, with
// the rule set src gives. The caller closes the store (closeStore) after
// the engine's last use.
func openEngine(ctx context.Context, cfg Config, src engine.RuleSource) (*engine.Engine, repetition.Store, error) {
	if m := &cfg.Repetition.Memory; m.MaxKeys == 0 && m.MaxPosts > 0 && cfg.Fingerprint.Bands > 0 {
		// A post that is not trivial uses a key per band plus its exact
		// key: size the table for a window of MaxPosts such posts.
		m.MaxKeys = (cfg.Fingerprint.Bands + 1) * m.MaxPosts
	}
	store, err := repetition.Open(ctx, cfg.Repetition)
	if err != nil {
		return nil, nil, err
	}
	eng, err := engine.New(cfg.Decision, cfg.Classifier, engine.Repetition{Store: store, Fingerprint: cfg.Fingerprint},
		engine.WithRuleSource(src))
	if err != nil {
		closeStore(store, nil)
		return nil, nil, err
	}
	return eng, store, nil
}

// activeRules is the rule set of a process: a fixed set (the embedded
// pack, or a directory loaded once) or a directory's Reloader.
type activeRules struct {
	name     string // "embedded" or the directory
	set      *rules.Set
	reloader *rules.Reloader
}

func (a *activeRules) source() engine.RuleSource {
	if a.reloader != nil {
		return a.reloader
	}
	return engine.FixedRules(a.set)
}

// openRules loads cfg.Rules: the embedded pack when its dir is empty,
// otherwise the directory, whose examples must all pass (through the
// engine's analysis with cfg's classifier and fingerprint settings). With
// reload, a directory gets a Reloader (see activeRules.watch); m, when
// not nil, receives the rule metrics, and log the reloads.
func openRules(cfg Config, m *rules.Metrics, reload bool, log *slog.Logger) (*activeRules, error) {
	dir := cfg.Rules.Dir
	if dir == "" {
		s, err := rules.Default(rules.WithMetrics(m))
		if err != nil {
			return nil, err
		}
		m.Fixed(s)
		return &activeRules{name: "embedded", set: s}, nil
	}
	analyze, err := engine.ExampleAnalyzer(cfg.Classifier, cfg.Fingerprint)
	if err != nil {
		return nil, err
	}
	if !reload {
		s, err := rules.LoadDir(dir, rules.WithMetrics(m))
		if err == nil {
			if errs := s.Check(analyze); len(errs) > 0 {
				err = errors.Join(errs...)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("rules %s: %w", dir, err)
		}
		m.Fixed(s)
		return &activeRules{name: dir, set: s}, nil
	}
	rl, err := rules.NewReloader(rules.ReloadConfig{
		Dir: dir, Debounce: cfg.Rules.Debounce, Analyze: analyze, Metrics: m,
		OnReload: func(active *rules.Set, err error) { logReload(log, dir, active, err) },
	})
	if err != nil {
		return nil, fmt.Errorf("rules %s: %w", dir, err)
	}
	return &activeRules{name: dir, reloader: rl}, nil
}

// maxLoggedProblems bounds the problems one failed reload logs.
const maxLoggedProblems = 20

// logReload logs a reload attempt: the new version, or each problem as
// "file:line: rule ID: reason" with the version still active.
func logReload(log *slog.Logger, dir string, active *rules.Set, err error) {
	if err == nil {
		log.Info("rules reloaded", "dir", dir, "rule_set", active.Version())
		return
	}
	var ps []string
	for _, p := range problems(err) {
		if len(ps) == maxLoggedProblems {
			ps = append(ps, "…")
			break
		}
		ps = append(ps, p.Error())
	}
	log.Error("rules reload failed; keeping the active rules", "dir", dir, "rule_set", active.Version(), "problems", ps)
}

// watch reloads a directory's rules when it changes and on each value of
// hup, until ctx ends; stop waits for that. The embedded pack has nothing
// to reload: a SIGHUP is logged and ignored.
func (a *activeRules) watch(ctx context.Context, hup <-chan os.Signal, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if a.reloader != nil {
		wg.Go(func() {
			if err := a.reloader.Run(ctx); err != nil {
				log.Error("rules: cannot watch the directory; SIGHUP still reloads it", "dir", a.name, "err", err)
			}
		})
	}
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if a.reloader == nil {
					log.Info("SIGHUP: rules are fixed (embedded pack or loaded once); nothing to reload", "rules", a.name)
					continue
				}
				log.Info("SIGHUP: reloading rules", "dir", a.name)
				_ = a.reloader.Reload() // logged by OnReload
			}
		}
	})
	return func() { cancel(); wg.Wait() }
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

// newRegistry returns the registry of run and demo: admin.NewRegistry, with
// the Go and process collectors and circleguard_build_info for this build.
// No global registry anywhere.
func newRegistry() *prometheus.Registry { return admin.NewRegistry(version()) }

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
