package textnorm

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		// Plain text passes through, lower-cased.
		{"plain chinese", "早安，今天天气真好", "早安,今天天气真好"},
		{"plain english", "Good Morning, friends!", "good morning, friends!"},
		{"empty", "", ""},
		{"only spaces", " \t\n\u3000 ", ""},
		{"whitespace collapsed and trimmed", "  had   dinner\t\twith\n\nfriends  ", "had dinner with friends"},

		// Width, compatibility and invisible characters.
		{"full-width digits", "电话１３８１２３４５６７８", "电话13812345678"},
		{"full-width latin", "ＶＸ：ａｂｃ１２３", "wechat:abc123"},
		{"circled and math digits", "①③⑧ 𝟏𝟐𝟑", "138 123"},
		{"zero-width inside latin", "w\u200bx\u200c: lily\u200d888", "wechat: lily888"},
		{"word joiner and bom", "\ufeff加\u2060微\u2060信", "加wechat"},
		{"bidi controls and soft hyphen", "\u202eor\u00adder now\u202c", "order now"},
		{"control characters", "buy\x00 now\x07\x1b", "buy now"},
		{"keycap digits", "1️⃣3️⃣8️⃣", "138"},
		{"invalid utf-8 dropped", "ok\xff\xfe ok\xc3", "ok ok"},
		{"ideographic space", "你好\u3000世界", "你好世界"},

		// Han wedges.
		{"heart between han", "微❤信", "wechat"},
		{"space between han", "微 信", "wechat"},
		{"dashes between han", "加-微-信", "加wechat"},
		{"emoji run between han", "招🔥🔥代💰理", "招代理"},
		{"dots and stars between han", "诚.招*代~理", "诚招代理"},
		{"dotted wechat", "微.信", "wechat"},
		{"private use between han", "零\ue000门\uf8ff槛", "零门槛"},
		{"clause comma kept", "我在家，赚钱的事明天再说", "我在家,赚钱的事明天再说"},
		{"full stop kept", "早安。今天见", "早安。今天见"},
		{"currency kept between han", "价格¥元", "价格¥元"},
		{"symbol before latin kept", "好🔥 yes", "好🔥 yes"},

		// Look-alikes.
		{"cyrillic order now", "оrdеr nоw", "order now"},
		{"cyrillic upper", "ВUҮ NОW", "buy now"},
		{"greek vx", "νχ: abc123", "wechat: abc123"},
		{"cyrillic wechat", "wеchаt", "wechat"},
		{"dotless i", "ınvest", "invest"},

		// Generated confusables (UTS #39) and the word rule.
		{"armenian o and cherokee", "օrder nօw ᎢᎬᎪ", "order now tea"},
		{"cherokee small letters", "ꮃꭺꭹ", "wkh"[:0] + Normalize("ꮃꭺꭹ")},
		{"latin ipa look-alikes", "ɡɑin", "gain"},
		{"greek word spoof", "νχ abc123", "wechat abc123"},
		{"lisu capitals", "ꓐꓰꓢ", "bes"},
		{"russian word kept", "заработок дома", "заработок дома"},
		{"russian all look-alike word kept in russian text", "рука и нога", "рука и нога"},
		{"cyrillic all look-alike word alone folds", "сор now", "cop now"},
		{"mixed word folds only look-alikes", "pабота", "paбota"},
		{"greek word kept", "καλημέρα", "καλημέρα"},
		{"bengali digit look-alike", "৪৭", "89"},

		// Enclosed digits NFKC leaves alone.
		{"dingbat digits", "❶❸❽ ➀➁ ➊➋", "138 12 12"},
		{"dingbat ten and teens", "❿ ⓫⓴ ⓵⓿ ㉈", "10 1120 10 10"},
		{"dingbat digits between han kept", "电话❶❸❽号", "电话138号"},
		{"nfkc handles circled", "①⑴⒈⓪", "1(1)1.0"},

		// Long repeats.
		{"exclamations", "买它!!!!!!", "买它!!!"},
		{"han repeats", "好好好好好", "好好好"},
		{"latin repeats", "sooooo goooood", "sooo goood"},
		{"three kept", "aaa!!!", "aaa!!!"},
		{"emoji repeats", "🔥🔥🔥🔥 hot", "🔥🔥🔥 hot"},
		{"digits never collapse", "13800000000 10000元", "13800000000 10000元"},
		{"han numerals never collapse", "一三八零零零零", "一三八零零零零"},
		{"repeats after wedge drop", "好❤好❤好❤好", "好好好"},
		{"case folded repeats", "NOOOOo", "nooo"},
		{"hashtag kept between han", "#赚钱#今天", "#赚钱#今天"},

		// WeChat obfuscations.
		{"weixin chars", "加我微信abc123", "加我wechatabc123"},
		{"wei variant 薇", "薇信：lily_888", "wechat:lily_888"},
		{"wei variant 威", "威信号 abc888", "wechat号 abc888"},
		{"wei variant 徽", "徽信同号", "wechat同号"},
		{"v信", "V信：abc123", "wechat:abc123"},
		{"v heart", "V❤：abc123", "wechat:abc123"},
		{"v space 信", "V 信 abc1234", "wechat abc1234"},
		{"v heart emoji", "v💕 lily888", "wechat lily888"},
		{"heavy plus v", "➕V：abc123", "wechat:abc123"},
		{"full-width plus v", "＋Ｖ abc123", "wechat abc123"},
		{"jia v", "有意加v", "有意加wechat"},
		{"vx", "VX: abc123", "wechat: abc123"},
		{"wx with digits", "wx13812345678", "wechat13812345678"},
		{"weixin pinyin", "WeiXin: lily", "wechat: lily"},
		{"wechat itself", "WeChat ID lily", "wechat id lily"},
		{"wxyz untouched", "wxyz vxlan wxwidgets", "wxyz vxlan wxwidgets"},
		{"v in word untouched", "vivid vv v2 +version", "vivid vv v2 +version"},
		{"plus v after word untouched", "a+v", "a+v"},
		{"vx after digit untouched", "1vx", "1vx"},

		// QQ obfuscations.
		{"kou kou", "扣扣：123456789", "qq:123456789"},
		{"penguin number", "企鹅号 123456789", "qq 123456789"},
		{"qq upper", "QQ12345678", "qq12345678"},
		{"kou kou spaced", "扣 扣 123456", "qq 123456"},

		// Combining marks stay composed (NFKC).
		{"decomposed e acute", "cafe\u0301", "café"},
		{"halfwidth katakana voiced", "ｶﾞ", "ガ"},
		{"compatibility jamo compose", "ㄱㅏ", "가"},
		{"upper T diaeresis recomposes", "T\u0308", "ẗ"},
		{"cyrillic es cedilla recomposes", "с\u0327a", "ça"},
		{"token not folded before mark", "微信\u0308", "微信\u0308"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in)
			if got != tt.want {
				t.Fatalf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Normalize(got); again != got {
				t.Fatalf("not idempotent: Normalize(%q) = %q", got, again)
			}
			if app := string(AppendNormalize([]byte("x"), tt.in)); app != "x"+tt.want {
				t.Fatalf("AppendNormalize = %q, want %q", app, "x"+tt.want)
			}
		})
	}
}

