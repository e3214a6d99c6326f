package gen

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/circleguard/circleguard/internal/post"
)

// Kind is what produced a post.
type Kind string

// The kinds of account that produce posts.
const (
	Normal  Kind = "normal"  // an ordinary user
	Brusher Kind = "brusher" // a micro-merchant posting one ad again and again with small changes (刷屏)
	Network Kind = "network" // an agent account copying its network's ad (same ad across many accounts)
	MLM     Kind = "mlm"     // recruitment of agents / downlines
	Fraud   Kind = "fraud"   // scams: pay first, guaranteed returns, fake prizes asking a fee
)

// Kinds lists every Kind, Normal first. Do not modify it.
var Kinds = []Kind{Normal, Brusher, Network, MLM, Fraud}

// Label values used in Truth.Labels; they are the verdict labels of the
// output contract.
const (
	LabelSales    = "sales"
	LabelBrushing = "brushing"
	LabelMLM      = "mlm"
	LabelFraud    = "fraud"
)

// Labels returns the ground-truth labels of a post of kind k: nil for Normal
// (and unknown kinds); sales+brushing for Brusher and Network; mlm for MLM;
// fraud for Fraud. The returned slice is shared: do not modify it.
func Labels(k Kind) []string {
	switch k {
	case Brusher, Network:
		return labelsSalesBrushing
	case MLM:
		return labelsMLM
	case Fraud:
		return labelsFraud
	}
	return nil
}

// Full slice expressions (len == cap): an append by a careless caller copies
// instead of writing into the shared array.
var (
	labelsSalesBrushing = []string{LabelSales, LabelBrushing}[:2:2]
	labelsMLM           = []string{LabelMLM}[:1:1]
	labelsFraud         = []string{LabelFraud}[:1:1]
)

// Truth is the ground truth of one generated post.
type Truth struct {
	Kind Kind
	// Labels is a subset of "sales", "brushing", "mlm", "fraud"; nil for
	// Normal. Shared between items: read-only.
	Labels []string
	// Campaign is the id of the ad template/campaign a spam post came from
	// ("" for Normal); copies share it. Brushers: "brush-NNN" (one ad per
	// brusher); networks: "net-N" (one ad per network); MLM and fraud:
	// "mlm-NN" / "fraud-NN", the template the text was filled from.
	Campaign string
}

// Item is one generated post with its ground truth.
type Item struct {
	Post  post.Post
	Truth Truth
}

// Config configures a Generator. A zero field takes its default (unless
// Exact is set, see there); the zero Config is valid.
type Config struct {
	// Seed selects the stream. Default: 1 (so 0 and 1 give the same stream).
	Seed int64
	// Start is where event time begins: the first post's created_at is
	// Start plus one gap (see Interval). Default: 2026-11-01T08:00:00Z.
	Start time.Time
	// Interval is the mean event-time gap between consecutive posts, at
	// most 24h; each gap is uniform in [Interval/2, 3*Interval/2) and at
	// least 1ns, so created_at strictly increases. Default: 200ms.
	Interval time.Duration
	// NormalAuthors is the number of ordinary accounts. Their activity is
	// skewed: a few post often, most rarely. The default gives a stream of
	// the default Interval about six posts per ordinary account a day, as
	// on a real feed. Default: 50,000.
	NormalAuthors int
	// Brushers is the number of micro-merchants, each reposting its own ad.
	// Default: 40.
	Brushers int
	// Networks is the number of agent networks. Default: 4.
	Networks int
	// NetworkSize is the number of accounts per network. Default: 25.
	NetworkSize int
	// MLMAuthors is the number of MLM recruiters. Default: 30.
	MLMAuthors int
	// FraudAuthors is the number of scam accounts. Default: 30.
	FraudAuthors int
	// SpamShare is the expected share of posts that are not Normal. It is
	// split equally between the spam kinds that have accounts (with the
	// defaults: 7.5% each for Brusher, Network, MLM and Fraud).
	// Default: 0.3.
	SpamShare float64
	// English is the expected share of posts in English; the rest are in
	// Chinese. Normal, MLM and fraud posts draw their language per post;
	// brushers and networks have one language per ad, assigned so that
	// round(English × count) of them are English. Default: 0.25.
	English float64
	// Exact makes zero mean zero for the counts (NormalAuthors, Brushers,
	// Networks, NetworkSize, MLMAuthors, FraudAuthors) and the shares
	// (SpamShare, English) instead of the default, e.g. to generate only
	// normal posts (SpamShare 0) or no fraud (FraudAuthors 0). Seed, Start
	// and Interval still default when zero. Default: false.
	Exact bool
}

