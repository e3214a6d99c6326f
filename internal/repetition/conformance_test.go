package repetition

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"
)

// t0 is the event time the cases count from.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// post is a trivial post (no bands) by author at t0+d.
func post(id, author string, d time.Duration) Observation {
	return Observation{PostID: id, AuthorID: author, At: t0.Add(d), Exact: PostIDHash(id)}
}

// text is a post of text number n: copies of one text share every key.
func text(id, author string, d time.Duration, n uint64) Observation {
	o := post(id, author, d)
	o.Exact = n
	for b := range uint64(4) {
		o.Bands = append(o.Bands, n<<8|b)
	}
	return o
}

// near is a near-copy of text n: it shares two bands with it (the default
// MinSharedBands), nothing else.
func near(id, author string, d time.Duration, n uint64) Observation {
	o := text(id, author, d, PostIDHash(id))
	o.Bands[1] = n<<8 | 1
	o.Bands[2] = n<<8 | 2
	return o
}

// grazing shares one band with text n: not enough to join its cluster.
func grazing(id, author string, d time.Duration, n uint64) Observation {
	o := text(id, author, d, PostIDHash(id))
	o.Bands[2] = n<<8 | 2
	return o
}

// observe counts posts one batch after another and returns all the counts.
func observe(t *testing.T, s Store, batches ...[]Observation) []Counts {
	t.Helper()
	var all []Counts
	for _, b := range batches {
		got, err := s.Observe(context.Background(), b)
		if err != nil {
			t.Fatalf("Observe: %v", err)
		}
		if len(got) != len(b) {
			t.Fatalf("Observe returned %d counts for %d posts", len(got), len(b))
		}
		all = append(all, got...)
	}
	return all
}

// one wraps each post in a batch of its own.
func one(posts ...Observation) [][]Observation {
	b := make([][]Observation, len(posts))
	for i := range posts {
		b[i] = posts[i : i+1]
	}
	return b
}

// authorCounts is the part of Counts that concerns the author alone.
type authorCounts struct{ h1, h24 int }

func authorOf(c Counts) authorCounts { return authorCounts{c.AuthorPosts1h, c.AuthorPosts24h} }

// clusterCounts is the part of Counts that concerns the cluster.
type clusterCounts struct{ authorCopies, copies, authors int }

func clusterOf(c Counts) clusterCounts {
	return clusterCounts{c.AuthorCopies24h, c.ClusterCopies24h, c.ClusterAuthors24h}
}

