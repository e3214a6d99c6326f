package classifiers

import (
	"strings"
	"unicode/utf8"

	"github.com/circleguard/circleguard/internal/textnorm"
)

// scanContacts offers contact.wechat and contact.qq: the first WeChat id
// and QQ number textnorm.Extract found, or, without a WeChat id, a WeChat
// token right after an "add"/"dm" cue in s.
func scanContacts(f *findings, e *textnorm.Entities, s string) {
	if len(e.WeChatIDs) > 0 {
		f.offer(slotWeChat, weightWeChatID, mask(e.WeChatIDs[0]))
	} else {
		for from := 0; ; {
			i := strings.Index(s[from:], textnorm.WeChat)
			if i < 0 {
				break
			}
			i += from
			end := i + len(textnorm.WeChat)
			from = end
			if tokenAt(s, i, end) && cueBefore(s, i) {
				f.offer(slotWeChat, weightWeChatCue, textnorm.WeChat)
				break
			}
		}
	}
	if len(e.QQIDs) > 0 {
		f.offer(slotQQ, weightQQ, mask(e.QQIDs[0]))
	}
}

// tokenAt reports whether s[i:end] is a whole token: no ASCII letter right
// before or after it (digits may follow, as in "wechat123456").
func tokenAt(s string, i, end int) bool {
	return (i == 0 || !isASCIILetter(s[i-1])) && (end == len(s) || !isASCIILetter(s[end]))
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
