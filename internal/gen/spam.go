package gen

import (
	"unicode/utf8"

	"github.com/circleguard/circleguard/internal/post"
)

// ad is one product ad: a brusher's own, or a network's shared one. The
// choices that make it "the same ad" are fixed here; every post perturbs it.
type ad struct {
	id       string
	en       bool
	p        *product
	origin   string
	benefits [3]string
	head     int // variant of each line
	body     int
	price    int
	urge     int
	contact  int
	base     int // the usual price
	orig     int // the "original" price it is compared with
	gift     string
	media    [][]post.Media // product photos, reused post after post
	obf      float64        // network-wide obfuscation level (brushers use their own)
	prefixes []string       // the openers this ad's posts use
}

type product struct {
	name     string
	benefits []string
	lo, hi   int
	unit     string
	gifts    []string
	tags     []string
}

var zhProducts = []product{
	{"玻尿酸补水面膜", []string{"补水保湿", "收缩毛孔", "提亮肤色", "孕妇可用", "敏感肌可用"}, 39, 199, "盒", []string{"洁面乳", "面膜小样"}, []string{"#面膜", "#补水", "#护肤"}},
	{"纤体减肥茶", []string{"一周瘦5斤", "不节食不运动", "纯植物配方", "不反弹", "躺着就能瘦"}, 68, 298, "盒", []string{"摇摇杯", "体验装"}, []string{"#减肥", "#瘦身", "#健康"}},
	{"澳洲奶粉代购", []string{"澳洲直邮", "正品保证", "可查物流", "假一赔十", "新鲜日期"}, 168, 328, "罐", []string{"辅食勺", "小样一罐"}, []string{"#奶粉", "#代购", "#宝妈必备"}},
	{"飞天茅台53度", []string{"原箱保真", "可验货", "年份酒", "送礼有面", "厂家直供"}, 1499, 2999, "瓶", []string{"酒杯一对", "礼袋"}, []string{"#茅台", "#白酒", "#送礼"}},
	{"大牌同款包包", []string{"原单品质", "专柜同款", "支持验货", "五金logo清晰", "真皮"}, 299, 1280, "个", []string{"防尘袋", "肩带"}, []string{"#包包", "#大牌", "#时尚"}},
	{"瑞士机械手表", []string{"全自动机芯", "防水五十米", "送礼佳品", "顶级品质", "蓝宝石镜面"}, 598, 3980, "块", []string{"表盒", "备用表带"}, []string{"#手表", "#腕表", "#男士必备"}},
	{"专柜护肤品套装", []string{"美白淡斑", "抗老紧致", "孕妇可用", "专柜同款", "七天见效"}, 199, 899, "套", []string{"化妆棉", "旅行装"}, []string{"#护肤品", "#美白", "#好物推荐"}},
	{"阳澄湖大闸蟹", []string{"公4两母3两", "现捞现发", "顺丰冷链", "不肥包退", "蟹黄饱满"}, 188, 598, "盒", []string{"蟹八件", "姜茶"}, []string{"#大闸蟹", "#阳澄湖", "#美食"}},
	{"智利车厘子", []string{"JJJ级大果", "坏果包赔", "顺丰包邮", "个大甜脆", "产地直发"}, 128, 368, "箱", []string{"水果刀", "一斤砂糖橘"}, []string{"#车厘子", "#水果", "#新鲜"}},
	{"纯正土蜂蜜", []string{"农家自产", "无添加", "假一罚十", "结晶才是真蜜", "老人孩子都能吃"}, 58, 168, "斤", []string{"蜂蜜勺", "玻璃罐"}, []string{"#蜂蜜", "#农产品", "#健康"}},
	{"即食燕窝", []string{"马来西亚直供", "孕妇可吃", "溯源码可查", "一周见效", "滋补养颜"}, 298, 998, "盒", []string{"炖盅", "红枣一包"}, []string{"#燕窝", "#滋补", "#孕期"}},
	{"正品口红", []string{"显白不挑皮", "滋润不拔干", "专柜同款", "送女友必备", "持久不掉色"}, 69, 299, "支", []string{"小样", "礼盒"}, []string{"#口红", "#美妆", "#送礼"}},
}

