package textnorm

import (
	"unicode"
	"unicode/utf8"
)

// Canonical contact tokens produced by Normalize.
const (
	// WeChat is the token every WeChat obfuscation is folded to.
	WeChat = "wechat"
	// QQ is the token every QQ obfuscation is folded to.
	QQ = "qq"
)

// foldTokens appends src (output of mapRunes) to dst with contact
// obfuscations replaced by WeChat or QQ. A replacement is never made when the
// rune after the replaced text is a combining mark, so NFKC form is kept.
// Unchanged bytes are copied in runs.
func foldTokens(dst, src []byte) []byte {
	keep := 0 // start of the pending run of unchanged bytes
	for i := 0; i < len(src); {
		c := src[i]
		if 'a' <= c && c <= 'z' {
			j := i + 1
			for j < len(src) && 'a' <= src[j] && src[j] <= 'z' {
				j++
			}
			if tok, from, to := foldWord(src, i, j); tok != "" {
				dst = append(dst, src[keep:from]...)
				dst = append(dst, tok...)
				keep, j = to, to
			}
			i = j
			continue
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := decodeRune(src[i:])
		if tok, m := hanToken(r, src[i+n:]); tok != "" && !markAt(src[i+n+m:]) {
			dst = append(dst, src[keep:i]...)
			dst = append(dst, tok...)
			keep = i + n + m
			i = keep
			continue
		}
		i += n
	}
	return append(dst, src[keep:]...)
}

// hanToken reports the token for a Han obfuscation starting with r followed
// by rest, and how many bytes of rest it spans.
func hanToken(r rune, rest []byte) (tok string, n int) {
	switch r {
	case '微', '薇', '威', '徽':
		if hasPrefix(rest, "信") {
			return WeChat, len("信")
		}
	case '扣':
		if hasPrefix(rest, "扣") {
			return QQ, len("扣")
		}
	case '企':
		if hasPrefix(rest, "鹅号") {
			return QQ, len("鹅号")
		}
	}
	return "", 0
}

// foldWord inspects the lower-case ASCII letter run src[i:j]. When the run,
// with its context, is a contact obfuscation it reports the token that
// replaces src[from:to]; otherwise tok is empty.
func foldWord(src []byte, i, j int) (tok string, from, to int) {
	prev, prevSize := utf8.DecodeLastRune(src[:i])
	if i > 0 && wordRune(prev) {
		return "", 0, 0
	}
	switch string(src[i:j]) { // compared only: no allocation
	case "vx", "wx", "weixin", "wechat":
		if !letterOrMarkAt(src[j:]) {
			return WeChat, i, j
		}
	case "v":
		next, nextSize := utf8.DecodeRune(src[j:])
		if j < len(src) && (next == '信' || heart(next)) && !markAt(src[j+nextSize:]) {
			return WeChat, i, j + nextSize // v信, v❤
		}
		if hasPrefix(src[j:], " 信") && !markAt(src[j+len(" 信"):]) {
			return WeChat, i, j + len(" 信") // V 信: the space is not between two Han
		}
		if letterOrMarkAt(src[j:]) {
			break
		}
		switch {
		case i > 0 && prev == '加':
			return WeChat, i, j // 加v → 加wechat
		case i > 0 && (prev == '+' || prev == '➕'):
			before, _ := utf8.DecodeLastRune(src[:i-prevSize])
			if i-prevSize == 0 || !wordRune(before) {
				return WeChat, i - prevSize, j // +v, ➕v
			}
		}
	}
	return "", 0, 0
}

// heart reports whether r is one of the heart symbols used in "V❤".
func heart(r rune) bool {
	switch r {
	case '❤', '♥', '♡', '❣', '🧡', '🤍', '🤎', '🖤':
		return true
	}
	return r >= 0x1f493 && r <= 0x1f49f // 💓 … 💟
}

// wordRune reports whether r continues a Latin-script word: ASCII letters and
// digits, and non-CJK letters, digits and marks.
func wordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r))
	}
	if r == utf8.RuneError || isCJK(r) {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// letterOrMarkAt reports whether b starts with a rune that would extend a
// word to its right (digits excluded: "vx123" is still the "vx" token).
func letterOrMarkAt(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if b[0] < utf8.RuneSelf {
		c := b[0] | 0x20
		return 'a' <= c && c <= 'z'
	}
	r, _ := utf8.DecodeRune(b)
	return r != utf8.RuneError && !isCJK(r) && (unicode.IsLetter(r) || unicode.IsMark(r))
}

// markAt reports whether b starts with a combining mark.
func markAt(b []byte) bool {
	if len(b) == 0 || b[0] < utf8.RuneSelf {
		return false
	}
	r, _ := utf8.DecodeRune(b)
	return unicode.IsMark(r)
}

// isCJK reports whether r belongs to a script written without spaces between
// words (Han, kana, Hangul, Bopomofo), where any neighbour is a word boundary.
func isCJK(r rune) bool {
	if r < 0x1100 {
		return false
	}
	return isHan(r) || unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo)
}

func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}
