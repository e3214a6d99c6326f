package verdict

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// TestAppendContract checks the JSON shape against design.md §3: every field
// present, empty lists as [] (never null), source only when set.
func TestAppendContract(t *testing.T) {
	v := Verdict{PostID: "p1", AuthorID: "a1", Action: Allow, RulesVersion: "r", ModelVersion: "m",
		CreatedAt: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC), DecidedAt: time.Date(2026, 11, 1, 8, 0, 1, 0, time.UTC)}
	b, err := v.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"post_id", "author_id", "action", "labels", "score", "reasons", "shadow", "rules_version", "model_version", "created_at", "decided_at"} {
		if _, ok := m[k]; !ok {
			t.Errorf("field %s missing in %s", k, b)
		}
	}
	for _, k := range []string{"labels", "reasons", "shadow"} {
		if _, ok := m[k].([]any); !ok {
			t.Errorf("%s = %v, want []", k, m[k])
		}
	}
	if _, ok := m["source"]; ok {
		t.Errorf("source present without a source: %s", b)
	}
	if m["created_at"] != "2026-11-01T08:00:00Z" {
		t.Errorf("created_at = %v", m["created_at"])
	}
	v.Source = &Source{Topic: "posts", Partition: 2, Offset: 9}
	b, _ = v.Append(b[:0])
	var back Verdict
	if err := json.Unmarshal(b, &back); err != nil || back.Source == nil || *back.Source != *v.Source {
		t.Fatalf("round trip: %v %+v", err, back.Source)
	}
}

func TestPrimaryLabel(t *testing.T) {
	tests := []struct {
		labels []string
		want   string
	}{
		{nil, "none"},
		{[]string{LabelSales}, LabelSales},
		{[]string{LabelSales, LabelBrushing}, LabelBrushing},
		{[]string{LabelFraud, LabelSales, LabelMLM}, LabelFraud},
		{[]string{"unknown"}, "none"},
	}
	for _, tt := range tests {
		v := Verdict{Labels: tt.labels}
		if got := v.PrimaryLabel(); got != tt.want {
			t.Errorf("PrimaryLabel(%v) = %s, want %s", tt.labels, got, tt.want)
		}
	}
}

func TestSeverity(t *testing.T) {
	got := []int{Severity(Allow), Severity(Limit), Severity(Review), Severity(Block), Severity("ban")}
	if !slices.Equal(got, []int{0, 1, 2, 3, -1}) {
		t.Fatalf("severities = %v", got)
	}
}
