package classifiers

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"mvdan.cc/xurls/v2"
)

// Links in the text are found with xurls' tables (public and pseudo TLDs,
// schemes) but not with its Relaxed regular expression: that expression is
// several thousand alternatives long and costs tens of microseconds per
// post, while only the host is needed here. TestLinkHostsAgreeWithXurls
// checks the two agree on realistic text.

// tlds holds xurls.TLDs and xurls.PseudoTLDs.
var tlds = func() map[string]struct{} {
	m := make(map[string]struct{}, len(xurls.TLDs)+len(xurls.PseudoTLDs))
	for _, list := range [][]string{xurls.TLDs, xurls.PseudoTLDs} {
		for _, t := range list {
			m[t] = struct{}{}
		}
	}
	return m
}()

// schemes holds xurls.Schemes and xurls.SchemesUnofficial, the schemes
// followed by "://".
var schemes = func() map[string]struct{} {
	m := make(map[string]struct{}, len(xurls.Schemes)+len(xurls.SchemesUnofficial))
	for _, list := range [][]string{xurls.Schemes, xurls.SchemesUnofficial} {
		for _, s := range list {
			m[s] = struct{}{}
		}
	}
	return m
}()

// scanLinks offers link for the first entry of links with a host, or else
// for the first host in s.
func scanLinks(f *findings, s string, links []string) {
	for _, l := range links {
		if h := hostOf(l); h != "" {
			f.offer(slotLink, weightLink, h)
			return
		}
	}
	if h := firstHost(s); h != "" {
		f.offer(slotLink, weightLink, h)
	}
}

// firstHost returns the first host name in s: dot-separated labels ending in
// a known TLD (example.com, t.cn, xn--fiqs8s), or any dotted host right
// after a known scheme (http://10.0.0.1). Hosts run over ASCII letters,
// digits and '-' and over non-CJK letters, so 访问example.com yields
// example.com.
func firstHost(s string) string {
	for i := strings.IndexByte(s, '.'); i >= 0; {
		start, end := hostRun(s, i)
		if h := strings.Trim(s[start:end], ".-"); validHost(h, afterScheme(s[:start])) {
			return h
		}
		next := strings.IndexByte(s[end:], '.')
		if next < 0 {
			break
		}
		i = end + next
	}
	return ""
}

// hostRun returns the maximal run of host characters around s[i].
func hostRun(s string, i int) (start, end int) {
	start, end = i, i+1
	for start > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:start])
		if !hostRune(r) {
			break
		}
		start -= n
	}
	for end < len(s) {
		r, n := utf8.DecodeRuneInString(s[end:])
		if !hostRune(r) {
			break
		}
		end += n
	}
	return start, end
}

func hostRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isWordByte(byte(r)) || r == '-' || r == '.'
	}
	return r != utf8.RuneError && wordRune(r) && !unicode.IsMark(r)
}

// afterScheme reports whether s ends with a known scheme and "://".
func afterScheme(s string) bool {
	if !strings.HasSuffix(s, "://") {
		return false
	}
	s = s[:len(s)-len("://")]
	k := len(s)
	for k > 0 && (isWordByte(s[k-1]) || strings.IndexByte("+.-", s[k-1]) >= 0) {
		k--
	}
	_, ok := schemes[s[k:]]
	return ok
}

// validHost reports whether h is two or more non-empty labels, none
// starting or ending with '-', whose last label is a known TLD or punycode,
// or any such name when it follows a scheme.
func validHost(h string, schemed bool) bool {
	last := strings.LastIndexByte(h, '.')
	if last <= 0 || last == len(h)-1 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
	}
	if schemed {
		return true
	}
	tld := h[last+1:]
	if _, ok := tlds[tld]; ok {
		return true
	}
	return strings.HasPrefix(tld, "xn--") && len(tld) > len("xn--")
}

// hostOf returns the lower-cased host of a URL, with or without a scheme,
// user info or port, or "" when u has none.
func hostOf(u string) string {
	u = strings.TrimSpace(u)
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+len("://"):]
	} else if len(u) >= len("mailto:") && strings.EqualFold(u[:len("mailto:")], "mailto:") {
		u = u[len("mailto:"):]
	}
	if i := strings.IndexAny(u, "/?#\\ \t\n"); i >= 0 {
		u = u[:i]
	}
	if i := strings.LastIndexByte(u, '@'); i >= 0 {
		u = u[i+1:]
	}
	if strings.HasPrefix(u, "[") { // IPv6 literal
		if i := strings.IndexByte(u, ']'); i >= 0 {
			return clip(u[:i+1])
		}
		return ""
	}
	if i := strings.LastIndexByte(u, ':'); i >= 0 {
		u = u[:i]
	}
	u = strings.TrimSuffix(u, ".")
	if !strings.Contains(u, ".") || strings.HasPrefix(u, ".") {
		return ""
	}
	return clip(strings.ToLower(u))
}
