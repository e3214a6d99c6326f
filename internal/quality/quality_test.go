package quality_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/circleguard/circleguard/internal/engine"
	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/quality"
	"github.com/circleguard/circleguard/internal/repetition"
	"github.com/circleguard/circleguard/internal/verdict"
	"github.com/circleguard/circleguard/rules"
)

func TestScore(t *testing.T) {
	truth := `{"id":"n1","author_id":"u1","truth":{"kind":"normal","labels":null}}
{"id":"n2","author_id":"u2","truth":{"kind":"normal","labels":null}}
{"id":"b1","author_id":"s1","truth":{"kind":"brusher","labels":["sales","brushing"],"campaign":"brush-1"}}
{"id":"b2","author_id":"s1","truth":{"kind":"brusher","labels":["sales","brushing"],"campaign":"brush-1"}}
{"id":"b3","author_id":"s1","truth":{"kind":"brusher","labels":["sales","brushing"],"campaign":"brush-1"}}
{"id":"b4","author_id":"s1","truth":{"kind":"brusher","labels":["sales","brushing"],"campaign":"brush-1"}}
{"id":"b5","author_id":"s1","truth":{"kind":"brusher","labels":["sales","brushing"],"campaign":"brush-1"}}
{"id":"m1","author_id":"r1","truth":{"kind":"mlm","labels":["mlm"],"campaign":"mlm-1"}}
`
	rep := func(n int) string {
		return `,"reasons":[{"kind":"repetition","id":"counts","score":0,"author_posts_1h":` + string(rune('0'+n)) + `,"author_posts_24h":1,"author_copies_24h":1,"cluster_copies_24h":1,"cluster_authors_24h":1}]`
	}
	verdicts := `{"post_id":"n1","labels":[]` + rep(1) + `}
{"post_id":"n2","labels":["brushing"]}
{"post_id":"b1","labels":["sales"]}
{"post_id":"b4","labels":["sales","brushing"]` + rep(4) + `}
{"post_id":"b4","labels":["sales","brushing"]` + rep(4) + `}
{"post_id":"b5","labels":["sales"]` + rep(5) + `}
{"post_id":"b5","labels":["sales","brushing"]` + rep(5) + `}
{"post_id":"n1","labels":[]` + rep(2) + `}
{"post_id":"m1","labels":["mlm","brushing"]}
{"post_id":"zz","labels":[]}
`
	r, err := quality.Score(strings.NewReader(truth), strings.NewReader(verdicts))
	if err != nil {
		t.Fatal(err)
	}
	if r.Posts != 8 || r.Verdicts != 7 || r.Missing != 2 || r.Extra != 1 || r.Duplicate != 3 || r.Conflicts != 2 {
		t.Errorf("posts %d verdicts %d missing %d extra %d duplicate %d conflicts %d, want 8 7 2 1 3 2",
			r.Posts, r.Verdicts, r.Missing, r.Extra, r.Duplicate, r.Conflicts)
	}
	b := r.Brushing[0]
	if b.Kind != gen.Brusher || b.Early != 1 || b.EarlyBrushing != 0 || b.Later != 2 || b.LaterBrushing != 1 {
		t.Errorf("brusher scores %+v, want early 1 (0 brushing), later 2 (1 brushing: b5's first verdict has none)", b)
	}
	if r.NormalPosts != 2 || r.NormalBrushing != 1 || r.NormalBrushingAuthors != 1 {
		t.Errorf("normal %d, brushing %d by %d authors; want 2, 1, 1", r.NormalPosts, r.NormalBrushing, r.NormalBrushingAuthors)
	}
	for _, l := range r.Labels {
		if l.Label == verdict.LabelBrushing && (l.TP != 1 || l.FP != 1 || l.FN != 2) {
			t.Errorf("brushing TP/FP/FN %d/%d/%d, want 1/1/2 (mlm posts not scored)", l.TP, l.FP, l.FN)
		}
	}
	err = r.Check()
	for _, want := range []string{"brusher: 50.00% of copies 4+", "50.000% of ordinary posts", "2 posts without a verdict", "2 duplicate verdicts disagree"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check() = %v, want it to say %q", err, want)
		}
	}
	var out bytes.Buffer
	if _, err := r.WriteTo(&out); err != nil || !strings.Contains(out.String(), "ordinary posts labelled brushing: 1 of 2") {
		t.Errorf("report:\n%s", out.String())
	}
}

func TestScoreErrors(t *testing.T) {
	for name, tc := range map[string][2]string{
		"no truth field": {`{"id":"a","author_id":"u"}`, ``},
		"bad verdict":    {`{"id":"a","author_id":"u","truth":{"kind":"normal"}}`, `{`},
		"unknown kind":   {`{"id":"a","author_id":"u","truth":{"kind":"robot"}}`, `{"post_id":"a","labels":[]}`},
		"empty truth":    {``, ``},
	} {
		if _, err := quality.Score(strings.NewReader(tc[0]), strings.NewReader(tc[1])); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestBrushingTargets decides a generated stream with the engine and the
// in-memory store, in batches as the worker does, and checks the brushing
// issue's targets: 99% of the 4th and later copies of an ad labelled
// brushing, at most 0.1% of ordinary posts. (The README's figures come
// from 200,000 posts: `make quality-brushing`.)
func TestBrushingTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("decides 60,000 posts")
	}
	// Fewer posts would not do: an agent network's first copies, each
	// account posting once before its copies spread, weigh more in a
	// short stream (15,000 posts: 96% of the network's later copies).
	const n = 60_000
	store, err := repetition.NewMemory(repetition.MemoryConfig{MaxPosts: n})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	eng, err := engine.New(rules.DefaultConfig(), engine.DefaultClassifierConfig(), engine.Repetition{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	g, err := gen.New(gen.Config{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var truth, verdicts bytes.Buffer
	tenc := json.NewEncoder(&truth)
	batch := make([]post.Post, 0, 1000)
	var vs []verdict.Verdict
	flush := func() {
		vs, err = eng.DecideBatch(t.Context(), batch, time.Now(), vs[:0], nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range vs {
			line, err := vs[i].Append(nil)
			if err != nil {
				t.Fatal(err)
			}
			verdicts.Write(append(line, '\n'))
		}
		batch = batch[:0]
	}
	for range n {
		it := g.Next()
		if err := tenc.Encode(map[string]any{"id": it.Post.ID, "author_id": it.Post.AuthorID,
			"truth": map[string]any{"kind": it.Truth.Kind, "labels": it.Truth.Labels, "campaign": it.Truth.Campaign}}); err != nil {
			t.Fatal(err)
		}
		if batch = append(batch, it.Post); len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
	r, err := quality.Score(&truth, &verdicts)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	r.WriteTo(&out)
	t.Logf("%d posts:\n%s", n, out.String())
	if err := r.Check(); err != nil {
		t.Error(err)
	}
}
