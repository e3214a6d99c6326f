package classifiers

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/circleguard/circleguard/internal/textnorm"
)

func ids(sigs []Signal) []string {
	out := make([]string, len(sigs))
	for i, s := range sigs {
		out[i] = s.ID
	}
	return out
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		links []string
		want  []string
		// evidence optionally pins the evidence of some signals.
		evidence map[string]string
	}{
		// Ordinary posts: no labelled signal at all.
		{name: "ham zh good morning", text: "早安☀️", want: nil},
		{name: "ham zh weather", text: "今天天气真好，出去走走🌸", want: nil},
		{name: "ham en good morning", text: "Good morning everyone!", want: nil},
		{name: "ham en dinner", text: "Had dinner with friends tonight, so much fun 🍜", want: nil},
		{name: "ham en school", text: "My daughter's first day at school. She was so brave!", want: nil},
		{name: "ham en milk", text: "Note to self: buy milk on the way home", want: nil},
		{name: "ham en border", text: "Crossing the border now, see you all next week", want: nil},
		{name: "ham zh clause not glued", text: "我在家，赚钱的事以后再说", want: nil},
		{name: "ham zh wechat pay", text: "现在出门只带手机，微信支付真方便", want: nil},
		{name: "ham zh added friend", text: "加了老同学的微信，聊了一晚上", want: nil},
		{name: "ham en date and time", text: "Meeting moved to 2024-05-17 at 10:30", want: nil},
		{name: "ham zh check-in", text: "今日入住海边民宿，风景太美了", want: nil},
		{name: "ham en you won the game", text: "You won the game last night, congrats!", want: nil},
		{name: "ham zh walked steps", text: "今天走了2万步，腿好酸", want: nil},
		{name: "ham en dots", text: "Wait... what? lol. ok.", want: nil},

		// Contacts.
		{
			name: "wechat id after obfuscated token", text: "有需要的加 微 信：ＡＢＣ１２３",
			want: []string{IDWeChat}, evidence: map[string]string{IDWeChat: "abc***"},
		},
		{name: "v heart id", text: "V❤：lily_888 欢迎咨询", want: []string{IDWeChat, IDSales}},
		{name: "plus v id", text: "➕V：abc1234", want: []string{IDWeChat}},
		{name: "wechat cue only zh", text: "感兴趣的加我薇信", want: []string{IDWeChat}, evidence: map[string]string{IDWeChat: "wechat"}},
		{name: "wechat cue only en", text: "add me on WeChat for details", want: []string{IDWeChat}},
		{name: "wechat id before", text: "13812345678同微信", want: []string{IDWeChat, IDPhone}},
		{
			name: "qq number", text: "扣扣：１２３４５６７８９ 私聊",
			want: []string{IDQQ, IDSales}, evidence: map[string]string{IDQQ: "123***"},
		},
		{
			name: "mobile spaced", text: "电话 138 1234 5678",
			want: []string{IDPhone}, evidence: map[string]string{IDPhone: "138***"},
		},
		{name: "mobile dashed", text: "call 139-1234-5678", want: []string{IDPhone}},
		{name: "mobile +86", text: "+86 186 1234 5678", want: []string{IDPhone}},
		{name: "mobile spaced digits", text: "1 3 8 1 2 3 4 5 6 7 8", want: []string{IDPhone}},
		{name: "mobile zero width and full width", text: "１３８\u200b１２３４\u200b５６７８", want: []string{IDPhone}},
		{name: "wechat is id", text: "my wechat is lily2024 if you want to chat", want: []string{IDWeChat}},
		{name: "long number", text: "账号 6222021234567890", want: []string{IDNumber}},
		{
			name: "mobile in chinese numerals", text: "有事打幺三八一二三四五六七八",
			want: []string{IDPhone}, evidence: map[string]string{IDPhone: "138***"},
		},
		{name: "mobile dingbat digits", text: "电话❶❸❽❶❷❸❹❺❻❼❽", want: []string{IDPhone}},
		{name: "qq in chinese numerals", text: "扣扣：九八七六五四三二一", want: []string{IDQQ}},

		// Links.
		{
			name: "link in text", text: "详情看 www.Example.com/shop?id=1",
			want: []string{IDLink}, evidence: map[string]string{IDLink: "www.example.com"},
		},
		{
			name: "link in list", text: "look", links: []string{"https://Shop.Example.NET:8443/x"},
			want: []string{IDLink}, evidence: map[string]string{IDLink: "shop.example.net"},
		},

		// Prices.
		{name: "price yuan sign", text: "新款到货 ￥99", want: []string{IDPrice}, evidence: map[string]string{IDPrice: "¥99"}},
		{name: "price only dollars", text: "only $9.99 today", want: []string{IDPrice}, evidence: map[string]string{IDPrice: "$9.99"}},
		{name: "price yuan unit and free shipping", text: "面膜一盒59元包邮", want: []string{IDPrice}, evidence: map[string]string{IDPrice: "59元"}},
		{name: "price wan", text: "这款手表5w入手", want: []string{IDPrice}},
		{name: "price discount", text: "全场8折", want: []string{IDPrice}},
		{name: "price decimal discount", text: "全场8.5折", want: []string{IDPrice}},
		{name: "price chinese numerals", text: "九块九包邮", want: []string{IDPrice}, evidence: map[string]string{IDPrice: "九块九"}},
		{name: "no price in year", text: "2018折腾了一整年", want: nil},

		// Sales phrases.
		{
			name: "daigou full ad", text: "🔥正品代购🔥 现货秒发，量大从优，有意者私聊 V信：abc888",
			want: []string{IDWeChat, IDSales},
		},
		{name: "en order now", text: "Limited offer!!! Order now, free shipping worldwide", want: []string{IDSales}},
		{name: "en wholesale with link", text: "Wholesale prices, DM me or visit shop.example.com", want: []string{IDLink, IDSales}},
		{name: "cyrillic order now", text: "оrdеr nоw", want: []string{IDSales}},

		// MLM.
		{
			name: "zh agent recruitment", text: "诚招一级代理，零门槛，宝妈也能做，一部手机在家赚钱！",
			want: []string{IDMLM}, evidence: map[string]string{IDMLM: "一级代理"},
		},
		{name: "zh obfuscated recruitment", text: "招🔥代🔥理，月入过万不是梦，加微信 abc123", want: []string{IDWeChat, IDMLM}},
		{name: "zh daily income", text: "每天两小时，日入300+，时间自由", want: []string{IDMLM}},
		{name: "en be your own boss", text: "Be your own boss! Join my team and earn passive income 💸", want: []string{IDMLM}},
		{name: "en first-level agent", text: "Looking for first-level agents? No: first-level agent wanted", want: []string{IDMLM}},
		{name: "zh part time weak", text: "暑假找兼职", want: []string{IDMLM}},

		// Fraud.
		{
			name: "zh guaranteed returns with rate", text: "内部消息，稳赚不赔，回报率高达30%",
			want: []string{IDFraud}, evidence: map[string]string{IDFraud: "稳赚不赔"},
		},
		{
			name: "zh prize fee", text: "恭喜您中奖了！请先支付手续费即可领奖",
			want: []string{IDFraud}, evidence: map[string]string{IDFraud: "中奖+手续费"},
		},
		{
			name: "zh pay first ship", text: "先付款后发货，不议价",
			want: []string{IDFraud}, evidence: map[string]string{IDFraud: "先付款+发货"},
		},
		{
			name: "zh deposit pre-order is weaker", text: "交了定金，下个月发货",
			want: []string{IDFraud}, evidence: map[string]string{IDFraud: "定金+发货"},
		},
		{name: "zh brushing scam", text: "招刷单员，日赚500", want: []string{IDFraud}},
		{name: "en guaranteed returns", text: "Guaranteed returns, risk-free, double your money in 7 days!", want: []string{IDFraud}},
		{
			name: "en prize processing fee", text: "Congratulations, you have won an iPhone! Claim your prize, just pay the processing fee",
			want: []string{IDFraud}, evidence: map[string]string{IDFraud: "you have won+processing fee"},
		},
		{name: "en deposit", text: "Send a deposit first and I ship tomorrow", want: []string{IDFraud}},
		{name: "en roi percent", text: "ROI of 40% monthly, ask me how", want: []string{IDFraud}},
		{
			name: "en percent before roi", text: "Signals group: 300% ROI every week",
			want: []string{IDFraud}, evidence: map[string]string{IDFraud: "300% roi"},
		},
		{name: "en hashtags", text: "Living my dream 🌴 #bossbabe #passiveincome", want: []string{IDMLM}},
		{name: "zh stay-at-home income", text: "在家带娃也能月入3w，一部手机就能做", want: []string{IDPrice, IDMLM}},

		// Everything at once: order of IDs is fixed.
		{
			name: "all kinds", text: "招代理！稳赚不赔！正品批发¥199，vx:abc123，扣扣12345678，电话13812345678，详情 https://t.example.cn/x",
			want: []string{IDWeChat, IDQQ, IDPhone, IDLink, IDPrice, IDSales, IDMLM, IDFraud},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			norm := textnorm.Normalize(tt.text)
			e := textnorm.Extract(tt.text, norm, tt.links)
			got := Detect(nil, &e, norm)
			if !slices.Equal(ids(got), tt.want) {
				t.Fatalf("Detect(%q) = %+v, want IDs %v", norm, got, tt.want)
			}
			for _, s := range got {
				if want, ok := tt.evidence[s.ID]; ok && s.Evidence != want {
					t.Errorf("%s evidence = %q, want %q", s.ID, s.Evidence, want)
				}
			}
		})
	}
}

