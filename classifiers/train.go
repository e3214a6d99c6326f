package classifiers

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/circleguard/circleguard/internal/textnorm"
)

// TrainConfig tunes training. The zero value takes the defaults.
type TrainConfig struct {
	// Seed drives shuffles and folds: the same data, config and seed give
	// the same model, byte for byte. Default: 1.
	Seed uint64
	// Epochs of AdaGrad over the data. Default: 6.
	Epochs int
	// Rate is AdaGrad's learning rate. Default: 0.2.
	Rate float64
	// L2 regularisation per update. Default: 1e-6.
	L2 float64
	// Buckets of the feature hash, a power of two. Default: 2^18.
	Buckets int
	// Folds for the out-of-fold scores calibration is fitted on. Default: 3.
	Folds int
	// Progress, if set, receives one line per step.
	Progress func(format string, args ...any)
}

func (c *TrainConfig) defaults() error {
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Epochs == 0 {
		c.Epochs = 6
	}
	if c.Rate == 0 {
		c.Rate = 0.2
	}
	if c.L2 == 0 {
		c.L2 = 1e-6
	}
	if c.Buckets == 0 {
		c.Buckets = 1 << 18
	}
	if c.Folds == 0 {
		c.Folds = 3
	}
	if c.Progress == nil {
		c.Progress = func(string, ...any) {}
	}
	switch {
	case c.Epochs < 1 || c.Epochs > 1000:
		return fmt.Errorf("epochs %d: must be in 1..1000", c.Epochs)
	case !(c.Rate > 0) || !(c.L2 >= 0):
		return errors.New("rate must be positive and l2 not negative")
	case c.Buckets < 2 || c.Buckets > 1<<24 || c.Buckets&(c.Buckets-1) != 0:
		return fmt.Errorf("buckets %d: want a power of two up to 2^24", c.Buckets)
	case c.Folds < 2 || c.Folds > 20:
		return fmt.Errorf("folds %d: must be in 2..20", c.Folds)
	}
	return nil
}

// encoded is an example ready for training: its hashed tokens and one
// target per label (1, 0, or -1 for unknown).
type encoded struct {
	idx     []uint32
	targets []int8
	weight  float64
}

// Train fits a model to d: one logistic regression per label over hashed
// features (AdaGrad), with Platt calibration fitted on out-of-fold scores.
// mapping and heldOut are recorded in the model's training metadata only.
func Train(d *Dataset, cfg TrainConfig, mapping map[string]string, heldOut float64) (*Model, error) {
	if err := cfg.defaults(); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	labels := d.Labels()
	if len(labels) == 0 {
		return nil, errors.New("train: the data has no label but ham")
	}
	start := time.Now()
	enc, counts := encode(d, labels, uint32(cfg.Buckets-1))
	for _, l := range labels {
		c := counts[l]
		if c.Positive == 0 || c.Negative == 0 {
			return nil, fmt.Errorf("train: label %s needs positive and negative examples (has %d and %d)", l, c.Positive, c.Negative)
		}
	}
	cfg.Progress("train: %d examples, labels %v, tokenised in %v", len(enc), labels, time.Since(start).Round(time.Millisecond))

	// Out-of-fold raw scores for calibration.
	fold := make([]int, len(enc))
	order := make([]int, len(enc))
	for i := range order {
		order[i] = i
	}
	newRand(cfg.Seed).shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	for pos, i := range order {
		fold[i] = pos % cfg.Folds
	}
	L := len(labels)
	oof := make([][]float64, L) // per label, per example
	for l := range L {
		oof[l] = make([]float64, len(enc))
	}
	for k := range cfg.Folds {
		t0 := time.Now()
		w, b := fitAll(enc, L, cfg, func(i int) bool { return fold[i] != k })
		for i, ex := range enc {
			if fold[i] != k {
				continue
			}
			for l := range L {
				oof[l][i] = score(w[l], b[l], ex.idx)
			}
		}
		cfg.Progress("train: calibration fold %d/%d in %v", k+1, cfg.Folds, time.Since(t0).Round(time.Millisecond))
	}
	calib := make([]Platt, L)
	for l := range L {
		var zs, ws []float64
		var ys []int8
		for i, ex := range enc {
			if t := ex.targets[l]; t >= 0 {
				zs = append(zs, oof[l][i])
				ys = append(ys, t)
				ws = append(ws, ex.weight)
			}
		}
		calib[l] = fitPlatt(zs, ys, ws)
	}

	t0 := time.Now()
	w, b := fitAll(enc, L, cfg, func(int) bool { return true })
	cfg.Progress("train: final model in %v", time.Since(t0).Round(time.Millisecond))

	m := &Model{
		hdr: header{
			Format: ModelFormat, Labels: labels, Buckets: cfg.Buckets,
			Bias: make([]float32, L), Calibration: calib,
			Training: Training{Data: d.Files, Seed: cfg.Seed, Epochs: cfg.Epochs, L2: cfg.L2, Rate: cfg.Rate,
				Folds: cfg.Folds, Examples: len(enc), Counts: counts, Map: mapping, HeldOut: heldOut},
		},
		weights: make([]float32, cfg.Buckets*L),
		mask:    uint32(cfg.Buckets - 1),
		tok:     textnorm.NewTokenizer(),
	}
	for l := range L {
		m.hdr.Bias[l] = float32(b[l])
		for i, x := range w[l] {
			m.weights[i*L+l] = float32(x)
		}
	}
	m.version = contentVersion(m.encode())
	return m, nil
}

