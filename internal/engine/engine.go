// Package engine is the analysis every way in shares: run (Kafka), scan
// (JSONL), the demo and the rule tools call the same code. It normalises
// the text, reads its entities, gathers evidence from the built-in
// detectors, the classifier, the repetition store and the trust team's
// rules, and hands it to the decision policy.
//
// # One decision
//
// For each post the engine builds the rules.Features the rules see (the
// matching text, entities, classifier probabilities per verdict label,
// built-in signal ids, repetition counts, author metadata; tokens only
// when a rule reads them) and evaluates the active rule set. An enforce
// hit becomes one reason per label of its rule, {kind: rule, id, label,
// score, evidence}, which the policy combines with the signals, the
// classifier and repetition (noisy-OR per label, the larger of that and
// the classifier's probability); the strongest action among enforce hits
// is then a floor on the verdict's action (rules.Decision.Floor). Shadow
// hits go to the verdict's shadow list only.
//
// An Engine is immutable once built and safe for concurrent use. With a
// RuleSource (a rules.Reloader) it reads the active rule set once per
// batch, so a reload takes effect between batches, never inside one.
package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/circleguard/circleguard/classifiers"
	"github.com/circleguard/circleguard/internal/fingerprint"
	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/repetition"
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

// RuleSource gives the active rule set. *rules.Reloader is one. Set must
// be safe for concurrent use; it may return nil (no rules).
type RuleSource interface {
	Set() *rules.Set
}

// FixedRules is a RuleSource that always gives s (nil: no rules).
func FixedRules(s *rules.Set) RuleSource { return fixed{s} }

type fixed struct{ s *rules.Set }

func (f fixed) Set() *rules.Set { return f.s }

// Option adjusts an Engine.
type Option func(*Engine)

// WithRules makes the engine decide with the rule set s; nil means no
// rules.
func WithRules(s *rules.Set) Option { return func(e *Engine) { e.rules = fixed{s} } }

// WithRuleSource makes the engine read the active rule set from src (a
// *rules.Reloader) once per batch: a reload takes effect from the next
// batch.
func WithRuleSource(src RuleSource) Option { return func(e *Engine) { e.rules = src } }

// Engine decides posts.
type Engine struct {
	*analyzer
	policy *rules.Policy
	store  repetition.Store // nil: no repetition signals
	rules  RuleSource       // never nil; its Set may be
	// versionBase is what rules_version hashes besides the rule set's
	// version: the policy, the built-in detectors, the label mapping and
	// the fingerprint settings.
	versionBase string
	version     atomic.Pointer[setVersion] // the last set's rules_version
	batches     sync.Pool                  // *batchScratch
}

// setVersion is the rules_version of one rule set.
type setVersion struct {
	set     *rules.Set
	version string
}

