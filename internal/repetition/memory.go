package repetition

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"
)

// ErrClosed is returned by Observe on a closed store.
var ErrClosed = errors.New("repetition: store closed")

// MemoryConfig bounds the in-memory store. Every limit is enforced by
// forgetting the oldest posts in arrival order (an author or a cluster is
// forgotten with its last post), so memory stays bounded whatever the
// traffic; doc.go gives the bytes each item costs.
type MemoryConfig struct {
	// Window is the long window (the "24h" counts). Default: 24h.
	Window time.Duration `yaml:"-"`
	// Lateness is how far behind the newest event time seen a post may
	// arrive and still be counted against everything in its own window.
	// State older than newest − Window − Lateness is forgotten. Default: 10m.
	Lateness time.Duration `yaml:"-"`
	// MaxPosts is the number of posts remembered, for the windows and for
	// replay detection. Default: 1,000,000.
	MaxPosts int `yaml:"max_posts"`
	// MaxAuthors is the number of authors remembered. Default: 1,000,000.
	MaxAuthors int `yaml:"max_authors"`
	// MaxClusters is the number of clusters of two or more posts remembered
	// (a post that no other post copied costs no cluster). Default:
	// 1,000,000.
	MaxClusters int `yaml:"max_clusters"`
	// MaxKeys is the number of band and exact keys remembered, 8 bytes each,
	// allocated up front. A post that is not trivial uses one key per band
	// plus one, shared with its copies; when full, the keys used longest ago
	// are forgotten. Default: 17 × MaxPosts (16 bands a post, the
	// fingerprint default; `circleguard run` sizes it from fingerprint.bands).
	MaxKeys int `yaml:"max_keys"`
	// MinSharedBands is as in Config. Default: 2.
	MinSharedBands int `yaml:"-"`
}

// Defaults of MemoryConfig.
const (
	DefaultMaxPosts    = 1_000_000
	DefaultMaxAuthors  = 1_000_000
	DefaultMaxClusters = 1_000_000
	DefaultKeysPerPost = 17
)

func (c MemoryConfig) withDefaults() MemoryConfig {
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.Lateness == 0 {
		c.Lateness = DefaultLateness
	}
	if c.MaxPosts == 0 {
		c.MaxPosts = DefaultMaxPosts
	}
	if c.MaxAuthors == 0 {
		c.MaxAuthors = DefaultMaxAuthors
	}
	if c.MaxClusters == 0 {
		c.MaxClusters = DefaultMaxClusters
	}
	if c.MaxKeys == 0 {
		c.MaxKeys = DefaultKeysPerPost * c.MaxPosts
	}
	if c.MinSharedBands == 0 {
		c.MinSharedBands = DefaultMinSharedBands
	}
	return c
}

// Validate reports a configuration NewMemory would refuse. Zero fields take
// their defaults.
func (c MemoryConfig) Validate() error {
	c = c.withDefaults()
	if _, err := newWindows(c.Window, c.Lateness); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"MaxPosts", c.MaxPosts}, {"MaxAuthors", c.MaxAuthors}, {"MaxClusters", c.MaxClusters}, {"MaxKeys", c.MaxKeys}} {
		if f.v < 1 {
			return fmt.Errorf("%s %d: must be positive", f.name, f.v)
		}
	}
	if c.MinSharedBands < 1 || c.MinSharedBands > MaxBands {
		return fmt.Errorf("MinSharedBands %d: must be in [1, %d]", c.MinSharedBands, MaxBands)
	}
	if c.MaxPosts > refMask {
		return fmt.Errorf("MaxPosts %d: at most %d", c.MaxPosts, refMask)
	}
	return nil
}

// candidate is a cluster a new post's keys point to.
type candidate struct {
	cid     uint64
	votes   int      // keys pointing to it (the exact key counts minShared)
	first   int64    // its first-seen time
	founder *postRec // its only post, when it has no cluster record yet
}

