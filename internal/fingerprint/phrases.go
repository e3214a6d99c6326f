package fingerprint

// Openers and greetings. Phrases are written as they appear in a skeleton:
// lower case, no spaces or punctuation, '#' for a masked number.

// openerList are cut from the start of a skeleton (repeatedly, longest
// first): day counters and dates that change from post to post, and stock
// openers brushers rotate ("今日上新", "good morning").
var openerList = []string{
	// Counters and dates. A bare number is kept: it may be a price or a
	// phone moved to the front.
	"day#", "days#", "no#", "week#", "batch#", "vol#", "ep#",
	"第#天", "第#期", "第#批", "第#弹", "第#波", "第#次", "第#单", "第#周", "第#篇",
	"打卡第#天", "打卡#天", "打卡day#", "坚持第#天", "坚持打卡第#天", "连续#天", "day#打卡",
	"#月#日", "#月#号", "#年#月#日", "#年#月#号", "#月#", "#日", "#号", "#月份",
	"jan#", "feb#", "mar#", "apr#", "may#", "jun#", "jul#", "aug#", "sep#", "sept#", "oct#", "nov#", "dec#",
	"january#", "february#", "march#", "april#", "june#", "july#", "august#", "september#",
	"october#", "november#", "december#",
	// Greetings.
	"早安", "早上好", "上午好", "中午好", "午安", "下午好", "晚上好", "晚安", "大家好", "哈喽",
	"goodmorning", "morning", "goodafternoon", "goodevening", "goodnight", "helloeveryone", "hello",
	// Ad openers.
	"今日上新", "上新啦", "上新了", "上新", "新品上市", "新品上架", "新品到货", "新货到", "到货啦", "到货了",
	"今日特价", "限时特价", "今日推荐", "转发", "补货啦", "补货",
	"newin", "newarrival", "newarrivals", "todayonly", "restock", "restockalert", "restocked",
	"backinstock", "justin", "hotsale",
}

// greetingList are the words of stock greetings: a skeleton made only of
// them ("早安", "早上好今天也要加油鸭", "goodmorningeveryone", "新年快乐万事如意")
// is trivial, never a copy, however often it is posted.
var greetingList = []string{
	// Chinese greetings and wishes.
	"早", "早安", "早上好", "上午好", "中午好", "午安", "下午好", "晚上好", "晚安", "好梦", "安",
	"大家好", "你好", "您好", "哈喽", "嗨", "各位", "大家", "朋友们", "亲们", "亲爱的", "家人们", "宝宝们",
	"周末", "愉快", "快乐", "开心", "幸福", "平安", "健康", "顺利", "好运", "美好", "安康", "吉祥", "如意",
	"周一", "周二", "周三", "周四", "周五", "周六", "周日", "周天",
	"星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日", "星期天",
	"今天", "今日", "明天", "新的一天", "美好的一天", "每一天", "每天", "天天", "一天",
	"也要", "都要", "一定要", "要", "也", "继续", "一起", "加油", "努力", "奋斗", "元气满满", "满满",
	"打卡", "早起", "早睡",
	"新年", "新春", "春节", "元旦", "元宵", "元宵节", "中秋", "中秋节", "国庆", "国庆节", "端午", "端午节",
	"七夕", "圣诞", "圣诞节", "平安夜", "除夕", "母亲节", "父亲节", "教师节", "生日", "节日", "重阳节",
	"劳动节", "五一", "妇女节", "儿童节", "情人节", "感恩节", "冬至", "小年", "节",
	"万事如意", "身体健康", "阖家幸福", "阖家欢乐", "合家欢乐", "心想事成", "恭喜发财", "吉祥如意",
	"大吉大利", "岁岁平安", "工作顺利", "学业进步", "万事顺意", "新年好", "过年好",
	"祝", "祝大家", "祝你", "祝您", "祝福", "祝愿", "感恩", "谢谢", "谢谢大家", "感谢",
	"鸭", "呀", "哦", "噢", "啊", "吧", "哈", "哈哈", "啦", "了", "的", "呢", "嘛", "哟", "喔", "嘿", "哇",
	// English greetings and wishes.
	"good", "morning", "afternoon", "evening", "night", "day", "everyone", "everybody", "all", "gm", "gn",
	"hello", "hi", "hey", "there", "friends", "folks", "guys", "happy", "merry", "new", "year", "christmas",
	"xmas", "easter", "thanksgiving", "halloween", "holidays", "holiday", "weekend", "week",
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
	"have", "a", "nice", "great", "wonderful", "lovely", "sweet", "dreams", "birthday", "bday",
	"thank", "thanks", "you", "love", "and", "to", "my", "dear", "wishing", "wish", "tgif", "cheers",
	"rise", "shine", "lunar", "mid", "autumn", "festival", "mothers", "fathers", "valentines", "of",
	"the", "from", "us", "blessed", "be", "safe", "rest", "today",
}

