// Package dashboards holds circleguard's Grafana dashboards (*.json, one per
// dashboard), the Grafana provisioning files that load them (provisioning/),
// the Prometheus alert rules (alerts.yaml) and an example Prometheus
// configuration. It has no Go code to import: its tests keep all of it true.
// Statically, every query is well formed and names only metrics listed in
// docs/metrics.md, and each dashboard follows Grafana's JSON model (no
// Grafana can run in these tests); promtool checks and unit-tests the alert
// rules; and against a live demo and a real Prometheus, every query parses,
// names only metrics the worker exports, and every panel returns data —
// except the trouble-only queries, which must return data only in their
// trouble (none on the healthy demo), and any the tests' pending list says
// await metrics still being built (none today). README.md says how to
// import the dashboards and what each panel answers.
package dashboards
