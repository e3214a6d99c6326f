//go:build linux

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/circleguard/circleguard/internal/bench"
	"github.com/circleguard/circleguard/worker"
)

// cmdBench is `circleguard bench`: throughput, CPU, latency and memory of
// the worker against the pass-through ceiling on a Kafka broker (see
// internal/bench and docs/performance.md). `bench child` is the hidden
// process the bench starts for each side.
func cmdBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "child" {
		return cmdBenchChild(ctx, args[1:], getenv, stdout, stderr)
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.String("brokers", bench.DefaultBroker, "the real Kafka broker's bootstrap `addresses`, comma-separated")
	quick := fs.Bool("quick", false, fmt.Sprintf("an embedded broker (kfake) instead of -brokers, %d posts and a %v latency phase unless given: a quick check of the method, not of Kafka", bench.DefaultQuickPosts, bench.DefaultQuickLatency))
	posts := fs.Int("posts", 0, fmt.Sprintf("posts in the backlog each side drains (default %d)", bench.DefaultPosts))
	partitions := fs.Int("partitions", bench.DefaultPartitions, "partitions of every topic")
	latency := fs.Duration("latency-duration", 0, fmt.Sprintf("how long posts are produced at half the maximum rate for the latency figures (default %v)", bench.DefaultLatencyDuration))
	workers := fs.String("workers", "1", "numbers of processes on one consumer group, comma-separated: one measurement of each side per entry (e.g. 1,2,3)")
	store := fs.String("store", "memory", "the worker's repetition store: memory, redis or off")
	redisAddr := fs.String("redis", "", "Redis `address` for -store redis (e.g. 127.0.0.1:16379)")
	configFile := fs.String("config", "", "configuration `file` for the children (the bench sets brokers, topics, group, admin address and store)")
	seed := fs.Int64("seed", 1, "seed of the generated posts")
	scan := fs.Bool("scan", true, "also measure circleguard scan on the same posts (the analysis alone, for the worker's Kafka overhead)")
	profileDir := fs.String("cpuprofile", "", "`directory` where every child writes a pprof CPU profile: the worker and the pass-through of their maximum-rate phase, the scan of its run")
	asJSON := fs.Bool("json", false, "print the report as JSON instead of a table")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: circleguard bench [-brokers ADDR | -quick] [-posts N] [-workers 1,2,3] [-store memory|redis|off] [-redis ADDR] [-json]\n\n"+
			"Measures, in one run, the pass-through ceiling (the worker's own consume/batch/produce/commit\n"+
			"machinery copying posts unchanged) and the worker (circleguard run) on the same posts: posts/s and\n"+
			"their ratio, CPU per post, latency from post append to verdict append (p50, p99) at half each\n"+
			"side's maximum rate, and peak RSS; each side runs as child processes, measured alone.\n"+
			"Progress goes to stderr, the report to stdout. See docs/performance.md.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	counts, err := parseCounts(*workers)
	if err != nil {
		return usageError{"bench: -workers: " + err.Error()}
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: find the circleguard binary: %w", err)
	}
	cfg := bench.Config{
		Exe: exe, Embedded: *quick, Posts: *posts, Partitions: *partitions, LatencyDuration: *latency,
		Workers: counts, Store: *store, RedisAddr: *redisAddr, ConfigFile: *configFile, Seed: *seed,
		Scan: *scan, ProfileDir: *profileDir, Command: "circleguard bench " + strings.Join(args, " "),
	}
	if !*quick {
		cfg.Brokers = strings.Split(*brokers, ",")
	}
	if err := cfg.Validate(); err != nil {
		return usageError{"bench: " + err.Error()}
	}
	if *profileDir != "" {
		if err := os.MkdirAll(*profileDir, 0o755); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
	}
	rep, err := bench.Run(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	if *asJSON {
		return rep.WriteJSON(stdout)
	}
	return rep.WriteTable(stdout)
}

// parseCounts parses "1,2,3".
func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q: want positive integers separated by commas", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// cmdBenchChild is `circleguard bench child -mode worker|passthrough|scan
// [-cpuprofile FILE] -- FLAGS…`: one process of a bench measurement. The
// worker is `circleguard run` itself and the scan `circleguard scan`; the
// pass-through is run's wiring with worker.NewPassThrough in place of the
// engine. With -cpuprofile, the worker and the pass-through profile their
// CPU from SIGUSR1 to SIGUSR2, the scan its whole run.
func cmdBenchChild(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench child", flag.ContinueOnError)
	fs.SetOutput(stderr)
	mode := fs.String("mode", "worker", "worker, passthrough or scan")
	profile := fs.String("cpuprofile", "", "write a CPU profile to `file`")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if *profile != "" {
		stop := profileOnSignal(*profile, *mode == "scan", stderr)
		defer stop()
	}
	switch *mode {
	case "worker":
		return cmdRun(ctx, fs.Args(), getenv, stderr)
	case "passthrough":
		return runPassThrough(ctx, fs.Args(), getenv, stderr)
	case "scan":
		return cmdScan(ctx, fs.Args(), getenv, os.Stdin, stdout, stderr)
	}
	return usageError{fmt.Sprintf("bench child: -mode %q: want worker, passthrough or scan", *mode)}
}

// runPassThrough is cmdRun's wiring (configuration, logger, registry,
// metrics, admin server) around worker.NewPassThrough: no rules, model or
// store.
func runPassThrough(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench child", flag.ContinueOnError)
	fs.SetOutput(stderr)
	loader := newConfigLoader(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loader.load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)
	reg := newRegistry()
	w, err := worker.NewPassThrough(cfg.Kafka, cfg.Worker, worker.NewMetrics(reg), log)
	if err != nil {
		return err
	}
	log.Info("circleguard pass-through starting", "version", version(), "brokers", cfg.Kafka.Brokers)
	return runWithAdmin(ctx, cfg.Admin, reg, w.Ready, log, w.Run)
}

// profileOnSignal profiles the CPU into path from SIGUSR1 (or at once,
// with now) to SIGUSR2 (or until stop).
func profileOnSignal(path string, now bool, stderr io.Writer) (stop func()) {
	sigs := make(chan os.Signal, 3)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2)
	if now {
		sigs <- syscall.SIGUSR1
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	var f *os.File
	end := func() {
		if f == nil {
			return
		}
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintln(stderr, "bench child: cpu profile:", err)
		}
		f = nil
	}
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				end()
				return
			case s := <-sigs:
				if s == syscall.SIGUSR2 {
					end()
					continue
				}
				if f != nil {
					continue
				}
				var err error
				if f, err = os.Create(path); err == nil {
					err = pprof.StartCPUProfile(f)
				}
				if err != nil {
					fmt.Fprintln(stderr, "bench child: cpu profile:", err)
					if f != nil {
						f.Close()
						f = nil
					}
				}
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
		select {
		case <-finished:
		case <-time.After(5 * time.Second):
		}
	}
}
