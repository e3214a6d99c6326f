// Package engine is the analysis every way in shares: run (Kafka), scan
// (JSONL) and the demo call the same Decide. It normalises the text, reads
// its entities, gathers evidence from the built-in detectors and the
// classifier and hands it to the decision policy.
//
// An Engine is immutable once built and safe for concurrent use.
package engine

import (
	"context"
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
	"github.com/circleguard/circleguard/internal/fingerprint"
	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/repetition"
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
	hasher       *fingerprint.Hasher
	store        repetition.Store // nil: no repetition signals
	scratch      sync.Pool        // *scratch
	batches      sync.Pool        // *batchScratch
}

type scratch struct {
	norm    []byte
	ents    textnorm.Entities // reused: ExtractInto keeps its slices' arrays
	signals []classifiers.Signal
}

// batchScratch is the working memory of one DecideBatch call.
type batchScratch struct {
	analyses []analysis
	obs      []repetition.Observation
}

// analysis is what DecideBatch learns of one post before the repetition
// state is asked.
type analysis struct {
	reasons []verdict.Reason
	probs   map[string]float64
	fp      fingerprint.Fingerprint // its array is reused from batch to batch
	contact bool                    // a phone number, a WeChat or QQ id
}

// Repetition connects an Engine to repetition state (brushing detection).
type Repetition struct {
	// Store counts posts per author and per content cluster; nil means no
	// repetition signals (and no brushing label from repetition).
	Store repetition.Store
	// Fingerprint configures the near-duplicate fingerprints. Every
	// instance sharing a Store must use the same.
	Fingerprint fingerprint.Config
}

// New builds an Engine with the decision policy, the classifier and the
// repetition state.
func New(decision rules.Config, cc ClassifierConfig, rep Repetition) (*Engine, error) {
	p, err := rules.New(decision)
	if err != nil {
		return nil, err
	}
	if err := cc.Validate(); err != nil {
		return nil, fmt.Errorf("classifier: %w", err)
	}
	h, err := fingerprint.New(rep.Fingerprint)
	if err != nil {
		return nil, err
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
	e := &Engine{policy: p, model: m, hasher: h, store: rep.Store}
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
	fc := h.Config()
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%s|fp %d×%d/%d/%d", p.Version(), classifiers.Version(), strings.Join(mapping, ","),
		fc.Bands, fc.Rows, fc.Seed, fc.MinRunes))
	e.rulesVersion = "r-" + hex.EncodeToString(sum[:6])
	e.scratch.New = func() any { return new(scratch) }
	e.batches.New = func() any { return new(batchScratch) }
	return e, nil
}

// RulesVersion is the content hash reported as rules_version: the decision
// policy, the built-in detectors, the label mapping and the fingerprint
// settings.
func (e *Engine) RulesVersion() string { return e.rulesVersion }

// ModelVersion is the classifier model's content hash (model_version).
func (e *Engine) ModelVersion() string { return e.model.Version() }

// Decide decides one post: DecideBatch of a batch of one.
func (e *Engine) Decide(ctx context.Context, p *post.Post, now time.Time) (verdict.Verdict, error) {
	vs, err := e.DecideBatch(ctx, []post.Post{*p}, now, nil)
	if err != nil {
		return verdict.Verdict{}, err
	}
	return vs[0], nil
}

