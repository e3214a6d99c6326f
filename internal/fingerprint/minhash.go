package fingerprint

import (
	"math/bits"
	"slices"
	"unicode"
)

// Mixing constants (splitmix64 and FNV).
const (
	golden = 0x9e3779b97f4a7c15
	mulA   = 0xbf58476d1ce4e5b9
	mulB   = 0x94d049bb133111eb
	fnv64  = 0x100000001b3
)

// mix is the splitmix64 finaliser: a bijection on uint64 with full
// avalanche.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= mulA
	x ^= x >> 27
	x *= mulB
	x ^= x >> 31
	return x
}

// shingleWeight is the weight a shingle needs: shingles are the shortest
// runs of skeleton runes whose weights add up to it. Han, kana, Hangul and
// placeholders weigh 2, other runes (Latin letters) 1, so a Chinese shingle
// is two characters and an English one four letters. See the package
// documentation for the measurement that chose it.
const shingleWeight = 4

// weight returns the shingle weight of a skeleton rune.
func weight(r rune) int {
	if r < 0x1100 {
		return 1
	}
	if r >= 0x4e00 && r <= 0x9fff || r == phMask || r == phURL {
		return 2
	}
	return wideWeight(r)
}

func wideWeight(r rune) int {
	if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
		return 2
	}
	return 1
}

// appendShingles appends the hashes of the shingles of s to dst. A
// skeleton lighter than one shingle is one shingle. Equal shingles hash
// equally; repeats are harmless to MinHash.
//
// A shingle s[i:j] is hashed from prefix hashes, H(s[:j]) - H(s[:i])·B^(j-i)
// with H(s[:n+1]) = H(s[:n])·B + s[n] mod 2^64, kept for i and j as both
// advance, then mixed with its length and the seed.
func appendShingles(dst []uint64, s []rune, seed uint64) []uint64 {
	const base = 0x100000001b3 // odd and above 2^21
	var pow [shingleWeight + 1]uint64
	pow[0] = 1
	for k := 1; k < len(pow); k++ {
		pow[k] = pow[k-1] * base
	}
	j, w := 0, 0 // the shingle at i is s[i:j], of weight w
	var hi, hj uint64
	for i, r := range s {
		for j < len(s) && w < shingleWeight {
			w += weight(s[j])
			hj = hj*base + uint64(s[j])
			j++
		}
		if w < shingleWeight && i > 0 {
			break // the tail is inside the previous shingle
		}
		n := j - i
		dst = append(dst, mix((hj-hi*pow[n])^seed+uint64(n)*golden))
		hi = hi*base + uint64(r)
		w -= weight(r)
	}
	return dst
}

// Throws: each shingle is thrown into the bins twice per round (both
// throws from one 64-bit hash: a 16-bit bin choice and a 16-bit value
// each), for rounds rounds, before the bins left empty are densified. A
// value carries its throw's index above the 16 random bits, so a bin keeps
// the earliest throw's minimum and stopping once every bin is filled
// changes nothing. More rounds mean fewer empty bins to densify but more
// hashing: 3 was the fastest on the generated stream (2: +15%, 4: same,
// 6: +7%), and the S-curve does not depend on it.
const (
	rounds = 3
	empty  = ^uint32(0) // an empty bin; every value is smaller
)

// sketcher computes MinHash signatures of one length and seed. It is
// immutable.
type sketcher struct {
	k    uint64
	seed uint64
	// probes holds the first tableProbes bins of each bin's probe
	// sequence, bin i's at [i*tableProbes:]; later probes are computed.
	probes []uint16
	// empty is a signature of empty bins, copied to start one.
	empty []uint32
}

// tableProbes is the number of probes per bin kept in the table: an empty
// bin rarely needs more when a fifth or more of the bins are filled.
// A multiple of 4.
const tableProbes = 16

func newSketcher(k int, seed uint64) *sketcher {
	sk := &sketcher{k: uint64(k), seed: seed, probes: make([]uint16, k*tableProbes), empty: make([]uint32, k)}
	for i := range sk.empty {
		sk.empty[i] = empty
	}
	for i := range sk.k {
		base := probeBase(i, seed)
		for t := range uint64(tableProbes) {
			sk.probes[i*tableProbes+t] = uint16(probeBin(base, t, sk.k))
		}
	}
	return sk
}

// probeBase and probeBin define bin i's probe sequence: probe t (from 0)
// is probeBin(probeBase(i, seed), t, k). The sequence depends only on the
// bin and the seed, never on the data: that makes densified bins collide
// with probability J (Shrivastava 2017).
func probeBase(i, seed uint64) uint64 { return mix(seed ^ (i+1)*golden) }

