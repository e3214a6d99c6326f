package classifiers

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/circleguard/circleguard/internal/textnorm"
)

// ModelFormat names the model file format this package reads and writes.
//
// A model file is the magic line "circleguard-model/1\n", one line of JSON
// (the header: labels, bucket count, calibration, training metadata), then
// the weights: little-endian float32, bucket-major (for each bucket, one
// weight per label). The file's SHA-256 is the model's version.
const ModelFormat = "circleguard-model/1"

// Model is a multi-label (one-vs-rest) logistic regression over hashed
// features of the normalised text. A Model is immutable and safe for
// concurrent use.
type Model struct {
	hdr     header
	weights []float32 // buckets × len(labels), bucket-major
	mask    uint32    // buckets - 1
	version string
	tok     *textnorm.Tokenizer
	scratch sync.Pool
}

// header is the JSON line of a model file.
type header struct {
	Format  string   `json:"format"`
	Labels  []string `json:"labels"`
	Buckets int      `json:"buckets"`
	// Bias is the intercept per label.
	Bias []float32 `json:"bias"`
	// Calibration maps a raw score z to a probability 1/(1+exp(-(A·z+B))),
	// fitted on out-of-fold scores (Platt scaling), per label.
	Calibration []Platt  `json:"calibration"`
	Training    Training `json:"training"`
}

// Platt is one label's calibration.
type Platt struct {
	A float64 `json:"a"`
	B float64 `json:"b"`
}

// Training records how a model was made, so that it can be made again.
type Training struct {
	Data     []DataFile            `json:"data"`
	Map      map[string]string     `json:"map,omitempty"`
	Seed     uint64                `json:"seed"`
	Epochs   int                   `json:"epochs"`
	L2       float64               `json:"l2"`
	Rate     float64               `json:"learning_rate"`
	Folds    int                   `json:"calibration_folds"`
	HeldOut  float64               `json:"held_out_fraction,omitempty"`
	Examples int                   `json:"examples"`
	Counts   map[string]LabelCount `json:"counts"`
}

// DataFile is one training file: its path as given, its content hash and how
// many of its examples were trained on.
type DataFile struct {
	Path     string `json:"path"`
	SHA256   string `json:"sha256"`
	Examples int    `json:"examples"`
	HeldOut  int    `json:"held_out,omitempty"`
	// Weight multiplies each of the file's examples in the training loss
	// (1 when unset), so that a small corpus can count as much as a large one.
	Weight float64 `json:"weight,omitempty"`
}

// LabelCount counts one label's training targets.
type LabelCount struct {
	Positive int `json:"positive"`
	Negative int `json:"negative"`
	Unknown  int `json:"unknown,omitempty"`
}

// Labels returns the labels the model predicts, in its order.
func (m *Model) Labels() []string { return slices.Clone(m.hdr.Labels) }

// Version is the model's content hash ("m-" and 12 hex digits).
func (m *Model) Version() string { return m.version }

// TrainingInfo returns how the model was trained.
func (m *Model) TrainingInfo() Training { return m.hdr.Training }

// Feature is one token's contribution to a label's raw score.
type Feature struct {
	Token  string  `json:"token"`
	Weight float64 `json:"weight"`
}

// Prediction is the outcome of Predict: Probs and Top are indexed like
// Labels.
type Prediction struct {
	Labels []string
	Probs  []float64
	// Top lists, per label, up to TopFeatures tokens that pushed its
	// probability up the most.
	Top [][]Feature
}

// TopFeatures is how many drivers Predict reports per label.
const TopFeatures = 3

type predictScratch struct {
	tokens []string
	feats  []feature
	best   []candidate // TopFeatures per label
	fill   []int       // how many of each label's best are set
}

// candidate is one of a label's strongest contributions so far.
type candidate struct {
	f feature
	w float64
}

// Predict scores one normalised text. e may be nil. The result's slices are
// freshly allocated; the Top tokens are substrings of norm or constants.
func (m *Model) Predict(norm, lang string, e *textnorm.Entities) Prediction {
	var p Prediction
	tokens := m.Tokens(nil, norm, lang, e)
	m.PredictTokens(&p, tokens)
	return p
}

// Tokens appends the model's feature tokens of norm (the output of
// textnorm.Normalize) to dst: textnorm.Tokenizer.Append with the model's
// stem cache. They are what PredictTokens scores and what rules see as
// tokens; they stay valid as long as norm does.
func (m *Model) Tokens(dst []string, norm, lang string, e *textnorm.Entities) []string {
	return m.tok.Append(dst, norm, lang, e)
}

