package textnorm

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Amount is a price or sum of money found in a post.
type Amount struct {
	// Value is the amount with 万/w (×10⁴), 千 and k (×10³) applied: "5w"
	// is 50000, "$1.5k" 1500, "九块九" 9.9.
	Value float64
	// Currency is "CNY" (¥, 元, 块, rmb, yuan), "USD" ($, 美元, 美金, usd,
	// dollars), "EUR" (€), "GBP" (£), or "" when the text does not say
	// ("5w").
	Currency string
	// Text is the amount as written in the matching form ("¥99", "59元",
	// "5w", "九块九"): a substring of it.
	Text string
}

// Entities are the structured facts of one post that the detectors and the
// classifier share. The zero value means nothing was found. Strings are
// substrings of the matching form or of the links, except phone, QQ and
// other numbers that had to be put together (split, or written in Chinese
// numerals).
type Entities struct {
	// URLs are the post's links that have a host, as given, then the URLs
	// found in the text (scheme, host, port and path, as written).
	URLs []string
	// Phones are Chinese mobile numbers, digits only ("13812345678"),
	// without a +86/0086 prefix, each once.
	Phones []string
	// WeChatIDs are the ids next to a WeChat token ("wechat: lily_888",
	// "13812345678同微信"), each once.
	WeChatIDs []string
	// QQIDs are the 5–11 digit numbers after a QQ token, digits only.
	QQIDs []string
	// Prices are the amounts of money, in text order.
	Prices []Amount
	// Percents are the percentages, in text order (30% and 百分之三十 are
	// both 30).
	Percents []float64
	// ReturnClaim is set when a percentage or amount is tied to a return,
	// profit or income word (日收益30%, 年化20%, 月入3w, "20% weekly
	// returns"); a discount ("30% off", 优惠20%) is not a claim.
	ReturnClaim bool
	// Emoji is the number of emoji in the original text: a ZWJ sequence, a
	// flag, a keycap or an emoji with a skin tone counts once.
	Emoji int
	// Hashtags are the topics of #话题# and #tag, without the '#'.
	Hashtags []string
	// Numbers are other runs of nine or more digits (bank cards, ids),
	// digits only.
	Numbers []string
}

// Extract reads the entities of a post: original is the raw text (emoji are
// counted there: Normalize drops those wedged between Han characters), norm
// its Normalize output (everything else is read there) and links the
// post's links field. It never panics, is deterministic and safe for
// concurrent use, and takes time linear in the input.
func Extract(original, norm string, links []string) Entities {
	var e Entities
	ExtractInto(&e, original, norm, links)
	return e
}

// ExtractInto is Extract into e: it overwrites e and reuses the backing
// arrays of its slices, so a caller that keeps an Entities per worker does
// not allocate in steady state (except for the numbers that Entities
// documents as put together).
func ExtractInto(e *Entities, original, norm string, links []string) {
	*e = Entities{
		URLs: e.URLs[:0], Phones: e.Phones[:0], WeChatIDs: e.WeChatIDs[:0], QQIDs: e.QQIDs[:0],
		Prices: e.Prices[:0], Percents: e.Percents[:0], Hashtags: e.Hashtags[:0], Numbers: e.Numbers[:0],
	}
	x := extractor{e: e, s: norm}
	for _, l := range links {
		if Host(l) != "" {
			e.URLs = append(e.URLs, strings.TrimSpace(l))
		}
	}
	x.urls()
	x.contacts()
	x.scan()
	e.Emoji = CountEmoji(original)
}

// Bounds that keep Extract linear on hostile input.
const (
	// maxSpans is the number of URL and QQ spans remembered so the number
	// scan skips them; later spans are not skipped.
	maxSpans = 16
	// maxClaimChecks bounds the return-word look-ups per post.
	maxClaimChecks = 32
	// maxTagRunes bounds a #话题# topic.
	maxTagRunes = 32
	// maxDigits bounds the digits of one number run kept for inspection;
	// longer runs are still measured.
	maxDigits = 24
)

type span struct{ start, end int }

// extractor is the state of one Extract call.
type extractor struct {
	e      *Entities
	s      string
	skip   [maxSpans]span
	nskip  int
	checks int
	// noPhone: the digit run before this offset holds no mixed phone.
	noPhone int
}

