package classifiers

import (
	"strings"
	"unicode/utf8"
)

// maxDigits bounds the digits of one number run kept for inspection; longer
// runs are still measured.
const maxDigits = 24

// scanNumbers offers price, contact.phone and contact.number for the digit
// runs of s, skipping runs scanContacts took as QQ numbers.
func scanNumbers(f *findings, s string, skip qqRuns) {
	for i := 0; i < len(s); {
		if !isDigit(s[i]) || i > 0 && isDigit(s[i-1]) {
			i++
			continue
		}
		numEnd, ev, ok := priceAt(s, i)
		if ok {
			f.offer(slotPrice, weightPrice, ev)
			i = numEnd
			continue
		}
		// A number with a decimal point or thousands separator (1,299 9.99)
		// is not a contact; resuming after it keeps the scan linear.
		end := scanContactNumber(f, s, i, skip.has(i))
		i = max(end, numEnd, i+1)
	}
}

// priceAt reports whether the number starting at s[i] (digits, with '.' or
// ',' between digits) is an amount: preceded
// by a currency sign ($, ¥, €, £) or followed by a unit (元, 块钱, 块 for
// two digits or more, 万 and w unless counting steps, people …, rmb, usd,
// 美元, 美金, 折). end is where scanning resumes (the end of the number
// when it is not an amount); ev is the evidence.
func priceAt(s string, i int) (end int, ev string, ok bool) {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	intDigits := j - i
	for j+1 < len(s) && (s[j] == '.' || s[j] == ',') && isDigit(s[j+1]) {
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	}
	// Currency sign before, possibly with one space between.
	p := i
	if p > 0 && s[p-1] == ' ' {
		p--
	}
	for _, cur := range []string{"$", "¥", "€", "£"} {
		if strings.HasSuffix(s[:p], cur) {
			return j, s[p-len(cur) : j], true
		}
	}
	// Unit after, possibly with one space between.
	k := j
	if k < len(s) && s[k] == ' ' {
		k++
	}
	rest := s[k:]
	unit := ""
	for _, u := range [...]string{"元", "块钱", "美元", "美金"} {
		if strings.HasPrefix(rest, u) {
			unit = u
			break
		}
	}
	switch {
	case unit != "":
	case strings.HasPrefix(rest, "块") && intDigits >= 2:
		unit = "块"
	case strings.HasPrefix(rest, "折") && j-i <= 3:
		unit = "折"
	case strings.HasPrefix(rest, "万") && !countNoun(rest[len("万"):]):
		unit = "万"
	case (strings.HasPrefix(rest, "rmb") || strings.HasPrefix(rest, "usd")) && !wordAt(rest, 3):
		unit = rest[:3]
	case k == j && strings.HasPrefix(rest, "w") && !wordAt(rest, 1):
		unit = "w"
	}
	if unit == "" {
		return j, "", false
	}
	return k + len(unit), s[i : k+len(unit)], true
}

// countNoun reports whether s starts with a noun that makes "N万" a count
// rather than money (1万步, 10万人, 3万字 …).
func countNoun(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return strings.ContainsRune("步人次字粉年里米公个", r)
}

// scanContactNumber inspects the digit run at s[i], joined across single
// spaces or dashes when it is grouped like a phone number (groups of three
// or more digits, or single digits spaced out). It offers contact.phone for
// a Chinese mobile number and contact.number for nine or more digits, unless
// taken is set. It returns where scanning resumes.
func scanContactNumber(f *findings, s string, i int, taken bool) int {
	var digits [maxDigits]byte
	var groups [maxDigits]int
	nd, ng := 0, 0
	j := i
	for {
		g := j
		for j < len(s) && isDigit(s[j]) {
			if nd < maxDigits {
				digits[nd] = s[j]
			}
			nd++
			j++
		}
		if ng < maxDigits {
			groups[ng] = j - g
		}
		ng++
		if j+1 < len(s) && (s[j] == ' ' || s[j] == '-') && isDigit(s[j+1]) && ng < maxDigits {
			j++
			continue
		}
		break
	}
	d := digits[:min(nd, maxDigits)]
	gs := groups[:min(ng, maxDigits)]
	// A +86 / 0086 country code is its own group.
	if len(gs) > 1 && (gs[0] == 2 && string(d[:2]) == "86" && i > 0 && s[i-1] == '+' || gs[0] == 4 && string(d[:4]) == "0086") {
		nd -= gs[0]
		d = d[gs[0]:]
		gs = gs[1:]
	}
	if !phoneGrouping(gs) {
		// Not one number: look at the first group alone.
		j = i + groups[0]
		nd = groups[0]
		d = digits[:min(nd, maxDigits)]
		gs = groups[:1]
	}
	if taken {
		return j
	}
	if len(gs) == 1 && nd == 13 && string(d[:2]) == "86" {
		d = d[2:] // +8613812345678 written without a space
		nd = 11
	}
	switch {
	case nd == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9':
		if f.wants(slotPhone, weightPhone) {
			f.offer(slotPhone, weightPhone, mask(string(d[:3])))
		}
	case nd >= 9:
		if f.wants(slotNumber, weightNumber) {
			f.offer(slotNumber, weightNumber, mask(string(d[:3])))
		}
	}
	return j
}

// phoneGrouping reports whether digit groups read as one number: a single
// group, groups of three or more (138 1234 5678), or single digits spaced
// out to dodge filters (1 3 8 1 2 …).
func phoneGrouping(gs []int) bool {
	if len(gs) <= 1 {
		return true
	}
	allOne, allThree := true, true
	for _, g := range gs {
		allOne = allOne && g == 1
		allThree = allThree && g >= 3
	}
	return allThree || allOne && len(gs) >= 9
}
