package textnorm

import (
	"strings"
	"unicode/utf8"
)

// idMin and idMax bound an id-like string: WeChat ids are 6–20 characters,
// QQ numbers 5–11 digits; 5 leaves room for short custom ids.
const (
	idMin = 5
	idMax = 20
)

// contacts reads the WeChat ids and QQ numbers next to the WeChat and QQ
// tokens of the text; QQ numbers are remembered so the number scan does not
// read them again as phones.
func (x *extractor) contacts() {
	s := x.s
	for from := 0; ; {
		i := strings.Index(s[from:], WeChat)
		if i < 0 {
			break
		}
		i += from
		end := i + len(WeChat)
		from = end
		if !tokenAt(s, i, end) {
			// "加微信coco-717938" normalises to "加wechatcoco-717938": an
			// id glued to the token, taken when it holds a digit.
			if i == 0 || !isASCIILetter(s[i-1]) {
				if id, ok := idAfter(s, end); ok && strings.ContainsAny(id, "0123456789") {
					x.e.WeChatIDs = appendOnce(x.e.WeChatIDs, id)
				}
			}
			continue
		}
		if id, ok := idAfter(s, end); ok {
			x.e.WeChatIDs = appendOnce(x.e.WeChatIDs, id)
		} else if id, ok := idBefore(s, i); ok {
			x.e.WeChatIDs = appendOnce(x.e.WeChatIDs, id)
		}
	}
	for from := 0; ; {
		i := strings.Index(s[from:], QQ)
		if i < 0 {
			break
		}
		i += from
		end := i + len(QQ)
		from = end
		if !tokenAt(s, i, end) {
			continue
		}
		k := skipSeparators(s, end)
		var d [maxDigits]byte
		nd, han, e := readDigitRun(s, k, false, &d)
		if nd < 5 || nd > 11 {
			continue
		}
		id := s[k:e]
		if han {
			id = string(d[:nd])
		}
		x.e.QQIDs = appendOnce(x.e.QQIDs, id)
		x.addSkip(k, e)
		from = e
	}
}

// tokenAt reports whether s[i:end] is a whole token: no ASCII letter right
// before or after it (digits may follow, as in "wechat123456").
func tokenAt(s string, i, end int) bool {
	return (i == 0 || !isASCIILetter(s[i-1])) && (end == len(s) || !isASCIILetter(s[end]))
}

// separators may stand between a contact token and the id: "wechat: x",
// "wechat号 x", "qq群 x", "wechat id x", "wechat同号 x", "my wechat is x".
// Letter separators must be whole words.
var separators = []string{" ", ":", "=", "-", "~", "/", ">", "(", ")", "号", "是", "同", "群", "id", "is"}

// skipSeparators returns the offset after at most four separators at s[i:].
func skipSeparators(s string, i int) int {
	for range 4 {
		found := false
		for _, sep := range separators {
			if strings.HasPrefix(s[i:], sep) && (!isASCIILetter(sep[0]) || !wordAt(s, i+len(sep))) {
				i += len(sep)
				found = true
				break
			}
		}
		if !found {
			break
		}
	}
	return i
}

// idByte reports whether c may appear in a WeChat id (or a phone number used
// as one).
func idByte(c byte) bool { return isASCIIAlnum(c) || c == '_' || c == '-' }

// idAfter reports the id-like string after the token ending at end: 5–20 id
// bytes starting with a letter or digit, containing a digit or underscore, or
// at least six letters after an explicit ':' or 号.
func idAfter(s string, end int) (string, bool) {
	k := skipSeparators(s, end)
	n := 0
	for k+n < len(s) && idByte(s[k+n]) && n <= idMax {
		n++
	}
	if n < idMin || n > idMax || !isASCIIAlnum(s[k]) || wordAt(s, k+n) {
		return "", false
	}
	id := s[k : k+n]
	if strings.ContainsAny(id, "0123456789_") {
		return id, true
	}
	explicit := strings.Contains(s[end:k], ":") || strings.Contains(s[end:k], "号")
	return id, explicit && n >= 6
}

// idBefore reports an id-like string (5–20 id bytes with a digit) right
// before the token at i, separated by at most two of " :/(同是".
func idBefore(s string, i int) (string, bool) {
	k := i
	for range 2 {
		switch {
		case k > 0 && strings.IndexByte(" :/(", s[k-1]) >= 0:
			k--
		case strings.HasSuffix(s[:k], "同"), strings.HasSuffix(s[:k], "是"):
			k -= len("同")
		}
	}
	n := 0
	for k-n > 0 && idByte(s[k-n-1]) && n <= idMax {
		n++
	}
	if n < idMin || n > idMax || wordBefore(s, k-n) {
		return "", false
	}
	id := s[k-n : k]
	return id, isASCIIAlnum(id[0]) && strings.ContainsAny(id, "0123456789")
}

// wordBefore reports whether the rune before s[i] continues a Latin-script
// word.
func wordBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	if c := s[i-1]; c < 0x80 {
		return isASCIIAlnum(c)
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return wordRune(r)
}

// wordAt reports whether s[i:] starts with a rune that continues a
// Latin-script word.
func wordAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	if c := s[i]; c < 0x80 {
		return isASCIIAlnum(c)
	}
	r, _ := decodeRuneInString(s[i:])
	return wordRune(r)
}