func (x *extractor) addSkip(start, end int) {
	if x.nskip < maxSpans {
		x.skip[x.nskip] = span{start, end}
		x.nskip++
	}
}

// skipped reports whether s[i] lies in a URL or QQ span, and its end.
func (x *extractor) skipped(i int) (int, bool) {
	for _, sp := range x.skip[:x.nskip] {
		if sp.start <= i && i < sp.end {
			return sp.end, true
		}
	}
	return 0, false
}

// urls appends the URLs of the text.
func (x *extractor) urls() {
	s := x.s
	for i := strings.IndexByte(s, '.'); i >= 0; {
		start, end, resume, ok := urlAt(s, i)
		if ok {
			x.e.URLs = append(x.e.URLs, s[start:end])
			x.addSkip(start, end)
		}
		next := strings.IndexByte(s[resume:], '.')
		if next < 0 {
			break
		}
		i = resume + next
	}
}

// scan reads numbers (phones, prices, percentages, other long numbers),
// amounts and phones in Chinese numerals, and hashtags, left to right.
func (x *extractor) scan() {
	s := x.s
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case isDigitByte(c):
				i = x.number(i)
			case c == '#':
				i = x.hashtag(i)
			default:
				i++
			}
			continue
		}
		r, n := decodeRuneInString(s[i:])
		switch {
		case r == '百' && strings.HasPrefix(s[i:], "百分之"):
			i = x.hanPercent(i)
		case hanDigit(r) >= 0 || r == '十' || r == '拾':
			i = x.hanNumber(i)
		default:
			i += n
		}
	}
}

// number reads the number starting with the ASCII digit at s[i] and returns
// where scanning resumes.
func (x *extractor) number(i int) int {
	if end, ok := x.skipped(i); ok {
		return end
	}
	if end, ok := x.mixedPhone(i); ok {
		return end
	}
	s := x.s
	j := i
	for j < len(s) && isDigitByte(s[j]) {
		j++
	}
	intDigits := j - i
	for j+1 < len(s) && (s[j] == '.' || s[j] == ',') && isDigitByte(s[j+1]) {
		j++
		for j < len(s) && isDigitByte(s[j]) {
			j++
		}
	}
	k := j
	if k < len(s) && s[k] == ' ' {
		k++
	}
	if k < len(s) && s[k] == '%' {
		x.e.Percents = append(x.e.Percents, parseDecimal(s[i:j]))
		if !discountNear(s, i, k+1) {
			x.claim(i, k+1)
		}
		return k + 1
	}
	if end, ok := x.price(i, j, intDigits); ok {
		return end
	}
	// A number with a decimal point or thousands separator (1,299 9.99)
	// is not a contact; resuming after it keeps the scan linear.
	return max(x.contactNumber(i), j, i+1)
}

// currencySigns are the signs read before an amount.
var currencySigns = [...]struct{ sign, code string }{{"$", "USD"}, {"¥", "CNY"}, {"€", "EUR"}, {"£", "GBP"}}

// currencyUnits are the units read after an amount; words must be whole.
var currencyUnits = [...]struct{ unit, code string }{
	{"元", "CNY"}, {"块钱", "CNY"}, {"美元", "USD"}, {"美金", "USD"},
	{"rmb", "CNY"}, {"yuan", "CNY"}, {"usd", "USD"}, {"dollars", "USD"}, {"dollar", "USD"}, {"bucks", "USD"},
}

