package dashboards

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"go.yaml.in/yaml/v3"
)

// No Grafana runs in these tests: Debian ships none, the npm and PyPI
// packages named "grafana" are empty placeholders, Grafana's Go module is
// AGPL (and no server binary), and CI has no Docker. So the JSON is held to
// Grafana's documented dashboard model (the "Dashboard JSON model" page of
// Grafana's documentation, the classic model that Grafana 10 and 11 import)
// here, field by field, instead of by an import.

// Schema versions: 36 is the first whose datasource references are
// {type, uid} objects everywhere (variables, annotations, panels, targets),
// which these dashboards use; 39 is what Grafana 10.4 writes. Grafana
// migrates an older dashboard on load and loads a newer one as it is, so
// the range keeps both the import into 10.x and the meaning of our
// datasource references free of migrations.
const minSchemaVersion, maxSchemaVersion = 36, 39

// grafanaUID is the documented form of a dashboard uid: 8 to 40 characters
// (Grafana refuses longer), of the characters Grafana's generated uids use.
var grafanaUID = regexp.MustCompile(`^[A-Za-z0-9_-]{8,40}$`)

// corePanels are the panel types built into Grafana 10 and later (React
// panels: no plugin to install, nothing Angular).
var corePanels = map[string]bool{
	"row": true, "timeseries": true, "stat": true, "gauge": true, "bargauge": true, "table": true,
	"barchart": true, "piechart": true, "histogram": true, "heatmap": true, "state-timeline": true,
	"status-history": true, "text": true, "logs": true, "nodeGraph": true, "traces": true,
	"flamegraph": true, "geomap": true, "canvas": true, "candlestick": true, "trend": true,
	"xychart": true, "news": true, "dashlist": true, "alertlist": true, "annolist": true,
}

// legacyPanels are AngularJS panels: deprecated in Grafana 10, off by
// default in 11 (Grafana's "Angular deprecation" pages), with the
// replacement to use.
var legacyPanels = map[string]string{
	"graph":                    "timeseries",
	"table-old":                "table",
	"singlestat":               "stat",
	"grafana-singlestat-panel": "stat",
	"grafana-piechart-panel":   "piechart",
	"grafana-worldmap-panel":   "geomap",
}

// variableTypes are Grafana's template variable types.
var variableTypes = map[string]bool{"query": true, "custom": true, "constant": true, "datasource": true,
	"interval": true, "textbox": true, "adhoc": true}

// TestDashboardGrafanaModel checks each dashboard against Grafana's classic
// JSON model, beyond TestDashboards: the schema version, the uid's form,
// variables of known types with the datasource variable first, panel types
// that Grafana 10 and later have built in (no legacy graph, no Angular
// panel), a complete gridPos for every panel, rows as Grafana nests them,
// heatmaps fed buckets as Grafana expects them, tables fed instant tables,
// and an annotation list that keeps Grafana's built-in entry.
func TestDashboardGrafanaModel(t *testing.T) {
	files, err := filepath.Glob("*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var d map[string]any
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{"uid", "title", "schemaVersion", "panels", "templating", "annotations", "time", "editable"} {
				if _, ok := d[key]; !ok {
					t.Errorf("no %q", key)
				}
			}
			if sv, _ := d["schemaVersion"].(float64); sv < minSchemaVersion || sv > maxSchemaVersion {
				t.Errorf("schemaVersion %v: want %d to %d (datasource references as objects; what Grafana 10 writes)", d["schemaVersion"], minSchemaVersion, maxSchemaVersion)
			}
			if uid, _ := d["uid"].(string); !grafanaUID.MatchString(uid) {
				t.Errorf("uid %q: want 8 to 40 letters, digits, '-' or '_'", uid)
			}

			vars := list(d, "templating", "list")
			for i, v := range vars {
				typ, _ := v["type"].(string)
				if !variableTypes[typ] {
					t.Errorf("variable %v: type %q is not a Grafana variable type", v["name"], typ)
				}
				if typ == "datasource" && i != 0 {
					t.Errorf("variable %v: the datasource variable must come first, before the variables that query it", v["name"])
				}
				if typ == "query" {
					// 1: on dashboard load, 2: on time range change; 0 (never)
					// would keep the values saved in the file, which are none.
					if r, _ := v["refresh"].(float64); r != 1 && r != 2 {
						t.Errorf("variable %v: refresh %v, want 1 or 2 so that Grafana loads its values", v["name"], v["refresh"])
					}
				}
			}
			if len(vars) == 0 || vars[0]["type"] != "datasource" {
				t.Error("the first variable must be the datasource variable")
			}

			anns := list(d, "annotations", "list")
			builtIn := false
			for _, a := range anns {
				if a["builtIn"] == float64(1) && a["type"] == "dashboard" {
					builtIn = true
				}
				if _, ok := a["name"].(string); !ok {
					t.Errorf("annotation without a name: %v", a)
				}
			}
			if !builtIn {
				t.Error(`no built-in "Annotations & Alerts" entry (Grafana adds it to every dashboard; keep it so that an export round-trips)`)
			}

			panels, _ := d["panels"].([]any)
			checkPanels(t, panels, false)
		})
	}
}

