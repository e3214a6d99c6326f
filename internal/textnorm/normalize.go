package textnorm

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxPasses bounds the re-normalisation loop. Lower-casing or folding a
// letter that precedes a combining mark can make the text leave NFKC
// ("T\u0308" → "t\u0308", which composes to U+1E97); the pass is then repeated
// on the re-composed text. One extra pass is enough in practice.
const maxPasses = 4

// maxPooled is the largest scratch buffer returned to the pool, so one huge
// post does not pin memory.
const maxPooled = 64 << 10

// scratch holds the intermediate buffers of one AppendNormalize call. The
// norm package lets its arguments escape, so stack buffers would be moved to
// the heap on every call; pooled ones are not.
type scratch struct {
	san, nfkc, mapped, check []byte
	// iter is reused: Form.Append allocates its reorder buffer on every
	// call, an Iter carries its own.
	iter norm.Iter
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Normalize returns the matching form of s described in the package
// documentation. It never panics, always returns valid UTF-8, and
// Normalize(Normalize(s)) == Normalize(s). When s is already in matching form
// s itself is returned; for inputs of up to 256 bytes that costs no
// allocation at all, otherwise one.
func Normalize(s string) string {
	var buf [256]byte
	b := AppendNormalize(buf[:0], s)
	if string(b) == s {
		return s
	}
	return string(b)
}

// AppendNormalize appends the matching form of s (see Normalize) to dst and
// returns the extended slice. It takes its scratch space from a pool, so
// with a dst of sufficient capacity it does not allocate in steady state.
// It is safe for concurrent use.
func AppendNormalize(dst []byte, s string) []byte {
	sc := scratchPool.Get().(*scratch)
	defer sc.release()

	var inert bool
	sc.san, inert = sanitize(sc.san[:0], s)
	src := sc.san
	if !inert {
		sc.nfkc = sc.appendNFKC(sc.nfkc[:0], src)
		src = sc.nfkc
	}

	start := len(dst)
	for pass := 1; ; pass++ {
		var suspect bool
		sc.mapped, suspect = mapRunes(sc.mapped[:0], src)
		dst = foldTokens(dst[:start], sc.mapped)
		dst = dst[:start+len(collapseRepeats(dst[start:]))]
		if !suspect || pass == maxPasses {
			return dst
		}
		// Rare: a case or look-alike fold may have left the text outside
		// NFKC. Check a copy (dst itself must not escape into the norm
		// package) and re-run the pass on its NFKC form if needed.
		sc.check = append(sc.check[:0], dst[start:]...)
		if norm.NFKC.IsNormal(sc.check) {
			return dst
		}
		sc.san = sc.appendNFKC(sc.san[:0], sc.check)
		src = sc.san
	}
}

// nfkcInert reports whether r is known to be left alone by NFKC in any
// context: it has no decomposition and nothing on its left can combine with
// it. The ranges are the ones posts are made of (ASCII, CJK ideographs, CJK
// brackets and full stops, emoji and dingbats); TestInertRunes checks them
// against the norm tables.
func nfkcInert(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return true
	case r >= 0x2600 && r <= 0x27bf, r >= 0x2b00 && r <= 0x2bff:
		return true // ☀ ❤ ➕ ⭐: miscellaneous symbols, dingbats, arrows
	case r < 0x3001:
		return false
	case r <= 0x3002, r >= 0x3008 && r <= 0x3011:
		return true // 、。〈〉《》「」『』【】
	case r < 0x3400:
		return false
	case r <= 0x4dbf, r >= 0x4e00 && r <= 0x9fff:
		return true // CJK unified ideographs (and extension A)
	}
	return r >= 0x1f300 && r <= 0x1faff // emoji
}

