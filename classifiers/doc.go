// Package classifiers turns post text into evidence: Detect scans the
// matching form of a post (the output of textnorm.Normalize) and its link
// list and reports Signals — a contact handle, a link, a price, a sales,
// recruitment (MLM) or fraud phrase — each with the label it argues for, a
// weight in 0..1 and a short piece of evidence. It does not decide anything;
// the rules package combines the weights.
//
// The built-in detectors are:
//
//   - contact.wechat: the "wechat" token (textnorm folds 微信, vx, V❤, ➕V …
//     into it) followed or preceded by an id-like string, or right after an
//     "add"/"dm" cue (加, 私, 联系, add, dm, contact …). contact.qq: the "qq"
//     token followed by 5–11 digits. contact.phone: a Chinese mobile number
//     (1[3-9] and nine more digits), also when split by spaces or dashes or
//     prefixed with +86. contact.number: any other run of nine or more digits.
//     Label sales; contact evidence is masked to its first three characters
//     ("138***").
//   - link: a host in the post's link list or in the text; label sales;
//     evidence is the host. Hosts in the text are found with the TLD and
//     scheme tables of mvdan.cc/xurls (not its Relaxed expression, which
//     costs tens of microseconds per post); a test keeps the two in
//     agreement.
//   - price: an amount with a currency sign or unit (¥99, $9.99, 99元, 5w,
//     8折) or a price word (包邮, 特价, 打折, half price); label sales.
//   - sales.phrase, mlm.phrase, fraud.phrase: phrases from a fixed bilingual
//     table (代购, 招代理, 零门槛, 稳赚不赔, "order now", "be your own boss",
//     "guaranteed returns" …), plus combinations that are stronger than
//     their parts, all fraud: pay-first + ship (先付款 … 发货) and prize +
//     fee (中奖 … 手续费); deposit + ship (定金 … 发货) counts less, as honest
//     pre-orders read the same.
//
// Chinese phrases match anywhere; English phrases match whole words only
// ("order" does not match inside "border"). Each signal ID appears at most
// once per post, with the strongest evidence found (the first one on a
// tie), and signals come out in a fixed order: contact.wechat, contact.qq,
// contact.phone, contact.number, link, price, sales.phrase, mlm.phrase,
// fraud.phrase.
//
// Detect is safe for concurrent use: it reads only immutable tables built
// once when the package is initialised. It allocates only for evidence that
// must be built (a masked contact, a combined phrase) and when dst must
// grow; other evidence is a table constant or a substring of the text or of
// a link, so it shares their memory (never pass a string whose bytes are
// later reused). Evidence is always valid UTF-8 of at most 64 bytes,
// whatever the input.
//
// Known limits of this first version: no stemming or inflection (list
// "guaranteed return" and "guaranteed returns" separately), no negation
// ("不包邮" still reads as 包邮), no Chinese numerals in amounts (九块九), no
// de-obfuscation of spelled-out digits or links (一三八…, www点xx点com), and
// the weights are hand-set, not learned.
package classifiers
