package textnorm

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"mvdan.cc/xurls/v2"
)

func TestExtract(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		links []string
		want  Entities
	}{
		{name: "ham", text: "早安，今天天气真好☀️", want: Entities{Emoji: 1}},
		{name: "ham english", text: "Had dinner with friends tonight", want: Entities{}},

		// Phones.
		{name: "mobile plain", text: "电话13812345678", want: Entities{Phones: []string{"13812345678"}}},
		{name: "mobile spaced", text: "电话 138 1234 5678", want: Entities{Phones: []string{"13812345678"}}},
		{name: "mobile dashed", text: "call 139-1234-5678", want: Entities{Phones: []string{"13912345678"}}},
		{name: "mobile +86", text: "+86 186 1234 5678", want: Entities{Phones: []string{"18612345678"}}},
		{name: "mobile 0086 glued", text: "tel 008618612345678", want: Entities{Phones: []string{"18612345678"}}},
		{name: "86 glued but no mobile", text: "8612345678901", want: Entities{Numbers: []string{"8612345678901"}}},
		{name: "mobile +86 glued", text: "+8618612345678", want: Entities{Phones: []string{"18612345678"}}},
		{name: "mobile spaced digits", text: "1 3 8 1 2 3 4 5 6 7 8", want: Entities{Phones: []string{"13812345678"}}},
		{name: "mobile full-width", text: "手机：１３８１２３４５６７８", want: Entities{Phones: []string{"13812345678"}}},
		{name: "mobile full-width with zero width", text: "１３８\u200b１２３４\u200b５６７８", want: Entities{Phones: []string{"13812345678"}}},
		{name: "mobile circled digits", text: "①③⑧①②③④⑤⑥⑦⑧", want: Entities{Phones: []string{"13812345678"}}},
		{name: "mobile chinese numerals", text: "电话一三八一二三四五六七八", want: Entities{Phones: []string{"13812345678"}}},
		{name: "mobile yao", text: "打幺三八 一二三四 五六七八", want: Entities{Phones: []string{"13812345678"}}},
		{name: "mobile financial numerals", text: "壹叁捌壹贰叁肆伍陆柒捌", want: Entities{Phones: []string{"13812345678"}}},
		{name: "mobile mixed numerals", text: "138 一二三四 5678", want: Entities{Phones: []string{"13812345678"}}},
		{name: "mobile dashes between han numerals", text: "一-三-八-一-二-三-四-五-六-七-八", want: Entities{Phones: []string{"13812345678"}}},
		{name: "same phone once", text: "13812345678 或 138-1234-5678", want: Entities{Phones: []string{"13812345678"}}},
		{name: "not a phone: date", text: "Meeting moved to 2024-05-17 at 10:30", want: Entities{}},
		{name: "not a phone: eleven digits 12", text: "order 12345678901", want: Entities{Numbers: []string{"12345678901"}}},
		{name: "bank card", text: "账号 6222021234567890", want: Entities{Numbers: []string{"6222021234567890"}}},
		{name: "chinese counting is no phone", text: "一二三四五六七八九十", want: Entities{}},

		// WeChat and QQ.
		{name: "wechat obfuscated", text: "有需要的加 微 信：ＡＢＣ１２３", want: Entities{WeChatIDs: []string{"abc123"}}},
		{name: "wechat v heart", text: "V❤：lily_888 欢迎咨询", want: Entities{WeChatIDs: []string{"lily_888"}, Emoji: 1}},
		{name: "wechat plus v", text: "➕V：abc1234", want: Entities{WeChatIDs: []string{"abc1234"}, Emoji: 1}},
		{name: "wechat id is phone", text: "13812345678同微信", want: Entities{Phones: []string{"13812345678"}, WeChatIDs: []string{"13812345678"}}},
		{name: "wechat is id en", text: "my wechat is lily2024 if you want", want: Entities{WeChatIDs: []string{"lily2024"}}},
		{name: "wechat glued to id", text: "加微信coco-717938", want: Entities{WeChatIDs: []string{"coco-717938"}}},
		{name: "wechat glued to id after text", text: "又卖爆了 加V信baobao406098", want: Entities{WeChatIDs: []string{"baobao406098"}}},
		{name: "wechat glued to a word", text: "微信群里说wechatpay要升级", want: Entities{}},
		{name: "wechat cue without id", text: "感兴趣的加我薇信", want: Entities{}},
		{name: "qq kou kou full-width", text: "扣扣：１２３４５６７８９ 私聊", want: Entities{QQIDs: []string{"123456789"}}},
		{name: "qq penguin chinese numerals", text: "企鹅号 九八七六五四三二一", want: Entities{QQIDs: []string{"987654321"}}},
		{name: "qq phone-like is not a phone", text: "QQ 13812345678", want: Entities{QQIDs: []string{"13812345678"}}},

		// Links.
		{name: "url in text", text: "详情看 www.Example.com/shop?id=1。", want: Entities{URLs: []string{"www.example.com/shop?id=1"}}},
		{name: "url with scheme and trailing dot", text: "go https://t.example.cn/x. now", want: Entities{URLs: []string{"https://t.example.cn/x"}}},
		{name: "url list first", text: "see shop.example.com", links: []string{" https://Shop.Example.NET:8443/x ", "nohost"}, want: Entities{URLs: []string{"https://Shop.Example.NET:8443/x", "shop.example.com"}}},
		{name: "phone in url path is skipped", text: "shop.example.com/u/13812345678", want: Entities{URLs: []string{"shop.example.com/u/13812345678"}}},
		{name: "no url in abbreviations", text: "e.g. this, i.e. that, v1.2.3", want: Entities{}},

		// Prices.
		{name: "yuan sign", text: "新款到货 ￥99", want: Entities{Prices: []Amount{{Value: 99, Currency: "CNY", Text: "¥99"}}}},
		{name: "dollars", text: "only $9.99 today", want: Entities{Prices: []Amount{{Value: 9.99, Currency: "USD", Text: "$9.99"}}}},
		{name: "dollar k", text: "made $1.5k this week", want: Entities{Prices: []Amount{{Value: 1500, Currency: "USD", Text: "$1.5k"}}}},
		{name: "yuan unit", text: "面膜一盒59元包邮", want: Entities{Prices: []Amount{{Value: 59, Currency: "CNY", Text: "59元"}}}},
		{name: "thousands separator", text: "售价1,299元", want: Entities{Prices: []Amount{{Value: 1299, Currency: "CNY", Text: "1,299元"}}}},
		{name: "wan", text: "这款手表5w入手", want: Entities{Prices: []Amount{{Value: 50000, Text: "5w"}}}},
		{name: "wan yuan", text: "首付3万元", want: Entities{Prices: []Amount{{Value: 30000, Currency: "CNY", Text: "3万元"}}}},
		{name: "wan steps is no money", text: "今天走了2万步", want: Entities{}},
		{name: "kuai", text: "一件25块", want: Entities{Prices: []Amount{{Value: 25, Currency: "CNY", Text: "25块"}}}},
		{name: "nine kuai nine", text: "9块9包邮", want: Entities{Prices: []Amount{{Value: 9.9, Currency: "CNY", Text: "9块9"}}}},
		{name: "chinese numeral price", text: "只要九块九", want: Entities{Prices: []Amount{{Value: 9.9, Currency: "CNY", Text: "九块九"}}}},
		{name: "chinese numeral hundreds", text: "三百五十元一套", want: Entities{Prices: []Amount{{Value: 350, Currency: "CNY", Text: "三百五十元"}}}},
		{name: "one kuai is together", text: "我们一块去吧", want: Entities{}},
		{name: "rmb word", text: "price 200 rmb", want: Entities{Prices: []Amount{{Value: 200, Currency: "CNY", Text: "200 rmb"}}}},
		{name: "discount is no price", text: "全场8折", want: Entities{}},

		// Percentages and return claims.
		{name: "daily return", text: "日收益30%", want: Entities{Percents: []float64{30}, ReturnClaim: true}},
		{name: "annualised", text: "年化20%，保本", want: Entities{Percents: []float64{20}, ReturnClaim: true}},
		{name: "weekly returns en", text: "20% weekly returns guaranteed", want: Entities{Percents: []float64{20}, ReturnClaim: true}},
		{name: "roi before", text: "ROI of 40% monthly", want: Entities{Percents: []float64{40}, ReturnClaim: true}},
		{name: "chinese percent", text: "回报率百分之三十", want: Entities{Percents: []float64{30}, ReturnClaim: true}},
		{name: "monthly income amount", text: "在家带娃也能月入3w", want: Entities{Prices: []Amount{{Value: 30000, Text: "3w"}}, ReturnClaim: true}},
		{name: "daily earn amount", text: "每天轻松赚500元", want: Entities{Prices: []Amount{{Value: 500, Currency: "CNY", Text: "500元"}}, ReturnClaim: true}},
		{name: "discount is no claim", text: "30% off, returns accepted", want: Entities{Percents: []float64{30}}},
		{name: "plain percent", text: "电量只剩5%了", want: Entities{Percents: []float64{5}}},

		// Hashtags and emoji.
		{name: "weibo topic", text: "#在家赚钱#宝妈必看", want: Entities{Hashtags: []string{"在家赚钱"}}},
		{name: "latin tags", text: "Living my dream 🌴 #BossBabe #passive_income #1", want: Entities{Hashtags: []string{"bossbabe", "passive_income"}, Emoji: 1}},
		{name: "hash inside word", text: "c# and f# rock", want: Entities{}},
		{name: "emoji sequences", text: "🔥🔥👨‍👩‍👧🇨🇳1️⃣❤️👍🏻 ok", want: Entities{Emoji: 7}},
		{name: "emoji wedged between han counted", text: "招🔥代💰理", want: Entities{Emoji: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			norm := Normalize(tt.text)
			got := Extract(tt.text, norm, tt.links)
			if !equalEntities(got, tt.want) {
				t.Fatalf("Extract(%q) =\n %+v\nwant\n %+v", norm, got, tt.want)
			}
		})
	}
}

