package repetition

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/circleguard/circleguard/internal/testenv"
)

// EnvRedis names the environment variable holding the address of the real
// redis-server that scripts/redis.sh starts.
const envRedis = "CIRCLEGUARD_TEST_REDIS"

// redisAddr returns the test server's address. Without it the test is
// skipped, except under CI=true, where it fails: CI must never pass by
// skipping.
func redisAddr(t testing.TB) string {
	t.Helper()
	return testenv.Addr(t, envRedis, "scripts/redis.sh start")
}

// uniquePrefix returns a key prefix no other test shares, and deletes its
// keys when the test ends.
func uniquePrefix(t testing.TB, addr string) string {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	prefix := "test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		c := redis.NewClient(&redis.Options{Addr: addr})
		defer c.Close()
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
			if len(keys) == 1000 {
				c.Unlink(ctx, keys...)
				keys = keys[:0]
			}
		}
		if len(keys) > 0 {
			c.Unlink(ctx, keys...)
		}
	})
	return prefix
}

func newTestRedis(t testing.TB, addr, prefix string) *Redis {
	t.Helper()
	r, err := NewRedis(context.Background(), RedisConfig{Addr: addr, KeyPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestIntegrationRedis(t *testing.T) {
	addr := redisAddr(t)
	runConformance(t, func(t *testing.T) Store {
		return newTestRedis(t, addr, uniquePrefix(t, addr))
	}, func(t *testing.T) (Store, Store) {
		prefix := uniquePrefix(t, addr)
		return newTestRedis(t, addr, prefix), newTestRedis(t, addr, prefix)
	})
}

// sameCounts observes batch in the memory store m and the Redis store r and
// fails at the first post whose counts differ.
func sameCounts(t *testing.T, m, r Store, batch []Observation) {
	t.Helper()
	want, err := m.Observe(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Observe(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("post %s: redis %+v, memory %+v", batch[i].PostID, got[i], want[i])
		}
	}
}

// TestIntegrationRedisMatchesMemory feeds one random stream, in batches of
// random sizes, to both stores and wants the same counts for every post.
func TestIntegrationRedisMatchesMemory(t *testing.T) {
	addr := redisAddr(t)
	r := newTestRedis(t, addr, uniquePrefix(t, addr))
	m, err := NewMemory(MemoryConfig{MaxPosts: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	rng := mrand.New(mrand.NewPCG(3, 4))
	posts := randomPosts(rng, 4000)
	for len(posts) > 0 {
		n := min(1+rng.IntN(300), len(posts))
		sameCounts(t, m, r, posts[:n])
		posts = posts[n:]
	}
}

// TestIntegrationRedisLargeChunks: chunks with more keys and posts than one
// Redis command takes from the script's stack at once (posts of MaxBands
// bands, chunks of 1000) count as the Memory store does.
func TestIntegrationRedisLargeChunks(t *testing.T) {
	addr := redisAddr(t)
	r, err := NewRedis(context.Background(), RedisConfig{Addr: addr, KeyPrefix: uniquePrefix(t, addr), ChunkSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m, err := NewMemory(MemoryConfig{MaxPosts: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	rng := mrand.New(mrand.NewPCG(5, 6))
	var posts []Observation
	for i := range 3000 {
		o := post(fmt.Sprintf("p%d", i), fmt.Sprintf("u%d", rng.IntN(300)), time.Duration(i)*time.Second)
		text := uint64(rng.IntN(40)) // copies of 40 texts
		if rng.IntN(3) == 0 {
			text = uint64(1000 + i) // a unique text
		}
		o.Exact = text
		for b := range uint64(MaxBands + 2) { // two more than the stores use
			if b%2 == 1 && rng.IntN(2) == 0 {
				o.Bands = append(o.Bands, rng.Uint64()) // a near copy
			} else {
				o.Bands = append(o.Bands, text<<8|b)
			}
		}
		posts = append(posts, o)
	}
	for len(posts) > 0 {
		n := min(1500, len(posts))
		sameCounts(t, m, r, posts[:n])
		posts = posts[n:]
	}
}

// BenchmarkIntegrationRedisObserve: one op is one post, observed in batches
// of 1000 (four pipelined script calls), a day of 1M posts by 200k authors.
// It also reports the server's memory and CPU time per post counted (the
// CPU time of the whole server: run it on a server of its own).
func BenchmarkIntegrationRedisObserve(b *testing.B) {
	addr := redisAddr(b)
	r := newTestRedis(b, addr, uniquePrefix(b, addr))
	mem, cpu := redisInfo(b, r, "memory", "used_memory"), redisCPU(b, r)
	benchObserve(b, r, 200_000, 1_000_000)
	b.StopTimer()
	b.ReportMetric((redisCPU(b, r)-cpu)*1e6/float64(b.N), "redis-cpu-µs/post")
	b.ReportMetric((redisInfo(b, r, "memory", "used_memory")-mem)/float64(b.N), "redis-B/post")
}

// redisCPU returns the server's CPU time so far in seconds.
func redisCPU(b *testing.B, r *Redis) float64 {
	return redisInfo(b, r, "cpu", "used_cpu_user") + redisInfo(b, r, "cpu", "used_cpu_sys")
}

// redisInfo returns a number of the server's INFO section.
func redisInfo(b *testing.B, r *Redis, section, field string) float64 {
	info, err := r.client.Info(context.Background(), section).Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatalf("INFO %s has no %s", section, field)
	return 0
}

// TestIntegrationRedisLayoutVersion: every key the store writes carries the
// layout's version, and keys of the first layout under the same KeyPrefix
// are not read.
func TestIntegrationRedisLayoutVersion(t *testing.T) {
	addr := redisAddr(t)
	prefix := uniquePrefix(t, addr)
	r := newTestRedis(t, addr, prefix)
	ctx := context.Background()
	// What the first layout kept for alice and for post p1.
	h := clusterName(PostIDHash("p1"))
	old := r.client.Pipeline()
	old.Set(ctx, prefix+"p:"+h, "1 1 1 1 1 1 1 "+h+" alice", time.Hour)
	old.ZAdd(ctx, prefix+"a:alice", redis.Z{Score: float64(t0.UnixMilli()), Member: "x"})
	old.Set(ctx, prefix+"wm", t0.Add(48*time.Hour).UnixMilli(), time.Hour)
	if _, err := old.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	got := observe(t, r, []Observation{text("p1", "alice", time.Minute, 1)})[0]
	if got.Replay || got.AuthorPosts24h != 1 || got.ClusterCopies24h != 1 {
		t.Errorf("%+v, want a first post that no key of the first layout changed", got)
	}
	keys, err := r.client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var v2 int
	for _, k := range keys {
		if strings.HasPrefix(k, prefix+layoutVersion) {
			v2++
		} else if !slices.Contains([]string{prefix + "p:" + h, prefix + "a:alice", prefix + "wm"}, k) {
			t.Errorf("key %q has no layout version", k)
		}
	}
	if v2 == 0 {
		t.Error("no key of the current layout written")
	}
}

// TestIntegrationRedisScriptFlushed: a server that lost its scripts (a
// restart, SCRIPT FLUSH) gets the script again and the batch counts once.
func TestIntegrationRedisScriptFlushed(t *testing.T) {
	addr := redisAddr(t)
	r := newTestRedis(t, addr, uniquePrefix(t, addr))
	observe(t, r, []Observation{text("p1", "alice", 0, 1)})
	if err := r.client.ScriptFlush(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	var batch []Observation
	for i := range 600 { // three chunks
		batch = append(batch, text(fmt.Sprintf("q%d", i), "bob", time.Duration(i)*time.Second, 1))
	}
	got := observe(t, r, batch)
	if last := got[len(got)-1]; last.Replay || last.ClusterCopies24h != 601 || last.AuthorPosts24h != 600 {
		t.Errorf("after SCRIPT FLUSH: %+v, want 601 copies, 600 posts by bob", last)
	}
}