// Memory is the in-memory Store: the default, for a single instance. It is
// safe for concurrent use; Observe calls are serialised.
type Memory struct {
	mu     sync.Mutex
	cfg    MemoryConfig
	w      windows
	closed bool

	// ring holds the posts remembered, oldest first, at ring[pos % len]
	// for pos in [head, tail). It is allocated whole (MaxPosts records) but
	// written in order, so only the part written is resident.
	ring       []postRec
	head, tail uint64
	maxAt      int64 // newest event time seen
	seen       bool

	posts *keyTable // post hash → ref of the post
	keys  *keyTable // band or exact key → ref of the last post carrying it

	authorIdx   map[string]uint32
	authors     []author
	freeAuthors []uint32
	clusters    map[uint64]*cluster

	delta  authorDelta // scratch for cluster.distinct
	keyBuf []uint64    // scratch: a post's keys
	refBuf []uint32    // scratch: their references
	cands  []candidate // scratch: the clusters a post's keys point to
	// minShared is the number of band keys a post must share with a
	// cluster to join it (the exact fingerprint counts for all).
	minShared int
}

// postRec is one remembered post with the counts it was given (56 bytes).
type postRec struct {
	hash   uint64 // PostIDHash
	at     int64  // event time, ms
	cid    uint64 // cluster id, 0 for a trivial text
	first  int64  // ClusterFirstSeen returned, ms
	author uint32 // index in Memory.authors
	a1h, a24h, acopies,
	ccopies, cauthors uint32
}

type author struct {
	id    string
	posts []authorPost // by event time
}

type authorPost struct {
	at  int64
	cid uint64
}

// cluster is a content cluster with two or more posts; a post nobody copied
// is a cluster of one that exists only as its postRec and keys.
type cluster struct {
	first int64
	posts []clusterPost // by event time
	// end is the newest event time of the cluster; inHead counts, per
	// author, the posts held with at in (end − Window, end], so that the
	// distinct authors of an in-order post's window are len(inHead).
	end    int64
	inHead map[uint32]uint32
}

type clusterPost struct {
	at     int64
	author uint32
}

// NewMemory returns an empty in-memory store.
func NewMemory(cfg MemoryConfig) (*Memory, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("repetition memory config: %w", err)
	}
	cfg = cfg.withDefaults()
	w, _ := newWindows(cfg.Window, cfg.Lateness)
	return &Memory{
		cfg:       cfg,
		w:         w,
		ring:      make([]postRec, cfg.MaxPosts),
		head:      1, // position 0 would make a zero reference; start at 1
		tail:      1,
		posts:     newKeyTable(cfg.MaxPosts + cfg.MaxPosts/4),
		keys:      newKeyTable(cfg.MaxKeys),
		authorIdx: make(map[string]uint32),
		clusters:  make(map[uint64]*cluster),
		keyBuf:    make([]uint64, 0, MaxBands+1),
		refBuf:    make([]uint32, MaxBands+1),
		minShared: cfg.MinSharedBands,
	}, nil
}

// Observe implements Store.
func (m *Memory) Observe(ctx context.Context, batch []Observation) ([]Counts, error) {
	if err := checkBatch(batch); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]Counts, len(batch))
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	for i := range batch {
		m.observe(&batch[i], &out[i])
	}
	return out, nil
}

// Close frees the store's memory. Observe fails after it.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.ring, m.posts, m.keys, m.authorIdx, m.authors, m.clusters = nil, nil, nil, nil, nil, nil
	return nil
}

// Len returns the numbers of posts, authors and clusters (of two or more
// posts) the store remembers.
func (m *Memory) Len() (posts, authors, clusters int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int(m.tail - m.head), len(m.authorIdx), len(m.clusters)
}

