package engine

import (
	"context"
	"testing"

	"github.com/circleguard/circleguard/classifiers"
	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/repetition"
	"github.com/circleguard/circleguard/internal/textnorm"
	"github.com/circleguard/circleguard/internal/verdict"
	"github.com/circleguard/circleguard/rules"
)

// benchPost is one generated post, analysed and counted, as the rules'
// stages of DecideBatch see it.
type benchPost struct {
	p       post.Post
	a       analysis
	norm    string
	ents    textnorm.Entities
	signals []classifiers.Signal
	rep     *verdict.Reason
}

// benchPosts analyses 1000 generated posts and counts them in a memory
// store.
func benchPosts(b *testing.B, e *Engine) []benchPost {
	b.Helper()
	store, err := repetition.NewMemory(repetition.MemoryConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	g, _ := gen.New(gen.Config{Seed: 1})
	ps := make([]benchPost, 1000)
	obs := make([]repetition.Observation, len(ps))
	for i := range ps {
		bp := &ps[i]
		bp.p = g.Next().Post
		e.analyse(&bp.p, &bp.a, needs{features: true})
		bp.norm = bp.a.feat.Text
		textnorm.ExtractInto(&bp.ents, bp.p.Text, bp.norm, bp.p.Links)
		bp.signals = classifiers.Detect(nil, &bp.ents, bp.norm)
		obs[i] = observation(&bp.p, &bp.a.fp)
	}
	counts, err := store.Observe(context.Background(), obs)
	if err != nil {
		b.Fatal(err)
	}
	for i := range ps {
		r := repetitionReason(&counts[i], e.policy.Brushing(), ps[i].a.contact, new(verdictMemory))
		ps[i].rep = &r
		setRepetition(&ps[i].a.feat.Repetition, &counts[i], ps[i].p.CreatedAt)
	}
	return ps
}

// BenchmarkRulesStages measures, per post, what the rules add to
// DecideBatch, apart from the rest of the pipeline (which
// BenchmarkDecideBatch measures whole, too noisily on a shared machine to
// show a few microseconds): building the Features from the analysis
// ("features"), and deciding with the default pack ("decide/default-pack":
// evaluation, rule reasons, the policy, the action floor, shadow reasons)
// against deciding without rules ("decide/no-rules"). The rules' cost per
// post is features + decide/default-pack − decide/no-rules.
func BenchmarkRulesStages(b *testing.B) {
	def, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	e := engineWith(b, nil)
	ps := benchPosts(b, e)
	// The rules' tokens cost nothing here: they are the classifier's,
	// made once in analyse.
	b.Run("features", func(b *testing.B) {
		var f rules.Features
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			bp := &ps[i%len(ps)]
			e.features(&f, &bp.p, bp.norm, &bp.ents, bp.signals, bp.a.probs)
			i++
		}
	})
	for _, bc := range []struct {
		name string
		set  *rules.Set
	}{{"no-rules", nil}, {"default-pack", def}} {
		b.Run("decide/"+bc.name, func(b *testing.B) {
			var hits []rules.Hit
			var mem verdictMemory
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				bp := &ps[i%len(ps)]
				_, hits = e.verdict(&bp.p, &bp.a, bp.rep, bc.set, hits, &mem)
				i++
			}
		})
	}
}
