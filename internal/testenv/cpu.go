package testenv

import (
	"testing"
	"time"
)

// CPUPerOp reports, as the metric "cpu-ns/<unit>", the process's CPU time
// since start divided by n units of work. On a shared machine the wall
// time a benchmark measures includes waiting for a core; the CPU time does
// not, so it compares better between runs. Call it at the end of the
// benchmark, with start taken before the loop.
func CPUPerOp(b *testing.B, start time.Duration, n int, unit string) {
	b.Helper()
	if n > 0 && start > 0 {
		b.ReportMetric(float64(CPUTime()-start)/float64(n), "cpu-ns/"+unit)
	}
}
