package fingerprint

import (
	"errors"
	"fmt"
	"math/bits"
	"sync"

	"github.com/circleguard/circleguard/internal/textnorm"
)

// Config configures a Hasher. A zero field takes its default; the zero
// Config is valid. Fingerprints are comparable only between Hashers with
// equal Configs (after defaults): Bands, Rows and Seed change every key.
type Config struct {
	// Bands is the number of LSH bands, one key each in Fingerprint.Bands.
	// The repetition store takes two texts for copies when they share two
	// keys (or the exact hash). Default: 16.
	Bands int `yaml:"bands"`
	// Rows is the number of signature values hashed into one band key. The
	// signature has Bands×Rows values, at most 1024. A pair of texts with
	// Jaccard similarity J shares each band with probability J^Rows; the
	// defaults make two or more shared bands likely at J = 0.5 (0.94) and
	// rare at J = 0.2 (0.13): the package documentation has the curve and
	// why. Default: 2.
	Rows int `yaml:"rows"`
	// Seed selects the hash functions. Default: 1 (so 0 and 1 give the same
	// fingerprints).
	Seed uint64 `yaml:"seed"`
	// MinRunes: a text whose skeleton (see the package documentation) has
	// fewer runes is trivial. Default: 6.
	MinRunes int `yaml:"min_runes"`
}

// Defaults of Config, applied to zero fields.
const (
	DefaultBands    = 16
	DefaultRows     = 2
	DefaultSeed     = 1
	DefaultMinRunes = 6
)

// maxSignature bounds Bands×Rows.
const maxSignature = 1024

func (c Config) withDefaults() Config {
	if c.Bands == 0 {
		c.Bands = DefaultBands
	}
	if c.Rows == 0 {
		c.Rows = DefaultRows
	}
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	if c.MinRunes == 0 {
		c.MinRunes = DefaultMinRunes
	}
	return c
}

// Validate reports every problem of c (after defaults), joined into one
// error, or nil.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.Bands < 0 {
		errs = append(errs, fmt.Errorf("fingerprint: Bands is %d, want > 0", c.Bands))
	}
	if c.Rows < 0 {
		errs = append(errs, fmt.Errorf("fingerprint: Rows is %d, want > 0", c.Rows))
	}
	if c.Bands > 0 && c.Rows > 0 && c.Bands > maxSignature/c.Rows {
		errs = append(errs, fmt.Errorf("fingerprint: Bands×Rows is %d×%d, want at most %d", c.Bands, c.Rows, maxSignature))
	}
	if c.MinRunes < 0 {
		errs = append(errs, fmt.Errorf("fingerprint: MinRunes is %d, want > 0", c.MinRunes))
	}
	return errors.Join(errs...)
}

// Fingerprint is what a post's text is compared by. Its slices share one
// array; copy them (slices.Clone) before keeping a Fingerprint filled by
// OfInto.
type Fingerprint struct {
	// Exact is a hash of the skeleton: texts that differ only in what the
	// skeleton drops or masks have equal Exact. It is set for trivial texts
	// too, and 0 for an empty skeleton ("早安", "🔥🔥🔥").
	Exact uint64
	// Bands holds one key per LSH band (the band index is mixed in, so keys
	// of different bands never match): two texts that share a key are
	// candidate near-copies, to be confirmed with Similarity. Nil when
	// Trivial.
	Bands []uint64
	// Signature is the MinHash signature: Bands×Rows values rounded up to a
	// multiple of four (the extra ones serve only Similarity), each the low
	// 16 bits of a bin's minimum, packed four to a word, first value in the
	// low bits. Similarity compares two. Nil when Trivial.
	Signature []uint64
	// Runes is the length of the skeleton in runes.
	Runes int
	// Trivial is set for a text whose skeleton is shorter than MinRunes or
	// made only of stock greetings ("早上好，今天也要加油鸭", "good morning
	// everyone"): it has no bands and never counts as a copy.
	Trivial bool

	// buf is the array behind Bands and Signature, kept for OfInto.
	buf []uint64
}

// Hasher computes fingerprints. It is immutable and safe for concurrent
// use.
type Hasher struct {
	cfg  Config
	k    int // signature length: Bands×Rows rounded up to a multiple of 4
	seed uint64
	sk   *sketcher
	// bandSeeds are the per-band seeds of the band keys.
	bandSeeds []uint64
	pool      sync.Pool
}

// scratch is the per-call working memory, pooled.
type scratch struct {
	skel []rune
	xs   []uint64
	sig  []uint32
	todo []uint16
}

// New returns a Hasher for cfg; zero fields take their defaults.
func New(cfg Config) (*Hasher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	k := (cfg.Bands*cfg.Rows + 3) &^ 3
	seed := mix(cfg.Seed * golden)
	h := &Hasher{cfg: cfg, k: k, seed: seed, sk: newSketcher(k, seed), bandSeeds: bandSeeds(cfg.Bands, seed)}
	h.pool.New = func() any {
		return &scratch{
			skel: make([]rune, 0, 256),
			xs:   make([]uint64, 0, 256),
			sig:  make([]uint32, h.k),
			todo: make([]uint16, h.k),
		}
	}
	return h, nil
}

