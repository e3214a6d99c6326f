// Package fingerprint computes text fingerprints for brushing detection
// (刷屏): an exact hash and a MinHash signature with LSH band keys, robust to
// the changes brushers make from one post of an ad to the next.
//
// A caller computes a post's Fingerprint with Hasher.Of from its matching
// form and entities (textnorm.Normalize, textnorm.Extract), keeps an index
// from band key to recent posts (the repetition package does) and takes
// the posts that share two or more keys with the new one for its copies.
// Similarity estimates the Jaccard similarity of two fingerprints: every
// perturbation below stays above 0.6, unrelated pairs measured below 0.15.
// A Trivial fingerprint (a greeting, a text of a few
// characters) has no bands and never counts as a copy, so ordinary users
// who post 早安 every morning are not brushers. Exact serves for verbatim
// repeats.
//
// # Skeleton
//
// Both hashes are computed over the skeleton of the text: the matching
// form (lower case, NFKC, look-alikes folded, zero-width characters gone,
// contact obfuscations folded to "wechat"/"qq") reduced further:
//
//  1. Hashtags at either end are dropped: "#tag", "#话题#" and runs of them
//     (letters, digits and '_', up to 20 Latin letters or 10 Han
//     characters). Brushers append and rotate them. A Chinese "#话题"
//     without its closing '#' runs to the end of the text, because
//     Normalize drops the space that ended it between Han characters.
//  2. URLs (Extract's, and any "http(s)://…") become one placeholder;
//     numbers, phone numbers (also grouped "138 0000 0000", "+60 12-345
//     6789", or spelled 一三八…), WeChat/QQ ids (after a contact token,
//     Extract's, or any run of 5 to 20 letters, digits, '_' and '-' that
//     starts with a letter and holds a '_' or '-' or three letters and
//     three digits: "lily_520", "coco2024", not "iphone16") and @handles
//     become another. So a changed price, phone, id or day count changes
//     nothing.
//  3. Everything that is not a letter or a mark is dropped: emoji,
//     symbols, punctuation, whitespace, and with whitespace the line
//     structure (lines joined with "\n", " " or nothing read the same).
//  4. Contact labels touching a masked number are dropped, so the rotation
//     between 微信, VX, 薇信, 卫星, V❤, 电话, "WhatsApp", "Telegram" (and
//     "wechat l i l y 5 2 0" spelled out) is invisible: "加V：lily520" and
//     "加薇信 mei_8866" are both 加⓪.
//  5. Openers are cut from the start: day counters and dates ("Day 3",
//     "第3天", "打卡第7天", "11月1日", "Nov 1", "No.5"), greetings ("早安",
//     "good morning") and stock ad openers ("今日上新", "新品到货", "new
//     in"), up to four in a row. A bare leading number is kept: after line
//     reordering it may be the price or the phone.
//
// A skeleton shorter than Config.MinRunes runes, or made only of stock
// greeting words (早安, 早上好, 晚安, 周末愉快, 新年快乐, 万事如意, 今天, 也要,
// 加油, 鸭, "good morning everyone", "have a nice day" …: phrases.go), is
// trivial.
//
// # Shingles
//
// The skeleton is cut into overlapping shingles: from each position, the
// shortest run of runes weighing 4, a Han character (or kana, Hangul, a
// placeholder) weighing 2 and a Latin letter 1. A Chinese shingle is two
// characters, an English one four letters, "加⓪" one. Chinese has no
// spaces and its ads are often under 50 characters: character 3-grams lose
// too much of a short ad to one changed character or a reordered line,
// while fixed 2-grams make unrelated English texts look alike ("in", "er").
// Lines reordered cost a shingle or two at each seam: shingles are a set.
// Exact Jaccard on the test corpus and the generated stream (TestShingleSchemes):
//
//	shingle               pert. min  unrel. max  brush J≥0.5
//	2 runes                    0.60        0.21       99.73%
//	3 runes                    0.40        0.11       98.10%
//	4 runes                    0.30        0.08       93.30%
//	Han 2 / Latin 4 (Of)       0.60        0.08       99.57%
//	Han 3 / Latin 6            0.40        0.04       97.93%
//
// # MinHash and LSH bands
//
// The signature is one-permutation MinHash (Li, Owen and Zhang 2012) with
// optimal densification (Shrivastava 2017): each shingle's 64-bit hash is
// thrown into two of the Bands×Rows bins per round for three rounds (a bin
// keeps its first round's least value), and each bin still empty copies the
// first filled bin of its own fixed, data-independent probe sequence. Every
// bin then matches between two texts with probability exactly their
// Jaccard similarity J, as with independent hash functions, at the cost of
// one hash per shingle and round instead of one per shingle and bin. Bands
// hash Rows consecutive values each (with the band index), so two texts
// share at least one band with probability 1-(1-J^Rows)^Bands. Signature
// keeps 16 bits of each value for Similarity.
//
// The defaults are 16 bands of 2 rows, and two texts count as near-copies
// when they share at least two band keys (the repetition store's
// MinSharedBands), which makes the curve P(J) = 1 − Σ_{j<2} C(16,j) q^j
// (1−q)^(16−j) with q = J²: steep enough that perturbed ads (J ≥ 0.6 in
// the table below) match, and flat enough at J ≤ 0.2 that ordinary posts do
// not chain into one cluster (a single shared band would let A join B's
// cluster, C join A's, and so on, until a day's ordinary posts formed one
// blob; on the generated stream that made 87% of ordinary posts look like
// an agent network). Sixteen bands cost 17 keys a post in the repetition
// store (with the exact key), which keeps a day of 5M posts within 1.5 GiB.
// Measured on random shingle sets, the densification keeps the curve for
// short texts as for long ones (TestSCurve, 400 pairs a cell: the share of
// pairs with two or more common bands):
//
//	J     |A∪B|=10  |A∪B|=40  |A∪B|=160  theory
//	0.1      0.005     0.007      0.003   0.011
//	0.2      0.085     0.102      0.138   0.133
//	0.3      0.427     0.453      0.383   0.429
//	0.4      0.797     0.780      0.743   0.751
//	0.5      0.955     0.965      0.955   0.937
//	0.6      1.000     1.000      1.000   0.992
//
// The 40×3 of earlier versions, with one shared band enough, collided at
// J = 0.2 with probability 0.27; with two it needs 41 keys a post (2.2 GiB
// for a day of 5M posts) for no measured gain: on the generated stream
// (200,000 posts, seed 7) 16×2, 20×2, 24×2 and 40×3 all label 99.5 to 99.9%
// of the 4th and later copies of an ad and 0.001% of ordinary posts
// brushing.
//
// # Measured similarity
//
// Twelve base ads (Chinese, English, mixed; 20 to 120 characters) under
// each perturbation brushers make (TestPerturbations requires Similarity
// ≥ 0.6 and a shared band for every one; TestSimilarityTable prints this):
// the exact Jaccard of the shingle sets, Similarity's smallest estimate,
// and how many perturbed ads keep the base's Exact hash.
//
//	perturbation        min J  median J  min est  exact
//	emoji_added          1.00      1.00     1.00  12/12
//	emoji_wedged         1.00      1.00     1.00  12/12
//	emoji_removed        1.00      1.00     1.00  12/12
//	punctuation          0.79      1.00     0.82  11/12
//	whitespace_joined    0.89      1.00     0.92  11/12
//	whitespace_spaced    1.00      1.00     1.00  12/12
//	fullwidth_digits     1.00      1.00     1.00  12/12
//	zero_width           1.00      1.00     1.00  12/12
//	homoglyphs           1.00      1.00     1.00  12/12
//	prefix_day_en        1.00      1.00     1.00  12/12
//	prefix_day_zh        1.00      1.00     1.00  12/12
//	prefix_date          1.00      1.00     1.00  12/12
//	prefix_stock         1.00      1.00     1.00  12/12
//	prefix_greeting      1.00      1.00     1.00  12/12
//	price_changed        1.00      1.00     1.00  12/12
//	phone_changed        1.00      1.00     1.00  12/12
//	contact_changed      1.00      1.00     1.00  12/12
//	lines_reordered      0.70      0.86     0.75   0/12
//	lines_rotated        0.80      0.93     0.82   0/12
//	hashtags_appended    1.00      1.00     1.00  12/12
//	hashtag_topic        1.00      1.00     1.00  12/12
//	combined             0.60      0.84     0.69   0/12
//
// (combined: a new day counter, a changed price, lines reordered,
// zero-width spaces and a hashtag at once.) Of 666 unrelated pairs (the
// ads with each other and with 25 ordinary posts, and the ordinary posts
// with each other) none shares two bands; the largest Jaccard is 0.08. Of
// 60 pairs of an ad and another seller's ad for the same product, none
// shares two bands (largest Jaccard 0.09). TestUnrelated and
// TestSameProduct. Every perturbation above shares two bands or more with
// its base (TestPerturbations).
//
// On the generated stream (internal/gen, seed 1, 50,000 posts;
// TestGeneratedStream), the share of pairs that share two bands, and that
// reach Similarity 0.5:
//
//	pairs                                        count     band  sim≥0.5
//	consecutive same-campaign, brusher            3641   99.86%   98.21%
//	consecutive same-campaign, network            3775  100.00%   99.23%
//	consecutive same-campaign, mlm                3766   89.83%   70.26%
//	consecutive same-campaign, fraud              3741   96.85%   82.41%
//	consecutive posts of one ordinary user       11636    0.84%
//	ordinary posts, different users (sample)   1000000   0.719%   0.461%
//	ordinary post and spam post (sample)       1000000   0.000%
//
// MLM and fraud "campaigns" are the generator's templates, filled with
// different slots by different accounts. The ordinary pairs that share a
// band are posts the generator writes from the same template with the same
// fillings (0.27% of pairs are exact copies, "搬家终于搞定，累瘫了" by two
// users): brushing is an author posting copies again and again, which
// ordinary users do not (0.84% of their consecutive posts share two bands);
// 12.5% of ordinary posts are trivial.
//
// # Cost
//
// On the slow two-core machine of textnorm's figures, where its
// normalise+extract+tokenise pipeline takes 2.6 µs a post, an average post
// of the generated stream (25 skeleton runes) takes 2.2 µs with OfInto
// (450,000 posts a second on one core) and 2.6 µs with Of (380,000), whose
// one allocation holds Bands and Signature (560 bytes); trivial posts
// allocate nothing, so BenchmarkOf's allocs/op reads 0 (0.93, truncated).
// Similarity takes 60 ns. Best of eight runs: the machine is shared, single
// runs vary by up to 60%.
//
// # Concurrency and stability
//
// A Hasher is immutable and safe for concurrent use; its scratch memory
// is pooled. Fingerprints depend only on the text, the entities and the
// Config (Bands, Rows and Seed change every key; MinRunes only which texts
// are trivial), never on the process or the platform, so they can be
// stored and compared across workers and restarts. They change when this
// package's skeleton or hashing changes: stored fingerprints must then be
// rebuilt.
//
// What the package does not do: it keeps no state (the index of band keys
// and the per-author counting are the caller's); it does not see changed
// words (a synonym, a new selling point) beyond their shingles; it reads
// only text, not images; and a text shorter than MinRunes after masking
// ("茅台1499，加V") is trivial however often it is posted, except through
// its Exact hash.
package fingerprint