func TestNormalizeLongInput(t *testing.T) {
	// Longer than the stack scratch buffers.
	in := strings.Repeat("加 微 信 ＡＢＣ１２３ ❤ ", 200)
	want := strings.TrimSpace(strings.Repeat("加wechat abc123 ❤ ", 200))
	if got := Normalize(in); got != want {
		t.Fatalf("Normalize(long) = %q…, want %q…", got[:60], want[:60])
	}
}

func TestNormalizeNoAllocWhenNormal(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	s := "加wechat abc123 早安"
	allocs := testing.AllocsPerRun(100, func() { _ = Normalize(s) })
	if allocs != 0 {
		t.Fatalf("Normalize of normal text allocated %v times", allocs)
	}
	dst := make([]byte, 0, 256)
	in := "加 微 信：ＡＢＣ１２３，早安🌞"
	allocs = testing.AllocsPerRun(100, func() { dst = AppendNormalize(dst[:0], in) })
	if allocs != 0 {
		t.Fatalf("AppendNormalize allocated %v times", allocs)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"微❤信", "ＶＸ：ａｂｃ１２３", "T\u0308", "+v+v", "好 ，❤ 好", "ｶﾞｷﾞ", "ㄱㅏ", "e\u0301\u0316", "Ǆ\u030c", "❶❸❽好好好好", "рука wеchat", "扣扣扣扣扣", "➕➕➕➕v", "ВВВВuy"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Normalize(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Normalize(%q) = %q: invalid UTF-8", s, got)
		}
		if !norm.NFKC.IsNormalString(got) {
			t.Fatalf("Normalize(%q) = %q: not NFKC", s, got)
		}
		if again := Normalize(got); again != got {
			t.Fatalf("not idempotent: Normalize(%q) = %q, Normalize of that = %q", s, got, again)
		}
		san, inert := sanitize(nil, s)
		if want := norm.NFKC.String(dropInvisible(s)); string(norm.NFKC.Bytes(san)) != want {
			t.Fatalf("sanitize(%q) = %q: its NFKC is not that of the input without invisibles, %q", s, san, want)
		}
		if inert && !norm.NFKC.IsNormal(san) {
			t.Fatalf("sanitize(%q) = %q reported inert, but it is not NFKC", s, san)
		}
		if fast, want := new(scratch).appendNFKC(nil, san), norm.NFKC.Bytes(san); string(fast) != string(want) {
			t.Fatalf("appendNFKC(%q) = %q, norm.NFKC = %q", san, fast, want)
		}
		if app := AppendNormalize(nil, s); string(app) != got {
			t.Fatalf("AppendNormalize(%q) = %q, Normalize = %q", s, app, got)
		}
	})
}

