package demo

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// summary turns the worker's metrics into the demo's live view.
type summary struct {
	reg      prometheus.Gatherer
	produced *atomic.Int64
	start    time.Time
	lastAt   time.Time
	lastDone float64
}

func newSummary(reg prometheus.Gatherer, produced *atomic.Int64) *summary {
	now := time.Now()
	return &summary{reg: reg, produced: produced, start: now, lastAt: now}
}

// snapshot is what one refresh shows.
type snapshot struct {
	produced, consumed, verdicts, dead, lag float64
	actions                                 map[string]float64
	labels                                  map[string]float64
	reasons                                 map[string]float64
	deadBy                                  map[string]float64
}

func (s *summary) take() (snapshot, error) {
	mfs, err := s.reg.Gather()
	if err != nil {
		return snapshot{}, err
	}
	sn := snapshot{produced: float64(s.produced.Load()), actions: map[string]float64{}, labels: map[string]float64{},
		reasons: map[string]float64{}, deadBy: map[string]float64{}}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch mf.GetName() {
			case "circleguard_posts_consumed_total":
				sn.consumed += m.GetCounter().GetValue()
			case "circleguard_verdicts_total":
				v := m.GetCounter().GetValue()
				sn.verdicts += v
				sn.actions[label(m, "action")] += v
				sn.labels[label(m, "label")] += v
			case "circleguard_dead_letters_total":
				v := m.GetCounter().GetValue()
				sn.dead += v
				if v > 0 {
					sn.deadBy[label(m, "reason")] += v
				}
			case "circleguard_reasons_total":
				// Every verdict carries the classifier's reason and the
				// repetition counts: only what fired says something.
				if kind, id := label(m, "kind"), label(m, "id"); kind != "classifier" && !(kind == "repetition" && id == "counts") {
					sn.reasons[id] += m.GetCounter().GetValue()
				}
			case "circleguard_consumer_lag_messages":
				sn.lag += m.GetGauge().GetValue()
			}
		}
	}
	return sn, nil
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// print writes the summary: one screen redrawn in place, or one line.
func (s *summary) print(w io.Writer, screen bool) {
	sn, err := s.take()
	if err != nil {
		fmt.Fprintln(w, "summary:", err)
		return
	}
	now := time.Now()
	done := sn.verdicts + sn.dead
	rate := (done - s.lastDone) / now.Sub(s.lastAt).Seconds()
	s.lastAt, s.lastDone = now, done
	up := now.Sub(s.start).Round(time.Second)

	if !screen {
		fmt.Fprintf(w, "%6s  %7.0f posts/s  produced %d  verdicts %d  dead-letter %d  lag %d  | %s | %s | top: %s\n",
			up, rate, int64(sn.produced), int64(sn.verdicts), int64(sn.dead), int64(sn.lag),
			mix(sn.actions, sn.verdicts, []string{"allow", "limit", "review", "block"}),
			mix(sn.labels, sn.verdicts, []string{"sales", "brushing", "mlm", "fraud"}), top(sn.reasons, 3))
		return
	}
	var b strings.Builder
	b.WriteString("\x1b[H\x1b[2J")
	fmt.Fprintf(&b, "circleguard demo — up %s (Ctrl-C stops)\n\n", up)
	fmt.Fprintf(&b, "  throughput   %8.0f posts/s\n", rate)
	fmt.Fprintf(&b, "  produced     %8d\n  consumed     %8d\n  verdicts     %8d\n  dead-letter  %8d   %s\n  lag          %8d messages\n\n",
		int64(sn.produced), int64(sn.consumed), int64(sn.verdicts), int64(sn.dead), top(sn.deadBy, 5), int64(sn.lag))
	fmt.Fprintf(&b, "  actions      %s\n", mix(sn.actions, sn.verdicts, []string{"allow", "limit", "review", "block"}))
	fmt.Fprintf(&b, "  labels       %s\n\n", mix(sn.labels, sn.verdicts, []string{"none", "sales", "brushing", "mlm", "fraud"}))
	b.WriteString("  top reasons\n")
	for _, kv := range sorted(sn.reasons, 8) {
		fmt.Fprintf(&b, "    %-18s %8d\n", kv.k, int64(kv.v))
	}
	io.WriteString(w, b.String())
}

func mix(m map[string]float64, total float64, order []string) string {
	if total == 0 {
		return "-"
	}
	parts := make([]string, 0, len(order))
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%s %.1f%%", k, 100*m[k]/total))
	}
	return strings.Join(parts, "  ")
}

type kv struct {
	k string
	v float64
}

func sorted(m map[string]float64, n int) []kv {
	var out []kv
	for k, v := range m {
		if v > 0 {
			out = append(out, kv{k, v})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].v != out[j].v {
			return out[i].v > out[j].v
		}
		return out[i].k < out[j].k
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func top(m map[string]float64, n int) string {
	var parts []string
	for _, e := range sorted(m, n) {
		parts = append(parts, fmt.Sprintf("%s %d", e.k, int64(e.v)))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}
