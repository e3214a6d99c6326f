package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/circleguard/circleguard/internal/fingerprint"
	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/repetition"
	"github.com/circleguard/circleguard/rules"
)

// ExampleAnalyzer returns the analysis rules.Set.Check and
// rules.ReloadConfig.Analyze need: a rule's example goes through the
// pipeline as a post would — normalised text, tokens, entities, built-in
// signals, classifier probabilities, fingerprint — and is counted in a
// fresh in-memory repetition store, as a post seen for the first time:
// repetition.known, one post by its author, a cluster of one copy unless
// its text is trivial. Check then applies the example's own feature
// overrides (repetition counts, author, classifier …) on top.
//
// The example post has no id, author id or created_at (post_id and
// author.id are "", created_at 0) and its author's age and friends are
// unknown, unless the example sets them. The function is safe for
// concurrent use.
func ExampleAnalyzer(cc ClassifierConfig, fc fingerprint.Config) (func(rules.Example) (*rules.Features, error), error) {
	an, err := newAnalyzer(cc, fc)
	if err != nil {
		return nil, err
	}
	return an.example, nil
}

// AnalyzeExample is ExampleAnalyzer's analysis with the engine's
// classifier and fingerprint settings.
func (e *Engine) AnalyzeExample(x rules.Example) (*rules.Features, error) { return e.example(x) }

// exampleTime is the event time examples are counted at.
var exampleTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func (an *analyzer) example(x rules.Example) (*rules.Features, error) {
	p := post.Post{ID: "example", AuthorID: "example", Text: x.Text, Lang: x.Lang, Links: x.Links, CreatedAt: exampleTime}
	var a analysis
	an.analyse(&p, &a, needs{features: true, tokens: true})
	store, err := repetition.NewMemory(repetition.MemoryConfig{MaxPosts: 1, MaxAuthors: 1, MaxClusters: 1, MaxKeys: repetition.MaxBands + 1})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	o := repetition.Observation{PostID: p.ID, AuthorID: p.AuthorID, At: p.CreatedAt}
	if !a.fp.Trivial {
		o.Exact, o.Bands = a.fp.Exact, a.fp.Bands
	}
	counts, err := store.Observe(context.Background(), []repetition.Observation{o})
	if err != nil {
		return nil, fmt.Errorf("repetition: %w", err)
	}
	f := &a.feat
	setRepetition(&f.Repetition, &counts[0], p.CreatedAt)
	f.PostID, f.CreatedAt, f.Author.ID = "", 0, ""
	return f, nil
}