// appendNFKC appends the NFKC form of src to dst. Runs of inert runes (see
// nfkcInert) are copied; every other rune starts a region that goes through
// the norm package. A region is one normalisation segment: it starts at a
// boundary (if its first rune could combine with the rune before it, that
// rune joins the region) and ends before the next rune that starts a new
// segment, so normalising region by region equals normalising the whole
// text. FuzzNormalize checks this against norm.NFKC.Bytes.
func (sc *scratch) appendNFKC(dst, src []byte) []byte {
	keep := 0 // start of the pending run of inert bytes
	prev := 0 // start of the last rune seen
	for i := 0; i < len(src); {
		r, n := rune(src[i]), 1
		if r >= utf8.RuneSelf {
			r, n = decodeRune(src[i:])
		}
		if nfkcInert(r) {
			prev = i
			i += n
			continue
		}
		if a := fullwidthASCII(r); a != 0 && startsSegment(src[i+n:]) {
			// The commonest case in Chinese posts (，！：～ＡＢＣ１２３).
			dst = append(dst, src[keep:i]...)
			dst = append(dst, a)
			keep, prev, i = i+n, i, i+n
			continue
		}
		from := i
		if i > keep && !norm.NFKC.Properties(src[i:]).BoundaryBefore() {
			from = prev
		}
		// The region is one normalisation segment: it ends before the next
		// rune that starts a new one.
		to := i + n
		for to < len(src) && src[to] >= utf8.RuneSelf {
			p := norm.NFKC.Properties(src[to:])
			if p.BoundaryBefore() && !compatJamo(src[to:]) {
				break
			}
			to += p.Size()
		}
		dst = append(dst, src[keep:from]...)
		dst = sc.appendRegion(dst, src[from:to])
		keep, prev, i = to, to, to
	}
	return append(dst, src[keep:]...)
}

// appendRegion appends the NFKC form of region to dst. A lone rune whose
// decomposition is plain ASCII (full-width forms, ideographic space, circled
// digits …) is replaced directly; anything else goes through the iterator.
func (sc *scratch) appendRegion(dst, region []byte) []byte {
	if p := norm.NFKC.Properties(region); p.Size() == len(region) {
		if d := p.Decomposition(); d != nil && isASCII(d) {
			return append(dst, d...)
		}
	}
	if norm.NFKC.QuickSpan(region) == len(region) {
		return append(dst, region...)
	}
	sc.iter.Init(norm.NFKC, region)
	for !sc.iter.Done() {
		dst = append(dst, sc.iter.Next()...)
	}
	return dst
}

// fullwidthASCII returns the NFKC form of the full-width ASCII variants
// U+FF01..U+FF5E and of the ideographic space U+3000, or 0 for any other
// rune.
func fullwidthASCII(r rune) byte {
	switch {
	case r >= 0xff01 && r <= 0xff5e:
		return byte(r - 0xff01 + '!')
	case r == 0x3000:
		return ' '
	}
	return 0
}

// startsSegment reports whether b is empty or starts with a rune that
// nothing before it can combine with: ASCII, an inert rune or a full-width
// ASCII variant.
func startsSegment(b []byte) bool {
	if len(b) == 0 || b[0] < utf8.RuneSelf {
		return true
	}
	r, _ := decodeRune(b)
	return nfkcInert(r) || fullwidthASCII(r) != 0
}

// decodeRune is utf8.DecodeRune with a fast path for the three-byte
// sequences CJK text consists of (lead bytes E1..EC and EE..EF need no
// overlong or surrogate check).
func decodeRune(b []byte) (rune, int) {
	if len(b) > 2 && b[0]-0xe1 < 0x0f && b[0] != 0xed && b[1]&0xc0 == 0x80 && b[2]&0xc0 == 0x80 {
		return rune(b[0]&0x0f)<<12 | rune(b[1]&0x3f)<<6 | rune(b[2]&0x3f), 3
	}
	return utf8.DecodeRune(b)
}

// decodeRuneInString is the string twin of decodeRune.
func decodeRuneInString(s string) (rune, int) {
	if len(s) > 2 && s[0]-0xe1 < 0x0f && s[0] != 0xed && s[1]&0xc0 == 0x80 && s[2]&0xc0 == 0x80 {
		return rune(s[0]&0x0f)<<12 | rune(s[1]&0x3f)<<6 | rune(s[2]&0x3f), 3
	}
	return utf8.DecodeRuneInString(s)
}

