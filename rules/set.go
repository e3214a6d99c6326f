package rules

// Rule files
//
// The trust team's rules live in a directory of YAML files (LoadDir), and
// the default pack is embedded in the binary (Default). A file holds a
// list under rules:; each rule is
//
//	rules:
//	  - id: mlm.agent-recruitment      # unique across files; a metric label
//	    description: Recruits agents or downlines (招代理, 发展下线)
//	    owner: trust-team
//	    labels: [mlm]                  # of sales, brushing, mlm, fraud
//	    action: review                 # allow | limit | review | block
//	    score: 0.8                     # 0..1
//	    mode: shadow                   # enforce | shadow | off
//	    when: contains_any(text, ["招代理", "发展下线"]) && !contains_any(text, ["骗"])
//	    examples:
//	      match:
//	        - 诚招代理，一件代发，加微信 lily_888
//	      no_match:
//	        - 今天和朋友吃火锅花了200块
//	        - text: 同一条广告
//	          repetition: {author_copies_24h: 1}   # feature overrides
//
// Every key is required and no other is allowed. An example is a text, or
// a mapping with text, the post's lang and links, and any feature set
// after analysis (repetition, author, classifier, signals, entities …; see
// `circleguard rules features`); giving repetition counts sets
// repetition.known. A load reports every problem it finds, each as
// "file:line: rule ID: reason": YAML syntax, unknown or missing keys,
// duplicate ids across files, unknown labels, actions or modes, a score
// out of range, an empty or ill-typed when, unknown lists. Examples need
// the analysis pipeline, so they run in Set.Check, which `circleguard
// rules check` and a Reloader with an Analyze function call.

import (
	"sync"
	"sync/atomic"
)

// Set is a loaded, compiled rule set: rules, lists and keyword matcher.
// It is immutable and safe for concurrent use; a new version of the rules
// is a new Set (see Reloader).
type Set struct {
	version string
	rules   []*Rule // every rule, in file then file-position order
	active  []*Rule // enforce and shadow rules, in the same order
	lists   map[string]*List
	dict    *dict
	words   int       // uint64 words in a keyword bit set
	sites   []*kwSite // keyword helper calls on the text, by index
	// snoozes are the allow-list exemptions by author id.
	snoozes map[string][]snooze
	// reads holds the features the enforce and shadow rules name.
	reads   map[string]bool
	metrics *Metrics
	pool    sync.Pool // *evalState
}

// snooze exempts an author from the rule at index rule until until (Unix
// seconds, exclusive; 0 for good).
type snooze struct {
	rule  int
	until int64
}

// Version is the content hash of the rule files and lists: "rules-" and
// 12 hexadecimal digits. The same files give the same version.
func (s *Set) Version() string { return s.version }

// Reads reports whether an enforce or shadow rule's when names the
// feature (its name in expressions: "tokens", "repetition.cluster",
// "author"), so that a caller can skip computing what no rule reads. A
// group such as "repetition" is read when a rule names it or any of its
// members. A nil Set reads nothing.
func (s *Set) Reads(feature string) bool { return s != nil && s.reads[feature] }

// Rules returns every rule, enforce, shadow and off, in load order. The
// slice is a copy; the Rules are shared and must not be modified.
func (s *Set) Rules() []*Rule { return append([]*Rule(nil), s.rules...) }

// Rule returns the rule with the id, or nil.
func (s *Set) Rule(id string) *Rule {
	for _, r := range s.rules {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// Lists returns the lists by name. The map is a copy; the Lists are shared.
func (s *Set) Lists() map[string]*List {
	m := make(map[string]*List, len(s.lists))
	for k, v := range s.lists {
		m[k] = v
	}
	return m
}

// errCounter counts a rule's runtime errors.
type errCounter struct{ n atomic.Uint64 }

// Errors returns how many evaluations of the rule failed at run time (each
// one counted as no hit) in this Set.
func (r *Rule) Errors() uint64 { return r.errs.n.Load() }
