package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
