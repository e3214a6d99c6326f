package classifiers

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tag marks keywords that take part in a combination (see scanPhrases).
type tag uint8

const (
	tagPayFirst tag = 1 << iota // 先付款, "pay first"
	tagDeposit                  // 定金, "pay a deposit": also usual for honest pre-orders
	tagShip                     // 发货, "ship"
	tagPrize                    // 中奖, "you have won"
	tagFee                      // 手续费, "processing fee"
)

// numTags is the number of tag bits.
const numTags = 5

// need is a condition on the text right after a keyword.
type need uint8

const (
	_ need = iota // the zero value: no condition
	// needNumber: an amount follows (日入500, 月入过万, 日赚几百); without it
	// 日入 would match 今日入住 and 月入 三月入职.
	needNumber
	// needPercent: a percentage follows within a few words (回报率高达30%)
	// or comes right before (300% roi); the evidence then includes it.
	needPercent
)

// keyword is one entry of the phrase table. A keyword with weight 0 only
// contributes its tags.
type keyword struct {
	text   string
	slot   slot
	weight float64
	tags   tag
	need   need
}

// keywordTable is the built-in phrase list, in matching form (lower case,
// NFKC, single spaces). English entries match whole words only.
var keywordTable = []keyword{
	// Sales.
	{text: "代购", slot: slotSales, weight: 0.45},
	{text: "正品", slot: slotSales, weight: 0.35},
	{text: "批发", slot: slotSales, weight: 0.45},
	{text: "下单", slot: slotSales, weight: 0.4},
	{text: "私聊", slot: slotSales, weight: 0.35},
	{text: "私信", slot: slotSales, weight: 0.3},
	{text: "私我", slot: slotSales, weight: 0.4},
	{text: "咨询", slot: slotSales, weight: 0.3},
	{text: "欢迎咨询", slot: slotSales, weight: 0.45},
	{text: "优惠", slot: slotSales, weight: 0.3},
	{text: "限时", slot: slotSales, weight: 0.3},
	{text: "秒杀", slot: slotSales, weight: 0.4},
	{text: "团购", slot: slotSales, weight: 0.35},
	{text: "现货", slot: slotSales, weight: 0.45},
	{text: "货源", slot: slotSales, weight: 0.45},
	{text: "一手货源", slot: slotSales, weight: 0.55},
	{text: "厂家直销", slot: slotSales, weight: 0.55},
	{text: "一件代发", slot: slotSales, weight: 0.5},
	{text: "微商", slot: slotSales, weight: 0.5},
	{text: "有意者", slot: slotSales, weight: 0.45},
	{text: "量大从优", slot: slotSales, weight: 0.55},
	{text: "支持验货", slot: slotSales, weight: 0.45},
	{text: "假一赔十", slot: slotSales, weight: 0.55},
	{text: "高仿", slot: slotSales, weight: 0.45},
	{text: "出厂价", slot: slotSales, weight: 0.45},
	{text: "工厂价", slot: slotSales, weight: 0.45},
	{text: "清仓", slot: slotSales, weight: 0.4},
	{text: "甩卖", slot: slotSales, weight: 0.45},
	{text: "促销", slot: slotSales, weight: 0.35},
	{text: "抢购", slot: slotSales, weight: 0.35},
	{text: "拍下", slot: slotSales, weight: 0.35},
	{text: "接单", slot: slotSales, weight: 0.35},
	{text: "欢迎选购", slot: slotSales, weight: 0.45},
	{text: "欢迎订购", slot: slotSales, weight: 0.45},
	{text: "滴滴我", slot: slotSales, weight: 0.35},
	{text: "手慢无", slot: slotSales, weight: 0.35},
	{text: "名额有限", slot: slotSales, weight: 0.35},
	{text: "出货", slot: slotSales, weight: 0.35},
	{text: "dm me", slot: slotSales, weight: 0.4},
	{text: "dm for price", slot: slotSales, weight: 0.5},
	{text: "dm to order", slot: slotSales, weight: 0.5},
	{text: "pm me", slot: slotSales, weight: 0.35},
	{text: "inbox me", slot: slotSales, weight: 0.4},
	{text: "order now", slot: slotSales, weight: 0.45},
	{text: "buy now", slot: slotSales, weight: 0.4},
	{text: "shop now", slot: slotSales, weight: 0.4},
	{text: "limited offer", slot: slotSales, weight: 0.4},
	{text: "limited time offer", slot: slotSales, weight: 0.45},
	{text: "limited stock", slot: slotSales, weight: 0.4},
	{text: "free shipping", slot: slotSales, weight: 0.35},
	{text: "wholesale", slot: slotSales, weight: 0.45},
	{text: "in stock", slot: slotSales, weight: 0.3},
	{text: "promo code", slot: slotSales, weight: 0.4},
	{text: "discount code", slot: slotSales, weight: 0.4},
	{text: "for sale", slot: slotSales, weight: 0.4},
	{text: "best price", slot: slotSales, weight: 0.4},
	{text: "price list", slot: slotSales, weight: 0.35},
	{text: "link in bio", slot: slotSales, weight: 0.4},
	{text: "100% authentic", slot: slotSales, weight: 0.4},
	{text: "cash on delivery", slot: slotSales, weight: 0.45},
	{text: "flash sale", slot: slotSales, weight: 0.45},
	{text: "clearance sale", slot: slotSales, weight: 0.45},
	{text: "add to cart", slot: slotSales, weight: 0.35},
	{text: "dropshipping", slot: slotSales, weight: 0.45},
	{text: "drop shipping", slot: slotSales, weight: 0.45},

	// Price words; amounts are found by textnorm.Extract.
	{text: "包邮", slot: slotPrice, weight: 0.3},
	{text: "特价", slot: slotPrice, weight: 0.3},
	{text: "打折", slot: slotPrice, weight: 0.3},
	{text: "折扣", slot: slotPrice, weight: 0.25},
	{text: "原价", slot: slotPrice, weight: 0.3},
	{text: "售价", slot: slotPrice, weight: 0.3},
	{text: "半价", slot: slotPrice, weight: 0.3},
	{text: "现价", slot: slotPrice, weight: 0.3},
	{text: "低价", slot: slotPrice, weight: 0.3},
	{text: "三折", slot: slotPrice, weight: 0.3},
	{text: "五折", slot: slotPrice, weight: 0.3},
	{text: "六折", slot: slotPrice, weight: 0.3},
	{text: "七折", slot: slotPrice, weight: 0.3},
	{text: "八折", slot: slotPrice, weight: 0.3},
	{text: "九折", slot: slotPrice, weight: 0.3},
	// Discounts in digits: 8折, 8.5折 (read as 5折).
	{text: "1折", slot: slotPrice, weight: 0.3},
	{text: "2折", slot: slotPrice, weight: 0.3},
	{text: "3折", slot: slotPrice, weight: 0.3},
	{text: "4折", slot: slotPrice, weight: 0.3},
	{text: "5折", slot: slotPrice, weight: 0.3},
	{text: "6折", slot: slotPrice, weight: 0.3},
	{text: "7折", slot: slotPrice, weight: 0.3},
	{text: "8折", slot: slotPrice, weight: 0.3},
	{text: "9折", slot: slotPrice, weight: 0.3},
	{text: "half price", slot: slotPrice, weight: 0.3},
	{text: "% off", slot: slotPrice, weight: 0.3},
	{text: "per piece", slot: slotPrice, weight: 0.3},

	// MLM / recruitment.
	{text: "招代理", slot: slotMLM, weight: 0.7},
	{text: "诚招", slot: slotMLM, weight: 0.6},
	{text: "一级代理", slot: slotMLM, weight: 0.7},
	{text: "总代理", slot: slotMLM, weight: 0.5},
	{text: "代理", slot: slotMLM, weight: 0.3},
	{text: "零门槛", slot: slotMLM, weight: 0.65},
	{text: "零投资", slot: slotMLM, weight: 0.6},
	{text: "零成本", slot: slotMLM, weight: 0.5},
	{text: "无门槛", slot: slotMLM, weight: 0.45},
	{text: "无需囤货", slot: slotMLM, weight: 0.6},
	{text: "不压货", slot: slotMLM, weight: 0.5},
	{text: "不囤货", slot: slotMLM, weight: 0.5},
	{text: "一部手机就能", slot: slotMLM, weight: 0.5},
	{text: "宝妈", slot: slotMLM, weight: 0.2},
	{text: "兼职", slot: slotMLM, weight: 0.25},
	{text: "在家赚钱", slot: slotMLM, weight: 0.55},
	{text: "在家就能赚", slot: slotMLM, weight: 0.55},
	{text: "躺赚", slot: slotMLM, weight: 0.55},
	{text: "下级", slot: slotMLM, weight: 0.3},
	{text: "下线", slot: slotMLM, weight: 0.3},
	{text: "团队", slot: slotMLM, weight: 0.2},
	{text: "带你赚钱", slot: slotMLM, weight: 0.6},
	{text: "带你赚", slot: slotMLM, weight: 0.55},
	{text: "月入过万", slot: slotMLM, weight: 0.6},
	{text: "月入", slot: slotMLM, weight: 0.4, need: needNumber},
	{text: "日入", slot: slotMLM, weight: 0.45, need: needNumber},
	{text: "时间自由", slot: slotMLM, weight: 0.35},
	{text: "招商", slot: slotMLM, weight: 0.4},
	{text: "加盟", slot: slotMLM, weight: 0.4},
	{text: "副业", slot: slotMLM, weight: 0.3},
	{text: "招募", slot: slotMLM, weight: 0.3},
	{text: "拉人头", slot: slotMLM, weight: 0.6},
	{text: "手机就能赚", slot: slotMLM, weight: 0.55},
	{text: "轻松赚", slot: slotMLM, weight: 0.45},
	{text: "自己当老板", slot: slotMLM, weight: 0.55},
	{text: "be your own boss", slot: slotMLM, weight: 0.65},
	{text: "join my team", slot: slotMLM, weight: 0.6},
	{text: "join our team", slot: slotMLM, weight: 0.4},
	{text: "work from home", slot: slotMLM, weight: 0.4},
	{text: "passive income", slot: slotMLM, weight: 0.5},
	{text: "residual income", slot: slotMLM, weight: 0.5},
	{text: "extra income", slot: slotMLM, weight: 0.35},
	{text: "first-level agent", slot: slotMLM, weight: 0.65},
	{text: "first level agent", slot: slotMLM, weight: 0.65},
	{text: "downline", slot: slotMLM, weight: 0.6},
	{text: "downlines", slot: slotMLM, weight: 0.6},
	{text: "upline", slot: slotMLM, weight: 0.5},
	{text: "financial freedom", slot: slotMLM, weight: 0.45},
	{text: "side hustle", slot: slotMLM, weight: 0.35},
	{text: "boss babe", slot: slotMLM, weight: 0.5},
	{text: "agents wanted", slot: slotMLM, weight: 0.6},
	{text: "looking for agents", slot: slotMLM, weight: 0.6},
	{text: "recruiting agents", slot: slotMLM, weight: 0.6},
	{text: "earn from home", slot: slotMLM, weight: 0.5},
	{text: "make money from home", slot: slotMLM, weight: 0.55},
	{text: "make money online", slot: slotMLM, weight: 0.5},
	{text: "zero investment", slot: slotMLM, weight: 0.6},
	{text: "no experience needed", slot: slotMLM, weight: 0.35},
	// Hashtag spellings.
	{text: "bossbabe", slot: slotMLM, weight: 0.5},
	{text: "beyourownboss", slot: slotMLM, weight: 0.6},
	{text: "passiveincome", slot: slotMLM, weight: 0.5},
	{text: "workfromhome", slot: slotMLM, weight: 0.4},
	{text: "sidehustle", slot: slotMLM, weight: 0.35},
	{text: "makemoneyonline", slot: slotMLM, weight: 0.5},

	// Fraud.
	{text: "稳赚不赔", slot: slotFraud, weight: 0.8},
	{text: "稳赚", slot: slotFraud, weight: 0.65},
	{text: "包赚", slot: slotFraud, weight: 0.6},
	{text: "保本", slot: slotFraud, weight: 0.55},
	{text: "保本保息", slot: slotFraud, weight: 0.7},
	{text: "高回报", slot: slotFraud, weight: 0.6},
	{text: "高收益", slot: slotFraud, weight: 0.5},
	{text: "日赚", slot: slotFraud, weight: 0.55, need: needNumber},
	{text: "回报率", slot: slotFraud, weight: 0.6, need: needPercent},
	{text: "收益率", slot: slotFraud, weight: 0.55, need: needPercent},
	{text: "年化", slot: slotFraud, weight: 0.5, need: needPercent},
	{text: "刷单", slot: slotFraud, weight: 0.7},
	{text: "跑分", slot: slotFraud, weight: 0.6},
	{text: "内部消息", slot: slotFraud, weight: 0.55},
	{text: "内幕消息", slot: slotFraud, weight: 0.55},
	{text: "带单", slot: slotFraud, weight: 0.6},
	{text: "无风险", slot: slotFraud, weight: 0.5},
	{text: "零风险", slot: slotFraud, weight: 0.55},
	{text: "中奖", slot: slotFraud, weight: 0.4, tags: tagPrize},
	{text: "领奖", slot: slotFraud, weight: 0.5, tags: tagPrize},
	{text: "手续费", slot: slotFraud, weight: 0.3, tags: tagFee},
	{text: "保证金", slot: slotFraud, weight: 0.4, tags: tagFee},
	{text: "运费", slot: slotFraud, tags: tagFee},
	{text: "先付款", slot: slotFraud, weight: 0.45, tags: tagPayFirst},
	{text: "先转账", slot: slotFraud, weight: 0.5, tags: tagPayFirst},
	{text: "先付", slot: slotFraud, tags: tagDeposit},
	{text: "预付", slot: slotFraud, tags: tagDeposit},
	{text: "定金", slot: slotFraud, weight: 0.25, tags: tagDeposit},
	{text: "发货", slot: slotFraud, tags: tagShip},
	{text: "guaranteed returns", slot: slotFraud, weight: 0.75},
	{text: "guaranteed return", slot: slotFraud, weight: 0.75},
	{text: "guaranteed profit", slot: slotFraud, weight: 0.75},
	{text: "guaranteed profits", slot: slotFraud, weight: 0.75},
	{text: "risk-free", slot: slotFraud, weight: 0.5},
	{text: "risk free", slot: slotFraud, weight: 0.5},
	{text: "no risk", slot: slotFraud, weight: 0.45},
	{text: "double your money", slot: slotFraud, weight: 0.75},
	{text: "high returns", slot: slotFraud, weight: 0.55},
	{text: "daily profit", slot: slotFraud, weight: 0.55},
	{text: "daily returns", slot: slotFraud, weight: 0.55},
	{text: "returns of", slot: slotFraud, weight: 0.55, need: needPercent},
	{text: "roi", slot: slotFraud, weight: 0.5, need: needPercent},
	{text: "insider information", slot: slotFraud, weight: 0.55},
	{text: "insider tips", slot: slotFraud, weight: 0.5},
	{text: "investment opportunity", slot: slotFraud, weight: 0.4},
	{text: "crypto signals", slot: slotFraud, weight: 0.5},
	{text: "trading signals", slot: slotFraud, weight: 0.45},
	{text: "you have won", slot: slotFraud, weight: 0.7, tags: tagPrize},
	{text: "you've won", slot: slotFraud, weight: 0.7, tags: tagPrize},
	{text: "you\u2019ve won", slot: slotFraud, weight: 0.7, tags: tagPrize},
	{text: "you won", slot: slotFraud, tags: tagPrize},
	{text: "claim your prize", slot: slotFraud, weight: 0.75, tags: tagPrize},
	{text: "claim your reward", slot: slotFraud, weight: 0.7, tags: tagPrize},
	{text: "processing fee", slot: slotFraud, weight: 0.5, tags: tagFee},
	{text: "handling fee", slot: slotFraud, tags: tagFee},
	{text: "shipping fee", slot: slotFraud, tags: tagFee},
	{text: "send a deposit", slot: slotFraud, weight: 0.6, tags: tagPayFirst},
	{text: "pay a deposit", slot: slotFraud, weight: 0.45, tags: tagDeposit},
	{text: "deposit first", slot: slotFraud, weight: 0.55, tags: tagPayFirst},
	{text: "pay first", slot: slotFraud, weight: 0.45, tags: tagPayFirst},
	{text: "payment first", slot: slotFraud, weight: 0.45, tags: tagPayFirst},
	{text: "ship", slot: slotFraud, tags: tagShip},
	{text: "shipped", slot: slotFraud, tags: tagShip},
	{text: "shipping", slot: slotFraud, tags: tagShip},
}

