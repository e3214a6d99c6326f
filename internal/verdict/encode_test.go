package verdict

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/circleguard/circleguard/internal/testenv"
)

// referenceAppend is Append as it was before the hand-written encoder: the
// definition of the bytes Append must write.
func referenceAppend(v *Verdict, dst []byte) ([]byte, error) {
	b, err := json.Marshal(v.forJSON())
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// oddStrings are strings every escaping rule of encoding/json touches.
var oddStrings = []string{
	"", "p1", "加微信 V❤ 138 1234 5678 🔥", `quote " and backslash \ and slash /`,
	"<script>alert('x')</script> & co", "\x00\x01\x07\b\f\n\r\t\x1f\x7f", "line\u2028sep\u2029para",
	"bad \xff utf8 \xc3", "\xe2\x80", "\xed\xa0\x80 surrogate bytes", "emoji 👍🏽 zwj 👨‍👩‍👧", "\u00a0nbsp\ufeffbom",
	strings.Repeat("长文本", 200),
}

// oddFloats cover encoding/json's switch between 'f' and 'e' formats and
// its exponent clean-up.
var oddFloats = []float64{
	0, math.Copysign(0, -1), 1, -1, 0.5, 0.1234, 1.0 / 3, 0.99995, 1e-6, 9.99999e-7, 1e-7, -1e-7, 1.5e-10, 1e-100,
	5e-324, math.SmallestNonzeroFloat64, 1e20, 1e21, 9.999999999999999e20, 1.2345e22, -1e21, 1e100, math.MaxFloat64,
	123456789.125, 1 << 53, -0.0001, 2.5e-5,
}

func oddTimes() []time.Time {
	return []time.Time{
		{},
		time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 1, 8, 0, 0, 123456789, time.UTC),
		time.Date(2026, 11, 1, 8, 0, 0, 120000000, time.FixedZone("CST", 8*3600)),
		time.Date(1999, 12, 31, 23, 59, 59, 1, time.FixedZone("", -(9*3600+30*60))),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2026, 3, 1, 1, 2, 3, 4000, time.Local),
		time.Date(2026, 3, 1, 1, 2, 3, 0, time.FixedZone("odd", 59)),
	}
}

// variedVerdicts builds verdicts that together use every field, every
// omitempty case and the odd strings, floats and times above.
func variedVerdicts() []Verdict {
	times := oddTimes()
	var vs []Verdict
	for i := 0; i < 200; i++ {
		s := func(k int) string { return oddStrings[(i*7+k*3)%len(oddStrings)] }
		f := func(k int) float64 { return oddFloats[(i*5+k*11)%len(oddFloats)] }
		v := Verdict{
			PostID: s(0), AuthorID: s(1), Action: Actions[i%len(Actions)],
			Score: f(0), RulesVersion: s(2), ModelVersion: s(3),
			CreatedAt: times[i%len(times)], DecidedAt: times[(i/3)%len(times)],
		}
		switch i % 4 {
		case 0: // nil lists
		case 1:
			v.Labels, v.Reasons, v.Shadow = []string{}, []Reason{}, []Reason{}
		default:
			v.Labels = []string{LabelSales, s(4), LabelFraud}[:1+i%3]
		}
		if i%3 == 0 {
			v.Source = &Source{Topic: s(5), Partition: i - 100, Offset: int64(i) * 1e15}
		}
		for k := 0; k < i%5; k++ {
			r := Reason{Kind: s(6 + k), ID: s(7 + k), Score: f(k + 1)}
			if (i+k)%2 == 0 {
				r.Label, r.Evidence, r.Model = s(8+k), s(9+k), s(10+k)
			}
			switch (i + k) % 4 {
			case 0:
				r.Probs = map[string]float64{}
				r.TopFeatures = []TopFeature{}
			case 1:
				r.Probs = map[string]float64{"sales": f(2), "fraud": f(3), "mlm": f(4), "brushing": f(5), s(11): f(6), "": f(7)}
				for j := 0; j < 10; j++ {
					r.TopFeatures = append(r.TopFeatures, TopFeature{Label: s(12 + j), Token: s(13 + j), Weight: f(8 + j)})
				}
			case 2:
				r.Probs = map[string]float64{}
				for j := 0; j < 40; j++ { // more keys than appendProbs sorts on the stack
					r.Probs[s(j)+strings.Repeat("k", j)] = f(j)
				}
			}
			switch (i + k) % 3 {
			case 1:
				r.Repetition = &Repetition{}
			case 2:
				first := times[(i+k)%len(times)]
				r.Repetition = &Repetition{AuthorPosts1h: i, AuthorPosts24h: -i, AuthorCopies24h: math.MaxInt, Cluster: s(14),
					ClusterCopies24h: math.MinInt, ClusterAuthors24h: 7, ClusterFirstSeen: &first, Replay: i%2 == 0}
			}
			if k%2 == 0 {
				v.Reasons = append(v.Reasons, r)
			} else {
				v.Shadow = append(v.Shadow, r)
			}
		}
		vs = append(vs, v)
	}
	return vs
}

