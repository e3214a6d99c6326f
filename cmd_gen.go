package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/post"
)

// genLine is one line of `circleguard gen`: a post, plus its ground truth
// when asked. The decoder ignores the extra field, so the file feeds scan.
type genLine struct {
	*post.Post
	Truth *genTruth `json:"truth,omitempty"`
}

type genTruth struct {
	Kind     gen.Kind `json:"kind"`
	Labels   []string `json:"labels"`
	Campaign string   `json:"campaign,omitempty"`
}

// cmdGen is `circleguard gen`: a labelled stream of realistic posts.
func cmdGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 10000, "how many posts to write")
	out := fs.String("out", "", "write to `file` instead of stdout")
	truth := fs.Bool("truth", false, "add each post's ground truth as a \"truth\" field (kind, labels, campaign)")
	var cfg gen.Config
	fs.Int64Var(&cfg.Seed, "seed", gen.DefaultSeed, "the stream's seed: the same seed gives the same posts")
	start := fs.String("start", gen.DefaultStart.Format(time.RFC3339), "event time (created_at) of the first post, RFC 3339")
	fs.DurationVar(&cfg.Interval, "interval", gen.DefaultInterval, "mean event-time gap between posts")
	fs.IntVar(&cfg.NormalAuthors, "authors", gen.DefaultNormalAuthors, "ordinary accounts")
	fs.IntVar(&cfg.Brushers, "brushers", gen.DefaultBrushers, "micro-merchants reposting one ad each")
	fs.IntVar(&cfg.Networks, "networks", gen.DefaultNetworks, "agent networks copying one ad across accounts")
	fs.IntVar(&cfg.NetworkSize, "network-size", gen.DefaultNetworkSize, "accounts per agent network")
	fs.IntVar(&cfg.MLMAuthors, "mlm-authors", gen.DefaultMLMAuthors, "MLM recruiters")
	fs.IntVar(&cfg.FraudAuthors, "fraud-authors", gen.DefaultFraudAuthors, "scam accounts")
	fs.Float64Var(&cfg.SpamShare, "spam-share", gen.DefaultSpamShare, "share of posts that are not ordinary")
	fs.Float64Var(&cfg.English, "english", gen.DefaultEnglish, "share of posts in English")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: circleguard gen [-n N] [-seed S] [-truth] [-out FILE]\n\nWrites a deterministic, labelled stream of posts as JSONL: ordinary users,\nbrushers reposting one ad with small changes, agent networks, MLM and scams.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 0 {
		return usageError{"gen: -n must not be negative"}
	}
	t, err := time.Parse(time.RFC3339, *start)
	if err != nil {
		return usageError{"gen: -start: " + err.Error()}
	}
	cfg.Start = t
	cfg.Exact = true // the flags carry the defaults, so zero means zero
	g, err := gen.New(cfg)
	if err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	w := stdout
	var f *os.File
	if *out != "" && *out != "-" {
		if f, err = os.Create(*out); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	began, last := time.Now(), time.Now()
	for i := range *n {
		if i&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		it := g.Next()
		line := genLine{Post: &it.Post}
		if *truth {
			labels := it.Truth.Labels
			if labels == nil {
				labels = []string{}
			}
			line.Truth = &genTruth{Kind: it.Truth.Kind, Labels: labels, Campaign: it.Truth.Campaign}
		}
		if err := enc.Encode(&line); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		if now := time.Now(); now.Sub(last) >= time.Second {
			fmt.Fprintf(stderr, "gen: %d of %d posts\n", i+1, *n)
			last = now
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
	}
	fmt.Fprintf(stderr, "gen: wrote %d posts in %v\n", *n, time.Since(began).Round(time.Millisecond))
	return nil
}
