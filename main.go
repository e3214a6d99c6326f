// Command circleguard keeps social feeds clean: it reads posts from Kafka,
// flags sales spam, brushing (repeated posting), MLM recruitment and fraud,
// and publishes one explained verdict per post.
//
// Usage:
//
//	circleguard demo [-admin-addr HOST:PORT] [-rate N]   the whole pipeline on an embedded broker
//	circleguard run -config FILE [flags]                 the stream worker
//	circleguard scan [-in FILE] [-out FILE] [-model F]   posts JSONL in, verdicts JSONL out, offline
//	circleguard bench [-quick] [-workers 1,2,3]          throughput, CPU, latency and memory against the Kafka pass-through ceiling
//	circleguard gen [-n N] [-seed S] [-truth]            a labelled stream of realistic posts
//	circleguard score -truth POSTS -verdicts VERDICTS    verdicts against a generated stream's truth
//	circleguard rules check|test|features|backtest       the trust team's rule files
//	circleguard train -data FILE… -out MODEL             train the classifier
//	circleguard eval [-model MODEL] -data FILE [-split F] evaluate it
//	circleguard version
//
// `circleguard COMMAND -h` lists a command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case errors.As(err, new(usageError)):
		fmt.Fprintln(os.Stderr, "circleguard:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "circleguard:", err)
		os.Exit(1)
	}
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `circleguard keeps social feeds clean: posts in, explained verdicts out.

Usage:
  circleguard demo [-admin-addr HOST:PORT] [-rate N]  run the whole pipeline on an embedded broker
  circleguard run -config FILE [flags]                the Kafka stream worker
  circleguard scan [-in FILE] [-out FILE] [-model F]  posts JSONL in, verdict JSONL out, offline
  circleguard bench [-quick] [-workers 1,2,3]         posts/s, CPU, latency and memory against the Kafka pass-through ceiling
  circleguard gen [-n N] [-seed S] [-truth]           a labelled stream of realistic posts (JSONL)
  circleguard score -truth POSTS -verdicts VERDICTS   score verdicts against a generated stream's truth
  circleguard rules check|test|features|backtest      validate, test and backtest rule files
  circleguard train -data FILE… -out MODEL            train the classifier on labelled data
  circleguard eval [-model MODEL] -data FILE          precision, recall, F1, ROC-AUC; -split to hold out
  circleguard version                                 print the version

Run 'circleguard COMMAND -h' for a command's flags.
`

// run is the whole program, testable: it parses args, runs one command and
// returns when the command ends or ctx is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(ctx, rest, getenv, stderr)
	case "scan":
		return cmdScan(ctx, rest, getenv, stdin, stdout, stderr)
	case "bench":
		return cmdBench(ctx, rest, getenv, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, rest, getenv, stdout, stderr)
	case "gen":
		return cmdGen(ctx, rest, stdout, stderr)
	case "score":
		return cmdScore(ctx, rest, stdout, stderr)
	case "train":
		return cmdTrain(ctx, rest, stdout, stderr)
	case "eval":
		return cmdEval(ctx, rest, stdout, stderr)
	case "rules":
		return cmdRules(ctx, rest, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "circleguard", version())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// version is the module version, or the VCS revision of a source build.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}

// parseFlags parses args into fs, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}
