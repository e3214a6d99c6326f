package admin

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// NewRegistry returns the registry a circleguard process serves on
// /metrics: the Go and process collectors and circleguard_build_info{version}
// (always 1), with version the build's version. `run` and `demo` use it, and
// so do the tests that run the demo in process, so that they export what the
// binary does. The packages' metrics (worker.NewMetrics, rules.NewMetrics)
// are registered on it by the caller. There is no global registry.
func NewRegistry(version string) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "circleguard_build_info",
		Help: "Always 1; the version label says which build runs.",
	}, []string{"version"})
	buildInfo.WithLabelValues(version).Set(1)
	reg.MustRegister(buildInfo)
	return reg
}
