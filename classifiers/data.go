package classifiers

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Ham is the label of a clean example: it has none of the model's labels.
const Ham = "ham"

// Example is one labelled text.
type Example struct {
	Text   string
	Lang   string   // optional hint
	Labels []string // empty for ham
	File   int      // index into Dataset.Files
}

// Dataset is labelled examples read from one or more files.
type Dataset struct {
	Files []DataFile
	// Known lists, per file, the labels that file uses. For a label a file
	// does not use, its non-ham examples are unknown (not negative).
	Known    [][]string
	Examples []Example
}

// Labels returns every label the dataset uses, sorted.
func (d *Dataset) Labels() []string {
	var all []string
	for _, k := range d.Known {
		for _, l := range k {
			if !slices.Contains(all, l) {
				all = append(all, l)
			}
		}
	}
	slices.Sort(all)
	return all
}

// ReadData reads labelled files: TSV with a header row "label<TAB>text"
// (".tsv"), or JSONL with {"text": …, "label": …} or {"text": …, "labels":
// […]} and an optional "lang" (".jsonl", ".json"). A label may be a
// comma-separated list in TSV; "ham" (or an empty list) means clean.
// mapping renames labels as they are read (spam → sales). Errors name the
// file and line.
//
// A path may end in "@W" (W a positive number) to weight its examples, e.g.
// "seed.tsv@8".
func ReadData(paths []string, mapping map[string]string) (*Dataset, error) {
	d := &Dataset{}
	for _, p := range paths {
		weight := 0.0
		if at := strings.LastIndexByte(p, '@'); at > 0 {
			w, err := strconv.ParseFloat(p[at+1:], 64)
			if err != nil || !(w > 0) || w > 1000 {
				return nil, fmt.Errorf("read data: %q: the weight after @ must be a number in (0, 1000]", p)
			}
			p, weight = p[:at], w
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read data: %w", err)
		}
		idx := len(d.Files)
		exs, known, err := parseData(p, data, mapping, idx)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		d.Files = append(d.Files, DataFile{Path: filepath.ToSlash(p), SHA256: hex.EncodeToString(sum[:]), Examples: len(exs), Weight: weight})
		d.Known = append(d.Known, known)
		d.Examples = append(d.Examples, exs...)
	}
	if len(d.Examples) == 0 {
		return nil, errors.New("read data: no examples")
	}
	return d, nil
}

