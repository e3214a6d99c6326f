//go:build linux

package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Report is a bench run's result; WriteTable prints it for people, and it
// marshals to JSON for machines.
type Report struct {
	Command string    `json:"command"`
	Started time.Time `json:"started"`
	// RunID is in the names of the run's topics, groups and Redis keys
	// (circleguard-bench-RUNID-…).
	RunID   string  `json:"run_id"`
	Machine Machine `json:"machine"`
	Broker  string  `json:"broker"`
	// BrokerPID and RedisPID are the local processes whose CPU the shares
	// count (0: not found on this machine).
	BrokerPID       int    `json:"broker_pid,omitempty"`
	RedisPID        int    `json:"redis_pid,omitempty"`
	Posts           int    `json:"posts"`
	Partitions      int    `json:"partitions"`
	Store           string `json:"store"`
	LatencyDuration string `json:"latency_duration"`
	Seed            int64  `json:"seed"`
	// Runs holds, for each worker count, the pass-through then the worker.
	Runs []Measurement `json:"runs"`
	// Scan is the offline scan of the backlog (nil without Config.Scan).
	Scan *ScanResult `json:"scan,omitempty"`
	// KafkaOverheadMicros is the worker's CPU per post with one process
	// minus the scan's: what consuming, producing and committing cost a
	// post (nil without a scan or a measurement with one process).
	KafkaOverheadMicros *float64 `json:"kafka_overhead_us,omitempty"`
	Notes               []string `json:"notes,omitempty"`
}

// Machine describes where the bench ran.
type Machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUModel   string `json:"cpu_model,omitempty"`
	Go         string `json:"go"`
	OS         string `json:"os"`
	// LoadStart and LoadEnd are /proc/loadavg's 1-, 5- and 15-minute load
	// averages when the bench began and ended: others' work on the machine.
	LoadStart string `json:"load_start,omitempty"`
	LoadEnd   string `json:"load_end,omitempty"`
}

// Measurement is one side with a number of processes on one consumer group.
type Measurement struct {
	Side    string `json:"side"`
	Workers int    `json:"workers"`
	Posts   int    `json:"posts"`
	// Seconds runs from the release of the stopped processes onto the
	// backlog to the last output's append time.
	Seconds float64 `json:"seconds"`
	// FirstOutputSeconds runs from the release to the first output's
	// append time.
	FirstOutputSeconds float64 `json:"first_output_seconds"`
	PostsPerSec        float64 `json:"posts_per_sec"`
	// OfCeiling is PostsPerSec over the pass-through's with as many
	// processes.
	OfCeiling float64 `json:"of_ceiling"`
	// CPUSeconds is the processes' CPU time (user + system) from the
	// release until every output was appended.
	CPUSeconds       float64 `json:"cpu_seconds"`
	CPUPerPostMicros float64 `json:"cpu_per_post_us"`
	// Share is where the machine's CPU went in that window.
	Share      Share   `json:"share"`
	Missing    int     `json:"missing"`
	Duplicates int     `json:"duplicates"`
	Timestamps string  `json:"timestamps"`
	Latency    Latency `json:"latency"`
	// PeakRSSMiB is the largest peak resident set among the processes.
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	Procs      []Proc  `json:"procs"`
}

// Latency is the latency phase: posts produced at half the maximum rate.
type Latency struct {
	TargetRate   float64 `json:"target_rate"`
	AchievedRate float64 `json:"achieved_rate"`
	Posts        int     `json:"posts"`
	// ReusedPosts were sent again under new ids (beyond the generated
	// pool of 500,000).
	ReusedPosts int `json:"reused_posts,omitempty"`
	// P50Millis, P99Millis and MaxMillis are of a post's output append
	// time minus its own (milliseconds, the timestamps' resolution).
	P50Millis        int64   `json:"p50_ms"`
	P99Millis        int64   `json:"p99_ms"`
	MaxMillis        int64   `json:"max_ms"`
	CPUPerPostMicros float64 `json:"cpu_per_post_us"`
	Share            Share   `json:"share"`
	Missing          int     `json:"missing"`
	Duplicates       int     `json:"duplicates"`
	Timestamps       string  `json:"timestamps"`
}