// checkSame fails unless Append and referenceAppend agree on v: the same
// bytes after the same prefix, or the same error with dst's length kept.
func checkSame(t *testing.T, v *Verdict) {
	t.Helper()
	prefix := []byte("prefix:")
	want, wantErr := referenceAppend(v, bytes.Clone(prefix))
	before, _ := json.Marshal(v)
	got, err := v.Append(bytes.Clone(prefix))
	if after, _ := json.Marshal(v); !bytes.Equal(before, after) {
		t.Fatalf("Append modified the verdict:\nbefore %s\nafter  %s", before, after)
	}
	if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
		t.Fatalf("Append error = %v, want %v", err, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Append differs from json.Marshal:\ngot  %s\nwant %s", got, want)
	}
	// Append(nil) takes another way.
	if got, err := v.Append(nil); (err == nil) != (wantErr == nil) || !bytes.Equal(got, want[len(prefix):]) {
		t.Fatalf("Append(nil) = %s, %v\nwant %s, %v", got, err, want[len(prefix):], wantErr)
	}
}

func TestAppendSameAsMarshal(t *testing.T) {
	for i, v := range variedVerdicts() {
		v := v
		checkSame(t, &v)
		if t.Failed() {
			t.Fatalf("verdict %d", i)
		}
	}
	for _, s := range oddStrings {
		checkSame(t, &Verdict{PostID: s, Labels: []string{s}, Reasons: []Reason{{Kind: s, Probs: map[string]float64{s: 1}}}})
	}
	for _, f := range oddFloats {
		checkSame(t, &Verdict{Score: f, Reasons: []Reason{{Score: -f, TopFeatures: []TopFeature{{Weight: f}}}}})
	}
}

func TestAppendErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	year10000 := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		v    Verdict
	}{
		{"NaN score", Verdict{Score: nan}},
		{"infinite score", Verdict{Score: math.Inf(-1)}},
		{"NaN reason score", Verdict{Reasons: []Reason{{Score: nan}}}},
		{"infinite prob", Verdict{Shadow: []Reason{{Probs: map[string]float64{"a": 0.5, "b": inf, "c": nan}}}}},
		{"NaN weight", Verdict{Reasons: []Reason{{TopFeatures: []TopFeature{{Weight: 1}, {Weight: nan}}}}}},
		{"year 10000", Verdict{DecidedAt: year10000}},
		{"negative year", Verdict{CreatedAt: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"zone of 24 hours", Verdict{CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600))}},
		{"cluster first seen", Verdict{Reasons: []Reason{{Repetition: &Repetition{ClusterFirstSeen: &year10000}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte("keep")
			got, err := tt.v.Append(dst)
			if err == nil {
				t.Fatalf("Append succeeded: %s", got)
			}
			if string(got) != "keep" {
				t.Errorf("Append returned %q, want dst unchanged", got)
			}
			checkSame(t, &tt.v)
		})
	}
}

func TestAppendAllocs(t *testing.T) {
	v := benchVerdict()
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = v.Append(buf[:0]); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Append allocates %v times with room in dst, want 0", n)
	}
}

