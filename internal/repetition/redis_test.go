package repetition

import (
	"context"
	"encoding/binary"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRedisConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  RedisConfig
		want string
	}{
		{RedisConfig{}, ""},
		{RedisConfig{Addr: "redis.internal:6379", TLS: true, KeyPrefix: "cg:"}, ""},
		{RedisConfig{Addr: "no-port"}, "addr"},
		{RedisConfig{KeyTTL: time.Hour}, "must exceed"},
		{RedisConfig{Window: time.Minute}, "shorter than"},
		{RedisConfig{ChunkSize: -1}, "ChunkSize"},
		{RedisConfig{DB: -1}, "DB"},
	} {
		err := tc.cfg.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

// TestNewRedisUnreachable: a server that does not answer is a clear error
// from NewRedis, not a hang and not a failure at the first batch.
func TestNewRedisUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	start := time.Now()
	_, err = NewRedis(context.Background(), RedisConfig{Addr: addr, DialTimeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "does not answer") || !strings.Contains(err.Error(), addr) {
		t.Errorf("NewRedis(%s): %v, want an error saying the server there does not answer", addr, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("NewRedis took %v to fail", d)
	}
}

// TestRedisArgs: a chunk's keys go once each, and each post names its keys
// by their places among them, in its own order (observe.lua's ARGV).
func TestRedisArgs(t *testing.T) {
	r := &Redis{cfg: RedisConfig{}.withDefaults(), prefix: "p:" + layoutVersion}
	r.w, _ = newWindows(0, 0)
	batch := []Observation{
		{PostID: "a", AuthorID: "x", At: t0, Exact: 1, Bands: []uint64{10, 11}},
		post("b", "y", time.Minute), // trivial: no keys
		{PostID: "c", AuthorID: "x", At: t0.Add(time.Hour), Exact: 1, Bands: []uint64{11, 12}},
	}
	var e argEncoder
	e.init(batch)
	args := r.args(&e, batch, 0, len(batch))
	str := func(v any) string {
		switch x := v.(type) {
		case string:
			return x
		case *string:
			return *x
		case *bin8:
			return string(x[:])
		case []byte:
			return string(x)
		}
		t.Fatalf("argument of type %T", v)
		return ""
	}
	if n := 9 + postValues*len(batch) + 4; len(args) != n {
		t.Fatalf("%d arguments, want %d (4 distinct keys)", len(args), n)
	}
	if str(args[0]) != "p:v2:" {
		t.Errorf("prefix %q", str(args[0]))
	}
	var places []uint32
	for ix := []byte(str(args[8])); len(ix) > 0; ix = ix[4:] {
		places = append(places, binary.BigEndian.Uint32(ix))
	}
	if want := []uint32{1, 2, 3, 1, 3, 4}; !slices.Equal(places, want) {
		t.Errorf("key places %v, want %v", places, want)
	}
	keys := args[9+postValues*len(batch):]
	for i, want := range []uint64{exactKey(1), 10, 11, 12} {
		if got := binary.BigEndian.Uint64([]byte(str(keys[i]))); got != want {
			t.Errorf("key %d: %x, want %x", i+1, got, want)
		}
	}
	for i, want := range []struct{ at, k string }{{"1772366400000", "3"}, {"1772366460000", "0"}, {"1772370000000", "3"}} {
		v := args[9+postValues*i:]
		if str(v[1]) != want.at || str(v[2]) != batch[i].AuthorID || str(v[3]) != want.k {
			t.Errorf("post %d: time %q author %q keys %q, want %s %s %s", i, str(v[1]), str(v[2]), str(v[3]), want.at, batch[i].AuthorID, want.k)
		}
		if h := binary.BigEndian.Uint64([]byte(str(v[0]))); h != PostIDHash(batch[i].PostID) {
			t.Errorf("post %d: hash %x", i, h)
		}
	}
}

func TestDecodeCounts(t *testing.T) {
	cid := string([]byte{0, 0, 0, 0, 0, 0, 0x12, 0x34})
	out := make([]Counts, 2)
	err := decodeCounts([]any{int64(1), int64(2), int64(3), int64(1), cid, int64(5), int64(4), int64(1772366400000),
		int64(0), int64(1), int64(1), int64(0), "", int64(0), int64(0), int64(0)}, out)
	if err != nil {
		t.Fatal(err)
	}
	want := []Counts{
		{Replay: true, AuthorPosts1h: 2, AuthorPosts24h: 3, AuthorCopies24h: 1, Cluster: "0000000000001234", ClusterCopies24h: 5, ClusterAuthors24h: 4, ClusterFirstSeen: t0},
		{AuthorPosts1h: 1, AuthorPosts24h: 1},
	}
	if !slices.Equal(out, want) {
		t.Errorf("decoded %+v, want %+v", out, want)
	}
	for _, bad := range [][]any{
		{int64(0)},
		{int64(0), int64(1), int64(1), int64(0), "short", int64(0), int64(0), int64(0)},
		{int64(0), "1", int64(1), int64(0), "", int64(0), int64(0), int64(0)},
	} {
		if err := decodeCounts(bad, make([]Counts, 1)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
