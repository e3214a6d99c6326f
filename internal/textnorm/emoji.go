package textnorm

import (
	"unicode"
	"unicode/utf8"
)

// pictographic approximates the Unicode Extended_Pictographic property
// (emoji-data.txt) below U+1F000; emojiBase handles the rest. © and ® are
// left out, and so is ™: in posts they are text, not emoji.
var pictographic = &unicode.RangeTable{
	R16: []unicode.Range16{
		{0x203c, 0x203c, 1}, {0x2049, 0x2049, 1},
		{0x2139, 0x2139, 1}, {0x2194, 0x2199, 1}, {0x21a9, 0x21aa, 1},
		{0x231a, 0x231b, 1}, {0x2328, 0x2328, 1}, {0x2388, 0x2388, 1}, {0x23cf, 0x23cf, 1},
		{0x23e9, 0x23f3, 1}, {0x23f8, 0x23fa, 1}, {0x24c2, 0x24c2, 1}, {0x25aa, 0x25ab, 1},
		{0x25b6, 0x25b6, 1}, {0x25c0, 0x25c0, 1}, {0x25fb, 0x25fe, 1}, {0x2600, 0x2605, 1},
		{0x2607, 0x2612, 1}, {0x2614, 0x2685, 1}, {0x2690, 0x2705, 1}, {0x2708, 0x2712, 1},
		{0x2714, 0x2714, 1}, {0x2716, 0x2716, 1}, {0x271d, 0x271d, 1}, {0x2721, 0x2721, 1},
		{0x2728, 0x2728, 1}, {0x2733, 0x2734, 1}, {0x2744, 0x2744, 1}, {0x2747, 0x2747, 1},
		{0x274c, 0x274c, 1}, {0x274e, 0x274e, 1}, {0x2753, 0x2755, 1}, {0x2757, 0x2757, 1},
		{0x2763, 0x2767, 1}, {0x2795, 0x2797, 1}, {0x27a1, 0x27a1, 1}, {0x27b0, 0x27b0, 1},
		{0x27bf, 0x27bf, 1}, {0x2934, 0x2935, 1}, {0x2b05, 0x2b07, 1}, {0x2b1b, 0x2b1c, 1},
		{0x2b50, 0x2b50, 1}, {0x2b55, 0x2b55, 1}, {0x3030, 0x3030, 1}, {0x303d, 0x303d, 1},
		{0x3297, 0x3297, 1}, {0x3299, 0x3299, 1},
	},
}

// emojiBase reports whether r starts an emoji: an Extended_Pictographic
// character other than the skin-tone modifiers, or the enclosed letters
// that are emoji (🅰 🅱 🅾 🅿 🆎 🆑..🆚).
func emojiBase(r rune) bool {
	switch {
	case r < 0x203c:
		return false
	case r < 0x1f000:
		return unicode.Is(pictographic, r)
	case r >= 0x1f3fb && r <= 0x1f3ff: // skin tones modify the emoji before
		return false
	case r >= 0x1f100 && r <= 0x1f1ff:
		return r >= 0x1f170 && r <= 0x1f171 || r >= 0x1f17e && r <= 0x1f17f || r == 0x1f18e || r >= 0x1f191 && r <= 0x1f19a
	case r <= 0x1faff:
		return true
	}
	return false
}

// CountEmoji returns the number of emoji in s. An emoji sequence counts
// once: a ZWJ sequence (👨‍👩‍👧), an emoji with a skin tone or variation
// selector, a keycap (1️⃣) and a flag (a pair of regional indicators).
// Invalid UTF-8 is skipped.
func CountEmoji(s string) int {
	count := 0
	afterZWJ := false // the previous rune was a ZWJ following an emoji
	inEmoji := false  // the previous visible rune was part of an emoji
	ri := 0           // regional indicators in the current run
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			inEmoji, afterZWJ, ri = false, false, 0
			i++
			continue
		}
		r, n := decodeRuneInString(s[i:])
		i += n
		switch {
		case r == 0x200d: // zero-width joiner
			afterZWJ = inEmoji
			continue
		case r >= 0xfe00 && r <= 0xfe0f, r >= 0x1f3fb && r <= 0x1f3ff, r >= 0xe0020 && r <= 0xe007f:
			continue // variation selectors, skin tones, tags
		case r == 0x20e3: // combining keycap: 1️⃣
			count++
			inEmoji, afterZWJ, ri = true, false, 0
			continue
		case r >= 0x1f1e6 && r <= 0x1f1ff: // regional indicators pair into flags
			if ri%2 == 0 {
				count++
			}
			ri++
			inEmoji, afterZWJ = true, false
			continue
		}
		ri = 0
		if emojiBase(r) {
			if !afterZWJ {
				count++
			}
			inEmoji, afterZWJ = true, false
			continue
		}
		inEmoji, afterZWJ = false, false
	}
	return count
}
