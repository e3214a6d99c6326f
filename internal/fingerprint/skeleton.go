package fingerprint

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/circleguard/circleguard/internal/textnorm"
)

// Placeholders stand for masked spans in a skeleton. They are private-use
// runes, which the skeleton otherwise drops, so they cannot collide with
// text.
const (
	phMask = '\uE000' // a number (price, phone, count, date part), an account id, an @handle
	phURL  = '\uE001' // a URL
)

// Bounds that keep the skeleton linear and cheap on hostile input.
const (
	// maxSpans is the number of entity spans (URLs, contact ids) masked by
	// position; later ones are left to the rune rules.
	maxSpans = 16
	// maxTagWeight bounds a hashtag dropped at either end of the text: 20
	// Latin letters or 10 Han characters.
	maxTagWeight = 20
	// maxEdgeTags bounds the hashtags dropped at either end.
	maxEdgeTags = 16
	// maxPrefixCuts bounds the openers cut from the start of a skeleton.
	maxPrefixCuts = 4
	// idMin and idMax bound a contact id after a WeChat or QQ token
	// (textnorm uses the same bounds).
	idMin, idMax = 5, 20
	// hanPhoneMin is the shortest run of Chinese digit numerals masked as a
	// number (a mobile number spelled 一三八…).
	hanPhoneMin = 7
)

type span struct{ start, end int }

// spans are the masked entity spans of one text, sorted by start.
type spans struct {
	s [maxSpans]span
	n int
}

// add records every occurrence of sub in s as a span, up to maxSpans.
func (sp *spans) add(s, sub string) {
	if sub == "" {
		return
	}
	for from := 0; sp.n < maxSpans; {
		i := strings.Index(s[from:], sub)
		if i < 0 {
			return
		}
		i += from
		sp.insert(span{i, i + len(sub)})
		from = i + len(sub)
	}
}

// insert keeps the spans sorted by start (insertion sort: n is tiny).
func (sp *spans) insert(x span) {
	i := sp.n
	for i > 0 && sp.s[i-1].start > x.start {
		sp.s[i] = sp.s[i-1]
		i--
	}
	sp.s[i] = x
	sp.n++
}

// skeleton appends the skeleton runes of norm to dst: the text between the
// hashtags at either end, with URLs, contact ids, handles and digit runs
// masked to one placeholder each, and everything that is not a letter or a
// mark dropped. e may be nil. See the package documentation.
func skeleton(dst []rune, norm string, e *textnorm.Entities) []rune {
	start, end := edgeHashtags(norm)
	s := norm[:end]

	var sp spans
	if e != nil {
		for _, u := range e.URLs {
			sp.add(s, u)
		}
		for _, id := range e.WeChatIDs {
			sp.add(s, id)
		}
		for _, id := range e.QQIDs {
			sp.add(s, id)
		}
	}
	next := 0 // the next span to reach
	for next < sp.n && sp.s[next].start < start {
		next++
	}

	for i := start; i < len(s); {
		if next < sp.n && i >= sp.s[next].start {
			x := sp.s[next]
			next++
			if x.end <= i { // overlapped by an earlier span
				continue
			}
			ph := rune(phMask)
			if isURLSpan(s[x.start:x.end]) {
				ph = phURL
			}
			dst = emit(dst, ph)
			i = x.end
			for next < sp.n && sp.s[next].start < i {
				next++
			}
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if idByte(c) && c != '_' && c != '-' && (i == start || !idByte(s[i-1])) {
				if t, ok := contactToken(s, i); ok {
					if k, ok := idAt(s, t); ok {
						for ; i < t; i++ {
							dst = append(dst, rune(s[i]))
						}
						dst = emit(dst, phMask)
						i = k
						continue
					}
				}
				if k, ok := idRun(s, i); ok {
					dst = emit(dst, phMask)
					i = k
					continue
				}
			}
			switch {
			case '0' <= c && c <= '9':
				i++
				for i < len(s) && '0' <= s[i] && s[i] <= '9' {
					i++
				}
				dst = emit(dst, phMask)
			case 'a' <= c && c <= 'z':
				j := i + 1
				for j < len(s) && 'a' <= s[j] && s[j] <= 'z' {
					j++
				}
				if j-i >= 4 && (s[i:j] == "http" || s[i:j] == "https") && strings.HasPrefix(s[j:], "://") {
					i = urlEnd(s, j+3)
					dst = emit(dst, phURL)
					continue
				}
				for ; i < j; i++ {
					dst = append(dst, rune(s[i]))
				}
			case c == '@' && i+1 < len(s) && handleByte(s[i+1]):
				i++
				for i < len(s) && (handleByte(s[i]) || s[i] == '.' && i+1 < len(s) && handleByte(s[i+1])) {
					i++
				}
				dst = emit(dst, phMask)
			case 'A' <= c && c <= 'Z': // not in matching form, but Of takes any string
				dst = append(dst, rune(c+'a'-'A'))
				i++
			default:
				i++
			}
			continue
		}
		r, n := decodeRune(s, i)
		switch {
		case hanDigit(r):
			j := i + n
			runs := 1
			for j < len(s) {
				r2, n2 := decodeRune(s, j)
				if !hanDigit(r2) {
					break
				}
				j += n2
				runs++
			}
			if runs >= hanPhoneMin {
				dst = emit(dst, phMask)
			} else {
				for _, r2 := range s[i:j] {
					dst = append(dst, r2)
				}
			}
			i = j
			continue
		case r >= 0x4e00 && r <= 0x9fff:
			dst = append(dst, r)
		case r >= 0x3000 && r <= 0x303f || r >= 0x1f000 && r <= 0x1faff:
			// CJK punctuation (、。【】「」), emoji: dropped.
		case unicode.IsDigit(r):
			dst = emit(dst, phMask)
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			dst = append(dst, r)
		}
		i += n
	}
	return dropContactLabels(dst)
}

