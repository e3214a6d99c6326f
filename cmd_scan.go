package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/scan"
)

// cmdScan is `circleguard scan`: the same analysis as run, offline.
func cmdScan(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "read posts (JSONL) from `file` instead of stdin")
	out := fs.String("out", "", "write verdicts (JSONL) to `file` instead of stdout")
	maxBytes := fs.Int("max-post-bytes", post.DefaultMaxBytes, "size limit of one post `line` in bytes")
	loader := newConfigLoader(fs)
	fs.Func("model", "classifier model `file` (the same as -classifier-model; default: the embedded model)", func(v string) error {
		return fs.Set("classifier-model", v)
	})
	fs.Func("rules", "rules `directory` (the same as -rules-dir; default: the pack embedded in the binary); every example must pass", func(v string) error {
		return fs.Set("rules-dir", v)
	})
	fs.Func("store", "repetition store: memory, redis or off (the same as -repetition-store; default memory)", func(v string) error {
		return fs.Set("repetition-store", v)
	})
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: circleguard scan [-in FILE] [-out FILE] [-rules DIR] [-model FILE] [-store memory|redis|off] [-config FILE]\n\n"+
			"Posts as JSONL in, one verdict JSONL line per valid post out, in input order.\n"+
			"Repetition (brushing) is counted in the posts' event time, in input order, as the\n"+
			"worker does. The rules, decision, classifier, repetition and fingerprint sections of\n"+
			"-config apply; the kafka, worker and admin sections are ignored.\n"+
			"Bad lines are reported on stderr with their line number; the exit status is 0 when the run completes.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loader.load(getenv)
	if err != nil {
		return err
	}
	r := stdin
	if *in != "" && *in != "-" {
		f, err := os.Open(*in)
		if err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		defer f.Close()
		r = f
	}
	w := stdout
	var outFile *os.File
	if *out != "" && *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		outFile, w = f, f
	}
	active, err := openRules(cfg, nil, false, nil)
	if err != nil {
		return err
	}
	eng, store, err := openEngine(ctx, cfg, active.source())
	if err != nil {
		return err
	}
	defer closeStore(store, nil)
	sum, err := scan.Run(ctx, r, w, stderr, eng, *maxBytes)
	if outFile != nil {
		if cerr := outFile.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("scan: %w", cerr)
		}
	}
	fmt.Fprintln(stderr, sum)
	return err
}