// encode tokenises and hashes every example once.
func encode(d *Dataset, labels []string, mask uint32) ([]encoded, map[string]LabelCount) {
	tok := textnorm.NewTokenizer()
	counts := map[string]LabelCount{}
	out := make([]encoded, len(d.Examples))
	var tokens []string
	var feats []feature
	for i, ex := range d.Examples {
		norm := textnorm.Normalize(ex.Text)
		tokens = tok.Append(tokens[:0], norm, ex.Lang, entities(ex.Text, norm))
		feats = featurize(feats[:0], tokens, mask)
		out[i].idx = make([]uint32, len(feats))
		for j, f := range feats {
			out[i].idx[j] = f.bucket
		}
		out[i].targets = make([]int8, len(labels))
		out[i].weight = 1
		if w := d.Files[ex.File].Weight; w > 0 {
			out[i].weight = w
		}
		for l, name := range labels {
			c := counts[name]
			switch {
			case slices.Contains(ex.Labels, name):
				out[i].targets[l] = 1
				c.Positive++
			case len(ex.Labels) == 0 || slices.Contains(d.Known[ex.File], name):
				out[i].targets[l] = 0
				c.Negative++
			default:
				out[i].targets[l] = -1
				c.Unknown++
			}
			counts[name] = c
		}
	}
	return out, counts
}

// fitAll trains every label (in parallel; each label's result depends only
// on its own data, so the outcome is deterministic) on the examples use
// selects.
func fitAll(enc []encoded, L int, cfg TrainConfig, use func(int) bool) (w [][]float64, b []float64) {
	w = make([][]float64, L)
	b = make([]float64, L)
	var wg sync.WaitGroup
	for l := range L {
		wg.Go(func() { w[l], b[l] = fit(enc, l, cfg, use) })
	}
	wg.Wait()
	return w, b
}

// fit trains label l's logistic regression with AdaGrad.
func fit(enc []encoded, l int, cfg TrainConfig, use func(int) bool) ([]float64, float64) {
	w := make([]float64, cfg.Buckets)
	g2 := make([]float64, cfg.Buckets)
	var bias, bias2 float64
	var order []int
	for i, ex := range enc {
		if ex.targets[l] >= 0 && use(i) {
			order = append(order, i)
		}
	}
	const eps = 1e-8
	for epoch := range cfg.Epochs {
		newRand(cfg.Seed+uint64(epoch)*7919).shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			ex := enc[i]
			s := tokenScale(len(ex.idx))
			z := bias
			for _, k := range ex.idx {
				z += w[k] * s
			}
			g := (sigmoid(z) - float64(ex.targets[l])) * ex.weight
			bias2 += g * g
			bias -= cfg.Rate * g / math.Sqrt(bias2+eps)
			for _, k := range ex.idx {
				gk := g*s + cfg.L2*w[k]
				g2[k] += gk * gk
				w[k] -= cfg.Rate * gk / math.Sqrt(g2[k]+eps)
			}
		}
	}
	return w, bias
}

func score(w []float64, b float64, idx []uint32) float64 {
	s := tokenScale(len(idx))
	z := b
	for _, k := range idx {
		z += w[k] * s
	}
	return z
}

// fitPlatt fits p = sigmoid(A·z + B) to labels ys (example weights ws) by
// Newton's method on the weighted log loss, with Platt's smoothed targets.
func fitPlatt(zs []float64, ys []int8, ws []float64) Platt {
	var pos, neg float64
	for i, y := range ys {
		if y == 1 {
			pos += ws[i]
		} else {
			neg += ws[i]
		}
	}
	hi, lo := (pos+1)/(pos+2), 1/(neg+2)
	a, b := 1.0, 0.0
	for range 100 {
		var ga, gb, haa, hab, hbb float64
		for i, z := range zs {
			t := lo
			if ys[i] == 1 {
				t = hi
			}
			p := sigmoid(a*z + b)
			d := (p - t) * ws[i]
			ga += d * z
			gb += d
			v := math.Max(p*(1-p), 1e-12) * ws[i]
			haa += v * z * z
			hab += v * z
			hbb += v
		}
		haa += 1e-9
		hbb += 1e-9
		det := haa*hbb - hab*hab
		if det <= 0 {
			break
		}
		da := (hbb*ga - hab*gb) / det
		db := (haa*gb - hab*ga) / det
		a -= da
		b -= db
		if math.Abs(da) < 1e-9 && math.Abs(db) < 1e-9 {
			break
		}
	}
	if !finite(a) || !finite(b) {
		return Platt{A: 1}
	}
	return Platt{A: a, B: b}
}