func TestDetectAppends(t *testing.T) {
	prefix := []Signal{{ID: "x"}}
	got := Detect(prefix, nil, "零门槛")
	if len(got) != 2 || got[0].ID != "x" || got[1].ID != IDMLM {
		t.Fatalf("Detect did not append: %+v", got)
	}
}

func TestDetectStrongestEvidenceWins(t *testing.T) {
	got := Detect(nil, nil, textnorm.Normalize("兼职，招代理"))
	if len(got) != 1 || got[0].Evidence != "招代理" || got[0].Weight != 0.7 {
		t.Fatalf("want 招代理 at 0.7, got %+v", got)
	}
}

func TestKeywordTable(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range keywordTable {
		if seen[k.text] {
			t.Errorf("duplicate keyword %q", k.text)
		}
		seen[k.text] = true
		if n := textnorm.Normalize(k.text); n != k.text {
			t.Errorf("keyword %q is not in matching form (%q)", k.text, n)
		}
		if k.weight < 0 || k.weight > 1 || k.weight == 0 && k.tags == 0 {
			t.Errorf("keyword %q: weight %v, tags %v", k.text, k.weight, k.tags)
		}
		if len(k.text) > MaxEvidence/2 {
			t.Errorf("keyword %q too long for combined evidence", k.text)
		}
	}
}

