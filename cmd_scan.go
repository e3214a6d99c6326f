package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/circleguard/circleguard/internal/engine"
	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/scan"
	"github.com/circleguard/circleguard/rules"
)

// cmdScan is `circleguard scan`: the same analysis as run, offline.
func cmdScan(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "read posts (JSONL) from `file` instead of stdin")
	out := fs.String("out", "", "write verdicts (JSONL) to `file` instead of stdout")
	maxBytes := fs.Int("max-post-bytes", post.DefaultMaxBytes, "size limit of one post `line` in bytes")
	cc := engine.DefaultClassifierConfig()
	fs.StringVar(&cc.Model, "model", "", "classifier model `file` (default: the embedded model)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: circleguard scan [-in FILE] [-out FILE] [-model FILE]\n\nPosts as JSONL in, one verdict JSONL line per valid post out, in input order.\nBad lines are reported on stderr with their line number; the exit status is 0 when the run completes.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
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
	eng, err := engine.New(rules.DefaultConfig(), cc)
	if err != nil {
		return err
	}
	sum, err := scan.Run(ctx, r, w, stderr, eng, *maxBytes)
	if outFile != nil {
		if cerr := outFile.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("scan: %w", cerr)
		}
	}
	fmt.Fprintln(stderr, sum)
	return err
}
