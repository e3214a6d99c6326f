package fingerprint

import (
	"testing"

	"github.com/circleguard/circleguard/internal/textnorm"
)

// FuzzOf checks that Of never panics, whatever the text (in matching form
// or not), is deterministic, agrees with OfInto on a reused Fingerprint,
// and keeps the shape contract: a trivial fingerprint has no bands and no
// signature, any other has Bands keys and a signature equal to itself.
// Seeds are under testdata/fuzz/FuzzOf.
func FuzzOf(f *testing.F) {
	for _, ad := range baseAds {
		f.Add(ad.text)
	}
	for _, g := range greetingsTrivial[:4] {
		f.Add(g)
	}
	h := newHasher(f)
	check := func(t *testing.T, what string, fp Fingerprint) {
		t.Helper()
		if fp.Trivial {
			if fp.Bands != nil || fp.Signature != nil {
				t.Fatalf("%s: trivial with %d bands, %d signature words", what, len(fp.Bands), len(fp.Signature))
			}
			return
		}
		if len(fp.Bands) != DefaultBands || len(fp.Signature) != (DefaultBands*DefaultRows+3)/4 || fp.Runes < DefaultMinRunes {
			t.Fatalf("%s: %d bands, %d signature words, %d runes", what, len(fp.Bands), len(fp.Signature), fp.Runes)
		}
		if s := Similarity(fp, fp); s != 1 {
			t.Fatalf("%s: Similarity with itself %v", what, s)
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		norm := textnorm.Normalize(text)
		e := textnorm.Extract(text, norm, nil)
		a := h.Of(norm, &e)
		check(t, "Of", a)
		if b := h.Of(norm, &e); !equalFingerprints(a, b) {
			t.Fatalf("Of is not deterministic: %+v, then %+v", a, b)
		}
		fp := h.Of("纯正土蜂蜜，农家自产无添加，58元一斤，两斤包邮", nil)
		h.OfInto(&fp, norm, &e)
		if !equalFingerprints(a, fp) {
			t.Fatalf("OfInto on a used Fingerprint %+v, Of %+v", fp, a)
		}
		// Raw text, not in matching form, without entities.
		check(t, "Of(raw)", h.Of(text, nil))
	})
}
