//go:build linux

package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/circleguard/circleguard/internal/gen"
)

// posts is the generated stream: the backlog (sequence numbers 1..backlog)
// then the latency phase's posts. A post's sequence number is its post id
// ("p" and the number, as gen makes them), so an output names its post.
type posts struct {
	gen     *gen.Generator
	backlog int
	keys    [][]byte // author_id, the posts topic's key
	values  [][]byte // the post as JSON
}

// idPrefix is how every generated post begins: its id comes first.
const idPrefix = `{"id":"p`

func newPosts(seed int64, backlog int) (*posts, error) {
	g, err := gen.New(gen.Config{Seed: seed})
	if err != nil {
		return nil, err
	}
	ps := &posts{gen: g, backlog: backlog}
	return ps, ps.grow(backlog)
}

// grow generates posts until there are n.
func (ps *posts) grow(n int) error {
	for len(ps.values) < n {
		it := ps.gen.Next()
		v, err := json.Marshal(&it.Post)
		if err != nil {
			return err
		}
		if seq, ok := seqOf(v); !ok || seq != len(ps.values)+1 {
			return fmt.Errorf("generated post %d does not begin with its id %q", len(ps.values)+1, v[:min(len(v), 24)])
		}
		ps.keys = append(ps.keys, []byte(it.Post.AuthorID))
		ps.values = append(ps.values, v)
	}
	return nil
}

// latency returns the i-th post (from 0) of the latency phase, whose
// sequence number is backlog+1+i. Beyond the generated pool it reuses a
// pooled post under that new id (the same bytes: the id's digits are
// rewritten in a copy).
func (ps *posts) latency(i, pool int) (key, value []byte) {
	j := ps.backlog + i%pool
	if i < pool {
		return ps.keys[j], ps.values[j]
	}
	seq := ps.backlog + 1 + i
	v := bytes.Clone(ps.values[j])
	digits := bytes.IndexByte(v[len(idPrefix):], '"')
	id := strconv.AppendInt(nil, int64(seq), 10)
	if len(id) > digits { // more digits than gen pads to: rebuild
		v = append(append([]byte(idPrefix), id...), v[len(idPrefix)+digits:]...)
		return ps.keys[j], v
	}
	at := len(idPrefix) + digits - len(id)
	copy(v[at:], id)
	for k := len(idPrefix); k < at; k++ {
		v[k] = '0'
	}
	return ps.keys[j], v
}

// seqOf returns the sequence number of the post a record names: a
// generated post ({"id":"p…) or a verdict ({"post_id":"p…).
func seqOf(v []byte) (int, bool) {
	var rest []byte
	switch {
	case bytes.HasPrefix(v, []byte(idPrefix)):
		rest = v[len(idPrefix):]
	case bytes.HasPrefix(v, []byte(`{"post_id":"p`)):
		rest = v[len(`{"post_id":"p`):]
	default:
		return 0, false
	}
	n := 0
	for i, c := range rest {
		switch {
		case c >= '0' && c <= '9' && i < 12:
			n = n*10 + int(c-'0')
		case c == '"' && i > 0:
			return n, true
		default:
			return 0, false
		}
	}
	return 0, false
}

// producerOpts are the options of the bench's producers: records keyed by
// author go where the Java client's partitioner puts them (murmur2, as the
// worker's writer does), uncompressed as Kafka's producers send by default
// (franz-go would use snappy, which the worker would then decompress).
func producerOpts(topic string, more ...kgo.Opt) []kgo.Opt {
	return append([]kgo.Opt{kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.ProducerBatchCompression(kgo.NoCompression())}, more...)
}

