package rules

import (
	"slices"

	"github.com/circleguard/circleguard/internal/textnorm"
)

// Features are the plain values a rule's `when` expression sees, one post
// at a time. The engine fills them from its analysis (normalised text,
// entities, classifier, repetition store, author metadata); rules know
// nothing of where they come from, and the classifier knows nothing of
// rules.
//
// The names in expressions are the `expr` tags: text, tokens,
// entities.phones, classifier.fraud, repetition.author_copies_24h,
// author.account_age_days … `circleguard rules features` prints them all
// with their types and an example.
//
// A zero Features is an empty post by an author nothing is known about,
// except that the zero AccountAgeDays and Friends would read as a new
// account without friends: use ResetFeatures, which sets them to -1
// (unknown). Features must have no exported methods: an expression could
// call them.
type Features struct {
	// PostID is the post's id. Rules rarely need it; it is here for
	// completeness and evidence.
	PostID string `expr:"post_id"`
	// CreatedAt is the post's event time (created_at) in Unix seconds, 0 when
	// unknown. List entries with an until= date expire by it, never by the
	// wall clock, so a replay decides the same.
	CreatedAt int64 `expr:"created_at"`
	// Text is the matching form of the post's text (textnorm.Normalize):
	// lower-case, NFKC, look-alikes folded, contact obfuscations folded to
	// "wechat" and "qq". Keyword helpers match here.
	Text string `expr:"text"`
	// Tokens are the classifier's feature tokens of Text (Latin words
	// stemmed, Han characters as unigrams and bigrams, "$phone", "$url" …).
	Tokens []string `expr:"tokens"`
	// Lang is the post's language hint ("zh", "en"), "" when unknown.
	Lang string `expr:"lang"`
	// Entities are the structured facts read from the text and links.
	Entities EntityFeatures `expr:"entities"`
	// Classifier holds the classifier's probability for each verdict label.
	Classifier ClassifierFeatures `expr:"classifier"`
	// Signals are the ids of the built-in detectors that fired, such as
	// "contact.wechat", "mlm.phrase" (test with `"mlm.phrase" in signals`).
	Signals []string `expr:"signals"`
	// Repetition holds the repetition counts of the post.
	Repetition RepetitionFeatures `expr:"repetition"`
	// Author is what is known of the posting account.
	Author AuthorFeatures `expr:"author"`
}

// EntityFeatures are the entities of a post (textnorm.Entities as plain
// values). Strings are in matching form.
type EntityFeatures struct {
	// URLs are the links of the post and the URLs in its text.
	URLs []string `expr:"urls"`
	// Domains are the lower-cased hosts of URLs, each once.
	Domains []string `expr:"domains"`
	// Phones are Chinese mobile numbers, 11 digits, without +86.
	Phones []string `expr:"phones"`
	// WeChatIDs are the ids next to a WeChat token.
	WeChatIDs []string `expr:"wechat_ids"`
	// QQIDs are the numbers next to a QQ token.
	QQIDs []string `expr:"qq_ids"`
	// Prices are the amounts of money in text order, with 万/w/k multiplied
	// out (5w is 50000); the currency is not kept.
	Prices []float64 `expr:"prices"`
	// Percents are the percentages in text order (30% and 百分之三十 are 30).
	Percents []float64 `expr:"percents"`
	// ReturnClaim is set when a percentage or amount is tied to a return,
	// profit or income word (日收益30%, 月入3w); a discount is not.
	ReturnClaim bool `expr:"return_claim"`
	// Emoji is the number of emoji in the original text.
	Emoji int `expr:"emoji"`
	// Hashtags are the topics of #话题# and #tag, without '#'.
	Hashtags []string `expr:"hashtags"`
	// Numbers are other runs of nine or more digits (bank cards, ids).
	Numbers []string `expr:"numbers"`
}

// ClassifierFeatures are the classifier's probabilities, 0..1, per verdict
// label; 0 when no classifier ran or it knows no such label.
type ClassifierFeatures struct {
	Sales    float64 `expr:"sales"`
	Brushing float64 `expr:"brushing"`
	MLM      float64 `expr:"mlm"`
	Fraud    float64 `expr:"fraud"`
}

