package textnorm

import (
	"sort"
	"unicode"
	"unicode/utf8"
)

//go:generate go run -C internal/genconfusables . -o ../../confusables_table.go

// confusable is one entry of the generated confusables table: the rune r
// (lower case, its own NFKC form) looks like the ASCII letter or digit to;
// script is r's script table, nil for Latin and Common.
type confusable struct {
	r      rune
	to     byte
	script *unicode.RangeTable
}

// confusableOf returns the table entry of r (lower case), if any.
func confusableOf(r rune) (*confusable, bool) {
	if r < confusables[0].r || r > confusables[len(confusables)-1].r {
		return nil, false
	}
	i := sort.Search(len(confusables), func(i int) bool { return confusables[i].r >= r })
	if i < len(confusables) && confusables[i].r == r {
		return &confusables[i], true
	}
	return nil, false
}

// foldDecision caches, during one mapRunes pass, whether the look-alikes
// of the current word are folded (see foldWordAt) and which scripts have
// letters in the text that are not look-alikes.
type foldDecision struct {
	src  []byte
	end  int  // end of the word decided last
	fold bool // that word's decision
	// real caches realLetters per script: 1 yes, 2 no.
	scripts [4]*unicode.RangeTable
	real    [4]uint8
}

// foldAt reports whether the look-alike at src[i] is folded. Look-alikes
// are folded by word, so real words of other scripts are kept for the
// stemmers while spoofed ones are not:
//
//   - a word that also has a Latin letter (ASCII or not a look-alike) is a
//     spoof: every look-alike in it folds (wеchаt, оrdеr, ВUҮ);
//   - a word that has a letter that is neither Latin nor a look-alike is a
//     real word of its script and is kept (работа, καλημέρα);
//   - a word made only of look-alikes (νχ, сор) folds unless the text has a
//     real letter of the look-alikes' script elsewhere (a Russian post's
//     "рука" is Russian, a lone "сор" in an English post is not);
//   - Latin and Common look-alikes (ı, ɑ) always fold.
func (d *foldDecision) foldAt(i int, c *confusable) bool {
	if c.script == nil {
		return true
	}
	if i < d.end {
		return d.fold
	}
	src := d.src
	start := i
	for start > 0 {
		r, n := utf8.DecodeLastRune(src[:start])
		if !decisionRune(r) {
			break
		}
		start -= n
	}
	end := i
	for end < len(src) {
		r, n := utf8.DecodeRune(src[end:])
		if !decisionRune(r) {
			break
		}
		end += n
	}
	// A neighbour that may turn into ASCII (微信 → wechat, v❤ → wechat)
	// makes the word Latin: a second pass would see it so.
	hasLatin := start > 0 && becomesASCII(utf8.DecodeLastRune(src[:start])) ||
		end < len(src) && becomesASCII(utf8.DecodeRune(src[end:]))
	hasOther := false
	var keyScript *unicode.RangeTable
	for j := start; j < end && !hasLatin; {
		r, n := utf8.DecodeRune(src[j:])
		j += n
		if r < utf8.RuneSelf {
			hasLatin = isASCIILetter(byte(r))
			continue
		}
		r = unicode.ToLower(r)
		if k, ok := confusableOf(r); ok {
			switch {
			case k.script == nil && !unicode.IsDigit(r):
				hasLatin = true // it becomes an ASCII letter in any case
			case keyScript == nil:
				keyScript = k.script
			}
			continue
		}
		if unicode.IsLetter(r) {
			if unicode.Is(unicode.Latin, r) {
				hasLatin = true
			} else {
				hasOther = true
			}
		}
	}
	d.end = end
	switch {
	case hasLatin:
		d.fold = true
	case hasOther:
		d.fold = false
	default:
		d.fold = keyScript == nil || !d.realLetters(keyScript)
	}
	return d.fold
}

// decisionRune reports whether r belongs to a word for foldAt: a word rune
// or an enclosed digit, which becomes ASCII digits.
func decisionRune(r rune) bool {
	return wordRune(r) || dingbatDigits(r) != ""
}

// becomesASCII reports whether a rune next to a word may be folded to ASCII
// later in Normalize: the Han characters of contact tokens (微信 扣扣 企鹅号
// and their variants) and the hearts of v❤. It errs towards yes: folding a
// word twice is harmless, folding it only on the second pass is not
// idempotent.
func becomesASCII(r rune, _ int) bool {
	switch r {
	case '微', '薇', '威', '徽', '信', '扣', '企', '鹅', '号':
		return true
	}
	return heart(r)
}