// Proc is one child process of a measurement.
type Proc struct {
	PID int `json:"pid"`
	// CPUSeconds is its whole life's CPU time (start-up and both phases).
	CPUSeconds float64 `json:"cpu_seconds"`
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	// StartupWarnings counts its WARN and ERROR log lines before the
	// release onto the backlog (joining the group, fresh topics), Warnings
	// those after.
	StartupWarnings int `json:"startup_warnings"`
	Warnings        int `json:"warnings"`
	// FirstWarnings are the first three messages of Warnings.
	FirstWarnings []string `json:"first_warnings,omitempty"`
	Profile       string   `json:"profile,omitempty"`
}

// ScanResult is `circleguard scan` on the backlog, its start-up taken out.
type ScanResult struct {
	Posts             int     `json:"posts"`
	Seconds           float64 `json:"seconds"`
	PostsPerSec       float64 `json:"posts_per_sec"`
	CPUPerPostMicros  float64 `json:"cpu_per_post_us"`
	StartupCPUSeconds float64 `json:"startup_cpu_seconds"`
	PeakRSSMiB        float64 `json:"peak_rss_mib"`
}

func newReport(cfg Config) *Report {
	return &Report{
		Command: cfg.Command, Started: time.Now().UTC().Truncate(time.Second),
		Machine: Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), CPUModel: cpuModel(),
			Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, LoadStart: loadAvg()},
		Posts: cfg.Posts, Partitions: cfg.Partitions, Store: cfg.Store,
		LatencyDuration: cfg.LatencyDuration.String(), Seed: cfg.Seed,
	}
}

// finish derives the overhead and the notes.
func (r *Report) finish() {
	r.Machine.LoadEnd = loadAvg()
	for _, m := range r.Runs {
		if m.Side == SideWorker && m.Workers == 1 && r.Scan != nil {
			d := m.CPUPerPostMicros - r.Scan.CPUPerPostMicros
			r.KafkaOverheadMicros = &d
		}
		what := fmt.Sprintf("%s ×%d", m.Side, m.Workers)
		if m.Duplicates+m.Latency.Duplicates > 0 {
			r.Notes = append(r.Notes, fmt.Sprintf("%s: %d duplicate outputs (at-least-once redelivery)", what, m.Duplicates+m.Latency.Duplicates))
		}
		if m.Latency.AchievedRate < 0.95*m.Latency.TargetRate {
			r.Notes = append(r.Notes, fmt.Sprintf("%s: the bench produced %.0f posts/s of the %.0f asked in the latency phase", what, m.Latency.AchievedRate, m.Latency.TargetRate))
		}
		if m.Latency.ReusedPosts > 0 {
			r.Notes = append(r.Notes, fmt.Sprintf("%s: %d latency-phase posts reused generated ones under new ids", what, m.Latency.ReusedPosts))
		}
		w := 0
		var first []string
		for _, p := range m.Procs {
			w += p.Warnings
			first = append(first, p.FirstWarnings...)
		}
		if w > 0 {
			r.Notes = append(r.Notes, fmt.Sprintf("%s: the processes logged %d warnings or errors while measured, first: %s", what, w, strings.Join(first[:min(len(first), 3)], "; ")))
		}
		if m.Timestamps != "LogAppendTime" || m.Latency.Timestamps != "LogAppendTime" {
			r.Notes = appendOnce(r.Notes, "the broker kept the producers' timestamps (CreateTime; kfake ignores message.timestamp.type): times are from the records' creation, not their append")
		}
	}
}

func appendOnce(notes []string, n string) []string {
	if slices.Contains(notes, n) {
		return notes
	}
	return append(notes, n)
}

