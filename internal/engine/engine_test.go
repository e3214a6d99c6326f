package engine

import (
	"context"
	"github.com/circleguard/circleguard/internal/fingerprint"
	"github.com/circleguard/circleguard/internal/testenv"
	"github.com/circleguard/circleguard/internal/textnorm"
	"slices"
	"testing"
	"time"

	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/repetition"
	"github.com/circleguard/circleguard/internal/verdict"
	"github.com/circleguard/circleguard/rules"
)

func newEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := New(rules.DefaultConfig(), DefaultClassifierConfig(), Repetition{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// decideBatch is DecideBatch for a caller that counts batches in any
// order.
func decideBatch(ctx context.Context, e *Engine, posts []post.Post, now time.Time, dst []verdict.Verdict) ([]verdict.Verdict, error) {
	return e.DecideBatch(ctx, posts, now, dst, nil)
}

func TestDecide(t *testing.T) {
	e := newEngine(t)
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		text       string
		wantAction string
		wantLabel  string // must be among the labels; "" = clean
	}{
		{"greeting", "早安☀️", verdict.Allow, ""},
		{"family", "周末带娃去公园放风筝，天气真好", verdict.Allow, ""},
		{"english daily", "Had dinner with my parents tonight, so grateful", verdict.Allow, ""},
		{"obfuscated ad", "正品面膜 ¥99 包邮！加薇 信 V❤ abc12345 咨询下单", verdict.Limit, verdict.LabelSales},
		{"recruitment", "诚招一级代理，零门槛，宝妈在家也能月入过万，加微信 mlm888", verdict.Review, verdict.LabelMLM},
		{"prize fee", "恭喜您中奖了！领奖需先缴纳手续费200元", verdict.Block, verdict.LabelFraud},
		{"english fraud", "Guaranteed returns, risk-free, double your money in a week! DM me", verdict.Review, verdict.LabelFraud},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := post.Post{ID: "p1", AuthorID: "a1", Text: tt.text, CreatedAt: now.Add(-time.Hour)}
			v, err := e.Decide(t.Context(), &p, now)
			if err != nil {
				t.Fatal(err)
			}
			if v.Action != tt.wantAction {
				t.Errorf("action = %s, want %s (verdict %+v)", v.Action, tt.wantAction, v)
			}
			if tt.wantLabel == "" && len(v.Labels) != 0 || tt.wantLabel != "" && !slices.Contains(v.Labels, tt.wantLabel) {
				t.Errorf("labels = %v, want %q", v.Labels, tt.wantLabel)
			}
			if v.Action != verdict.Allow && len(v.Reasons) == 0 {
				t.Errorf("a %s verdict without reasons", v.Action)
			}
			if v.PostID != "p1" || v.AuthorID != "a1" || !v.DecidedAt.Equal(now) || !v.CreatedAt.Equal(p.CreatedAt) ||
				v.RulesVersion != e.RulesVersion() || v.ModelVersion != e.ModelVersion() {
				t.Errorf("verdict fields: %+v", v)
			}
		})
	}
}

