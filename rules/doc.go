// Package rules turns evidence into a decision: which labels a post earns,
// its overall score and the action to take.
//
// The decision policy (Policy, configured by Config: the decision: section)
// scores each label as a noisy-OR of the evidence for it — built-in
// signals, repetition and the trust team's enforce rule hits, each a
// verdict.Reason with a label and a score (AppendReasons turns hits into
// reasons, one per label) — or the classifier's probability, whichever is
// larger. A label fires at or above Config.LabelThreshold; the action is
// the strongest one configured for the fired labels, escalated to block
// when a label's score reaches its Config.BlockAt value; then the
// strongest action among the enforce hits is a floor on it
// (Decision.Floor). Shadow hits never take part.
//
// rules knows nothing of Kafka or of the classifier: callers hand it plain
// verdict.Reason values. A Policy is immutable and safe for concurrent use.
//
// # Rule files
//
// The trust team's rules are a Set: YAML files of rules, each with a when
// expression (github.com/expr-lang/expr) over Features, and allow/deny
// lists, loaded by LoadDir, or Default for the pack embedded from default/.
// Set.Eval returns a post's enforce and shadow hits with their evidence,
// Set.Check runs the rules' examples, and a Reloader swaps a directory's
// new version in atomically. The file format, the lists and the helpers
// are described in set.go, lists.go and compile.go, and by `circleguard
// rules features`; metrics come from NewMetrics.
package rules
