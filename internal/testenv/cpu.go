package testenv

import (
	"syscall"
	"testing"
	"time"
)

// CPUTime is the CPU time (user and system) the process has used so far,
// all threads together: the garbage collector's work included.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// CPUPerOp reports, as the metric "cpu-ns/<unit>", the process's CPU time
// since start divided by n units of work. On a shared machine the wall
// time a benchmark measures includes waiting for a core; the CPU time does
// not, so it compares better between runs. Call it at the end of the
// benchmark, with start taken before the loop.
func CPUPerOp(b *testing.B, start time.Duration, n int, unit string) {
	b.Helper()
	if n > 0 {
		b.ReportMetric(float64(CPUTime()-start)/float64(n), "cpu-ns/"+unit)
	}
}