// equalEntities compares entities treating nil and empty slices alike.
func equalEntities(a, b Entities) bool {
	norm := func(e Entities) Entities {
		if len(e.URLs) == 0 {
			e.URLs = nil
		}
		if len(e.Phones) == 0 {
			e.Phones = nil
		}
		if len(e.WeChatIDs) == 0 {
			e.WeChatIDs = nil
		}
		if len(e.QQIDs) == 0 {
			e.QQIDs = nil
		}
		if len(e.Prices) == 0 {
			e.Prices = nil
		}
		if len(e.Percents) == 0 {
			e.Percents = nil
		}
		if len(e.Hashtags) == 0 {
			e.Hashtags = nil
		}
		if len(e.Numbers) == 0 {
			e.Numbers = nil
		}
		return e
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func TestCountEmoji(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"plain text © ® ™ → ·", 0},
		{"★☆", 1},
		{"❤", 1},
		{"❤️❤️", 2},
		{"👍🏻👍🏿", 2},
		{"👩‍💻", 1},
		{"🏳️‍🌈", 1},
		{"🇨🇳🇺🇸", 2},
		{"#️⃣1️⃣", 2},
		{"✅✔️⭐", 3},
		{"\u200d🔥", 1},
		{"bad\xff🔥", 1},
	}
	for _, tt := range tests {
		if got := CountEmoji(tt.in); got != tt.want {
			t.Errorf("CountEmoji(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestParseHanNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"九", 9}, {"九九", 99}, {"十", 10}, {"十五", 15}, {"二十", 20}, {"二十五", 25},
		{"一百", 100}, {"三百五", 350}, {"三百五十", 350}, {"三千五百", 3500}, {"两万", 20000},
		{"一万五", 15000}, {"十万", 100000}, {"一二三", 123}, {"壹佰", 100},
	}
	for _, tt := range tests {
		if got, end := parseHanNumber(tt.in, 0); got != tt.want || end != len(tt.in) {
			t.Errorf("parseHanNumber(%q) = %v, %d; want %v, %d", tt.in, got, end, tt.want, len(tt.in))
		}
	}
}

// TestURLsAgreeWithXurls checks the hosts Extract finds in the text against
// the host of the first match of xurls.Relaxed on realistic text. (They
// differ by design when letters of a CJK script touch a host: xurls takes
// 访问example.com whole.)
func TestURLsAgreeWithXurls(t *testing.T) {
	relaxed := xurls.Relaxed()
	tests := []struct {
		name, text string
	}{
		{"bare domain", "visit shop.example.com today"},
		{"www", "详情看 www.Example.com/shop?id=1"},
		{"https with path", "👉 https://t.example.cn/x?from=moments"},
		{"short link", "戳 t.cn/A6abcd 领券"},
		{"port", "http://shop.example.net:8443/x"},
		{"ip with scheme", "http://10.0.0.1:8080/login"},
		{"email", "email me at lily@qq.com"},
		{"punycode", "see xn--fiqs8s.xn--55qx5d now"},
		{"subdomains", "go to a.b.c.example.org."},
		{"trailing punctuation", "(see example.com)."},
		{"no link price", "only $9.99, wow"},
		{"no link abbreviations", "e.g. this, i.e. that, a.m. or p.m."},
		{"no link file", "open report.docx and notes.txt"},
		{"no link ellipsis", "wait...what"},
		{"no link version", "upgrade to v1.2.3 now"},
		{"no link sentence", "Had dinner.Then home"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			norm := Normalize(tt.text)
			want := ""
			if m := relaxed.FindString(norm); m != "" {
				want = Host(m)
			}
			got := ""
			if e := Extract(tt.text, norm, nil); len(e.URLs) > 0 {
				got = Host(e.URLs[0])
			}
			if got != want {
				t.Fatalf("Extract(%q) host %q, xurls host %q", norm, got, want)
			}
		})
	}
}

func TestExtractIntoReuses(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	text := "🔥正品代购 加微信 abc123 电话13812345678 ￥99 日收益30% #好物# www.example.com"
	norm := Normalize(text)
	var e Entities
	ExtractInto(&e, text, norm, nil)
	allocs := testing.AllocsPerRun(100, func() { ExtractInto(&e, text, norm, nil) })
	if allocs != 0 {
		t.Fatalf("ExtractInto allocated %v times in steady state", allocs)
	}
	if len(e.WeChatIDs) != 1 || len(e.Phones) != 1 || len(e.Prices) != 1 || !e.ReturnClaim || len(e.Hashtags) != 1 || len(e.URLs) != 1 {
		t.Fatalf("ExtractInto = %+v", e)
	}
	ExtractInto(&e, "", "", nil)
	if !equalEntities(e, Entities{}) {
		t.Fatalf("ExtractInto on empty text left %+v", e)
	}
}

// TestExtractLargeInputs guards against quadratic scans, like
// TestNormalizeLargeInputs.
func TestExtractLargeInputs(t *testing.T) {
	for _, unit := range []string{"wechat-", "wechat:", "qq1", "1,", "9% roi ", "a.", "wechat 1111 ", "1 ", "#a", "#", "一", "一 ", "5w ", "$1 ", "百分之", "a.b", "x.com/"} {
		t.Run(unit, func(t *testing.T) {
			s := strings.Repeat(unit, 256<<10/len(unit))
			start := time.Now()
			Extract(s, s, nil)
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("Extract on %d bytes of %q took %v", len(s), unit, d)
			}
		})
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{"加 微 信：ＡＢＣ１２３ 电话 138 1234 5678", "一三八一二三四五六七八", "日收益30% 月入3w ￥99", "#话题# #tag", "https://t.cn/x 🔥👨‍👩‍👧"} {
		f.Add(s, "")
	}
	f.Add("look", "https://Shop.Example.NET:8443/x")
	f.Fuzz(func(t *testing.T, text, link string) {
		for _, norm := range []string{text, Normalize(text)} {
			got := Extract(text, norm, []string{link})
			if again := Extract(text, norm, []string{link}); !reflect.DeepEqual(got, again) {
				t.Fatalf("Extract(%q) not deterministic: %+v then %+v", norm, got, again)
			}
			for _, list := range [][]string{got.URLs, got.Phones, got.WeChatIDs, got.QQIDs, got.Hashtags, got.Numbers} {
				for _, s := range list {
					if s == "" {
						t.Fatalf("Extract(%q): empty entity in %+v", norm, got)
					}
				}
			}
			for _, p := range got.Phones {
				if len(p) != 11 || !allDigits(p) {
					t.Fatalf("Extract(%q): phone %q", norm, p)
				}
			}
			for _, p := range got.Prices {
				if p.Value < 0 || p.Text == "" || !utf8.ValidString(p.Text) && utf8.ValidString(norm) {
					t.Fatalf("Extract(%q): price %+v", norm, p)
				}
			}
			if got.Emoji < 0 || got.Emoji > utf8.RuneCountInString(text) {
				t.Fatalf("Extract: %d emoji in %q", got.Emoji, text)
			}
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	norms := make([]string, len(benchPosts))
	for i, p := range benchPosts {
		norms[i] = Normalize(p.text)
	}
	var e Entities
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := i % len(norms)
		ExtractInto(&e, benchPosts[p].text, norms[p], nil)
		i++
	}
}

// BenchmarkPipeline is the per-post text path: Normalize, Extract and the
// tokens, on the average post mix.
func BenchmarkPipeline(b *testing.B) {
	tok := NewTokenizer()
	var e Entities
	buf := make([]byte, 0, 512)
	dst := make([]string, 0, 128)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := benchPosts[i%len(benchPosts)]
		buf = AppendNormalize(buf[:0], p.text)
		norm := string(buf)
		ExtractInto(&e, p.text, norm, nil)
		dst = tok.Append(dst[:0], norm, p.lang, &e)
		i++
	}
}