func (m *Memory) observe(o *Observation, out *Counts) {
	h := PostIDHash(o.PostID)
	if rec := m.rec(m.posts.get(h)); rec != nil && rec.hash == h {
		rec.counts(out)
		out.Replay = true
		return
	}
	at := o.At.UnixMilli()
	if !m.seen || at > m.maxAt {
		m.maxAt, m.seen = at, true
	}
	cutoff := m.maxAt - m.w.retention()
	for m.head < m.tail && m.ring[m.head%uint64(len(m.ring))].at < cutoff {
		m.evict()
	}
	if m.tail-m.head == uint64(len(m.ring)) {
		m.evict()
	}

	// The cluster: the earliest live cluster any key points to, else a new one.
	bands := bandsOf(o)
	var cid uint64
	var founder *postRec // the only post of cid when cid has no cluster yet
	if len(bands) > 0 {
		var first int64
		lo := at - m.w.window
		keys := m.keyBuf[:0]
		keys = append(keys, exactKey(o.Exact))
		keys = append(keys, bands...)
		refs := m.refBuf[:len(keys)]
		m.keys.getMany(keys, refs)
		cands := m.cands[:0]
		for j, ref := range refs {
			rec := m.rec(ref)
			if rec == nil || rec.at <= lo || rec.cid == 0 {
				continue
			}
			votes := 1
			if j == 0 { // the exact fingerprint alone is enough
				votes = m.minShared
			}
			k := slices.IndexFunc(cands, func(c candidate) bool { return c.cid == rec.cid })
			if k >= 0 {
				cands[k].votes += votes
				continue
			}
			c := candidate{cid: rec.cid, votes: votes, first: rec.at, founder: rec}
			if cl := m.clusters[rec.cid]; cl != nil {
				c.first, c.founder = cl.first, nil
			}
			cands = append(cands, c)
		}
		for _, c := range cands {
			if c.votes < m.minShared {
				continue
			}
			if cid == 0 || c.first < first || c.first == first && c.cid < cid {
				cid, first, founder = c.cid, c.first, c.founder
			}
		}
		m.cands = cands[:0]
		if cid == 0 {
			cid = h // a new cluster named after this post
		}
	}

	ai := m.author(o.AuthorID)
	a := &m.authors[ai]
	a.insert(authorPost{at: at, cid: cid})
	rec := postRec{hash: h, at: at, cid: cid, author: ai}
	rec.a1h = uint32(a.count(at-ShortWindow.Milliseconds(), at))
	rec.a24h = uint32(a.count(at-m.w.window, at))
	if cid != 0 {
		rec.acopies = uint32(a.copies(at-m.w.window, at, cid))
		c := m.clusters[cid]
		if c == nil && founder != nil {
			c = m.materialise(founder)
		}
		if c == nil { // a new cluster of one
			rec.first, rec.ccopies, rec.cauthors = at, 1, 1
		} else {
			c.add(at, ai, m.w.window)
			rec.first = c.first
			rec.ccopies = uint32(c.count(at-m.w.window, at))
			rec.cauthors = uint32(c.distinct(at, m.w.window, &m.delta))
		}
	}

	pos := m.tail
	m.ring[pos%uint64(len(m.ring))] = rec
	m.tail++
	ref := refOf(pos)
	m.posts.put(h, ref, ref)
	if cid != 0 {
		// A key live for another cluster stays with it: a post that shares
		// one band with a cluster must not take the band away from it.
		lo := at - m.w.window
		for j, k := range m.keyBuf[:len(bands)+1] {
			if old := m.rec(m.refBuf[j]); old != nil && old.at > lo && old.cid != 0 && old.cid != cid {
				continue
			}
			m.keys.put(k, ref, ref)
		}
	}
	rec.counts(out)

	for m.head < m.tail && (len(m.authorIdx) > m.cfg.MaxAuthors || len(m.clusters) > m.cfg.MaxClusters) {
		m.evict()
	}
}

