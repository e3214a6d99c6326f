package fingerprint

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/circleguard/circleguard/internal/textnorm"
)

// fingerprint runs the pipeline a caller runs: normalise, extract, Of.
func fingerprint(tb testing.TB, h *Hasher, text string) Fingerprint {
	tb.Helper()
	norm := textnorm.Normalize(text)
	e := textnorm.Extract(text, norm, nil)
	return h.Of(norm, &e)
}

func newHasher(tb testing.TB) *Hasher {
	tb.Helper()
	h, err := New(Config{})
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// minShared is the band keys two texts must share to be taken for copies:
// the repetition store's default (repetition.DefaultMinSharedBands).
const minShared = 2

// shareBand reports whether two fingerprints are candidate copies as the
// repetition store sees them: they share minShared LSH band keys.
func shareBand(a, b Fingerprint) bool {
	n := 0
	for i, k := range a.Bands {
		if i < len(b.Bands) && b.Bands[i] == k {
			n++
		}
	}
	return n >= minShared
}

// jaccard is the exact Jaccard similarity of two texts' shingle sets: what
// Similarity estimates.
func jaccard(h *Hasher, a, b string) float64 {
	set := func(text string) map[uint64]bool {
		norm := textnorm.Normalize(text)
		e := textnorm.Extract(text, norm, nil)
		m := map[uint64]bool{}
		for _, x := range appendShingles(nil, cutOpeners(skeleton(nil, norm, &e)), h.seed) {
			m[x] = true
		}
		return m
	}
	sa, sb := set(a), set(b)
	in := 0
	for x := range sa {
		if sb[x] {
			in++
		}
	}
	if u := len(sa) + len(sb) - in; u > 0 {
		return float64(in) / float64(u)
	}
	return 1
}

// showSkeleton renders a skeleton with '#' for a masked number or id and
// '@' for a URL.
func showSkeleton(norm string, e *textnorm.Entities) string {
	s := cutOpeners(skeleton(nil, norm, e))
	return strings.NewReplacer(string(phMask), "#", string(phURL), "@").Replace(string(s))
}

func TestSkeleton(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"wechat_id", "加V：lily520", "加#"},
		{"wechat_id_spaced_label", "加微信 lily_520 看货", "加#看货"},
		{"wechat_obfuscated", "微❤信：lily520 看货", "#看货"},
		{"wechat_fullwidth", "ＶＸ：ｌｉｌｙ５２０ 看货", "#看货"},
		{"wechat_homoglyph", "wеchаt lily520 看货", "#看货"},
		{"wechat_spaced_id", "看货 wechat l i l y 5 2 0", "看货#"},
		{"phone_grouped_same_wechat", "电话138 0000 0000（同微信）", "#同"},
		{"phone_han_numerals", "一三八一二三四五六七八 同微信", "#同"},
		{"handle", "Telegram @watch_king88 for prices", "#forprices"},
		{"intl_phone", "WhatsApp +60 12-345 6789 now", "#now"},
		{"prices", "原价199，今天只要69元", "原价#今天只要#元"},
		{"decimal_price", "$1,299.99 only", "#only"},
		{"url_scheme", "点击 https://shop.example.com/x?id=3 下单", "点击@下单"},
		{"url_bare", "看这里 shop.example.cn/item 下单", "看这里@下单"},
		{"day_counter_en", "Day 3 正品面膜", "正品面膜"},
		{"day_counter_zh", "第3天 正品面膜", "正品面膜"},
		{"date_zh", "11月1日 正品面膜", "正品面膜"},
		{"date_en", "Nov 1 Premium bags", "premiumbags"},
		{"stacked_openers", "打卡第7天 今日上新 正品面膜", "正品面膜"},
		{"greeting_opener", "Good morning ☀️ New in: Premium bags", "premiumbags"},
		{"hashtags_end", "面膜 补水 #好物分享 #包邮", "面膜补水"},
		{"hashtag_topics_both_ends", "#好物推荐# 面膜补水 #限时特价#", "面膜补水"},
		{"hashtag_middle_kept", "面膜 #补水，神器 好用", "面膜补水神器好用"},
		{"hashtag_open_han_swallows", "面膜 #补水 神器", "面膜"}, // Normalize glues 补水 神器
		{"emoji_punctuation_space", "🔥面膜！！ 补水……✨ 好用", "面膜补水好用"},
		{"model_number_kept", "iPhone16 Pro Max 现货", "iphone#promax现货"},
		{"ratio", "1:1 quality sneakers", "#qualitysneakers"},
		{"id_needs_digits", "wechat group is busy", "wechatgroupisbusy"},
		{"empty", "", ""},
		{"emoji_only", "🔥🔥🔥", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			norm := textnorm.Normalize(tt.in)
			e := textnorm.Extract(tt.in, norm, nil)
			if got := showSkeleton(norm, &e); got != tt.want {
				t.Errorf("skeleton(%q) = %q, want %q (matching form %q)", tt.in, got, tt.want, norm)
			}
		})
	}
}