// Config returns the Hasher's configuration with defaults applied.
func (h *Hasher) Config() Config { return h.cfg }

// Of returns the fingerprint of a post: norm is its matching form
// (textnorm.Normalize of the text) and e its entities (textnorm.Extract),
// whose URLs and contact ids are masked; e may be nil, and then URLs
// without a scheme and ids that neither follow a contact token nor look
// like one are left in. Of is deterministic, never panics, whatever norm
// holds, and allocates once (Bands and Signature share an array); OfInto
// does not allocate.
func (h *Hasher) Of(norm string, e *textnorm.Entities) Fingerprint {
	var fp Fingerprint
	h.OfInto(&fp, norm, e)
	return fp
}

// OfInto is Of into fp: it overwrites fp and reuses the array behind
// fp.Bands and fp.Signature, so a caller that keeps one Fingerprint per
// worker does not allocate. What fp held before is lost: clone the slices
// of a fingerprint you keep.
func (h *Hasher) OfInto(fp *Fingerprint, norm string, e *textnorm.Entities) {
	sc := h.pool.Get().(*scratch)
	defer h.pool.Put(sc)

	full := skeleton(sc.skel[:0], norm, e)
	sc.skel = full[:0]
	s := cutOpeners(full)

	words := fp.buf
	*fp = Fingerprint{Exact: exactHash(s, h.seed), Runes: len(s), buf: words}
	if len(s) < h.cfg.MinRunes || greetings.covers(s) {
		fp.Trivial = true
		return
	}

	sc.xs = appendShingles(sc.xs[:0], s, h.seed)
	h.sk.sketch(sc.sig, sc.todo, sc.xs)

	b, r := h.cfg.Bands, h.cfg.Rows
	n := b + h.k/4
	if cap(words) < n {
		words = make([]uint64, n)
		fp.buf = words
	}
	words = words[:n:n]
	bandKeys(words[:b], sc.sig, r, h.bandSeeds)
	sig := words[b:]
	clear(sig)
	for i, v := range sc.sig {
		sig[i/4] |= uint64(uint16(v)) << (16 * (i % 4))
	}
	fp.Bands, fp.Signature = words[:b:b], sig
}

// bandKeys writes the key of each band of sig (rows values per band) to
// keys: a hash of the band's seed (from its index) and its values.
func bandKeys(keys []uint64, sig []uint32, rows int, seeds []uint64) {
	for i := range keys {
		key := seeds[i]
		for _, v := range sig[i*rows : i*rows+rows] {
			key = (key ^ uint64(v)) * fnv64
		}
		keys[i] = mix(key)
	}
}

// bandSeeds returns the seed of each band.
func bandSeeds(bands int, seed uint64) []uint64 {
	s := make([]uint64, bands)
	base := mix(seed ^ 0x62616e64) // "band"
	for i := range s {
		s[i] = mix(base + uint64(i)*golden)
	}
	return s
}

// exactHash hashes a skeleton; 0 for an empty one.
func exactHash(s []rune, seed uint64) uint64 {
	if len(s) == 0 {
		return 0
	}
	x := mix(seed ^ 0x6578616374) // "exact"
	for _, r := range s {
		x = (x ^ uint64(r)) * fnv64
	}
	x = mix(x ^ uint64(len(s)))
	if x == 0 {
		x = 1
	}
	return x
}

// Similarity estimates the Jaccard similarity of the shingle sets of two
// fingerprints from their signatures, in [0, 1]: the share of equal
// signature values, corrected for 16-bit values that are equal by chance.
// Its standard error is about sqrt(J(1-J)/n) for n signature values (120
// by default: ±0.046 at J = 0.5, ±0.036 at J = 0.8). Fingerprints with
// equal Exact hashes are 1. A trivial fingerprint is 0 with any other (a
// trivial text never counts as a copy), and so are fingerprints from
// different Configs (signatures of different lengths).
func Similarity(a, b Fingerprint) float64 {
	if a.Trivial || b.Trivial || len(a.Signature) == 0 || len(a.Signature) != len(b.Signature) {
		return 0
	}
	if a.Exact == b.Exact {
		return 1
	}
	const (
		low  = 0x7fff7fff7fff7fff
		high = 0x8000800080008000
	)
	eq := 0
	for i, x := range a.Signature {
		d := x ^ b.Signature[i]
		// A 16-bit lane of d is non-zero iff its high bit is set or its
		// low 15 bits plus 0x7fff carry into the high bit.
		nz := ((d & low) + low) | d
		eq += bits.OnesCount64(^nz & high)
	}
	p := float64(eq) / float64(4*len(a.Signature))
	const chance = 1.0 / 65536
	return min(1, max(0, (p-chance)/(1-chance)))
}
