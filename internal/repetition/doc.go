// Package repetition counts how often a post's author and its content
// repeat: the state behind brushing (刷屏) detection, where one ad is posted
// again and again by an account and copied across many accounts (agent
// networks).
//
// A Store observes posts in batches (Observe) and returns, per post, Counts:
// the author's posts in the last hour and day, the author's copies of this
// post in the day, and for the post's content cluster the copies by all
// authors in the day, their distinct authors and the cluster's first-seen
// time. Two stores implement it and pass one conformance suite: Memory, the
// default for a single instance, and Redis, shared by many instances.
//
// # Event time
//
// Every window is in event time (the post's created_at), never the wall
// clock, so a replay of the stream gives the same counts. A window of length
// d for a post at t holds the posts with event time in (t − d, t]: a post
// exactly an hour older is out of the hour. Times are kept to the
// millisecond. Posts may arrive out of order: a post counts the posts of its
// own window that were observed before it (an earlier post observed later is
// not in the counts of a later post observed before it).
//
// State is kept while it is younger than the newest event time seen minus
// Window minus Lateness (10 minutes by default), so a post up to Lateness
// behind the newest one still counts against everything in its window. A
// post later than that is still counted, against what remains: its own
// counts may miss posts already forgotten, and it is itself forgotten soon.
// The watermark advances post by post, so how a stream is cut into batches
// never changes the counts.
//
// # Clusters
//
// A post with band keys (Observation.Bands: the LSH bands of its MinHash)
// belongs to a content cluster. Each band key, and the exact fingerprint,
// points to the last post (in arrival order) of the cluster that holds it;
// a key is live while that post is in the window of the new post. A live
// cluster is a candidate when MinSharedBands (2 by default) of the new
// post's band keys point to it, or its exact key does. The new post joins
// the candidate with the earliest first-seen time (ties go to the smaller
// cluster id), else starts a cluster of its own; then its keys point to it,
// except the keys live for another cluster, which stay with that cluster.
// Two shared bands instead of one, and keys that stay, keep a cluster to
// near-copies: with one band enough, or keys taken over by every post that
// shares them, dissimilar ordinary posts chained into one cluster (A like
// B, B like C, …) that grew to a third of a day's ordinary posts. Clusters never merge: a post that
// matches two clusters joins the older, and the younger one goes on
// counting its own posts. A cluster is named by PostIDHash of the post that
// started it, in 16 hexadecimal digits, the same in both stores. A cluster
// outlives its first post as long as posts keep joining it within the
// window; its first-seen time stays.
//
// A post without band keys is trivial (an emoji, "ok"): it counts for its
// author but has no cluster, and its exact fingerprint is ignored, so that a
// million "ok" posts are not an agent network.
//
// ClusterAuthors24h is exact, also for a late post: the distinct authors
// with a post of the cluster in the post's own window.
//
// # Replays
//
// Counting is idempotent per PostID: a post observed again (a redelivery
// after a crash or a rebalance, the same batch twice, two instances at once)
// adds nothing and gets the counts of its first observation with Replay set,
// so its verdict is the same. The Memory store knows a post while it
// remembers it (until it leaves the retention or MaxPosts); the Redis store
// for KeyTTL of wall-clock time after it was counted (Window + Lateness + 1h
// by default). A post replayed after that is counted again. Both stores know
// a post by its 64-bit PostIDHash: two distinct posts of a window share it
// with a probability near 10⁻⁶ a day, and the second is then a replay.
//
// # Memory store
//
// Memory keeps every post in a ring in arrival order; MaxPosts, MaxAuthors
// and MaxClusters are enforced by forgetting the oldest posts, and an author
// or a cluster is forgotten with its last post. Band and exact keys live in
// a fixed table of MaxKeys slots of 8 bytes (a 32-bit tag and a reference
// to a post, two candidate buckets of 8 slots per key, side by side in one
// 128-byte pair of cache lines), allocated by NewMemory; when full, the
// keys whose last post is oldest are overwritten. On Linux a table of 4 MiB
// or more is mapped outside the Go heap and advised to use huge pages
// (lookups land on random pages, and 4 KiB pages made most of them miss
// the TLB as well): it does not count in the live heap nor in GOMEMLIMIT,
// and the garbage collector never scans it.
// A key that meets another with the same tag (about 4·10⁻⁹ per lookup) is
// taken for it: at most some 0.3 false joins a day at 5M posts of 17 keys.
//
// Measured (TestMemoryFootprint; CIRCLEGUARD_FOOTPRINT_SCALE=10 for the
// full size), with 16 bands a post, 65% unique texts, 20% copies of 2,000
// ads, 15% trivial posts, a store sized for the day (MaxPosts = posts,
// MaxKeys = 17 × posts):
//
//	per post     242 B   ring record 56, replay table 10, 17 keys × 8 = 136,
//	                     the author's entry 16, cluster entries, spare room
//	per author    63 B at 100k authors, 81 B at 1M (map entry, id, slices)
//	per cluster  139 B beyond its posts (the same copies spread over 19,202
//	              clusters instead of 2,000), so MaxClusters = 1M bounds
//	              the clusters' own share at about 140 MB
//	100k authors, 500k posts    121 MiB live heap
//	1M authors, 5M posts        1,232 MiB live heap, measured
//
// (The figures count the key tables, in the heap or not.) Each band more
// or fewer changes a post's cost by 8 bytes. The resident set exceeds the
// live heap by the garbage collector's headroom: filling the 1M/5M store
// grew the process by 1.89 GiB with Go's defaults and by 1.31 GiB with
// GOMEMLIMIT=1400MiB, when the key table was still in the heap. Run the
// worker with GOMEMLIMIT at about 1.1 times the live heap without the key
// tables (8 bytes × MaxKeys off the heap on Linux) to stay within 1.5 GiB.
// The ring (56 bytes × MaxPosts) and the key table are allocated by
// NewMemory but become resident only as they are written.
//
// Observe calls are serialised by a mutex. BenchmarkMemoryObserve counts
// 180,000 to 210,000 posts a second on one core of the two-core CI machine
// (about 5 µs a post, one allocation), in batches of 1000 into a store
// holding a day of 1M posts; most of the time is the cache misses of the
// 17 key lookups, which it issues together (BenchmarkStages/store in
// internal/engine: about 3.2 µs a post with the key tables on huge pages).
//
// # Redis store
//
// Redis counts each chunk of a batch (ChunkSize posts) in one Lua script
// call, atomically, and sends a batch's chunks in one pipelined round trip,
// so two workers observing the same post count it once. Keys expire KeyTTL
// after their last write; counts never depend on the expiry, only on event
// times kept with the data (redis.go lists the keys). It needs Redis 6.2 or
// later, standalone or replicated, not Redis Cluster.
//
// Keys are in layout v2 (redis_layout.go lists them): every key starts
// with KeyPrefix + "v2:", so keys of the earlier layout are never read and
// simply expire. Instances of one KeyPrefix on the two layouts do not see
// each other's counts: upgrade them together, or give the new ones another
// prefix. Inside the script a chunk's replay records are read with one
// MGET and its distinct keys with one HMGET per live generation; a copied
// post then costs about 10 commands, a unique or trivial one about 5.
//
// Measured on the same two-core machine (Debian's redis-server 7.0): on
// the 200k stream of `make quality-brushing`, 112 to 124 µs of server CPU a
// post (194 to 202 µs with the first layout) and 599 bytes of server memory
// a post (670 before); in `circleguard bench -store redis`, 170 to 185 µs a
// post, so one Redis serves about 5,500 posts a second whatever the number
// of workers (docs/performance.md). A day of 5M posts is 58 posts a second
// on average, so one Redis serves a fleet of workers with a wide margin,
// and a catch-up after an outage is Redis-bound. The calls from Lua into
// Redis (about 6,000 to 7,000 instructions each before the command's own
// work) and the interpreter are the limit, not the network.
//
// # Differences between the stores
//
// The stores agree post for post on streams whose posts arrive within
// Lateness (TestIntegrationRedisMatchesMemory), and differ only at the
// edges of what they remember: Memory forgets by its limits and by event
// time, Redis by KeyTTL of wall-clock time and by event time when a key is
// written; so a post later than Lateness, or a replay older than the
// retention, may be counted differently.
package repetition
