package dashboards

import (
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestDashboardComposeMatchesProvisioning keeps the untested compose.yaml
// consistent with the tested pieces: Grafana mounts this folder where the
// dashboards provider reads, the datasource points at the compose service
// that runs Prometheus, and Prometheus gets prometheus.yml and alerts.yaml.
func TestDashboardComposeMatchesProvisioning(t *testing.T) {
	var compose struct {
		Services map[string]struct {
			Volumes []string `yaml:"volumes"`
		} `yaml:"services"`
	}
	var provider struct {
		Providers []struct {
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	var datasources struct {
		Datasources []struct {
			Type string `yaml:"type"`
			URL  string `yaml:"url"`
		} `yaml:"datasources"`
	}
	for path, v := range map[string]any{
		"compose.yaml": &compose,
		"provisioning/dashboards/circleguard.yaml": &provider,
		"provisioning/datasources/prometheus.yaml": &datasources,
	} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	mounts := func(service string) map[string]string { // container path → host path
		m := map[string]string{}
		for _, v := range compose.Services[service].Volumes {
			parts := strings.Split(v, ":")
			if len(parts) >= 2 {
				m[parts[1]] = parts[0]
			}
		}
		return m
	}
	if len(provider.Providers) != 1 {
		t.Fatalf("provisioning/dashboards/circleguard.yaml: %d providers, want 1", len(provider.Providers))
	}
	if got := mounts("grafana")[provider.Providers[0].Options.Path]; got != "." {
		t.Errorf("compose.yaml mounts %q at the dashboards provider's path %s, want this folder (.)", got, provider.Providers[0].Options.Path)
	}
	if got := mounts("grafana")["/etc/grafana/provisioning"]; got != "./provisioning" {
		t.Errorf("compose.yaml mounts %q at /etc/grafana/provisioning, want ./provisioning", got)
	}
	if len(datasources.Datasources) != 1 || datasources.Datasources[0].Type != "prometheus" ||
		!strings.HasPrefix(datasources.Datasources[0].URL, "http://prometheus:") {
		t.Errorf("provisioning/datasources/prometheus.yaml: %+v, want one prometheus datasource at http://prometheus:PORT (the compose service)", datasources.Datasources)
	}
	pm := mounts("prometheus")
	if pm["/etc/prometheus/prometheus.yml"] != "./prometheus.yml" || pm["/etc/prometheus/alerts.yaml"] != "./alerts.yaml" {
		t.Errorf("compose.yaml: prometheus mounts %v, want ./prometheus.yml and ./alerts.yaml in /etc/prometheus", pm)
	}
}
