package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/circleguard/circleguard/internal/verdict"
)

func TestDecide(t *testing.T) {
	p, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	r := func(label string, score float64) verdict.Reason {
		return verdict.Reason{Kind: "signal", ID: "x", Label: label, Score: score}
	}
	tests := []struct {
		name       string
		reasons    []verdict.Reason
		wantAction string
		wantLabels []string
		wantScore  float64
		probs      map[string]float64
	}{
		{"nothing", nil, verdict.Allow, nil, 0, nil},
		{"neutral evidence", []verdict.Reason{r("", 0.9)}, verdict.Allow, nil, 0, nil},
		{"weak sales", []verdict.Reason{r("sales", 0.3)}, verdict.Allow, nil, 0.3, nil},
		{"noisy-or crosses threshold", []verdict.Reason{r("sales", 0.3), r("sales", 0.3)}, verdict.Limit, []string{"sales"}, 0.51, nil},
		{"mlm reviews", []verdict.Reason{r("mlm", 0.6)}, verdict.Review, []string{"mlm"}, 0.6, nil},
		{"strongest action wins", []verdict.Reason{r("sales", 0.6), r("fraud", 0.7)}, verdict.Review, []string{"sales", "fraud"}, 0.7, nil},
		{"block at for fraud", []verdict.Reason{r("fraud", 0.9), r("fraud", 0.8)}, verdict.Block, []string{"fraud"}, 0.98, nil},
		{"no block for sales", []verdict.Reason{r("sales", 0.9), r("sales", 0.8)}, verdict.Limit, []string{"sales"}, 0.98, nil},
		{"unknown label ignored", []verdict.Reason{r("spam", 1)}, verdict.Allow, nil, 0, nil},
		{"scores clamped", []verdict.Reason{r("fraud", 7), r("mlm", -3)}, verdict.Block, []string{"fraud"}, 1, nil},
		{"classifier alone", nil, verdict.Review, []string{"mlm"}, 0.8, map[string]float64{"mlm": 0.8, "sales": 0.1}},
		{"max of classifier and signals", []verdict.Reason{r("sales", 0.3), r("sales", 0.3)}, verdict.Limit, []string{"sales"}, 0.6, map[string]float64{"sales": 0.6}},
		{"classifier reason kind not double counted", []verdict.Reason{{Kind: "classifier", Label: "fraud", Score: 0.9}}, verdict.Allow, nil, 0.2, map[string]float64{"fraud": 0.2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Decide(tt.reasons, tt.probs)
			if d.Action != tt.wantAction || !slices.Equal(d.Labels, tt.wantLabels) || abs(d.Score-tt.wantScore) > 1e-9 {
				t.Fatalf("Decide = %+v, want action %s labels %v score %v", d, tt.wantAction, tt.wantLabels, tt.wantScore)
			}
		})
	}
}

func TestDecideMonotone(t *testing.T) {
	p, _ := New(DefaultConfig())
	var reasons []verdict.Reason
	last := -1.0
	lastSev := -1
	for _, l := range []string{"sales", "mlm", "fraud", "sales", "fraud", "fraud"} {
		reasons = append(reasons, verdict.Reason{Label: l, Score: 0.4})
		d := p.Decide(reasons, nil)
		if d.Score < last || verdict.Severity(d.Action) < lastSev {
			t.Fatalf("adding evidence lowered the decision: %+v after score %v", d, last)
		}
		last, lastSev = d.Score, verdict.Severity(d.Action)
	}
}

func TestConfigValidate(t *testing.T) {
	mod := func(f func(*Config)) Config { c := DefaultConfig(); f(&c); return c }
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"zero threshold", mod(func(c *Config) { c.LabelThreshold = 0 }), "label_threshold"},
		{"block above 1", mod(func(c *Config) { c.BlockAt["fraud"] = 1.5 }), "block_at: fraud 1.5"},
		{"block unknown label", mod(func(c *Config) { c.BlockAt["spam"] = 0.9 }), `block_at: unknown label "spam"`},
		{"unknown label", mod(func(c *Config) { c.Actions = map[string]string{"spam": "block"} }), `unknown label "spam"`},
		{"unknown action", mod(func(c *Config) { c.Actions["fraud"] = "ban" }), `unknown action "ban"`},
		{"missing label", mod(func(c *Config) { delete(c.Actions, "mlm") }), "no action for label mlm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestVersionIsContentHash(t *testing.T) {
	a, _ := New(DefaultConfig())
	b, _ := New(DefaultConfig())
	c, _ := New(func() Config { c := DefaultConfig(); c.Actions["sales"] = verdict.Review; return c }())
	if a.Version() != b.Version() || a.Version() == c.Version() || !strings.HasPrefix(a.Version(), "policy-") {
		t.Fatalf("versions %s %s %s", a.Version(), b.Version(), c.Version())
	}
}

