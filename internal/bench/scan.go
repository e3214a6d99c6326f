//go:build linux

package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// scan measures `circleguard scan` on the backlog, and on no posts for its
// start-up (model, rules), which it subtracts: the analysis alone, with the
// same configuration and store as the worker. With a profile directory,
// the backlog's scan writes scan.pprof there (start-up included).
func (b *bencher) scan(ctx context.Context) (*ScanResult, error) {
	dir, err := os.MkdirTemp("", "circleguard-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	full, empty := filepath.Join(dir, "posts.jsonl"), filepath.Join(dir, "empty.jsonl")
	if err := writeLines(full, b.ps.values[:b.cfg.Posts]); err != nil {
		return nil, err
	}
	if err := writeLines(empty, nil); err != nil {
		return nil, err
	}
	logf(b.progress, "scan: %d posts offline (and none, for its start-up)", b.cfg.Posts)
	base, err := b.runScan(ctx, empty, "0")
	if err != nil {
		return nil, err
	}
	all, err := b.runScan(ctx, full, "1")
	if err != nil {
		return nil, err
	}
	s := &ScanResult{Posts: b.cfg.Posts, StartupCPUSeconds: base.cpu.Seconds(), PeakRSSMiB: float64(all.rss) / (1 << 20)}
	s.Seconds = (all.wall - base.wall).Seconds()
	s.PostsPerSec = float64(s.Posts) / max(s.Seconds, 0.001)
	s.CPUPerPostMicros = (all.cpu - base.cpu).Seconds() / float64(s.Posts) * 1e6
	logf(b.progress, "scan: %.0f posts/s, %.1f µs CPU a post", s.PostsPerSec, s.CPUPerPostMicros)
	return s, nil
}

type scanRun struct {
	wall, cpu time.Duration
	rss       int64
}

func (b *bencher) runScan(ctx context.Context, in, suffix string) (scanRun, error) {
	args := []string{"bench", "child", "-mode", "scan"}
	if b.cfg.ProfileDir != "" && suffix == "1" {
		args = append(args, "-cpuprofile", filepath.Join(b.cfg.ProfileDir, "scan.pprof"))
	}
	args = append(args, "--", "-in", in, "-out", os.DevNull)
	if b.cfg.ConfigFile != "" {
		args = append(args, "-config", b.cfg.ConfigFile)
	}
	prefix := fmt.Sprintf("circleguard-bench-%s-scan-%s:", b.runID, suffix)
	args = append(args, storeArgs(b.cfg, prefix)...)
	if b.cfg.Store == "redis" {
		defer deleteRedisKeys(b.cfg.RedisAddr, prefix, b.progress)
	}
	cmd := exec.CommandContext(ctx, b.cfg.Exe, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	logs := newTail(40)
	cmd.Stderr = logs
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return scanRun{}, fmt.Errorf("start scan: %w", err)
	}
	// The peak resident set is read while the process lives (see
	// proc.peakRSS), every 20ms: the last read is the peak but for the
	// final moments.
	var rss int64
	stop, polled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(polled)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if n, err := peakRSSOf(cmd.Process.Pid); err == nil {
				rss = max(rss, n)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	err := cmd.Wait()
	wall := time.Since(start)
	close(stop)
	<-polled
	if err != nil {
		return scanRun{}, fmt.Errorf("scan %s: %w; its last lines:\n%s", in, err, logs)
	}
	return scanRun{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), rss: rss}, nil
}

func writeLines(path string, lines [][]byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for _, l := range lines {
		w.Write(l)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
