package repetition

import (
	"context"
	"net"
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