// decodeRune decodes the rune at s[i] (not ASCII), with a fast path for
// the three-byte sequences of Chinese text.
func decodeRune(s string, i int) (rune, int) {
	if c := s[i]; c&0xf0 == 0xe0 && i+2 < len(s) && s[i+1]&0xc0 == 0x80 && s[i+2]&0xc0 == 0x80 {
		r := rune(c&0x0f)<<12 | rune(s[i+1]&0x3f)<<6 | rune(s[i+2]&0x3f)
		if r >= 0x800 && (r < 0xd800 || r > 0xdfff) {
			return r, 3
		}
	}
	return utf8.DecodeRuneInString(s[i:])
}

// emit appends placeholder ph unless the skeleton already ends with it, so
// that "138 0000 0000" and "+852 7001 7940" become one placeholder.
func emit(dst []rune, ph rune) []rune {
	if len(dst) > 0 && dst[len(dst)-1] == ph {
		return dst
	}
	return append(dst, ph)
}

// isURLSpan reports whether an entity span is a URL rather than a contact
// id: URLs have a dot or a slash, ids never do.
func isURLSpan(s string) bool { return strings.ContainsAny(s, "./") }

// urlEnd returns the end of the URL whose host starts at s[i]: the first
// space or non-ASCII byte.
func urlEnd(s string, i int) int {
	for i < len(s) && s[i] > ' ' && s[i] < utf8.RuneSelf {
		i++
	}
	return i
}

// contactToken reports whether the word at s[i] starts with a contact
// token textnorm folds to ("wechat", "qq"), alone or glued to the id
// ("wechatlily520"), and returns the token's end.
func contactToken(s string, i int) (end int, ok bool) {
	switch {
	case strings.HasPrefix(s[i:], textnorm.WeChat):
		return i + len(textnorm.WeChat), true
	case strings.HasPrefix(s[i:], textnorm.QQ):
		return i + len(textnorm.QQ), true
	}
	return 0, false
}

// idRun reports whether the run of ASCII letters, digits, '_' and '-' at
// s[i] looks like an account id rather than a word or a number: 5 to 20
// bytes (trailing '_' and '-' aside) that start with a letter, as WeChat
// ids do, and hold a '_' or '-' or at least three letters and three digits
// ("lily_520", "coco2024", "kicks-88"; not "day12", "iphone16"). It
// returns the id's end.
func idRun(s string, i int) (int, bool) {
	if s[i] < 'a' || s[i] > 'z' {
		return i, false
	}
	k := i
	for k < len(s) && k-i <= idMax && idByte(s[k]) {
		k++
	}
	if k < len(s) && idByte(s[k]) { // longer than any id
		return i, false
	}
	for k > i && (s[k-1] == '_' || s[k-1] == '-') {
		k--
	}
	if n := k - i; n < idMin || n > idMax {
		return i, false
	}
	letters, digits, marks := 0, 0, 0
	for _, c := range []byte(s[i:k]) {
		switch {
		case 'a' <= c && c <= 'z':
			letters++
		case '0' <= c && c <= '9':
			digits++
		default:
			marks++
		}
	}
	return k, marks > 0 || letters >= 3 && digits >= 3
}

