package gen

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// rng draws everything from one PCG stream. Only PCG's Uint64 is used (its
// algorithm is fixed by math/rand/v2); the derived draws are defined here,
// so the stream does not depend on how rand.Rand implements IntN or Float64.
type rng struct{ p *rand.PCG }

func newRNG(seed int64) rng {
	return rng{rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)}
}

func (r rng) u64() uint64 { return r.p.Uint64() }

// intn returns a value in [0, n) for n > 0 (Lemire's multiply; the bias is
// below 2^-40 for the sizes used here).
func (r rng) intn(n int) int {
	hi, _ := bits.Mul64(r.p.Uint64(), uint64(n))
	return int(hi)
}

func (r rng) int63n(n int64) int64 {
	hi, _ := bits.Mul64(r.p.Uint64(), uint64(n))
	return int64(hi)
}

// between returns a value in [lo, hi].
func (r rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// float returns a value in [0, 1).
func (r rng) float() float64 { return float64(r.p.Uint64()>>11) / (1 << 53) }

func (r rng) chance(p float64) bool { return p > 0 && r.float() < p }

func (r rng) pick(xs []string) string { return xs[r.intn(len(xs))] }

// obf is the rune-level obfuscation of the current post. The zero value
// writes text unchanged.
type obf struct {
	on    bool    // any of the below is active
	full  bool    // ASCII digits become full-width (０-９)
	zw    float64 // chance of U+200B after a rune
	wedge float64 // chance of an emoji after a CJK rune
	space float64 // chance of a space after a CJK rune
	cyr   float64 // chance that a Latin letter becomes its Cyrillic look-alike
}

// wedgeEmoji are single-code-point emoji wedged between characters.
var wedgeEmoji = []string{"🌸", "❤", "✨", "🔥", "💰", "👉", "🎁", "⭐", "🍀", "💋"}

// cyrillic maps Latin letters to Cyrillic look-alikes.
var cyrillic = [128]rune{
	'a': 'а', 'c': 'с', 'e': 'е', 'i': 'і', 'o': 'о', 'p': 'р', 'x': 'х', 'y': 'у',
	'A': 'А', 'B': 'В', 'C': 'С', 'E': 'Е', 'H': 'Н', 'K': 'К', 'M': 'М', 'O': 'О',
	'P': 'Р', 'T': 'Т', 'X': 'Х',
}

func isCJK(r rune) bool { return r >= 0x4E00 && r <= 0x9FFF }

// raw appends s unchanged (URLs, handles).
func (g *Generator) raw(s string) { g.buf = append(g.buf, s...) }

// lit appends s with the post's obfuscation.
func (g *Generator) lit(s string) {
	if !g.ob.on {
		g.buf = append(g.buf, s...)
		return
	}
	n := utf8.RuneCountInString(s)
	i := 0
	for _, c := range s {
		i++
		switch {
		case c >= '0' && c <= '9' && g.ob.full:
			g.buf = utf8.AppendRune(g.buf, c-'0'+'０')
		case c < 128 && cyrillic[c] != 0 && g.r.chance(g.ob.cyr):
			g.buf = utf8.AppendRune(g.buf, cyrillic[c])
		default:
			g.buf = utf8.AppendRune(g.buf, c)
		}
		if i == n {
			break
		}
		if isCJK(c) {
			switch {
			case g.r.chance(g.ob.zw):
				g.buf = append(g.buf, "\u200b"...)
			case g.r.chance(g.ob.wedge):
				g.buf = append(g.buf, g.r.pick(wedgeEmoji)...)
			case g.r.chance(g.ob.space):
				g.buf = append(g.buf, ' ')
			}
		} else if c < 128 && c > ' ' && g.ob.zw > 0 && g.r.chance(g.ob.zw/2) {
			g.buf = append(g.buf, "\u200b"...)
		}
	}
}

// kw appends a keyword (a product name, a brand) with twice the post's
// obfuscation: spammers hide exactly the words filters look for.
func (g *Generator) kw(s string) {
	saved := g.ob
	g.ob.zw, g.ob.wedge, g.ob.space, g.ob.cyr = min(2*saved.zw, 0.5), min(2*saved.wedge, 0.5),
		min(2*saved.space, 0.5), min(2*saved.cyr, 0.6)
	g.lit(s)
	g.ob = saved
}

// digits appends the ASCII digits in s, full-width when the post says so.
func (g *Generator) digits(s string) {
	if !g.ob.full {
		g.buf = append(g.buf, s...)
		return
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			g.buf = utf8.AppendRune(g.buf, rune(c-'0')+'０')
		} else {
			g.buf = append(g.buf, c)
		}
	}
}

// int appends n in decimal, full-width when the post says so.
func (g *Generator) int(n int) {
	var b [24]byte
	g.digits(string(strconv.AppendInt(b[:0], int64(n), 10)))
}

