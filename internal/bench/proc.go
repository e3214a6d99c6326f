//go:build linux

package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTicks is the unit of utime and stime in /proc/PID/stat (USER_HZ,
// 100 on every Linux architecture Go supports).
const clockTicks = 100

// proc is one child process: a worker, a pass-through or a scan.
type proc struct {
	cmd   *exec.Cmd
	label string
	done  chan struct{} // closed when the process has been waited for
	err   error         // Wait's error, set before done closes
	logs  *tail
}

// startProc starts exe with args as a child in its own process group (so a
// terminal's Ctrl-C reaches the bench, which stops the children in order)
// that the kernel kills should the bench die first. Its stdout is discarded
// and the end of its stderr kept for error messages.
func startProc(label, exe string, args []string) (*proc, error) {
	cmd := exec.Command(exe, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p := &proc{cmd: cmd, label: label, done: make(chan struct{}), logs: newTail(40)}
	cmd.Stderr = p.logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", label, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended, with an error that says how
// and the end of its log.
func (p *proc) exited() error {
	select {
	case <-p.done:
		return p.failure("exited")
	default:
		return nil
	}
}

func (p *proc) failure(what string) error {
	msg := fmt.Sprintf("%s %s", p.label, what)
	if p.err != nil {
		msg += " (" + p.err.Error() + ")"
	}
	if l := p.logs.String(); l != "" {
		msg += "; its last log lines:\n" + l
	}
	return errors.New(msg)
}

func (p *proc) signal(sig syscall.Signal) {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(sig)
	}
}

// cpu returns the CPU time (user + system) the process has used so far.
func (p *proc) cpu() (time.Duration, error) { return p.cpuOf(p.pid()) }

func (p *proc) cpuOf(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("cpu of %s: %w", p.label, err)
	}
	// The command name (field 2) may hold spaces: count from its ")".
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0, fmt.Errorf("cpu of %s: unexpected /proc/%d/stat", p.label, pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("cpu of %s: unexpected /proc/%d/stat", p.label, pid)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// peakRSS returns the process's peak resident set in bytes so far (VmHWM).
// rusage's maxrss would not do: exec keeps the larger of the old and the
// new address space's peak, and a child starts as the bench's copy.
func (p *proc) peakRSS() (int64, error) {
	return peakRSSOf(p.pid())
}

func peakRSSOf(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/status: VmHWM %q", pid, v)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmHWM", pid)
}

// stop ends the process gracefully (SIGCONT in case it is stopped, then
// SIGTERM), kills it after grace, and returns its total CPU time.
func (p *proc) stop(grace time.Duration) (time.Duration, error) {
	p.signal(syscall.SIGCONT)
	p.signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
		return 0, p.failure(fmt.Sprintf("did not stop within %v of SIGTERM; killed", grace))
	}
	if p.err != nil {
		return 0, p.failure("failed")
	}
	return p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime(), nil
}

// kill ends the process without waiting for a graceful stop.
func (p *proc) kill() {
	p.signal(syscall.SIGCONT)
	p.signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// tail keeps the last lines written to it, and counts the warnings and
// errors among the JSON log lines.
type tail struct {
	mu       sync.Mutex
	lines    []string
	max      int
	partial  []byte
	warnings int
	base     int      // warnings before mark
	first    []string // the first warnings' messages since mark
}

func newTail(max int) *tail { return &tail{max: max} }

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.partial = append(t.partial, b...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		line := string(t.partial[:i])
		t.partial = t.partial[i+1:]
		if strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) {
			t.warnings++
			if len(t.first) < 3 {
				t.first = append(t.first, logMessage(line))
			}
		}
		t.lines = append(t.lines, line)
		if len(t.lines) > t.max {
			t.lines = t.lines[1:]
		}
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(append(t.lines, string(t.partial)), "\n")
}

// mark starts counting warnings anew: those before it are start-up's
// (joining the group, fresh topics' leaders), not the measurement's.
func (t *tail) mark() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.base, t.first = t.warnings, nil
}

// warningsSeen returns the number of warnings and errors before and since
// mark, and the first messages (with errors) since.
func (t *tail) warningsSeen() (before, since int, first []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.base, t.warnings - t.base, slices.Clone(t.first)
}

// logMessage returns a JSON log line's msg and err fields (the worker's
// logs never hold post content), or the line itself.
func logMessage(line string) string {
	var l struct{ Msg, Err string }
	if json.Unmarshal([]byte(line), &l) != nil || l.Msg == "" {
		return line
	}
	if l.Err != "" {
		return l.Msg + ": " + l.Err
	}
	return l.Msg
}

var _ io.Writer = (*tail)(nil)
