package classifiers

import (
	"strings"
	"unicode/utf8"

	"github.com/circleguard/circleguard/internal/textnorm"
)

// idMin and idMax bound an id-like string: WeChat ids are 6–20 characters,
// QQ numbers 5–11 digits; 5 leaves room for short custom ids.
const (
	idMin = 5
	idMax = 20
)

// scanContacts offers contact.wechat and contact.qq. It returns the digit
// runs it took as QQ numbers, as start offsets, so scanNumbers does not
// report them again; at most a few are kept.
func scanContacts(f *findings, s string) (skip qqRuns) {
	for from := 0; ; {
		i := strings.Index(s[from:], textnorm.WeChat)
		if i < 0 {
			break
		}
		i += from
		end := i + len(textnorm.WeChat)
		from = end
		if !tokenAt(s, i, end) {
			continue
		}
		if id, ok := idAfter(s, end); ok {
			if f.wants(slotWeChat, weightWeChatID) {
				f.offer(slotWeChat, weightWeChatID, mask(id))
			}
			continue
		}
		if id, ok := idBefore(s, i); ok {
			if f.wants(slotWeChat, weightWeChatID) {
				f.offer(slotWeChat, weightWeChatID, mask(id))
			}
			continue
		}
		if cueBefore(s, i) {
			f.offer(slotWeChat, weightWeChatCue, textnorm.WeChat)
		}
	}
	for from := 0; ; {
		i := strings.Index(s[from:], textnorm.QQ)
		if i < 0 {
			break
		}
		i += from
		end := i + len(textnorm.QQ)
		from = end
		if !tokenAt(s, i, end) {
			continue
		}
		k := skipSeparators(s, end)
		n := 0
		for k+n < len(s) && isDigit(s[k+n]) && n <= 11 {
			n++
		}
		if n < 5 || n > 11 {
			continue
		}
		skip.add(k)
		if f.wants(slotQQ, weightQQ) {
			f.offer(slotQQ, weightQQ, mask(s[k:k+n]))
		}
		from = k + n
	}
	return skip
}

// qqRuns records the start offsets of digit runs taken as QQ numbers.
type qqRuns struct {
	n     int
	start [4]int
}

func (q *qqRuns) add(i int) {
	if q.n < len(q.start) {
		q.start[q.n] = i
		q.n++
	}
}

func (q *qqRuns) has(i int) bool {
	for _, s := range q.start[:q.n] {
		if s == i {
			return true
		}
	}
	return false
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
func idByte(c byte) bool { return isWordByte(c) || c == '_' || c == '-' }

// idAfter reports the id-like string after the token ending at end: 5–20 id
// bytes starting with a letter or digit, containing a digit or underscore, or
// at least six letters after an explicit ':' or 号.
func idAfter(s string, end int) (string, bool) {
	k := skipSeparators(s, end)
	n := 0
	for k+n < len(s) && idByte(s[k+n]) && n <= idMax {
		n++
	}
	if n < idMin || n > idMax || !isWordByte(s[k]) || wordAt(s, k+n) {
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
	return id, isWordByte(id[0]) && strings.ContainsAny(id, "0123456789")
}

// cueWords are English words that, among the three words before the token,
// make it a call to contact: "add me on wechat", "dm on wechat".
var cueWords = []string{"add", "dm", "pm", "contact", "message", "msg", "text", "ping", "inbox", "hmu", "reach"}

// cueBefore reports whether the token at i follows an "add"/"dm" cue: 加, 私
// or 联系 within the four runes before it, a '+' right before it, or one of
// cueWords among the three words before it.
func cueBefore(s string, i int) bool {
	if i > 0 && s[i-1] == '+' {
		return true
	}
	w := i
	for n := 0; n < 4 && w > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(s[:w])
		w -= size
	}
	if win := s[w:i]; strings.Contains(win, "加") || strings.Contains(win, "私") || strings.Contains(win, "联系") {
		return true
	}
	k := i
	stop := max(0, i-64) // bounds the work per token on pathological input
	for range 3 {
		for k > stop && (s[k-1] == ' ' || s[k-1] == ':' || isDigit(s[k-1])) {
			k--
		}
		e := k
		for k > stop && isASCIILetter(s[k-1]) {
			k--
		}
		if k == e {
			return false
		}
		word := s[k:e]
		for _, c := range cueWords {
			if word == c {
				return true
			}
		}
	}
	return false
}
