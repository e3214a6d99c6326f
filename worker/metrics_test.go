package worker

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/circleguard/circleguard/internal/testenv"
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
	m.observeClassifier("m-000000000000", map[string]float64{"spam": 0.9, "sales": 0.1})
	testenv.LintMetrics(t, reg, "../docs/metrics.md")
}

// TestObserveClassifier checks circleguard_classifier_score and
// circleguard_model_info: one histogram series per model label, buckets
// 0.1 wide, labels bounded by the model's (and by maxScoreLabels), one
// model_info series that follows the model of the verdicts.
func TestObserveClassifier(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	probs := map[string]float64{"fraud": 0.02, "mlm": 0.15, "sales": 0.95, "spam": 0.55}
	var wg sync.WaitGroup
	for range 8 { // concurrent batches: the first reason fixes the labels once
		wg.Go(func() {
			for range 100 {
				m.observeClassifier("m-aaaaaaaaaaaa", probs)
			}
		})
	}
	wg.Wait()
	// A reason with a label the model did not have: not a new series.
	m.observeClassifier("m-aaaaaaaaaaaa", map[string]float64{"sales": 0.5, "post-1234": 1})

	if got := testutil.CollectAndCount(m.ClassifierScore); got != 4 {
		t.Errorf("circleguard_classifier_score has %d series, want the model's 4 labels", got)
	}
	want := `
# HELP circleguard_model_info Always 1, labelled with the version of the classifier model of the acknowledged verdicts.
# TYPE circleguard_model_info gauge
circleguard_model_info{version="m-aaaaaaaaaaaa"} 1
`
	if err := testutil.CollectAndCompare(m.ModelInfo, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "circleguard_classifier_score" {
			continue
		}
		for _, mt := range mf.GetMetric() {
			h := mt.GetHistogram()
			label := mt.GetLabel()[0].GetValue()
			wantCount := uint64(800)
			if label == "sales" {
				wantCount = 801
			}
			if h.GetSampleCount() != wantCount {
				t.Errorf("label %s: %d observations, want %d", label, h.GetSampleCount(), wantCount)
			}
			var bounds []string
			for _, b := range h.GetBucket() {
				bounds = append(bounds, fmt.Sprint(b.GetUpperBound()))
			}
			if got := strings.Join(bounds, " "); got != "0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9 1" {
				t.Errorf("label %s: buckets %s, want 0.1 wide up to 1", label, got)
			}
		}
	}

	// Another model: model_info holds only it, labels it lacks go.
	m.observeClassifier("m-bbbbbbbbbbbb", map[string]float64{"spam": 0.3, "ham": 0.7})
	want = strings.Replace(want, "m-aaaaaaaaaaaa", "m-bbbbbbbbbbbb", 1)
	if err := testutil.CollectAndCompare(m.ModelInfo, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	if got := testutil.CollectAndCount(m.ClassifierScore); got != 2 {
		t.Errorf("after a model change circleguard_classifier_score has %d series, want the new model's 2", got)
	}

	// A model with very many labels is cut to maxScoreLabels.
	many := map[string]float64{}
	for i := range 3 * maxScoreLabels {
		many[fmt.Sprintf("l%03d", i)] = 0.5
	}
	m.observeClassifier("m-cccccccccccc", many)
	if got := testutil.CollectAndCount(m.ClassifierScore); got != maxScoreLabels {
		t.Errorf("a model of %d labels: %d series, want at most %d", len(many), got, maxScoreLabels)
	}
}

// BenchmarkObserveClassifier is the per-verdict cost of the classifier
// metrics (four labels, the default model's).
func BenchmarkObserveClassifier(b *testing.B) {
	m := NewMetrics(prometheus.NewRegistry())
	probs := map[string]float64{"fraud": 0.02, "mlm": 0.15, "sales": 0.95, "spam": 0.55}
	b.ReportAllocs()
	for b.Loop() {
		m.observeClassifier("m-aaaaaaaaaaaa", probs)
	}
}