func TestVersion(t *testing.T) {
	v := Version()
	if !strings.HasPrefix(v, detectorRevision+"-") || v != Version() {
		t.Fatalf("Version() = %q", v)
	}
}

func TestDetectAllocs(t *testing.T) {
	text := "诚招一级代理，零门槛，宝妈也能做，一部手机在家赚钱！稳赚不赔 ￥99 包邮"
	norm := textnorm.Normalize(text)
	e := textnorm.Extract(text, norm, nil)
	dst := make([]Signal, 0, 16)
	allocs := testing.AllocsPerRun(100, func() { dst = Detect(dst[:0], &e, norm) })
	if allocs != 0 {
		t.Fatalf("Detect allocated %v times for phrase-only evidence", allocs)
	}
}

func FuzzDetect(f *testing.F) {
	f.Add("诚招一级代理，零门槛 加微信abc123", "https://example.com")
	f.Add("扣扣12345678 电话 138 1234 5678 ￥99", "")
	f.Fuzz(func(t *testing.T, text, link string) {
		for _, norm := range []string{text, textnorm.Normalize(text)} {
			e := textnorm.Extract(text, norm, []string{link})
			sigs := Detect(nil, &e, norm)
			if again := Detect(nil, &e, norm); !slices.Equal(sigs, again) {
				t.Fatalf("Detect(%q) not deterministic", norm)
			}
			seen := map[string]bool{}
			for _, s := range sigs {
				if seen[s.ID] {
					t.Fatalf("Detect(%q): ID %s twice", norm, s.ID)
				}
				seen[s.ID] = true
				if !utf8.ValidString(s.Evidence) || len(s.Evidence) > MaxEvidence {
					t.Fatalf("Detect(%q): bad evidence %q", norm, s.Evidence)
				}
				if s.Weight <= 0 || s.Weight > 1 {
					t.Fatalf("Detect(%q): weight %v", norm, s.Weight)
				}
				if !slices.Contains([]string{LabelSales, LabelMLM, LabelFraud, ""}, s.Label) {
					t.Fatalf("Detect(%q): label %q", norm, s.Label)
				}
			}
		}
	})
}

