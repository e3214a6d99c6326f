//go:build linux

package bench

import (
	"context"
	"io"
	"time"

	"github.com/redis/go-redis/v9"
)

// deleteRedisKeys deletes the keys under prefix (a measurement's
// repetition state), best effort: a failure is only reported on progress.
func deleteRedisKeys(addr, prefix string, progress io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rc := redis.NewClient(&redis.Options{Addr: addr})
	defer rc.Close()
	var keys []string
	n := 0
	flush := func() error {
		if len(keys) == 0 {
			return nil
		}
		err := rc.Unlink(ctx, keys...).Err()
		n += len(keys)
		keys = keys[:0]
		return err
	}
	it := rc.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for it.Next(ctx) {
		keys = append(keys, it.Val())
		if len(keys) == 1000 {
			if err := flush(); err != nil {
				logf(progress, "redis %s: delete keys %s*: %v", addr, prefix, err)
				return
			}
		}
	}
	if err := it.Err(); err != nil {
		logf(progress, "redis %s: scan keys %s*: %v", addr, prefix, err)
		return
	}
	if err := flush(); err != nil {
		logf(progress, "redis %s: delete keys %s*: %v", addr, prefix, err)
	}
}
