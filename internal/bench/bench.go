//go:build linux

package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"syscall"
	"time"
)

// Sides of a measurement.
const (
	SidePassThrough = "pass-through" // worker.NewPassThrough: the ceiling
	SideWorker      = "worker"       // circleguard run
)

// maxPool bounds the latency phase's generated posts; a longer phase
// reuses them under new ids (see posts.latency).
const maxPool = 500_000

// Run measures, for each entry of cfg.Workers, the pass-through and then
// the worker, and with cfg.Scan the offline scan, and returns the report.
// progress receives a line per step. Run deletes the topics, groups and
// Redis keys it made, and stops its children when ctx ends.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Report, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if cfg.ProfileDir != "" {
		dir, err := filepath.Abs(cfg.ProfileDir)
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		cfg.ProfileDir = dir
	}
	rep := newReport(cfg)
	c, err := openCluster(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer c.close()
	rep.Broker = c.kind
	logf(progress, "broker: %s; generating %d posts (seed %d)", c.kind, cfg.Posts, cfg.Seed)
	ps, err := newPosts(cfg.Seed, cfg.Posts)
	if err != nil {
		return nil, fmt.Errorf("bench: generate posts: %w", err)
	}
	rep.RunID = randomID()
	b := &bencher{cfg: cfg, c: c, ps: ps, runID: rep.RunID, progress: progress}
	if !cfg.Embedded {
		b.brokerPID = listener(c.brokers[0])
	}
	if cfg.Store == "redis" {
		b.redisPID = listener(cfg.RedisAddr)
	}
	rep.BrokerPID, rep.RedisPID = b.brokerPID, b.redisPID
	for _, k := range cfg.Workers {
		var ceiling float64
		for _, side := range []string{SidePassThrough, SideWorker} {
			m, err := b.measure(ctx, side, k)
			if err != nil {
				return rep, fmt.Errorf("bench: %s ×%d: %w", side, k, err)
			}
			if side == SidePassThrough {
				ceiling = m.PostsPerSec
			}
			if ceiling > 0 {
				m.OfCeiling = m.PostsPerSec / ceiling
			}
			rep.Runs = append(rep.Runs, m)
		}
	}
	if cfg.Scan {
		s, err := b.scan(ctx)
		if err != nil {
			return rep, fmt.Errorf("bench: scan: %w", err)
		}
		rep.Scan = s
	}
	rep.finish()
	return rep, nil
}

type bencher struct {
	cfg      Config
	c        *cluster
	ps       *posts
	runID    string
	progress io.Writer
	// brokerPID and redisPID are the local broker's and Redis's processes
	// (0: not found here, or the broker embedded in the bench).
	brokerPID, redisPID int
}

func logf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "bench: "+format+"\n", args...)
}

func randomID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// topicSet names one measurement's topics and group.
type topicSet struct{ posts, outputs, dlq, group string }

