package gen

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/circleguard/circleguard/internal/post"
)

// perm returns a random permutation of [0, n).
func (r rng) perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// build creates every account. Author IDs are "a" and a number from one
// shuffled sequence, so an ID says nothing about the account's kind.
func (g *Generator) build() {
	c := g.cfg
	total := c.NormalAuthors + c.Brushers + c.Networks*c.NetworkSize + c.MLMAuthors + c.FraudAuthors
	ids := g.r.perm(total)
	width := max(5, len(strconv.Itoa(total-1)))
	next := 0
	newAccount := func(k Kind) account {
		a := account{id: fmt.Sprintf("a%0*d", width, ids[next])}
		next++
		a.author = g.newAuthor(k)
		return a
	}

	g.normal = make([]account, c.NormalAuthors)
	for i := range g.normal {
		g.normal[i] = newAccount(Normal)
	}

	english := g.stratify(c.Brushers, c.English)
	g.brushers = make([]account, c.Brushers)
	for i := range g.brushers {
		a := newAccount(Brusher)
		g.contacts(&a, g.r.between(1, 3))
		a.obf = g.level()
		a.ad = g.newAd(fmt.Sprintf("brush-%03d", i), english[i])
		a.ad.prefixes = brusherPrefixZh
		if a.ad.en {
			a.ad.prefixes = brusherPrefixEn
		}
		g.brushers[i] = a
	}

	english = g.stratify(c.Networks, c.English)
	g.networks = make([][]account, c.Networks)
	for n := range g.networks {
		d := g.newAd(fmt.Sprintf("net-%d", n), english[n])
		d.obf = g.level()
		d.prefixes = networkPrefixZh
		if d.en {
			d.prefixes = networkPrefixEn
		}
		net := make([]account, c.NetworkSize)
		for i := range net {
			a := newAccount(Network)
			g.contacts(&a, 1)
			// Accounts of one network obfuscate alike, give or take.
			a.obf = min(1, max(0, d.obf+float64(0.3*(g.r.float()-0.5))))
			a.ad = d
			net[i] = a
		}
		g.networks[n] = net
	}

	g.mlm = make([]account, c.MLMAuthors)
	for i := range g.mlm {
		a := newAccount(MLM)
		g.contacts(&a, 1)
		a.obf = 0.7 * g.level()
		a.zhT, a.enT = g.prefer(len(mlmZhTemplates)), g.prefer(len(mlmEnTemplates))
		if g.r.chance(0.5) {
			a.media = g.photos(g.r.between(1, 3)) // income screenshots
		}
		g.mlm[i] = a
	}

	g.fraud = make([]account, c.FraudAuthors)
	for i := range g.fraud {
		a := newAccount(Fraud)
		g.contacts(&a, 1)
		a.obf = g.level()
		a.zhT, a.enT = g.prefer(len(fraudZhTemplates)), g.prefer(len(fraudEnTemplates))
		if g.r.chance(0.5) {
			a.media = g.photos(1) // the "prize", the "profit chart"
		}
		g.fraud[i] = a
	}

	for _, k := range []struct {
		kind Kind
		n    int
	}{{Brusher, c.Brushers}, {Network, c.Networks * c.NetworkSize}, {MLM, c.MLMAuthors}, {Fraud, c.FraudAuthors}} {
		if k.n > 0 {
			g.spam = append(g.spam, k.kind)
		}
	}
}

// stratify returns n flags of which round(share·n) are true, in random
// order: exact proportions even for a handful of networks.
func (g *Generator) stratify(n int, share float64) []bool {
	out := make([]bool, n)
	k := int(math.Round(share * float64(n)))
	for i, j := range g.r.perm(n) {
		out[j] = i < k
	}
	return out
}

// level draws an obfuscation level: a fifth of spammers write clean text,
// the rest anything from light to heavy.
func (g *Generator) level() float64 {
	if g.r.chance(0.2) {
		return 0.05
	}
	return 0.2 + float64(0.8*g.r.float())
}

// prefer picks the 2 to 4 templates an MLM or fraud account mostly uses.
func (g *Generator) prefer(n int) []int {
	k := min(n, g.r.between(2, 4))
	return g.r.perm(n)[:k:k]
}

var (
	wxNames  = []string{"lily", "mm", "xiaomei", "tt", "anna", "coco", "vivi", "jia", "mei", "baobao", "amy", "yoyo", "kiki", "dd", "zz", "shop", "hao", "lucky", "sunny", "grace"}
	wxSeps   = []string{"", "", "_", "-"}
	mobiles  = []string{"138", "139", "159", "158", "186", "188", "177", "136", "151", "187", "199", "135", "182"}
	intlFmts = []string{"+60 1%d-%03d %04d", "+852 %d%03d %04d", "+65 %d%03d %04d", "+1 415 5%02d %04d", "+44 7%d%02d %06d"}
	scamA    = []string{"claim", "prize", "gift", "vip", "bonus", "lucky", "win", "reward", "secure", "pay"}
	scamB    = []string{"center", "zone", "club", "hub", "now", "online", "service"}
	scamTLD  = []string{".top", ".xyz", ".cc", ".vip", ".icu", ".shop"}
)

// contacts gives a spam account its WeChat ID, phones (a brusher rotates
// between a few), an international number, a handle and a scam domain.
func (g *Generator) contacts(a *account, phones int) {
	name := g.r.pick(wxNames)
	a.wxid = name + g.r.pick(wxSeps) + strconv.Itoa(g.r.between(100, 999999))
	for range phones {
		a.phones = append(a.phones, g.r.pick(mobiles)+fmt.Sprintf("%08d", g.r.intn(100_000_000)))
	}
	f := g.r.pick(intlFmts)
	switch f[:3] {
	case "+1 ":
		a.intl = fmt.Sprintf(f, g.r.intn(100), g.r.intn(10000))
	case "+44":
		a.intl = fmt.Sprintf(f, g.r.intn(10), g.r.intn(100), g.r.intn(1_000_000))
	default:
		a.intl = fmt.Sprintf(f, g.r.between(1, 9), g.r.intn(1000), g.r.intn(10000))
	}
	a.handle = "@" + name + strconv.Itoa(g.r.between(10, 9999))
	a.domain = g.r.pick(scamA) + "-" + g.r.pick(scamB) + strconv.Itoa(g.r.between(1, 99)) + g.r.pick(scamTLD)
}

// newAuthor returns what the platform knows of a new account of kind k:
// nil for about 15% of accounts, else its age and friend count, which
// differ by kind (scam accounts are young, brushers have thousands of
// friends).
func (g *Generator) newAuthor(k Kind) *post.Author {
	if g.r.chance(0.15) {
		return nil
	}
	const day = 24 * time.Hour
	var ageDays, friends int
	switch k {
	case Brusher:
		ageDays, friends = g.r.between(200, 2500), g.r.between(2000, 9800)
	case Network:
		ageDays, friends = g.r.between(20, 200), g.r.between(50, 600)
	case MLM:
		ageDays, friends = g.r.between(100, 3500), g.r.between(500, 5000)
	case Fraud:
		ageDays, friends = g.r.between(1, 60), g.r.between(5, 300)
	default:
		ageDays = g.r.between(365, 5000)
		// 20 to 3000 friends, most near the low end.
		x := g.r.between(0, 2980)
		friends = 20 + x*x/2980
	}
	created := g.cfg.Start.Add(-time.Duration(ageDays)*day - time.Duration(g.r.int63n(int64(day)))).Truncate(time.Second)
	f := int64(friends)
	return &post.Author{AccountCreatedAt: &created, Friends: &f}
}
