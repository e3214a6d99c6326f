package worker

import (
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestMetricsLint lints the worker's metrics and keeps docs/metrics.md
// complete.
func TestMetricsLint(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	// Touch the vectors so that every family is gathered.
	m.ConsumerLag.WithLabelValues("0").Set(0)
	m.CommittedOffset.WithLabelValues("0").Set(0)
	m.Reasons.WithLabelValues("signal", "contact.wechat").Inc()
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("metric %s: %s", p.Metric, p.Text)
	}
	doc, err := os.ReadFile("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if !strings.Contains(string(doc), "`"+mf.GetName()+"`") {
			t.Errorf("%s is not documented in docs/metrics.md", mf.GetName())
		}
	}
}