// checkPanels checks panels, recursively into collapsed rows (inRow).
func checkPanels(t *testing.T, panels []any, inRow bool) {
	t.Helper()
	for _, x := range panels {
		p, _ := x.(map[string]any)
		title, _ := p["title"].(string)
		typ, _ := p["type"].(string)
		if repl, legacy := legacyPanels[typ]; legacy {
			t.Errorf("panel %q: type %q is a legacy AngularJS panel that Grafana 11 no longer loads: use %q", title, typ, repl)
		} else if !corePanels[typ] {
			t.Errorf("panel %q: type %q is not a panel built into Grafana 10 (a plugin would have to be installed)", title, typ)
		}
		gp, _ := p["gridPos"].(map[string]any)
		for _, k := range []string{"h", "w", "x", "y"} {
			v, ok := gp[k].(float64)
			if !ok || v < 0 || v != float64(int(v)) {
				t.Errorf("panel %q: gridPos.%s %v: want a whole number ≥ 0", title, k, gp[k])
			}
		}
		children, _ := p["panels"].([]any)
		if typ == "row" {
			if inRow {
				t.Errorf("row %q inside a row: Grafana does not nest rows", title)
			}
			if w, _ := gp["w"].(float64); w != 24 {
				t.Errorf("row %q: width %v, want the full 24 columns", title, gp["w"])
			}
			collapsed, _ := p["collapsed"].(bool)
			if !collapsed && len(children) > 0 {
				t.Errorf("row %q is expanded but holds panels: Grafana keeps an expanded row's panels in the dashboard's list", title)
			}
			checkPanels(t, children, true)
			continue
		}
		if len(children) > 0 {
			t.Errorf("panel %q (%s) holds panels: only rows do", title, typ)
		}
		targets, _ := p["targets"].([]any)
		for _, y := range targets {
			tg, _ := y.(map[string]any)
			format, _ := tg["format"].(string)
			switch typ {
			case "heatmap":
				// Prometheus buckets as they are: one series per le, counts
				// per interval (Grafana de-accumulates them), no re-bucketing.
				if format != "heatmap" {
					t.Errorf("heatmap %q target %v: format %q, want heatmap (Prometheus histogram buckets)", title, tg["refId"], format)
				}
			case "table":
				if format != "table" || tg["instant"] != true {
					t.Errorf("table %q target %v: format %q instant %v, want an instant query in table format", title, tg["refId"], format, tg["instant"])
				}
			}
		}
		if typ == "heatmap" {
			opts, _ := p["options"].(map[string]any)
			if opts["calculate"] != false {
				t.Errorf("heatmap %q: options.calculate %v, want false: the buckets come from Prometheus", title, opts["calculate"])
			}
		}
	}
}

// list returns d[key][sub] as a list of objects.
func list(d map[string]any, key, sub string) []map[string]any {
	m, _ := d[key].(map[string]any)
	xs, _ := m[sub].([]any)
	var out []map[string]any
	for _, x := range xs {
		if o, ok := x.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}

// TestDashboardProvisioningModel checks the provisioning files against
// Grafana's provisioning format (apiVersion 1): one file provider whose
// path is absolute, not allowing UI edits to drift from the JSON here, and
// one Prometheus datasource with a scrape interval for $__rate_interval.
func TestDashboardProvisioningModel(t *testing.T) {
	var dash struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Name           string `yaml:"name"`
			Type           string `yaml:"type"`
			Folder         string `yaml:"folder"`
			AllowUIUpdates bool   `yaml:"allowUiUpdates"`
			Options        struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	var ds struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Name     string         `yaml:"name"`
			Type     string         `yaml:"type"`
			Access   string         `yaml:"access"`
			URL      string         `yaml:"url"`
			JSONData map[string]any `yaml:"jsonData"`
		} `yaml:"datasources"`
	}
	for path, v := range map[string]any{
		"provisioning/dashboards/circleguard.yaml": &dash,
		"provisioning/datasources/prometheus.yaml": &ds,
	} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	if dash.APIVersion != 1 || len(dash.Providers) != 1 {
		t.Fatalf("dashboards provisioning: apiVersion %d, %d providers; want 1 and 1", dash.APIVersion, len(dash.Providers))
	}
	p := dash.Providers[0]
	if p.Name == "" || p.Type != "file" || !filepath.IsAbs(p.Options.Path) || p.AllowUIUpdates {
		t.Errorf("dashboards provider %+v: want a name, type file, an absolute options.path, allowUiUpdates false", p)
	}
	if ds.APIVersion != 1 || len(ds.Datasources) != 1 {
		t.Fatalf("datasources provisioning: apiVersion %d, %d datasources; want 1 and 1", ds.APIVersion, len(ds.Datasources))
	}
	d := ds.Datasources[0]
	if d.Name == "" || d.Type != "prometheus" || d.Access != "proxy" || d.URL == "" || d.JSONData["timeInterval"] == nil {
		t.Errorf("datasource %+v: want a named prometheus datasource, access proxy, a url and jsonData.timeInterval", d)
	}
}