// TestPerturbations checks that every perturbation brushers make keeps a
// post a near-copy of its ad: Similarity at least 0.6 and a shared band.
func TestPerturbations(t *testing.T) {
	h := newHasher(t)
	for _, ad := range baseAds {
		base := fingerprint(t, h, ad.text)
		if base.Trivial {
			t.Fatalf("%s: base ad is trivial", ad.name)
		}
		for _, p := range perturbations {
			t.Run(ad.name+"/"+p.name, func(t *testing.T) {
				text := p.f(ad.text)
				fp := fingerprint(t, h, text)
				sim := Similarity(base, fp)
				if fp.Trivial || sim < 0.6 || !shareBand(base, fp) {
					t.Errorf("trivial %v, similarity %.2f (Jaccard %.2f), shares a band %v\nbase %q\npost %q",
						fp.Trivial, sim, jaccard(h, ad.text, text), shareBand(base, fp), ad.text, text)
				}
			})
		}
	}
}

// TestSimilarityTable measures each perturbation over the base ads and
// logs the table in the package documentation (go test -run
// SimilarityTable -v).
func TestSimilarityTable(t *testing.T) {
	h := newHasher(t)
	var b strings.Builder
	fmt.Fprintf(&b, "%-18s %8s %8s %8s %8s\n", "perturbation", "min J", "median J", "min est", "exact")
	for _, p := range perturbations {
		var js, est []float64
		exact := 0
		for _, ad := range baseAds {
			text := p.f(ad.text)
			a, c := fingerprint(t, h, ad.text), fingerprint(t, h, text)
			js = append(js, jaccard(h, ad.text, text))
			est = append(est, Similarity(a, c))
			if a.Exact == c.Exact {
				exact++
			}
		}
		sort.Float64s(js)
		sort.Float64s(est)
		fmt.Fprintf(&b, "%-18s %8.2f %8.2f %8.2f %5d/%d\n", p.name, js[0], js[len(js)/2], est[0], exact, len(baseAds))
	}
	t.Logf("similarity of perturbed ads to their base (%d ads):\n%s", len(baseAds), b.String())
}

// unrelatedPairs are pairs of texts that are not copies of each other:
// different ads, ads and ordinary posts, ordinary posts.
func unrelatedPairs() [][2]string {
	var pairs [][2]string
	for i, a := range baseAds {
		for _, b := range baseAds[i+1:] {
			pairs = append(pairs, [2]string{a.text, b.text})
		}
		for _, o := range ordinaryPosts {
			pairs = append(pairs, [2]string{a.text, o})
		}
	}
	for i, a := range ordinaryPosts {
		for _, b := range ordinaryPosts[i+1:] {
			pairs = append(pairs, [2]string{a, b})
		}
	}
	return pairs
}

func TestUnrelated(t *testing.T) {
	h := newHasher(t)
	pairs := unrelatedPairs()
	collide, maxJ, maxSim := 0, 0.0, 0.0
	for _, p := range pairs {
		a, b := fingerprint(t, h, p[0]), fingerprint(t, h, p[1])
		if shareBand(a, b) {
			collide++
			t.Logf("band shared by unrelated texts (Jaccard %.2f):\n%q\n%q", jaccard(h, p[0], p[1]), p[0], p[1])
		}
		maxJ = max(maxJ, jaccard(h, p[0], p[1]))
		maxSim = max(maxSim, Similarity(a, b))
	}
	rate := float64(collide) / float64(len(pairs))
	t.Logf("%d unrelated pairs: %d share a band (%.2f%%), max Jaccard %.2f, max Similarity %.2f",
		len(pairs), collide, 100*rate, maxJ, maxSim)
	if rate > 0.005 {
		t.Errorf("false band collision rate %.2f%%, want at most 0.5%%", 100*rate)
	}
	if maxSim >= 0.3 {
		t.Errorf("max Similarity of unrelated texts %.2f, want below 0.3", maxSim)
	}
}