// price reads the number s[i:j] (intDigits before any point) as an amount
// when a currency sign precedes it (one space allowed) or a unit follows
// it: 元, 块钱, 块 (for two digits or more, or 9块9), 美元, 美金, rmb, usd
// …, or a multiplier 万 or w (unless counting steps, people … : 2万步).
// A k multiplier needs a currency sign ($1.5k).
func (x *extractor) price(i, j, intDigits int) (int, bool) {
	s := x.s
	value := parseDecimal(s[i:j])
	start, cur := i, ""
	p := i
	if p > 0 && s[p-1] == ' ' {
		p--
	}
	for _, c := range currencySigns {
		if strings.HasSuffix(s[:p], c.sign) {
			start, cur = p-len(c.sign), c.code
			break
		}
	}
	k := j
	if k < len(s) && s[k] == ' ' {
		k++
	}
	mult, m := 1.0, k
	switch {
	case strings.HasPrefix(s[k:], "万") && !countNoun(s[k+len("万"):]):
		mult, m = 1e4, k+len("万")
	case strings.HasPrefix(s[k:], "千") && (cur != "" || hasUnit(s[k+len("千"):])):
		mult, m = 1e3, k+len("千")
	case k == j && k < len(s) && s[k] == 'w' && !wordByteAt(s, k+1):
		mult, m = 1e4, k+1
	case k == j && k < len(s) && s[k] == 'k' && cur != "" && !wordByteAt(s, k+1):
		mult, m = 1e3, k+1
	}
	end, unitEnd := j, m
	if mult != 1 {
		end = m
	}
	if code, n := unitAt(s[m:]); code != "" {
		unitEnd = m + n
		if cur == "" {
			cur = code
		}
	} else if strings.HasPrefix(s[m:], "块") {
		e := m + len("块")
		switch {
		case digitAt(s, e) && !digitAt(s, e+1) && j == i+intDigits && mult == 1:
			value += float64(s[e]-'0') / 10 // 9块9
			unitEnd = e + 1
		case intDigits >= 2 || mult != 1:
			// 1块 is as often "one piece" as "one yuan".
			unitEnd = e
		}
		if unitEnd > m && cur == "" {
			cur = "CNY"
		}
	}
	if unitEnd > m {
		end = unitEnd
	} else if start == i && mult == 1 {
		return j, false // no sign, unit or multiplier
	}
	x.e.Prices = append(x.e.Prices, Amount{Value: value * mult, Currency: cur, Text: s[start:end]})
	x.claim(start, end)
	return end, true
}

// unitAt returns the currency code and length of the unit s starts with,
// or "".
func unitAt(s string) (code string, n int) {
	for _, u := range currencyUnits {
		if strings.HasPrefix(s, u.unit) && (s[0] >= utf8.RuneSelf || !wordByteAt(s, len(u.unit))) {
			return u.code, len(u.unit)
		}
	}
	return "", 0
}

// hasUnit reports whether s starts with a currency unit or 块.
func hasUnit(s string) bool {
	code, _ := unitAt(s)
	return code != "" || strings.HasPrefix(s, "块")
}

// countNoun reports whether s starts with a noun that makes "N万" a count
// rather than money (1万步, 10万人, 3万字 …).
func countNoun(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return strings.ContainsRune("步人次字粉年里米公个", r)
}

