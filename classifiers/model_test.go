package classifiers

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/circleguard/circleguard/internal/textnorm"
)

func tinyModel(t testing.TB, seed uint64) (*Model, *Dataset) {
	t.Helper()
	d, err := ReadData([]string{"testdata/tiny.tsv"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Train(d, TrainConfig{Seed: seed, Buckets: 1 << 12, Epochs: 20, Folds: 2}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, d
}

func predict(m *Model, text string) Prediction {
	norm := textnorm.Normalize(text)
	return m.Predict(norm, "", entities(text, norm))
}

func TestTrainPredict(t *testing.T) {
	m, _ := tinyModel(t, 1)
	if !slices.Equal(m.Labels(), []string{"spam"}) {
		t.Fatalf("labels = %v", m.Labels())
	}
	spam := predict(m, "特价包邮 正品面膜 加微信")
	ham := predict(m, "周末带娃去公园")
	if !(spam.Probs[0] > ham.Probs[0]) {
		t.Errorf("spam prob %v not above ham prob %v", spam.Probs[0], ham.Probs[0])
	}
	if len(spam.Top[0]) == 0 || len(spam.Top[0]) > TopFeatures {
		t.Errorf("top features = %v", spam.Top[0])
	}
	for i := 1; i < len(spam.Top[0]); i++ {
		if spam.Top[0][i].Weight > spam.Top[0][i-1].Weight {
			t.Errorf("top features not sorted: %v", spam.Top[0])
		}
	}
	for _, p := range []Prediction{spam, ham, predict(m, ""), predict(m, "好")} {
		if !(p.Probs[0] >= 0 && p.Probs[0] <= 1) {
			t.Errorf("probability %v out of [0,1]", p.Probs[0])
		}
	}
}

// TestTrainDeterministic: the same data and seed give the same bytes.
func TestTrainDeterministic(t *testing.T) {
	a, _ := tinyModel(t, 7)
	b, _ := tinyModel(t, 7)
	c, _ := tinyModel(t, 8)
	if !bytes.Equal(a.encode(), b.encode()) || a.Version() != b.Version() {
		t.Fatal("two trainings with one seed differ")
	}
	if a.Version() == c.Version() {
		t.Fatal("another seed gave the same model")
	}
}

func TestModelRoundTrip(t *testing.T) {
	m, _ := tinyModel(t, 1)
	path := filepath.Join(t.TempDir(), "m.cgm")
	if err := m.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Version() != m.Version() || !strings.HasPrefix(m.Version(), "m-") {
		t.Fatalf("version %s after round trip, want %s", back.Version(), m.Version())
	}
	p1, p2 := predict(m, "限时秒杀"), predict(back, "限时秒杀")
	if math.Abs(p1.Probs[0]-p2.Probs[0]) > 1e-6 {
		t.Fatalf("prediction changed: %v vs %v", p1.Probs, p2.Probs)
	}
	if back.TrainingInfo().Data[0].Path != "testdata/tiny.tsv" || back.TrainingInfo().Data[0].SHA256 == "" {
		t.Fatalf("training metadata lost: %+v", back.TrainingInfo())
	}
}

func TestReadModelErrors(t *testing.T) {
	m, _ := tinyModel(t, 1)
	good := m.encode()
	hdrEnd := bytes.IndexByte(good[len(ModelFormat)+1:], '\n') + len(ModelFormat) + 1
	nan := slices.Clone(good)
	copy(nan[hdrEnd+1:], []byte{0, 0, 0xc0, 0x7f}) // a NaN weight
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a circleguard-model/1 file"},
		{"wrong magic", []byte("hello\n{}\n"), "not a circleguard-model/1 file"},
		{"no header", []byte(ModelFormat + "\n{"), "no header line"},
		{"bad json", []byte(ModelFormat + "\n{nope}\n"), "header"},
		{"unknown field", []byte(ModelFormat + "\n{\"format\":\"circleguard-model/1\",\"x\":1}\n"), "unknown field"},
		{"truncated weights", good[:len(good)-4], "weight bytes"},
		{"NaN weight", nan, "non-finite weight"},
		{"no labels", []byte(ModelFormat + "\n{\"format\":\"circleguard-model/1\",\"labels\":[],\"buckets\":2,\"bias\":[],\"calibration\":[],\"training\":{\"data\":null,\"seed\":0,\"epochs\":0,\"l2\":0,\"learning_rate\":0,\"calibration_folds\":0,\"examples\":0,\"counts\":null}}\n"), "0 labels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadModel(tt.data)
			if !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadModel error = %v, want ErrModel with %q", err, tt.want)
			}
		})
	}
}

