package fingerprint

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/textnorm"
)

// TestGeneratedStream measures the fingerprints on the generated stream
// (seed 1, 50,000 posts) and logs the table in the package documentation:
// how often consecutive posts of one campaign share a band (brushers and
// networks must, at least 99% of the time), and how often posts of
// different ordinary users do.
func TestGeneratedStream(t *testing.T) {
	posts := 50_000
	if testing.Short() {
		posts = 10_000
	}
	g, err := gen.New(gen.Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := newHasher(t)

	type rec struct {
		fp     Fingerprint
		kind   gen.Kind
		author string
	}
	recs := make([]rec, posts)
	type tally struct{ pairs, shared, trivial, similar int } // similar: Similarity ≥ 0.5
	consecutive := map[gen.Kind]*tally{}
	sameAuthor := &tally{} // consecutive posts of one ordinary user
	last := map[string]int{}
	lastNormal := map[string]int{}
	for i := range recs {
		it := g.Next()
		norm := textnorm.Normalize(it.Post.Text)
		e := textnorm.Extract(it.Post.Text, norm, it.Post.Links)
		recs[i] = rec{h.Of(norm, &e), it.Truth.Kind, it.Post.AuthorID}
		fp := recs[i].fp
		if c := it.Truth.Campaign; c != "" {
			if j, ok := last[c]; ok {
				tl := consecutive[it.Truth.Kind]
				if tl == nil {
					tl = &tally{}
					consecutive[it.Truth.Kind] = tl
				}
				tl.pairs++
				if shareBand(recs[j].fp, fp) {
					tl.shared++
				}
				if Similarity(recs[j].fp, fp) >= 0.5 {
					tl.similar++
				}
				if fp.Trivial || recs[j].fp.Trivial {
					tl.trivial++
				}
			}
			last[c] = i
		}
		if it.Truth.Kind == gen.Normal {
			if j, ok := lastNormal[it.Post.AuthorID]; ok {
				sameAuthor.pairs++
				if shareBand(recs[j].fp, fp) {
					sameAuthor.shared++
				}
			}
			lastNormal[it.Post.AuthorID] = i
		}
	}

	// Pairs of posts by different ordinary users, and ordinary posts with
	// spam: a uniform sample of a million pairs each.
	var normals, spam []int
	trivialNormal := 0
	for i, r := range recs {
		switch {
		case r.kind != gen.Normal:
			spam = append(spam, i)
		case r.fp.Trivial:
			trivialNormal++
			normals = append(normals, i)
		default:
			normals = append(normals, i)
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	const samples = 1_000_000
	normalShared, normalExact, normalSimilar, mixedShared := 0, 0, 0, 0
	for n := 0; n < samples; {
		a, b := recs[normals[rng.IntN(len(normals))]], recs[normals[rng.IntN(len(normals))]]
		if a.author == b.author {
			continue
		}
		n++
		if shareBand(a.fp, b.fp) {
			normalShared++
			if a.fp.Exact == b.fp.Exact {
				normalExact++
			}
			if Similarity(a.fp, b.fp) >= 0.5 {
				normalSimilar++
			}
		}
	}
	for range samples {
		if shareBand(recs[normals[rng.IntN(len(normals))]].fp, recs[spam[rng.IntN(len(spam))]].fp) {
			mixedShared++
		}
	}

	var log strings.Builder
	fmt.Fprintf(&log, "%-44s %8s %8s %8s\n", "pairs", "count", "band", "sim≥0.5")
	for _, k := range gen.Kinds[1:] {
		tl := consecutive[k]
		if tl == nil {
			continue
		}
		fmt.Fprintf(&log, "%-44s %8d %7.2f%% %7.2f%%\n", "consecutive same-campaign, "+string(k), tl.pairs, pct(tl.shared, tl.pairs), pct(tl.similar, tl.pairs))
	}
	fmt.Fprintf(&log, "%-44s %8d %7.2f%%\n", "consecutive posts of one ordinary user", sameAuthor.pairs, pct(sameAuthor.shared, sameAuthor.pairs))
	fmt.Fprintf(&log, "%-44s %8d %7.3f%% %7.3f%% (%.3f%% exact copies)\n", "ordinary posts, different users (sample)", samples,
		pct(normalShared, samples), pct(normalSimilar, samples), pct(normalExact, samples))
	fmt.Fprintf(&log, "%-44s %8d %7.3f%%\n", "ordinary post and spam post (sample)", samples, pct(mixedShared, samples))
	fmt.Fprintf(&log, "trivial ordinary posts: %.1f%% of %d\n", pct(trivialNormal, len(normals)), len(normals))
	t.Logf("generated stream, seed 1, %d posts:\n%s", posts, log.String())

	for _, k := range []gen.Kind{gen.Brusher, gen.Network} {
		if tl := consecutive[k]; tl == nil || pct(tl.shared, tl.pairs) < 99 {
			t.Errorf("%s: consecutive same-campaign posts share a band in %+v, want ≥ 99%%", k, tl)
		}
	}
	if p := pct(normalShared, samples); p > 2 {
		t.Errorf("posts of different ordinary users share a band in %.2f%% of pairs, want ≤ 2%%", p)
	}
}

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// TestShingleSchemes compares shingle shapes on exact Jaccard similarity:
// fixed 2-, 3- and 4-rune shingles, and the weighted shingles Of uses
// (two Han characters or four Latin letters). It logs the table in the
// package documentation: the smallest perturbation similarity over the
// base ads, the largest similarity of unrelated pairs, and the share of
// consecutive brusher and network posts of one campaign with J ≥ 0.5.
func TestShingleSchemes(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a measurement: slow, and not a check of Of")
	}
	type scheme struct {
		name       string
		hanW, size int // weight of a Han rune; weight of a shingle
	}
	schemes := []scheme{{"2 runes", 1, 2}, {"3 runes", 1, 3}, {"4 runes", 1, 4},
		{"Han 2 / Latin 4 (Of)", 2, 4}, {"Han 3 / Latin 6", 2, 6}}
	skel := func(text string, links []string) []rune {
		norm := textnorm.Normalize(text)
		e := textnorm.Extract(text, norm, links)
		return cutOpeners(skeleton(nil, norm, &e))
	}
	shingles := func(s []rune, sc scheme) map[string]bool {
		m := map[string]bool{}
		for i := range s {
			w, j := 0, i
			for j < len(s) && w < sc.size {
				if weight(s[j]) == 2 {
					w += sc.hanW
				} else {
					w++
				}
				j++
			}
			if w < sc.size && i > 0 {
				break
			}
			m[string(s[i:j])] = true
		}
		return m
	}
	jac := func(a, b map[string]bool) float64 {
		in := 0
		for k := range a {
			if b[k] {
				in++
			}
		}
		if u := len(a) + len(b) - in; u > 0 {
			return float64(in) / float64(u)
		}
		return 1
	}

	g, err := gen.New(gen.Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	type post struct {
		skel     []rune
		campaign string
	}
	var stream []post
	for range 20_000 {
		it := g.Next()
		if it.Truth.Kind == gen.Brusher || it.Truth.Kind == gen.Network {
			stream = append(stream, post{skel(it.Post.Text, it.Post.Links), it.Truth.Campaign})
		}
	}
	pairs := unrelatedPairs()

	var log strings.Builder
	fmt.Fprintf(&log, "%-22s %10s %10s %12s\n", "shingle", "pert. min", "unrel. max", "brush J≥0.5")
	res := map[string][3]float64{}
	for _, sc := range schemes {
		pertMin := 1.0
		for _, ad := range baseAds {
			base := shingles(skel(ad.text, nil), sc)
			for _, p := range perturbations {
				pertMin = min(pertMin, jac(base, shingles(skel(p.f(ad.text), nil), sc)))
			}
		}
		unrelMax := 0.0
		for _, p := range pairs {
			unrelMax = max(unrelMax, jac(shingles(skel(p[0], nil), sc), shingles(skel(p[1], nil), sc)))
		}
		last := map[string]map[string]bool{}
		n, high := 0, 0
		for _, p := range stream {
			cur := shingles(p.skel, sc)
			if prev, ok := last[p.campaign]; ok {
				n++
				if jac(prev, cur) >= 0.5 {
					high++
				}
			}
			last[p.campaign] = cur
		}
		res[sc.name] = [3]float64{pertMin, unrelMax, pct(high, n)}
		fmt.Fprintf(&log, "%-22s %10.2f %10.2f %11.2f%%\n", sc.name, pertMin, unrelMax, pct(high, n))
	}
	t.Logf("exact Jaccard by shingle shape (%d unrelated pairs, %d brusher/network posts of the stream's first 20,000):\n%s",
		len(pairs), len(stream), log.String())
	of, k2, k3 := res["Han 2 / Latin 4 (Of)"], res["2 runes"], res["3 runes"]
	if of[0] < k3[0] || of[2] < k3[2] || of[1] > k2[1] {
		t.Errorf("Of's shingles no longer beat 3-rune shingles on copies and 2-rune shingles on unrelated pairs: %v", res)
	}
}
