package repetition

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"time"
)

// The Redis store's keys, layout v2. Every key starts with KeyPrefix and
// layoutVersion, and expires KeyTTL after its last write:
//
//	p:<post>        string: a counted post's record: its event time, the
//	                counts it was given, its cluster and author (replays,
//	                and the founder of a cluster of one)
//	a:<author>      sorted set: the author's posts (post hash) by event time
//	k:<generation>  hash: band or exact key (8 bytes) → the cluster (8
//	                bytes) and event time (6 bytes) of the last post that
//	                carried it
//	c:<cluster>     sorted set of a cluster of two or more posts, in three
//	                bands of scores: its posts (post hash) at their event
//	                times, its authors ('a' + author) at their latest post's
//	                time + 2^50, its first-seen and newest times (members
//	                'f' and 'l') + 2^51
//	ac:<cluster>    sorted set, one score: its authors' posts as members
//	                author's length (4 bytes) + author + time + 2^48 (8
//	                bytes) + post hash, in lexical order (AuthorCopies24h)
//	wm              string: the newest event time seen
//
// where <post> and <cluster> are the 8 bytes of a PostIDHash, big-endian
// (a cluster is named by its founder's), and every time is in event-time
// milliseconds. A cluster of one has only its founder's p: record and k:
// fields. A generation is a quarter of the Window of watermark time (the
// newest event time seen when a key was written); a lookup reads the
// generations the window spans, newest first, so a key is found with the
// last post that carried it, as in the Memory store, in one command per
// generation. Sorted sets drop the members older than the retention when
// one post in eight writes them; counts never include such members.
//
// Event times must lie within ±2^48 ms of 1970 (RFC 3339's years 0 to 9999
// do); a key whose last post lies beyond ±2^47 ms (the year 6429) is taken
// for dead.
//
// The first layout (v1) had no version segment: a server holding keys of
// it is never misread, they expire by themselves. Instances of both
// layouts sharing a server do not see each other's counts: upgrade every
// instance of a KeyPrefix together (the counts start over, as after a
// Redis restart without persistence), or give the new ones another
// KeyPrefix.
const layoutVersion = "v2:"

// authorBand and metaBand offset the authors' scores and the cluster's
// times in a cluster's sorted set, lexBand the times in its author copies.
const (
	authorBand = 1 << 50
	metaBand   = 1 << 51
	lexBand    = 1 << 48
)

// generations is the number of k: hashes a window spans.
const generations = 4

// bin8 is an 8-byte script argument (a post hash, a key), handed to
// go-redis by pointer so that it costs no allocation of its own.
type bin8 [8]byte

// MarshalBinary implements encoding.BinaryMarshaler for go-redis.
func (b *bin8) MarshalBinary() ([]byte, error) { return b[:], nil }

// argEncoder holds the values a batch's script arguments point to, in one
// allocation per kind.
type argEncoder struct {
	bins []bin8   // post hashes, then keys
	strs []string // other values, substrings of one string
	buf  []byte   // the values since the last cut
	ends []int    // where each ends in buf
	ix   []byte   // a chunk's key places
	seen map[uint64]uint32
	keys []uint64 // a chunk's distinct keys in order; seen: their places, from 1
}

func (e *argEncoder) init(batch []Observation) {
	nb := len(batch)
	for i := range batch {
		if b := bandsOf(&batch[i]); len(b) > 0 {
			nb += len(b) + 1
		}
	}
	e.bins = make([]bin8, 0, nb)
	e.strs = make([]string, 0, postValues*len(batch))
	e.seen = make(map[uint64]uint32)
}

func (e *argEncoder) bin(v uint64) *bin8 {
	e.bins = e.bins[:len(e.bins)+1]
	b := &e.bins[len(e.bins)-1]
	binary.BigEndian.PutUint64(b[:], v)
	return b
}

// num adds v in decimal.
func (e *argEncoder) num(v int64) {
	e.buf = strconv.AppendInt(e.buf, v, 10)
	e.ends = append(e.ends, len(e.buf))
}

// lex adds bound, then the length of author in 4 bytes and author, then
// at + 2^48 in 8 bytes, both big-endian, then post: the author copies'
// order (observe.lua).
func (e *argEncoder) lex(bound byte, author string, at int64, post *bin8) {
	if bound != 0 {
		e.buf = append(e.buf, bound)
	}
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(len(author)))
	e.buf = append(e.buf, author...)
	e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(at+lexBand))
	if post != nil {
		e.buf = append(e.buf, post[:]...)
	}
	e.ends = append(e.ends, len(e.buf))
}

