// Package textnorm turns raw post text into its matching form: the single
// representation every classifier looks at.
//
// Normalize (and its allocation-light twin AppendNormalize) applies, in order:
//
//  1. Invalid UTF-8 bytes, control characters other than whitespace, format
//     characters (Cf: zero-width space/joiners U+200B..U+200D, U+2060, U+FEFF,
//     bidi controls, soft hyphen, tag characters …), variation selectors,
//     the combining keycap U+20E3 and Hangul filler letters are removed.
//  2. The text is put in Unicode NFKC form (golang.org/x/text/unicode/norm),
//     which folds full-width letters and digits (ＶＸ１３８ → VX138), circled,
//     math-alphanumeric and other compatibility variants to plain ones.
//  3. Letters are lower-cased and a small, fixed set of Cyrillic, Greek and IPA
//     look-alikes of Latin letters is folded to ASCII (а→a, е→e, о→o, р→p,
//     с→c, х→x, у→y, і→i, ν→v, ο→o, ı→i …).
//  4. Whitespace runs become one U+0020; leading and trailing space is removed.
//  5. A run of whitespace, punctuation, symbols (Sm, Sk, So — emoji included)
//     and private-use characters wedged between two Han characters is dropped
//     (微❤信 → 微信, 微 信 → 微信, 加-微-信 → 加微信, 微.信 → 微信). A run that
//     contains clause punctuation (，。！？；：、 and their ASCII forms
//     , ! ? ; :) is kept, so clauses are not glued into phrases nobody wrote
//     (我在家，赚钱的事… must not read as 在家赚钱). Currency signs (Sc) are
//     never dropped.
//  6. Contact obfuscations are folded to canonical tokens: 微信 薇信 威信 徽信
//     v信 v 信 vx wx weixin wechat v❤ ➕v +v → "wechat" (加v keeps the 加:
//     "加wechat", the same as 加微信); 扣扣 企鹅号 qq → "qq". Latin forms are
//     folded only as whole words (letters or marks on either side block the
//     fold, so "wxyz" and "vxlan" are untouched); digits may follow a
//     multi-letter form ("vx123456" → "wechat123456").
//
// Contract: Normalize is total (it never panics, whatever the input, including
// invalid UTF-8), its output is valid UTF-8 in NFKC form, and it is idempotent:
// Normalize(Normalize(s)) == Normalize(s). It is safe for concurrent use.
//
// What the package deliberately does not do yet: full UTS #39 confusable
// skeletons (only the common look-alikes above are folded), stemming,
// segmentation of Chinese into words, and de-obfuscation of spelled-out
// digits or links (一三八…, www点xx点com).
package textnorm
