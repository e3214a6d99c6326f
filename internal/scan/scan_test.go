package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/circleguard/circleguard/internal/engine"
	"github.com/circleguard/circleguard/internal/verdict"
	"github.com/circleguard/circleguard/rules"
)

func newEngine(t testing.TB) *engine.Engine {
	t.Helper()
	e, err := engine.New(rules.DefaultConfig(), engine.DefaultClassifierConfig(), engine.Repetition{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func line(id, text string) string {
	b, _ := json.Marshal(map[string]string{"id": id, "author_id": "a1", "text": text, "created_at": "2026-11-01T08:00:00Z"})
	return string(b)
}

func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantIDs    []string // verdict post_ids in order
		wantReport []string // substrings of report lines, in order
		wantBad    int
	}{
		{"empty input", "", nil, nil, 0},
		{"one post without newline", line("p1", "早安"), []string{"p1"}, nil, 0},
		{"order kept", line("p1", "a") + "\n" + line("p2", "b") + "\n" + line("p3", "c") + "\n", []string{"p1", "p2", "p3"}, nil, 0},
		{"blank lines skipped, numbers kept", "\n" + line("p1", "a") + "\n\n   \n" + line("p2", "b") + "\n", []string{"p1", "p2"}, nil, 0},
		{"CRLF", line("p1", "a") + "\r\n" + line("p2", "b") + "\r\n", []string{"p1", "p2"}, nil, 0},
		{"bad lines named by number", line("p1", "a") + "\nnot json\n" + `{"id":"p3","text":"x","created_at":"2026-11-01T08:00:00Z"}` + "\n" + line("p4", "d") + "\n",
			[]string{"p1", "p4"}, []string{"line 2: invalid_json", "line 3: missing_field: author_id"}, 2},
		{"invalid UTF-8", "{\"id\":\"p1\",\"author_id\":\"a\",\"text\":\"\xff\",\"created_at\":\"2026-11-01T08:00:00Z\"}\n" + line("p2", "b"),
			[]string{"p2"}, []string{"line 1: invalid_utf8"}, 1},
		{"too long line skipped without losing the next", line("p1", strings.Repeat("广告", 3000)) + "\n" + line("p2", "b") + "\n",
			[]string{"p2"}, []string{"line 1: too_large"}, 1},
		{"line longer than the read buffer", line("p1", strings.Repeat("x", 200_000)) + "\n" + line("p2", "b") + "\n" + line("p3", "c"),
			[]string{"p2", "p3"}, []string{"line 1: too_large: 200074 bytes over the limit of 4096"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, report bytes.Buffer
			sum, err := Run(context.Background(), strings.NewReader(tt.in), &out, &report, newEngine(t), 4096)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if line == "" {
					continue
				}
				var v verdict.Verdict
				if err := json.Unmarshal([]byte(line), &v); err != nil {
					t.Fatalf("output line %q: %v", line, err)
				}
				if v.Source != nil {
					t.Errorf("scan verdict has a source: %s", line)
				}
				ids = append(ids, v.PostID)
			}
			if strings.Join(ids, ",") != strings.Join(tt.wantIDs, ",") {
				t.Errorf("verdict ids = %v, want %v", ids, tt.wantIDs)
			}
			lines := strings.Split(strings.TrimSpace(report.String()), "\n")
			if report.Len() == 0 {
				lines = nil
			}
			if len(lines) != len(tt.wantReport) {
				t.Fatalf("report = %q, want %d lines", report.String(), len(tt.wantReport))
			}
			for i, want := range tt.wantReport {
				if !strings.Contains(lines[i], want) {
					t.Errorf("report line %d = %q, want %q", i, lines[i], want)
				}
			}
			if sum.Bad != tt.wantBad || sum.Verdicts != len(tt.wantIDs) || sum.Lines != sum.Bad+sum.Verdicts {
				t.Errorf("summary = %+v", sum)
			}
		})
	}
}

func TestSummaryString(t *testing.T) {
	s := Summary{Lines: 10, Verdicts: 7, Bad: 3, ByReason: map[string]int{"missing_field": 1, "invalid_json": 2}, Elapsed: 2 * time.Second}
	want := "scan: 10 lines, 7 verdicts, 3 bad (invalid_json 2, missing_field 1) in 2.00s (5 posts/s)"
	if got := s.String(); got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
}

// errWriter fails every write.
type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, bytes.ErrTooLarge }

func TestRunWriteError(t *testing.T) {
	in := strings.Repeat(line("p", "x")+"\n", 5000)
	_, err := Run(context.Background(), strings.NewReader(in), errWriter{}, &bytes.Buffer{}, newEngine(t), 0)
	if err == nil || !strings.Contains(err.Error(), "write verdict") {
		t.Fatalf("err = %v, want a write error", err)
	}
}

func BenchmarkRun(b *testing.B) {
	var in strings.Builder
	for range 1000 {
		in.WriteString(line("p1", "今日上新🔥 正品面膜 ¥99 包邮，加薇信 V❤ abc123 咨询"))
		in.WriteByte('\n')
	}
	e := newEngine(b)
	b.ReportAllocs()
	b.SetBytes(int64(in.Len()))
	for b.Loop() {
		if _, err := Run(context.Background(), strings.NewReader(in.String()), &bytes.Buffer{}, &bytes.Buffer{}, e, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "posts/s")
}