// runConformance runs the cases every Store must pass. newStore returns an
// empty store of its own; newPeers, when not nil, returns two stores (two
// instances) sharing one state, for the cases about instances.
func runConformance(t *testing.T, newStore func(t *testing.T) Store, newPeers func(t *testing.T) (Store, Store)) {
	t.Run("author windows in event time, out of order", func(t *testing.T) {
		s := newStore(t)
		got := observe(t, s, one(
			post("a1", "alice", 0),
			post("b1", "bob", 10*time.Minute),
			post("a2", "alice", 30*time.Minute),
			post("a3", "alice", 2*time.Hour),
			post("a4", "alice", 70*time.Minute), // out of order: before a3
			post("a5", "alice", 3*time.Hour),    // exactly 1 h after a3: a3 is out of its hour
			post("a6", "alice", 4*time.Hour),
		)...)
		want := []authorCounts{{1, 1}, {1, 1}, {2, 2}, {1, 3}, {2, 3}, {1, 5}, {1, 6}}
		for i, w := range want {
			if g := authorOf(got[i]); g != w {
				t.Errorf("post %d: (1h, 24h) = %v, want %v", i, g, w)
			}
		}
	})

	t.Run("late post within lateness counts in its own window", func(t *testing.T) {
		s := newStore(t)
		got := observe(t, s, one(
			post("a1", "alice", 0),
			post("a2", "alice", 24*time.Hour+5*time.Minute),  // newest: a1 is out of its window
			post("a3", "alice", 23*time.Hour+59*time.Minute), // 6 min late: a1 is in its window
		)...)
		want := []authorCounts{{1, 1}, {1, 1}, {1, 2}}
		for i, w := range want {
			if g := authorOf(got[i]); g != w {
				t.Errorf("post %d: (1h, 24h) = %v, want %v", i, g, w)
			}
		}
	})

	t.Run("post older than the retention counts against what remains", func(t *testing.T) {
		s := newStore(t)
		got := observe(t, s, one(
			post("a1", "alice", 0),
			post("a2", "alice", 25*time.Hour),
			// Late by 24h50m, past the 10 min lateness: a1 has been
			// forgotten though it lies in this post's window.
			post("a3", "alice", 10*time.Minute),
		)...)
		if g := authorOf(got[2]); g != (authorCounts{1, 1}) {
			t.Errorf("(1h, 24h) = %v, want {1 1}", g)
		}
	})

	t.Run("one shared band does not join a cluster, two or the exact key do", func(t *testing.T) {
		s := newStore(t)
		exactOnly := text("e1", "erin", 4*time.Minute, 7)
		exactOnly.Bands = []uint64{91, 92, 93, 94} // other bands, the same exact key
		got := observe(t, s, one(
			text("t1", "tom", 0, 7),
			grazing("g1", "gus", time.Minute, 7), // one band: a cluster of its own
			grazing("g2", "gil", 2*time.Minute, 7),
			near("n1", "nan", 3*time.Minute, 7), // two bands: joins t1
			exactOnly,                           // the exact key: joins t1
		)...)
		t1 := got[0].Cluster
		for i, want := range []bool{true, false, false, true, true} {
			if (got[i].Cluster == t1) != want {
				t.Errorf("post %d: cluster %q, t1's %q: joined = %v, want %v", i, got[i].Cluster, t1, !want, want)
			}
		}
		if c := clusterOf(got[4]); c.copies != 3 || c.authors != 3 {
			t.Errorf("exact copy: %+v, want 3 copies by 3 authors", c)
		}
		if got[1].Cluster == got[2].Cluster {
			t.Errorf("g1 and g2 share only one band with each other too (%q), yet joined", got[1].Cluster)
		}
	})

	t.Run("copies by one author", func(t *testing.T) {
		s := newStore(t)
		got := observe(t, s, one(
			text("a1", "alice", 0, 1),
			text("a2", "alice", time.Minute, 1),
			text("b1", "bob", 90*time.Second, 2),
			text("a3", "alice", 2*time.Minute, 1),
			text("a4", "alice", 3*time.Minute, 2),
			post("a5", "alice", 4*time.Minute),
		)...)
		want := []clusterCounts{{1, 1, 1}, {2, 2, 1}, {1, 1, 1}, {3, 3, 1}, {1, 2, 2}, {0, 0, 0}}
		for i, w := range want {
			if g := clusterOf(got[i]); g != w {
				t.Errorf("post %d: (author copies, copies, authors) = %v, want %v", i, g, w)
			}
		}
		c1, c2 := clusterName(PostIDHash("a1")), clusterName(PostIDHash("b1"))
		for i, w := range []string{c1, c1, c2, c1, c2, ""} {
			if got[i].Cluster != w {
				t.Errorf("post %d: cluster %q, want %q", i, got[i].Cluster, w)
			}
		}
		if got[3].AuthorPosts24h != 3 || got[5].AuthorPosts24h != 5 {
			t.Errorf("author posts %d and %d, want 3 and 5: copies and other posts all count", got[3].AuthorPosts24h, got[5].AuthorPosts24h)
		}
	})

	t.Run("near copies across authors count distinct authors", func(t *testing.T) {
		s := newStore(t)
		posts := []Observation{text("x0", "agent0", 0, 7)}
		for i := 1; i <= 5; i++ {
			posts = append(posts, near(fmt.Sprintf("x%d", i), fmt.Sprintf("agent%d", i), time.Duration(i)*time.Minute, 7))
		}
		posts = append(posts,
			near("x6", "agent2", 6*time.Minute, 7), // agent2 again
			text("x7", "agent8", 7*time.Minute, 8), // another text
		)
		// Same exact fingerprint, no band in common: still a copy.
		exact := text("x8", "agent9", 8*time.Minute, 9)
		exact.Exact = 7
		posts = append(posts, exact)
		got := observe(t, s, posts)
		want := []clusterCounts{{1, 1, 1}, {1, 2, 2}, {1, 3, 3}, {1, 4, 4}, {1, 5, 5}, {1, 6, 6}, {2, 7, 6}, {1, 1, 1}, {1, 8, 7}}
		for i, w := range want {
			if g := clusterOf(got[i]); g != w {
				t.Errorf("post %d: (author copies, copies, authors) = %v, want %v", i, g, w)
			}
		}
		for _, i := range []int{1, 2, 3, 4, 5, 6, 8} {
			if got[i].Cluster != got[0].Cluster {
				t.Errorf("post %d: cluster %q, want %q", i, got[i].Cluster, got[0].Cluster)
			}
		}
		if got[7].Cluster == got[0].Cluster {
			t.Error("another text joined the cluster")
		}
	})

	t.Run("late post counts the distinct authors of its own window", func(t *testing.T) {
		s := newStore(t)
		got := observe(t, s, one(
			text("p1", "alice", 0, 3),
			text("p2", "bob", 5*time.Minute, 3),
			text("p3", "alice", 10*time.Minute, 3),
			text("p4", "carol", 3*time.Minute, 3), // late: sees alice's p1 only
			text("p5", "dave", 11*time.Minute, 3),
		)...)
		want := []clusterCounts{{1, 1, 1}, {1, 2, 2}, {2, 3, 2}, {1, 2, 2}, {1, 5, 4}}
		for i, w := range want {
			if g := clusterOf(got[i]); g != w {
				t.Errorf("post %d: (author copies, copies, authors) = %v, want %v", i, g, w)
			}
		}
	})

	t.Run("cluster first seen", func(t *testing.T) {
		s := newStore(t)
		got := observe(t, s, one(
			text("p1", "alice", 10*time.Minute, 4),
			near("p2", "bob", 20*time.Minute, 4),
			text("p3", "carol", 5*time.Minute, 4), // late, earlier than p1
			text("p4", "dave", 30*time.Minute, 4),
			text("p5", "erin", 20*time.Hour, 4),
			// p1..p4 are out of this window, and forgotten; p5 links it to
			// the cluster, which keeps its first-seen time.
			text("p6", "frank", 30*time.Hour, 4),
		)...)
		want := []time.Duration{10 * time.Minute, 10 * time.Minute, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute}
		for i, w := range want {
			if g := got[i].ClusterFirstSeen; !g.Equal(t0.Add(w)) {
				t.Errorf("post %d: first seen %v, want %v", i, g, t0.Add(w))
			}
			if got[i].Cluster != got[0].Cluster {
				t.Errorf("post %d: cluster %q, want %q", i, got[i].Cluster, got[0].Cluster)
			}
		}
		if g := clusterOf(got[5]); g != (clusterCounts{1, 2, 2}) {
			t.Errorf("p6: (author copies, copies, authors) = %v, want {1 2 2}", g)
		}
	})

	t.Run("window expiry", func(t *testing.T) {
		s := newStore(t)
		got := observe(t, s, one(
			text("p1", "alice", 0, 5),
			text("p2", "alice", time.Hour, 5),
			text("p3", "bob", 2*time.Hour, 5),
			text("p4", "alice", 26*time.Hour+time.Second, 5), // the keys' last post, p3, is 24h1s old
		)...)
		c := got[3]
		if authorOf(c) != (authorCounts{1, 1}) || clusterOf(c) != (clusterCounts{1, 1, 1}) {
			t.Errorf("25 h later: %+v, want every count 1", c)
		}
		if c.Cluster != clusterName(PostIDHash("p4")) || !c.ClusterFirstSeen.Equal(t0.Add(26*time.Hour+time.Second)) {
			t.Errorf("25 h later: cluster %q first seen %v, want a new cluster named after p4", c.Cluster, c.ClusterFirstSeen)
		}
		// A key whose last post is inside the window still links.
		got = observe(t, s, one(text("p5", "carol", 27*time.Hour, 5))...)
		if got[0].Cluster != c.Cluster || got[0].ClusterCopies24h != 2 {
			t.Errorf("p5: cluster %q copies %d, want %q and 2", got[0].Cluster, got[0].ClusterCopies24h, c.Cluster)
		}
	})

	t.Run("trivial posts are never clustered", func(t *testing.T) {
		s := newStore(t)
		var posts []Observation
		for i := range 4 {
			p := post(fmt.Sprintf("t%d", i), fmt.Sprintf("user%d", i%2), time.Duration(i)*time.Minute)
			p.Exact = 42 // the same text: an emoji, "ok"
			posts = append(posts, p)
		}
		notTrivial := text("t4", "user0", 5*time.Minute, 0)
		notTrivial.Exact = 42
		posts = append(posts, notTrivial)
		got := observe(t, s, posts)
		for i, c := range got[:4] {
			if c.Cluster != "" || clusterOf(c) != (clusterCounts{}) || !c.ClusterFirstSeen.IsZero() {
				t.Errorf("trivial post %d: %+v, want no cluster", i, c)
			}
		}
		if got[3].AuthorPosts24h != 2 {
			t.Errorf("trivial posts count for their author: got %d, want 2", got[3].AuthorPosts24h)
		}
		if clusterOf(got[4]) != (clusterCounts{1, 1, 1}) || got[4].AuthorPosts24h != 3 {
			t.Errorf("a text with the trivial posts' exact fingerprint: %+v, want a cluster of its own", got[4])
		}
	})

	t.Run("replay: the same batch twice", func(t *testing.T) {
		s := newStore(t)
		batch := []Observation{text("p1", "alice", 0, 6), text("p2", "bob", time.Minute, 6), post("p3", "alice", 2*time.Minute)}
		first := observe(t, s, batch)
		again := observe(t, s, batch)
		for i := range batch {
			if first[i].Replay || !again[i].Replay {
				t.Errorf("post %d: replay %v then %v, want false then true", i, first[i].Replay, again[i].Replay)
			}
			again[i].Replay = false
			if !reflect.DeepEqual(first[i], again[i]) {
				t.Errorf("post %d replayed: %+v, want the first counts %+v", i, again[i], first[i])
			}
		}
		next := observe(t, s, []Observation{text("p4", "alice", 3*time.Minute, 6)})[0]
		if next.AuthorPosts24h != 3 || next.ClusterCopies24h != 3 || next.ClusterAuthors24h != 2 {
			t.Errorf("after the replay: %+v, want 3 author posts, 3 copies, 2 authors", next)
		}
	})

	t.Run("replay: the same post in two batches and twice in one", func(t *testing.T) {
		s := newStore(t)
		a := text("p1", "alice", 0, 6)
		got := observe(t, s,
			[]Observation{a},
			[]Observation{text("p2", "bob", time.Minute, 6), a, text("p3", "carol", 2*time.Minute, 6), text("p3", "carol", 2*time.Minute, 6)})
		if !got[2].Replay || !got[4].Replay || got[1].Replay || got[3].Replay {
			t.Errorf("replay flags %v %v %v %v %v, want false false true false true", got[0].Replay, got[1].Replay, got[2].Replay, got[3].Replay, got[4].Replay)
		}
		got[2].Replay, got[4].Replay = false, false
		if got[2] != got[0] || got[4] != got[3] {
			t.Errorf("replays %+v %+v, want %+v %+v", got[2], got[4], got[0], got[3])
		}
		if got[3].ClusterCopies24h != 3 {
			t.Errorf("copies %d, want 3", got[3].ClusterCopies24h)
		}
	})

	t.Run("replay: concurrent observers count each post once", func(t *testing.T) {
		s1 := newStore(t)
		s2 := s1
		if newPeers != nil {
			s1, s2 = newPeers(t)
		}
		var batch []Observation
		for i := range 200 {
			batch = append(batch, text(fmt.Sprintf("p%d", i), fmt.Sprintf("agent%d", i%20), time.Duration(i)*time.Second, 11))
		}
		results := make([][]Counts, 4)
		var wg sync.WaitGroup
		for g := range results {
			wg.Go(func() {
				s := s1
				if g%2 == 1 {
					s = s2
				}
				c, err := s.Observe(context.Background(), batch)
				if err != nil {
					t.Errorf("Observe: %v", err)
				}
				results[g] = c
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		for i := range batch {
			fresh := 0
			for _, r := range results {
				if !r[i].Replay {
					fresh++
				}
				r[i].Replay = false
				if r[i] != results[0][i] {
					t.Fatalf("post %d: observers got %+v and %+v", i, r[i], results[0][i])
				}
			}
			if fresh != 1 {
				t.Fatalf("post %d counted %d times, want once", i, fresh)
			}
		}
		last := observe(t, s1, []Observation{text("probe", "agent0", 200*time.Second, 11)})[0]
		if last.ClusterCopies24h != 201 || last.ClusterAuthors24h != 20 || last.AuthorPosts24h != 11 {
			t.Errorf("probe: %+v, want 201 copies by 20 authors, 11 posts by agent0", last)
		}
	})

	t.Run("instances share what they see", func(t *testing.T) {
		if newPeers == nil {
			t.Skip("this store is one instance")
		}
		s1, s2 := newPeers(t)
		a := observe(t, s1, []Observation{text("p1", "alice", 0, 12), post("p2", "alice", time.Minute)})
		b := observe(t, s2, []Observation{near("p3", "bob", 2*time.Minute, 12), post("p4", "alice", 3*time.Minute), text("p1", "alice", 0, 12)})
		if b[0].Cluster != a[0].Cluster || clusterOf(b[0]) != (clusterCounts{1, 2, 2}) {
			t.Errorf("the second instance: %+v, want a copy in the first one's cluster %q with 2 copies by 2 authors", b[0], a[0].Cluster)
		}
		if b[1].AuthorPosts1h != 3 {
			t.Errorf("the second instance counts %d of alice's posts, want 3", b[1].AuthorPosts1h)
		}
		if !b[2].Replay {
			t.Error("a post counted by the first instance is not a replay on the second")
		}
	})

	t.Run("batching does not change the counts", func(t *testing.T) {
		posts := randomPosts(rand.New(rand.NewPCG(1, 2)), 600)
		whole := observe(t, newStore(t), posts)
		single := observe(t, newStore(t), one(posts...)...)
		for i := range posts {
			if whole[i] != single[i] {
				t.Fatalf("post %d: %+v in one batch, %+v alone", i, whole[i], single[i])
			}
		}
	})

	t.Run("rejects posts without an id or author", func(t *testing.T) {
		s := newStore(t)
		for _, o := range []Observation{post("", "alice", 0), post("p1", "", 0)} {
			if _, err := s.Observe(context.Background(), []Observation{o}); err == nil {
				t.Errorf("%+v: no error", o)
			}
		}
	})
}

// randomPosts is a stream like the worker's: many authors, a few brushers
// repeating texts, agent networks sharing near-copies, events up to 8 min
// late, a few replays of recent posts (as a consumer restarted from its
// last commit sees them), over two days.
func randomPosts(r *rand.Rand, n int) []Observation {
	var posts []Observation
	step := 48 * time.Hour / time.Duration(n)
	for i := range n {
		at := time.Duration(i)*step - time.Duration(r.IntN(8*60))*time.Second
		author := fmt.Sprintf("u%d", r.IntN(n/4))
		id := fmt.Sprintf("post-%d", i)
		var o Observation
		switch k := r.IntN(10); {
		case k < 3:
			o = post(id, author, at)
		case k < 5:
			o = text(id, author, at, uint64(1000+i))
		case k < 7:
			o = text(id, fmt.Sprintf("brusher%d", r.IntN(3)), at, uint64(r.IntN(3)))
		default:
			o = near(id, author, at, uint64(10+r.IntN(4)))
		}
		posts = append(posts, o)
		if r.IntN(20) == 0 {
			posts = append(posts, posts[len(posts)-1-r.IntN(min(len(posts), 50))])
		}
	}
	return posts
}