// measure runs one side with k processes: the maximum-rate phase on the
// backlog, then the latency phase at half that rate.
func (b *bencher) measure(ctx context.Context, side string, k int) (Measurement, error) {
	cfg, c := b.cfg, b.c
	m := Measurement{Side: side, Workers: k, Posts: cfg.Posts}
	name := fmt.Sprintf("circleguard-bench-%s-%s-%d", b.runID, map[string]string{SidePassThrough: "pt", SideWorker: "w"}[side], k)
	ts := topicSet{posts: name + ".posts", outputs: name + ".out", dlq: name + ".dlq", group: name}
	if err := c.createTopics(ctx, cfg.Partitions, ts.posts, ts.outputs, ts.dlq); err != nil {
		return m, err
	}
	defer c.cleanUp(ts.group, ts.posts, ts.outputs, ts.dlq)
	redisPrefix := ""
	if side == SideWorker && cfg.Store == "redis" {
		redisPrefix = name + ":"
		defer deleteRedisKeys(cfg.RedisAddr, redisPrefix, b.progress)
	}

	logf(b.progress, "%s ×%d: starting %d process(es) on group %s", side, k, k, ts.group)
	procs := make([]*proc, 0, k)
	defer func() {
		for _, p := range procs {
			p.kill()
		}
	}()
	for i := range k {
		args, profile := b.childArgs(side, k, i, ts, redisPrefix)
		p, err := startProc(fmt.Sprintf("%s %d of %d", side, i+1, k), cfg.Exe, args)
		if err != nil {
			return m, err
		}
		procs = append(procs, p)
		m.Procs = append(m.Procs, Proc{PID: p.pid(), Profile: profile})
	}
	if err := b.waitGroup(ctx, procs, ts, k); err != nil {
		return m, err
	}
	if cfg.ProfileDir != "" {
		signalAll(procs, syscall.SIGUSR1) // start the CPU profiles; a stopped process uses no CPU
	}

	// Maximum rate: stop the group, fill the backlog, let it go.
	signalAll(procs, syscall.SIGSTOP)
	logf(b.progress, "%s ×%d: group stable; processes stopped; producing the backlog of %d posts", side, k, cfg.Posts)
	if err := produceBacklog(ctx, c, ts.posts, b.ps); err != nil {
		return m, err
	}
	postsEnd, err := c.endOffsets(ctx, ts.posts, cfg.Partitions)
	if err != nil {
		return m, err
	}
	if n := total(postsEnd); n != int64(cfg.Posts) {
		return m, fmt.Errorf("posts topic holds %d records after producing %d", n, cfg.Posts)
	}
	for _, p := range procs {
		p.logs.mark()
	}
	u0, err := snapshot(procs, b.brokerPID, b.redisPID)
	if err != nil {
		return m, err
	}
	t0 := time.Now()
	signalAll(procs, syscall.SIGCONT)
	logf(b.progress, "%s ×%d: released", side, k)
	zero := make(map[int]int64, cfg.Partitions)
	outEnd, err := b.waitOutputs(ctx, procs, ts.outputs, 0, int64(cfg.Posts), side, k)
	if err != nil {
		return m, err
	}
	u1, err := snapshot(procs, b.brokerPID, b.redisPID)
	if err != nil {
		return m, err
	}
	if cfg.ProfileDir != "" {
		signalAll(procs, syscall.SIGUSR2) // stop and write the profiles
	}
	counts := make([]uint8, cfg.Posts+1)
	var first, last int64
	logAppend := true
	err = readRange(ctx, c, ts.outputs, zero, outEnd, func(r record) {
		if r.seq < 1 || r.seq > cfg.Posts {
			return
		}
		if counts[r.seq] < 255 {
			counts[r.seq]++
		}
		if first == 0 || r.appendedMs < first {
			first = r.appendedMs
		}
		last = max(last, r.appendedMs)
		logAppend = logAppend && r.logAppend
	})
	if err != nil {
		return m, err
	}
	m.Missing, m.Duplicates = tally(counts[1:])
	if m.Missing > 0 {
		return m, fmt.Errorf("%d of %d posts got no output", m.Missing, cfg.Posts)
	}
	m.Seconds = float64(last-t0.UnixMilli()) / 1000
	m.FirstOutputSeconds = float64(first-t0.UnixMilli()) / 1000
	m.PostsPerSec = float64(cfg.Posts) / max(m.Seconds, 0.001)
	m.CPUSeconds = (u1.children - u0.children).Seconds()
	m.CPUPerPostMicros = m.CPUSeconds / float64(cfg.Posts) * 1e6
	m.Share = share(u0, u1, cfg.Posts, b.brokerPID, b.redisPID)
	m.Timestamps = timestampKind(logAppend)
	logf(b.progress, "%s ×%d: %d posts in %.2fs: %.0f posts/s; CPU %s", side, k, cfg.Posts, m.Seconds, m.PostsPerSec, m.Share)

	// Latency at half the maximum rate, on the same processes.
	lat, err := b.latency(ctx, procs, ts, postsEnd, outEnd, m.PostsPerSec/2, side, k)
	if err != nil {
		return m, err
	}
	m.Latency = lat

	for i, p := range procs {
		rss, err := p.peakRSS()
		if err != nil {
			return m, err
		}
		cpu, err := p.stop(time.Minute)
		if err != nil {
			return m, err
		}
		m.Procs[i].PeakRSSMiB = float64(rss) / (1 << 20)
		m.Procs[i].CPUSeconds = cpu.Seconds()
		m.Procs[i].StartupWarnings, m.Procs[i].Warnings, m.Procs[i].FirstWarnings = p.logs.warningsSeen()
		m.PeakRSSMiB = max(m.PeakRSSMiB, m.Procs[i].PeakRSSMiB)
	}
	procs = nil
	return m, nil
}

