package worker

import (
	"sort"
	"sync"
)

// tracker decides which input offsets may be committed. Each fetched message
// is registered in fetch order (add) and later marked finished (done), in any
// order. For every partition the tracker reports the last offset of the
// longest finished prefix: committing it never skips an unfinished message,
// whatever order batches complete in, and offset gaps (compaction,
// transaction markers) do not matter because the order is the fetch order,
// not offset arithmetic.
//
// When a partition's offsets go backwards (kafka-go redelivers after a
// rebalance, see segmentio/kafka-go#1398), the partition starts a new epoch:
// its pending entries are forgotten and completions from the old epoch are
// ignored. The tracker never reports an offset at or below one it has already
// seen committed, so a redelivery cannot move the group's offset backwards.
//
// A tracker is safe for concurrent use.
type tracker struct {
	mu    sync.Mutex
	parts map[int]*partition
}

type partition struct {
	epoch       uint64
	base        uint64  // sequence number of offsets[0]
	offsets     []int64 // fetched, not yet released, in fetch order
	done        []bool  // parallel to offsets
	lastFetched int64
	finished    int64 // last offset of the finished prefix; -1 for none
	committed   int64 // last offset confirmed committed; -1 for none
}

// ticket identifies one registered message.
type ticket struct {
	partition int
	epoch     uint64
	seq       uint64
}

func newTracker() *tracker {
	return &tracker{parts: make(map[int]*partition)}
}

// add registers a fetched message. Calls for one partition must come in
// fetch order. restarted reports that the partition went back to an earlier
// offset and began a new epoch.
func (t *tracker) add(part int, offset int64) (tk ticket, restarted bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.parts[part]
	if p == nil {
		p = &partition{finished: -1, committed: -1, lastFetched: -1}
		t.parts[part] = p
	} else if offset <= p.lastFetched {
		// Redelivery: start over from here.
		p.epoch++
		p.base += uint64(len(p.offsets))
		p.offsets, p.done = p.offsets[:0], p.done[:0]
		p.finished = -1
		restarted = true
	}
	p.lastFetched = offset
	tk = ticket{partition: part, epoch: p.epoch, seq: p.base + uint64(len(p.offsets))}
	p.offsets = append(p.offsets, offset)
	p.done = append(p.done, false)
	return tk, restarted
}

// done marks the messages of tks finished.
func (t *tracker) done(tks []ticket) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, tk := range tks {
		p := t.parts[tk.partition]
		if p == nil || tk.epoch != p.epoch || tk.seq < p.base {
			continue
		}
		p.done[tk.seq-p.base] = true
	}
	for _, tk := range tks {
		p := t.parts[tk.partition]
		if p == nil || tk.epoch != p.epoch {
			continue
		}
		n := 0
		for n < len(p.done) && p.done[n] {
			n++
		}
		if n > 0 {
			p.finished = p.offsets[n-1]
			p.base += uint64(n)
			p.offsets = p.offsets[n:]
			p.done = p.done[n:]
		}
	}
}

// commitOffset is the last finished offset of one partition.
type commitOffset struct {
	partition int
	offset    int64 // the last finished message; Kafka's committed offset is offset+1
}

// ready returns, in partition order, the partitions whose finished prefix has
// moved past what was committed.
func (t *tracker) ready() []commitOffset {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []commitOffset
	for id, p := range t.parts {
		if p.finished > p.committed {
			out = append(out, commitOffset{partition: id, offset: p.finished})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].partition < out[j].partition })
	return out
}

// committed records that the broker accepted cs.
func (t *tracker) committed(cs []commitOffset) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range cs {
		if p := t.parts[c.partition]; p != nil && c.offset > p.committed {
			p.committed = c.offset
		}
	}
}

// pending returns the number of registered, unfinished messages.
func (t *tracker) pending() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, p := range t.parts {
		for _, d := range p.done {
			if !d {
				n++
			}
		}
	}
	return n
}