// trimRight drops trailing spaces.
func (g *Generator) trimRight() {
	for len(g.buf) > 0 && g.buf[len(g.buf)-1] == ' ' {
		g.buf = g.buf[:len(g.buf)-1]
	}
}

// link appends a URL and records it for Post.Links.
func (g *Generator) link(parts ...string) {
	start := len(g.buf)
	for _, p := range parts {
		g.buf = append(g.buf, p...)
	}
	g.links = append(g.links, [2]int{start, len(g.buf)})
}

// code appends n random characters from alphabet.
func (g *Generator) code(alphabet string, n int) {
	for range n {
		g.buf = append(g.buf, alphabet[g.r.intn(len(alphabet))])
	}
}

const (
	alnum  = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	lower  = "abcdefghijklmnopqrstuvwxyz"
	hexdig = "0123456789abcdef"
	decdig = "0123456789"
)

// beginLine and endLine mark a line of an ad so that lines can be
// reordered and joined afterwards.
func (g *Generator) beginLine() { g.lines = append(g.lines, [2]int{len(g.buf), -1}) }

func (g *Generator) endLine() {
	l := &g.lines[len(g.lines)-1]
	l[1] = len(g.buf)
	if l[1] == l[0] {
		g.lines = g.lines[:len(g.lines)-1] // drop empty lines
	}
}

// join rebuilds buf from its marked lines in the given order (indexes into
// g.lines), separated by sep, moving link spans along.
func (g *Generator) join(order []int, sep string) {
	g.alt = g.alt[:0]
	for k, i := range order {
		if k > 0 {
			g.alt = append(g.alt, sep...)
		}
		s, e := g.lines[i][0], g.lines[i][1]
		shift := len(g.alt) - s
		for j := range g.links {
			if g.links[j][0] >= s && g.links[j][1] <= e {
				g.links[j][0] += shift
				g.links[j][1] += shift
			}
		}
		g.alt = append(g.alt, g.buf[s:e]...)
	}
	g.buf, g.alt = g.alt, g.buf
}

// A template is text with {slot} placeholders, compiled once into segments.
type template []segment

type segment struct {
	lit  string
	fill func(*Generator) // nil for a literal
}

type slots map[string]func(*Generator)

func compile(src string, sl slots) (template, error) {
	var t template
	for len(src) > 0 {
		i := strings.IndexByte(src, '{')
		if i < 0 {
			t = append(t, segment{lit: src})
			break
		}
		if i > 0 {
			t = append(t, segment{lit: src[:i]})
		}
		j := strings.IndexByte(src[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("unclosed slot in %q", src)
		}
		name := src[i+1 : i+j]
		f, ok := sl[name]
		if !ok {
			return nil, fmt.Errorf("unknown slot {%s} in %q", name, src)
		}
		t = append(t, segment{fill: f})
		src = src[i+j+1:]
	}
	return t, nil
}

func compileAll(srcs []string, sl slots) ([]template, error) {
	out := make([]template, len(srcs))
	for i, s := range srcs {
		t, err := compile(s, sl)
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

// expand appends t's text, literals obfuscated as the post says.
func (g *Generator) expand(t template) {
	for _, s := range t {
		if s.fill != nil {
			s.fill(g)
		} else {
			g.lit(s.lit)
		}
	}
}

// list returns a slot that writes one of xs.
func list(xs ...string) func(*Generator) {
	return func(g *Generator) { g.lit(g.r.pick(xs)) }
}

// num returns a slot that writes a number in [lo, hi] and remembers it in
// g.num for slots that derive from it.
func num(lo, hi int) func(*Generator) {
	return func(g *Generator) {
		g.num = g.r.between(lo, hi)
		g.int(g.num)
	}
}

// tables holds the compiled templates; built once, read-only after.
type tables struct {
	normalZh, normalEn []template
	mlmZh, mlmEn       []template
	fraudZh, fraudEn   []template
	mlmIDs, fraudIDs   []string // campaign ids: zh templates first, then en
}

var loadTables = sync.OnceValues(func() (*tables, error) {
	var t tables
	var err error
	steps := []struct {
		dst  *[]template
		srcs []string
		sl   slots
	}{
		{&t.normalZh, normalZhTemplates, normalSlots},
		{&t.normalEn, normalEnTemplates, normalSlots},
		{&t.mlmZh, mlmZhTemplates, spamSlots},
		{&t.mlmEn, mlmEnTemplates, spamSlots},
		{&t.fraudZh, fraudZhTemplates, spamSlots},
		{&t.fraudEn, fraudEnTemplates, spamSlots},
	}
	for _, s := range steps {
		if *s.dst, err = compileAll(s.srcs, s.sl); err != nil {
			return nil, fmt.Errorf("gen: %w", err)
		}
	}
	ids := func(prefix string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s%02d", prefix, i)
		}
		return out
	}
	t.mlmIDs = ids("mlm-", len(t.mlmZh)+len(t.mlmEn))
	t.fraudIDs = ids("fraud-", len(t.fraudZh)+len(t.fraudEn))
	return &t, nil
})