// childArgs returns the arguments of child i of a measurement, and its
// profile's path ("" without -cpuprofile).
func (b *bencher) childArgs(side string, k, i int, ts topicSet, redisPrefix string) ([]string, string) {
	cfg := b.cfg
	mode := map[string]string{SidePassThrough: "passthrough", SideWorker: "worker"}[side]
	args := []string{"bench", "child", "-mode", mode}
	profile := ""
	if cfg.ProfileDir != "" {
		profile = filepath.Join(cfg.ProfileDir, fmt.Sprintf("%s-w%d-%d.pprof", mode, k, i))
		args = append(args, "-cpuprofile", profile)
	}
	args = append(args, "--")
	if cfg.ConfigFile != "" {
		args = append(args, "-config", cfg.ConfigFile)
	}
	brokers := b.c.brokers[0]
	for _, a := range b.c.brokers[1:] {
		brokers += "," + a
	}
	args = append(args,
		"-kafka-brokers", brokers,
		"-kafka-group", ts.group,
		"-kafka-posts-topic", ts.posts,
		"-kafka-verdicts-topic", ts.outputs,
		"-kafka-dead-letter-topic", ts.dlq,
		"-kafka-create-topics=false",
		"-admin-addr", "127.0.0.1:0",
	)
	if side == SideWorker {
		args = append(args, storeArgs(cfg, redisPrefix)...)
	}
	return args, profile
}

// storeArgs are the repetition store's flags of run and scan.
func storeArgs(cfg Config, redisPrefix string) []string {
	args := []string{"-repetition-store", cfg.Store}
	if cfg.Store == "redis" {
		args = append(args, "-repetition-redis-addr", cfg.RedisAddr, "-repetition-redis-key-prefix", redisPrefix)
	}
	return args
}

// waitGroup waits until the k processes form a stable group that shares
// every partition of the posts topic.
func (b *bencher) waitGroup(ctx context.Context, procs []*proc, ts topicSet, k int) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		for _, p := range procs {
			if err := p.exited(); err != nil {
				return err
			}
		}
		ok, err := b.c.groupReady(ctx, ts.group, ts.posts, k, b.cfg.Partitions)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("group %s not stable with %d members after 2m", ts.group, k)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// waitOutputs polls the outputs topic's end offsets until they add up to
