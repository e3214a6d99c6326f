package repetition

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
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
		want, err := m.Observe(context.Background(), posts[:n])
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Observe(context.Background(), posts[:n])
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("post %+v: redis %+v, memory %+v", posts[i], got[i], want[i])
			}
		}
		posts = posts[n:]
	}
}

// BenchmarkIntegrationRedisObserve: one op is one post, observed in batches
// of 1000 (four pipelined script calls), a day of 1M posts by 200k authors.
// It also reports the server's memory per post counted.
func BenchmarkIntegrationRedisObserve(b *testing.B) {
	addr := redisAddr(b)
	r := newTestRedis(b, addr, uniquePrefix(b, addr))
	before := redisUsedMemory(b, r)
	benchObserve(b, r, 200_000, 1_000_000)
	b.StopTimer()
	b.ReportMetric(float64(redisUsedMemory(b, r)-before)/float64(b.N), "redis-B/post")
}

func redisUsedMemory(b *testing.B, r *Redis) int64 {
	info, err := r.client.Info(context.Background(), "memory").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatal("INFO memory has no used_memory")
	return 0
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