// PredictTokens scores the tokens of one text (from Tokens) into p, reusing
// p's slices: Labels is the model's (not to be modified), Probs and Top are
// overwritten. The Top tokens are elements of tokens, or two of them joined.
// It makes one pass over the features, reading each feature's weights for
// every label at once, and allocates nothing once p's slices have room
// (a Top pair of Latin words is the exception: its name is built).
func (m *Model) PredictTokens(p *Prediction, tokens []string) {
	s, _ := m.scratch.Get().(*predictScratch)
	if s == nil {
		s = new(predictScratch)
	}
	L := len(m.hdr.Labels)
	s.feats = featurize(s.feats[:0], tokens, m.mask)
	s.best = slices.Grow(s.best[:0], L*TopFeatures)[:L*TopFeatures]
	s.fill = slices.Grow(s.fill[:0], L)[:L]
	clear(s.fill)
	p.Labels = m.hdr.Labels
	p.Probs = slices.Grow(p.Probs[:0], L)[:L]
	for l := range L {
		p.Probs[l] = float64(m.hdr.Bias[l])
	}
	scale := tokenScale(len(s.feats))
	z := p.Probs
	for _, f := range s.feats {
		row := m.weights[int(f.bucket)*L : int(f.bucket)*L+L]
		for l, w32 := range row {
			w := float64(w32) * scale
			z[l] += w
			// Most features stop here, before a call or string compare.
			if w > 0 && (s.fill[l] < TopFeatures || w > s.best[l*TopFeatures+TopFeatures-1].w) {
				s.consider(tokens, l, f, w)
			}
		}
	}
	if cap(p.Top) < L {
		p.Top = make([][]Feature, L)
	}
	p.Top = p.Top[:L]
	for l := range L {
		p.Probs[l] = m.hdr.Calibration[l].prob(p.Probs[l])
		best := s.best[l*TopFeatures : l*TopFeatures+s.fill[l]]
		top := p.Top[l][:0]
		for _, c := range best {
			top = append(top, Feature{c.f.name(tokens), math.Round(c.w*1e4) / 1e4})
		}
		p.Top[l] = top
	}
	m.scratch.Put(s)
}

// consider offers feature f, worth w > 0 to label l, to the label's
// strongest TopFeatures contributions, merged by token: a token seen twice
// keeps its larger weight. The caller has checked that w beats the
// weakest of them, or that there is room.
func (s *predictScratch) consider(tokens []string, l int, f feature, w float64) {
	best := s.best[l*TopFeatures : (l+1)*TopFeatures]
	n := s.fill[l]
	dup := -1
	for j := range n {
		if best[j].f.hash == f.hash && best[j].f.pair == f.pair && tokens[best[j].f.token] == tokens[f.token] &&
			(!f.pair || tokens[best[j].f.token-1] == tokens[f.token-1]) {
			dup = j
			break
		}
	}
	pos := dup
	switch {
	case dup >= 0 && w <= best[dup].w:
		return
	case dup >= 0:
	case n < TopFeatures:
		pos = n
		n++
		s.fill[l] = n
	default:
		pos = n - 1
	}
	best[pos] = candidate{f, w}
	for j := pos; j > 0 && best[j].w > best[j-1].w; j-- {
		best[j], best[j-1] = best[j-1], best[j]
	}
}

func (c Platt) prob(z float64) float64 { return sigmoid(c.A*z + c.B) }

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// tokenScale is each token's feature value: 1/sqrt(n), so that long and
// short texts have feature vectors of comparable length.
func tokenScale(n int) float64 {
	if n == 0 {
		return 0
	}
	return 1 / math.Sqrt(float64(n))
}

// feature is one hashed feature of a text: a token, or a pair of
// neighbouring Latin-script words.
type feature struct {
	bucket uint32
	hash   uint32 // the token's (or pair's) full hash: tokens with different hashes differ
	token  int32  // index of the (second) token
	pair   bool   // tokens[token-1] + " " + tokens[token]
}

// featurize hashes the tokens (FNV-1a, 32 bits) into buckets, adding a
// feature for each pair of neighbouring Latin words ("free entry", "call
// now"), which single stems miss.
func featurize(dst []feature, tokens []string, mask uint32) []feature {
	prevLatin := false
	var prevHash uint32
	for i, t := range tokens {
		if strings.HasPrefix(t, "$emoji") {
			// Emoji counts are left out: friend-circle posts of every kind
			// are full of emoji, and the seed corpus made them a spurious
			// sign of ads ("早安☀️🌹" read as sales).
			continue
		}
		h := fnv(2166136261, t)
		dst = append(dst, feature{bucket: h & mask, hash: h, token: int32(i)})
		latin := len(t) > 0 && 'a' <= t[0] && t[0] <= 'z'
		if latin && prevLatin {
			ph := fnv(prevHash^0x9e3779b9, t) // the pair: the first word's hash, salted, then the second
			dst = append(dst, feature{bucket: ph & mask, hash: ph, token: int32(i), pair: true})
		}
		prevLatin, prevHash = latin, h
	}
	return dst
}