// want, and returns them. It fails when a process exits or no output
// arrives for cfg.Stall.
func (b *bencher) waitOutputs(ctx context.Context, procs []*proc, topic string, base, want int64, side string, k int) (map[int]int64, error) {
	lastGain, lastLog := time.Now(), time.Now()
	var seen int64 = -1
	for {
		end, err := b.c.endOffsets(ctx, topic, b.cfg.Partitions)
		if err != nil {
			return nil, err
		}
		n := total(end)
		if n >= want {
			return end, nil
		}
		if n > seen {
			seen, lastGain = n, time.Now()
		}
		for _, p := range procs {
			if err := p.exited(); err != nil {
				return nil, err
			}
		}
		if time.Since(lastGain) > b.cfg.Stall {
			return nil, fmt.Errorf("stalled: %d of %d outputs, none for %v", n-base, want-base, b.cfg.Stall)
		}
		if time.Since(lastLog) >= 5*time.Second {
			lastLog = time.Now()
			logf(b.progress, "%s ×%d: %d of %d outputs", side, k, n-base, want-base)
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// latency produces posts at rate for cfg.LatencyDuration into the running
// processes' topic and measures, per post, the time from its append to its
// output's append.
func (b *bencher) latency(ctx context.Context, procs []*proc, ts topicSet, postsFrom, outFrom map[int]int64, rate float64, side string, k int) (Latency, error) {
	cfg := b.cfg
	l := Latency{TargetRate: rate}
	n := int(rate * cfg.LatencyDuration.Seconds())
	if n < 1 {
		return l, fmt.Errorf("half the maximum rate (%.1f posts/s) gives no post in %v", rate, cfg.LatencyDuration)
	}
	pool := min(n, maxPool)
	if len(b.ps.values) < cfg.Posts+pool {
		logf(b.progress, "generating %d more posts for the latency phase", cfg.Posts+pool-len(b.ps.values))
		if err := b.ps.grow(cfg.Posts + pool); err != nil {
			return l, err
		}
	}
	l.ReusedPosts = max(n-pool, 0)
	logf(b.progress, "%s ×%d: latency phase: %.0f posts/s for %v", side, k, rate, cfg.LatencyDuration)
	u0, err := snapshot(procs, b.brokerPID, b.redisPID)
	if err != nil {
		return l, err
	}
	sent, err := producePaced(ctx, b.c, ts.posts, b.ps, pool, rate, cfg.LatencyDuration)
	if err != nil {
		return l, err
	}
	l.Posts = sent.posts
	l.AchievedRate = float64(sent.posts) / sent.elapsed.Seconds()
	outEnd, err := b.waitOutputs(ctx, procs, ts.outputs, total(outFrom), total(outFrom)+int64(sent.posts), side, k)
	if err != nil {
		return l, err
	}
	u1, err := snapshot(procs, b.brokerPID, b.redisPID)
	if err != nil {
		return l, err
	}
	l.CPUPerPostMicros = (u1.children - u0.children).Seconds() / float64(sent.posts) * 1e6
	l.Share = share(u0, u1, sent.posts, b.brokerPID, b.redisPID)
	postsEnd, err := b.c.endOffsets(ctx, ts.posts, cfg.Partitions)
	if err != nil {
		return l, err
	}
	base := cfg.Posts + 1 // the sequence number of the phase's first post
	in := make([]int64, sent.posts)
	out := make([]int64, sent.posts)
	counts := make([]uint8, sent.posts)
	logAppend := true
	err = readRange(ctx, b.c, ts.posts, postsFrom, postsEnd, func(r record) {
		if i := r.seq - base; i >= 0 && i < len(in) {
			in[i] = r.appendedMs
			logAppend = logAppend && r.logAppend
		}
	})
	if err != nil {
		return l, err
	}
	err = readRange(ctx, b.c, ts.outputs, outFrom, outEnd, func(r record) {
		i := r.seq - base
		if i < 0 || i >= len(out) {
			return
		}
		if counts[i] == 0 {
			out[i] = r.appendedMs
		}
		if counts[i] < 255 {
			counts[i]++
		}
		logAppend = logAppend && r.logAppend
	})
	if err != nil {
		return l, err
	}
	l.Missing, l.Duplicates = tally(counts)
	if l.Missing > 0 {
		return l, fmt.Errorf("latency phase: %d of %d posts got no output", l.Missing, sent.posts)
	}
	ms := make([]int64, 0, len(in))
	for i := range in {
		if in[i] == 0 {
			return l, fmt.Errorf("latency phase: post %d not found on the posts topic", base+i)
		}
		ms = append(ms, out[i]-in[i])
	}
	l.P50Millis, l.P99Millis, l.MaxMillis = percentiles(ms)
	l.Timestamps = timestampKind(logAppend)
	logf(b.progress, "%s ×%d: latency at %.0f posts/s: p50 %d ms, p99 %d ms", side, k, l.AchievedRate, l.P50Millis, l.P99Millis)
	return l, nil
}

// tally counts the posts with no output and the extra outputs.
func tally(counts []uint8) (missing, duplicates int) {
	for _, c := range counts {
		switch {
		case c == 0:
			missing++
		case c > 1:
			duplicates += int(c) - 1
		}
	}
	return missing, duplicates
}

func timestampKind(logAppend bool) string {
	if logAppend {
		return "LogAppendTime"
	}
	return "CreateTime"
}

func signalAll(procs []*proc, sig syscall.Signal) {
	for _, p := range procs {
		p.signal(sig)
	}
}

// cpuOf adds up the CPU time the processes have used.
func cpuOf(procs []*proc) (time.Duration, error) {
	var sum time.Duration
	for _, p := range procs {
		d, err := p.cpu()
		if err != nil {
			if e := p.exited(); e != nil {
				return 0, e
			}
			return 0, err
		}
		sum += d
	}
	return sum, nil
}
