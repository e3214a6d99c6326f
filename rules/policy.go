package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/circleguard/circleguard/internal/verdict"
)

// Config is the decision policy.
type Config struct {
	// LabelThreshold is the per-label score at which a label fires.
	// Default: 0.5.
	LabelThreshold float64 `yaml:"label_threshold"`
	// BlockAt escalates a post to block when the label's score reaches the
	// value, whatever the label's action. Default: {fraud: 0.97}.
	BlockAt map[string]float64 `yaml:"block_at"`
	// Actions maps each label to the action it earns when it fires.
	// Default: sales limit, brushing limit, mlm review, fraud review.
	Actions map[string]string `yaml:"actions"`
	// Brushing sets when repetition makes a post brushing.
	Brushing Brushing `yaml:"brushing"`
}

// Brushing holds the thresholds of the brushing label, over the repetition
// counts of a post (24-hour windows in event time, the post included). A
// post is brushing when its author has posted AuthorCopies or more copies
// of it, or when its content cluster spreads: ClusterCopies or more copies
// by ClusterAuthors or more distinct authors, who either repeat it (at
// least ClusterCopiesPerAuthor copies per author) or publish a contact with
// it (a phone number, a WeChat or QQ id: an agent network selling, when
// ClusterContact is on). A popular phrase that many people post once each
// ("今天走了2万步") is not brushing. A trivial text (a greeting, a few
// characters) has no cluster and is never brushing. A threshold of 0 turns
// its part of the test off; AuthorCopies 0 and ClusterCopies 0 with
// ClusterAuthors 0 turn brushing off.
type Brushing struct {
	// AuthorCopies is the copies by one author at which brushing fires.
	// Default: 4 (the fourth post of the same ad in a day).
	AuthorCopies int `yaml:"author_copies"`
	// ClusterCopies is the copies by all authors at which a spreading
	// cluster fires. Default: 4.
	ClusterCopies int `yaml:"cluster_copies"`
	// ClusterAuthors is the distinct authors at which a spreading cluster
	// fires. Default: 3.
	ClusterAuthors int `yaml:"cluster_authors"`
	// ClusterCopiesPerAuthor is the least copies per distinct author of a
	// spreading cluster whose post carries no contact. Default: 1.5.
	ClusterCopiesPerAuthor float64 `yaml:"cluster_copies_per_author"`
	// ClusterContact lets a cluster spread without repeats when the post
	// carries a contact. Default: true.
	ClusterContact bool `yaml:"cluster_contact"`
}

// Brushing tests' names, the ID of the repetition reason that fired.
const (
	BrushingAuthorCopies  = "author_copies"
	BrushingClusterSpread = "cluster_spread"
)

// Test reports whether counts past the thresholds make a post brushing,
// and which test fired (BrushingAuthorCopies or BrushingClusterSpread).
// contact says whether the post carries a contact.
func (b Brushing) Test(authorCopies, clusterCopies, clusterAuthors int, contact bool) (bool, string) {
	switch {
	case b.AuthorCopies > 0 && authorCopies >= b.AuthorCopies:
		return true, BrushingAuthorCopies
	case (b.ClusterCopies > 0 || b.ClusterAuthors > 0) &&
		clusterCopies >= max(b.ClusterCopies, 1) && clusterAuthors >= max(b.ClusterAuthors, 1) &&
		(float64(clusterCopies) >= b.ClusterCopiesPerAuthor*float64(clusterAuthors) || b.ClusterContact && contact):
		return true, BrushingClusterSpread
	}
	return false, ""
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		LabelThreshold: 0.5,
		BlockAt:        map[string]float64{verdict.LabelFraud: 0.97},
		Actions: map[string]string{
			verdict.LabelSales:    verdict.Limit,
			verdict.LabelBrushing: verdict.Limit,
			verdict.LabelMLM:      verdict.Review,
			verdict.LabelFraud:    verdict.Review,
		},
		Brushing: Brushing{AuthorCopies: 4, ClusterCopies: 4, ClusterAuthors: 3, ClusterCopiesPerAuthor: 1.5, ClusterContact: true},
	}
}

// Validate reports the first problem with c.
func (c Config) Validate() error {
	if !(c.LabelThreshold > 0 && c.LabelThreshold <= 1) {
		return fmt.Errorf("label_threshold %v: must be in (0, 1]", c.LabelThreshold)
	}
	for label, at := range c.BlockAt {
		if !slices.Contains(verdict.Labels, label) {
			return fmt.Errorf("block_at: unknown label %q (known: %v)", label, verdict.Labels)
		}
		if !(at > 0 && at <= 1) {
			return fmt.Errorf("block_at: %s %v: must be in (0, 1]", label, at)
		}
	}
	for label, action := range c.Actions {
		if !slices.Contains(verdict.Labels, label) {
			return fmt.Errorf("actions: unknown label %q (known: %v)", label, verdict.Labels)
		}
		if verdict.Severity(action) < 0 {
			return fmt.Errorf("actions: label %s: unknown action %q (known: %v)", label, action, verdict.Actions)
		}
	}
	if b := c.Brushing; b.AuthorCopies < 0 || b.ClusterCopies < 0 || b.ClusterAuthors < 0 || !(b.ClusterCopiesPerAuthor >= 0) {
		return fmt.Errorf("brushing: thresholds must not be negative (0 turns a test off)")
	}
	for _, label := range verdict.Labels {
		if _, ok := c.Actions[label]; !ok {
			return fmt.Errorf("actions: no action for label %s", label)
		}
	}
	return nil
}

