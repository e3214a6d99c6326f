package demo

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/circleguard/circleguard/classifiers"
	"github.com/circleguard/circleguard/internal/admin"
)

// TestRunExportsModelAndBuild runs the demo for a few seconds on the
// registry `circleguard demo` uses and checks what the trust dashboard's
// version tables and classifier panels read: circleguard_build_info,
// circleguard_model_info with the version of the model that decided (the
// embedded one), and a circleguard_classifier_score series for each of that
// model's labels and no other.
func TestRunExportsModelAndBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for 3 s")
	}
	model, err := classifiers.DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	reg := admin.NewRegistry("demo-test")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := Config{Rate: 300, BadEvery: 50, Duration: 3 * time.Second, Refresh: time.Hour}
	if err := Run(context.Background(), cfg, admin.Config{}, reg, io.Discard, log); err != nil {
		t.Fatalf("demo: %v", err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	labelsOf := func(name, label string) []string {
		var vs []string
		for _, mf := range mfs {
			if mf.GetName() != name {
				continue
			}
			for _, m := range mf.GetMetric() {
				for _, lp := range m.GetLabel() {
					if lp.GetName() == label {
						vs = append(vs, lp.GetValue())
					}
				}
				if h := m.GetHistogram(); h != nil && h.GetSampleCount() == 0 {
					t.Errorf("%s%v: no observations after 3 s of traffic", name, m.GetLabel())
				}
			}
		}
		slices.Sort(vs)
		return vs
	}
	if got := labelsOf("circleguard_build_info", "version"); !slices.Equal(got, []string{"demo-test"}) {
		t.Errorf("circleguard_build_info versions %v, want [demo-test]", got)
	}
	if got := labelsOf("circleguard_model_info", "version"); !slices.Equal(got, []string{model.Version()}) {
		t.Errorf("circleguard_model_info versions %v, want the embedded model's [%s]", got, model.Version())
	}
	want := model.Labels()
	slices.Sort(want)
	if got := labelsOf("circleguard_classifier_score", "label"); !slices.Equal(got, want) {
		t.Errorf("circleguard_classifier_score labels %v, want the model's %v", got, want)
	}
}
