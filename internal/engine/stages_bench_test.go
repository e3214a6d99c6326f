package engine

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/circleguard/circleguard/classifiers"
	"github.com/circleguard/circleguard/internal/fingerprint"
	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/repetition"
	"github.com/circleguard/circleguard/internal/textnorm"
	"github.com/circleguard/circleguard/internal/verdict"
	"github.com/circleguard/circleguard/rules"
)

// BenchmarkStages measures each stage of the per-post path on its own, on
// the same 2,000 generated posts (seed 1), one post per op, in the order a
// post meets them: decode (JSON to post.Post), normalise, entities,
// signals (the built-in detectors), tokens, classifier (scoring the
// tokens), fingerprint, store (the in-memory repetition store's Observe,
// by batches of 1000, the store counting on as a stream would), features
// (what rules see), rules (the default pack's Eval), verdict (reasons,
// policy and action floor) and encode (the verdict's JSON). Their sum is
// close to BenchmarkDecideBatch plus decode and encode; the difference is
// the engine's glue. Run it on one core:
//
//	GOMAXPROCS=1 go test -run '^$' -bench Stages -benchmem ./internal/engine/
//
// (`make bench-stages`). docs/performance.md keeps the table.
func BenchmarkStages(b *testing.B) {
	def, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(rules.DefaultConfig(), DefaultClassifierConfig(), Repetition{}, WithRules(def))
	if err != nil {
		b.Fatal(err)
	}
	const n = 2000
	g, err := gen.New(gen.Config{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	type staged struct {
		line    []byte
		p       post.Post
		norm    string
		ents    textnorm.Entities
		signals []classifiers.Signal
		tokens  []string
		a       analysis
		rep     verdict.Reason
		v       verdict.Verdict
	}
	ps := make([]staged, n)
	store, err := repetition.NewMemory(repetition.MemoryConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	obs := make([]repetition.Observation, n)
	for i := range ps {
		s := &ps[i]
		s.p = g.Next().Post
		if s.line, err = json.Marshal(&s.p); err != nil {
			b.Fatal(err)
		}
		s.norm = textnorm.Normalize(s.p.Text)
		textnorm.ExtractInto(&s.ents, s.p.Text, s.norm, s.p.Links)
		s.signals = classifiers.Detect(nil, &s.ents, s.norm)
		s.tokens = e.model.Tokens(nil, s.norm, s.p.Lang, &s.ents)
		e.analyse(&s.p, &s.a, needs{features: true, tokens: true})
		obs[i] = observation(&s.p, &s.a.fp)
	}
	counts, err := store.Observe(context.Background(), obs)
	if err != nil {
		b.Fatal(err)
	}
	var mem verdictMemory
	for i := range ps {
		s := &ps[i]
		s.rep = repetitionReason(&counts[i], e.policy.Brushing(), s.a.contact, &mem)
		setRepetition(&s.a.feat.Repetition, &counts[i], s.p.CreatedAt)
		s.v, _ = e.verdict(&s.p, &s.a, &s.rep, def, nil, &mem)
		s.v.RulesVersion, s.v.DecidedAt = e.RulesVersion(), time.Now()
	}

	// stage runs f on post i, cycling through the posts.
	stage := func(name string, f func(s *staged)) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				f(&ps[i%n])
				i++
			}
		})
	}
	var (
		norm    []byte
		ents    textnorm.Entities
		signals []classifiers.Signal
		tokens  []string
		pred    classifiers.Prediction
		fp      fingerprint.Fingerprint
		feat    rules.Features
		hits    []rules.Hit
		buf     []byte
	)
	stage("decode", func(s *staged) {
		if _, err := post.Decode(s.line, 0); err != nil {
			b.Fatal(err)
		}
	})
	stage("normalise", func(s *staged) { norm = textnorm.AppendNormalize(norm[:0], s.p.Text) })
	stage("entities", func(s *staged) { textnorm.ExtractInto(&ents, s.p.Text, s.norm, s.p.Links) })
	stage("signals", func(s *staged) { signals = classifiers.Detect(signals[:0], &s.ents, s.norm) })
	stage("tokens", func(s *staged) { tokens = e.model.Tokens(tokens[:0], s.norm, s.p.Lang, &s.ents) })
	stage("classifier", func(s *staged) { e.model.PredictTokens(&pred, s.tokens) })
	stage("fingerprint", func(s *staged) { e.hasher.OfInto(&fp, s.norm, &s.ents) })
	b.Run("store", func(b *testing.B) {
		// A batch of 1000 a time, into a store that keeps counting as a
		// stream would: 20,000 more generated posts, fingerprinted up
		// front, then again under new ids a day later, and so on.
		const size, pool = 1000, 20000
		more := make([]repetition.Observation, pool)
		fps := make([]fingerprint.Fingerprint, pool)
		for i := range more {
			p := g.Next().Post
			norm := textnorm.Normalize(p.Text)
			ents := textnorm.Extract(p.Text, norm, p.Links)
			e.hasher.OfInto(&fps[i], norm, &ents)
			more[i] = repetition.Observation{PostID: p.ID, AuthorID: p.AuthorID, At: p.CreatedAt}
			if !fps[i].Trivial {
				more[i].Exact, more[i].Bands = fps[i].Exact, fps[i].Bands
			}
		}
		batch := make([]repetition.Observation, size)
		next, round := 0, 0
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			copy(batch, more[next:next+size])
			if round > 0 {
				for k := range batch {
					batch[k].PostID += "#" + strconv.Itoa(round)
					batch[k].At = batch[k].At.Add(time.Duration(round) * 25 * time.Hour)
				}
			}
			if next += size; next == pool {
				next, round = 0, round+1
			}
			b.StartTimer()
			if _, err := store.Observe(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/post")
	})
	stage("features", func(s *staged) {
		feat.Tokens = append(feat.Tokens[:0], s.tokens...)
		e.features(&feat, &s.p, s.norm, &s.ents, s.signals, s.a.probs)
	})
	stage("rules", func(s *staged) { hits = def.Eval(&s.a.feat, hits[:0]) })
	var vmem verdictMemory
	stage("verdict", func(s *staged) { _, hits = e.verdict(&s.p, &s.a, &s.rep, def, hits, &vmem) })
	stage("encode", func(s *staged) {
		var err error
		if buf, err = s.v.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	})
}
