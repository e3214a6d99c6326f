// Package verdict holds the output contract (design.md §3): one explained
// verdict per valid post, published keyed by post_id.
package verdict

import (
	"encoding/json"
	"time"
)

// Actions, from weakest to strongest.
const (
	Allow  = "allow"  // publish as is
	Limit  = "limit"  // keep, but fold or reduce reach (the usual answer to brushing)
	Review = "review" // hold for a person
	Block  = "block"  // remove
)

// Labels a verdict may carry.
const (
	LabelSales    = "sales"
	LabelBrushing = "brushing"
	LabelMLM      = "mlm"
	LabelFraud    = "fraud"
)

// Actions lists every action from weakest to strongest.
var Actions = []string{Allow, Limit, Review, Block}

// Labels lists every label in a fixed order.
var Labels = []string{LabelSales, LabelBrushing, LabelMLM, LabelFraud}

// Severity orders actions: Allow 0 < Limit 1 < Review 2 < Block 3; an unknown
// action is -1.
func Severity(action string) int {
	for i, a := range Actions {
		if a == action {
			return i
		}
	}
	return -1
}

// Reason explains one thing that contributed to a verdict.
type Reason struct {
	// Kind is what produced it: "signal" (a built-in detector), "rule",
	// "classifier" or "repetition".
	Kind string `json:"kind"`
	// ID names the signal or rule, e.g. "contact.wechat".
	ID string `json:"id"`
	// Label is the label it argues for; empty for neutral evidence.
	Label string `json:"label,omitempty"`
	// Score is its strength in 0..1.
	Score float64 `json:"score"`
	// Evidence is what matched: a keyword, a masked contact, a domain.
	Evidence string `json:"evidence,omitempty"`
	// Model, Probs and TopFeatures are set on the classifier's reason: the
	// model version, every label it knows with its probability, and the
	// tokens that pushed each probability up the most.
	Model       string             `json:"model,omitempty"`
	Probs       map[string]float64 `json:"probs,omitempty"`
	TopFeatures []TopFeature       `json:"top_features,omitempty"`
}

// TopFeature is one token's contribution to one label's raw score.
type TopFeature struct {
	Label  string  `json:"label"`
	Token  string  `json:"token"`
	Weight float64 `json:"weight"`
}

// Source locates the input message of a verdict; nil outside Kafka.
type Source struct {
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
}

// Verdict is the decision on one post.
type Verdict struct {
	PostID   string `json:"post_id"`
	AuthorID string `json:"author_id"`
	// Action is one of Allow, Limit, Review, Block.
	Action string `json:"action"`
	// Labels is a subset of Labels; empty (never null) means clean.
	Labels []string `json:"labels"`
	// Score is the overall risk in 0..1.
	Score float64 `json:"score"`
	// Reasons lists everything that fired; never null.
	Reasons []Reason `json:"reasons"`
	// Shadow lists shadow-mode rules that would have fired; never null.
	Shadow       []Reason  `json:"shadow"`
	RulesVersion string    `json:"rules_version"`
	ModelVersion string    `json:"model_version"`
	Source       *Source   `json:"source,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	DecidedAt    time.Time `json:"decided_at"`
}

// Append appends v as one line of JSON (without a newline) to dst.
func (v *Verdict) Append(dst []byte) ([]byte, error) {
	if v.Labels == nil {
		v.Labels = []string{}
	}
	if v.Reasons == nil {
		v.Reasons = []Reason{}
	}
	if v.Shadow == nil {
		v.Shadow = []Reason{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// PrimaryLabel returns the first of v.Labels in the order of Labels' severity
// (fraud, mlm, brushing, sales), or "none" for a clean verdict. Metrics use it
// so that each verdict is counted once.
func (v *Verdict) PrimaryLabel() string {
	for i := len(Labels) - 1; i >= 0; i-- {
		for _, l := range v.Labels {
			if l == Labels[i] {
				return l
			}
		}
	}
	return "none"
}