// DecideBatch analyses posts and appends their verdicts, decided at now, to
// dst in the posts' order. The repetition store counts the batch in one
// call, in order (a post sees the ones before it in the batch). An error
// comes only from the store: no verdict is returned, and deciding the same
// batch again is safe, since posts already counted come back as replays
// with their first counts.
func (e *Engine) DecideBatch(ctx context.Context, posts []post.Post, now time.Time, dst []verdict.Verdict) ([]verdict.Verdict, error) {
	bs := e.batches.Get().(*batchScratch)
	defer e.batches.Put(bs)
	if cap(bs.analyses) < len(posts) {
		bs.analyses = append(bs.analyses[:cap(bs.analyses)], make([]analysis, len(posts)-cap(bs.analyses))...)
	}
	as := bs.analyses[:len(posts)]
	for i := range posts {
		e.analyse(&posts[i], &as[i])
	}

	var counts []repetition.Counts
	if e.store != nil {
		bs.obs = bs.obs[:0]
		for i := range posts {
			o := repetition.Observation{PostID: posts[i].ID, AuthorID: posts[i].AuthorID, At: posts[i].CreatedAt}
			if fp := &as[i].fp; !fp.Trivial {
				o.Exact, o.Bands = fp.Exact, fp.Bands
			}
			bs.obs = append(bs.obs, o)
		}
		var err error
		counts, err = e.store.Observe(ctx, bs.obs)
		clear(bs.obs) // keep no post ids
		if err != nil {
			return dst, fmt.Errorf("repetition store: %w", err)
		}
	}

	brushing := e.policy.Brushing()
	for i := range posts {
		p, a := &posts[i], &as[i]
		if counts != nil {
			a.reasons = append(a.reasons, repetitionReason(&counts[i], brushing, a.contact))
		}
		d := e.policy.Decide(a.reasons, a.probs)
		dst = append(dst, verdict.Verdict{
			PostID:       p.ID,
			AuthorID:     p.AuthorID,
			Action:       d.Action,
			Labels:       d.Labels,
			Score:        round4(d.Score),
			Reasons:      a.reasons,
			RulesVersion: e.rulesVersion,
			ModelVersion: e.model.Version(),
			CreatedAt:    p.CreatedAt,
			DecidedAt:    now,
		})
		a.reasons, a.probs = nil, nil // the verdict owns them now
	}
	return dst, nil
}

// analyse fills a with everything that needs only the post itself: the
// built-in detectors, the classifier and the fingerprint.
func (e *Engine) analyse(p *post.Post, a *analysis) {
	s := e.scratch.Get().(*scratch)
	s.norm = textnorm.AppendNormalize(s.norm[:0], p.Text)
	norm := string(s.norm) // evidence and top features point into it: a copy
	textnorm.ExtractInto(&s.ents, p.Text, norm, p.Links)
	s.signals = classifiers.Detect(s.signals[:0], &s.ents, norm)
	pred := e.model.Predict(norm, p.Lang, &s.ents)
	e.hasher.OfInto(&a.fp, norm, &s.ents)
	a.contact = len(s.ents.Phones)+len(s.ents.WeChatIDs)+len(s.ents.QQIDs) > 0

	reasons := make([]verdict.Reason, 0, len(s.signals)+2)
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
	a.reasons, a.probs = append(reasons, cr), probs
}

// repetitionReason explains a post's repetition counts. Its ID names the
// brushing test that fired ("author_copies", "cluster_spread"), with label
// brushing and score 1; "counts" when none did (label empty, score 0).
func repetitionReason(c *repetition.Counts, b rules.Brushing, contact bool) verdict.Reason {
	r := verdict.Reason{Kind: "repetition", ID: "counts", Repetition: &verdict.Repetition{
		AuthorPosts1h:     c.AuthorPosts1h,
		AuthorPosts24h:    c.AuthorPosts24h,
		AuthorCopies24h:   c.AuthorCopies24h,
		Cluster:           c.Cluster,
		ClusterCopies24h:  c.ClusterCopies24h,
		ClusterAuthors24h: c.ClusterAuthors24h,
		Replay:            c.Replay,
	}}
	if !c.ClusterFirstSeen.IsZero() {
		t := c.ClusterFirstSeen.UTC()
		r.Repetition.ClusterFirstSeen = &t
	}
	if c.Cluster == "" {
		return r
	}
	if ok, test := b.Test(c.AuthorCopies24h, c.ClusterCopies24h, c.ClusterAuthors24h, contact); ok {
		r.ID, r.Label, r.Score = test, verdict.LabelBrushing, 1
		switch test {
		case rules.BrushingAuthorCopies:
			r.Evidence = fmt.Sprintf("%d copies by the author in 24h", c.AuthorCopies24h)
		default:
			r.Evidence = fmt.Sprintf("%d copies by %d authors in 24h", c.ClusterCopies24h, c.ClusterAuthors24h)
			if float64(c.ClusterCopies24h) < b.ClusterCopiesPerAuthor*float64(c.ClusterAuthors24h) {
				r.Evidence += ", with a contact"
			}
		}
	}
	return r
}

// round4 keeps four decimals: readable, and stable across platforms.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
