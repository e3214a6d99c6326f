package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/circleguard/circleguard/rules"
)

func runRules(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"rules"}, args...), func(string) string { return "" }, nil, &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestRulesCheck(t *testing.T) {
	out, err := runRules(t, "check", "-default")
	if err != nil || !strings.Contains(out, "rules/default: OK") {
		t.Fatalf("check -default: %v\n%s", err, out)
	}
	out, err = runRules(t, "check", "rules/testdata/lists.good")
	if err != nil || !strings.Contains(out, "OK, 2 rules") {
		t.Fatalf("check lists.good: %v\n%s", err, out)
	}
	dir := t.TempDir()
	bad := "rules:\n  - id: x\n    description: d\n    owner: o\n    labels: [spam]\n    action: limit\n    score: 2\n    mode: enforce\n    when: classifier.nope > 1\n    examples: {match: [a], no_match: [b]}\n"
	if err := os.WriteFile(filepath.Join(dir, "r.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = runRules(t, "check", dir)
	if err == nil {
		t.Fatal("a bad rule file checked OK")
	}
	r := filepath.Join(dir, "r.yaml")
	for _, want := range []string{r + ":5: rule x: unknown label \"spam\"", r + ":7: rule x: score \"2\"", r + ":9: rule x: when: "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := runRules(t, "check"); err == nil {
		t.Error("check without DIR accepted")
	}
}

func TestRulesTest(t *testing.T) {
	out, err := runRules(t, "test", "-default", "-run", "^mlm\\.")
	if err != nil || !strings.Contains(out, "PASS mlm.agent-recruitment") || strings.Contains(out, "fraud.") {
		t.Fatalf("test -default -run mlm: %v\n%s", err, out)
	}
	dir := t.TempDir()
	data, err := os.ReadFile("rules/testdata/examples.bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "r.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = runRules(t, "test", dir)
	if err == nil || !strings.Contains(out, "FAIL mlm.recruit (2 of 4 examples)") || !strings.Contains(out, "0 passed, 1 failed") {
		t.Fatalf("test of failing examples: %v\n%s", err, out)
	}
}

func TestRulesFeatures(t *testing.T) {
	out, err := runRules(t, "features")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"repetition.author_copies_24h  int", "classifier.fraud  float", "entities.phones  []string", "contains_any(s, [keywords])  bool", `in_list("NAME", s)  bool`} {
		if !strings.Contains(out, want) {
			t.Errorf("features output lacks %q", want)
		}
	}
}

// writePosts writes n generated posts with their truth as JSONL.
func writePosts(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "posts.jsonl")
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"gen", "-n", fmt.Sprint(n), "-truth", "-out", path}, func(string) string { return "" }, nil, &out, &errOut); err != nil {
		t.Fatalf("gen: %v\n%s", err, errOut.String())
	}
	return path
}

// copyDefaultPack copies the embedded pack into a new directory.
func copyDefaultPack(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, rules.DefaultFS()); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRulesBacktest(t *testing.T) {
	posts := writePosts(t, 3000)
	dir := copyDefaultPack(t)
	// The candidate: a new rule that blocks posts about coffee, and the
	// brushing rules removed.
	kite := "rules:\n  - id: t.kite\n    description: coffee\n    owner: tests\n    labels: [fraud]\n    action: block\n    score: 0.9\n    mode: enforce\n" +
		"    when: contains_any(text, [\"咖啡\", \"coffee\"])\n    examples: {match: [喝咖啡], no_match: [早安]}\n"
	if err := os.WriteFile(filepath.Join(dir, "kite.yaml"), []byte(kite), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "brushing.yaml")); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"rules", "backtest", "-rules", dir, "-posts", posts}, func(string) string { return "" }, nil, &out, &errOut)
	if err != nil {
		t.Fatalf("backtest: %v\n%s", err, errOut.String())
	}
	report := out.String()
	for _, want := range []string{
		"backtest: 3000 posts (3000 labelled)",
		"candidate: " + dir + " (rules-",
		"baseline:  the embedded pack (rules-",
		"t.kite (new)",
		"brushing.author-copies (removed)",
		"mlm.agent-recruitment ",
		"verdicts that change: ",
		"allow → block",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	// Ids only, never text.
	if strings.Contains(report, "咖啡") || strings.Contains(report, "coffee") {
		t.Errorf("the report shows post text:\n%s", report)
	}
	if m := regexp.MustCompile(`allow → block\s+(\d+)\s+((?:p\d+ ?)+)`).FindStringSubmatch(report); m == nil || len(strings.Fields(m[2])) > 5 {
		t.Errorf("allow → block line without up to 5 post ids:\n%s", report)
	}

	// A labelled corpus without ids (as classifiers/data), filled from line
	// numbers, against no rules.
	corpus := filepath.Join(t.TempDir(), "corpus.jsonl")
	if err := os.WriteFile(corpus, []byte(`{"text":"诚招一级代理，零门槛，宝妈在家也能月入过万，加微信 mlm888","labels":["mlm"]}
{"text":"周末去喝咖啡","labels":[]}
{"text":"恭喜您中奖了！领奖需先缴纳手续费200元","label":"fraud"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	err = run(context.Background(), []string{"rules", "backtest", "-rules", dir, "-baseline", "none", "-fill-missing", "-posts", corpus},
		func(string) string { return "" }, nil, &out, &errOut)
	if err != nil {
		t.Fatalf("backtest of a corpus: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"backtest: 3 posts (3 labelled), 3 lines, 0 bad, 3 given line-numbered ids", "baseline:  none (no rules)",
		"hits on labelled posts without the rule's labels", "t.kite  ", "line-2"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("corpus report lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"rules", "backtest", "-rules", dir, "-posts", corpus}, func(string) string { return "" }, nil, &out, &errOut); err != nil ||
		!strings.Contains(out.String(), "3 lines, 3 bad") || !strings.Contains(errOut.String(), "line 1: missing_field: id: required") {
		t.Errorf("without -fill-missing: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	if _, err := runRules(t, "backtest", "-rules", dir); err == nil {
		t.Error("backtest without -posts accepted")
	}
}

func TestReadTruthLabels(t *testing.T) {
	dir := copyDefaultPack(t)
	path := filepath.Join(t.TempDir(), "p.jsonl")
	lines := `{"id":"p1","author_id":"a","text":"诚招一级代理，零门槛，宝妈在家也能月入过万，加微信 mlm888","created_at":"2026-11-01T08:00:00Z","label":"mlm"}
{"id":"p2","author_id":"b","text":"诚招一级代理，零门槛，宝妈在家也能月入过万，加微信 mlm888","created_at":"2026-11-01T08:00:00Z","labels":["ham"]}
{"id":"p3","author_id":"c","text":"早安","created_at":"2026-11-01T08:00:00Z"}
`
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runRules(t, "backtest", "-rules", dir, "-posts", path)
	if err != nil {
		t.Fatal(err)
	}
	// p1 and p2 are labelled, p3 is not; the recruitment rule hits both
	// labelled posts, one of them rightly.
	if !strings.Contains(out, "backtest: 3 posts (2 labelled)") || !regexp.MustCompile(`mlm\.agent-recruitment\s+enforce\s+review\s+2\s+2\s+0\.500\s+1\.000`).MatchString(out) {
		t.Errorf("report:\n%s", out)
	}
}