// TestDecideOnGeneratedStream measures the first decision path against the
// generator's ground truth and guards against regressions: ordinary posts
// must almost never be flagged, and most spam must be.
func TestDecideOnGeneratedStream(t *testing.T) {
	e := newEngine(t)
	g, err := gen.New(gen.Config{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	type tally struct{ n, flagged, labelHit int }
	byKind := map[gen.Kind]*tally{}
	for range 20000 {
		it := g.Next()
		v, err := e.Decide(t.Context(), &it.Post, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		tl := byKind[it.Truth.Kind]
		if tl == nil {
			tl = &tally{}
			byKind[it.Truth.Kind] = tl
		}
		tl.n++
		if v.Action != verdict.Allow {
			tl.flagged++
		}
		for _, l := range it.Truth.Labels {
			if l != verdict.LabelBrushing && slices.Contains(v.Labels, l) {
				tl.labelHit++
				break
			}
		}
	}
	for _, k := range gen.Kinds {
		tl := byKind[k]
		t.Logf("%-8s %5d posts, %5.1f%% flagged, %5.1f%% with a true label", k, tl.n, 100*float64(tl.flagged)/float64(tl.n), 100*float64(tl.labelHit)/float64(tl.n))
	}
	// Measured with the default model of this commit: 3.9% (short posts
	// with a price or a number read as ads, e.g. 打车花了46块; see the
	// README's quality section). The bound catches regressions.
	if fp := float64(byKind[gen.Normal].flagged) / float64(byKind[gen.Normal].n); fp > 0.05 {
		t.Errorf("%.1f%% of ordinary posts flagged, want at most 5%%", 100*fp)
	}
	var spam, hit int
	for _, k := range []gen.Kind{gen.Brusher, gen.Network, gen.MLM, gen.Fraud} {
		spam += byKind[k].n
		hit += byKind[k].flagged
	}
	if recall := float64(hit) / float64(spam); recall < 0.9 {
		t.Errorf("only %.1f%% of spam flagged, want at least 90%%", 100*recall)
	}
}

// BenchmarkDecideBatch decides the generated stream in batches of 1000, as
// the worker does: without repetition state, with the in-memory store
// (which keeps counting as the stream goes on: its posts are never
// replays), and with the default rule pack on top (the rules' cost per
// post is the difference of the last two; the target is at most 5 µs). An
// op is a batch; ns/post and posts/s are per post.
func BenchmarkDecideBatch(b *testing.B) {
	def, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		store bool
		rules *rules.Set
	}{
		{"classifier", false, nil},
		{"classifier+repetition", true, nil},
		{"classifier+repetition+rules", true, def},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var rep Repetition
			if bc.store {
				m, err := repetition.NewMemory(repetition.MemoryConfig{})
				if err != nil {
					b.Fatal(err)
				}
				defer m.Close()
				rep.Store = m
			}
			e, err := New(rules.DefaultConfig(), DefaultClassifierConfig(), rep, WithRules(bc.rules))
			if err != nil {
				b.Fatal(err)
			}
			g, _ := gen.New(gen.Config{Seed: 1})
			const size = 1000
			batch := make([]post.Post, size)
			var dst []verdict.Verdict
			now := time.Now()
			b.ReportAllocs()
			var cpu time.Duration // CPU time in decideBatch only
			for b.Loop() {
				b.StopTimer() // the generator is not what is measured
				for i := range batch {
					batch[i] = g.Next().Post
				}
				b.StartTimer()
				c0 := testenv.CPUTime()
				dst, err = decideBatch(b.Context(), e, batch, now, dst[:0])
				cpu += testenv.CPUTime() - c0
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*size), "cpu-ns/post")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/post")
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "posts/s")
		})
	}
}

// BenchmarkRepetitionStage measures the repetition stage alone, as the
// engine runs it on a batch of 1000 generated posts whose text is already
// normalised: the fingerprint of each post, then one Observe of the batch
// into an in-memory store sized for a day of 1M posts (it keeps counting as
// the stream goes on). The brushing issue's target is 100,000 posts a
// second per core.
func BenchmarkRepetitionStage(b *testing.B) {
	store, err := repetition.NewMemory(repetition.MemoryConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	h, err := fingerprint.New(fingerprint.Config{})
	if err != nil {
		b.Fatal(err)
	}
	g, _ := gen.New(gen.Config{Seed: 1})
	const size = 1000
	norms := make([]string, size)
	ents := make([]textnorm.Entities, size)
	fps := make([]fingerprint.Fingerprint, size)
	obs := make([]repetition.Observation, size)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i := range size {
			p := g.Next().Post
			norms[i] = textnorm.Normalize(p.Text)
			ents[i] = textnorm.Extract(p.Text, norms[i], p.Links)
			obs[i] = repetition.Observation{PostID: p.ID, AuthorID: p.AuthorID, At: p.CreatedAt}
		}
		b.StartTimer()
		for i := range size {
			h.OfInto(&fps[i], norms[i], &ents[i])
			if !fps[i].Trivial {
				obs[i].Exact, obs[i].Bands = fps[i].Exact, fps[i].Bands
			}
		}
		if _, err := store.Observe(ctx, obs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/post")
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "posts/s")
}