func fnv(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// name is a feature's readable form.
func (f feature) name(tokens []string) string {
	if f.pair {
		return tokens[f.token-1] + " " + tokens[f.token]
	}
	return tokens[f.token]
}

// Write writes the model file.
func (m *Model) Write(w io.Writer) error {
	_, err := w.Write(m.encode())
	return err
}

// encode returns the model file's bytes.
func (m *Model) encode() []byte {
	var buf bytes.Buffer
	buf.WriteString(ModelFormat + "\n")
	hdr, _ := json.Marshal(m.hdr) // plain values: cannot fail
	buf.Write(hdr)
	buf.WriteByte('\n')
	b := make([]byte, 4*len(m.weights))
	for i, w := range m.weights {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(w))
	}
	buf.Write(b)
	return buf.Bytes()
}

// ErrModel is wrapped by every error about a malformed model file.
var ErrModel = errors.New("invalid model")

// ReadModel parses a model file. Any defect (wrong magic, bad header, a
// label or size that does not add up, non-finite weights) is an error
// wrapping ErrModel.
func ReadModel(data []byte) (*Model, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrModel, fmt.Sprintf(format, args...))
	}
	rest, ok := bytes.CutPrefix(data, []byte(ModelFormat+"\n"))
	if !ok {
		return nil, bad("not a %s file", ModelFormat)
	}
	line, weights, ok := bytes.Cut(rest, []byte("\n"))
	if !ok {
		return nil, bad("no header line")
	}
	var h header
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, bad("header: %v", err)
	}
	L := len(h.Labels)
	switch {
	case h.Format != ModelFormat:
		return nil, bad("format %q", h.Format)
	case L == 0 || L > 64:
		return nil, bad("%d labels", L)
	case h.Buckets < 2 || h.Buckets > 1<<24 || h.Buckets&(h.Buckets-1) != 0:
		return nil, bad("buckets %d: want a power of two up to 2^24", h.Buckets)
	case len(h.Bias) != L || len(h.Calibration) != L:
		return nil, bad("bias or calibration does not match %d labels", L)
	case len(weights) != 4*h.Buckets*L:
		return nil, bad("%d weight bytes, want %d", len(weights), 4*h.Buckets*L)
	}
	seen := map[string]bool{}
	for _, l := range h.Labels {
		if l == "" || l == "ham" || seen[l] {
			return nil, bad("label %q empty, reserved or repeated", l)
		}
		seen[l] = true
	}
	for i, c := range h.Calibration {
		if !finite(c.A) || !finite(c.B) || !finite(float64(h.Bias[i])) {
			return nil, bad("label %s: non-finite bias or calibration", h.Labels[i])
		}
	}
	m := &Model{hdr: h, weights: make([]float32, h.Buckets*L), mask: uint32(h.Buckets - 1), tok: textnorm.NewTokenizer()}
	for i := range m.weights {
		w := math.Float32frombits(binary.LittleEndian.Uint32(weights[4*i:]))
		if !finite(float64(w)) {
			return nil, bad("non-finite weight at %d", i)
		}
		m.weights[i] = w
	}
	m.version = contentVersion(data)
	return m, nil
}

// LoadModel reads a model file from disk.
func LoadModel(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	m, err := ReadModel(data)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", path, err)
	}
	return m, nil
}

// WriteFile writes the model to path atomically (a temporary file renamed).
func (m *Model) WriteFile(path string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	w := bufio.NewWriter(f)
	err = m.Write(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write model %s: %w", path, err)
	}
	return nil
}

func contentVersion(data []byte) string {
	sum := sha256.Sum256(data)
	return "m-" + hex.EncodeToString(sum[:6])
}

// entities reads what the tokenizer turns into entity tokens; training,
// evaluation and the engine must agree on it.
func entities(text, norm string) *textnorm.Entities {
	e := textnorm.Extract(text, norm, nil)
	return &e
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

//go:embed model/default.cgm
var defaultModel embed.FS

var (
	defaultOnce sync.Once
	defaultM    *Model
	defaultErr  error
)

// DefaultModel returns the model embedded in the binary (built by
// `make model` from classifiers/data). It is parsed once.
func DefaultModel() (*Model, error) {
	defaultOnce.Do(func() {
		data, err := defaultModel.ReadFile("model/default.cgm")
		if err != nil {
			defaultErr = err
			return
		}
		if len(data) == 0 {
			defaultErr = errors.New("no model is embedded in this build: run `make model` and rebuild")
			return
		}
		defaultM, defaultErr = ReadModel(data)
		if defaultErr != nil {
			defaultErr = fmt.Errorf("embedded model: %w", defaultErr)
		}
	})
	return defaultM, defaultErr
}
