package fingerprint

import (
	"strings"
	"unicode/utf8"
)

// baseAds are realistic micro-merchant ads (Chinese, English, mixed; short
// and long), one line per line of the post.
var baseAds = []struct{ name, text string }{
	{"zh_honey_short", "纯正土蜂蜜，农家自产无添加\n58元一斤，两斤包邮\n加V：lily520"},
	{"zh_mask", "【正品】玻尿酸补水面膜\n补水保湿，收缩毛孔，敏感肌可用\n原价199，今天只要69元\n限量50份，先到先得\n微信：meimei_8888"},
	{"zh_crab", "阳澄湖大闸蟹现货\n公4两母3两，顺丰冷链，不肥包退\n398元一盒8只\n电话13812345678（同微信）"},
	{"zh_formula_short", "澳洲奶粉代购\n正品保证，可查物流\n需要的私我 VX coco_2024"},
	{"zh_tea_short", "减肥茶一周瘦5斤\n不节食不运动\n薇信：slim_666"},
	{"zh_maotai_short", "飞天茅台原箱\n1499一瓶\n电话13900001111"},
	{"zh_birdnest_link", "即食燕窝 马来西亚直供 孕妇可吃\n溯源码可查，点击下单 https://shop.example.com/item/8812?id=3\n298元一盒"},
	{"en_collagen", "Premium collagen drink\nGlowing skin in 7 days, 100% natural\nOnly $39 per box today\nWeChat: glow_lily88"},
	{"en_bags_short", "Designer bags, mirror quality\n$199 each\nWhatsApp +60 12-345 6789"},
	{"en_watches", "Swiss watches SALE\nAutomatic movement, sapphire glass, waterproof\nWas $1299, now only $399\nLimited stock, first come first served\nTelegram @watchking88"},
	{"mixed_airpods", "AirPods Pro 原装正品\n降噪 noise cancelling，一年保修\n只要 299 元\n加 wx: apple_shop666"},
	{"mixed_sneakers", "新到 sneakers 1:1 quality\nall sizes，顺丰包邮\n¥259 一双\n私聊 V信 kicks_520"},
}

// perturbations are what brushers do to an ad from post to post (see
// internal/gen/spam.go). Each maps the base text to the perturbed one.
var perturbations = []struct {
	name string
	f    func(string) string
}{
	{"emoji_added", func(s string) string {
		return "🔥" + strings.ReplaceAll(s, "\n", "✨\n") + " 👉💰"
	}},
	{"emoji_wedged", func(s string) string { return wedge(s, "🌸", 4) }},
	{"emoji_removed", func(s string) string { return wedge(s, "", 0) }},
	{"punctuation", func(s string) string {
		r := strings.NewReplacer("，", "、", ",", " -", "：", " ", ":", " ", "\n", "！\n")
		return r.Replace(s) + "!!!"
	}},
	{"whitespace_joined", func(s string) string { return strings.ReplaceAll(s, "\n", "") }},
	{"whitespace_spaced", func(s string) string { return strings.ReplaceAll(s, "\n", "   ") }},
	{"fullwidth_digits", func(s string) string { return mapRunes(s, fullwidth) }},
	{"zero_width", func(s string) string { return wedge(s, "\u200b", 2) }},
	{"homoglyphs", func(s string) string { return mapRunes(s, cyrillic) }},
	{"prefix_day_en", func(s string) string { return "Day 3\n" + s }},
	{"prefix_day_zh", func(s string) string { return "第3天\n" + s }},
	{"prefix_date", func(s string) string { return "11月1日 " + s }},
	{"prefix_stock", func(s string) string { return "今日上新🔥\n" + s }},
	{"prefix_greeting", func(s string) string { return "早安☀️ " + s }},
	{"price_changed", func(s string) string { return changeDigits(s, 2, 3) }},
	{"phone_changed", func(s string) string { return changeDigits(s, 7, 11) }},
	{"contact_changed", func(s string) string {
		r := strings.NewReplacer("lily520", "mei_8866", "meimei_8888", "xiaomei123", "coco_2024", "vivi_3306",
			"slim_666", "shou_shen88", "glow_lily88", "anna_beauty1", "@watchking88", "@lux_watch_2",
			"apple_shop666", "ear_pods_99", "kicks_520", "sneaker-king7")
		return r.Replace(s)
	}},
	{"lines_reordered", func(s string) string {
		ls := strings.Split(s, "\n")
		ls[0], ls[len(ls)-1] = ls[len(ls)-1], ls[0]
		return strings.Join(ls, "\n")
	}},
	{"lines_rotated", func(s string) string {
		ls := strings.Split(s, "\n")
		return strings.Join(append(ls[1:], ls[0]), "\n")
	}},
	{"hashtags_appended", func(s string) string { return s + "\n#好物分享 #包邮 #sale" }},
	{"hashtag_topic", func(s string) string { return "#好物推荐# " + s + " #限时特价#" }},
	{"combined", func(s string) string {
		ls := strings.Split(changeDigits(s, 2, 3), "\n")
		ls[0], ls[len(ls)-1] = ls[len(ls)-1], ls[0]
		return "Day 12 🔥\n" + wedge(strings.Join(ls, "\n"), "\u200b", 3) + "\n#好物分享"
	}},
}

