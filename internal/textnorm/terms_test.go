package textnorm

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokenizerAppend(t *testing.T) {
	tests := []struct {
		name string
		text string // raw: normalised by the test
		lang string
		e    *Entities
		want []string
	}{
		{"empty", "", "", nil, []string{TokShort}},
		{"two han characters", "早安", "zh", nil, []string{"早", "早安", "安", TokShort}},
		{"han run and clause", "早安，今天好", "zh", nil, []string{"早", "早安", "安", "今", "今天", "天", "天好", "好"}},
		{"english stemmed", "Running runners ran quickly", "en", nil, []string{"run", "runner", "ran", "quick"}},
		{"default language is english", "Guaranteed returns", "", nil, []string{"guarante", "return"}},
		{"unsupported language is english", "Guaranteed returns", "pt-BR", nil, []string{"guarante", "return"}},
		{"zh post latin words english", "加我wechat领取优惠", "zh", nil, []string{"加", "加我", "我", "wechat", "领", "领取", "取", "取优", "优", "优惠", "惠"}},
		{
			"mixed zh en post", "🔥正品代购 Order now! 只要¥99", "zh", nil,
			[]string{"正", "正品", "品", "品代", "代", "代购", "购", "order", "now", "只", "只要", "要", "#d2"},
		},
		{"spanish", "Ganancias garantizadas trabajando desde casa", "es", nil, []string{"gananci", "garantiz", "trabaj", "desde", "cas"}},
		{"spanish region tag", "trabajando", "es-MX", nil, []string{"trabaj"}},
		{"french", "Revenus garantis", "fr", nil, []string{"revenus", "garant"}},
		{"russian cyrillic always russian", "Заработок дома", "en", nil, []string{"заработок", "дом"}},
		{"greek word unstemmed", "Καλημέρα", "", nil, []string{"καλημέρα"}},
		{"spoofed latin stemmed", "Guаrаntееd rеturns", "", nil, []string{"guarante", "return"}},
		{"repeats collapsed before stemming", "sooooo goooood", "", nil, []string{"sooo", "goood"}},
		{"apostrophe kept in word", "my daughter's school", "en", nil, []string{"my", "daughter", "school"}},
		{"digits split from letters", "lily888 v2", "en", nil, []string{"lili", "#d3", "v", "#d1"}},
		{"mobile bucket", "电话13812345678", "zh", nil, []string{"电", "电话", "话", tokMobile}},
		{"eleven digits not mobile", "12345678901", "", nil, []string{"#d11"}},
		{"long digits", "6222021234567890", "", nil, []string{"#d12+"}},
		{"price digits", "$9.99", "", nil, []string{"#d1", "#d2"}},
		{"hyphen splits", "first-level agent", "en", nil, []string{"first", "level", "agent"}},
		{"emoji and punctuation only", "🔥!", "", nil, []string{TokShort}},
		{
			"entities", "vx abc123", "", &Entities{WeChatIDs: []string{"abc123"}, Emoji: 3, Prices: []Amount{{Value: 99, Currency: "CNY"}}, ReturnClaim: true},
			[]string{"wechat", "abc", "#d3", TokWeChat, TokPrice, TokReturn, "$emoji2-4"},
		},
		{"no entities emoji bucket", "hi", "", &Entities{}, []string{"hi", "$emoji0", TokShort}},
		{"emoji five plus", "hello", "", &Entities{Emoji: 7, URLs: []string{"t.cn"}, Hashtags: []string{"x"}}, []string{"hello", TokURL, TokHashtag, "$emoji5+"}},
	}
	tok := NewTokenizer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			norm := Normalize(tt.text)
			got := tok.Append(nil, norm, tt.lang, tt.e)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Append(%q, %q) = %q, want %q", norm, tt.lang, got, tt.want)
			}
			// Cached: the same result again.
			if again := tok.Append([]string{"x"}, norm, tt.lang, tt.e); !slices.Equal(again[1:], tt.want) || again[0] != "x" {
				t.Fatalf("second Append = %q", again)
			}
		})
	}
}

func TestTokenizerNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	tok := NewTokenizer()
	norm := Normalize("Be your own boss! 💰 Join my team, earn passive income from home. 加微信 abc123 日入500")
	e := &Entities{WeChatIDs: []string{"abc123"}, Emoji: 1}
	dst := tok.Append(nil, norm, "en", e) // warm the cache
	allocs := testing.AllocsPerRun(100, func() { dst = tok.Append(dst[:0], norm, "en", e) })
	if allocs != 0 {
		t.Fatalf("Append allocated %v times in steady state", allocs)
	}
}

