package classifiers

import "github.com/circleguard/circleguard/internal/textnorm"

// scanLinks offers link for the first URL of e with a host: the post's link
// list comes first, then the text. The evidence is the host.
func scanLinks(f *findings, e *textnorm.Entities) {
	for _, u := range e.URLs {
		if h := textnorm.Host(u); h != "" {
			f.offer(slotLink, weightLink, h)
			return
		}
	}
}
