package repetition

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchBands is the band count the benchmarks and the footprint assume per
// post (the fingerprint package's choice may differ: every band is a key).
const benchBands = 16

// stream makes a day of realistic traffic: posts spread evenly over the day,
// authors in turn; 65% unique texts, 20% copies and near-copies of 2,000
// ads (brushers and agent networks), 15% trivial texts. Event times are up
// to 5 minutes out of order.
type stream struct {
	r       *rand.Rand
	authors int
	step    time.Duration
	n       int
	ids     []string
	ads     int // distinct ads the copies are drawn from
}

func newStream(authors, postsPerDay int) *stream {
	ids := make([]string, authors)
	for i := range ids {
		ids[i] = "wx_" + strconv.Itoa(1_000_000_000+i*7919)
	}
	return &stream{r: rand.New(rand.NewPCG(7, 8)), authors: authors, step: 24 * time.Hour / time.Duration(postsPerDay), ids: ids, ads: 2000}
}

// fill overwrites batch with the next posts, reusing its Bands.
func (s *stream) fill(batch []Observation) {
	for i := range batch {
		o := &batch[i]
		n := s.n
		s.n++
		o.PostID = "1" + strconv.Itoa(900_000_000_000+n)
		o.AuthorID = s.ids[n%s.authors]
		o.At = t0.Add(time.Duration(n)*s.step - time.Duration(s.r.IntN(300))*time.Second)
		o.Bands = o.Bands[:0]
		switch k := s.r.IntN(100); {
		case k < 15: // trivial
			o.Exact = s.r.Uint64()
		case k < 80: // unique
			o.Exact = s.r.Uint64()
			for range benchBands {
				o.Bands = append(o.Bands, s.r.Uint64())
			}
		default: // an ad: exact copy, or a near copy sharing half the bands
			ad := uint64(s.r.IntN(s.ads))
			o.Exact = ad
			exact := k < 90
			for b := range uint64(benchBands) {
				if exact || b%2 == 0 {
					o.Bands = append(o.Bands, ad<<8|b)
				} else {
					o.Bands = append(o.Bands, s.r.Uint64())
				}
			}
			if !exact {
				o.Exact = s.r.Uint64()
			}
		}
	}
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// rss returns the process's resident set in bytes (0 where /proc is not).
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// footprint fills a store sized for posts with posts by authors and returns
// the live heap it holds and how much the resident set grew meanwhile.
func footprint(t *testing.T, authors, posts, ads int) (heap, rssGrowth uint64, clusters int) {
	before := heapAlloc()
	rss0 := rss()
	m, err := NewMemory(MemoryConfig{MaxPosts: posts, MaxAuthors: authors, MaxKeys: (benchBands + 1) * posts})
	if err != nil {
		t.Fatal(err)
	}
	s := newStream(authors, posts)
	s.ads = ads
	batch := make([]Observation, 1000)
	for range posts / len(batch) {
		s.fill(batch)
		if _, err := m.Observe(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
	p, a, c := m.Len()
	if p != posts || a != authors {
		t.Fatalf("store holds %d posts by %d authors, want %d by %d", p, a, posts, authors)
	}
	rssGrowth = rss() - rss0
	used := heapAlloc() - before + m.keys.offHeap + m.posts.offHeap // the key tables may live outside the heap
	runtime.KeepAlive(m)
	return used, rssGrowth, c
}

// TestMemoryFootprint measures the bytes the memory store holds per author
// and per post (doc.go quotes it): a day of 500k posts by 100k authors, then
// by 200k authors; the difference is the authors' share.
func TestMemoryFootprint(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("fills a store with 1M posts; not under -short or -race")
	}
	posts, authors := 500_000, 100_000
	// CIRCLEGUARD_FOOTPRINT_SCALE=10 measures 1M authors and 5M posts for real.
	if k, err := strconv.Atoi(os.Getenv("CIRCLEGUARD_FOOTPRINT_SCALE")); err == nil && k > 0 {
		posts, authors = posts*k, authors*k
	}
	small, rssGrowth, clusters := footprint(t, authors, posts, 2000)
	large, _, _ := footprint(t, 2*authors, posts, 2000)
	// The same copies spread over ten times as many ads: more clusters,
	// each with fewer copies.
	spread, _, moreClusters := footprint(t, authors, posts, 20_000)
	perAuthor := float64(large-small) / float64(authors)
	perPost := (float64(small) - perAuthor*float64(authors)) / float64(posts)
	perCluster := (float64(spread) - float64(small)) / float64(moreClusters-clusters)
	total := perAuthor*1e6 + perPost*5e6
	line := fmt.Sprintf("memory store, %d bands/post: %.0f B/author, %.0f B/post, %.0f B/cluster (%d vs %d clusters); %d authors/%d posts: %.0f MiB live heap (RSS grew %.0f MiB); extrapolated to 1M authors/5M posts: %.2f GiB live heap",
		benchBands, perAuthor, perPost, perCluster, moreClusters, clusters, authors, posts, float64(small)/(1<<20), float64(rssGrowth)/(1<<20), total/(1<<30))
	t.Log(line)
	if path := os.Getenv("CIRCLEGUARD_TEST_REPORT"); path != "" {
		if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintf(f, "%s: %s\n", t.Name(), line)
			f.Close()
		}
	}
	if total > 1.5*(1<<30) {
		t.Errorf("1M authors and 5M posts would take %.2f GiB, over the 1.5 GiB budget", total/(1<<30))
	}
}

// benchObserve counts b.N posts of the stream in batches of 1000.
func benchObserve(b *testing.B, s Store, authors, postsPerDay int) {
	st := newStream(authors, postsPerDay)
	batch := make([]Observation, 1000)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += len(batch) {
		b.StopTimer()
		st.fill(batch[:min(len(batch), b.N-done)])
		b.StartTimer()
		if _, err := s.Observe(ctx, batch[:min(len(batch), b.N-done)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkMemoryObserve: one op is one post, observed in batches of 1000,
// into a store sized for a day of 1M posts by 200k authors.
func BenchmarkMemoryObserve(b *testing.B) {
	m, err := NewMemory(MemoryConfig{MaxPosts: 1_000_000, MaxKeys: (benchBands + 1) * 1_000_000})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	benchObserve(b, m, 200_000, 1_000_000)
}