var enProducts = []product{
	{"collagen drink", []string{"glowing skin in 7 days", "100% natural", "doctor recommended", "no side effects", "anti-aging"}, 39, 129, "box", []string{"shaker", "sample pack"}, []string{"#collagen", "#skincare", "#beauty"}},
	{"slimming tea", []string{"lose 10 lbs in a week", "no diet needed", "all natural", "no rebound", "burns fat while you sleep"}, 29, 89, "pack", []string{"bottle", "trial pack"}, []string{"#weightloss", "#detox", "#health"}},
	{"designer bags", []string{"mirror quality", "same as the boutique", "authenticity card included", "real leather", "all colours"}, 199, 699, "bag", []string{"dust bag", "strap"}, []string{"#bags", "#luxury", "#fashion"}},
	{"Swiss watches", []string{"automatic movement", "sapphire glass", "waterproof", "perfect gift", "top quality"}, 299, 1299, "watch", []string{"watch box", "spare strap"}, []string{"#watches", "#luxury", "#giftideas"}},
	{"skincare set", []string{"anti-aging", "brightening", "dermatologist tested", "for sensitive skin", "results in 7 days"}, 59, 249, "set", []string{"travel kit", "face towel"}, []string{"#skincare", "#glowup", "#beauty"}},
	{"baby formula", []string{"imported from Australia", "100% authentic", "tracked shipping", "best price in town", "fresh dates"}, 39, 69, "can", []string{"spoon", "sample can"}, []string{"#babyformula", "#momlife", "#deals"}},
	{"protein powder", []string{"30g protein per scoop", "zero sugar", "gym tested", "bulk discount", "great taste"}, 29, 79, "tub", []string{"shaker", "sample"}, []string{"#protein", "#gym", "#fitness"}},
	{"AirPods", []string{"original quality", "noise cancelling", "1 year warranty", "sealed box", "fast charging"}, 49, 149, "pair", []string{"case", "cable"}, []string{"#airpods", "#apple", "#deals"}},
	{"sneakers", []string{"1:1 quality", "all sizes", "fast shipping", "original box", "limited colours"}, 79, 259, "pair", []string{"socks", "laces"}, []string{"#sneakers", "#kicks", "#streetwear"}},
}

var (
	zhOrigins = []string{"正品", "进口", "原装", "厂家直销", "工厂直供", "专柜"}
	enOrigins = []string{"Premium", "Original", "Genuine", "Factory-direct", "Authentic"}

	brusherPrefixZh = []string{"Day {n}", "第{n}天", "今日上新", "【今日特价】", "早安☀️", "🔥🔥🔥", "打卡第{n}天", "No.{n}", "{date}", "新品到货", "回馈老客户"}
	brusherPrefixEn = []string{"Day {n}", "NEW IN", "Today only", "Restock alert", "Good morning ☀️", "🔥🔥", "No.{n}", "{date}"}
	networkPrefixZh = []string{"姐妹们看过来", "亲测好用", "我们团队自用款", "转发", "老板说今天最后一天", "又卖爆了", "第{n}批到货", "{date}"}
	networkPrefixEn = []string{"Sisters look", "Tried and tested", "Sharing from my team", "Last day of the promo", "Sold out again", "Batch {n} is in"}

	adTagsZh = []string{"#好物分享", "#正品保证", "#朋友圈好物", "#限时特价", "#包邮"}
	adTagsEn = []string{"#sale", "#deal", "#shopnow", "#original", "#freeshipping"}

	zhNumerals = [2][10]string{
		{"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"},
		{"零", "幺", "二", "三", "四", "五", "六", "拐", "八", "九"},
	}
)

