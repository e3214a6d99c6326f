package fingerprint_test

import (
	"fmt"

	"github.com/circleguard/circleguard/internal/fingerprint"
	"github.com/circleguard/circleguard/internal/textnorm"
)

func Example() {
	h, err := fingerprint.New(fingerprint.Config{})
	if err != nil {
		panic(err)
	}
	of := func(text string) fingerprint.Fingerprint {
		norm := textnorm.Normalize(text)
		e := textnorm.Extract(text, norm, nil)
		return h.Of(norm, &e)
	}
	// A near-copy shares two or more band keys with an earlier post (as the
	// repetition store counts them); the signature estimates how similar.
	candidate := func(a, b fingerprint.Fingerprint) bool {
		shared := 0
		for i, k := range a.Bands {
			if b.Bands[i] == k {
				shared++
			}
		}
		return shared >= 2
	}

	ad := of("纯正土蜂蜜，农家自产无添加\n58元一斤，两斤包邮\n加V：lily520")
	for _, text := range []string{
		// The next day's post: a counter, lines reordered, another price,
		// another contact, a hashtag.
		"第3天🔥\n两斤包邮，52元一斤\n纯正土蜂蜜，农家自产无添加\n薇信 mei_8866 #好物分享",
		// An ordinary post.
		"周末和老公去爬香山，累并快乐着",
	} {
		fp := of(text)
		fmt.Printf("candidate %v, similarity %.2f\n", candidate(ad, fp), fingerprint.Similarity(ad, fp))
	}
	greeting := of("早上好，今天也要加油鸭💪")
	fmt.Println("greeting trivial:", greeting.Trivial, len(greeting.Bands))
	// Output:
	// candidate true, similarity 0.84
	// candidate false, similarity 0.00
	// greeting trivial: true 0
}