func (r *postRec) counts(c *Counts) {
	*c = Counts{
		AuthorPosts1h:   int(r.a1h),
		AuthorPosts24h:  int(r.a24h),
		AuthorCopies24h: int(r.acopies),
	}
	if r.cid != 0 {
		c.Cluster = clusterName(r.cid)
		c.ClusterCopies24h = int(r.ccopies)
		c.ClusterAuthors24h = int(r.cauthors)
		c.ClusterFirstSeen = time.UnixMilli(r.first).UTC()
	}
}

// rec returns the post a reference names, nil when it is no longer held.
func (m *Memory) rec(ref uint32) *postRec {
	if ref == 0 {
		return nil
	}
	d := uint64((uint32(m.tail) - ref) & refMask) // how far before tail
	if d == 0 || d > m.tail-m.head {
		return nil
	}
	return &m.ring[(m.tail-d)%uint64(len(m.ring))]
}

// evict forgets the oldest post.
func (m *Memory) evict() {
	rec := &m.ring[m.head%uint64(len(m.ring))]
	a := &m.authors[rec.author]
	a.remove(authorPost{at: rec.at, cid: rec.cid})
	if len(a.posts) == 0 {
		delete(m.authorIdx, a.id)
		*a = author{}
		m.freeAuthors = append(m.freeAuthors, rec.author)
	}
	if c := m.clusters[rec.cid]; c != nil {
		c.remove(rec.at, rec.author, m.w.window)
		if len(c.posts) == 0 {
			delete(m.clusters, rec.cid)
		}
	}
	m.head++
}

func (m *Memory) author(id string) uint32 {
	if i, ok := m.authorIdx[id]; ok {
		return i
	}
	var i uint32
	if n := len(m.freeAuthors); n > 0 {
		i = m.freeAuthors[n-1]
		m.freeAuthors = m.freeAuthors[:n-1]
	} else {
		i = uint32(len(m.authors))
		m.authors = append(m.authors, author{})
	}
	id = string([]byte(id)) // do not pin the caller's buffer
	m.authors[i].id = id
	m.authorIdx[id] = i
	return i
}

// materialise turns the cluster of one founded by founder into a cluster
// object, as a second post joins it.
func (m *Memory) materialise(founder *postRec) *cluster {
	c := &cluster{
		first:  founder.at,
		posts:  []clusterPost{{at: founder.at, author: founder.author}},
		end:    founder.at,
		inHead: map[uint32]uint32{founder.author: 1},
	}
	m.clusters[founder.cid] = c
	return c
}

// upper returns the number of items with at ≤ t in a sorted slice.
func upper[T any](s []T, at func(*T) int64, t int64) int {
	return sort.Search(len(s), func(i int) bool { return at(&s[i]) > t })
}

func apAt(p *authorPost) int64  { return p.at }
func cpAt(p *clusterPost) int64 { return p.at }

func (a *author) insert(p authorPost) {
	i := len(a.posts)
	if i > 0 && a.posts[i-1].at > p.at {
		i = upper(a.posts, apAt, p.at)
	}
	a.posts = append(a.posts, authorPost{})
	copy(a.posts[i+1:], a.posts[i:])
	a.posts[i] = p
}

func (a *author) remove(p authorPost) {
	for i := upper(a.posts, apAt, p.at-1); i < len(a.posts) && a.posts[i].at == p.at; i++ {
		if a.posts[i].cid == p.cid {
			a.posts = append(a.posts[:i], a.posts[i+1:]...)
			if len(a.posts) == 0 {
				a.posts = nil
			}
			return
		}
	}
}

// count returns the author's posts with at in (lo, hi].
func (a *author) count(lo, hi int64) int {
	return upper(a.posts, apAt, hi) - upper(a.posts, apAt, lo)
}

// copies returns the author's posts of cluster cid with at in (lo, hi].
func (a *author) copies(lo, hi int64, cid uint64) int {
	n := 0
	for _, p := range a.posts[upper(a.posts, apAt, lo):upper(a.posts, apAt, hi)] {
		if p.cid == cid {
			n++
		}
	}
	return n
}