// produceBacklog writes the backlog to topic as fast as the client can.
func produceBacklog(ctx context.Context, c *cluster, topic string, ps *posts) error {
	cl, err := c.client(producerOpts(topic, kgo.ProducerBatchMaxBytes(1<<20), kgo.MaxBufferedRecords(100_000))...)
	if err != nil {
		return err
	}
	defer cl.Close()
	var failed atomic.Pointer[error]
	for i := range ps.backlog {
		cl.Produce(ctx, &kgo.Record{Key: ps.keys[i], Value: ps.values[i]}, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.CompareAndSwap(nil, &err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		return fmt.Errorf("produce backlog: %w", err)
	}
	if e := failed.Load(); e != nil {
		return fmt.Errorf("produce backlog: %w", *e)
	}
	return nil
}

// produced is what a paced phase sent.
type produced struct {
	posts   int
	elapsed time.Duration
}

// producePaced writes latency-phase posts to topic at rate posts/s for d:
// every millisecond or so it sends what the schedule says is due, keyed by
// author, each as its own record (the client batches what waits).
func producePaced(ctx context.Context, c *cluster, topic string, ps *posts, pool int, rate float64, d time.Duration) (produced, error) {
	cl, err := c.client(producerOpts(topic, kgo.ProducerLinger(0), kgo.MaxBufferedRecords(1_000_000))...)
	if err != nil {
		return produced{}, err
	}
	defer cl.Close()
	var failed atomic.Pointer[error]
	done := func(_ *kgo.Record, err error) {
		if err != nil {
			failed.CompareAndSwap(nil, &err)
		}
	}
	start := time.Now()
	total := int(rate * d.Seconds())
	n := 0
	for n < total {
		due := min(int(rate*time.Since(start).Seconds())+1, total)
		for ; n < due; n++ {
			k, v := ps.latency(n, pool)
			cl.Produce(ctx, &kgo.Record{Key: k, Value: v}, done)
		}
		if e := failed.Load(); e != nil {
			return produced{}, fmt.Errorf("produce: %w", *e)
		}
		if err := sleep(ctx, time.Millisecond); err != nil {
			return produced{}, err
		}
	}
	elapsed := time.Since(start)
	if err := cl.Flush(ctx); err != nil {
		return produced{}, fmt.Errorf("produce: %w", err)
	}
	if e := failed.Load(); e != nil {
		return produced{}, fmt.Errorf("produce: %w", *e)
	}
	return produced{posts: n, elapsed: elapsed}, nil
}

// record is what the bench keeps of a record read back.
type record struct {
	seq        int
	appendedMs int64 // the record's timestamp, in Unix milliseconds
	logAppend  bool  // the timestamp is the broker's append time
}

// readRange reads topic's records in [from, to) per partition and calls fn
// with each, from the calling goroutine. A record that names no post is
// an error.
func readRange(ctx context.Context, c *cluster, topic string, from, to map[int]int64, fn func(record)) error {
	offsets := map[int32]kgo.Offset{}
	left := 0
	for p, end := range to {
		if end > from[p] {
			offsets[int32(p)] = kgo.NewOffset().At(from[p])
			left++
		}
	}
	if left == 0 {
		return nil
	}
	cl, err := c.client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}), kgo.FetchMaxWait(200*time.Millisecond))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	finished := map[int32]bool{}
	for left > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("read back %s: %w", topic, err)
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) { ferr = fmt.Errorf("read back %s/%d: %w", t, p, err) })
		if ferr != nil {
			return ferr
		}
		var bad error
		fs.EachRecord(func(r *kgo.Record) {
			p := int(r.Partition)
			if finished[r.Partition] || r.Offset >= to[p] {
				return
			}
			seq, ok := seqOf(r.Value)
			if !ok && bad == nil {
				bad = fmt.Errorf("read back %s/%d@%d: the record names no generated post: %.40q", topic, p, r.Offset, r.Value)
			}
			fn(record{seq: seq, appendedMs: r.Timestamp.UnixMilli(), logAppend: r.Attrs.TimestampType() == 1})
			if r.Offset == to[p]-1 {
				finished[r.Partition] = true
				left--
			}
		})
		if bad != nil {
			return bad
		}
	}
	return nil
}