// Defaults of Config, applied to zero fields.
const (
	DefaultSeed          = 1
	DefaultInterval      = 200 * time.Millisecond
	DefaultNormalAuthors = 50000
	DefaultBrushers      = 40
	DefaultNetworks      = 4
	DefaultNetworkSize   = 25
	DefaultMLMAuthors    = 30
	DefaultFraudAuthors  = 30
	DefaultSpamShare     = 0.3
	DefaultEnglish       = 0.25
)

// DefaultStart is the default Config.Start.
var DefaultStart = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)

// Limits: accounts are all built up front; a day between posts is plenty.
const (
	maxAccounts = 10_000_000
	maxInterval = 24 * time.Hour
)

func (c Config) withDefaults() Config {
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Exact {
		return c
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.NormalAuthors, DefaultNormalAuthors)
	def(&c.Brushers, DefaultBrushers)
	def(&c.Networks, DefaultNetworks)
	def(&c.NetworkSize, DefaultNetworkSize)
	def(&c.MLMAuthors, DefaultMLMAuthors)
	def(&c.FraudAuthors, DefaultFraudAuthors)
	if c.SpamShare == 0 {
		c.SpamShare = DefaultSpamShare
	}
	if c.English == 0 {
		c.English = DefaultEnglish
	}
	return c
}

// Validate reports every problem of c (after defaults), joined into one
// error, or nil.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("gen: "+format, args...))
	}
	if c.Interval < 0 || c.Interval > maxInterval {
		bad("Interval is %v, want it in (0, %v] (or 0 for the default %v)", c.Interval, maxInterval, DefaultInterval)
	}
	counts := []struct {
		name string
		v    int
	}{
		{"NormalAuthors", c.NormalAuthors},
		{"Brushers", c.Brushers},
		{"Networks", c.Networks},
		{"NetworkSize", c.NetworkSize},
		{"MLMAuthors", c.MLMAuthors},
		{"FraudAuthors", c.FraudAuthors},
	}
	insane := false
	for _, f := range counts {
		switch {
		case f.v < 0:
			bad("%s is %d, want >= 0", f.name, f.v)
			insane = true
		case f.v > maxAccounts:
			bad("%s is %d, want at most %d", f.name, f.v, maxAccounts)
			insane = true // skip the totals, which could overflow
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"SpamShare", c.SpamShare}, {"English", c.English}} {
		if math.IsNaN(f.v) || f.v < 0 || f.v > 1 {
			bad("%s is %v, want a share in [0, 1]", f.name, f.v)
		}
	}
	if insane { // the checks below assume sane counts
		return errors.Join(errs...)
	}
	if c.Networks > 0 && c.NetworkSize == 0 {
		bad("Networks is %d but NetworkSize is 0: a network needs accounts", c.Networks)
	}
	// Each count is at most maxAccounts here: the sum cannot overflow.
	total := int64(c.NormalAuthors) + int64(c.Brushers) + int64(c.Networks)*int64(c.NetworkSize) +
		int64(c.MLMAuthors) + int64(c.FraudAuthors)
	switch {
	case total > maxAccounts:
		bad("%d accounts in all, want at most %d", total, maxAccounts)
	case total == 0:
		bad("no accounts: every count is 0")
	default:
		spam := total - int64(c.NormalAuthors)
		if c.SpamShare > 0 && spam == 0 {
			bad("SpamShare is %v but there are no spam accounts (Brushers, Networks×NetworkSize, MLMAuthors, FraudAuthors are 0)", c.SpamShare)
		}
		if c.SpamShare < 1 && c.NormalAuthors == 0 {
			bad("SpamShare is %v but NormalAuthors is 0: set SpamShare to 1 or add normal authors", c.SpamShare)
		}
	}
	return errors.Join(errs...)
}

// account is one author.
type account struct {
	id     string
	author *post.Author // nil when the platform knows nothing; shared by the account's posts
	ad     *ad          // brushers and networks
	// Contacts: a brusher rotates between a few phones; everyone else has one.
	wxid   string
	phones []string
	intl   string       // an international phone number, for English ads
	handle string       // a Telegram/Instagram-style handle
	domain string       // fraud: the scam site's host
	posts  int          // posts so far: drives "Day N" / "第N天" prefixes
	obf    float64      // obfuscation level, 0 clean .. 1 heavy
	media  []post.Media // MLM and fraud: the screenshots they attach
	// templates this MLM/fraud account prefers (indexes into the zh or en set).
	zhT, enT []int
}