func FuzzReadModel(f *testing.F) {
	m, _ := tinyModel(f, 1)
	f.Add(m.encode())
	f.Add([]byte(ModelFormat + "\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadModel(data)
		if err != nil {
			if !errors.Is(err, ErrModel) {
				t.Fatalf("error %v does not wrap ErrModel", err)
			}
			return
		}
		p := m.Predict("测试 test", "", nil)
		for _, x := range p.Probs {
			if !(x >= 0 && x <= 1) {
				t.Fatalf("probability %v", x)
			}
		}
	})
}

func TestReadData(t *testing.T) {
	d, err := ReadData([]string{"testdata/tiny.tsv", "testdata/tiny.jsonl"}, map[string]string{"spam": "sales"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Examples) != 17 || !slices.Equal(d.Labels(), []string{"fraud", "mlm", "sales"}) {
		t.Fatalf("%d examples, labels %v", len(d.Examples), d.Labels())
	}
	if !slices.Equal(d.Known[0], []string{"sales"}) || !slices.Equal(d.Known[1], []string{"fraud", "mlm", "sales"}) {
		t.Fatalf("known = %v", d.Known)
	}
	last := d.Examples[16]
	if !slices.Equal(last.Labels, []string{"fraud", "sales"}) || last.Lang != "zh" {
		t.Fatalf("last example = %+v", last)
	}

	dir := t.TempDir()
	bad := []struct{ name, content, want string }{
		{"nohdr.tsv", "ham\thello\n", "want the header row"},
		{"notab.tsv", "label\ttext\nhamhello\n", "nohdr"},
		{"badjson.jsonl", "{\"text\":1}\n", "badjson.jsonl:1"},
		{"nolabel.jsonl", "{\"text\":\"x\"}\n", "no \"label\" or \"labels\""},
		{"empty.tsv", "label\ttext\n", "no examples"},
	}
	bad[1].want = "notab.tsv:2: want label<TAB>text"
	for _, b := range bad {
		p := filepath.Join(dir, b.name)
		os.WriteFile(p, []byte(b.content), 0o644)
		if _, err := ReadData([]string{p}, nil); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: err = %v, want %q", b.name, err, b.want)
		}
	}
}

