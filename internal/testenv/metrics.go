package testenv

import (
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// LintMetrics runs client_golang's metric lint over the circleguard_*
// metrics g gathers and checks that each is listed (as `name`) in the
// metrics catalogue at doc (docs/metrics.md, relative to the test's
// package). Other families (go_*, process_*) are the collectors' own.
func LintMetrics(t testing.TB, g prometheus.Gatherer, doc string) {
	t.Helper()
	problems, err := testutil.GatherAndLint(g)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "circleguard_") {
			t.Errorf("metric %s: %s", p.Metric, p.Text)
		}
	}
	text, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if name := mf.GetName(); strings.HasPrefix(name, "circleguard_") && !strings.Contains(string(text), "`"+name+"`") {
			t.Errorf("%s is not documented in %s", name, doc)
		}
	}
}
