//go:build linux

// Package bench measures circleguard end to end on a Kafka broker against
// the best the same machine could do: the pass-through ceiling.
//
// # Method
//
// Each measurement runs one side, with one or more processes on one
// consumer group, as children of the bench (the circleguard binary run
// again), so that their CPU time and peak resident set are theirs alone,
// not the bench's producer and reader nor an embedded broker's:
//
//   - the pass-through (worker.NewPassThrough): the worker's own fetch
//     loop, batches, writer, tracker and commit loop with the same
//     settings, copying every message unchanged to the output topic;
//   - the worker: `circleguard run` with its default (or the given)
//     configuration: embedded model, default rules, the chosen
//     repetition store.
//
// For each side the bench creates fresh topics (posts, outputs, dead
// letters; message.timestamp.type LogAppendTime, so every record carries
// the broker's append time), starts the processes on them and waits until
// the group is stable with every partition assigned. It then stops the
// processes (SIGSTOP), produces the backlog (Config.Posts generated posts,
// the same for every measurement, keyed by author as a platform would),
// and lets them go (SIGCONT): no group join, start-up or rebalance falls
// inside the measured window, and several processes start together.
//
//   - posts/s: the backlog over the time from the release to the last
//     output's append time;
//   - CPU per post: the processes' user+system time (/proc/PID/stat) from
//     the release until every output was appended, over the backlog;
//   - every post must get exactly one output (matched by post id).
//
// Beside the processes' own CPU, the bench reads, over the same window,
// the CPU time of the broker and of Redis when they run on this machine
// (found by the port they listen on) and how busy the machine's CPUs were
// (/proc/stat): whether the broker, Redis or the CPU is what saturates.
// The rest of the busy time ("other") is the bench's own producer or
// reader and whatever else runs on the machine.
//
// Then, with the same processes, the bench produces fresh posts at half
// that side's maximum rate for Config.LatencyDuration, paced every
// millisecond, and reads both topics back: a post's latency is its
// output's append time minus its own (milliseconds). Peak RSS is the
// kernel's (rusage) at the processes' exit.
//
// With Config.Scan, `circleguard scan` runs on the backlog (a file) and on
// no posts: the difference is the analysis alone, one post after another,
// and the worker's CPU per post minus the scan's is what the worker adds
// to it (Kafka, batching, concurrency, metrics).
//
// The bench produces and reads back with franz-go, which reads a record
// batch's LogAppendTime; kafka-go's reader reports the producer's time
// whatever the topic says. Linux only (/proc, Pdeathsig).
package bench