// columns formats s for the table: busy %, then µs a post.
func (s Share) columns() string {
	f := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprintf("%.1f", *p)
	}
	return fmt.Sprintf("%4.0f%% %9.1f %7s %7s %7.1f", s.BusyPercent, s.Processes, f(s.Broker), f(s.Redis), s.Other)
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes r for people: the setting, one row per measurement,
// the scan and the notes.
func (r *Report) WriteTable(w io.Writer) error {
	m := r.Machine
	fmt.Fprintf(w, "circleguard bench: %d posts, %d partitions, repetition store %s, latency phase %s at half each row's maximum rate\n",
		r.Posts, r.Partitions, r.Store, r.LatencyDuration)
	model := ""
	if m.CPUModel != "" {
		model = " (" + m.CPUModel + ")"
	}
	fmt.Fprintf(w, "machine: %d CPUs%s, GOMAXPROCS %d, %s %s, load average %s at start, %s at end\n",
		m.CPUs, model, m.GOMAXPROCS, m.Go, m.OS, orDash(m.LoadStart), orDash(m.LoadEnd))
	fmt.Fprintf(w, "broker: %s\n", r.Broker)
	if r.Command != "" {
		fmt.Fprintf(w, "command: %s\n", r.Command)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-14s %5s %9s %7s %8s %8s   %-40s\n", "", "", "", "", "", "", "latency phase, at half the row's posts/s")
	fmt.Fprintf(w, "%-14s %5s %9s %7s %8s %8s   %9s %6s %6s %6s %8s\n", "side", "procs", "posts/s", "ratio", "CPU µs", "RSS MiB", "posts/s", "p50 ms", "p99 ms", "max ms", "CPU µs")
	for _, x := range r.Runs {
		l := x.Latency
		fmt.Fprintf(w, "%-14s %5d %9s %7.3f %8.1f %8.0f   %9s %6d %6d %6d %8.1f\n",
			x.Side, x.Workers, thousands(x.PostsPerSec), x.OfCeiling, x.CPUPerPostMicros, x.PeakRSSMiB,
			thousands(l.AchievedRate), l.P50Millis, l.P99Millis, l.MaxMillis, l.CPUPerPostMicros)
	}
	if s := r.Scan; s != nil {
		fmt.Fprintf(w, "%-14s %5d %9s %7s %8.1f %8.0f\n", "scan (offline)", 1, thousands(s.PostsPerSec), "", s.CPUPerPostMicros, s.PeakRSSMiB)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-14s %5s   %-46s   %s\n", "", "", "where the CPU went at the maximum rate", "in the latency phase")
	fmt.Fprintf(w, "%-14s %5s   %5s %9s %7s %7s %7s   %5s %9s %7s %7s %7s\n", "side", "procs",
		"busy", "processes", "broker", "Redis", "other", "busy", "processes", "broker", "Redis", "other")
	for _, x := range r.Runs {
		fmt.Fprintf(w, "%-14s %5d   %s   %s\n", x.Side, x.Workers, x.Share.columns(), x.Latency.Share.columns())
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "posts/s: the backlog over the time from releasing the stopped group to the last output's append time.")
	fmt.Fprintln(w, "ratio: posts/s over the pass-through's with as many processes. CPU µs: the processes' user+system CPU time")
	fmt.Fprintln(w, "a post in that window. RSS: the largest peak resident set of the processes. Latency: a post's output")
	fmt.Fprintln(w, "append time minus its own. Where the CPU went: how busy all CPUs were on average, and the CPU")
	fmt.Fprintln(w, "time in µs a post of the measured processes, the broker and Redis (- when not on this machine); other is")
	fmt.Fprintln(w, "the rest of the busy time: the bench's own producer or reader and anything else running here.")
	if r.Scan != nil {
		fmt.Fprintf(w, "scan: one process reading a file, its start-up (%.2fs CPU) taken out.", r.Scan.StartupCPUSeconds)
		if r.KafkaOverheadMicros != nil {
			fmt.Fprintf(w, " Kafka overhead of the worker (CPU µs a post, worker ×1 minus scan): %.1f", *r.KafkaOverheadMicros)
		}
		fmt.Fprintln(w)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// thousands formats x rounded, with thin groups of three digits.
func thousands(x float64) string {
	s := fmt.Sprintf("%.0f", x)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// percentiles returns the nearest-rank 50th and 99th percentiles and the
// maximum of xs (sorted in place); zeros for none.
func percentiles(xs []int64) (p50, p99, hi int64) {
	if len(xs) == 0 {
		return 0, 0, 0
	}
	slices.Sort(xs)
	rank := func(q float64) int64 {
		i := int(math.Ceil(q*float64(len(xs)))) - 1
		return xs[min(max(i, 0), len(xs)-1)]
	}
	return rank(0.50), rank(0.99), xs[len(xs)-1]
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
