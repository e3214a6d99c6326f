package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/circleguard/circleguard/internal/engine"
	"github.com/circleguard/circleguard/internal/fingerprint"
	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/repetition"
	"github.com/circleguard/circleguard/internal/scan"
	"github.com/circleguard/circleguard/rules"
)

const rulesUsage = `Usage:
  circleguard rules check DIR     load and compile the rule files in DIR and its lists/, run their
                                  examples; one "file:line: rule ID: reason" line per problem
  circleguard rules test [-v] [-run REGEXP] DIR
                                  run the examples of every rule, PASS or FAIL per rule
  circleguard rules backtest -rules DIR -posts FILE.jsonl [-baseline DIR] [-config FILE] [-fill-missing]
                                  replay the posts through the whole pipeline with the rules of DIR and
                                  with the active ones (the embedded pack, rules.dir of -config, or
                                  -baseline DIR); per rule: hits, distinct authors, precision and recall
                                  on labelled posts; the verdicts that change, with example post ids
  circleguard rules features      every feature and helper a rule's when can use, with its type
                                  and an example

With -default instead of DIR, check and test use the pack embedded in the binary.

The exit status is 1 when a problem is found or an example fails.
`

// cmdRules is `circleguard rules`: the trust team's tools for rule files.
func cmdRules(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, rulesUsage)
		return usageError{"rules: no subcommand given (check, test, backtest, features)"}
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "check":
		return cmdRulesCheck(rest, stdout, stderr)
	case "test":
		return cmdRulesTest(rest, stdout, stderr)
	case "backtest":
		return cmdRulesBacktest(ctx, rest, os.Getenv, stdout, stderr)
	case "features":
		return cmdRulesFeatures(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, rulesUsage)
		return nil
	}
	fmt.Fprint(stderr, rulesUsage)
	return usageError{fmt.Sprintf("rules: unknown subcommand %q", sub)}
}

// rulesFlags parses a rules subcommand's flags and its one DIR argument
// (none with -default).
func rulesFlags(fs *flag.FlagSet, args []string) (dir string, builtin bool, err error) {
	def := fs.Bool("default", false, "use the default pack embedded in the binary instead of DIR")
	fs.Usage = func() { fmt.Fprint(fs.Output(), rulesUsage); fs.PrintDefaults() }
	// Flags may come before or after DIR.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", false, err
			}
			return "", false, usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case *def && len(pos) == 0:
		return "", true, nil
	case !*def && len(pos) == 1:
		return pos[0], false, nil
	case *def:
		return "", false, usageError{fmt.Sprintf("rules %s: -default takes no DIR", fs.Name())}
	}
	return "", false, usageError{fmt.Sprintf("rules %s: want one DIR (or -default)", fs.Name())}
}

// loadRules loads DIR or the default pack.
func loadRules(dir string, builtin bool) (*rules.Set, string, error) {
	if builtin {
		s, err := rules.Default()
		return s, "rules/default", err
	}
	s, err := rules.LoadDir(dir)
	return s, dir, err
}

// problems flattens a joined error into its lines.
func problems(err error) []error {
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		return joined.Unwrap()
	}
	return []error{err}
}

// cmdRulesCheck is `circleguard rules check`.
func cmdRulesCheck(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir, builtin, err := rulesFlags(fs, args)
	if err != nil {
		return err
	}
	s, name, err := loadRules(dir, builtin)
	var errs []error
	if err != nil {
		errs = problems(err)
	} else {
		analyze, err := exampleAnalyzer()
		if err != nil {
			return err
		}
		errs = s.Check(analyze)
	}
	for _, e := range errs {
		fmt.Fprintln(stdout, e)
	}
	if len(errs) > 0 {
		return fmt.Errorf("rules check %s: %d problem%s", name, len(errs), plural(len(errs)))
	}
	var enforce, shadow, off, examples int
	for _, r := range s.Rules() {
		switch r.Mode {
		case rules.ModeEnforce:
			enforce++
		case rules.ModeShadow:
			shadow++
		default:
			off++
		}
		examples += len(r.Examples)
	}
	fmt.Fprintf(stdout, "%s: OK, %d rules (%d enforce, %d shadow, %d off), %d examples, %d lists, version %s\n",
		name, enforce+shadow+off, enforce, shadow, off, examples, len(s.Lists()), s.Version())
	return nil
}

