package textnorm

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"mvdan.cc/xurls/v2"
)

// Links in the text are found with xurls' tables (public and pseudo TLDs,
// schemes) but not with its Relaxed regular expression: that expression is
// several thousand alternatives long and costs tens of microseconds per
// post, while a host and its path are all that is needed here.
// TestURLsAgreeWithXurls checks the two agree on realistic text.

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

// urlAt looks for a URL around the '.' at s[i]: dot-separated labels ending
// in a known TLD (example.com, t.cn, xn--fiqs8s), or any dotted host right
// after a known scheme (http://10.0.0.1), with the scheme before it and the
// port, path, query and fragment after it. Hosts run over ASCII letters,
// digits and '-' and over non-CJK letters, so 访问example.com/x yields
// example.com/x. It returns the URL's span when there is one, and in any
// case where the search for the next '.' resumes (after the host run).
func urlAt(s string, i int) (start, end, resume int, ok bool) {
	runStart, runEnd := hostRun(s, i)
	hs, he := runStart, runEnd
	for hs < he && (s[hs] == '.' || s[hs] == '-') {
		hs++
	}
	for he > hs && (s[he-1] == '.' || s[he-1] == '-') {
		he--
	}
	schemeStart, schemed := schemeBefore(s, runStart)
	if hs != runStart || !validHost(s[hs:he], schemed) {
		return 0, 0, runEnd, false
	}
	start, end = hs, he
	if schemed {
		start = schemeStart
	}
	// Port.
	if end+1 < len(s) && s[end] == ':' && isDigitByte(s[end+1]) {
		end++
		for end < len(s) && isDigitByte(s[end]) {
			end++
		}
	}
	// Path, query, fragment: printable ASCII up to a space, less trailing
	// punctuation.
	if end < len(s) && (s[end] == '/' || s[end] == '?' || s[end] == '#') {
		p := end
		for p < len(s) && s[p] > ' ' && s[p] < 0x7f && s[p] != '"' && s[p] != '<' && s[p] != '>' {
			p++
		}
		for p > end+1 && strings.IndexByte(".,;:!?)]}'", s[p-1]) >= 0 {
			p--
		}
		end = p
	}
	return start, end, max(end, runEnd), true
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
		return isASCIIAlnum(byte(r)) || r == '-' || r == '.'
	}
	return r != utf8.RuneError && wordRune(r) && !unicode.IsMark(r)
}

// schemeBefore reports whether s[:i] ends with a known scheme and "://",
// and where the scheme starts.
func schemeBefore(s string, i int) (start int, ok bool) {
	if !strings.HasSuffix(s[:i], "://") {
		return 0, false
	}
	e := i - len("://")
	k := e
	for k > 0 && (isASCIIAlnum(s[k-1]) || strings.IndexByte("+.-", s[k-1]) >= 0) {
		k--
	}
	_, ok = schemes[strings.ToLower(s[k:e])]
	return k, ok
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

// Host returns the lower-cased host of a URL, with or without a scheme, user
// info, port or path, or "" when u has none. It allocates only when u has
// upper-case letters.
func Host(u string) string {
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
			return u[:i+1]
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
	return strings.ToLower(u)
}
