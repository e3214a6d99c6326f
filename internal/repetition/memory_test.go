package repetition

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestMemory(t *testing.T) {
	runConformance(t, func(t *testing.T) Store {
		m, err := NewMemory(MemoryConfig{MaxPosts: 10_000})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}, nil)
}

func TestMemoryLimits(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  MemoryConfig
	}{
		{"posts", MemoryConfig{MaxPosts: 100}},
		{"authors", MemoryConfig{MaxPosts: 1000, MaxAuthors: 10}},
		{"clusters", MemoryConfig{MaxPosts: 1000, MaxClusters: 5}},
		{"keys", MemoryConfig{MaxPosts: 1000, MaxKeys: 64}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMemory(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			posts := randomPosts(rand.New(rand.NewPCG(5, 6)), 2000)
			got := observe(t, m, posts)
			p, a, c := m.Len()
			cfg := m.cfg
			if p > cfg.MaxPosts || a > cfg.MaxAuthors || c > cfg.MaxClusters {
				t.Errorf("holds %d posts, %d authors, %d clusters; limits %d, %d, %d", p, a, c, cfg.MaxPosts, cfg.MaxAuthors, cfg.MaxClusters)
			}
			if p == 0 {
				t.Error("holds nothing")
			}
			// The newest post is always remembered: its replay is known.
			last := posts[len(posts)-1]
			again := observe(t, m, []Observation{last})[0]
			if !again.Replay {
				t.Error("the newest post is not a replay")
			}
			again.Replay = got[len(got)-1].Replay
			if again != got[len(got)-1] {
				t.Errorf("replay %+v, want %+v", again, got[len(got)-1])
			}
		})
	}
}

func TestMemoryForgetsOldestFirst(t *testing.T) {
	m, err := NewMemory(MemoryConfig{MaxPosts: 3})
	if err != nil {
		t.Fatal(err)
	}
	observe(t, m, []Observation{text("p1", "alice", 0, 1), text("p2", "bob", time.Minute, 1), text("p3", "bob", 2*time.Minute, 1), post("p4", "carol", 3*time.Minute)})
	if p, a, c := m.Len(); p != 3 || a != 2 || c != 1 {
		t.Errorf("holds %d posts, %d authors, %d clusters; want 3, 2 (bob, carol), 1", p, a, c)
	}
	got := observe(t, m, []Observation{text("p5", "dave", 4*time.Minute, 1), text("p1", "alice", 0, 1)})
	if got[0].ClusterCopies24h != 2 || got[0].Cluster != clusterName(PostIDHash("p1")) {
		t.Errorf("p5: %+v, want the cluster p1 started, with p3 and p5 in it", got[0])
	}
	if got[1].Replay {
		t.Error("p1, forgotten, is still known as counted")
	}
}

func TestMemoryConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  MemoryConfig
		want string
	}{
		{MemoryConfig{}, ""},
		{MemoryConfig{Window: 30 * time.Minute}, "shorter than"},
		{MemoryConfig{Lateness: -time.Minute}, "negative"},
		{MemoryConfig{Window: 24*time.Hour + time.Microsecond}, "whole milliseconds"},
		{MemoryConfig{MaxPosts: -1}, "MaxPosts"},
		{MemoryConfig{MaxAuthors: -1}, "MaxAuthors"},
		{MemoryConfig{MaxKeys: -5}, "MaxKeys"},
		{MemoryConfig{MaxPosts: 1 << 31}, "at most"},
	} {
		err := tc.cfg.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func TestMemoryClosed(t *testing.T) {
	m, err := NewMemory(MemoryConfig{MaxPosts: 10})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	if _, err := m.Observe(context.Background(), []Observation{post("p1", "alice", 0)}); !errors.Is(err, ErrClosed) {
		t.Errorf("Observe after Close: %v, want ErrClosed", err)
	}
}

func TestKeyTable(t *testing.T) {
	kt := newKeyTable(64) // 8 buckets of 8
	for i := range uint64(64) {
		kt.put(i*0x9e3779b97f4a7c15, refOf(i+1), refOf(i+1))
	}
	found := 0
	for i := range uint64(64) {
		if kt.get(i*0x9e3779b97f4a7c15) == refOf(i+1) {
			found++
		}
	}
	if found < 56 {
		t.Errorf("a full table of 64 slots finds %d of 64 keys", found)
	}
	// A hundred more keys: the oldest are forgotten, the newest kept.
	for i := uint64(64); i < 164; i++ {
		kt.put(i*0x9e3779b97f4a7c15, refOf(i+1), refOf(i+1))
	}
	for i := uint64(156); i < 164; i++ {
		if got := kt.get(i * 0x9e3779b97f4a7c15); got != refOf(i+1) {
			t.Errorf("key %d: ref %x, want %x", i, got, refOf(i+1))
		}
	}
	if got := kt.get(0); got != 0 {
		t.Errorf("the oldest key is still there (ref %x)", got)
	}
	var keys []uint64
	for i := uint64(150); i < 170; i++ {
		keys = append(keys, i*0x9e3779b97f4a7c15)
	}
	refs := make([]uint32, len(keys))
	kt.getMany(keys, refs)
	for i, k := range keys {
		if refs[i] != kt.get(k) {
			t.Errorf("getMany: key %d: ref %x, get says %x", i, refs[i], kt.get(k))
		}
	}
	kt.put(5, refOf(500), refOf(500))
	kt.put(5, refOf(501), refOf(501))
	if got := kt.get(5); got != refOf(501) {
		t.Errorf("an updated key: ref %x, want %x", got, refOf(501))
	}
}

// TestClusterDistinct checks a cluster's distinct authors in a post's
// window against a count of its posts, for posts arriving up to 10 min
// late among a few authors, as partitions drained at different speeds
// deliver them.
func TestClusterDistinct(t *testing.T) {
	const window = int64(24 * time.Hour / time.Second)
	r := rand.New(rand.NewPCG(3, 4))
	var delta authorDelta
	for round := range 20 {
		c := &cluster{first: math.MaxInt64, inHead: map[uint32]uint32{}}
		authors := 1 + r.IntN(40)
		now := int64(0)
		for i := range 2000 {
			now += int64(r.IntN(120))
			at := now - int64(r.IntN(600))
			a := uint32(r.IntN(authors) * 7) // sparse author indices
			c.add(at, a, window)
			want := map[uint32]bool{}
			for _, p := range c.posts {
				if p.at > at-window && p.at <= at {
					want[p.author] = true
				}
			}
			if got := c.distinct(at, window, &delta); got != len(want) {
				t.Fatalf("round %d, post %d at %d (end %d): %d distinct authors, want %d", round, i, at, c.end, got, len(want))
			}
		}
	}
}