// contactNumber inspects the digit run at s[i], joined across single spaces
// or dashes when it is grouped like a phone number (groups of three or more
// digits, or single digits spaced out), with an optional +86 or 0086
// prefix. It records a Chinese mobile number in Phones and any other run of
// nine or more digits in Numbers, and returns where scanning resumes.
func (x *extractor) contactNumber(i int) int {
	s := x.s
	var digits [maxDigits]byte
	var groups [maxDigits]int
	nd, ng := 0, 0
	j := i
	for {
		g := j
		for j < len(s) && isDigitByte(s[j]) {
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
		if j+1 < len(s) && (s[j] == ' ' || s[j] == '-') && isDigitByte(s[j+1]) && ng < maxDigits {
			j++
			continue
		}
		break
	}
	d := digits[:min(nd, maxDigits)]
	gs := groups[:min(ng, maxDigits)]
	prefix := 0 // digits of a country code
	if len(gs) > 1 && (gs[0] == 2 && string(d[:2]) == "86" && i > 0 && s[i-1] == '+' || gs[0] == 4 && string(d[:4]) == "0086") {
		prefix = gs[0]
		gs = gs[1:]
	}
	if !phoneGrouping(gs) {
		// Not one number: look at the first group alone.
		j, nd, prefix = i+groups[0], groups[0], 0
		d = digits[:min(nd, maxDigits)]
		gs = groups[:1]
	}
	nd -= prefix
	d = d[prefix:]
	switch {
	case len(gs) == 1 && prefix == 0 && nd == 13 && string(d[:2]) == "86" && mobile(d[2:13]):
		d, nd = d[2:], 11 // +8613812345678 written without a space
	case len(gs) == 1 && prefix == 0 && nd == 15 && string(d[:4]) == "0086" && mobile(d[4:15]):
		d, nd = d[4:], 11 // 008613812345678
	}
	contiguous := len(gs) == 1
	switch {
	case nd == 11 && mobile(d):
		x.e.Phones = appendOnce(x.e.Phones, digitString(s, j-nd, j, contiguous, d))
	case nd >= 9 && nd <= maxDigits:
		x.e.Numbers = appendOnce(x.e.Numbers, digitString(s, j-nd, j, contiguous, d))
	case nd > maxDigits && contiguous:
		x.e.Numbers = appendOnce(x.e.Numbers, s[j-nd:j])
	}
	return j
}

// digitString returns the digits d, as the substring s[from:to] when they
// are contiguous there, or as a new string.
func digitString(s string, from, to int, contiguous bool, d []byte) string {
	if contiguous && from >= 0 && string(d) == s[from:to] {
		return s[from:to]
	}
	return string(d)
}

// mobile reports whether the 11 digits d form a Chinese mobile number:
// 1[3-9] and nine more digits.
func mobile(d []byte) bool {
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'
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

// hanDigit returns the value of a Chinese digit numeral (零〇一…九, 幺 and
// 两 as read in phone numbers, the financial 壹贰叁…玖), or -1.
func hanDigit(r rune) int {
	switch r {
	case '零', '〇':
		return 0
	case '一', '幺', '壹':
		return 1
	case '二', '两', '贰':
		return 2
	case '三', '叁':
		return 3
	case '四', '肆':
		return 4
	case '五', '伍':
		return 5
	case '六', '陆':
		return 6
	case '七', '柒':
		return 7
	case '八', '捌':
		return 8
	case '九', '玖':
		return 9
	}
	return -1
}

// readDigitRun reads the run at s[i] of ASCII digits and Chinese digit
// numerals, with single spaces or dashes between them when sep is set. It
// returns the digits (at most maxDigits kept), their count, whether a
// Chinese numeral was among them, and the end of the run.
func readDigitRun(s string, i int, sep bool, d *[maxDigits]byte) (nd int, han bool, end int) {
	j := i
	for j < len(s) {
		v := -1
		n := 1
		if c := s[j]; c < utf8.RuneSelf {
			if isDigitByte(c) {
				v = int(c - '0')
			} else if sep && (c == ' ' || c == '-') && j > i && j+1 < len(s) && (isDigitByte(s[j+1]) || s[j+1] >= utf8.RuneSelf && hanDigitAt(s, j+1)) {
				j++
				continue
			}
		} else {
			var r rune
			r, n = decodeRuneInString(s[j:])
			if v = hanDigit(r); v >= 0 {
				han = true
			}
		}
		if v < 0 {
			break
		}
		if nd < maxDigits {
			d[nd] = byte('0' + v)
		}
		nd++
		j += n
	}
	return nd, han, j
}

func hanDigitAt(s string, i int) bool {
	r, _ := decodeRuneInString(s[i:])
	return hanDigit(r) >= 0
}

// mixedPhone reads a mobile number written at least partly in Chinese
// numerals (一三八一二三四五六七八, 幺三八 1234 5678) at s[i].
func (x *extractor) mixedPhone(i int) (int, bool) {
	if i < x.noPhone {
		return 0, false
	}
	var d [maxDigits]byte
	nd, han, end := readDigitRun(x.s, i, true, &d)
	if !han || nd != 11 || !mobile(d[:11]) {
		// No position inside the run starts one either: reading it again
		// from each would make the scan quadratic.
		x.noPhone = end
		return 0, false
	}
	x.e.Phones = appendOnce(x.e.Phones, string(d[:11]))
	return end, true
}

// hanNumber reads the Chinese numeral at s[i]: a phone number, or an amount
// followed by 元, 块钱 or 块 (三百元, 两万块, 九块九, 十块), and returns where
// scanning resumes. Without a unit it is no amount: 一手, 三折 and 十万火急
// are words.
func (x *extractor) hanNumber(i int) int {
	if end, ok := x.skipped(i); ok {
		return end
	}
	if end, ok := x.mixedPhone(i); ok {
		return end
	}
	s := x.s
	v, end := parseHanNumber(s, i)
	if end == i {
		_, n := decodeRuneInString(s[i:])
		return i + n
	}
	x.hanPrice(i, v, end)
	return end
}

// hanPrice records the Chinese-numeral amount v written at s[i:end] when a
// unit follows.
func (x *extractor) hanPrice(i int, v float64, end int) {
	s := x.s
	var u string
	switch {
	case strings.HasPrefix(s[end:], "元"):
		u = "元"
	case strings.HasPrefix(s[end:], "块钱"):
		u = "块钱"
	case strings.HasPrefix(s[end:], "块"):
		u = "块"
		if r, n := decodeRuneInString(s[end+len(u):]); hanDigit(r) >= 0 {
			v += float64(hanDigit(r)) / 10 // 九块九
			u = s[end : end+len(u)+n]
		} else if v < 10 {
			return // 一块 is mostly "together" or "one piece"
		}
	default:
		return
	}
	x.e.Prices = append(x.e.Prices, Amount{Value: v, Currency: "CNY", Text: s[i : end+len(u)]})
	x.claim(i, end+len(u))
}

// parseHanNumber reads a Chinese numeral at s[i]: digit numerals read
// positionally (九九 = 99) or with the units 十百千万 (三千五百 = 3500,
// 二十 = 20, colloquial 三百五 = 350, 一万五 = 15000). It returns the value
// and the end of the numeral, i when there is none.
func parseHanNumber(s string, i int) (float64, int) {
	var total, section, digit float64
	positional := 0.0
	lastUnit := 0.0 // the unit before a trailing digit
	units := false
	j := i
	digitPending := false
	for j < len(s) && s[j] >= utf8.RuneSelf {
		r, n := decodeRuneInString(s[j:])
		if d := hanDigit(r); d >= 0 {
			if digitPending {
				positional = positional*10 + float64(d)
			} else {
				positional = float64(d)
			}
			digit = float64(d)
			digitPending = true
			j += n
			continue
		}
		var unit float64
		switch r {
		case '十', '拾':
			unit = 10
		case '百', '佰':
			unit = 100
		case '千', '仟':
			unit = 1000
		case '万':
			unit = 1e4
		}
		if unit == 0 || j == i && unit != 10 {
			break
		}
		units = true
		if unit == 1e4 {
			total = (total + section + digit) * 1e4
			section, digit = 0, 0
		} else {
			if !digitPending && unit == 10 {
				digit = 1 // 十五 = 15
			}
			section += digit * unit
			digit = 0
		}
		lastUnit = unit
		digitPending = false
		j += n
	}
	if !units {
		return positional, j
	}
	if digitPending && lastUnit >= 100 {
		digit *= lastUnit / 10 // 三百五 = 350, 一万五 = 15000
	}
	return total + section + digit, j
}

// hanPercent reads 百分之 and the number after it (百分之三十, 百分之30).
func (x *extractor) hanPercent(i int) int {
	s := x.s
	j := i + len("百分之")
	var v float64
	end := j
	if j < len(s) && isDigitByte(s[j]) {
		for end < len(s) && (isDigitByte(s[end]) || s[end] == '.' && end+1 < len(s) && isDigitByte(s[end+1])) {
			end++
		}
		v = parseDecimal(s[j:end])
	} else {
		v, end = parseHanNumber(s, j)
	}
	if end == j {
		return j
	}
	x.e.Percents = append(x.e.Percents, v)
	if !discountNear(s, i, end) {
		x.claim(i, end)
	}
	return end
}

// parseDecimal returns the value of digits with an optional decimal point;
// ',' is read as a thousands separator. It is exact for up to 18
// significant digits.
func parseDecimal(s string) float64 {
	var mant uint64
	var scale float64 = 1
	digits, frac := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigitByte(c):
			if digits < 18 {
				mant = mant*10 + uint64(c-'0')
				digits++
				if frac {
					scale *= 10
				}
			} else if !frac {
				scale /= 10 // keep the magnitude of huge integers
			}
		case c == '.':
			frac = true
		}
	}
	return float64(mant) / scale
}

