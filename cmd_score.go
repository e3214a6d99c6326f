package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/circleguard/circleguard/internal/quality"
)

// cmdScore is `circleguard score`: verdicts against a generated stream's
// ground truth.
func cmdScore(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	fs.SetOutput(stderr)
	truthPath := fs.String("truth", "", "posts with their ground truth (JSONL from `circleguard gen -truth`); required")
	verdictsPath := fs.String("verdicts", "-", "verdicts (JSONL from scan, or read from the verdicts topic); - for stdin")
	check := fs.Bool("check", false, "exit 1 when a brushing target is missed, a post has no verdict or duplicate verdicts disagree")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: circleguard score -truth POSTS.jsonl [-verdicts VERDICTS.jsonl] [-check]\n\n"+
			"Scores verdicts against the ground truth of a generated stream: posts flagged per\n"+
			"kind, precision and recall per label, the 4th and later copies of each ad labelled\n"+
			"brushing, ordinary posts labelled brushing. Duplicate verdicts (at-least-once) are\n"+
			"counted once and checked against the first.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *truthPath == "" {
		return usageError{"score: -truth is required"}
	}
	tf, err := os.Open(*truthPath)
	if err != nil {
		return fmt.Errorf("score: %w", err)
	}
	defer tf.Close()
	var vr io.Reader = os.Stdin
	if *verdictsPath != "-" {
		vf, err := os.Open(*verdictsPath)
		if err != nil {
			return fmt.Errorf("score: %w", err)
		}
		defer vf.Close()
		vr = vf
	}
	r, err := quality.Score(tf, vr)
	if err != nil {
		return fmt.Errorf("score: %w", err)
	}
	if _, err := r.WriteTo(stdout); err != nil {
		return err
	}
	if *check {
		if err := r.Check(); err != nil {
			return fmt.Errorf("score: targets missed:\n%w", err)
		}
		fmt.Fprintln(stdout, "score: all targets met")
	}
	return nil
}
