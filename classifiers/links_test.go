package classifiers

import (
	"testing"

	"github.com/circleguard/circleguard/internal/textnorm"
	"mvdan.cc/xurls/v2"
)

// TestLinkHostsAgreeWithXurls checks firstHost against the host of the first
// match of xurls.Relaxed on realistic text. (They differ by design when
// letters of a CJK script touch a host: xurls takes 访问example.com whole.)
func TestLinkHostsAgreeWithXurls(t *testing.T) {
	relaxed := xurls.Relaxed()
	tests := []struct {
		name, text string
	}{
		{"bare domain", "visit shop.example.com today"},
		{"www", "详情看 www.Example.com/shop?id=1"},
		{"https with path", "👉 https://t.example.cn/x?from=moments"},
		{"short link", "戳 t.cn/A6abcd 领券"},
		{"port", "http://shop.example.net:8443/x"},
		{"ip with scheme", "http://10.0.0.1:8080/login"},
		{"email", "email me at lily@qq.com"},
		{"punycode", "see xn--fiqs8s.xn--55qx5d now"},
		{"subdomains", "go to a.b.c.example.org."},
		{"trailing punctuation", "(see example.com)."},
		{"no link price", "only $9.99, wow"},
		{"no link abbreviations", "e.g. this, i.e. that, a.m. or p.m."},
		{"no link file", "open report.docx and notes.txt"},
		{"no link ellipsis", "wait...what"},
		{"no link version", "upgrade to v1.2.3 now"},
		{"no link sentence", "Had dinner.Then home"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			norm := textnorm.Normalize(tt.text)
			want := ""
			if m := relaxed.FindString(norm); m != "" {
				want = hostOf(m)
			}
			if got := firstHost(norm); got != want {
				t.Fatalf("firstHost(%q) = %q, xurls host = %q", norm, got, want)
			}
		})
	}
}