// cmdRulesTest is `circleguard rules test`.
func cmdRulesTest(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "list every example, passed or not")
	run := fs.String("run", "", "test only the rules whose id matches `regexp`")
	dir, builtin, err := rulesFlags(fs, args)
	if err != nil {
		return err
	}
	var only *regexp.Regexp
	if *run != "" {
		if only, err = regexp.Compile(*run); err != nil {
			return usageError{fmt.Sprintf("rules test: -run: %v", err)}
		}
	}
	s, name, err := loadRules(dir, builtin)
	if err != nil {
		for _, e := range problems(err) {
			fmt.Fprintln(stdout, e)
		}
		return fmt.Errorf("rules test %s: the rules do not load", name)
	}
	analyze, err := exampleAnalyzer()
	if err != nil {
		return err
	}
	failures := map[string][]*rules.Error{}
	for _, e := range s.Check(analyze) {
		var re *rules.Error
		if errors.As(e, &re) {
			failures[re.Rule] = append(failures[re.Rule], re)
		}
	}
	var passed, failed, tested int
	for _, r := range s.Rules() {
		if only != nil && !only.MatchString(r.ID) {
			continue
		}
		tested++
		fails := failures[r.ID]
		if len(fails) == 0 {
			passed++
			fmt.Fprintf(stdout, "PASS %s (%d examples)\n", r.ID, len(r.Examples))
		} else {
			failed++
			fmt.Fprintf(stdout, "FAIL %s (%d of %d examples)\n", r.ID, len(fails), len(r.Examples))
			for _, e := range fails {
				fmt.Fprintf(stdout, "    %s:%d: %s\n", e.File, e.Line, e.Msg)
			}
		}
		if *verbose {
			for _, x := range r.Examples {
				want := "no_match"
				if x.Match {
					want = "match"
				}
				fmt.Fprintf(stdout, "    %s:%d: %s %q\n", x.File, x.Line, want, x.Text)
			}
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if tested == 0 && only != nil {
		return fmt.Errorf("rules test %s: no rule id matches -run %q", name, *run)
	}
	if failed > 0 {
		return fmt.Errorf("rules test %s: %d rule%s failed", name, failed, plural(failed))
	}
	return nil
}

// cmdRulesBacktest is `circleguard rules backtest`.
func cmdRulesBacktest(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("rules", "", "the candidate rules `directory` (required)")
	postsPath := fs.String("posts", "", "posts JSONL `file` to replay, \"-\" for stdin (required); a label (string), labels (array) or truth.labels field marks a labelled post")
	baseline := fs.String("baseline", "", "the baseline rules `directory` (default: rules.dir of -config, else the embedded pack); \"none\": no rules")
	fill := fs.Bool("fill-missing", false, "give lines without id, author_id or created_at line-numbered ones (labelled corpora such as classifiers/data/heldout/*.jsonl)")
	maxBytes := fs.Int("max-post-bytes", post.DefaultMaxBytes, "size limit of one post `line` in bytes")
	loader := newConfigLoader(fs)
	fs.Func("model", "classifier model `file` (the same as -classifier-model; default: the embedded model)", func(v string) error {
		return fs.Set("classifier-model", v)
	})
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: circleguard rules backtest -rules DIR -posts FILE.jsonl [-baseline DIR] [-config FILE] [-fill-missing]\n\n"+
			"Replays the posts, in file order and batches of 1000, through the whole pipeline (a fresh in-memory\n"+
			"repetition store; the decision, classifier, repetition and fingerprint sections of -config apply)\n"+
			"with the candidate rules and with the baseline, and reports per rule its hits, distinct authors,\n"+
			"precision and recall on labelled posts, then the verdicts that change (by action, with up to 5 post\n"+
			"ids each; never post text). Bad lines and progress go to stderr.\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" || *postsPath == "" {
		fs.Usage()
		return usageError{"rules backtest: -rules DIR and -posts FILE are required"}
	}
	cfg, err := loader.load(getenv)
	if err != nil {
		return err
	}
	analyze, err := engine.ExampleAnalyzer(cfg.Classifier, cfg.Fingerprint)
	if err != nil {
		return err
	}
	load := func(dir string) (*rules.Set, string, error) {
		if dir == "none" {
			return nil, "none", nil
		}
		if dir == "" {
			s, err := rules.Default()
			return s, "the embedded pack", err
		}
		s, err := rules.LoadDir(dir)
		if err != nil {
			for _, e := range problems(err) {
				fmt.Fprintln(stderr, e)
			}
			return nil, dir, fmt.Errorf("rules backtest: the rules of %s do not load", dir)
		}
		if errs := s.Check(analyze); len(errs) > 0 {
			for _, e := range errs {
				fmt.Fprintln(stderr, e)
			}
			fmt.Fprintf(stderr, "warning: %d example%s of %s fail: run and scan would refuse these rules (backtesting anyway)\n",
				len(errs), plural(len(errs)), dir)
		}
		return s, dir, nil
	}
	cand, candName, err := load(*dir)
	if err != nil {
		return err
	}
	if *baseline == "" {
		*baseline = cfg.Rules.Dir
	}
	base, baseName, err := load(*baseline)
	if err != nil {
		return err
	}

	var in io.Reader = os.Stdin
	var size int64
	if *postsPath != "-" {
		f, err := os.Open(*postsPath)
		if err != nil {
			return fmt.Errorf("rules backtest: %w", err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		in = f
	}
	rc := cfg.Repetition
	rc.Store = repetition.StoreMemory // a fresh store: the replay counts only the file's posts
	store, err := repetition.Open(ctx, rc)
	if err != nil {
		return err
	}
	defer store.Close()
	eng, err := engine.New(cfg.Decision, cfg.Classifier, engine.Repetition{Store: store, Fingerprint: cfg.Fingerprint})
	if err != nil {
		return err
	}
	rep, err := scan.Backtest(ctx, in, eng, scan.BacktestConfig{
		Candidate: cand, Baseline: base, CandidateName: candName, BaselineName: baseName,
		LabelMap: cfg.Classifier.Map, FillMissing: *fill, MaxBytes: *maxBytes,
		Report: stderr, Progress: stderr, Size: size,
	})
	if err != nil {
		return fmt.Errorf("rules backtest: %w", err)
	}
	return rep.Write(stdout)
}

// cmdRulesFeatures is `circleguard rules features`.
func cmdRulesFeatures(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("features", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: circleguard rules features\n\nPrints every feature and helper a rule's when can use, with its type and an example.")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("Features: the names a rule's when can use (github.com/expr-lang/expr syntax).\n")
	helpers := false
	for _, d := range rules.Reference() {
		if d.Kind == "helper" && !helpers {
			helpers = true
			b.WriteString("\nHelpers: keywords, patterns and list names must be constants, compiled once at load.\n")
		}
		fmt.Fprintf(&b, "\n  %s  %s\n      %s\n", d.Name, d.Type, d.Doc)
		if d.Example != "" {
			fmt.Fprintf(&b, "      e.g. %s\n", d.Example)
		}
	}
	b.WriteString("\nBesides these, the expr language's operators (&& || ! in matches == < …) and its\n" +
		"collection builtins (all, any, none, one, filter, map, count, sum, len, lower, upper,\n" +
		"hasPrefix, hasSuffix, indexOf, split, trim …); the clock and encoding builtins are disabled.\n")
	_, err := io.WriteString(stdout, b.String())
	return err
}

// exampleAnalyzer is the engine's analysis of a rule's example (the
// embedded classifier, the default fingerprint settings, a fresh
// repetition store per example), so that an example decides as a post
// would in run and scan.
func exampleAnalyzer() (func(rules.Example) (*rules.Features, error), error) {
	return engine.ExampleAnalyzer(engine.DefaultClassifierConfig(), fingerprint.Config{})
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