// TestSameProduct reports how ads for the same product by other sellers
// compare with the base ads: related, not copies.
func TestSameProduct(t *testing.T) {
	h := newHasher(t)
	collide, n, maxJ := 0, 0, 0.0
	for _, ad := range baseAds {
		a := fingerprint(t, h, ad.text)
		for _, o := range sameProductAds {
			n++
			if shareBand(a, fingerprint(t, h, o)) {
				collide++
			}
			maxJ = max(maxJ, jaccard(h, ad.text, o))
		}
	}
	t.Logf("%d pairs of ads by different sellers: %d share a band, max Jaccard %.2f", n, collide, maxJ)
	if collide > 0 {
		t.Errorf("%d same-product pairs share a band, want none", collide)
	}
}

func TestTrivial(t *testing.T) {
	h := newHasher(t)
	for _, g := range greetingsTrivial {
		t.Run(g, func(t *testing.T) {
			fp := fingerprint(t, h, g)
			if !fp.Trivial || fp.Bands != nil || fp.Signature != nil {
				t.Errorf("%q: Trivial %v, %d bands, %d signature words; want trivial", g, fp.Trivial, len(fp.Bands), len(fp.Signature))
			}
			if s := Similarity(fp, fp); s != 0 {
				t.Errorf("Similarity of a trivial fingerprint with itself = %v, want 0", s)
			}
		})
	}
	for _, text := range []string{
		"今天天气真好，出去走走", "周末和老公去爬香山", "加班到十一点，好累",
		"Finally tried the ramen downtown", "纯正土蜂蜜，加V：lily520",
	} {
		t.Run("not/"+text, func(t *testing.T) {
			fp := fingerprint(t, h, text)
			if fp.Trivial || len(fp.Bands) != DefaultBands {
				t.Errorf("%q: Trivial %v, %d bands; want %d bands", text, fp.Trivial, len(fp.Bands), DefaultBands)
			}
		})
	}
}

func TestMinRunes(t *testing.T) {
	h, err := New(Config{MinRunes: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		text    string
		trivial bool
	}{
		{"周末去爬山", true},       // 5 runes
		{"周末和老公去爬香山了", false}, // 10 runes
	} {
		if fp := fingerprint(t, h, tt.text); fp.Trivial != tt.trivial {
			t.Errorf("%q (MinRunes 10): Trivial = %v, want %v", tt.text, fp.Trivial, tt.trivial)
		}
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		err  string // "" for valid
	}{
		{"zero", Config{}, ""},
		{"custom", Config{Bands: 16, Rows: 4, Seed: 7, MinRunes: 3}, ""},
		{"largest", Config{Bands: 256, Rows: 4}, ""},
		{"too_long", Config{Bands: 257, Rows: 4}, "Bands×Rows is 257×4, want at most 1024"},
		{"negative_bands", Config{Bands: -1}, "Bands is -1"},
		{"negative_rows", Config{Rows: -2}, "Rows is -2"},
		{"negative_min_runes", Config{MinRunes: -1}, "MinRunes is -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("New: %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("New: error %v, want one containing %q", err, tt.err)
			}
		})
	}
	h := newHasher(t)
	want := Config{Bands: DefaultBands, Rows: DefaultRows, Seed: DefaultSeed, MinRunes: DefaultMinRunes}
	if got := h.Config(); got != want {
		t.Errorf("Config() = %+v, want %+v", got, want)
	}
}

