// Package gen generates a realistic, labelled stream of friend-circle posts
// for the demo, for tests and for benchmarks.
//
// The stream mixes ordinary users (Chinese and English daily life: 早安,
// 周末爬山, a restaurant bill, 微信运动步数第一, photo captions, links to
// ordinary sites) with four kinds of abuse: brushers (a micro-merchant
// reposting one ad with small changes, 刷屏), agent networks (many accounts
// copying one ad, each with its own contact), MLM recruitment (招代理,
// 宝妈在家兼职) and fraud (先付定金, 稳赚不赔, 领奖需缴纳手续费). Spam text is
// obfuscated the way real spammers do it: full-width digits, U+200B,
// 微 信 / 薇信 / V❤ / ➕V / vx, Cyrillic look-alikes in English words,
// emoji wedged between characters. Every [Item] carries its ground truth
// ([Truth]): the [Kind] that produced it, the labels a perfect moderator would
// give it, and the campaign that near-copies share.
//
// # Determinism
//
// A [Generator] is a pure function of its [Config]: two generators built from
// equal configs return equal streams, item for item, on every platform. The
// randomness comes only from a PCG source seeded with Config.Seed (see
// math/rand/v2), never from the clock or global state. Event times start at
// Config.Start and strictly increase; nothing reads the wall clock. The stream
// may change between versions of this package (new templates); it does not
// change between runs of one version.
//
// [BadMessages] and [TooLarge] are deterministic in the same way.
//
// # Concurrency
//
// A [Generator] is not safe for concurrent use: give each goroutine its own
// (with different seeds if the streams should differ). Package-level
// functions are safe for concurrent use.
//
// Items returned by [Generator.Next] may share read-only backing storage with
// other items: Truth.Labels, Post.Media and Post.Author are shared between
// posts of the same kind, campaign or account. Treat them as read-only; copy
// before modifying. Post.Text and Post.ID are fresh strings; Post.Links is a
// fresh slice whose elements are substrings of Post.Text.
package gen