func probeBin(base, t, k uint64) uint64 {
	j, _ := bits.Mul64(mix(base+(t+1)*mulA), k)
	return j
}

// sketch computes the MinHash signature of the shingle hashes xs into sig
// (len k); todo is scratch space of len k. It is one-permutation hashing
// (Li, Owen, Zhang 2012: each throw lands in one bin, a bin keeps its
// least value) with optimal densification (Shrivastava 2017: an empty bin
// copies the first filled bin of its own fixed probe sequence), so
// P[sig_A[i] = sig_B[i]] = J(A, B) for every bin, like k independent
// min-hashes at a fraction of the cost. An empty xs gives a zero
// signature.
//
// The loops avoid branches that would be coin tosses (is this bin
// filled?): mispredictions cost more than the hashing.
func (sk *sketcher) sketch(sig []uint32, todo []uint16, xs []uint64) {
	if len(xs) == 0 { // no bin to copy from; Of never gets here
		clear(sig)
		return
	}
	k := sk.k
	copy(sig, sk.empty)
	for r := range uint64(rounds) {
		for _, x := range xs {
			y := x
			if r > 0 {
				y = mix(x + r*golden)
			}
			b0 := uint64(uint16(y>>48)) * k >> 16
			b1 := uint64(uint16(y>>16)) * k >> 16
			v0 := uint32(2*r)<<16 | uint32(uint16(y>>32))
			v1 := uint32(2*r+1)<<16 | uint32(uint16(y))
			sig[b0] = min(sig[b0], v0)
			sig[b1] = min(sig[b1], v1)
		}
		if 2*uint64(len(xs))*(r+1) >= k && !slices.Contains(sig, empty) {
			return
		}
	}
	// Densify: the probes test the bins' state before densification.
	var filled [maxSignature / 64]uint64
	todo = todo[:len(sig)]
	n := 0
	for w := 0; w < len(sig); w += 64 {
		var word uint64 // in a register: a |= into memory per bin stalls on the store
		for b, v := range sig[w:min(w+64, len(sig))] {
			e := b2u(v == empty)
			word |= uint64(e^1) << b
			todo[n] = uint16(w + b)
			n += int(e)
		}
		filled[w>>6] = word
	}
	probes := sk.probes
	for _, i := range todo[:n] {
		// The first four probes inline (enough for most bins once a
		// third of them are filled), the rest in probe.
		q := probes[int(i)*tableProbes:][:4]
		m := filled[q[0]>>6]>>(q[0]&63)&1 |
			filled[q[1]>>6]>>(q[1]&63)&1<<1 |
			filled[q[2]>>6]>>(q[2]&63)&1<<2 |
			filled[q[3]>>6]>>(q[3]&63)&1<<3
		var j uint64
		if m != 0 {
			j = uint64(q[bits.TrailingZeros64(m)])
		} else {
			j = sk.probe(&filled, int(i), 4)
		}
		sig[i] = sig[j]
	}
}

// maxProbes bounds the probes of an empty bin; past it the bins are
// scanned in order from a random start.
const maxProbes = 256

// probe returns the first filled bin of empty bin i's probe sequence,
// from probe from on (a multiple of 4). The table probes are tested four
// at a time without branches.
func (sk *sketcher) probe(filled *[maxSignature / 64]uint64, i, from int) uint64 {
	p := sk.probes[i*tableProbes : i*tableProbes+tableProbes]
	for t := from; t+4 <= len(p); t += 4 {
		q := p[t : t+4]
		m := filled[q[0]>>6]>>(q[0]&63)&1 |
			filled[q[1]>>6]>>(q[1]&63)&1<<1 |
			filled[q[2]>>6]>>(q[2]&63)&1<<2 |
			filled[q[3]>>6]>>(q[3]&63)&1<<3
		if m != 0 {
			return uint64(q[bits.TrailingZeros64(m)])
		}
	}
	base := probeBase(uint64(i), sk.seed)
	for t := uint64(tableProbes); t < maxProbes; t++ {
		j := probeBin(base, t, sk.k)
		if filled[j>>6]&(1<<(j&63)) != 0 {
			return j
		}
	}
	j, _ := bits.Mul64(base, sk.k)
	for ; filled[j>>6]&(1<<(j&63)) == 0; j = (j + 1) % sk.k {
	}
	return j
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
