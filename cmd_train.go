package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/circleguard/circleguard/classifiers"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// mapFlag collects repeatable from=to pairs.
type mapFlag map[string]string

func (m mapFlag) String() string { return fmt.Sprint(map[string]string(m)) }
func (m mapFlag) Set(v string) error {
	from, to, ok := strings.Cut(v, "=")
	if !ok || from == "" || to == "" {
		return fmt.Errorf("%q: want from=to", v)
	}
	m[strings.ToLower(from)] = strings.ToLower(to)
	return nil
}

// cmdTrain is `circleguard train`.
func cmdTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data, mapping := dataFlags(fs)
	out := fs.String("out", "", "write the model to `file` (required)")
	holdout := fs.Float64("holdout", 0, "keep this `fraction` of each file's examples (stratified) out of training")
	holdoutOut := fs.String("holdout-out", "", "write the held-out examples to this `folder`, one JSONL file per data file (with -holdout)")
	cfg := trainFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: circleguard train -data FILE [-data FILE…] -out MODEL\n\nTrains the classifier: one logistic regression per label over hashed features,\ncalibrated on out-of-fold scores. Deterministic for a given seed.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if len(*data) == 0 || *out == "" {
		return usageError{"train: -data and -out are required"}
	}
	if *holdout < 0 || *holdout >= 1 || (*holdoutOut != "") != (*holdout > 0) {
		return usageError{"train: -holdout takes a fraction in (0, 1) and goes with -holdout-out"}
	}
	start := time.Now()
	d, err := classifiers.ReadData(*data, mapping)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "train: read %d examples from %d files, labels %v\n", len(d.Examples), len(d.Files), d.Labels())
	if *holdout > 0 {
		train, test := d.Split(*holdout, cfg.Seed)
		paths, err := test.WriteHeldOut(*holdoutOut)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "train: held out %d examples in %s\n", len(test.Examples), strings.Join(paths, " "))
		d = train
	}
	cfg.Progress = func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	m, err := classifiers.Train(d, *cfg, mapping, *holdout)
	if err != nil {
		return err
	}
	if err := m.WriteFile(*out); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "train: wrote %s (%s) in %v\n", *out, m.Version(), time.Since(start).Round(time.Millisecond))
	return nil
}

// cmdEval is `circleguard eval`.
func cmdEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data, mapping := dataFlags(fs)
	modelPath := fs.String("model", "", "model `file` (default: the embedded model)")
	split := fs.Float64("split", 0, "train a new model on 1-`fraction` of the data and evaluate it on the held-out rest (stratified)")
	threshold := fs.Float64("threshold", 0.5, "probability at which a label counts as predicted")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	repeat := fs.Int("repeat", 1, "with -split: repeat with seeds 1..`n` and summarise (mean and worst)")
	cfg := trainFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: circleguard eval [-model MODEL] -data FILE [-json]\n       circleguard eval -split 0.2 -data FILE\n\nPer label precision, recall, F1, ROC-AUC and recall at precision 0.90; the ham\nfalse-positive rate; the confusion matrix.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if len(*data) == 0 {
		return usageError{"eval: -data is required"}
	}
	if *split < 0 || *split >= 1 || (*split > 0 && *modelPath != "") {
		return usageError{"eval: -split takes a fraction in (0, 1) and trains its own model (no -model)"}
	}
	if *repeat < 1 || (*repeat > 1 && *split == 0) {
		return usageError{"eval: -repeat takes a count of at least 1 and goes with -split"}
	}
	d, err := classifiers.ReadData(*data, mapping)
	if err != nil {
		return err
	}
	if *repeat > 1 {
		return evalRepeat(d, *split, *repeat, *threshold, *cfg, mapping, stdout, stderr)
	}
	var m *classifiers.Model
	switch {
	case *split > 0:
		train, test := d.Split(*split, cfg.Seed)
		fmt.Fprintf(stderr, "eval: training on %d examples, testing on %d held-out examples\n", len(train.Examples), len(test.Examples))
		cfg.Progress = func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
		if m, err = classifiers.Train(train, *cfg, mapping, *split); err != nil {
			return err
		}
		d = test
	case *modelPath != "":
		if m, err = classifiers.LoadModel(*modelPath); err != nil {
			return err
		}
	default:
		if m, err = classifiers.DefaultModel(); err != nil {
			return err
		}
	}
	r, err := classifiers.Evaluate(m, d, *threshold)
	if err != nil {
		return err
	}
	if *split > 0 {
		r.Warning = "" // the test part was held out of this model's training
		r.Note = fmt.Sprintf("held-out split: %d examples never seen in training; the model was trained on the other %.0f%%", len(d.Examples), 100*(1-*split))
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	r.WriteText(stdout)
	return nil
}

