// Package textnorm is the single text analysis every detector and the
// classifier share: Normalize turns raw post text into its matching form,
// Extract reads a post's entities (links, phones, contact ids, amounts,
// percentages, emoji, hashtags), and a Tokenizer turns the matching form
// into classifier features.
//
// # Normalize
//
// Normalize (and its allocation-light twin AppendNormalize) applies, in
// order:
//
//  1. Invalid UTF-8 bytes, control characters other than whitespace, format
//     characters (Cf: zero-width space/joiners U+200B..U+200D, U+2060, U+FEFF,
//     bidi controls, soft hyphen, tag characters …), variation selectors,
//     the combining keycap U+20E3 and Hangul filler letters are removed.
//  2. The text is put in Unicode NFKC form (golang.org/x/text/unicode/norm),
//     which folds full-width letters and digits (ＶＸ１３８ → VX138), circled
//     and parenthesised digits (①⑴⒈), math alphanumerics (𝟏𝐀) and other
//     compatibility variants to plain ones.
//  3. Letters are lower-cased. Look-alikes of ASCII letters and digits are
//     folded to them with a table generated from the UTS #39 confusables
//     data (confusables_table.go, made by internal/genconfusables: Cyrillic,
//     Greek, Armenian, Cherokee, Lisu, IPA … letters that survive NFKC,
//     а→a, ν→v, օ→o, Ꭺ→a, ɑ→a). Look-alikes are folded by word, so that real
//     words of other scripts reach the stemmers intact: a word with a Latin
//     letter folds all its look-alikes (wеchаt, ВUҮ); a word with a letter
//     that is neither Latin nor a look-alike is kept (работа, καλημέρα); a
//     word made only of look-alikes (νχ, сор) folds unless the text has real
//     letters of that script elsewhere. The enclosed digits NFKC leaves
//     alone become ASCII digits (❶➀➊⓵⓫⓿ → 1 1 1 1 11 0).
//  4. Whitespace runs become one U+0020; leading and trailing space is removed.
//  5. A run of whitespace, punctuation, symbols (Sm, Sk, So — emoji included)
//     and private-use characters wedged between two Han characters is dropped
//     (微❤信 → 微信, 微 信 → 微信, 加-微-信 → 加微信, 微.信 → 微信). A run that
//     contains clause punctuation (，。！？；：、 and their ASCII forms
//     , ! ? ; :) or '#' is kept, so clauses are not glued into phrases nobody
//     wrote (我在家，赚钱的事… must not read as 在家赚钱) and #话题# stays
//     readable. Currency signs (Sc) and enclosed digits are never dropped.
//  6. Contact obfuscations are folded to canonical tokens: 微信 薇信 威信 徽信
//     v信 v 信 vx wx weixin wechat v❤ ➕v +v → "wechat" (加v keeps the 加:
//     "加wechat", the same as 加微信); 扣扣 企鹅号 qq → "qq". Latin forms are
//     folded only as whole words (letters or marks on either side block the
//     fold, so "wxyz" and "vxlan" are untouched); digits may follow a
//     multi-letter form ("vx123456" → "wechat123456").
//  7. A run of more than three copies of one character is cut to three
//     ("!!!!!!" → "!!!", 好好好好好 → 好好好, "sooooo" → "sooo"). Digits and
//     Chinese numerals are never cut (10000, 138 0000 0000), nor characters
//     that combine under NFKC.
//
// The matching form is for matching only: it loses case, look-alikes,
// repeats and wedged symbols. Evidence shown to people should come from the
// original text (Extract counts emoji there for this reason).
//
// Contract: Normalize is total (it never panics, whatever the input, including
// invalid UTF-8), its output is valid UTF-8 in NFKC form, and it is idempotent:
// Normalize(Normalize(s)) == Normalize(s). FuzzNormalize checks all three.
//
// # Extract
//
// Extract(original, norm, links) reads an Entities value: the links that
// have a host and the URLs in the text (found with the TLD and scheme
// tables of mvdan.cc/xurls, not its Relaxed expression, which costs tens of
// microseconds per post; a test keeps the two in agreement); Chinese mobile
// numbers, also split by spaces or dashes, prefixed with +86/0086, or
// written in Chinese numerals (一三八…, 幺三八…, 壹叁捌…) or digits NFKC and
// step 3 fold; other runs of nine or more digits; WeChat ids and QQ numbers
// next to the contact tokens; amounts (¥99, $9.99, $1.5k, 59元, 25块, 9块9,
// 九块九, 三百元, 5w, 3万元, 200 rmb) with 万/w/k multiplied out and the
// currency when the text says it; percentages (30%, 百分之三十) and whether
// one of them or an amount is tied to a return, profit or income word (日收益
// 30%, 年化20%, 月入3w, "20% weekly returns"; "30% off" is a discount);
// the emoji count of the original text (a ZWJ sequence, flag, keycap or
// emoji with a skin tone counts once); and hashtags (#话题#, #tag).
// ExtractInto does the same into a caller's Entities, reusing its slices.
//
// # Tokenizer
//
// Tokenizer.Append turns the matching form into classifier features: Latin
// words stemmed with the snowball stemmer of the post's language
// (github.com/kljensen/snowball; English unless lang names Spanish,
// French, Swedish, Norwegian or Hungarian), Cyrillic words stemmed as
// Russian, words of other scripts as they are, Han runs as character
// unigrams and bigrams, digit runs as length buckets ("#d3", "#d11cn" for a
// mobile number), one token per kind of entity present ("$url", "$phone",
// "$wechat", "$qq", "$price", "$pct", "$return", "$hashtag"), an emoji
// bucket ("$emoji0", "$emoji1", "$emoji2-4", "$emoji5+") and "$short" for
// texts of fewer than four runes. Stems are kept in a bounded cache (64
// shards per stemmer of about 1,500 words each; a full shard is emptied), so
// a repeated word costs a hash and a map look-up instead of a stemmer run.
//
// # Concurrency and allocation
//
// Every function is safe for concurrent use, and so is a Tokenizer (its
// cache is guarded by per-shard locks). Normalize returns its input when it
// is already in matching form and costs no allocation for inputs up to 256
// bytes, one otherwise; AppendNormalize allocates nothing once dst is large
// enough. ExtractInto allocates nothing in steady state except for numbers
// it has to put together (split phones, Chinese numerals): other strings in
// Entities are substrings of norm or of the links, so they share their
// memory (never pass a string whose bytes are later reused). Append
// allocates nothing once its words are cached and dst has room; its tokens
// are substrings of norm, constants or cache entries.
//
// On a slow two-core machine an average 60-rune post takes about 2.5 µs to
// normalise, 0.8 µs to extract and 0.6 µs to tokenise (BenchmarkPipeline).
//
// What the package deliberately does not do: segmentation of Chinese into
// words (bigrams stand in for it), spelled-out links (www点xx点com),
// spelled-out Latin numbers ("one three eight"), Chinese-numeral amounts
// without a unit (月入两万), and look-alikes that map to more than one
// ASCII character (the confusables data maps m to "rn"; those are left).
package textnorm