// wedge inserts ins after every n-th Han character (n 0: removes emoji).
func wedge(s, ins string, n int) string {
	var b strings.Builder
	k := 0
	for _, r := range s {
		if n == 0 {
			if r >= 0x1F000 || r >= 0x2600 && r <= 0x27BF {
				continue
			}
			b.WriteRune(r)
			continue
		}
		b.WriteRune(r)
		if r >= 0x4e00 && r <= 0x9fff {
			k++
			if k%n == 0 {
				b.WriteString(ins)
			}
		}
	}
	return b.String()
}

func mapRunes(s string, f func(rune) rune) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(f(r))
	}
	return b.String()
}

func fullwidth(r rune) rune {
	if '0' <= r && r <= '9' {
		return r - '0' + '０'
	}
	return r
}

func cyrillic(r rune) rune {
	switch r {
	case 'a':
		return 'а'
	case 'e':
		return 'е'
	case 'o':
		return 'о'
	case 'c':
		return 'с'
	case 'p':
		return 'р'
	case 'x':
		return 'х'
	}
	return r
}

// changeDigits changes the digit runs of min to max digits (a price, a
// phone number): each digit d becomes 9-d.
func changeDigits(s string, lo, hi int) string {
	b := []byte(s)
	for i := 0; i < len(b); {
		if b[i] < '0' || b[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == ' ' || b[j] == '-') {
			j++
		}
		n := 0
		for _, c := range b[i:j] {
			if c >= '0' && c <= '9' {
				n++
			}
		}
		if n >= lo && n <= hi {
			for k := i; k < j; k++ {
				if b[k] >= '0' && b[k] <= '9' {
					b[k] = '9' - (b[k] - '0')
				}
			}
		}
		i = j
	}
	if !utf8.Valid(b) {
		panic("changeDigits broke UTF-8")
	}
	return string(b)
}

// ordinaryPosts are posts of ordinary users.
var ordinaryPosts = []string{
	"周末和老公去爬香山，累并快乐着😂",
	"终于吃到了心心念念的火锅，排队一小时也值了",
	"今天带娃去动物园，一路都在问为什么",
	"加班到十一点，地铁都快停了",
	"和闺蜜在楼下那家川菜馆吃饭，点了一桌子菜，人均86，还会再来",
	"今天自己做了红烧肉，老公说比饭店的好吃",
	"微信运动步数第一，23456步💪",
	"我家猫今天又把沙发抓烂了",
	"成都下雪了，冻成狗",
	"《三体》终于看完了，后劲很大",
	"好久没跑步了，今天跑了5公里，差点跑不动",
	"体检报告出来了，一切正常，安心了",
	"超市买菜花了128块，物价又涨了",
	"出差到杭州，酒店窗外的风景不错",
	"今天是结婚10周年纪念日，感谢一路有你",
	"Took the kids to the aquarium today, best day ever",
	"Weekend hike up Lion Rock with old friends. Legs are dead",
	"Finally tried the ramen at that new place downtown. Absolutely worth the queue",
	"Made banana bread from scratch today, the kids loved it",
	"Just finished Project Hail Mary. Couldn't put it down",
	"Rainy Sunday, perfect for board games",
	"Dinner with my parents, $86 for two, great value",
	"分享一篇好文：周末带娃去哪儿玩 https://mp.weixin.qq.com/s/AbCdEf123",
	"老家的腊肉，外面吃不到的味道",
	"Business trip to Singapore, meetings all day",
}

// sameProductAds are ads for the same products as some baseAds, written
// by other sellers: related, but not copies.
var sameProductAds = []string{
	"自家养的土蜂蜜，百花蜜，结晶才是真蜜，68一斤，微信 honey_farm1",
	"面膜清仓，买三送一，补水效果很好，需要的滴滴我 V：mask_shop22",
	"大闸蟹预订开始了！今年蟹黄特别满，8只装388，顺丰到家 13700001234",
	"Collagen gummies, 60 per bottle, buy 2 get 1 free. DM me",
	"Luxury handbags restock, all colours, message me on WhatsApp for the catalogue",
}

// greetingsTrivial are stock greetings that must be trivial.
var greetingsTrivial = []string{
	"早安", "早安☀️", "晚安🌙", "早上好", "早上好，今天也要加油鸭💪", "早安，周五也要元气满满😊",
	"周末愉快！", "新年快乐，万事如意🧧", "中秋快乐！祝大家阖家幸福", "good morning", "Good morning ☀️",
	"good night 🌙", "Happy New Year!", "Have a nice day everyone", "Merry Christmas 🎄", "GM", "晚安，好梦",
	"Day 3", "第3天", "11月1日", "🔥🔥🔥", "", "  ", "哈哈哈", "👍", "打卡第7天",
}