// dataFlags registers -data and -map, shared by train and eval.
func dataFlags(fs *flag.FlagSet) (*listFlag, mapFlag) {
	data, mapping := &listFlag{}, mapFlag{}
	fs.Var(data, "data", "labelled `file`: TSV (label<TAB>text, a header row) or JSONL ({\"text\", \"label\"|\"labels\"}); FILE@W weights it; repeatable")
	fs.Var(mapping, "map", "rename a label while reading, `from=to` (e.g. spam=sales); repeatable")
	return data, mapping
}

// trainFlags registers the training settings shared by train and eval -split.
func trainFlags(fs *flag.FlagSet) *classifiers.TrainConfig {
	var cfg classifiers.TrainConfig
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed for shuffles, folds and held-out splits")
	fs.IntVar(&cfg.Epochs, "epochs", 6, "training epochs")
	fs.Float64Var(&cfg.Rate, "rate", 0.2, "AdaGrad learning rate")
	fs.Float64Var(&cfg.L2, "l2", 1e-6, "L2 regularisation")
	fs.IntVar(&cfg.Buckets, "buckets", 1<<18, "feature hash buckets (a power of two)")
	return &cfg
}

// evalRepeat trains and tests on n held-out splits (seeds 1..n) and prints,
// per label, the mean and the worst of each figure.
func evalRepeat(d *classifiers.Dataset, split float64, n int, threshold float64, cfg classifiers.TrainConfig, mapping map[string]string, stdout, stderr io.Writer) error {
	type agg struct{ f1, auc, rp90 []float64 }
	per := map[string]*agg{}
	var labels []string
	for seed := 1; seed <= n; seed++ {
		cfg.Seed = uint64(seed)
		train, test := d.Split(split, cfg.Seed)
		m, err := classifiers.Train(train, cfg, mapping, split)
		if err != nil {
			return err
		}
		r, err := classifiers.Evaluate(m, test, threshold)
		if err != nil {
			return err
		}
		for _, l := range r.Labels {
			if l.Positives == 0 {
				continue
			}
			a := per[l.Label]
			if a == nil {
				a = &agg{}
				per[l.Label] = a
				labels = append(labels, l.Label)
			}
			a.f1, a.auc, a.rp90 = append(a.f1, l.F1), append(a.auc, l.AUC), append(a.rp90, l.RecallAtP90)
		}
		fmt.Fprintf(stderr, "eval: split %d/%d done\n", seed, n)
	}
	fmt.Fprintf(stdout, "%d held-out splits of %.0f%% (seeds 1..%d), threshold %.2f: mean (worst)\n\n", n, 100*split, n, threshold)
	fmt.Fprintf(stdout, "%-10s %17s %17s %17s\n", "label", "F1", "ROC-AUC", "R@P≥0.90")
	for _, l := range labels {
		a := per[l]
		fmt.Fprintf(stdout, "%-10s %17s %17s %17s\n", l, meanMin(a.f1), meanMin(a.auc), meanMin(a.rp90))
	}
	return nil
}

func meanMin(xs []float64) string {
	sum, lo := 0.0, xs[0]
	for _, x := range xs {
		sum += x
		lo = min(lo, x)
	}
	return fmt.Sprintf("%.4f (%.4f)", sum/float64(len(xs)), lo)
}
