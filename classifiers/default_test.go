package classifiers

import (
	"bytes"
	"os"
	"strconv"
	"testing"
)

// TestDefaultModelReproducible retrains the embedded default model from the
// data and settings recorded in it and checks that the result is the same,
// byte for byte: `make model` is the one command that makes it.
func TestDefaultModelReproducible(t *testing.T) {
	m, err := DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	tr := m.TrainingInfo()
	if err := os.Chdir(".."); err != nil { // paths are recorded from the repository root
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir("classifiers") })
	var paths []string
	for _, f := range tr.Data {
		p := f.Path
		if f.Weight != 0 {
			p += "@" + strconv.FormatFloat(f.Weight, 'g', -1, 64)
		}
		paths = append(paths, p)
	}
	d, err := ReadData(paths, tr.Map)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range d.Files {
		if f.SHA256 != tr.Data[i].SHA256 {
			t.Fatalf("%s changed since the model was trained: run `make model`", f.Path)
		}
	}
	if tr.HeldOut > 0 {
		d, _ = d.Split(tr.HeldOut, tr.Seed)
	}
	again, err := Train(d, TrainConfig{Seed: tr.Seed, Epochs: tr.Epochs, Rate: tr.Rate, L2: tr.L2, Buckets: m.hdr.Buckets, Folds: tr.Folds}, tr.Map, tr.HeldOut)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.encode(), m.encode()) {
		t.Fatalf("retraining gave %s, the embedded model is %s: run `make model` and commit the result", again.Version(), m.Version())
	}
}