// matcher finds every keyword occurrence in one pass over the runes of a
// text: candidates are looked up by first rune (an array for ASCII, a
// bitset-guarded map otherwise) and confirmed with a prefix comparison.
type matcher struct {
	kws   []keyword
	latin []bool // kws[i] starts with an ASCII byte: whole words only
	ascii [utf8.RuneSelf][]uint16
	first map[rune][]uint16
	bmp   [0x10000 / 64]uint64 // first runes < U+10000 present in first
}

var phrases = newMatcher(keywordTable)

func newMatcher(kws []keyword) *matcher {
	m := &matcher{kws: kws, latin: make([]bool, len(kws)), first: make(map[rune][]uint16)}
	for i, k := range kws {
		r, _ := utf8.DecodeRuneInString(k.text)
		if r < utf8.RuneSelf {
			m.latin[i] = true
			m.ascii[r] = append(m.ascii[r], uint16(i))
			continue
		}
		m.first[r] = append(m.first[r], uint16(i))
		if r < 0x10000 {
			m.bmp[r>>6] |= 1 << (r & 63)
		}
	}
	return m
}

// scanPhrases offers every phrase-table match in s, then the combinations:
// pay-first with a shipping promise, and a prize with a fee.
func scanPhrases(f *findings, s string) {
	var tags tag
	var tagText [numTags]string
	m := phrases
	for i := 0; i < len(s); {
		c := s[i]
		n := 1
		var cands []uint16
		if c < utf8.RuneSelf {
			if cands = m.ascii[c]; cands != nil && isWordByte(c) && wordBefore(s, i) {
				cands = nil // inside a word: no English keyword starts here
			}
		} else {
			var r rune
			r, n = utf8.DecodeRuneInString(s[i:])
			if r < 0x10000 && m.bmp[r>>6]&(1<<(r&63)) == 0 {
				cands = nil
			} else {
				cands = m.first[r]
			}
		}
		for _, k := range cands {
			kw := &m.kws[k]
			if !strings.HasPrefix(s[i:], kw.text) {
				continue
			}
			end := i + len(kw.text)
			if m.latin[k] && isWordByte(kw.text[len(kw.text)-1]) && wordAt(s, end) {
				continue
			}
			evStart, evEnd := i, end
			switch kw.need {
			case needNumber:
				if !numberAt(s[end:]) {
					continue
				}
			case needPercent:
				if p := percentWithin(s[end:]); p >= 0 {
					evEnd = end + p
				} else if p := percentBefore(s[:i]); p >= 0 {
					evStart = p
				} else {
					continue
				}
			}
			if kw.tags != 0 {
				for t := range numTags {
					if kw.tags&(1<<t) != 0 && tags&(1<<t) == 0 {
						tagText[t] = kw.text
					}
				}
				tags |= kw.tags
			}
			if kw.weight > 0 {
				f.offer(kw.slot, kw.weight, s[evStart:evEnd])
			}
		}
		i += n
	}
	switch {
	case tags&(tagPayFirst|tagShip) == tagPayFirst|tagShip && f.wants(slotFraud, weightPayShip):
		f.offer(slotFraud, weightPayShip, tagText[0]+"+"+tagText[2])
	case tags&(tagDeposit|tagShip) == tagDeposit|tagShip && f.wants(slotFraud, weightDepositShip):
		f.offer(slotFraud, weightDepositShip, tagText[1]+"+"+tagText[2])
	}
	if tags&(tagPrize|tagFee) == tagPrize|tagFee && f.wants(slotFraud, weightPrizeFee) {
		f.offer(slotFraud, weightPrizeFee, tagText[3]+"+"+tagText[4])
	}
}