// idAt reports whether a contact id starts at s[i], right after a contact
// token, and returns its end. An id is 5 to 20 ASCII letters, digits, '_'
// or '-' after optional spaces and colons ("wechat: lily_520",
// "wechatlily520", "qq 12345678"); it must hold a digit, '_' or '-' unless
// a colon introduces it, so that "wechat group" stays text.
func idAt(s string, i int) (int, bool) {
	j, colon := i, false
	for j < len(s) {
		switch {
		case s[j] == ' ':
			j++
			continue
		case s[j] == ':':
			j, colon = j+1, true
			continue
		case strings.HasPrefix(s[j:], "："):
			j, colon = j+len("："), true
			continue
		}
		break
	}
	k := j
	marked := false
	for k < len(s) && k-j <= idMax && idByte(s[k]) {
		if c := s[k]; '0' <= c && c <= '9' || c == '_' || c == '-' {
			marked = true
		}
		k++
	}
	if n := k - j; n < idMin || n > idMax || !marked && !colon {
		return i, false
	}
	return k, true
}

func idByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

func handleByte(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' }

// hanDigit reports whether r is a Chinese digit numeral as used to spell
// out phone numbers (textnorm reads the same set, plus 拐 for 7).
func hanDigit(r rune) bool {
	if r == '〇' {
		return true
	}
	if r < 0x4e00 || r > 0x9fff {
		return false
	}
	i := r - 0x4e00
	return hanDigits[i>>6]>>(i&63)&1 != 0
}

// hanDigits is a bitmap of hanDigit over the CJK Unified Ideographs block.
var hanDigits = func() *[(0x9fff - 0x4e00 + 64) / 64]uint64 {
	var m [(0x9fff - 0x4e00 + 64) / 64]uint64
	for _, r := range "零一幺壹二两贰三叁四肆五伍六陆七柒拐八捌九玖" {
		i := r - 0x4e00
		m[i>>6] |= 1 << (i & 63)
	}
	return &m
}()

// edgeHashtags returns the part of s between the hashtags at its start and
// at its end: "#tag", "#话题#" and runs of them (see tagBody). A Chinese
// "#话题" without the closing '#' runs to the end of the text: Normalize
// drops the space that ended it between Han characters. Brushers append, drop and change these from
// post to post.
func edgeHashtags(s string) (start, end int) {
	end = len(s)
	if strings.IndexByte(s, '#') < 0 {
		return 0, end
	}
	for range maxEdgeTags {
		e := end
		for e > 0 {
			r, n := utf8.DecodeLastRuneInString(s[:e])
			if r == '#' || letterOrDigit(r) {
				break
			}
			e -= n
		}
		if e == 0 {
			break
		}
		var j int
		if s[e-1] == '#' { // #话题#
			j = strings.LastIndexByte(s[:e-1], '#')
			if j < 0 || !tagBody(s[j+1:e-1]) {
				break
			}
		} else {
			j = strings.LastIndexByte(s[:e], '#')
			if j < 0 || !tagBody(s[j+1:e]) {
				break
			}
		}
		end = j
	}
	for range maxEdgeTags {
		b := start
		for b < end && (s[b] == ' ') {
			b++
		}
		if b >= end || s[b] != '#' {
			break
		}
		rest := s[b+1 : end]
		k := strings.IndexAny(rest, "# ")
		if k < 0 || !tagBody(rest[:k]) {
			break
		}
		start = b + 1 + k
		if rest[k] == '#' {
			start++ // the closing '#' of #话题#
		}
	}
	return start, end
}

// tagBody reports whether s can be the text of a hashtag: letters,
// digits, marks and '_' (punctuation ends a hashtag), weighing at most
// maxTagWeight with Han characters counted twice.
func tagBody(s string) bool {
	if s == "" {
		return false
	}
	w := 0
	for _, r := range s {
		if !letterOrDigit(r) && r != '_' && !unicode.Is(unicode.Mn, r) {
			return false
		}
		w += weight(r)
		if w > maxTagWeight {
			return false
		}
	}
	return true
}

func letterOrDigit(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// contactLabels are the words that introduce a phone number or an account
// id, in skeleton form. Brushers rotate between them (微信, VX, 薇信, 卫星,
// V❤ …): textnorm folds most to "wechat", the rest are dropped here when
// they touch a masked number. Strong labels may be followed by the letters
// of a spaced-out id before the number ("wechat l i l y 5 2 0").
var contactLabels = []struct {
	r      []rune
	strong bool
}{
	{[]rune("wechat"), true}, {[]rune("qq"), true}, {[]rune("whatsapp"), true}, {[]rune("telegram"), true},
	{[]rune("vx"), true}, {[]rune("wx"), true},
	{[]rune("tg"), false}, {[]rune("wa"), false}, {[]rune("line"), false}, {[]rune("v"), false},
	{[]rune("wei信"), false}, {[]rune("微"), false}, {[]rune("威"), false}, {[]rune("薇"), false},
	{[]rune("徽"), false}, {[]rune("卫星"), false}, {[]rune("扣扣"), false}, {[]rune("电话"), false},
	{[]rune("手机"), false}, {[]rune("tel"), false}, {[]rune("phone"), false}, {[]rune("call"), false},
	{[]rune("dm"), false},
}

// labelStart and labelEnd report whether a contact label may start or
// end with r: quick filters before the list is searched.
func labelStart(r rune) bool {
	switch r {
	case 'w', 'q', 't', 'l', 'v', 'p', 'c', 'd', '微', '威', '薇', '徽', '卫', '扣', '电', '手':
		return true
	}
	return false
}

func labelEnd(r rune) bool {
	switch r {
	case 't', 'q', 'p', 'm', 'g', 'a', 'e', 'v', 'x', 'l', '信', '微', '威', '薇', '徽', '星', '扣', '话', '机':
		return true
	}
	return false
}

// labelAt returns the length of the longest contact label at s[i], or 0,
// and whether it is strong.
func labelAt(s []rune, i int) (n int, strong bool) {
	if !labelStart(s[i]) {
		return 0, false
	}
	for _, l := range contactLabels {
		if len(l.r) > n && len(s)-i >= len(l.r) && l.r[0] == s[i] && slices.Equal(s[i:i+len(l.r)], l.r) {
			n, strong = len(l.r), l.strong
		}
	}
	return n, strong
}

// labelBefore returns where the contact label that ends at s[p] starts: a
// label right before p, or a strong one followed by up to maxSpacedID
// letters of a spaced-out id. It returns p when there is none.
func labelBefore(s []rune, p int) int {
	if p == 0 || !labelEnd(s[p-1]) && !latin(s[p-1]) {
		return p
	}
	for _, l := range contactLabels {
		q := p - len(l.r)
		if q < 0 || !slices.Equal(s[q:p], l.r) {
			continue
		}
		if l.strong || !latin(l.r[0]) || q == 0 || !latin(s[q-1]) {
			return q // a weak Latin label must start a word: not "i-phone⓪"
		}
	}
	q := p // the letters before p
	for q > 0 && p-q < maxSpacedID && latin(s[q-1]) {
		q--
	}
	for ; q < p; q++ {
		if n, strong := labelAt(s, q); strong && q+n <= p {
			return q
		}
	}
	return p
}

// labelAfter returns the length of the contact label at s[i], right after
// a masked number, or 0. A Latin label must end a word: not the "v" of
// "⓪vip".
func labelAfter(s []rune, i int) int {
	n, _ := labelAt(s, i)
	if n > 0 && latin(s[i]) && i+n < len(s) && latin(s[i+n]) {
		return 0
	}
	return n
}

// latin reports whether r is a lower-case ASCII letter, as letters are in
// a skeleton.
func latin(r rune) bool { return 'a' <= r && r <= 'z' }

// maxSpacedID bounds the letters of a spaced-out id ("l i l y 5 2 0")
// between a contact label and its digits.
const maxSpacedID = 20

// maxLabelCuts bounds the labels dropped from one skeleton.
const maxLabelCuts = 32

// dropContactLabels removes, in place, the contact labels that touch a
// masked number: before it ("wechat⓪", "电话⓪", also with the letters of a
// spaced-out id between: "wechatlily⓪"), or after it as in "⓪同微信"
// (skeleton "⓪同wechat"). So "VX: lily_520", "薇信 lily_520" and
// "电话138…(同微信)" leave only the placeholder. Only the neighbourhood of
// placeholders is searched.
func dropContactLabels(s []rune) []rune {
	var cuts [maxLabelCuts]span
	nc := 0
	for p := 0; p < len(s) && nc+2 <= maxLabelCuts; p++ {
		if s[p] != phMask {
			continue
		}
		if q := labelBefore(s, p); q < p {
			if nc > 0 && q < cuts[nc-1].end {
				q = cuts[nc-1].end // never cut a placeholder kept before
			}
			cuts[nc] = span{q, p}
			nc++
		}
		a := p + 1
		if a < len(s) && s[a] == '同' {
			a++
		}
		if a < len(s) {
			if n := labelAfter(s, a); n > 0 {
				cuts[nc] = span{a, a + n}
				nc++
			}
		}
	}
	if nc == 0 {
		return s
	}
	// Compact, then merge placeholders made adjacent.
	out := s[:0]
	from := 0
	for _, c := range cuts[:nc] {
		if c.start < from {
			c.start = from
		}
		for _, r := range s[from:max(from, c.start)] {
			out = appendMerged(out, r)
		}
		from = max(from, c.end)
	}
	for _, r := range s[from:] {
		out = appendMerged(out, r)
	}
	return out
}

// appendMerged appends r, merging adjacent number placeholders.
func appendMerged(dst []rune, r rune) []rune {
	if r == phMask {
		return emit(dst, r)
	}
	return append(dst, r)
}