func TestTokenizerCacheBounded(t *testing.T) {
	tok := NewTokenizer()
	var b strings.Builder
	for i := range 3 * shardEntries * stemShards / 2 {
		b.Reset()
		for n := i; ; n /= 26 {
			b.WriteByte(byte('a' + n%26))
			if n < 26 {
				break
			}
		}
		w := b.String()
		if got := tok.Append(nil, w, "", nil); len(got) == 0 || got[0] == "" {
			t.Fatalf("Append(%q) = %q", w, got)
		}
	}
	for i := range tok.cache[stemEnglish] {
		if n := len(tok.cache[stemEnglish][i].m); n > shardEntries {
			t.Fatalf("shard %d holds %d entries, bound %d", i, n, shardEntries)
		}
	}
}

func TestTokenizerConcurrent(t *testing.T) {
	tok := NewTokenizer()
	norms := make([]string, len(benchPosts))
	want := make([][]string, len(benchPosts))
	for i, p := range benchPosts {
		norms[i] = Normalize(p.text)
		want[i] = NewTokenizer().Append(nil, norms[i], p.lang, nil)
	}
	done := make(chan bool)
	for g := range 4 {
		go func() {
			defer func() { done <- true }()
			var dst []string
			for k := range 300 {
				i := (g + k) % len(norms)
				if dst = tok.Append(dst[:0], norms[i], benchPosts[i].lang, nil); !slices.Equal(dst, want[i]) {
					t.Errorf("concurrent Append(%q) = %q, want %q", norms[i], dst, want[i])
					return
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
}

func FuzzTokens(f *testing.F) {
	for _, s := range []string{"早安", "Be your own boss! 加微信abc123", "trabajando desde casa", "заработок", "don't 13812345678", "a'b’c"} {
		f.Add(s, "")
	}
	f.Add("Ganancias garantizadas", "es")
	tok := NewTokenizer()
	f.Fuzz(func(t *testing.T, s, lang string) {
		for _, norm := range []string{s, Normalize(s)} {
			got := tok.Append(nil, norm, lang, &Entities{})
			if len(got) == 0 {
				t.Fatalf("Append(%q) returned no token", norm)
			}
			for _, tk := range got {
				if tk == "" || !utf8.ValidString(tk) {
					t.Fatalf("Append(%q, %q): bad token %q in %q", norm, lang, tk, got)
				}
			}
			if again := tok.Append(nil, norm, lang, &Entities{}); !slices.Equal(again, got) {
				t.Fatalf("Append(%q) not deterministic: %q then %q", norm, got, again)
			}
		}
	})
}

// benchPosts is an average post mix: about 60 runes each, Chinese and
// English, ads and ordinary posts.
var benchPosts = []struct{ text, lang string }{
	{"🔥🔥厂家直销，一手货源！正品代购，支持验货，量大从优～有意者加 微 信：ＡＢＣ１２３８８，包邮哦❤️", "zh"},
	{"诚招一级代理，零门槛，宝妈也能做，一部手机在家赚钱！月入过万不是梦，日收益30%", "zh"},
	{"早安，今天天气真好，带孩子去公园玩了一下午☀️ 晚上吃火锅🍲", "zh"},
	{"Be your own boss! Join my team and earn passive income from home. DM me!", "en"},
	{"Had dinner with friends tonight, the new place downtown is great.", "en"},
	{"内部消息，稳赚不赔，回报率高达30%，电话 138 1234 5678", "zh"},
	{"My daughter's first day at school. She was so brave! #proudmom", "en"},
	{"Wholesale prices, only $9.99, visit shop.example.com 💰💰", "en"},
}

func BenchmarkTokens(b *testing.B) {
	norms := make([]string, len(benchPosts))
	for i, p := range benchPosts {
		norms[i] = Normalize(p.text)
	}
	tok := NewTokenizer()
	e := &Entities{Emoji: 2}
	dst := make([]string, 0, 128)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := i % len(norms)
		dst = tok.Append(dst[:0], norms[p], benchPosts[p].lang, e)
		i++
	}
}

// TestTokenizerScripts feeds matching-form text directly: Cyrillic words
// are stemmed as Russian whatever lang says, other scripts are not stemmed.
func TestTokenizerScripts(t *testing.T) {
	tests := []struct {
		name, norm, lang string
		want             []string
	}{
		{"russian", "заработок дома", "en", []string{"заработок", "дом"}},
		{"russian with lang", "работаю дома", "ru", []string{"работа", "дом"}},
		{"greek", "καλημέρα", "", []string{"καλημέρα"}},
		{"kana", "こんにちは", "", []string{"こんにちは"}},
	}
	tok := NewTokenizer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tok.Append(nil, tt.norm, tt.lang, nil); !slices.Equal(got, tt.want) {
				t.Fatalf("Append(%q, %q) = %q, want %q", tt.norm, tt.lang, got, tt.want)
			}
		})
	}
}