// newAd builds an ad for product p.
func (g *Generator) newAd(id string, en bool) *ad {
	ps := zhProducts
	if en {
		ps = enProducts
	}
	p := &ps[g.r.intn(len(ps))]
	a := &ad{id: id, en: en, p: p}
	if en {
		a.origin = g.r.pick(enOrigins)
	} else {
		a.origin = g.r.pick(zhOrigins)
	}
	perm := g.r.perm(len(p.benefits))
	for i := range a.benefits {
		a.benefits[i] = p.benefits[perm[i]]
	}
	a.head, a.body, a.price, a.urge, a.contact = g.r.intn(5), g.r.intn(3), g.r.intn(5), g.r.intn(4), g.r.intn(5)
	a.base = g.r.between(p.lo, p.hi)
	a.orig = (a.base*g.r.between(15, 30)/10 + 9) / 10 * 10
	a.gift = g.r.pick(p.gifts)
	imgs := g.photos(4)
	a.media = [][]post.Media{imgs[:1:1], imgs[1:2:2], imgs[0:3:3], imgs[:4:4]}
	return a
}

// spamObf sets the post's rune-level obfuscation for an account whose
// obfuscation level is level (0 clean .. 1 heavy).
func (g *Generator) spamObf(level float64, en bool) {
	var o obf
	o.full = g.r.chance(level * 0.5)
	if g.r.chance(level * 0.45) {
		o.zw = 0.05 + float64(0.1*g.r.float())
	}
	if !en && g.r.chance(level*0.25) {
		o.wedge = 0.06
	}
	if !en && g.r.chance(level*0.2) {
		o.space = 0.08
	}
	if en && g.r.chance(level*0.6) {
		o.cyr = 0.1 + float64(0.2*g.r.float())
	}
	o.on = o.full || o.zw > 0 || o.wedge > 0 || o.space > 0 || o.cyr > 0
	g.ob = o
}

// adPost writes a brusher's or network account's post of its ad.
func (g *Generator) adPost() (lang string, media []post.Media, campaign string) {
	a := g.acct
	d := a.ad
	level := a.obf
	g.spamObf(level, d.en)
	emojiOn := g.r.chance(0.6)

	// Opener.
	if g.r.chance(0.55) {
		g.beginLine()
		g.num = a.posts + 1
		g.prefix(g.r.pick(d.prefixes))
		g.endLine()
	}
	first := len(g.lines)
	g.beginLine()
	g.adHead(d, emojiOn)
	g.endAdLine(emojiOn)
	g.beginLine()
	g.adBody(d)
	g.endAdLine(emojiOn)
	g.beginLine()
	g.adPrice(d)
	g.endAdLine(emojiOn)
	if g.r.chance(0.8) {
		g.beginLine()
		g.adUrge(d)
		g.endAdLine(emojiOn)
	}
	g.beginLine()
	g.adContact(d.contact, d.en, level)
	g.endAdLine(emojiOn)
	if g.r.chance(0.35) {
		g.beginLine()
		tags := adTagsZh
		if d.en {
			tags = adTagsEn
		}
		last := g.r.pick(d.p.tags)
		g.raw(last)
		for range g.r.intn(3) {
			tag := g.r.pick(tags)
			if g.r.chance(0.5) {
				tag = g.r.pick(d.p.tags)
			}
			if tag != last {
				g.raw(" ")
				g.raw(tag)
				last = tag
			}
		}
		g.endLine()
	}

	var order [8]int
	n := len(g.lines)
	for i := range n {
		order[i] = i
	}
	if g.r.chance(0.25) { // reorder the ad's lines, opener and hashtags stay put
		last := n
		if len(g.lines) > 0 && g.buf[g.lines[n-1][0]] == '#' {
			last--
		}
		for i := last - 1; i > first; i-- {
			j := first + g.r.intn(i-first+1)
			order[i], order[j] = order[j], order[i]
		}
	}
	sep := "\n"
	switch u := g.r.intn(20); {
	case u < 5:
		sep = " "
	case u < 7 && !d.en:
		sep = ""
	case u < 8:
		sep = "  "
	}
	g.join(order[:n], sep)

	lang = "zh"
	if d.en {
		lang = "en"
	}
	if g.r.chance(0.6) {
		media = d.media[g.r.intn(len(d.media))]
	}
	return lang, media, d.id
}

