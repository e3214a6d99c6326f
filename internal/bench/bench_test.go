//go:build linux

package bench

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

func TestSeqOf(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{`{"id":"p000000042","author_id":"a"}`, 42, true},
		{`{"post_id":"p000001000","action":"allow"}`, 1000, true},
		{`{"id":"p1234567890","x":1}`, 1234567890, true},
		{`{"id":"q000000042"}`, 0, false},
		{`{"id":"p"}`, 0, false},
		{`{"id":"p12x"}`, 0, false},
		{`{"author_id":"a","id":"p000000001"}`, 0, false},
		{`not json`, 0, false},
	} {
		got, ok := seqOf([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("seqOf(%s) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestPostsLatency: the latency phase's posts carry consecutive ids after
// the backlog, reused ones too, and otherwise the pooled post's bytes.
func TestPostsLatency(t *testing.T) {
	ps, err := newPosts(1, 10)
	if err != nil {
		t.Fatal(err)
	}
	const pool = 5
	if err := ps.grow(10 + pool); err != nil {
		t.Fatal(err)
	}
	for i := range 23 {
		k, v := ps.latency(i, pool)
		if seq, ok := seqOf(v); !ok || seq != 11+i {
			t.Fatalf("latency post %d: id %d (%v), want %d", i, seq, ok, 11+i)
		}
		orig := ps.values[10+i%pool]
		if !bytes.Equal(v[len(idPrefix)+9:], orig[len(idPrefix)+9:]) || !bytes.Equal(k, ps.keys[10+i%pool]) {
			t.Errorf("latency post %d differs from pooled post %d beyond its id", i, i%pool)
		}
		var p map[string]any
		if err := json.Unmarshal(v, &p); err != nil {
			t.Errorf("latency post %d: %v", i, err)
		}
	}
	if seq, _ := seqOf(ps.values[10]); seq != 11 {
		t.Errorf("a reuse changed the pooled post: id %d", seq)
	}
}

func TestPercentiles(t *testing.T) {
	xs := make([]int64, 0, 100)
	for i := 100; i >= 1; i-- {
		xs = append(xs, int64(i))
	}
	if p50, p99, hi := percentiles(xs); p50 != 50 || p99 != 99 || hi != 100 {
		t.Errorf("1..100: p50 %d, p99 %d, max %d; want 50, 99, 100", p50, p99, hi)
	}
	if p50, p99, hi := percentiles([]int64{7}); p50 != 7 || p99 != 7 || hi != 7 {
		t.Errorf("one value: %d %d %d", p50, p99, hi)
	}
	if p50, p99, hi := percentiles(nil); p50 != 0 || p99 != 0 || hi != 0 {
		t.Errorf("none: %d %d %d", p50, p99, hi)
	}
}

func TestTally(t *testing.T) {
	if m, d := tally([]uint8{1, 0, 2, 1, 3, 0}); m != 2 || d != 3 {
		t.Errorf("tally = %d missing, %d duplicates; want 2, 3", m, d)
	}
}

func TestThousands(t *testing.T) {
	for x, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567.4: "1,234,567", 100000: "100,000"} {
		if got := thousands(x); got != want {
			t.Errorf("thousands(%v) = %q, want %q", x, got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"defaults", Config{Exe: "circleguard"}, ""},
		{"no binary", Config{}, "exe"},
		{"posts", Config{Exe: "x", Posts: -1}, "posts -1"},
		{"workers", Config{Exe: "x", Workers: []int{1, 0}}, "workers 0"},
		{"latency", Config{Exe: "x", LatencyDuration: time.Millisecond}, "latency duration"},
		{"store", Config{Exe: "x", Store: "disk"}, `store "disk"`},
		{"redis", Config{Exe: "x", Store: "redis"}, "Redis address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestWriteTable prints a report with every part.
func TestWriteTable(t *testing.T) {
	r := &Report{Command: "circleguard bench", Broker: "Apache Kafka at 127.0.0.1:19092", Posts: 1000, Partitions: 6, Store: "memory", LatencyDuration: "20s",
		Machine: Machine{CPUs: 2, GOMAXPROCS: 2, Go: "go1.26", OS: "linux/amd64"},
		Runs: []Measurement{
			{Side: SidePassThrough, Workers: 1, PostsPerSec: 500000, OfCeiling: 1, CPUPerPostMicros: 2, PeakRSSMiB: 40, Timestamps: "LogAppendTime",
				Latency: Latency{TargetRate: 250000, AchievedRate: 200000, P50Millis: 3, P99Millis: 12, MaxMillis: 30, Timestamps: "LogAppendTime"}},
			{Side: SideWorker, Workers: 1, PostsPerSec: 40000, OfCeiling: 0.08, CPUPerPostMicros: 40, PeakRSSMiB: 300, Timestamps: "LogAppendTime", Duplicates: 2,
				Latency: Latency{TargetRate: 20000, AchievedRate: 20000, P50Millis: 9, P99Millis: 60, MaxMillis: 90, Timestamps: "LogAppendTime"},
				Procs:   []Proc{{Warnings: 1, FirstWarnings: []string{"fetch failed; retrying: EOF"}}}},
		},
		Scan: &ScanResult{Posts: 1000, PostsPerSec: 30000, CPUPerPostMicros: 33},
	}
	r.finish()
	var b bytes.Buffer
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"500,000", "0.080", "40,000", "scan (offline)", "Kafka overhead", "7.0",
		"produced 200000 posts/s of the 250000", "2 duplicate outputs", "fetch failed; retrying: EOF"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// TestListener finds the process listening on a port: this one.
func TestListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if pid := listener(ln.Addr().String()); pid != os.Getpid() {
		t.Errorf("listener(%s) = %d, want this process %d", ln.Addr(), pid, os.Getpid())
	}
	if pid := listener("no port"); pid != 0 {
		t.Errorf("listener(no port) = %d, want 0", pid)
	}
}

func TestShare(t *testing.T) {
	a := usageWindow{children: time.Second, broker: 2 * time.Second, redis: 0, machine: machineCPU{busy: 10 * time.Second, total: 40 * time.Second}}
	b := usageWindow{children: 3 * time.Second, broker: 3 * time.Second, redis: time.Second, machine: machineCPU{busy: 15 * time.Second, total: 50 * time.Second}}
	s := share(a, b, 1_000_000, 7, 8) // 2s, 1s, 1s of 5s busy in 10s
	if s.BusyPercent != 50 || s.Processes != 2 || *s.Broker != 1 || *s.Redis != 1 || s.Other != 1 {
		t.Errorf("share = %v", s)
	}
	if s := share(a, b, 1_000_000, 0, 0); s.Broker != nil || s.Redis != nil || s.Other != 3 {
		t.Errorf("share without broker and Redis = %v", s)
	}
	if m := readMachineCPU(); m.total <= 0 || m.busy > m.total {
		t.Errorf("readMachineCPU() = %+v", m)
	}
}