// TestConfigs checks fingerprints under other shapes: odd signature
// lengths (padded to a multiple of four), one band, long signatures.
func TestConfigs(t *testing.T) {
	a, b := baseAds[1].text, perturbations[0].f(baseAds[1].text)
	for _, cfg := range []Config{{Bands: 1, Rows: 1}, {Bands: 7, Rows: 3}, {Bands: 16, Rows: 4}, {Bands: 200, Rows: 5}} {
		t.Run(fmt.Sprintf("%dx%d", cfg.Bands, cfg.Rows), func(t *testing.T) {
			h, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			fa, fb := fingerprint(t, h, a), fingerprint(t, h, b)
			if len(fa.Bands) != cfg.Bands || len(fa.Signature) != (cfg.Bands*cfg.Rows+3)/4 {
				t.Errorf("%d bands, %d signature words", len(fa.Bands), len(fa.Signature))
			}
			if s := Similarity(fa, fb); s < 0.6 {
				t.Errorf("Similarity %.2f, want ≥ 0.6", s)
			}
		})
	}
	// Different Configs never compare.
	h1, _ := New(Config{})
	h2, _ := New(Config{Bands: 16, Rows: 4})
	if s := Similarity(fingerprint(t, h1, a), fingerprint(t, h2, a)); s != 0 {
		t.Errorf("Similarity across Configs = %v, want 0", s)
	}
}

func TestSeed(t *testing.T) {
	h1, _ := New(Config{})
	h2, _ := New(Config{Seed: 2})
	a1, a2 := fingerprint(t, h1, baseAds[0].text), fingerprint(t, h2, baseAds[0].text)
	if a1.Exact == a2.Exact || shareBand(a1, a2) {
		t.Error("seeds 1 and 2 give the same keys")
	}
	h0, _ := New(Config{Seed: 0})
	if a0 := fingerprint(t, h0, baseAds[0].text); a0.Exact != a1.Exact || !slices.Equal(a0.Bands, a1.Bands) {
		t.Error("seed 0 is not the default seed 1")
	}
}

func TestSimilarity(t *testing.T) {
	h := newHasher(t)
	a := fingerprint(t, h, baseAds[1].text)
	b := fingerprint(t, h, baseAds[2].text)
	c := fingerprint(t, h, perturbations[len(perturbations)-1].f(baseAds[1].text))
	if s := Similarity(a, a); s != 1 {
		t.Errorf("Similarity(a, a) = %v, want 1", s)
	}
	if Similarity(a, b) != Similarity(b, a) || Similarity(a, c) != Similarity(c, a) {
		t.Error("Similarity is not symmetric")
	}
	if s := Similarity(a, Fingerprint{}); s != 0 {
		t.Errorf("Similarity with the zero Fingerprint = %v, want 0", s)
	}
}

// TestSCurve checks the LSH property on synthetic shingle sets: the
// signature estimates Jaccard without bias and two sets share a band with
// the probability 1-(1-J^r)^b, for short texts (where most bins are
// densified) as for long ones. It logs the curve for the package
// documentation.
func TestSCurve(t *testing.T) {
	h := newHasher(t)
	b, r, k := h.cfg.Bands, h.cfg.Rows, h.k
	rng := rand.New(rand.NewPCG(1, 2))
	trials := 400
	if testing.Short() {
		trials = 100
	}
	unions := []int{10, 40, 160}
	var log strings.Builder
	fmt.Fprintf(&log, "%-6s", "J")
	for _, u := range unions {
		fmt.Fprintf(&log, " %10s", fmt.Sprintf("|A∪B|=%d", u))
	}
	fmt.Fprintf(&log, " %8s\n", "theory")
	sig, todo := make([]uint32, k), make([]uint16, k)
	sigB := make([]uint32, k)
	keysA, keysB := make([]uint64, b), make([]uint64, b)
	for _, J := range []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8} {
		// At least minShared of b bands collide, each with probability J^r.
		q := math.Pow(J, float64(r))
		theory := 1.0
		for j := range minShared {
			theory -= binomial(b, j) * math.Pow(q, float64(j)) * math.Pow(1-q, float64(b-j))
		}
		fmt.Fprintf(&log, "%-6.1f", J)
		for _, u := range unions {
			// m shared shingles of u, the rest split between A and B.
			m := int(math.Round(J * float64(u)))
			own := (u - m) / 2
			hits, sum := 0, 0.0
			for range trials {
				xs := make([]uint64, u)
				for i := range xs {
					xs[i] = rng.Uint64()
				}
				A, B := xs[:m+own], xs[:m]
				B = append(slices.Clone(B), xs[m+own:]...)
				h.sk.sketch(sig, todo, A)
				h.sk.sketch(sigB, todo, B)
				bandKeys(keysA, sig, r, h.bandSeeds)
				bandKeys(keysB, sigB, r, h.bandSeeds)
				same := 0
				for i := range keysA {
					if keysA[i] == keysB[i] {
						same++
					}
				}
				if same >= minShared {
					hits++
				}
				eq := 0
				for i := range sig {
					if sig[i] == sigB[i] {
						eq++
					}
				}
				sum += float64(eq) / float64(k)
			}
			p := float64(hits) / float64(trials)
			fmt.Fprintf(&log, " %10.3f", p)
			// Binomial error of the measured rate, plus slack.
			if se := math.Sqrt(theory*(1-theory)/float64(trials)) + 0.02; math.Abs(p-theory) > 4*se {
				t.Errorf("|A∪B|=%d J=%.2f: band collision rate %.3f, theory %.3f", u, J, p, theory)
			}
			if mean := sum / float64(trials); math.Abs(mean-J) > 0.02 {
				t.Errorf("|A∪B|=%d J=%.2f: mean estimate %.3f", u, J, mean)
			}
		}
		fmt.Fprintf(&log, " %8.3f\n", theory)
	}
	t.Logf("share of pairs with %d or more common bands (%d×%d, %d trials):\n%s", minShared, b, r, trials, log.String())
}

