package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDemo runs `circleguard demo` as the README's first command does and
// checks that verdicts flow and that /metrics counts them.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "-admin-addr", "127.0.0.1:0", "-rate", "1000"}, func(string) string { return "" }, nil, pw, &stderr)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var metricsURL string
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "metrics: "); ok {
			metricsURL = strings.Fields(rest)[0]
			break
		}
	}
	if metricsURL == "" {
		t.Fatalf("demo printed no metrics address; stderr:\n%s", stderr.String())
	}
	go io.Copy(io.Discard, pr)

	start := time.Now()
	var verdicts, dead float64
	for verdicts < 100 || dead < 1 { // one message in 200 is malformed
		if time.Since(start) > 30*time.Second {
			t.Fatalf("after 30s /metrics counts %v verdicts and %v dead letters", verdicts, dead)
		}
		time.Sleep(200 * time.Millisecond)
		verdicts = scrape(t, metricsURL, "circleguard_verdicts_total")
		dead = scrape(t, metricsURL, "circleguard_dead_letters_total")
	}
	t.Logf("%v verdicts and %v dead letters counted on /metrics after %v", verdicts, dead, time.Since(start).Round(100*time.Millisecond))
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo returned %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not stop within 30s of cancellation")
	}
}

// scrape sums every sample of name on a /metrics page.
func scrape(t *testing.T, url, name string) float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sum float64
	s := bufio.NewScanner(resp.Body)
	for s.Scan() {
		line := s.Text()
		if strings.HasPrefix(line, name+" ") || strings.HasPrefix(line, name+"{") {
			f := strings.Fields(line)
			if v, err := strconv.ParseFloat(f[len(f)-1], 64); err == nil {
				sum += v
			}
		}
	}
	return sum
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantUsage bool
		wantOut   string
	}{
		{"no command", nil, true, "Usage:"},
		{"unknown command", []string{"frobnicate"}, true, `unknown command "frobnicate"`},
		{"bad flag", []string{"scan", "-nope"}, true, "flag provided but not defined: -nope"},
		{"stray argument", []string{"scan", "file.jsonl"}, true, `unexpected argument "file.jsonl"`},
		{"run with bad config value", []string{"run", "-kafka-partitions", "0"}, false, "partitions 0: must be at least 1"},
		{"version", []string{"version"}, false, "circleguard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tt.args, func(string) string { return "" }, strings.NewReader(""), &out, &out)
			if got := errors.As(err, new(usageError)); got != tt.wantUsage {
				t.Errorf("usage error = %v (%v), want %v", got, err, tt.wantUsage)
			}
			text := out.String()
			if err != nil {
				text += err.Error()
			}
			if !strings.Contains(text, tt.wantOut) {
				t.Errorf("output %q does not contain %q", text, tt.wantOut)
			}
		})
	}
}

// TestScanCommand runs `circleguard scan` with files, as a user would.
func TestScanCommand(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "posts.jsonl")
	out := filepath.Join(dir, "verdicts.jsonl")
	data := `{"id":"p1","author_id":"a1","text":"早安","created_at":"2026-11-01T08:00:00Z"}
{"id":"p2","author_id":"a2","text":"正品面膜 ¥99 包邮 加薇信 V❤ abc12345","created_at":"2026-11-01T08:01:00Z"}
{"id":"p3","text":"no author","created_at":"2026-11-01T08:02:00Z"}
`
	if err := os.WriteFile(in, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"scan", "-in", in, "-out", out}, func(string) string { return "" }, nil, io.Discard, &stderr); err != nil {
		t.Fatalf("scan: %v", err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(got), "\n"); n != 2 {
		t.Errorf("%d verdict lines, want 2:\n%s", n, got)
	}
	if !strings.Contains(stderr.String(), "line 3: missing_field: author_id: required") ||
		!strings.Contains(stderr.String(), "scan: 3 lines, 2 verdicts, 1 bad (missing_field 1)") {
		t.Errorf("stderr = %q", stderr.String())
	}
	err = run(context.Background(), []string{"scan", "-in", filepath.Join(dir, "missing.jsonl")}, func(string) string { return "" }, nil, io.Discard, io.Discard)
	if err == nil || errors.As(err, new(usageError)) {
		t.Errorf("scan of a missing file: err = %v, want an I/O error", err)
	}
}

// TestGenCommand: gen writes n valid posts with their truth, the same for
// the same seed, and its output feeds scan.
func TestGenCommand(t *testing.T) {
	gen := func(args ...string) string {
		var out bytes.Buffer
		if err := run(context.Background(), append([]string{"gen"}, args...), func(string) string { return "" }, nil, &out, io.Discard); err != nil {
			t.Fatalf("gen %v: %v", args, err)
		}
		return out.String()
	}
	a, b := gen("-n", "300", "-seed", "4", "-truth"), gen("-n", "300", "-seed", "4", "-truth")
	if a != b {
		t.Fatal("gen is not deterministic for one seed")
	}
	if a == gen("-n", "300", "-seed", "5", "-truth") {
		t.Fatal("another seed gave the same stream")
	}
	lines := strings.Split(strings.TrimSpace(a), "\n")
	if len(lines) != 300 {
		t.Fatalf("%d lines, want 300", len(lines))
	}
	kinds := map[string]int{}
	for _, l := range lines {
		var rec struct {
			Truth struct {
				Kind   string   `json:"kind"`
				Labels []string `json:"labels"`
			} `json:"truth"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.Truth.Kind == "" {
			t.Fatalf("line %q: %v", l, err)
		}
		kinds[rec.Truth.Kind]++
	}
	if kinds["normal"] == 0 || kinds["brusher"] == 0 || kinds["network"] == 0 {
		t.Errorf("kinds = %v", kinds)
	}
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"scan"}, func(string) string { return "" }, strings.NewReader(a), io.Discard, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "scan: 300 lines, 300 verdicts, 0 bad") {
		t.Errorf("scan of gen output: %s", stderr.String())
	}
}
