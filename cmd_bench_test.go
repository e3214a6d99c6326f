//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/circleguard/circleguard/internal/bench"
	"github.com/circleguard/circleguard/internal/kafkatest"
	"github.com/circleguard/circleguard/internal/testenv"
)

// TestBenchQuick runs the whole bench on the embedded broker with a small
// backlog, children and all, and checks the report's invariants (no
// timing).
func TestBenchQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it as children")
	}
	cfg := bench.Config{Exe: binary(t), Embedded: true, Posts: 3000, LatencyDuration: 2 * time.Second, Scan: true}
	rep := runBench(t, cfg)
	checkReport(t, rep, cfg, []int{1})
	if rep.Scan == nil || rep.Scan.Posts != cfg.Posts {
		t.Errorf("scan = %+v, want %d posts", rep.Scan, cfg.Posts)
	}
	if len(rep.Notes) == 0 || !strings.Contains(strings.Join(rep.Notes, "\n"), "CreateTime") {
		t.Errorf("notes %q: want the kfake timestamp note", rep.Notes)
	}
}

// TestIntegrationBench runs the bench on the real broker with one and two
// processes per side.
func TestIntegrationBench(t *testing.T) {
	broker := kafkatest.Broker(t)
	cfg := bench.Config{Exe: binary(t), Brokers: []string{broker}, Posts: 5000, LatencyDuration: 2 * time.Second, Workers: []int{1, 2}}
	rep := runBench(t, cfg)
	checkReport(t, rep, cfg, []int{1, 2})
	for _, m := range rep.Runs {
		if m.Timestamps != "LogAppendTime" || m.Latency.Timestamps != "LogAppendTime" {
			t.Errorf("%s ×%d: timestamps %s/%s, want the broker's LogAppendTime", m.Side, m.Workers, m.Timestamps, m.Latency.Timestamps)
		}
	}
}

// TestIntegrationBenchRedis runs two workers on the Redis store and checks
// that the bench leaves no key behind.
func TestIntegrationBenchRedis(t *testing.T) {
	broker := kafkatest.Broker(t)
	addr := testenv.Addr(t, "CIRCLEGUARD_TEST_REDIS", "scripts/redis.sh start")
	cfg := bench.Config{Exe: binary(t), Brokers: []string{broker}, Posts: 4000, LatencyDuration: time.Second,
		Workers: []int{2}, Store: "redis", RedisAddr: addr, Scan: true}
	rep := runBench(t, cfg)
	checkReport(t, rep, cfg, []int{2})
	rc := redis.NewClient(&redis.Options{Addr: addr})
	defer rc.Close()
	keys, _, err := rc.Scan(context.Background(), 0, "circleguard-bench-"+rep.RunID+"-*", 100000).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) > 0 {
		t.Errorf("%d Redis keys left under circleguard-bench-%s-, e.g. %s", len(keys), rep.RunID, keys[0])
	}
}

func runBench(t *testing.T, cfg bench.Config) *bench.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var progress testenv.Buffer
	rep, err := bench.Run(ctx, cfg, &progress)
	t.Logf("progress:\n%s", progress.String())
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("report:\n%s", table.String())
	return rep
}

// checkReport checks what must hold whatever the machine's speed.
func checkReport(t *testing.T, rep *bench.Report, cfg bench.Config, workers []int) {
	t.Helper()
	if len(rep.Runs) != 2*len(workers) {
		t.Fatalf("%d measurements, want %d", len(rep.Runs), 2*len(workers))
	}
	for i, k := range workers {
		pt, w := rep.Runs[2*i], rep.Runs[2*i+1]
		if pt.Side != bench.SidePassThrough || w.Side != bench.SideWorker || pt.Workers != k || w.Workers != k {
			t.Fatalf("runs %d, %d: %s ×%d, %s ×%d; want the pass-through then the worker ×%d", 2*i, 2*i+1, pt.Side, pt.Workers, w.Side, w.Workers, k)
		}
		if pt.OfCeiling != 1 {
			t.Errorf("pass-through ×%d: ratio %v, want 1", k, pt.OfCeiling)
		}
		if want := w.PostsPerSec / pt.PostsPerSec; math.Abs(w.OfCeiling-want) > 1e-9 {
			t.Errorf("worker ×%d: ratio %v, want %v/%v", k, w.OfCeiling, w.PostsPerSec, pt.PostsPerSec)
		}
		for _, m := range []bench.Measurement{pt, w} {
			what := fmt.Sprintf("%s ×%d", m.Side, k)
			if m.Posts != cfg.Posts || m.Missing != 0 {
				t.Errorf("%s: %d posts, %d without output; want %d, 0", what, m.Posts, m.Missing, cfg.Posts)
			}
			if k == 1 && (m.Duplicates != 0 || m.Latency.Duplicates != 0) {
				t.Errorf("%s: %d+%d duplicate outputs from one process that never restarted", what, m.Duplicates, m.Latency.Duplicates)
			}
			if !(m.PostsPerSec > 0) || m.CPUSeconds < 0 || !(m.PeakRSSMiB > 0) || len(m.Procs) != k {
				t.Errorf("%s: posts/s %v, CPU %vs, peak RSS %v MiB, %d processes", what, m.PostsPerSec, m.CPUSeconds, m.PeakRSSMiB, len(m.Procs))
			}
			l := m.Latency
			if l.Posts < 1 || l.Missing != 0 || !(l.TargetRate > 0) {
				t.Errorf("%s: latency phase %+v", what, l)
			}
			if !(l.P50Millis <= l.P99Millis && l.P99Millis <= l.MaxMillis) {
				t.Errorf("%s: latency p50 %d, p99 %d, max %d ms: not in order", what, l.P50Millis, l.P99Millis, l.MaxMillis)
			}
		}
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back bench.Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Runs) != len(rep.Runs) {
		t.Errorf("JSON report does not read back: %v", err)
	}
}

func TestBenchFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"workers", []string{"-workers", "1,0"}, "-workers"},
		{"store", []string{"-store", "disk"}, `store "disk"`},
		{"redis without address", []string{"-store", "redis"}, "Redis address"},
		{"argument", []string{"extra"}, "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), append([]string{"bench"}, tc.args...), func(string) string { return "" }, nil, io.Discard, io.Discard)
			if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v: want a usage error naming %q", err, tc.want)
			}
		})
	}
}

// TestBenchUnreachable: a broker that does not answer is a clear error.
func TestBenchUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := bench.Run(ctx, bench.Config{Exe: "/nonexistent", Brokers: []string{freeAddr(t)}}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("error %v: want unreachable", err)
	}
}