// Generator produces the stream. It is not safe for concurrent use.
type Generator struct {
	cfg      Config
	r        rng
	tab      *tables
	seq      uint64
	elapsed  time.Duration
	normal   []account
	brushers []account
	networks [][]account
	mlm      []account
	fraud    []account
	spam     []Kind // the spam kinds with accounts, drawn equally

	// Per-post text state.
	buf   []byte
	alt   []byte   // scratch for reordering lines
	lines [][2]int // line spans in buf
	links [][2]int // link spans in buf
	ob    obf
	acct  *account
	num   int  // a number shared between the slots of one post (e.g. "Day N")
	en    bool // the template post being written is in English
}

// New returns a generator for cfg; zero fields take their defaults.
func New(cfg Config) (*Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tab, err := loadTables()
	if err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	g := &Generator{
		cfg: cfg,
		r:   newRNG(cfg.Seed),
		tab: tab,
		buf: make([]byte, 0, 512),
		alt: make([]byte, 0, 512),
	}
	g.build()
	return g, nil
}

// Config returns the generator's configuration with defaults applied.
func (g *Generator) Config() Config { return g.cfg }

// Next returns the next post of the stream.
func (g *Generator) Next() Item {
	g.seq++
	gap := g.cfg.Interval/2 + time.Duration(g.r.int63n(int64(g.cfg.Interval)))
	if gap < 1 {
		gap = 1
	}
	g.elapsed += gap

	g.buf = g.buf[:0]
	g.lines = g.lines[:0]
	g.links = g.links[:0]
	g.ob = obf{}

	var (
		kind     = Normal
		campaign string
		lang     string
		media    []post.Media
		a        *account
	)
	if g.cfg.SpamShare > 0 && (g.cfg.SpamShare >= 1 || g.r.float() < g.cfg.SpamShare) {
		kind = g.spam[g.r.intn(len(g.spam))]
	}
	switch kind {
	case Normal:
		a = g.pickNormal()
		g.acct = a
		lang, media = g.normalPost()
	case Brusher:
		a = &g.brushers[g.r.intn(len(g.brushers))]
		g.acct = a
		lang, media, campaign = g.adPost()
	case Network:
		net := g.networks[g.r.intn(len(g.networks))]
		a = &net[g.r.intn(len(net))]
		g.acct = a
		lang, media, campaign = g.adPost()
	case MLM:
		a = &g.mlm[g.r.intn(len(g.mlm))]
		g.acct = a
		lang, media, campaign = g.templatePost(g.tab.mlmZh, g.tab.mlmEn, g.tab.mlmIDs)
	case Fraud:
		a = &g.fraud[g.r.intn(len(g.fraud))]
		g.acct = a
		lang, media, campaign = g.templatePost(g.tab.fraudZh, g.tab.fraudEn, g.tab.fraudIDs)
	}
	a.posts++
	g.acct = nil

	text := string(g.buf)
	var links []string
	if len(g.links) > 0 {
		links = make([]string, len(g.links))
		for i, s := range g.links {
			links[i] = text[s[0]:s[1]]
		}
	}
	if g.r.intn(10) == 0 {
		lang = "" // the hint is optional
	}
	return Item{
		Post: post.Post{
			ID:        g.postID(),
			AuthorID:  a.id,
			Text:      text,
			CreatedAt: g.cfg.Start.Add(g.elapsed),
			Lang:      lang,
			Links:     links,
			Media:     media,
			Author:    a.author,
		},
		Truth: Truth{Kind: kind, Labels: Labels(kind), Campaign: campaign},
	}
}

// postID returns "p" and the sequence number, zero-padded to 9 digits.
func (g *Generator) postID() string {
	var b [24]byte
	b[0] = 'p'
	n := g.seq
	end := 1 + 9
	if n >= 1_000_000_000 {
		end = 1 + len(strconv.FormatUint(n, 10))
	}
	for i := end - 1; i > 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[:end])
}

// pickNormal draws a normal author with skewed activity: the density of
// the index i is proportional to 1/sqrt(i + N/100) for N authors, so the
// busiest 1% of users write about 4.6% of the normal posts and the busiest
// one about 0.01% of them (at 50,000 authors, 14 of 140,000 posts: a heavy
// user, not a bot).
func (g *Generator) pickNormal() *account {
	n := float64(len(g.normal))
	a := math.Sqrt(n / 100)
	b := math.Sqrt(n + n/100)
	x := a + g.r.float()*(b-a) // uniform between the square roots: inverts the CDF
	i := int(x*x - n/100)
	if i >= len(g.normal) {
		i = len(g.normal) - 1
	}
	if i < 0 {
		i = 0
	}
	return &g.normal[i]
}