// phraseStep adds rune r to the hash h of a phrase: phrases are looked
// up by the hash of their runes, computed as the skeleton is walked.
func phraseStep(h uint64, r rune) uint64 { return (h ^ uint64(r)) * 0x100000001b3 }

// phrases is a set of phrases looked up by rune hash.
type phrases struct {
	// first is a filter of the phrases' first runes: bit firstBit(r) is
	// set for each.
	first  [firstBits / 64]uint64
	set    map[uint64]struct{}
	maxLen int // longest phrase, in runes
}

func newPhrases(list []string) *phrases {
	p := &phrases{set: make(map[uint64]struct{}, len(list))}
	for _, s := range list {
		rs := []rune(s)
		for i, r := range rs {
			if r == '#' {
				rs[i] = phMask
			}
		}
		h := uint64(0)
		for _, r := range rs {
			h = phraseStep(h, r)
		}
		p.set[h] = struct{}{}
		b := firstBit(rs[0])
		p.first[b/64] |= 1 << (b % 64)
		p.maxLen = max(p.maxLen, len(rs))
	}
	return p
}

const firstBits = 4096

func firstBit(r rune) uint32 { return uint32(r) * 0x9e3779b1 >> 20 }

// mayStart reports whether a phrase may start with r.
func (p *phrases) mayStart(r rune) bool {
	b := firstBit(r)
	return p.first[b/64]&(1<<(b%64)) != 0
}

// Built once; read-only afterwards.
var (
	openers   = newPhrases(openerList)
	greetings = newPhrases(append([]string{"#"}, greetingList...))
)

// longestPrefix returns the length of the longest phrase of p that s starts
// with, or 0.
func (p *phrases) longestPrefix(s []rune) int {
	if len(s) == 0 || !p.mayStart(s[0]) {
		return 0
	}
	best, h := 0, uint64(0)
	for j := 0; j < len(s) && j < p.maxLen; j++ {
		h = phraseStep(h, s[j])
		if _, ok := p.set[h]; ok {
			best = j + 1
		}
	}
	return best
}

// maxGreetingRunes bounds the skeletons checked for being all greeting.
const maxGreetingRunes = 40

// covers reports whether s is a concatenation of phrases of p (s at most
// maxGreetingRunes runes).
func (p *phrases) covers(s []rune) bool {
	if len(s) > maxGreetingRunes {
		return false
	}
	var reach [maxGreetingRunes + 1]bool
	reach[0] = true
	for i := 0; i < len(s); i++ {
		if !reach[i] {
			continue
		}
		if !p.mayStart(s[i]) {
			continue
		}
		h := uint64(0)
		for j := i; j < len(s) && j-i < p.maxLen; j++ {
			h = phraseStep(h, s[j])
			if _, ok := p.set[h]; ok {
				reach[j+1] = true
			}
		}
	}
	return reach[len(s)]
}

// cutOpeners returns s without the openers at its start.
func cutOpeners(s []rune) []rune {
	for range maxPrefixCuts {
		n := openers.longestPrefix(s)
		if n == 0 {
			break
		}
		s = s[n:]
	}
	return s
}