func TestLabelIndexMatchesLabels(t *testing.T) {
	for i, l := range verdict.Labels {
		if labelIndex(l) != i {
			t.Fatalf("labelIndex(%s) = %d, want %d", l, labelIndex(l), i)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func BenchmarkDecide(b *testing.B) {
	p, _ := New(DefaultConfig())
	reasons := []verdict.Reason{{Label: "sales", Score: 0.45}, {Label: "sales", Score: 0.3}, {Label: "mlm", Score: 0.25}}
	b.ReportAllocs()
	for b.Loop() {
		p.Decide(reasons, nil)
	}
}

func TestAppendReasons(t *testing.T) {
	hits := []Hit{
		{Rule: "a", Labels: []string{"mlm", "fraud"}, Action: verdict.Review, Score: 0.7, Mode: ModeEnforce,
			Evidence: []Evidence{{Kind: "keyword", Name: "contains_any", Value: "招代理"}, {Kind: "feature", Name: "repetition.author_copies_24h", Value: "7"}}},
		{Rule: "b", Labels: []string{"sales"}, Action: verdict.Block, Score: 0.2, Mode: ModeShadow},
	}
	got := AppendReasons(nil, hits, ModeEnforce)
	ev := "keyword contains_any: 招代理; feature repetition.author_copies_24h: 7"
	want := []verdict.Reason{{Kind: "rule", ID: "a", Label: "mlm", Score: 0.7, Evidence: ev}, {Kind: "rule", ID: "a", Label: "fraud", Score: 0.7, Evidence: ev}}
	if !slices.EqualFunc(got, want, func(a, b verdict.Reason) bool {
		return a.Kind == b.Kind && a.ID == b.ID && a.Label == b.Label && a.Score == b.Score && a.Evidence == b.Evidence
	}) {
		t.Errorf("enforce reasons = %+v, want %+v", got, want)
	}
	if got := AppendReasons(nil, hits, ModeShadow); len(got) != 1 || got[0].ID != "b" || got[0].Label != "sales" || got[0].Evidence != "" {
		t.Errorf("shadow reasons = %+v", got)
	}
	if got := AppendReasons(nil, nil, ModeEnforce); got != nil {
		t.Errorf("no hits: %+v", got)
	}
}

func TestFloor(t *testing.T) {
	hit := func(action string, mode Mode, labels ...string) Hit {
		return Hit{Rule: "r", Labels: labels, Action: action, Mode: mode}
	}
	tests := []struct {
		name       string
		d          Decision
		hits       []Hit
		wantAction string
		wantLabels []string
	}{
		{"no hits", Decision{Action: verdict.Limit, Labels: []string{"sales"}}, nil, verdict.Limit, []string{"sales"}},
		{"block raises and labels", Decision{Action: verdict.Allow}, []Hit{hit(verdict.Block, ModeEnforce, "fraud")}, verdict.Block, []string{"fraud"}},
		{"labels merge in order", Decision{Action: verdict.Limit, Labels: []string{"sales"}},
			[]Hit{hit(verdict.Review, ModeEnforce, "fraud", "mlm"), hit(verdict.Limit, ModeEnforce, "brushing")},
			verdict.Review, []string{"sales", "mlm", "fraud"}},
		{"weaker floor changes nothing", Decision{Action: verdict.Review, Labels: []string{"mlm"}},
			[]Hit{hit(verdict.Limit, ModeEnforce, "sales")}, verdict.Review, []string{"mlm"}},
		{"equal floor adds no label", Decision{Action: verdict.Review, Labels: []string{"mlm"}},
			[]Hit{hit(verdict.Review, ModeEnforce, "fraud")}, verdict.Review, []string{"mlm"}},
		{"shadow never floors", Decision{Action: verdict.Allow}, []Hit{hit(verdict.Block, ModeShadow, "fraud")}, verdict.Allow, nil},
		{"allow rule", Decision{Action: verdict.Allow}, []Hit{hit(verdict.Allow, ModeEnforce)}, verdict.Allow, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.d
			d.Floor(tt.hits)
			if d.Action != tt.wantAction || !slices.Equal(d.Labels, tt.wantLabels) {
				t.Errorf("Floor = %s %v, want %s %v", d.Action, d.Labels, tt.wantAction, tt.wantLabels)
			}
		})
	}
}