// binomial is n choose k.
func binomial(n, k int) float64 {
	c := 1.0
	for i := range k {
		c = c * float64(n-i) / float64(i+1)
	}
	return c
}

func TestDeterministicConcurrent(t *testing.T) {
	h := newHasher(t)
	var texts []string
	for _, ad := range baseAds {
		for _, p := range perturbations {
			texts = append(texts, p.f(ad.text))
		}
	}
	texts = append(texts, ordinaryPosts...)
	want := make([]Fingerprint, len(texts))
	for i, text := range texts {
		want[i] = fingerprint(t, h, text)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for range 4 {
		wg.Go(func() {
			var fp Fingerprint
			for i, text := range texts {
				norm := textnorm.Normalize(text)
				e := textnorm.Extract(text, norm, nil)
				h.OfInto(&fp, norm, &e)
				if !equalFingerprints(fp, want[i]) {
					errs <- text
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for text := range errs {
		t.Errorf("concurrent OfInto(%q) differs from Of", text)
	}
}

func equalFingerprints(a, b Fingerprint) bool {
	return a.Exact == b.Exact && a.Runes == b.Runes && a.Trivial == b.Trivial &&
		slices.Equal(a.Bands, b.Bands) && slices.Equal(a.Signature, b.Signature)
}

func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	h := newHasher(t)
	text := baseAds[1].text
	norm := textnorm.Normalize(text)
	e := textnorm.Extract(text, norm, nil)
	var fp Fingerprint
	h.OfInto(&fp, norm, &e)
	if n := testing.AllocsPerRun(100, func() { h.OfInto(&fp, norm, &e) }); n != 0 {
		t.Errorf("OfInto: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = h.Of(norm, &e) }); n != 1 {
		t.Errorf("Of: %v allocations, want 1", n)
	}
	// A trivial text in between keeps the array for the next one.
	greeting := textnorm.Normalize("早安")
	if n := testing.AllocsPerRun(100, func() {
		h.OfInto(&fp, greeting, nil)
		h.OfInto(&fp, norm, &e)
	}); n != 0 {
		t.Errorf("OfInto after a trivial text: %v allocations, want 0", n)
	}
}

// TestWithoutEntities checks that Of works without Extract's entities:
// URLs with a scheme and ids after contact tokens are still masked.
func TestWithoutEntities(t *testing.T) {
	h := newHasher(t)
	for _, ad := range baseAds {
		norm := textnorm.Normalize(ad.text)
		e := textnorm.Extract(ad.text, norm, nil)
		with, without := h.Of(norm, &e), h.Of(norm, nil)
		if s := Similarity(with, without); s < 0.8 || !shareBand(with, without) {
			t.Errorf("%s: with and without entities: similarity %.2f", ad.name, s)
		}
	}
}
