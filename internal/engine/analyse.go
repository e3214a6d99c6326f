package engine

import (
	"fmt"
	"slices"
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

// analyzer is the part of the engine that looks at one post on its own:
// text, entities, built-in signals, classifier, fingerprint, features.
type analyzer struct {
	model       *classifiers.Model
	modelLabels []string // model label i counts toward verdict label modelLabels[i] ("" for none)
	mapping     string   // the label mapping, for rules_version
	hasher      *fingerprint.Hasher
	scratch     sync.Pool // *scratch
}

type scratch struct {
	norm    []byte
	ents    textnorm.Entities // reused: ExtractInto keeps its slices' arrays
	signals []classifiers.Signal
	tokens  []string // the model's tokens, when the rules do not keep them
	pred    classifiers.Prediction
}

// analysis is what the engine learns of one post before the repetition
// state is asked. An analysis is reused from batch to batch: its slices
// and map keep their arrays.
type analysis struct {
	signals []verdict.Reason   // the built-in detectors' reasons
	cr      verdict.Reason     // the classifier's; its Probs and TopFeatures belong to the verdicts
	probs   map[string]float64 // the classifier's probability per verdict label
	fp      fingerprint.Fingerprint
	contact bool           // a phone number, a WeChat or QQ id
	feat    rules.Features // what the rules see; filled only when rules run
}

// needs says what of the Features a batch's rule sets need.
type needs struct {
	features bool // a rule set runs
	tokens   bool // a rule reads tokens
}

func newAnalyzer(cc ClassifierConfig, fc fingerprint.Config) (*analyzer, error) {
	if err := cc.Validate(); err != nil {
		return nil, fmt.Errorf("classifier: %w", err)
	}
	h, err := fingerprint.New(fc)
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
	an := &analyzer{model: m, hasher: h}
	for _, l := range m.Labels() {
		to := cc.Map[l]
		if to == "" && slices.Contains(verdict.Labels, l) {
			to = l
		}
		an.modelLabels = append(an.modelLabels, to)
	}
	an.mapping = labelMapping(m.Labels(), an.modelLabels)
	an.scratch.New = func() any { return new(scratch) }
	return an, nil
}

// analyse fills a with everything that needs only the post itself: the
// built-in detectors, the classifier, the fingerprint and, when need says
// so, the rules' Features (all but the repetition counts).
func (an *analyzer) analyse(p *post.Post, a *analysis, need needs) {
	s := an.scratch.Get().(*scratch)
	s.norm = textnorm.AppendNormalize(s.norm[:0], p.Text)
	norm := string(s.norm) // evidence, top features and Features point into it: a copy
	textnorm.ExtractInto(&s.ents, p.Text, norm, p.Links)
	s.signals = classifiers.Detect(s.signals[:0], &s.ents, norm)
	// The classifier's tokens are the rules' tokens too: tokenise once.
	tokens := &s.tokens
	if need.tokens {
		tokens = &a.feat.Tokens
	}
	*tokens = an.model.Tokens((*tokens)[:0], norm, p.Lang, &s.ents)
	an.model.PredictTokens(&s.pred, *tokens)
	pred := &s.pred
	an.hasher.OfInto(&a.fp, norm, &s.ents)
	a.contact = len(s.ents.Phones)+len(s.ents.WeChatIDs)+len(s.ents.QQIDs) > 0

	a.signals = a.signals[:0]
	for _, sg := range s.signals {
		a.signals = append(a.signals, verdict.Reason{Kind: "signal", ID: sg.ID, Label: sg.Label, Score: sg.Weight, Evidence: sg.Evidence})
	}

	nTop := 0
	for _, top := range pred.Top {
		nTop += len(top)
	}
	cr := verdict.Reason{Kind: "classifier", ID: "model", Model: an.model.Version(), Probs: make(map[string]float64, len(pred.Labels))}
	if nTop > 0 {
		cr.TopFeatures = make([]verdict.TopFeature, 0, nTop) // the verdict's own
	}
	if a.probs == nil {
		a.probs = make(map[string]float64, len(verdict.Labels))
	}
	clear(a.probs)
	for i, l := range pred.Labels {
		pr := round4(pred.Probs[i])
		cr.Probs[l] = pr
		if to := an.modelLabels[i]; to != "" && pr > a.probs[to] {
			a.probs[to] = pr
		}
		if pr > cr.Score {
			cr.Score, cr.Label = pr, an.modelLabels[i]
		}
		for _, f := range pred.Top[i] {
			cr.TopFeatures = append(cr.TopFeatures, verdict.TopFeature{Label: l, Token: f.Token, Weight: f.Weight})
		}
	}
	a.cr = cr
	clear(s.tokens) // keep nothing of the post in the pool
	for i := range s.pred.Top {
		clear(s.pred.Top[i])
	}

	if need.features {
		an.features(&a.feat, p, norm, &s.ents, s.signals, a.probs)
	}
	an.scratch.Put(s)
}

// features fills f with what the rules see of the post p, all but the
// repetition counts: norm is its matching form, ents its entities, signals
// the built-in detectors that fired and probs the classifier's
// probabilities by verdict label. f.Tokens is kept as analyse set it.
func (an *analyzer) features(f *rules.Features, p *post.Post, norm string, ents *textnorm.Entities, signals []classifiers.Signal,
	probs map[string]float64) {
	tokens := f.Tokens // filled by analyse when a rule reads them
	rules.ResetFeatures(f)
	f.Tokens = tokens
	f.PostID = p.ID
	if !p.CreatedAt.IsZero() {
		f.CreatedAt = p.CreatedAt.Unix()
	}
	f.Text = norm
	f.Lang = p.Lang
	rules.SetEntities(&f.Entities, ents)
	f.Classifier = rules.ClassifierFeatures{
		Sales:    probs[verdict.LabelSales],
		Brushing: probs[verdict.LabelBrushing],
		MLM:      probs[verdict.LabelMLM],
		Fraud:    probs[verdict.LabelFraud],
	}
	for _, sg := range signals {
		f.Signals = append(f.Signals, sg.ID)
	}
	setAuthor(&f.Author, p)
}

// drop forgets the post a analysed, keeping the arrays for the next one:
// nothing of a post outlives its batch in the engine's scratch.
func (a *analysis) drop() {
	clear(a.signals)
	a.signals = a.signals[:0]
	a.cr = verdict.Reason{}
	f := &a.feat
	clear(f.Tokens)
	clear(f.Signals)
	e := &f.Entities
	clear(e.URLs)
	clear(e.Domains)
	clear(e.Phones)
	clear(e.WeChatIDs)
	clear(e.QQIDs)
	clear(e.Hashtags)
	clear(e.Numbers)
	rules.ResetFeatures(f)
}

// setAuthor fills the author's features from the post: the account's age
// in whole days at the post's created_at and the friend count, each
// rules.Unknown when the post does not say (or says something impossible:
// an account created after the post, a negative count).
func setAuthor(dst *rules.AuthorFeatures, p *post.Post) {
	*dst = rules.AuthorFeatures{ID: p.AuthorID, AccountAgeDays: rules.Unknown, Friends: rules.Unknown}
	a := p.Author
	if a == nil {
		return
	}
	if a.AccountCreatedAt != nil && !p.CreatedAt.IsZero() {
		if age := p.CreatedAt.Sub(*a.AccountCreatedAt); age >= 0 {
			dst.AccountAgeDays = int(age / (24 * time.Hour))
		}
	}
	if a.Friends != nil && *a.Friends >= 0 {
		dst.Friends = int(*a.Friends)
	}
}

// setRepetition fills the repetition features from a post's counts; the
// cluster's age is the time from its first post to this one (created_at),
// 0 when unknown.
func setRepetition(dst *rules.RepetitionFeatures, c *repetition.Counts, at time.Time) {
	*dst = rules.RepetitionFeatures{
		Known:             true,
		AuthorPosts1h:     c.AuthorPosts1h,
		AuthorPosts24h:    c.AuthorPosts24h,
		AuthorCopies24h:   c.AuthorCopies24h,
		Cluster:           c.Cluster,
		ClusterCopies24h:  c.ClusterCopies24h,
		ClusterAuthors24h: c.ClusterAuthors24h,
	}
	if !c.ClusterFirstSeen.IsZero() && at.After(c.ClusterFirstSeen) {
		dst.ClusterAgeSeconds = int64(at.Sub(c.ClusterFirstSeen) / time.Second)
	}
}