// cut makes the values added since the last cut into strings and returns
// them.
func (e *argEncoder) cut() []string {
	s := string(e.buf)
	start, from := len(e.strs), 0
	for _, end := range e.ends {
		e.strs = append(e.strs, s[from:end])
		from = end
	}
	e.buf, e.ends = e.buf[:0], e.ends[:0]
	return e.strs[start:]
}

// key appends the place of key among the chunk's distinct keys to e.ix.
func (e *argEncoder) key(key uint64) {
	u, ok := e.seen[key]
	if !ok {
		e.keys = append(e.keys, key)
		u = uint32(len(e.keys))
		e.seen[key] = u
	}
	e.ix = binary.BigEndian.AppendUint32(e.ix, u)
}

// postValues is the number of script arguments per post, and strValues
// those of them argEncoder makes.
const (
	postValues = 12
	strValues  = 10
)

// args returns the script's arguments for batch[start:end] (observe.lua
// describes them).
func (r *Redis) args(e *argEncoder, batch []Observation, start, end int) []any {
	posts := batch[start:end]
	clear(e.seen)
	e.keys, e.ix = e.keys[:0], nil
	hashes := make([]*bin8, len(posts))
	for i := range posts {
		o := &posts[i]
		hashes[i] = e.bin(PostIDHash(o.PostID))
		bands := bandsOf(o)
		k := len(bands)
		if k > 0 {
			k++ // the exact key
			e.key(exactKey(o.Exact))
			for _, b := range bands {
				e.key(b)
			}
		}
		at := o.At.UnixMilli()
		lo := at - r.w.window + 1
		e.num(at)
		e.num(int64(k))
		e.num(lo)
		e.num(at + authorBand)
		e.num(lo + authorBand)
		e.num(at + metaBand)
		e.num(at - ShortWindow.Milliseconds() + 1)
		e.lex(0, o.AuthorID, at, hashes[i])
		e.lex('[', o.AuthorID, lo, nil)
		e.lex('(', o.AuthorID, at+1, nil)
	}
	v := e.cut()
	args := make([]any, 0, 9+postValues*len(posts)+len(e.keys))
	args = append(args, r.prefix, r.w.window, r.w.lateness, ShortWindow.Milliseconds(),
		r.cfg.KeyTTL.Milliseconds(), r.w.window/generations, r.cfg.MinSharedBands, len(posts), e.ix)
	for i := range posts {
		v := v[strValues*i : strValues*i+strValues]
		args = append(args, hashes[i], &v[0], &posts[i].AuthorID, &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9])
	}
	for _, k := range e.keys {
		args = append(args, e.bin(k))
	}
	return args
}

// decodeCounts reads the script's 8 values per post.
func decodeCounts(vals []any, out []Counts) error {
	if len(vals) != 8*len(out) {
		return fmt.Errorf("script returned %d values for %d posts", len(vals), len(out))
	}
	for i := range out {
		row := vals[8*i : 8*i+8]
		var n [8]int64
		for j, v := range row {
			if j == 4 {
				continue
			}
			x, ok := v.(int64)
			if !ok {
				return fmt.Errorf("unexpected %T in script reply", v)
			}
			n[j] = x
		}
		cid, ok := row[4].(string)
		if !ok || len(cid) != 0 && len(cid) != 8 {
			return fmt.Errorf("script reply: cluster %q is not 8 bytes", row[4])
		}
		c := Counts{
			Replay:          n[0] == 1,
			AuthorPosts1h:   int(n[1]),
			AuthorPosts24h:  int(n[2]),
			AuthorCopies24h: int(n[3]),
		}
		if cid != "" {
			c.Cluster = clusterName(beUint64(cid))
			c.ClusterCopies24h = int(n[5])
			c.ClusterAuthors24h = int(n[6])
			c.ClusterFirstSeen = time.UnixMilli(n[7]).UTC()
		}
		out[i] = c
	}
	return nil
}

// beUint64 reads 8 bytes, big-endian.
func beUint64(s string) uint64 {
	var x uint64
	for i := range 8 {
		x = x<<8 | uint64(s[i])
	}
	return x
}
