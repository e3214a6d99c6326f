// Package worker is circleguard's stream worker: consume posts from Kafka,
// analyse them, produce verdicts, commit.
//
// # Delivery contract
//
// At-least-once, on purpose. Every message fetched from the posts topic ends
// in exactly one of two places: a verdict on the verdicts topic (keyed by
// post_id) or, when it is not a valid post, a copy on the dead-letter topic
// whose headers name the reason and the source topic, partition and offset.
// An input offset is committed only after the broker has acknowledged
// (acks=all) the output of that message and of every message fetched before
// it on the same partition: commits are contiguous per partition, whatever
// order batches finish in.
//
// So a crash, a kill -9 or a rebalance never loses a post, but it can publish
// a verdict twice: the messages between the last commit and the crash are
// processed again. Consumers deduplicate by post_id (the verdict's key).
// kafka-go has neither idempotent producers nor transactions, so exactly-once
// is not on offer.
//
// # Pipeline
//
// One goroutine fetches (kafka-go's FetchMessage, never ReadMessage, which
// commits per message) and cuts batches of up to Config.BatchSize messages or
// Config.BatchLinger of waiting. Config.Concurrency goroutines each decode,
// decide and encode a batch and write its outputs with one synchronous
// WriteMessages call (the Writer batches across them; its BatchTimeout is the
// linger, not kafka-go's 1 s default). Failed writes are retried until they
// succeed or shutdown's deadline passes: a batch that is not acknowledged is
// never committed. A commit loop commits the finished prefix every
// Config.CommitInterval. A lag loop reads the group's committed offsets and
// the partitions' ends from the broker.
//
// # Shutdown
//
// When Run's context ends, the worker stops fetching, finishes the batches in
// flight, writes their outputs, commits and leaves the group, all within
// Config.ShutdownTimeout. Posts still unfinished at the deadline stay
// uncommitted and are redelivered to the group.
package worker
