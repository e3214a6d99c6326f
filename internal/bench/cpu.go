//go:build linux

package bench

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// listener returns the pid of the local process listening on addr's port
// (the broker, Redis), or 0 when there is none or it cannot be told.
func listener(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return 0
	}
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		file, err := os.Open(f)
		if err != nil {
			continue
		}
		s := bufio.NewScanner(file)
		for s.Scan() {
			// sl local_address rem_address st … inode
			fs := strings.Fields(s.Text())
			if len(fs) < 10 || fs[3] != "0A" { // LISTEN
				continue
			}
			_, hexPort, ok := strings.Cut(fs[1], ":")
			if n, err := strconv.ParseInt(hexPort, 16, 32); ok && err == nil && int(n) == port {
				inodes["socket:["+fs[9]+"]"] = true
			}
		}
		file.Close()
	}
	if len(inodes) == 0 {
		return 0
	}
	pids, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range pids {
		fds, _ := os.ReadDir(dir + "/fd")
		for _, fd := range fds {
			if l, err := os.Readlink(dir + "/fd/" + fd.Name()); err == nil && inodes[l] {
				pid, _ := strconv.Atoi(filepath.Base(dir))
				return pid
			}
		}
	}
	return 0
}

// cpuOfPID returns the CPU time a process has used, or 0 when it cannot be
// read (pid 0, gone, not ours).
func cpuOfPID(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	d, err := (&proc{label: "pid " + strconv.Itoa(pid)}).cpuOf(pid)
	if err != nil {
		return 0
	}
	return d
}

// machineCPU is /proc/stat's first line: the time all CPUs were busy and
// the time that passed on all of them.
type machineCPU struct{ busy, total time.Duration }

func readMachineCPU() machineCPU {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineCPU{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fs := strings.Fields(line)
	if len(fs) < 8 || fs[0] != "cpu" {
		return machineCPU{}
	}
	var m machineCPU
	// user nice system idle iowait irq softirq steal (guest is in user)
	for i, f := range fs[1:min(len(fs), 9)] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return machineCPU{}
		}
		d := time.Duration(n) * time.Second / clockTicks
		m.total += d
		if i != 3 && i != 4 {
			m.busy += d
		}
	}
	return m
}

// usageWindow is where the machine's CPU went between two snapshots.
type usageWindow struct {
	children, broker, redis time.Duration
	machine                 machineCPU
}

// snapshot reads the CPU time of the children, the broker and Redis, and
// of the machine.
func snapshot(procs []*proc, brokerPID, redisPID int) (usageWindow, error) {
	c, err := cpuOf(procs)
	if err != nil {
		return usageWindow{}, err
	}
	return usageWindow{children: c, broker: cpuOfPID(brokerPID), redis: cpuOfPID(redisPID), machine: readMachineCPU()}, nil
}

// Share is where the machine's CPU went during a window, in µs a post.
type Share struct {
	// BusyPercent is how busy all CPUs were on average (100: every core
	// all the time).
	BusyPercent float64 `json:"busy_percent"`
	// Processes is the measured processes' CPU (as CPUPerPostMicros).
	Processes float64 `json:"processes_us"`
	// Broker and Redis are the broker's and Redis's, when they run here
	// (absent: not found, or the broker embedded in the bench).
	Broker *float64 `json:"broker_us,omitempty"`
	Redis  *float64 `json:"redis_us,omitempty"`
	// Other is the rest of the busy time: the bench's producer or reader
	// and whatever else ran on the machine.
	Other float64 `json:"other_us"`
}

func share(a, b usageWindow, posts int, brokerPID, redisPID int) Share {
	per := func(d time.Duration) float64 { return d.Seconds() / float64(posts) * 1e6 }
	s := Share{Processes: per(b.children - a.children)}
	busy := b.machine.busy - a.machine.busy
	if t := b.machine.total - a.machine.total; t > 0 {
		s.BusyPercent = 100 * float64(busy) / float64(t)
	}
	other := busy - (b.children - a.children)
	if brokerPID > 0 {
		d := b.broker - a.broker
		s.Broker, other = ptr(per(d)), other-d
	}
	if redisPID > 0 {
		d := b.redis - a.redis
		s.Redis, other = ptr(per(d)), other-d
	}
	s.Other = per(max(other, 0))
	return s
}

func ptr(x float64) *float64 { return &x }

func (s Share) String() string {
	f := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprintf("%.1f", *p)
	}
	return fmt.Sprintf("%3.0f%% busy; µs a post: processes %.1f, broker %s, Redis %s, other %.1f", s.BusyPercent, s.Processes, f(s.Broker), f(s.Redis), s.Other)
}