// Policy decides. Build it with New.
type Policy struct {
	cfg     Config
	actions [4]int     // severity per label, indexed like verdict.Labels
	blockAt [4]float64 // per label; above 1 never blocks
	version string
}

// New validates cfg and returns its Policy.
func New(cfg Config) (*Policy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("decision policy: %w", err)
	}
	p := &Policy{cfg: cfg}
	for i, l := range verdict.Labels {
		p.actions[i] = verdict.Severity(cfg.Actions[l])
		p.blockAt[i] = 2
		if at, ok := cfg.BlockAt[l]; ok {
			p.blockAt[i] = at
		}
	}
	b, _ := json.Marshal(cfg) // maps marshal with sorted keys: a stable hash
	sum := sha256.Sum256(b)
	p.version = "policy-" + hex.EncodeToString(sum[:6])
	return p, nil
}

// Version is a content hash of the policy, reported as rules_version.
func (p *Policy) Version() string { return p.version }

// Brushing returns the brushing thresholds.
func (p *Policy) Brushing() Brushing { return p.cfg.Brushing }

// Decision is the outcome of Decide.
type Decision struct {
	Action string
	Labels []string // in the order of verdict.Labels; nil when clean
	Score  float64  // the highest per-label score, in 0..1
}

// Decide combines evidence into a decision. A label's score is the larger
// of the classifier's probability for it (probs, by verdict label; nil when
// there is no classifier) and the noisy-OR of the reasons that argue for it:
// signals, repetition and enforce rule hits (AppendReasons) alike. Reasons
// without a label, or with a label Policy does not know, do not count; nor
// do reasons of kind "classifier" (their probabilities come in probs). The
// enforce hits' actions apply after, through Decision.Floor.
func (p *Policy) Decide(reasons []verdict.Reason, probs map[string]float64) Decision {
	var miss [4]float64 // product of (1 - score) per label
	for i := range miss {
		miss[i] = 1
	}
	for _, r := range reasons {
		if i := labelIndex(r.Label); i >= 0 && r.Kind != "classifier" {
			miss[i] *= 1 - clamp01(r.Score)
		}
	}
	d := Decision{Action: verdict.Allow}
	sev := 0
	for i, m := range miss {
		s := max(1-m, clamp01(probs[verdict.Labels[i]]))
		d.Score = math.Max(d.Score, s)
		if s >= p.cfg.LabelThreshold {
			d.Labels = append(d.Labels, verdict.Labels[i])
			sev = max(sev, p.actions[i])
		}
		if s >= p.blockAt[i] {
			sev = verdict.Severity(verdict.Block)
		}
	}
	d.Action = verdict.Actions[sev]
	return d
}

// AppendReasons appends the reasons of the hits of the given mode to dst:
// one reason per label of each hit, {kind: "rule", id: the rule, label,
// score: the rule's score, evidence: Hit.EvidenceString}, in hit order
// then the rule's label order. A rule with two labels argues for both, as
// its author listed them; its hit is still one hit (Floor, the metrics).
func AppendReasons(dst []verdict.Reason, hits []Hit, mode Mode) []verdict.Reason {
	for i := range hits {
		h := &hits[i]
		if h.Mode != mode {
			continue
		}
		ev := h.EvidenceString()
		for _, l := range h.Labels {
			dst = append(dst, verdict.Reason{Kind: "rule", ID: h.Rule, Label: l, Score: h.Score, Evidence: ev})
		}
	}
	return dst
}

// Floor applies the enforce hits' actions to d; shadow hits play no part.
// The strongest action among them is a floor on d.Action: a rule with
// action block blocks, whatever the scores say. When the floor raises the
// action, the labels of the hits with that action join d.Labels (in the
// order of verdict.Labels), so that a verdict that acts names what for.
// The hits' scores count through their reasons (AppendReasons) in Decide,
// like any other evidence; an enforce rule with action allow therefore
// only adds its score.
func (d *Decision) Floor(hits []Hit) {
	floor := 0
	for i := range hits {
		if hits[i].Mode == ModeEnforce {
			floor = max(floor, verdict.Severity(hits[i].Action))
		}
	}
	if floor <= verdict.Severity(d.Action) {
		return
	}
	d.Action = verdict.Actions[floor]
	var add [4]bool
	for i := range hits {
		if h := &hits[i]; h.Mode == ModeEnforce && verdict.Severity(h.Action) == floor {
			for _, l := range h.Labels {
				if j := labelIndex(l); j >= 0 {
					add[j] = true
				}
			}
		}
	}
	for _, l := range d.Labels {
		add[labelIndex(l)] = true
	}
	labels := d.Labels[:0]
	for j, ok := range add {
		if ok {
			labels = append(labels, verdict.Labels[j])
		}
	}
	d.Labels = labels
}

func labelIndex(l string) int {
	switch l {
	case verdict.LabelSales:
		return 0
	case verdict.LabelBrushing:
		return 1
	case verdict.LabelMLM:
		return 2
	case verdict.LabelFraud:
		return 3
	}
	return -1
}

func clamp01(x float64) float64 {
	if !(x > 0) { // also NaN
		return 0
	}
	return math.Min(x, 1)
}