// compatJamo reports whether b starts with a Hangul compatibility or
// half-width jamo. The norm tables mark them as starting a segment, yet their
// NFKC forms are conjoining jamo that compose with the syllable before
// (ㄱㅏ → 가), so a region never ends before one. TestRegionSplitSafe checks
// that no other rune behaves like this.
func compatJamo(b []byte) bool {
	r, _ := utf8.DecodeRune(b)
	return r >= 0x3131 && r <= 0x318e || r >= 0xffa0 && r <= 0xffdc
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// release returns sc to the pool unless one of its buffers grew too large.
func (sc *scratch) release() {
	if cap(sc.san) > maxPooled || cap(sc.nfkc) > maxPooled || cap(sc.mapped) > maxPooled || cap(sc.check) > maxPooled {
		return
	}
	scratchPool.Put(sc)
}

// sanitize appends s to dst without invalid UTF-8, invisible characters
// (see invisible) and control characters other than whitespace, replacing
// full-width ASCII variants by ASCII where that is what NFKC would do. inert
// reports that every rune kept is NFKC-inert, so the result is already NFKC.
func sanitize(dst []byte, s string) (out []byte, inert bool) {
	inert = true
	keep := 0 // start of the pending run of bytes to copy
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && !asciiSpace(c) || c == 0x7f {
				dst = append(dst, s[keep:i]...)
				keep = i + 1
			}
			i++
			continue
		}
		r, n := decodeRuneInString(s[i:])
		switch {
		case nfkcInert(r): // the common case; no inert rune is invisible
		case r == utf8.RuneError && n == 1 || invisible(r):
			dst = append(dst, s[keep:i]...)
			keep = i + n
		case fullwidthASCII(r) != 0 && keptStarter(s[i+n:]):
			// NFKC of a full-width form followed by a rune nothing can
			// combine with is its ASCII twin: no NFKC pass needed for it.
			dst = append(dst, s[keep:i]...)
			dst = append(dst, fullwidthASCII(r))
			keep = i + n
		default:
			inert = false
		}
		i += n
	}
	return append(dst, s[keep:]...), inert
}

// keptStarter reports whether s is empty or starts with a rune that sanitize
// keeps and that nothing before it can combine with (see startsSegment).
func keptStarter(s string) bool {
	if len(s) == 0 {
		return true
	}
	if c := s[0]; c < utf8.RuneSelf {
		return c >= 0x20 && c != 0x7f || asciiSpace(c)
	}
	r, _ := decodeRuneInString(s)
	return nfkcInert(r) || fullwidthASCII(r) != 0
}

// invisible reports whether r is removed before NFKC: C1 controls (except
// NEL, which is whitespace), format characters (Cf, e.g. U+200B..U+200F,
// U+2060, U+FEFF, bidi controls, soft hyphen, tags), variation selectors, the
// combining grapheme joiner, the combining keycap and Hangul fillers.
func invisible(r rune) bool {
	switch {
	case r < 0xa0:
		return r >= 0x80 && r != 0x85
	case r < 0x3000:
		switch r {
		case 0x034f, 0x115f, 0x1160, 0x20e3:
			return true
		}
		return r >= 0x180b && r <= 0x180f || unicode.Is(unicode.Cf, r)
	case r < 0xfe00:
		return r == 0x3164 // Hangul filler; the CJK blocks have no Cf
	case r <= 0xfe0f:
		return true // variation selectors
	case r < 0x10000:
		return r == 0xfeff || r == 0xffa0 || r >= 0xfff9 && r <= 0xfffb
	case r >= 0xe0000:
		return r <= 0xe01ef // tags and variation selectors supplement
	case r >= 0x1f000:
		return false // emoji
	}
	return unicode.Is(unicode.Cf, r)
}

// mapRunes appends src (NFKC text) to dst with case and look-alike folding,
// whitespace collapsing and dropping of runs wedged between Han characters.
// suspect reports that a rune was changed in a way that may have left NFKC.
// Unchanged bytes are copied in runs.
func mapRunes(dst, src []byte) (out []byte, suspect bool) {
	start := len(dst)
	fd := foldDecision{src: src}
	keep := 0 // start of the pending run of unchanged bytes
	lastHan := false
	for i := 0; i < len(src); {
		c := src[i]
		r, n := rune(c), 1
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
				lastHan = false
				i++
				continue
			}
		} else {
			r, n = decodeRune(src[i:])
			if isHan(r) {
				lastHan = true
				i += n
				continue
			}
		}
		if lastHan && droppable(r) {
			if j, ok := wedgedRun(src, i); ok {
				dst = append(dst, src[keep:i]...)
				keep, i = j, j
				continue
			}
		}
		lastHan = false
		if isSpace(r) {
			// Pending bytes precede this one in the output.
			prevSpace := keep == i && (len(dst) == start || dst[len(dst)-1] == ' ') ||
				keep < i && src[i-1] == ' '
			if c != ' ' || prevSpace {
				dst = append(dst, src[keep:i]...)
				if !prevSpace {
					dst = append(dst, ' ')
				}
				keep = i + n
			}
			i += n
			continue
		}
		if d := dingbatDigits(r); d != "" {
			dst = append(dst, src[keep:i]...)
			dst = append(dst, d...)
			keep = i + n
			i += n
			continue
		}
		if lr := foldRune(r, i, &fd); lr != r {
			dst = append(dst, src[keep:i]...)
			dst = utf8.AppendRune(dst, lr)
			keep = i + n
			if !suspect && (lr >= utf8.RuneSelf || !boundaryAt(src[i+n:])) {
				suspect = true
			}
		}
		i += n
	}
	dst = append(dst, src[keep:]...)
	if len(dst) > start && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return dst, suspect
}

