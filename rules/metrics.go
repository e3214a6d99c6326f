package rules

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the rule engine's Prometheus metrics. Create them once per
// registry with NewMetrics and hand them to the Sets (WithMetrics) and the
// Reloader. A nil *Metrics records nothing.
type Metrics struct {
	// hits counts hits by rule, mode and action, at evaluation time (a
	// post processed again after a redelivery counts again).
	hits *prometheus.CounterVec
	// errs counts runtime errors by rule.
	errs *prometheus.CounterVec
	// evalSeconds is the time of one Set.Eval (every rule on one post).
	evalSeconds prometheus.Histogram
	// reloadSuccess is 1 when the last reload succeeded, 0 when it failed
	// (and the previous set is still active).
	reloadSuccess prometheus.Gauge
	// reloads counts reload attempts by result: success, failure.
	reloads *prometheus.CounterVec
	// info is 1 for the active set's version.
	info *prometheus.GaugeVec
}

// NewMetrics creates the metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		hits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "circleguard_rule_hits_total",
			Help: "Rule hits at evaluation, by rule, mode (enforce, shadow) and action.",
		}, []string{"rule", "mode", "action"}),
		errs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "circleguard_rule_errors_total",
			Help: "Rule evaluations that failed at run time (counted as no hit), by rule.",
		}, []string{"rule"}),
		evalSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "circleguard_rule_eval_seconds",
			Help:    "Time to evaluate every active rule on one post.",
			Buckets: []float64{1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 1e-3, 1e-2},
		}),
		reloadSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "circleguard_rules_reload_success",
			Help: "1 if the last rules reload succeeded, 0 if it failed and the previous rules are still active.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "circleguard_rules_reload_total",
			Help: "Rules reload attempts by result (success, failure).",
		}, []string{"result"}),
		info: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "circleguard_rules_info",
			Help: "Always 1, labelled with the active rule set's version (content hash).",
		}, []string{"version"}),
	}
	m.reloads.WithLabelValues("success")
	m.reloads.WithLabelValues("failure")
	reg.MustRegister(m.hits, m.errs, m.evalSeconds, m.reloadSuccess, m.reloads, m.info)
	return m
}

// ruleMetrics are a rule's counters, resolved once when a Set is loaded
// with metrics; the zero value records nothing.
type ruleMetrics struct {
	hits, errs prometheus.Counter
}

func (m ruleMetrics) hit() {
	if m.hits != nil {
		m.hits.Inc()
	}
}

func (m ruleMetrics) errors() {
	if m.errs != nil {
		m.errs.Inc()
	}
}

// attach resolves the rules' counters; called before the Set is shared.
func (s *Set) attach(m *Metrics) {
	s.metrics = m
	if m == nil {
		return
	}
	for _, r := range s.active {
		r.metrics = ruleMetrics{
			hits: m.hits.WithLabelValues(r.ID, string(r.Mode), r.Action),
			errs: m.errs.WithLabelValues(r.ID),
		}
	}
}

// activated records that s is the active set, replacing old (nil at
// start): the info metric names s's version, and the series of rules old
// had and s has not are dropped.
func (m *Metrics) activated(s, old *Set) {
	if m == nil {
		return
	}
	if old != nil {
		m.info.DeleteLabelValues(old.version)
		for _, r := range old.active {
			if nr := s.Rule(r.ID); nr == nil || nr.Mode != r.Mode || nr.Action != r.Action {
				m.hits.DeleteLabelValues(r.ID, string(r.Mode), r.Action)
			}
			if nr := s.Rule(r.ID); nr == nil || nr.Mode == ModeOff {
				m.errs.DeleteLabelValues(r.ID)
			}
		}
	}
	m.info.WithLabelValues(s.version).Set(1)
}

// Fixed records s as the active set of a process that does not reload
// (the embedded pack, or a directory loaded once): circleguard_rules_info
// names s's version, and circleguard_rules_reload_success is 1 (the load
// succeeded), so that the reload alert stays quiet. s should be loaded
// WithMetrics(m) for its hits to count. A nil m or s records nothing.
func (m *Metrics) Fixed(s *Set) {
	if m == nil || s == nil {
		return
	}
	m.activated(s, nil)
	m.reloadSuccess.Set(1)
}

// reloaded records the result of a reload.
func (m *Metrics) reloaded(err error) {
	if m == nil {
		return
	}
	if err != nil {
		m.reloadSuccess.Set(0)
		m.reloads.WithLabelValues("failure").Inc()
		return
	}
	m.reloadSuccess.Set(1)
	m.reloads.WithLabelValues("success").Inc()
}