func (c *cluster) add(at int64, author uint32, window int64) {
	if at > c.end { // the head window slides: posts fall out of it
		for _, p := range c.posts[upper(c.posts, cpAt, c.end-window):upper(c.posts, cpAt, at-window)] {
			c.leaveHead(p.author)
		}
		c.end = at
	}
	i := len(c.posts)
	if i > 0 && c.posts[i-1].at > at {
		i = upper(c.posts, cpAt, at)
	}
	c.posts = append(c.posts, clusterPost{})
	copy(c.posts[i+1:], c.posts[i:])
	c.posts[i] = clusterPost{at: at, author: author}
	if at > c.end-window {
		c.inHead[author]++
	}
	c.first = min(c.first, at)
}

func (c *cluster) leaveHead(author uint32) {
	if n := c.inHead[author]; n > 1 {
		c.inHead[author] = n - 1
	} else {
		delete(c.inHead, author)
	}
}

func (c *cluster) remove(at int64, author uint32, window int64) {
	for i := upper(c.posts, cpAt, at-1); i < len(c.posts) && c.posts[i].at == at; i++ {
		if c.posts[i].author == author {
			c.posts = append(c.posts[:i], c.posts[i+1:]...)
			if at > c.end-window {
				c.leaveHead(author)
			}
			return
		}
	}
}

// count returns the cluster's posts with at in (lo, hi].
func (c *cluster) count(lo, hi int64) int {
	return upper(c.posts, cpAt, hi) - upper(c.posts, cpAt, lo)
}

// distinct returns the number of authors with a post in (at − window, at].
// For the newest post that is len(inHead); for an older one, inHead is
// corrected by the posts in the difference of the two windows: those of
// the last (end − at) of the head window, and as long a stretch before it.
// They are as many as the cluster had in a stretch as long as the post is
// late, so a hot cluster read from partitions drained at different speeds
// (a backlog) makes hundreds; delta counts them in arrays, not a map.
func (c *cluster) distinct(at, window int64, delta *authorDelta) int {
	if at >= c.end {
		return len(c.inHead)
	}
	delta.reset()
	// In the head window (end − window, end], not in (at − window, at].
	for _, p := range c.posts[upper(c.posts, cpAt, max(c.end-window, at)):upper(c.posts, cpAt, c.end)] {
		delta.add(p.author, -1)
	}
	// In (at − window, at], not in the head window.
	for _, p := range c.posts[upper(c.posts, cpAt, at-window):upper(c.posts, cpAt, min(at, c.end-window))] {
		delta.add(p.author, +1)
	}
	n := len(c.inHead)
	for _, a := range delta.touched {
		d := delta.d[a]
		if d == 0 {
			continue
		}
		was := int32(c.inHead[a])
		if was > 0 && was+d <= 0 {
			n--
		} else if was == 0 && d > 0 {
			n++
		}
	}
	return n
}

// authorDelta counts a change per author index, in arrays indexed by it:
// a stamp tells this round's entries from stale ones, so that reset is
// O(1) and add a couple of array accesses.
type authorDelta struct {
	d       []int32
	stamp   []uint32
	round   uint32
	touched []uint32 // the authors added to this round, each once
}

func (s *authorDelta) reset() {
	s.round++
	s.touched = s.touched[:0]
	if s.round == 0 { // wrapped: stale stamps could match again
		clear(s.stamp)
		s.round = 1
	}
}

func (s *authorDelta) add(a uint32, v int32) {
	if int(a) >= len(s.d) {
		n := max(int(a)+1, 2*len(s.d), 1024)
		s.d = append(s.d, make([]int32, n-len(s.d))...)
		s.stamp = append(s.stamp, make([]uint32, n-len(s.stamp))...)
	}
	if s.stamp[a] != s.round {
		s.stamp[a], s.d[a] = s.round, 0
		s.touched = append(s.touched, a)
	}
	s.d[a] += v
}