// RepetitionFeatures are the repetition counts of a post, counted in event
// time over windows that end at the post and include it (the repetition
// package's Counts). When Known is false no store ran and every count is 0.
type RepetitionFeatures struct {
	// Known is true when a repetition store counted the post.
	Known bool `expr:"known"`
	// AuthorPosts1h and AuthorPosts24h count the author's posts in the last
	// hour and day.
	AuthorPosts1h  int `expr:"author_posts_1h"`
	AuthorPosts24h int `expr:"author_posts_24h"`
	// AuthorCopies24h counts the author's copies (near-duplicates included)
	// of this post in the last day; 0 for a trivial text.
	AuthorCopies24h int `expr:"author_copies_24h"`
	// Cluster names the content cluster (16 hex digits), "" for a trivial
	// text.
	Cluster string `expr:"cluster"`
	// ClusterCopies24h and ClusterAuthors24h count the cluster's posts by
	// all authors in the last day, and their distinct authors.
	ClusterCopies24h  int `expr:"cluster_copies_24h"`
	ClusterAuthors24h int `expr:"cluster_authors_24h"`
	// ClusterAgeSeconds is the time from the cluster's first post to this
	// one; 0 for the first post or a trivial text.
	ClusterAgeSeconds int64 `expr:"cluster_age_seconds"`
}

// AuthorFeatures are what the platform knows of the author.
type AuthorFeatures struct {
	// ID is the author's id.
	ID string `expr:"id"`
	// AccountAgeDays is the account's age in whole days at the post's
	// created_at; -1 when unknown.
	AccountAgeDays int `expr:"account_age_days"`
	// Friends is the author's friend count; -1 when unknown.
	Friends int `expr:"friends"`
}

// Unknown is the value of AuthorFeatures.AccountAgeDays and Friends when
// the platform does not say.
const Unknown = -1

// ResetFeatures empties f for reuse: every field is zeroed except that the
// slices keep their backing arrays (length 0) and the author's age and
// friends are Unknown.
func ResetFeatures(f *Features) {
	e := &f.Entities
	*f = Features{
		Tokens:  f.Tokens[:0],
		Signals: f.Signals[:0],
		Entities: EntityFeatures{
			URLs: e.URLs[:0], Domains: e.Domains[:0], Phones: e.Phones[:0], WeChatIDs: e.WeChatIDs[:0],
			QQIDs: e.QQIDs[:0], Prices: e.Prices[:0], Percents: e.Percents[:0], Hashtags: e.Hashtags[:0],
			Numbers: e.Numbers[:0],
		},
		Author: AuthorFeatures{AccountAgeDays: Unknown, Friends: Unknown},
	}
}

// SetEntities fills dst from the entities textnorm.Extract read, reusing
// dst's slices: the strings are shared, prices become their values, and
// Domains are the hosts of the URLs (textnorm.Host), each once.
func SetEntities(dst *EntityFeatures, e *textnorm.Entities) {
	*dst = EntityFeatures{
		URLs: append(dst.URLs[:0], e.URLs...), Domains: dst.Domains[:0],
		Phones: append(dst.Phones[:0], e.Phones...), WeChatIDs: append(dst.WeChatIDs[:0], e.WeChatIDs...),
		QQIDs: append(dst.QQIDs[:0], e.QQIDs...), Prices: dst.Prices[:0],
		Percents: append(dst.Percents[:0], e.Percents...), ReturnClaim: e.ReturnClaim, Emoji: e.Emoji,
		Hashtags: append(dst.Hashtags[:0], e.Hashtags...), Numbers: append(dst.Numbers[:0], e.Numbers...),
	}
	for _, u := range e.URLs {
		if h := textnorm.Host(u); h != "" && !slices.Contains(dst.Domains, h) {
			dst.Domains = append(dst.Domains, h)
		}
	}
	for _, p := range e.Prices {
		dst.Prices = append(dst.Prices, p.Value)
	}
}
