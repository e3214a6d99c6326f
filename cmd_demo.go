package main

import (
	"context"
	"flag"
	"io"
	"os"

	"github.com/circleguard/circleguard/internal/admin"
	"github.com/circleguard/circleguard/internal/demo"
)

// cmdDemo is `circleguard demo`: the whole pipeline on an embedded broker.
func cmdDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg demo.Config
	adminAddr := fs.String("admin-addr", envOr(getenv, "CIRCLEGUARD_ADMIN_ADDR", admin.DefaultConfig().Addr), "admin server `address` for /metrics, /healthz, /readyz (env CIRCLEGUARD_ADMIN_ADDR; empty disables)")
	fs.IntVar(&cfg.Rate, "rate", 2000, "posts per second the generator publishes")
	fs.IntVar(&cfg.BadEvery, "bad-every", 200, "make every `n`-th message malformed, to show the dead-letter path (0: none)")
	fs.IntVar(&cfg.Partitions, "partitions", 6, "partitions of the posts topic")
	fs.Int64Var(&cfg.Seed, "seed", 1, "generator seed")
	fs.DurationVar(&cfg.Duration, "duration", 0, "stop after this long (0: until Ctrl-C)")
	fs.StringVar(&cfg.Model, "model", "", "classifier model `file` (default: the embedded model)")
	fs.StringVar(&cfg.RulesDir, "rules", "", "rules `directory`, reloaded when it changes (default: the embedded pack)")
	logLevel := fs.String("log-level", "warn", "log level of the worker (debug, info, warn, error)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	lc := LogConfig{Level: *logLevel, Format: "text"}
	if _, err := parseLevel(lc.Level); err != nil {
		return usageError{"demo: -log-level: " + err.Error()}
	}
	cfg.Screen = isTerminal(stdout)
	return demo.Run(ctx, cfg, admin.Config{Addr: *adminAddr}, newRegistry(), stdout, newLogger(lc, stderr))
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// isTerminal reports whether w is a character device, so that the demo may
// redraw its screen in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