// batchScratch is the working memory of one DecideBatch call.
type batchScratch struct {
	analyses []analysis
	obs      []repetition.Observation
	hits     []rules.Hit
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
// repetition state. Without WithRules or WithRuleSource it decides without
// rules (built-in signals, classifier and repetition only).
func New(decision rules.Config, cc ClassifierConfig, rep Repetition, opts ...Option) (*Engine, error) {
	p, err := rules.New(decision)
	if err != nil {
		return nil, err
	}
	an, err := newAnalyzer(cc, rep.Fingerprint)
	if err != nil {
		return nil, err
	}
	e := &Engine{analyzer: an, policy: p, store: rep.Store, rules: fixed{}}
	for _, opt := range opts {
		opt(e)
	}
	if e.rules == nil {
		e.rules = fixed{}
	}
	fc := an.hasher.Config()
	e.versionBase = fmt.Sprintf("%s|%s|%s|fp %d×%d/%d/%d", p.Version(), classifiers.Version(), an.mapping,
		fc.Bands, fc.Rows, fc.Seed, fc.MinRunes)
	e.batches.New = func() any { return new(batchScratch) }
	return e, nil
}

// RulesVersion is the content hash reported as rules_version of the
// verdicts decided now: "r-" and 12 hexadecimal digits of a hash of the
// decision policy, the built-in detectors, the classifier's label mapping,
// the fingerprint settings and the active rule set's version ("none"
// without rules). It changes when any of them does, a rule reload
// included.
func (e *Engine) RulesVersion() string { return e.versionOf(e.rules.Set()) }

// RuleSet returns the active rule set, nil for none.
func (e *Engine) RuleSet() *rules.Set { return e.rules.Set() }

// versionOf returns the rules_version of verdicts decided with s.
func (e *Engine) versionOf(s *rules.Set) string {
	if v := e.version.Load(); v != nil && v.set == s {
		return v.version
	}
	sv := "none"
	if s != nil {
		sv = s.Version()
	}
	sum := sha256.Sum256([]byte(e.versionBase + "|" + sv))
	v := &setVersion{set: s, version: "r-" + hex.EncodeToString(sum[:6])}
	e.version.Store(v)
	return v.version
}

// ModelVersion is the classifier model's content hash (model_version).
func (e *Engine) ModelVersion() string { return e.model.Version() }

// Decide decides one post: DecideBatch of a batch of one.
func (e *Engine) Decide(ctx context.Context, p *post.Post, now time.Time) (verdict.Verdict, error) {
	vs, err := e.DecideBatch(ctx, []post.Post{*p}, now, nil, nil)
	if err != nil {
		return verdict.Verdict{}, err
	}
	return vs[0], nil
}

// DecideBatch analyses posts and appends their verdicts, decided at now, to
// dst in the posts' order. The active rule set is read once, so the whole
// batch is decided by one set and carries one rules_version. The
// repetition store counts the batch in one call, in order (a post sees the
// ones before it in the batch). inOrder, when not nil, runs that call: a
// caller deciding several batches at once uses it to count them in the
// order it read them (an author's posts counted out of order miss one
// another), while the analysis before and the decision after run in
// parallel. An error comes only from the store (or inOrder): no verdict is
// returned, and deciding the same batch again is safe, since posts already
// counted come back as replays with their first counts.
func (e *Engine) DecideBatch(ctx context.Context, posts []post.Post, now time.Time, dst []verdict.Verdict, inOrder func(count func() error) error) ([]verdict.Verdict, error) {
	sets := [1]*rules.Set{e.rules.Set()}
	out := [1][]verdict.Verdict{dst}
	err := e.decide(ctx, posts, now, sets[:], out[:], inOrder)
	return out[0], err
}

// DecideBatchSets decides posts as DecideBatch does, once for each rule set
// of sets (a nil set: no rules), and appends the verdicts under sets[i] to
// dst[i]; dst must have len(sets) elements. Each post is analysed and
// counted in the repetition store once, since neither depends on the
// rules: a backtest compares rule sets on the very same analysis. The
// engine's own rule source plays no part.
func (e *Engine) DecideBatchSets(ctx context.Context, posts []post.Post, now time.Time, sets []*rules.Set, dst [][]verdict.Verdict) error {
	if len(dst) != len(sets) {
		return fmt.Errorf("engine: %d rule sets but %d verdict lists", len(sets), len(dst))
	}
	return e.decide(ctx, posts, now, sets, dst, nil)
}

func (e *Engine) decide(ctx context.Context, posts []post.Post, now time.Time, sets []*rules.Set, dst [][]verdict.Verdict, inOrder func(count func() error) error) error {
	bs := e.batches.Get().(*batchScratch)
	defer e.batches.Put(bs)
	if cap(bs.analyses) < len(posts) {
		bs.analyses = append(bs.analyses[:cap(bs.analyses)], make([]analysis, len(posts)-cap(bs.analyses))...)
	}
	as := bs.analyses[:len(posts)]
	var need needs
	for _, s := range sets {
		if s != nil {
			need.features = true
			need.tokens = need.tokens || s.Reads("tokens")
		}
	}
	defer func() {
		for i := range as {
			as[i].drop()
		}
	}()
	for i := range posts {
		e.analyse(&posts[i], &as[i], need)
	}

	var counts []repetition.Counts
	if e.store != nil {
		bs.obs = bs.obs[:0]
		for i := range posts {
			bs.obs = append(bs.obs, observation(&posts[i], &as[i].fp))
		}
		count := func() error {
			var err error
			counts, err = e.store.Observe(ctx, bs.obs)
			return err
		}
		var err error
		if inOrder != nil {
			err = inOrder(count)
		} else {
			err = count()
		}
		clear(bs.obs) // keep no post ids
		if err != nil {
			return fmt.Errorf("repetition store: %w", err)
		}
	}

	versions := make([]string, len(sets))
	for k, s := range sets {
		versions[k] = e.versionOf(s)
	}
	brushing := e.policy.Brushing()
	// The verdicts' reasons and repetition counts are carved from arrays
	// made for the batch: a few allocations a batch instead of several a
	// post. The arrays are the verdicts' own (never pooled): they live as
	// long as a verdict of the batch does.
	var mem verdictMemory
	for i := range posts {
		p, a := &posts[i], &as[i]
		var rep *verdict.Reason
		if counts != nil {
			r := repetitionReason(&counts[i], brushing, a.contact, &mem)
			rep = &r
			if need.features {
				setRepetition(&a.feat.Repetition, &counts[i], p.CreatedAt)
			}
		}
		for k, s := range sets {
			var v verdict.Verdict
			v, bs.hits = e.verdict(p, a, rep, s, bs.hits, &mem)
			v.RulesVersion, v.DecidedAt = versions[k], now
			dst[k] = append(dst[k], v)
		}
	}
	return nil
}

// observation is what the repetition store counts of post p with
// fingerprint fp: a trivial text (a greeting) has no content keys.
func observation(p *post.Post, fp *fingerprint.Fingerprint) repetition.Observation {
	o := repetition.Observation{PostID: p.ID, AuthorID: p.AuthorID, At: p.CreatedAt}
	if !fp.Trivial {
		o.Exact, o.Bands = fp.Exact, fp.Bands
	}
	return o
}

// verdictMemory hands out the memory of a batch's verdicts in chunks.
type verdictMemory struct {
	reasons []verdict.Reason
	reps    []verdict.Repetition
	times   []time.Time
}

// chunk is how many values each chunk holds; a batch of 1000 posts takes
// a few.
const chunk = 512

// take returns a slice of n values from buf's chunk, of length 0 and
// capacity n (an append past it copies, never spilling into a neighbour),
// starting a new chunk when this one is full.
func take[T any](buf *[]T, n int) []T {
	if cap(*buf)-len(*buf) < n {
		*buf = make([]T, 0, max(n, chunk))
	}
	k := len(*buf)
	*buf = (*buf)[:k+n]
	return (*buf)[k : k : k+n]
}

// one returns a pointer to a zero value from buf's chunk.
func one[T any](buf *[]T) *T {
	return &take(buf, 1)[:1][0]
}

// verdict decides the post p from its analysis a, its repetition reason
// (nil without a store) and the rule set s (nil: no rules); hits is
// scratch, returned for reuse, and mem the batch's verdict memory. The
// verdict lacks its rules_version and decided_at.
func (e *Engine) verdict(p *post.Post, a *analysis, rep *verdict.Reason, s *rules.Set, hits []rules.Hit, mem *verdictMemory) (verdict.Verdict, []rules.Hit) {
	hits = hits[:0]
	if s != nil {
		hits = s.Eval(&a.feat, hits)
	}
	n := len(a.signals) + 1
	if rep != nil {
		n++
	}
	for _, h := range hits {
		if h.Mode == rules.ModeEnforce {
			n += len(h.Labels)
		}
	}
	reasons := take(&mem.reasons, n)
	reasons = append(reasons, a.signals...)
	reasons = rules.AppendReasons(reasons, hits, rules.ModeEnforce)
	reasons = append(reasons, a.cr)
	if rep != nil {
		reasons = append(reasons, *rep)
	}
	d := e.policy.Decide(reasons, a.probs)
	d.Floor(hits)
	v := verdict.Verdict{
		PostID:       p.ID,
		AuthorID:     p.AuthorID,
		Action:       d.Action,
		Labels:       d.Labels,
		Score:        round4(d.Score),
		Reasons:      reasons,
		Shadow:       rules.AppendReasons(nil, hits, rules.ModeShadow),
		ModelVersion: e.model.Version(),
		CreatedAt:    p.CreatedAt,
	}
	clear(hits) // keep no evidence of the post
	return v, hits
}

// repetitionReason explains a post's repetition counts. Its ID names the
// brushing test that fired ("author_copies", "cluster_spread"), with label
// brushing and score 1; "counts" when none did (label empty, score 0). Its
// counts are in mem.
func repetitionReason(c *repetition.Counts, b rules.Brushing, contact bool, mem *verdictMemory) verdict.Reason {
	rep := one(&mem.reps)
	*rep = verdict.Repetition{
		AuthorPosts1h:     c.AuthorPosts1h,
		AuthorPosts24h:    c.AuthorPosts24h,
		AuthorCopies24h:   c.AuthorCopies24h,
		Cluster:           c.Cluster,
		ClusterCopies24h:  c.ClusterCopies24h,
		ClusterAuthors24h: c.ClusterAuthors24h,
		Replay:            c.Replay,
	}
	r := verdict.Reason{Kind: "repetition", ID: "counts", Repetition: rep}
	if !c.ClusterFirstSeen.IsZero() {
		t := one(&mem.times)
		*t = c.ClusterFirstSeen.UTC()
		rep.ClusterFirstSeen = t
	}
	if c.Cluster == "" {
		return r
	}
	if ok, test := b.Test(c.AuthorCopies24h, c.ClusterCopies24h, c.ClusterAuthors24h, contact); ok {
		r.ID, r.Label, r.Score = test, verdict.LabelBrushing, 1
		switch test {
		case rules.BrushingAuthorCopies:
			r.Evidence = strconv.Itoa(c.AuthorCopies24h) + " copies by the author in 24h"
		default:
			contact := ""
			if float64(c.ClusterCopies24h) < b.ClusterCopiesPerAuthor*float64(c.ClusterAuthors24h) {
				contact = ", with a contact"
			}
			r.Evidence = strconv.Itoa(c.ClusterCopies24h) + " copies by " + strconv.Itoa(c.ClusterAuthors24h) + " authors in 24h" + contact
		}
	}
	return r
}

// labelMapping describes a model's label mapping for rules_version.
func labelMapping(modelLabels, to []string) string {
	mapping := make([]string, len(modelLabels))
	for i, l := range modelLabels {
		mapping[i] = l + "→" + to[i]
	}
	sort.Strings(mapping)
	return strings.Join(mapping, ",")
}

// round4 keeps four decimals: readable, and stable across platforms.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