// realLetters reports whether the text has a letter of script that is not
// a look-alike.
func (d *foldDecision) realLetters(script *unicode.RangeTable) bool {
	slot := -1
	for k, s := range d.scripts {
		if s == script {
			return d.real[k] == 1
		}
		if s == nil && slot < 0 {
			slot = k
		}
	}
	found := false
	for j := 0; j < len(d.src); {
		r, n := utf8.DecodeRune(d.src[j:])
		j += n
		if r < utf8.RuneSelf || !unicode.Is(script, r) {
			continue
		}
		r = unicode.ToLower(r)
		if _, ok := confusableOf(r); !ok && unicode.IsLetter(r) {
			found = true
			break
		}
	}
	if slot >= 0 {
		d.scripts[slot] = script
		d.real[slot] = 2
		if found {
			d.real[slot] = 1
		}
	}
	return found
}

// dingbatDigits returns the digits of the enclosed numbers NFKC leaves
// alone (❶..❿, ➀..➉, ➊..➓, ⓫..⓴, ⓵..⓾, ⓿, ㉈..㉏, 🄋 🄌), or "".
func dingbatDigits(r rune) string {
	switch {
	case r >= 0x2776 && r <= 0x2793:
		return oneToTen[(r-0x2776)%10]
	case r >= 0x24eb && r <= 0x24f4:
		return elevenToTwenty[r-0x24eb]
	case r >= 0x24f5 && r <= 0x24fe:
		return oneToTen[r-0x24f5]
	case r == 0x24ff, r == 0x1f10b, r == 0x1f10c:
		return "0"
	case r >= 0x3248 && r <= 0x324f:
		return tens[r-0x3248]
	}
	return ""
}

var (
	oneToTen       = [...]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}
	elevenToTwenty = [...]string{"11", "12", "13", "14", "15", "16", "17", "18", "19", "20"}
	tens           = [...]string{"10", "20", "30", "40", "50", "60", "70", "80"}
)

// maxRepeat is the longest run of one rune kept by collapseRepeats.
const maxRepeat = 3

// collapseRepeats shortens, in place, every run of more than maxRepeat
// copies of one rune in b to maxRepeat copies ("!!!!!!" → "!!!",
// "好好好好好" → "好好好", "sooooo" → "sooo") and returns the shortened
// slice. Only runes that never combine under NFKC are collapsed (ASCII and
// the nfkcInert ranges); digits and Chinese numerals are never collapsed,
// as they carry amounts and phone numbers (10000, 138 0000 0000).
func collapseRepeats(b []byte) []byte {
	w := 0       // write position
	run := 0     // length of the current run
	prev := 0    // start (in the output) of the previous rune
	prevLen := 0 // its length, 0 before the first rune
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf { // the common case, kept tight
			if prevLen == 1 && b[prev] == c {
				run++
				if run > maxRepeat && !isDigitByte(c) {
					i++
					continue
				}
			} else {
				run = 1
			}
			b[w] = c
			prev, prevLen = w, 1
			w++
			i++
			continue
		}
		n := min(runeLen(c), len(b)-i)
		if n == prevLen && sameBytes(b, prev, i, n) {
			run++
			if run > maxRepeat && collapsible(b[i:i+n]) {
				i += n
				continue
			}
		} else {
			run = 1
		}
		if w != i {
			copy(b[w:], b[i:i+n])
		}
		prev, prevLen = w, n
		w += n
		i += n
	}
	return b[:w]
}

// runeLen returns the length of the UTF-8 sequence that starts with lead.
func runeLen(lead byte) int {
	switch {
	case lead < 0xe0:
		if lead < utf8.RuneSelf {
			return 1
		}
		return 2
	case lead < 0xf0:
		return 3
	}
	return 4
}

// sameBytes reports whether b[i:i+n] equals b[j:j+n].
func sameBytes(b []byte, i, j, n int) bool {
	for k := range n {
		if b[i+k] != b[j+k] {
			return false
		}
	}
	return true
}

// collapsible reports whether the rune encoded in b may be collapsed.
func collapsible(b []byte) bool {
	if b[0] < utf8.RuneSelf {
		return !isDigitByte(b[0])
	}
	r, _ := utf8.DecodeRune(b)
	return r != utf8.RuneError && nfkcInert(r) && hanDigit(r) < 0 && dingbatDigits(r) == "" &&
		!unicode.IsDigit(r) && r != '十' && r != '百' && r != '千' && r != '万'
}