// posts is a mix of average-length posts for BenchmarkDetect.
var posts = []string{
	"🔥🔥厂家直销，一手货源！正品代购，支持验货，量大从优～有意者加 微 信：ＡＢＣ１２３８８，包邮哦❤️",
	"诚招一级代理，零门槛，宝妈也能做，一部手机在家赚钱！月入过万不是梦",
	"早安，今天天气真好，带孩子去公园玩了一下午☀️",
	"Be your own boss! Join my team and earn passive income from home. DM me!",
	"Had dinner with friends tonight, the new place downtown is great.",
	"内部消息，稳赚不赔，回报率高达30%，电话 138 1234 5678",
	"My daughter's first day at school. She was so brave!",
	"Wholesale prices, only $9.99, visit shop.example.com",
}

func BenchmarkDetect(b *testing.B) {
	norms := make([]string, len(posts))
	ents := make([]textnorm.Entities, len(posts))
	for i, p := range posts {
		norms[i] = textnorm.Normalize(p)
		ents[i] = textnorm.Extract(p, norms[i], nil)
	}
	dst := make([]Signal, 0, 16)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := i % len(norms)
		dst = Detect(dst[:0], &ents[p], norms[p])
		i++
	}
}

// BenchmarkExtractDetect is Detect with the entity extraction it relies on,
// comparable to the first version of Detect, which read entities itself.
func BenchmarkExtractDetect(b *testing.B) {
	norms := make([]string, len(posts))
	for i, p := range posts {
		norms[i] = textnorm.Normalize(p)
	}
	var e textnorm.Entities
	dst := make([]Signal, 0, 16)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := i % len(norms)
		textnorm.ExtractInto(&e, posts[p], norms[p], nil)
		dst = Detect(dst[:0], &e, norms[p])
		i++
	}
}

func TestDetectConcurrent(t *testing.T) {
	norms := make([]string, len(posts))
	want := make([][]Signal, len(posts))
	for i, p := range posts {
		norms[i] = textnorm.Normalize(p)
		want[i] = Detect(nil, nil, norms[i])
	}
	done := make(chan bool)
	for g := range 8 {
		go func() {
			defer func() { done <- true }()
			for k := range 200 {
				i := (g + k) % len(norms)
				if got := Detect(nil, nil, norms[i]); !slices.Equal(got, want[i]) {
					t.Errorf("concurrent Detect(%q) = %+v, want %+v", norms[i], got, want[i])
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
}

// TestDetectLargeInputs guards against quadratic scans: each input is 256 KiB
// of a pattern that would make a per-token unbounded look-around quadratic.
// Linear scans take milliseconds; the bound is generous for slow machines.
func TestDetectLargeInputs(t *testing.T) {
	for _, unit := range []string{"wechat-", "wechat:", "qq1", "1,", "9% roi ", "a.", "wechat 1111 ", "加wechat", "1 ", "招代理"} {
		t.Run(unit, func(t *testing.T) {
			s := strings.Repeat(unit, 256<<10/len(unit))
			start := time.Now()
			Detect(nil, nil, s)
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("Detect on %d bytes of %q took %v", len(s), unit, d)
			}
		})
	}
}