func parseData(path string, data []byte, mapping map[string]string, file int) ([]Example, []string, error) {
	var exs []Example
	var known []string
	note := func(labels []string) []string {
		var out []string
		for _, l := range labels {
			l = strings.TrimSpace(strings.ToLower(l))
			if to, ok := mapping[l]; ok {
				l = to
			}
			if l == "" || l == Ham || slices.Contains(out, l) {
				continue
			}
			out = append(out, l)
			if !slices.Contains(known, l) {
				known = append(known, l)
			}
		}
		return out
	}
	jsonl := strings.HasSuffix(path, ".jsonl") || strings.HasSuffix(path, ".json")
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if !utf8.Valid(line) {
			return nil, nil, fmt.Errorf("%s:%d: not valid UTF-8", path, n)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if jsonl {
			var rec struct {
				Text   *string  `json:"text"`
				Label  *string  `json:"label"`
				Labels []string `json:"labels"`
				Lang   string   `json:"lang"`
			}
			if err := json.Unmarshal(line, &rec); err != nil {
				return nil, nil, fmt.Errorf("%s:%d: %v", path, n, err)
			}
			if rec.Text == nil {
				return nil, nil, fmt.Errorf("%s:%d: no \"text\"", path, n)
			}
			labels := rec.Labels
			if rec.Label != nil {
				labels = append(labels, *rec.Label)
			} else if rec.Labels == nil {
				return nil, nil, fmt.Errorf("%s:%d: no \"label\" or \"labels\"", path, n)
			}
			exs = append(exs, Example{Text: *rec.Text, Lang: rec.Lang, Labels: note(labels), File: file})
			continue
		}
		label, text, ok := strings.Cut(string(line), "\t")
		if n == 1 {
			if !ok || strings.ToLower(strings.TrimSpace(label)) != "label" || strings.ToLower(strings.TrimSpace(text)) != "text" {
				return nil, nil, fmt.Errorf("%s:1: want the header row label<TAB>text", path)
			}
			continue
		}
		if !ok {
			return nil, nil, fmt.Errorf("%s:%d: want label<TAB>text", path, n)
		}
		exs = append(exs, Example{Text: text, Labels: note(strings.Split(label, ",")), File: file})
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(exs) == 0 {
		return nil, nil, fmt.Errorf("%s: no examples", path)
	}
	slices.Sort(known)
	return exs, known, nil
}

// Split divides the examples into a training part and a test part holding
// about fraction of each file's examples of each class (stratified by file
// and first label), chosen deterministically from seed.
func (d *Dataset) Split(fraction float64, seed uint64) (train, test *Dataset) {
	train = &Dataset{Files: slices.Clone(d.Files), Known: d.Known}
	test = &Dataset{Files: slices.Clone(d.Files), Known: d.Known}
	groups := map[string][]int{}
	var keys []string
	for i, ex := range d.Examples {
		k := fmt.Sprintf("%d/%s", ex.File, classOf(ex))
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	slices.Sort(keys)
	inTest := make([]bool, len(d.Examples))
	rng := newRand(seed)
	for _, k := range keys {
		idx := groups[k]
		rng.shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		n := int(fraction*float64(len(idx)) + 0.5)
		for _, i := range idx[:n] {
			inTest[i] = true
		}
	}
	for i, ex := range d.Examples {
		if inTest[i] {
			test.Examples = append(test.Examples, ex)
			test.Files[ex.File].HeldOut++
		} else {
			train.Examples = append(train.Examples, ex)
		}
	}
	for i := range train.Files {
		train.Files[i].HeldOut = test.Files[i].HeldOut
		train.Files[i].Examples -= test.Files[i].HeldOut
		test.Files[i].Examples = test.Files[i].HeldOut
	}
	return train, test
}

// WriteHeldOut writes the examples to dir, one JSONL file per source file
// (named after the source's folder and name, e.g.
// "sms_spam_collection-labelled.jsonl"), so that each keeps its own label
// vocabulary when read back. It returns the paths written.
func (d *Dataset) WriteHeldOut(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("held-out: %w", err)
	}
	var paths []string
	for i, f := range d.Files {
		base := strings.TrimSuffix(filepath.Base(f.Path), filepath.Ext(f.Path))
		name := filepath.Base(filepath.Dir(f.Path)) + "-" + base + ".jsonl"
		p := filepath.Join(dir, name)
		if err := d.writeJSONL(p, i); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// writeJSONL writes the examples of file as JSONL ({"text","labels","lang"}),
// the form ReadData reads back.
func (d *Dataset) writeJSONL(path string, file int) error {
	var buf bytes.Buffer
	for _, ex := range d.Examples {
		if ex.File != file {
			continue
		}
		labels := ex.Labels
		if labels == nil {
			labels = []string{}
		}
		b, err := json.Marshal(struct {
			Text   string   `json:"text"`
			Labels []string `json:"labels"`
			Lang   string   `json:"lang,omitempty"`
		}{ex.Text, labels, ex.Lang})
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func classOf(ex Example) string {
	if len(ex.Labels) == 0 {
		return Ham
	}
	return ex.Labels[0]
}

// rand is a small deterministic PCG-style generator (xorshift64*), so that
// splits and shuffles are the same on every platform and Go version.
type rand struct{ s uint64 }

func newRand(seed uint64) *rand { return &rand{s: seed*0x9E3779B97F4A7C15 + 1} }

func (r *rand) next() uint64 {
	r.s ^= r.s >> 12
	r.s ^= r.s << 25
	r.s ^= r.s >> 27
	return r.s * 2685821657736338717
}

// shuffle is Fisher–Yates.
func (r *rand) shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, int(r.next()%uint64(i+1)))
	}
}