// FuzzAppend compares Append with json.Marshal on verdicts built from fuzzed
// strings, floats, integers and times.
func FuzzAppend(f *testing.F) {
	f.Add("p1", "加微信 V❤", "<&>\u2028", 0.42, 1e-7, 1e21, int64(1762000000), int64(123456789), 28800, 3, uint8(0xff))
	f.Add("", "\xff\xfe", "\x00\"\\", 0.0, -0.0, 5e-324, int64(-62135596800), int64(0), 0, 0, uint8(0))
	f.Add("a", "b", "c", math.NaN(), 1.0, 2.0, int64(0), int64(0), 0, 1, uint8(1))
	f.Add("a", "b", "c", 0.5, math.Inf(1), 2.0, int64(253402300800), int64(0), 86400, 1, uint8(2))
	f.Fuzz(func(t *testing.T, s1, s2, s3 string, f1, f2, f3 float64, sec, nsec int64, zone, n int, flags uint8) {
		at := time.Unix(sec, nsec).In(time.FixedZone(s3, zone))
		if flags&1 != 0 {
			at = at.UTC()
		}
		v := Verdict{PostID: s1, AuthorID: s2, Action: s3, Score: f1, RulesVersion: s3, ModelVersion: s1, CreatedAt: at, DecidedAt: at.Add(time.Duration(nsec))}
		if flags&2 != 0 {
			v.Labels = []string{s1, s2}
		}
		if flags&4 != 0 {
			v.Source = &Source{Topic: s3, Partition: n, Offset: sec}
		}
		n = max(0, min(n, 40))
		for k := range n % 6 {
			r := Reason{Kind: s1, ID: s2, Label: s3[:len(s3)*(k%2)], Score: f2, Evidence: s1[:len(s1)*(k%2)], Model: s2}
			if flags&8 != 0 {
				r.Probs = map[string]float64{s1: f1, s2: f2, s3: f3}
				for j := range n {
					r.Probs[s3+strings.Repeat("x", j)] = f3 * float64(j)
				}
			}
			if flags&16 != 0 {
				r.TopFeatures = []TopFeature{{Label: s1, Token: s2, Weight: f3}, {Label: s3, Token: s3, Weight: f1}}
			}
			if flags&32 != 0 {
				r.Repetition = &Repetition{AuthorPosts1h: n, AuthorPosts24h: zone, Cluster: s3, Replay: flags&64 != 0}
				if flags&128 != 0 {
					r.Repetition.ClusterFirstSeen = &at
				}
			}
			if k%2 == 0 {
				v.Reasons = append(v.Reasons, r)
			} else {
				v.Shadow = append(v.Shadow, r)
			}
		}
		checkSame(t, &v)
	})
}

// benchVerdict is a realistic verdict: a classifier reason with its
// probabilities and ten top features, a repetition reason and three signals.
func benchVerdict() Verdict {
	created := time.Date(2026, 11, 1, 8, 0, 0, 123000000, time.UTC)
	first := created.Add(-3 * time.Hour)
	top := []TopFeature{
		{"sales", "加微信", 1.8312}, {"sales", "包邮", 1.2071}, {"sales", "正品", 0.9914}, {"sales", "wechat", 0.8123},
		{"fraud", "返利", 0.7719}, {"fraud", "日赚", 0.5123}, {"mlm", "团队", 0.4411}, {"mlm", "躺赚", 0.3302},
		{"brushing", "好评", 0.2001}, {"brushing", "晒单", 0.00012},
	}
	return Verdict{
		PostID: "p000123", AuthorID: "a0042", Action: Limit, Labels: []string{LabelSales, LabelBrushing}, Score: 0.8731,
		Reasons: []Reason{
			{Kind: "signal", ID: "contact.wechat", Label: LabelSales, Score: 0.6, Evidence: "V❤ a***3"},
			{Kind: "signal", ID: "price", Label: LabelSales, Score: 0.3, Evidence: "¥99"},
			{Kind: "signal", ID: "link.shop", Label: LabelSales, Score: 0.25, Evidence: "shop.example.com"},
			{Kind: "classifier", ID: "model", Label: LabelSales, Score: 0.9342, Model: "clf-2026-10-30",
				Probs: map[string]float64{"sales": 0.9342, "fraud": 0.0412, "mlm": 0.0031, "brushing": 0.1207}, TopFeatures: top},
			{Kind: "repetition", ID: "author.copies", Label: LabelBrushing, Score: 0.7, Repetition: &Repetition{AuthorPosts1h: 14,
				AuthorPosts24h: 212, AuthorCopies24h: 37, Cluster: "9f3a0c44e1b2d7aa", ClusterCopies24h: 311, ClusterAuthors24h: 12, ClusterFirstSeen: &first}},
		},
		RulesVersion: "rules-7c1e", ModelVersion: "clf-2026-10-30",
		Source:    &Source{Topic: "posts", Partition: 3, Offset: 1234567},
		CreatedAt: created, DecidedAt: created.Add(41 * time.Millisecond),
	}
}

