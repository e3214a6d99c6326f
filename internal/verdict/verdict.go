// Package verdict holds the output contract (design.md §3): one explained
// verdict per valid post, published keyed by post_id.
package verdict

import (
	"bytes"
	"sync"
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
	// Repetition is set on the reason of kind "repetition": how often the
	// author and the content repeat, counted in event time. Its fields are
	// written inline, beside kind and id.
	*Repetition
}

// Repetition holds the repetition counts of a post (the reason of kind
// "repetition"). Windows end at the post's created_at and include the post.
type Repetition struct {
	// AuthorPosts1h and AuthorPosts24h count the author's posts in the last
	// hour and day.
	AuthorPosts1h  int `json:"author_posts_1h"`
	AuthorPosts24h int `json:"author_posts_24h"`
	// AuthorCopies24h counts the author's posts of this post's content
	// cluster in the day (near-copies included); 0 for a trivial text.
	AuthorCopies24h int `json:"author_copies_24h"`
	// Cluster names the content cluster (16 hexadecimal digits, the same on
	// every instance); absent for a trivial text such as a greeting.
	Cluster string `json:"cluster,omitempty"`
	// ClusterCopies24h and ClusterAuthors24h count the cluster's posts by
	// all authors in the day and their distinct authors.
	ClusterCopies24h  int `json:"cluster_copies_24h"`
	ClusterAuthors24h int `json:"cluster_authors_24h"`
	// ClusterFirstSeen is the earliest created_at of the cluster's posts.
	ClusterFirstSeen *time.Time `json:"cluster_first_seen,omitempty"`
	// Replay is true when the post had been counted before (a redelivery):
	// the counts are those of its first time, and nothing was added.
	Replay bool `json:"replay,omitempty"`
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

// Append appends v as one line of JSON (without a newline) to dst and
// returns the extended buffer. The bytes are exactly those json.Marshal
// writes for v, except that nil Labels, Reasons and Shadow are written as []
// (never null); v is not modified. Append does not allocate when dst has
// room for the line. A score or weight that is NaN or infinite, or a time
// that RFC 3339 cannot represent, is an error (the one json.Marshal returns)
// and dst is returned with its length unchanged (bytes past that length may
// have been overwritten).
//
// With a dst of no capacity (Append(nil)) the line is written in a pooled
// buffer and copied into one allocation of its size.
func (v *Verdict) Append(dst []byte) ([]byte, error) {
	if cap(dst) == 0 {
		scratch := scratchPool.Get().(*[]byte)
		b, ok := v.appendJSON((*scratch)[:0])
		if ok {
			dst = bytes.Clone(b)
		}
		if cap(b) <= maxPooled {
			*scratch = b
			scratchPool.Put(scratch)
		}
		if !ok {
			return nil, v.marshalError()
		}
		return dst, nil
	}
	b, ok := v.appendJSON(dst)
	if !ok {
		return dst, v.marshalError()
	}
	return b, nil
}

// scratchPool holds buffers for Append(nil), of at most maxPooled bytes.
var scratchPool = sync.Pool{New: func() any { return new([]byte) }}

const maxPooled = 64 << 10

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