// endAdLine ends a line of an ad, now and then with an emoji.
func (g *Generator) endAdLine(emojiOn bool) {
	if emojiOn && g.r.chance(0.3) {
		g.raw(g.r.pick(wedgeEmoji))
	}
	g.endLine()
}

// prefix writes an opener with {n} (the account's post count) and {date}.
func (g *Generator) prefix(p string) {
	for len(p) > 0 {
		switch {
		case len(p) >= 3 && p[:3] == "{n}":
			g.int(g.num)
			p = p[3:]
		case len(p) >= 6 && p[:6] == "{date}":
			t := g.cfg.Start.Add(g.elapsed)
			if g.acct.ad.en {
				g.raw(t.Month().String()[:3])
				g.raw(" ")
				g.int(t.Day())
			} else {
				g.int(int(t.Month()))
				g.lit("月")
				g.int(t.Day())
				g.lit("日")
			}
			p = p[6:]
		default:
			i := 1
			for i < len(p) && p[i] != '{' {
				i++
			}
			g.lit(p[:i])
			p = p[i:]
		}
	}
}

func (g *Generator) adHead(d *ad, emojiOn bool) {
	name := d.p.name
	if d.en {
		switch d.head {
		case 0:
			g.lit("【")
			g.lit(d.origin)
			g.lit(" ")
			g.kw(name)
			g.lit("】")
			g.lit(d.benefits[0])
		case 1:
			if emojiOn {
				g.raw("🔥 ")
			}
			g.kw(name)
			g.lit(" SALE")
			if emojiOn {
				g.raw(" 🔥")
			}
		case 2:
			g.lit("New arrival: ")
			g.lit(d.origin)
			g.lit(" ")
			g.kw(name)
			g.lit("!")
		case 3:
			g.lit("Best ")
			g.kw(name)
			g.lit(" you'll ever buy")
		default:
			g.lit("Our ")
			g.kw(name)
			g.lit(": ")
			g.lit(d.benefits[0])
			g.lit(". My customers keep coming back")
		}
		return
	}
	switch d.head {
	case 0:
		g.lit("【")
		g.lit(d.origin)
		g.kw(name)
		g.lit("】")
		g.lit(d.benefits[0])
	case 1:
		if emojiOn {
			g.raw("🔥")
		}
		g.kw(name)
		g.lit("特惠")
		if emojiOn {
			g.raw("🔥")
		}
	case 2:
		g.lit(d.origin)
		g.kw(name)
		g.lit("到货啦！")
	case 3:
		g.lit("好物推荐｜")
		g.kw(name)
	default:
		g.kw(name)
		g.lit("，")
		g.lit(d.benefits[0])
		g.lit("，回购无数次的宝藏")
	}
}

func (g *Generator) adBody(d *ad) {
	b := d.benefits
	if d.en {
		switch d.body {
		case 0:
			g.lit(b[0])
			g.lit(", ")
			g.lit(b[1])
			g.lit(", ")
			g.lit(b[2])
		case 1:
			g.raw("✅ ")
			g.lit(b[0])
			g.raw(" ✅ ")
			g.lit(b[1])
			g.raw(" ✅ ")
			g.lit(b[2])
		default:
			g.lit(b[1])
			g.lit("! ")
			g.lit(b[2])
			g.lit("!")
		}
		return
	}
	switch d.body {
	case 0:
		g.lit(b[0])
		g.lit("，")
		g.lit(b[1])
		g.lit("，")
		g.lit(b[2])
	case 1:
		g.raw("✅")
		g.lit(b[0])
		g.raw(" ✅")
		g.lit(b[1])
		g.raw(" ✅")
		g.lit(b[2])
	default:
		g.lit(b[1])
		g.lit("！")
		g.lit(b[2])
		g.lit("！")
	}
}