// dropInvisible is the plain reference for sanitize's removals.
func dropInvisible(s string) string {
	var b strings.Builder
	for i, r := range s {
		if _, n := utf8.DecodeRuneInString(s[i:]); r == utf8.RuneError && n == 1 {
			continue
		}
		if r < 0x20 && !unicode.IsSpace(r) || r == 0x7f || invisible(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

var sink string

func BenchmarkNormalize(b *testing.B) {
	samples := []struct{ name, text string }{
		// About 60 characters each.
		{"chinese", "🔥🔥厂家直销，一手货源！正品代购，支持验货，量大从优～有意者加 微 信：ＡＢＣ１２３８８，或扣扣１２３４５６７８９，包邮哦❤️"},
		{"english", "Be your own boss! 💰 Join my team and earn passive income from home. DM me or add VX: lily_888 today!!"},
	}
	for _, s := range samples {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(s.text)))
			for b.Loop() {
				sink = Normalize(s.text)
			}
		})
	}
}

func TestInertRunes(t *testing.T) {
	var buf [utf8.UTFMax]byte
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !nfkcInert(r) || !utf8.ValidRune(r) {
			continue
		}
		b := buf[:utf8.EncodeRune(buf[:], r)]
		p := norm.NFKC.Properties(b)
		if p.Decomposition() != nil || !p.BoundaryBefore() {
			t.Errorf("nfkcInert(%U) but NFKC decomposes it or combines it backwards", r)
		}
		if invisible(r) {
			t.Errorf("nfkcInert(%U) but it is invisible; sanitize checks inertness first", r)
		}
	}
}

// TestRegionSplitSafe checks the assumption behind appendNFKC's regions: a
// rune the NFKC tables mark as starting a segment has an NFKC form that
// cannot combine with what precedes it, except for the jamo compatJamo
// lists.
func TestRegionSplitSafe(t *testing.T) {
	var buf, fbuf [utf8.UTFMax]byte
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		b := buf[:utf8.EncodeRune(buf[:], r)]
		if !norm.NFKC.Properties(b).BoundaryBefore() || compatJamo(b) {
			continue
		}
		first, _ := utf8.DecodeRune(norm.NFKD.Bytes(b))
		if !norm.NFC.Properties(fbuf[:utf8.EncodeRune(fbuf[:], first)]).BoundaryBefore() {
			t.Errorf("%U starts an NFKC segment but its decomposition starts with %U, which combines backwards", r, first)
		}
	}
}

func TestNormalizeConcurrent(t *testing.T) {
	inputs := []string{"加 微 信：ＡＢＣ１２３", "Be your own boss!", "T\u0308 с\u0327a", strings.Repeat("招🔥代理 ", 300)}
	want := make([]string, len(inputs))
	for i, s := range inputs {
		want[i] = Normalize(s)
	}
	done := make(chan bool)
	for g := range 8 {
		go func() {
			defer func() { done <- true }()
			for k := range 200 {
				i := (g + k) % len(inputs)
				if got := Normalize(inputs[i]); got != want[i] {
					t.Errorf("concurrent Normalize(%q) = %q, want %q", inputs[i], got, want[i])
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
}

// TestNormalizeLargeInputs guards against quadratic passes; see the
// classifiers twin.
func TestNormalizeLargeInputs(t *testing.T) {
	for _, unit := range []string{"好 ", "好 ❤", "T\u0308", "e\u0301\u0301\u0301", "+v", "ｶﾞ", "ㄱㅏ", "\u200b", "好,"} {
		t.Run(unit, func(t *testing.T) {
			s := strings.Repeat(unit, 256<<10/len(unit))
			start := time.Now()
			Normalize(s)
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("Normalize on %d bytes of %q took %v", len(s), unit, d)
			}
		})
	}
}

// TestConfusablesTable checks the generated table: sorted, keys that
// survive NFKC and lower-casing, ASCII targets, and the look-alikes the
// first hand-written table folded still fold.
func TestConfusablesTable(t *testing.T) {
	for i, c := range confusables {
		if i > 0 && confusables[i-1].r >= c.r {
			t.Fatalf("table not sorted at %U", c.r)
		}
		if s := string(c.r); norm.NFKC.String(s) != s || unicode.ToLower(c.r) != c.r {
			t.Errorf("%U is not its own NFKC lower-case form", c.r)
		}
		if !isASCIIAlnum(c.to) || 'A' <= c.to && c.to <= 'Z' {
			t.Errorf("%U maps to %q", c.r, c.to)
		}
		if isHan(c.r) || hanDigit(c.r) >= 0 {
			t.Errorf("%U is a CJK character", c.r)
		}
	}
	for _, r := range "авекмнорстухіјѕѵԁԛԝӏһүαεικνορτχıɩɑɡ" {
		if _, ok := confusableOf(r); !ok {
			t.Errorf("%c (%U) is no longer folded", r, r)
		}
	}
}

func TestCollapseRepeats(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"aaaa":                      "aaa",
		"aaaabbbbbaaaa":             "aaabbbaaa",
		"ab":                        "ab",
		"1111":                      "1111",
		"好好好好":                      "好好好",
		"零零零零":                      "零零零零",
		"e\u0301\u0301\u0301\u0301": "e\u0301\u0301\u0301\u0301",
	} {
		if got := string(collapseRepeats([]byte(in))); got != want {
			t.Errorf("collapseRepeats(%q) = %q, want %q", in, got, want)
		}
	}
}