// returnWords make a nearby percentage or amount a return claim.
var (
	returnWordsZH = []string{"收益", "回报", "利润", "利息", "年化", "日化", "月化", "分红", "返利", "返现", "盈利", "获利", "赚", "日入", "月入", "年入", "周入", "收入", "回本", "翻倍", "提成", "佣金", "利率"}
	returnWordsEN = []string{"return", "returns", "roi", "profit", "profits", "yield", "yields", "interest", "income", "earn", "earns", "earning", "earnings", "gain", "gains", "payout", "payouts", "dividend", "dividends", "apy", "apr"}
	discountWords = []string{"折扣", "优惠", "打折", "减", "立减", "off", "discount", "sale"}
)

// claimWindow is how many bytes before and after a number are searched for
// a return word: six Han characters before, a few English words after.
const (
	claimBefore = 18
	claimAfter  = 24
)

// claim sets ReturnClaim when a return word is near the number at
// s[start:end].
func (x *extractor) claim(start, end int) {
	if x.e.ReturnClaim || x.checks >= maxClaimChecks {
		return
	}
	x.checks++
	before, after := window(x.s, start, end)
	x.e.ReturnClaim = hasWord(before, returnWordsZH, returnWordsEN) || hasWord(after, returnWordsZH, returnWordsEN)
}