// wedgedRun reports whether the droppable run starting at src[i] ends right
// before a Han character and contains no clause punctuation; j is the index
// of that Han character.
func wedgedRun(src []byte, i int) (j int, ok bool) {
	for j = i; j < len(src); {
		r, n := utf8.DecodeRune(src[j:])
		if !droppable(r) {
			return j, isHan(r)
		}
		if clausePunct(r) || r == '#' {
			return j, false // '#' keeps #话题# readable
		}
		j += n
	}
	return j, false
}

// boundaryAt reports whether the text b starts at an NFKC boundary, that is
// whether nothing in b can compose with or reorder around the rune before it.
func boundaryAt(b []byte) bool {
	if len(b) == 0 || b[0] < utf8.RuneSelf {
		return true
	}
	return norm.NFKC.Properties(b).BoundaryBefore()
}

// foldRune lower-cases r, the rune at src[i] of the text fd decides for,
// and folds it to ASCII when it is a look-alike that fd folds (see
// foldDecision.foldAt).
func foldRune(r rune, i int, fd *foldDecision) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	if !hasCase(r) && (r < confusables[0].r || r > confusables[len(confusables)-1].r || r >= 0x2e80 && r < 0xa4d0) {
		return r
	}
	r = unicode.ToLower(r)
	if c, ok := confusableOf(r); ok && fd.foldAt(i, c) {
		return rune(c.to)
	}
	return r
}

// hasCase is a fast, conservative filter: it reports false only for runes in
// blocks known to have no case mappings (CJK, kana, Hangul, emoji …).
func hasCase(r rune) bool {
	switch {
	case r < 0x3000:
		return true
	case r < 0xa640:
		return false
	case r < 0xac00:
		return true
	case r < 0xff00:
		return false
	case r < 0xff60:
		return true
	case r < 0x10400:
		return false
	default:
		return r < 0x1e950
	}
}

// isHan reports whether r is in the Han script.
func isHan(r rune) bool {
	if r >= 0x4e00 && r <= 0x9fff {
		return true
	}
	return r >= 0x2e80 && unicode.Is(unicode.Han, r)
}

// isSpace reports whether r is whitespace.
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiSpace(byte(r))
	}
	return unicode.IsSpace(r)
}

func asciiSpace(c byte) bool {
	return c == ' ' || c >= '\t' && c <= '\r'
}

// droppable reports whether r may be dropped when wedged between two Han
// characters: whitespace, punctuation, non-currency symbols and private use.
func droppable(r rune) bool {
	if r < utf8.RuneSelf {
		c := byte(r)
		return asciiSpace(c) || c > ' ' && c < 0x7f && c != '$' && !isASCIIAlnum(c)
	}
	if r >= 0x4e00 && r <= 0x9fff || dingbatDigits(r) != "" {
		return false
	}
	switch {
	case unicode.IsSpace(r), unicode.IsPunct(r), unicode.Is(unicode.Co, r):
		return true
	case unicode.IsSymbol(r):
		return !unicode.Is(unicode.Sc, r)
	}
	return false
}

// clausePunct reports whether r ends a clause or sentence; such punctuation
// keeps separating Han text.
func clausePunct(r rune) bool {
	switch r {
	case ',', '!', '?', ';', ':', '。', '、', '，', '！', '？', '；', '：':
		return true
	}
	return false
}

func isASCIIAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
