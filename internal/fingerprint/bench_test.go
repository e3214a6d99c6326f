package fingerprint

import (
	"testing"

	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/textnorm"
)

// benchPosts returns the first n posts of the generated stream (seed 1) in
// matching form with their entities: ordinary posts and spam in the
// stream's mix, 25 skeleton runes on average.
func benchPosts(tb testing.TB, n int) ([]string, []textnorm.Entities) {
	tb.Helper()
	g, err := gen.New(gen.Config{Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	norms := make([]string, n)
	ents := make([]textnorm.Entities, n)
	for i := range n {
		p := g.Next().Post
		norms[i] = textnorm.Normalize(p.Text)
		ents[i] = textnorm.Extract(p.Text, norms[i], p.Links)
	}
	return norms, ents
}

// BenchmarkOf fingerprints the generated stream.
func BenchmarkOf(b *testing.B) {
	h := newHasher(b)
	norms, ents := benchPosts(b, 1000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := i % len(norms)
		_ = h.Of(norms[k], &ents[k])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkOfInto is the allocation-free hot path.
func BenchmarkOfInto(b *testing.B) {
	h := newHasher(b)
	norms, ents := benchPosts(b, 1000)
	var fp Fingerprint
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := i % len(norms)
		h.OfInto(&fp, norms[k], &ents[k])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

func BenchmarkSimilarity(b *testing.B) {
	h := newHasher(b)
	x := fingerprint(b, h, baseAds[1].text)
	y := fingerprint(b, h, perturbations[len(perturbations)-1].f(baseAds[1].text))
	b.ReportAllocs()
	for b.Loop() {
		_ = Similarity(x, y)
	}
}