// discountNear reports whether the percentage at s[start:end] reads as a
// discount (30% off, 优惠20%).
func discountNear(s string, start, end int) bool {
	before, after := window(s, start, end)
	return hasWord(before, discountWords, nil) || hasWord(after, discountWords, nil)
}

// window returns up to claimBefore bytes before start and claimAfter bytes
// after end, cut at rune boundaries.
func window(s string, start, end int) (before, after string) {
	b := max(0, start-claimBefore)
	for b < start && !utf8.RuneStart(s[b]) {
		b++
	}
	a := min(len(s), end+claimAfter)
	for a > end && a < len(s) && !utf8.RuneStart(s[a]) {
		a--
	}
	return s[b:start], s[end:a]
}

// hasWord reports whether w contains one of zh (anywhere) or of en (as a
// whole word).
func hasWord(w string, zh, en []string) bool {
	for _, k := range zh {
		if k[0] < utf8.RuneSelf {
			if wholeWord(w, k) {
				return true
			}
		} else if strings.Contains(w, k) {
			return true
		}
	}
	for _, k := range en {
		if wholeWord(w, k) {
			return true
		}
	}
	return false
}

// wholeWord reports whether w contains k with no ASCII letter on either
// side.
func wholeWord(w, k string) bool {
	for from := 0; ; {
		i := strings.Index(w[from:], k)
		if i < 0 {
			return false
		}
		i += from
		e := i + len(k)
		if (i == 0 || !isASCIILetter(w[i-1])) && (e == len(w) || !isASCIILetter(w[e])) {
			return true
		}
		from = i + 1
	}
}

// hashtag reads the hashtag at the '#' s[i]: #话题# (a closing '#' within
// maxTagRunes runes, no space between) or #tag (letters, digits, '_' and
// Han characters after a '#' that does not follow a letter or digit).
// All-digit tags (#1) are not topics.
func (x *extractor) hashtag(i int) int {
	if end, ok := x.skipped(i); ok {
		return end
	}
	s := x.s
	j, runes := i+1, 0
	for j < len(s) && s[j] != '#' && s[j] != ' ' && runes < maxTagRunes {
		_, n := decodeRuneInString(s[j:])
		j += n
		runes++
	}
	if j < len(s) && s[j] == '#' && j > i+1 && !allDigits(s[i+1:j]) {
		x.e.Hashtags = append(x.e.Hashtags, s[i+1:j])
		return j + 1
	}
	k := i + 1
	for k < len(s) {
		if c := s[k]; c < utf8.RuneSelf {
			if !isASCIIAlnum(c) && c != '_' {
				break
			}
			k++
			continue
		}
		r, n := decodeRuneInString(s[k:])
		if r == utf8.RuneError || !isHan(r) && !wordRune(r) {
			break
		}
		k += n
	}
	if k > i+1 && !allDigits(s[i+1:k]) && (i == 0 || !isASCIIAlnum(s[i-1]) && s[i-1] != '&') {
		x.e.Hashtags = append(x.e.Hashtags, s[i+1:k])
	}
	return max(k, i+1)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigitByte(s[i]) {
			return false
		}
	}
	return true
}

// appendOnce appends v to list unless it is there already.
func appendOnce(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// digitAt reports whether s[i] is an ASCII digit.
func digitAt(s string, i int) bool { return i < len(s) && isDigitByte(s[i]) }

// wordByteAt reports whether s[i] is an ASCII letter or digit.
func wordByteAt(s string, i int) bool { return i < len(s) && isASCIIAlnum(s[i]) }