// postPrice is the ad's price, changed now and then.
func (g *Generator) postPrice(d *ad) int {
	if g.r.chance(0.65) {
		return d.base
	}
	step := max(1, d.base/20)
	p := d.base + step*g.r.between(-3, 2)
	if g.r.chance(0.3) {
		p = p/10*10 + 9 // 199, 299: the usual price endings
	}
	return max(p, 1)
}

func (g *Generator) adPrice(d *ad) {
	price, unit := g.postPrice(d), d.p.unit
	if d.en {
		switch d.price {
		case 0:
			g.lit("Was $")
			g.int(d.orig)
			g.lit(", now only $")
			g.int(price)
		case 1:
			g.lit("Only $")
			g.int(price)
			g.lit(" per ")
			g.lit(unit)
			g.lit(" today")
		case 2:
			g.lit("$")
			g.int(price * 2)
			g.lit(" for 2, free shipping")
		case 3:
			g.lit("Boutique price $")
			g.int(d.orig)
			g.lit(", mine $")
			g.int(price)
		default:
			g.raw("💰 ")
			g.lit("$")
			g.int(price)
			g.lit(" each, 2 for less")
		}
		return
	}
	switch d.price {
	case 0:
		g.lit("原价")
		g.int(d.orig)
		g.lit("，今天只要")
		g.int(price)
		g.lit("元")
	case 1:
		g.lit("活动价¥")
		g.int(price)
		g.lit("/")
		g.lit(unit)
	case 2:
		g.int(price * 2)
		g.lit("元两")
		g.lit(unit)
		g.lit("，包邮到家")
	case 3:
		g.lit("专柜")
		g.int(d.orig)
		g.lit("，我这里只要")
		g.int(price)
	default:
		g.raw("💰")
		g.int(price)
		g.lit("元一")
		g.lit(unit)
		g.lit("，两")
		g.lit(unit)
		g.lit("更优惠")
	}
}

func (g *Generator) adUrge(d *ad) {
	if d.en {
		switch d.urge {
		case 0:
			g.lit("Limited stock, first come first served")
		case 1:
			g.lit("Only ")
			g.int(g.r.between(3, 20))
			g.lit(" left!")
		case 2:
			g.lit("Order today and get a free ")
			g.lit(d.gift)
		default:
			g.lit("100% satisfaction or your money back")
		}
		return
	}
	switch d.urge {
	case 0:
		g.lit("限量")
		g.int(g.r.between(10, 100))
		g.lit("份，先到先得")
	case 1:
		g.lit("手慢无！")
	case 2:
		g.lit("今天下单送")
		g.lit(d.gift)
	default:
		g.lit("支持验货，假一赔十")
	}
}

// Contact labels: the clean forms, and the forms that dodge keyword filters.
var (
	wxClean = []string{"微信", "VX", "V信", "微"}
	wxObf   = []string{"薇信", "威信", "V❤", "➕V", "vx", "wx", "微 信", "微\u200b信", "徽信", "✚V", "卫星", "威❤", "V➕", "ⓥ", "wei信"}
	enWx    = []string{"WeChat", "Wechat", "WeChat ID"}
	enWxObf = []string{"We-Chat", "W e C h a t", "wеchаt", "V❤", "vx", "W.e.C.h.a.t", "WeChаt"}
	enWa    = []string{"WhatsApp", "Whatsapp", "WA"}
	enWaObf = []string{"Whats app", "WhаtsApp", "W/A", "whatsаpp", "W.h.a.t.s.A.p.p"}
	dmZh    = []string{"私我", "私聊", "有意者私信", "感兴趣的私我", "评论区扣1"}
)

func (g *Generator) wxLabel(level float64) {
	if g.r.chance(level) {
		g.raw(g.r.pick(wxObf))
	} else {
		g.raw(g.r.pick(wxClean))
	}
}

