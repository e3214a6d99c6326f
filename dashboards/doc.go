// Package dashboards holds circleguard's Grafana dashboards (*.json, one per
// dashboard) and the Grafana provisioning files that load them
// (provisioning/). It has no Go code to import: its test keeps the dashboards
// true by checking that every query is well formed and names only metrics
// listed in docs/metrics.md, and that every documented metric is shown on
// some panel or explicitly allowed not to be. README.md says how to import
// them and what each panel answers.
package dashboards
