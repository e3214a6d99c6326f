// Package engine is the analysis every way in shares: run (Kafka), scan
// (JSONL) and the demo call the same Decide. It normalises the text, reads
// its entities, gathers evidence from the built-in detectors and the
// classifier and hands it to the decision policy.
//
// An Engine is immutable once built and safe for concurrent use.
package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/circleguard/circleguard/classifiers"
	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/textnorm"
	"github.com/circleguard/circleguard/internal/verdict"
	"github.com/circleguard/circleguard/rules"
)

// ClassifierConfig chooses the model and how its labels count.
type ClassifierConfig struct {
	// Model is a model file made by `circleguard train`; empty means the
	// model embedded in the binary. Default: "".
	Model string `yaml:"model"`
	// Map turns model labels into verdict labels (a model trained on
	// spam/ham data says "spam"). A model label that is neither mapped nor a
	// verdict label is reported in the verdict but decides nothing.
	// Default: {spam: sales}.
	Map map[string]string `yaml:"map"`
}

// DefaultClassifierConfig returns the defaults documented on ClassifierConfig.
func DefaultClassifierConfig() ClassifierConfig {
	return ClassifierConfig{Map: map[string]string{"spam": verdict.LabelSales}}
}

// Validate reports the first problem with c.
func (c ClassifierConfig) Validate() error {
	for from, to := range c.Map {
		if !slices.Contains(verdict.Labels, to) {
			return fmt.Errorf("map: %s → %q: not a verdict label (%v)", from, to, verdict.Labels)
		}
	}
	return nil
}

// Engine decides posts.
type Engine struct {
	policy       *rules.Policy
	model        *classifiers.Model
	modelLabels  []string // model label i counts toward verdict label modelLabels[i] ("" for none)
	rulesVersion string
	scratch      sync.Pool // *scratch
}

type scratch struct {
	norm    []byte
	ents    textnorm.Entities // reused: ExtractInto keeps its slices' arrays
	signals []classifiers.Signal
}

// New builds an Engine with the decision policy and the classifier.
func New(decision rules.Config, cc ClassifierConfig) (*Engine, error) {
	p, err := rules.New(decision)
	if err != nil {
		return nil, err
	}
	if err := cc.Validate(); err != nil {
		return nil, fmt.Errorf("classifier: %w", err)
	}
	var m *classifiers.Model
	if cc.Model == "" {
		m, err = classifiers.DefaultModel()
	} else {
		m, err = classifiers.LoadModel(cc.Model)
	}
	if err != nil {
		return nil, fmt.Errorf("classifier: %w", err)
	}
	e := &Engine{policy: p, model: m}
	var mapping []string
	for _, l := range m.Labels() {
		to := cc.Map[l]
		if to == "" && slices.Contains(verdict.Labels, l) {
			to = l
		}
		e.modelLabels = append(e.modelLabels, to)
		mapping = append(mapping, l+"→"+to)
	}
	sort.Strings(mapping)
	sum := sha256.Sum256([]byte(p.Version() + "|" + classifiers.Version() + "|" + strings.Join(mapping, ",")))
	e.rulesVersion = "r-" + hex.EncodeToString(sum[:6])
	e.scratch.New = func() any { return new(scratch) }
	return e, nil
}

// RulesVersion is the content hash reported as rules_version: the decision
// policy, the built-in detectors and the label mapping.
func (e *Engine) RulesVersion() string { return e.rulesVersion }

// ModelVersion is the classifier model's content hash (model_version).
func (e *Engine) ModelVersion() string { return e.model.Version() }

// Decide analyses p and returns its verdict, decided at now.
func (e *Engine) Decide(p *post.Post, now time.Time) verdict.Verdict {
	s := e.scratch.Get().(*scratch)
	s.norm = textnorm.AppendNormalize(s.norm[:0], p.Text)
	norm := string(s.norm) // evidence and top features point into it: a copy
	textnorm.ExtractInto(&s.ents, p.Text, norm, p.Links)
	s.signals = classifiers.Detect(s.signals[:0], &s.ents, norm)
	pred := e.model.Predict(norm, p.Lang, &s.ents)

	reasons := make([]verdict.Reason, 0, len(s.signals)+1)
	for _, sg := range s.signals {
		reasons = append(reasons, verdict.Reason{Kind: "signal", ID: sg.ID, Label: sg.Label, Score: sg.Weight, Evidence: sg.Evidence})
	}
	e.scratch.Put(s)

	cr := verdict.Reason{Kind: "classifier", ID: "model", Model: e.model.Version(), Probs: make(map[string]float64, len(pred.Labels))}
	probs := make(map[string]float64, len(verdict.Labels))
	for i, l := range pred.Labels {
		pr := round4(pred.Probs[i])
		cr.Probs[l] = pr
		if to := e.modelLabels[i]; to != "" && pr > probs[to] {
			probs[to] = pr
		}
		if pr > cr.Score {
			cr.Score, cr.Label = pr, e.modelLabels[i]
		}
		for _, f := range pred.Top[i] {
			cr.TopFeatures = append(cr.TopFeatures, verdict.TopFeature{Label: l, Token: f.Token, Weight: f.Weight})
		}
	}
	reasons = append(reasons, cr)

	d := e.policy.Decide(reasons, probs)
	return verdict.Verdict{
		PostID:       p.ID,
		AuthorID:     p.AuthorID,
		Action:       d.Action,
		Labels:       d.Labels,
		Score:        round4(d.Score),
		Reasons:      reasons,
		RulesVersion: e.rulesVersion,
		ModelVersion: e.model.Version(),
		CreatedAt:    p.CreatedAt,
		DecidedAt:    now,
	}
}

// round4 keeps four decimals: readable, and stable across platforms.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