func (g *Generator) wxID(level float64) {
	id := g.acct.wxid
	switch {
	case g.r.chance(level * 0.2):
		for i, c := range id { // spaced out: l i l y 5 2 0
			if i > 0 {
				g.raw(" ")
			}
			g.buf = append(g.buf, byte(c))
		}
	case g.ob.full:
		for i := 0; i < len(id); i++ { // full-width letters and digits
			g.buf = utf8.AppendRune(g.buf, rune(id[i])+0xFEE0)
		}
	default:
		g.raw(id)
	}
}

func (g *Generator) phone(level float64) {
	a := g.acct
	p := a.phones[0]
	if len(a.phones) > 1 && g.r.chance(0.35) {
		p = a.phones[g.r.intn(len(a.phones))]
	}
	if g.r.chance(level * 0.15) {
		nums := &zhNumerals[g.r.intn(2)]
		for i := 0; i < len(p); i++ {
			g.raw(nums[p[i]-'0'])
		}
		return
	}
	switch g.r.intn(4) {
	case 0:
		g.digits(p[:3])
		g.raw(" ")
		g.digits(p[3:7])
		g.raw(" ")
		g.digits(p[7:])
	case 1:
		g.digits(p[:3])
		g.raw("-")
		g.digits(p[3:7])
		g.raw("-")
		g.digits(p[7:])
	default:
		g.digits(p)
	}
}

// adContact writes a contact in one of the ad's formats.
func (g *Generator) adContact(format int, en bool, level float64) {
	if en {
		switch format {
		case 0, 1:
			g.enWx(level)
			g.raw(": ")
			g.wxID(level)
		case 2:
			g.enWa(level)
			g.raw(" ")
			g.digits(g.acct.intl)
		case 3:
			g.lit("DM me on ")
			g.enWx(level)
			g.raw(" ")
			g.wxID(level)
		default:
			g.lit("Telegram ")
			g.raw(g.acct.handle)
		}
		return
	}
	switch format {
	case 0:
		g.wxLabel(level)
		g.raw(g.r.pick([]string{"：", ":", " ", ""}))
		g.wxID(level)
	case 1:
		g.lit("加")
		g.wxLabel(level)
		g.wxID(level)
	case 2:
		g.lit("电话")
		g.phone(level)
		g.lit("（同")
		g.wxLabel(level)
		g.lit("）")
	case 3:
		g.lit(g.r.pick(dmZh))
		g.lit("，")
		g.wxLabel(level)
		g.wxID(level)
	default:
		g.raw("☎️")
		g.phone(level)
	}
}

func (g *Generator) enWx(level float64) {
	if g.r.chance(level) {
		g.raw(g.r.pick(enWxObf))
	} else {
		g.raw(g.r.pick(enWx))
	}
}

func (g *Generator) enWa(level float64) {
	if g.r.chance(level) {
		g.raw(g.r.pick(enWaObf))
	} else {
		g.raw(g.r.pick(enWa))
	}
}

// contactSlot is {contact} in MLM and fraud templates: one of the
// account's contacts in a random format.
func contactSlot(g *Generator) {
	level := g.acct.obf
	if g.en {
		switch g.r.intn(6) {
		case 0:
			g.lit("DM me")
		case 1:
			g.link("https://t.me/", g.acct.handle[1:])
		default:
			g.adContact(g.r.intn(5), true, level)
		}
		return
	}
	if g.r.chance(0.1) {
		g.lit(g.r.pick(dmZh))
		return
	}
	g.adContact(g.r.intn(5), false, level)
}

// scamLink is {link}: the account's scam site.
func scamLink(g *Generator) {
	g.link("http://", g.acct.domain, "/", g.r.pick([]string{"claim", "prize", "verify", "pay", "login", "gift", "kyc"}), "?id=")
	g.code(alnum, 6)
	g.links[len(g.links)-1][1] = len(g.buf)
}

