// Package rules turns evidence into a decision: which labels a post earns,
// its overall score and the action to take.
//
// This first version holds the decision policy only: per-label scores are a
// noisy-OR of the evidence for that label, a label fires at or above
// Config.LabelThreshold, the action is the strongest one configured for the
// fired labels, escalated to block when a label's score reaches its
// Config.BlockAt value. The trust team's
// rule files (YAML + expressions) will feed the same policy.
//
// rules knows nothing of Kafka or of the classifier: callers hand it plain
// verdict.Reason values. A Policy is immutable and safe for concurrent use.
package rules