// numberAt reports whether s starts (after at most one space) with an amount:
// a digit or a Chinese numeral, or 过/上 as in 月入过万.
func numberAt(s string) bool {
	s = strings.TrimPrefix(s, " ")
	if s == "" {
		return false
	}
	if isDigit(s[0]) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	return strings.ContainsRune("一二两三四五六七八九十百千万几过上", r)
}

// percentWithin returns the end of the first percentage ("30%", "百分之")
// within the next 24 bytes of s, or -1.
func percentWithin(s string) int {
	limit := min(len(s), 24)
	for i := 0; i < limit; i++ {
		if s[i] == '%' && i > 0 && isDigit(s[i-1]) {
			return i + 1
		}
	}
	if i := strings.Index(s[:limit], "百分之"); i >= 0 {
		return i + len("百分之")
	}
	return -1
}

// percentBefore returns the start of a percentage ("300%", "300% ") ending
// right before the end of s, or -1.
func percentBefore(s string) int {
	s = strings.TrimSuffix(s, " ")
	if !strings.HasSuffix(s, "%") {
		return -1
	}
	k := len(s) - 1
	for k > 0 && (isDigit(s[k-1]) || s[k-1] == '.') && len(s)-k < 16 {
		k--
	}
	if k == len(s)-1 || !isDigit(s[k]) {
		return -1
	}
	return k
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isWordByte(c byte) bool { return isDigit(c) || isASCIILetter(c) }

// wordBefore reports whether the rune before s[i] continues a Latin-script
// word (ASCII letters and digits, other non-CJK letters, digits and marks).
func wordBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	if c := s[i-1]; c < utf8.RuneSelf {
		return isWordByte(c)
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
	if c := s[i]; c < utf8.RuneSelf {
		return isWordByte(c)
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return wordRune(r)
}

func wordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isWordByte(byte(r))
	}
	if r == utf8.RuneError || unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}