// templatePost writes an MLM or fraud post from one of the templates.
func (g *Generator) templatePost(zh, en []template, ids []string) (lang string, media []post.Media, campaign string) {
	a := g.acct
	g.en = g.r.chance(g.cfg.English)
	ts, pref, off, lang := zh, a.zhT, 0, "zh"
	if g.en {
		ts, pref, off, lang = en, a.enT, len(zh), "en"
	}
	i := g.r.intn(len(ts))
	if g.r.chance(0.75) {
		i = pref[g.r.intn(len(pref))]
	}
	g.spamObf(a.obf, g.en)
	g.expand(ts[i])
	g.en = false
	g.trimRight()
	if a.media != nil && g.r.chance(0.25) {
		media = a.media
	}
	return lang, media, ids[off+i]
}

var spamSlots = slots{
	"contact": contactSlot,
	"link":    scamLink,
	"emoji":   emojiSlot,
	"wx": func(g *Generator) {
		g.wxLabel(g.acct.obf)
	},
	"n":        num(3, 30),
	"years":    num(3, 10),
	"teamsize": num(200, 5000),
	"hours":    num(1, 3),
	"daily":    num(100, 800),
	"income2":  num(8000, 50000),
	"bigbox":   list("100", "200", "500"),
	"price":    num(99, 2999),
	"deposit": func(g *Generator) { // a share of the {price} before it
		g.int(max(1, g.num*g.r.between(2, 5)/10/10*10))
	},
	"rate":   num(12, 36),
	"pct":    num(2, 30),
	"fee":    num(9, 399),
	"ret":    num(300, 2000),
	"amount": num(1000, 50000),
	"amount3": func(g *Generator) {
		g.int(g.num * 3)
	},
	"perk": list("零门槛", "不用囤货", "手把手教", "一件代发", "公司扶持", "无需经验",
		"每天只需发发朋友圈", "一部手机就能做", "不压货不收加盟费"),
	"income":   list("月入过万", "月入三万", "年入百万", "月入五万", "一年提车"),
	"mlmbrand": list("美颜坊", "芯悦", "御草堂", "雪颜", "花漾", "金秀", "悦美时光", "植萃坊"),
	"fraudgoods": list("茅台", "iPhone 16", "演唱会门票", "名牌包", "金条", "显卡", "戴森吹风机",
		"游戏账号"),
	"prize":  list("iPhone 16 Pro", "华为Mate 70", "戴森吹风机", "苹果笔记本", "扫地机器人", "55寸智能电视"),
	"stock":  list("这只股票", "某新能源股", "这个币", "XX科技", "某医药股"),
	"ticket": list("演唱会门票", "游戏点卡", "视频会员", "加油卡", "话费充值卡"),
	"enperk": list("No experience needed", "No stock to hold", "Full training provided",
		"Work from anywhere", "Zero start-up cost", "Flexible hours"),
	"enmlmbrand":   list("GlowLife", "VitaBloom", "PureEssence", "NovaWellness", "LuxeSkin"),
	"enprize":      list("iPhone 16", "MacBook Air", "$1000 gift card", "PS5", "Dyson vacuum"),
	"enfraudgoods": list("iPhone 16 Pro", "concert tickets", "gold bars", "designer bags", "RTX 5090 cards"),
}

var mlmZhTemplates = []string{
	"诚招一级代理，{perk}，{contact}",
	"宝妈在家兼职，一部手机就能做，{income}不是梦{emoji} {contact}",
	"招代理！{mlmbrand}全国招募中，{perk}，带你躺赚{emoji}",
	"不囤货不压货，{perk}，想改变现状的姐妹{contact}",
	"我的团队这个月又有{n}个宝妈月入过万了，下一个就是你{emoji}",
	"想体验的来1盒，想调理的来3盒，想代理的来{n}盒，有魄力的拿{bigbox}盒{emoji}",
	"招募合伙人：只要你有手机，每天{hours}小时，月入{income2}+，{contact}",
	"第{n}个代理提车了🚗 你还在犹豫什么？{contact}",
	"做微商{years}年，从负债到年入百万，想学的私聊我{emoji}",
	"{mlmbrand}总部直招代理，一件代发，{perk}，{contact}",
	"学生党、宝妈、上班族都可以做，日结{daily}，{contact}",
	"发展下线，三级分佣，躺着也有收益{emoji}，名额有限{contact}",
	"还在为房贷车贷发愁？加入我们，{perk}，{contact}",
	"月入过万的秘密都在这里，零成本创业，{contact}",
	"今天又招了{n}个代理，团队已经{teamsize}人了，{perk}{emoji}",
	"收入截图不说谎，{income}就在眼前，带你躺赚，{contact}",
	"全职宝妈也能经济独立，{perk}，手把手教，{contact}",
	"缺钱的、想创业的、不甘平凡的，{contact}，带你一起飞{emoji}",
}

