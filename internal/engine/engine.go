// Package engine is the analysis every way in shares: run (Kafka), scan
// (JSONL) and the demo call the same Decide. It normalises the text, gathers
// evidence from the detectors and hands it to the decision policy.
//
// An Engine is immutable once built and safe for concurrent use.
package engine

import (
	"math"
	"sync"
	"time"

	"github.com/circleguard/circleguard/classifiers"
	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/textnorm"
	"github.com/circleguard/circleguard/internal/verdict"
	"github.com/circleguard/circleguard/rules"
)

// Engine decides posts.
type Engine struct {
	policy       *rules.Policy
	modelVersion string
	scratch      sync.Pool // *scratch
}

type scratch struct {
	norm    []byte
	signals []classifiers.Signal
}

// New builds an Engine with the decision policy cfg.
func New(cfg rules.Config) (*Engine, error) {
	p, err := rules.New(cfg)
	if err != nil {
		return nil, err
	}
	e := &Engine{policy: p, modelVersion: classifiers.Version()}
	e.scratch.New = func() any { return new(scratch) }
	return e, nil
}

// RulesVersion is the content hash reported as rules_version.
func (e *Engine) RulesVersion() string { return e.policy.Version() }

// ModelVersion is the content hash reported as model_version.
func (e *Engine) ModelVersion() string { return e.modelVersion }

// Decide analyses p and returns its verdict, decided at now.
func (e *Engine) Decide(p *post.Post, now time.Time) verdict.Verdict {
	s := e.scratch.Get().(*scratch)
	s.norm = textnorm.AppendNormalize(s.norm[:0], p.Text)
	s.signals = classifiers.Detect(s.signals[:0], string(s.norm), p.Links)

	var reasons []verdict.Reason
	if len(s.signals) > 0 {
		reasons = make([]verdict.Reason, len(s.signals))
		for i, sg := range s.signals {
			reasons[i] = verdict.Reason{Kind: "signal", ID: sg.ID, Label: sg.Label, Score: sg.Weight, Evidence: sg.Evidence}
		}
	}
	e.scratch.Put(s)

	d := e.policy.Decide(reasons)
	return verdict.Verdict{
		PostID:       p.ID,
		AuthorID:     p.AuthorID,
		Action:       d.Action,
		Labels:       d.Labels,
		Score:        math.Round(d.Score*1e4) / 1e4, // four decimals: readable, and stable across platforms
		Reasons:      reasons,
		RulesVersion: e.policy.Version(),
		ModelVersion: e.modelVersion,
		CreatedAt:    p.CreatedAt,
		DecidedAt:    now,
	}
}