// BenchmarkAppend encodes a realistic verdict into a reused buffer (as scan
// does) and into a new one (nil, as the worker does); the "reference" cases
// are json.Marshal, as Append was before.
func BenchmarkAppend(b *testing.B) {
	v := benchVerdict()
	for _, bc := range []struct {
		name  string
		enc   func(*Verdict, []byte) ([]byte, error)
		reuse bool
	}{
		{"reused", (*Verdict).Append, true},
		{"reused/reference", referenceAppend, true},
		{"nil", (*Verdict).Append, false},
		{"nil/reference", referenceAppend, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf, _ := bc.enc(&v, nil)
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			cpu := testenv.CPUTime()
			for b.Loop() {
				dst := buf[:0]
				if !bc.reuse {
					dst = nil
				}
				var err error
				if buf, err = bc.enc(&v, dst); err != nil {
					b.Fatal(err)
				}
			}
			testenv.CPUPerOp(b, cpu, b.N, "op")
		})
	}
}

// checkFloat fails unless appendFloat writes f as json.Marshal does.
func checkFloat(t *testing.T, f float64) {
	t.Helper()
	want, wantErr := json.Marshal(f)
	got, ok := appendFloat(nil, f)
	if ok != (wantErr == nil) || (ok && string(got) != string(want)) {
		t.Fatalf("appendFloat(%v) = %q %v, want %q %v", f, got, ok, want, wantErr)
	}
}

func TestAppendFloat(t *testing.T) {
	for _, f := range oddFloats {
		checkFloat(t, f)
		checkFloat(t, -f)
	}
	// Around the edges of appendDecimal4's range and precision.
	for _, n := range []float64{1, 9, 10, 99, 9999, 10000, 10001, 1 << 32 * 1e4, 1<<32*1e4 - 1, 1<<32*1e4 + 1, 1 << 53, 1<<53 + 2, 1e17} {
		for _, d := range []float64{1e4, 1e3, 1e5, 1e6, 3, 7e4} {
			checkFloat(t, n/d)
			checkFloat(t, -n/d)
			checkFloat(t, math.Nextafter(n/d, 0))
			checkFloat(t, math.Nextafter(n/d, math.Inf(1)))
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 50000 {
		checkFloat(t, float64(r.Int64N(1e9))/1e4)                   // round4 outputs
		checkFloat(t, float64(r.Int64N(1<<40)-1<<39)/1e4)           // beyond 2^32
		checkFloat(t, float64(r.Int64N(1e7))/math.Pow10(r.IntN(9))) // other precisions
		checkFloat(t, math.Float64frombits(r.Uint64()))             // anything
	}
}

// FuzzAppendFloat compares appendFloat with json.Marshal on fuzzed floats
// and on decimals n/10^k.
func FuzzAppendFloat(f *testing.F) {
	f.Add(0.1234, int64(1234), uint8(4))
	f.Add(1e21, int64(-99999), uint8(3))
	f.Add(5e-324, int64(1<<53), uint8(20))
	f.Fuzz(func(t *testing.T, x float64, n int64, k uint8) {
		checkFloat(t, x)
		checkFloat(t, float64(n)/math.Pow10(int(k%24)))
	})
}

// TestAppendNil checks that Append(nil), as the worker calls it, makes one
// allocation of the line's size.
func TestAppendNil(t *testing.T) {
	v := benchVerdict()
	want, err := referenceAppend(&v, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Append(nil)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Append(nil) = %s, %v\nwant %s", got, err, want)
	}
	if n := testing.AllocsPerRun(100, func() { got, _ = v.Append(nil) }); n != 1 && !raceEnabled {
		t.Errorf("Append(nil) allocates %v times, want 1", n)
	}
	bad := Verdict{Score: math.NaN()}
	if got, err := bad.Append(nil); err == nil || got != nil {
		t.Errorf("Append(nil) of a NaN score = %q, %v; want nil and an error", got, err)
	}
}