var mlmEnTemplates = []string{
	"Be your own boss! {enperk}. Join my team: {contact}",
	"First-level agent wanted for {enmlmbrand}. {enperk}, earn ${income2}/month",
	"Stay-at-home moms: I made ${income2} last month working {hours} hours a day. Ask me how {emoji}",
	"Looking for {n} motivated people to join my team {emoji} {contact}",
	"Financial freedom is one message away. Recruiting agents now, {contact}",
	"Tired of your 9-5? Build your own team and earn from every recruit. DM me",
	"My team just hit {teamsize} members! {enperk}. Join my team, DM me {emoji}",
	"Work from home with just your phone, daily payouts up to ${daily}, {contact}",
	"{enmlmbrand} agents wanted worldwide, {enperk}, {contact}",
}

var fraudZhTemplates = []string{
	"{fraudgoods}全网最低价，先转账后发货，{contact}",
	"{fraudgoods}只要{price}，先付定金{deposit}元，当天发货，{contact}",
	"先付定金后发货，{fraudgoods}内部渠道价{price}，手慢无{emoji}",
	"稳赚不赔！跟着老师做投资，日赚{daily}，{contact}",
	"年化{rate}%保本保息，{amount}元起投，名额有限，{contact}",
	"恭喜您中奖！获得{prize}一台，领奖需缴纳手续费{fee}元，{contact}",
	"恭喜您的微信号被抽中为幸运用户，奖品{prize}，请先支付{fee}元运费领取 {link}",
	"内部消息，{stock}明天必涨，进群免费领取 {contact}",
	"刷单兼职，先垫付{amount}返{ret}，当天结算，{contact}",
	"低价出{ticket}，先付款后发码，{contact}",
	"USDT搬砖套利，稳赚不赔，日收益{pct}%，{contact}",
	"{prize}免费送！只需支付{fee}元邮费 {link}",
	"贷款秒批，无视征信，先交{fee}元保证金，{contact}",
	"日赚500不是梦，跟单保本，亏了全赔，{contact}",
	"您的快递丢失，理赔请点击 {link} 填写银行卡信息",
	"ETC认证失效，请点击 {link} 重新认证",
	"您的医保卡余额即将清零，请尽快登录 {link} 办理",
	"幸运大抽奖，100%中奖，参与费{fee}元，{contact}",
}

var fraudEnTemplates = []string{
	"Guaranteed {pct}% weekly returns, zero risk. Message me to start {contact}",
	"You have won an iPhone 16! Pay ${fee} shipping to claim: {link}",
	"Congratulations! Your WeChat ID was selected. Claim your {enprize} now, small handling fee ${fee} {link}",
	"Crypto signals group: we doubled our money last week. Deposit first, withdraw anytime {contact}",
	"Selling {enfraudgoods} at the lowest price, pay a deposit first, ship next day {contact}",
	"Investment plan: ${amount} becomes ${amount3} in 30 days, guaranteed",
	"Your parcel is on hold. Pay the ${fee} customs fee at {link}",
	"Earn ${daily} a day from home, just pay ${fee} to activate your account {contact}",
	"100% guaranteed profit, no risk, daily returns of {pct}% {emoji} {contact}",
	"Final notice: your prize expires today. Pay the ${fee} processing fee {link}",
}