// TestUnknownTargets: a file that does not use a label gives no negatives
// for it except from its ham.
func TestUnknownTargets(t *testing.T) {
	d, err := ReadData([]string{"testdata/tiny.tsv", "testdata/tiny.jsonl"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, counts := encode(d, d.Labels(), 1<<10-1)
	// mlm: 1 positive (jsonl); negatives: 8 ham in tiny.tsv + 1 ham + 1 fraud in jsonl; unknown: 6 spam in tiny.tsv.
	if c := counts["mlm"]; c != (LabelCount{Positive: 1, Negative: 10, Unknown: 6}) {
		t.Fatalf("mlm counts = %+v", c)
	}
}

func TestSplitStratified(t *testing.T) {
	d, _ := ReadData([]string{"testdata/tiny.tsv"}, nil)
	train, test := d.Split(0.25, 3)
	if len(train.Examples)+len(test.Examples) != len(d.Examples) || len(test.Examples) != 4 {
		t.Fatalf("split %d + %d of %d", len(train.Examples), len(test.Examples), len(d.Examples))
	}
	var spam int
	for _, ex := range test.Examples {
		if len(ex.Labels) > 0 {
			spam++
		}
	}
	if spam != 2 {
		t.Fatalf("%d spam of 4 held out, want 2 (stratified)", spam)
	}
	_, again := d.Split(0.25, 3)
	for i := range again.Examples {
		if again.Examples[i].Text != test.Examples[i].Text {
			t.Fatal("split not deterministic")
		}
	}
}

func TestEvaluate(t *testing.T) {
	m, d := tinyModel(t, 1)
	r, err := Evaluate(m, d, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if r.Warning == "" {
		t.Error("no warning when evaluating on training data")
	}
	l := r.Labels[0]
	if l.Positives != 6 || l.Negatives != 8 || l.TP+l.FN != 6 || l.FP+l.TN != 8 || r.HamExamples != 8 {
		t.Fatalf("counts %+v", l)
	}
	if !(l.AUC > 0.9) {
		t.Errorf("AUC on training data = %v", l.AUC)
	}
	var total int
	for _, row := range r.Confusion {
		for _, n := range row {
			total += n
		}
	}
	if total != 14 {
		t.Errorf("confusion sums to %d", total)
	}
	var buf bytes.Buffer
	r.WriteText(&buf)
	if !strings.Contains(buf.String(), "WARNING") || !strings.Contains(buf.String(), "ROC-AUC") {
		t.Errorf("text report:\n%s", buf.String())
	}
	if _, err := Evaluate(m, mustRead(t, "testdata/tiny.jsonl"), 0.5); err == nil || !strings.Contains(err.Error(), "-map") {
		t.Errorf("labels the model lacks: err = %v", err)
	}
}

func mustRead(t *testing.T, p string) *Dataset {
	d, err := ReadData([]string{p}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestFitPlatt(t *testing.T) {
	// Scores that separate perfectly give a steep, increasing map.
	zs := []float64{-3, -2, -1, 1, 2, 3}
	ys := []int8{0, 0, 0, 1, 1, 1}
	c := fitPlatt(zs, ys, []float64{1, 1, 1, 1, 1, 1})
	if !(c.A > 0) || c.prob(3) < 0.7 || c.prob(-3) > 0.3 {
		t.Fatalf("platt = %+v", c)
	}
}

func BenchmarkPredict(b *testing.B) {
	m, err := DefaultModel()
	if err != nil {
		b.Skip(err)
	}
	texts := []string{
		"今日上新🔥 正品面膜 ¥99 包邮，加薇信 V❤ abc123 咨询",
		"周末带娃去公园放风筝，天气真好",
		"Had dinner with my parents tonight, so grateful",
		"诚招一级代理，零门槛，宝妈在家也能月入过万",
		"Guaranteed 20% weekly returns, risk-free! DM me",
		"早安",
	}
	norms := make([]string, len(texts))
	ents := make([]*textnorm.Entities, len(texts))
	for i, s := range texts {
		norms[i] = textnorm.Normalize(s)
		ents[i] = entities(s, norms[i])
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Predict(norms[i%len(texts)], "", ents[i%len(texts)])
		i++
	}
}

func TestRanking(t *testing.T) {
	tests := []struct {
		name      string
		s         []scored
		auc, rp90 float64
	}{
		{"perfect", []scored{{0.9, true}, {0.8, true}, {0.2, false}}, 1, 1},
		{"one pair wrong", []scored{{0.9, true}, {0.8, false}, {0.7, true}, {0.1, false}}, 0.75, 0.5},
		{"ties count half", []scored{{0.5, true}, {0.5, false}}, 0.5, 0},
		{"inverted", []scored{{0.1, true}, {0.9, false}}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pos, neg int
			for _, x := range tt.s {
				if x.pos {
					pos++
				} else {
					neg++
				}
			}
			auc, rp := ranking(tt.s, pos, neg)
			if math.Abs(auc-tt.auc) > 1e-12 || math.Abs(rp-tt.rp90) > 1e-12 {
				t.Fatalf("ranking = %v, %v; want %v, %v", auc, rp, tt.auc, tt.rp90)
			}
		})
	}
}

func TestCalibrationError(t *testing.T) {
	perfect := []scored{{0.25, true}, {0.25, false}, {0.25, false}, {0.25, false}}
	if e := calibrationError(perfect); math.Abs(e) > 1e-12 {
		t.Errorf("ECE of a calibrated bin = %v, want 0", e)
	}
	over := []scored{{0.95, false}, {0.95, false}}
	if e := calibrationError(over); math.Abs(e-0.95) > 1e-12 {
		t.Errorf("ECE of a confident miss = %v, want 0.95", e)
	}
}

// TestCalibratedOnHeldOut trains on 80% of the SMS corpus and checks that
// the held-out probabilities are calibrated: 0.5 means as likely as not.
func TestCalibratedOnHeldOut(t *testing.T) {
	d, err := ReadData([]string{"data/sms_spam_collection/labelled.tsv"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	train, test := d.Split(0.2, 1)
	m, err := Train(train, TrainConfig{Seed: 1, Buckets: 1 << 16}, nil, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Evaluate(m, test, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if l := r.Labels[0]; l.ECE > 0.03 || l.AUC < 0.98 {
		t.Fatalf("held-out ECE %.4f (want ≤ 0.03), AUC %.4f (want ≥ 0.98)", l.ECE, l.AUC)
	}
}

func FuzzReadData(f *testing.F) {
	f.Add([]byte("label\ttext\nham\thello\nspam,sales\tbuy now\n"), false)
	f.Add([]byte("{\"text\":\"x\",\"labels\":[\"a\"]}\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, jsonl bool) {
		name := "f.tsv"
		if jsonl {
			name = "f.jsonl"
		}
		exs, known, err := parseData(name, data, map[string]string{"spam": "sales"}, 0)
		if err != nil {
			return
		}
		for _, ex := range exs {
			for _, l := range ex.Labels {
				if l == "" || l == Ham || l == "spam" || !slices.Contains(known, l) {
					t.Fatalf("label %q (known %v)", l, known)
				}
			}
		}
	})
}
