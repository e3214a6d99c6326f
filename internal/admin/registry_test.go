package admin

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/circleguard/circleguard/internal/testenv"
)

// TestRegistryLint lints the process registry's metrics, checks that
// circleguard_build_info carries the version, and that every circleguard_*
// metric it registers is listed in docs/metrics.md.
func TestRegistryLint(t *testing.T) {
	reg := NewRegistry("v1.2.3 0123456789ab")
	testenv.LintMetrics(t, reg, "../../docs/metrics.md")
	want := `
# HELP circleguard_build_info Always 1; the version label says which build runs.
# TYPE circleguard_build_info gauge
circleguard_build_info{version="v1.2.3 0123456789ab"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "circleguard_build_info"); err != nil {
		t.Error(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	for _, prefix := range []string{"go_", "process_"} {
		found := false
		for _, n := range names {
			found = found || strings.HasPrefix(n, prefix)
		}
		if !found {
			t.Errorf("no %s* metrics: the Go and process collectors must be registered", prefix)
		}
	}
}
