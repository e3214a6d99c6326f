package textnorm

import (
	"hash/maphash"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/french"
	"github.com/kljensen/snowball/hungarian"
	"github.com/kljensen/snowball/norwegian"
	"github.com/kljensen/snowball/russian"
	"github.com/kljensen/snowball/spanish"
	"github.com/kljensen/snowball/swedish"
)

// Entity and shape tokens emitted by Tokenizer.Append. None of them can be
// produced by the text itself: the text tokens never start with '$' or '#'.
const (
	TokURL     = "$url"
	TokPhone   = "$phone"
	TokWeChat  = "$wechat"
	TokQQ      = "$qq"
	TokPrice   = "$price"
	TokPercent = "$pct"
	TokReturn  = "$return"
	TokHashtag = "$hashtag"
	TokShort   = "$short"
)

// emojiTokens are the emoji-count buckets: 0, 1, 2–4, 5 or more.
var emojiTokens = [...]string{"$emoji0", "$emoji1", "$emoji2-4", "$emoji5+"}

// digitTokens[n] is the bucket of an n-digit run (n ≥ 1); runs of 12 or
// more digits share the last bucket.
var digitTokens = [...]string{"", "#d1", "#d2", "#d3", "#d4", "#d5", "#d6", "#d7", "#d8", "#d9", "#d10", "#d11", "#d12+"}

// tokMobile is the bucket of an 11-digit run that reads as a Chinese mobile
// number (1[3-9] and nine more digits).
const tokMobile = "#d11cn"

// shortRunes: a text of fewer runes gets the TokShort token.
const shortRunes = 4

// maxStemBytes bounds the words that are stemmed and cached; longer words
// (rare, and usually junk such as "aaaa…" runs) are emitted unstemmed.
const maxStemBytes = 40

// Stem cache bounds: each stemmer has stemShards shards of at most
// shardEntries words, about 100k words per stemmer in all. A full shard is
// emptied and starts again, which keeps the cost of a miss-heavy stream
// bounded without any bookkeeping on hits.
const (
	stemShards   = 64
	shardEntries = 100_000 / stemShards
)

// stemmer indexes the snowball stemmers.
type stemmer uint8

const (
	stemEnglish stemmer = iota
	stemSpanish
	stemFrench
	stemRussian
	stemSwedish
	stemNorwegian
	stemHungarian
	numStemmers
)

var stemFuncs = [numStemmers]func(string, bool) string{
	english.Stem, spanish.Stem, french.Stem, russian.Stem, swedish.Stem, norwegian.Stem, hungarian.Stem,
}

// Tokenizer turns matching-form text (Normalize output) into classifier
// features. It is safe for concurrent use; the zero value is not usable,
// use NewTokenizer.
//
// Snowball stemming costs about a microsecond per word, so stems are kept
// in a bounded cache, one per stemmer, split in shards each guarded by its
// own lock: a repeated word costs a hash and a map look-up. The cache holds
// copies of the words, never the caller's memory.
type Tokenizer struct {
	seed  maphash.Seed
	cache [numStemmers][stemShards]stemShard
}

type stemShard struct {
	mu sync.RWMutex
	m  map[string]string
	_  [32]byte // keeps neighbouring locks off one cache line
}

// NewTokenizer returns a Tokenizer with an empty stem cache.
func NewTokenizer() *Tokenizer {
	return &Tokenizer{seed: maphash.MakeSeed()}
}

// Append appends the feature tokens of norm (the output of Normalize) to dst
// and returns the extended slice. lang is the post's language tag ("en",
// "zh", "es", "fr", "ru", "sv", "no", "hu", a region such as "es-MX", or
// the English name); it picks the stemmer for Latin-script words, and ""
// or an unsupported tag means English. Cyrillic words are always stemmed
// as Russian.
//
// The tokens, in text order:
//
//   - each Latin or Cyrillic word (letters, marks, and apostrophes between
//     letters; digits, '-' and everything else split words), stemmed; words
//     of other scripts (Greek, kana, Hangul …) as they are;
//   - for each run of Han characters, every character (unigram) and every
//     pair of neighbours (bigram): 早安啊 → 早 早安 安 安啊 啊;
//   - each run of digits as its length bucket "#d1" … "#d11", "#d12+", or
//     "#d11cn" for an 11-digit number starting with 1[3-9];
//
// then, when e is not nil, one token for each kind of entity present
// (TokURL, TokPhone, TokWeChat, TokQQ, TokPrice, TokPercent, TokReturn,
// TokHashtag) and an emoji-count bucket ("$emoji0", "$emoji1",
// "$emoji2-4", "$emoji5+"); finally TokShort when norm has fewer than four
// runes. Punctuation, symbols and emoji yield no text token.
//
// Every token is non-empty valid UTF-8. Tokens are substrings of norm,
// package constants or cache entries: they stay valid as long as norm does,
// and Append allocates nothing once the words seen are in the cache and dst
// has room.
func (t *Tokenizer) Append(dst []string, norm, lang string, e *Entities) []string {
	latin := stemmerFor(lang)
	runes := 0
	for i := 0; i < len(norm); {
		c := norm[i]
		if c < utf8.RuneSelf {
			runes++
			switch {
			case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
				var end int
				dst, end, runes = t.appendWord(dst, norm, i, latin, runes-1)
				i = end
			case '0' <= c && c <= '9':
				var end int
				dst, end, runes = appendDigits(dst, norm, i, runes-1)
				i = end
			default:
				i++
			}
			continue
		}
		r, n := decodeRuneInString(norm[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			runes++
			i++
		case isHan(r):
			var end int
			dst, end, runes = appendHan(dst, norm, i, runes)
			i = end
		case unicode.IsDigit(r):
			var end int
			dst, end, runes = appendDigits(dst, norm, i, runes)
			i = end
		case unicode.IsLetter(r) || unicode.IsMark(r):
			var end int
			dst, end, runes = t.appendWord(dst, norm, i, latin, runes)
			i = end
		default:
			runes++
			i += n
		}
	}
	if e != nil {
		dst = appendEntityTokens(dst, e)
	}
	if runes < shortRunes {
		dst = append(dst, TokShort)
	}
	return dst
}

// appendWord appends the token of the word starting at norm[i] and returns
// where the word ends and the rune count so far.
func (t *Tokenizer) appendWord(dst []string, norm string, i int, latin stemmer, runes int) ([]string, int, int) {
	allLatin, allCyrillic := true, true
	j := i
	for j < len(norm) {
		c := norm[j]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
				allCyrillic = false
				runes++
				j++
				continue
			}
			// An apostrophe between letters stays in the word (don't,
			// daughter's).
			if (c == '\'') && j > i && letterAt(norm, j+1) {
				runes++
				j++
				continue
			}
			break
		}
		r, n := decodeRuneInString(norm[j:])
		if r == '\u2019' && letterAt(norm, j+n) {
			runes++
			j += n
			continue
		}
		if r == utf8.RuneError && n == 1 || isHan(r) || !unicode.IsLetter(r) && !unicode.IsMark(r) {
			break
		}
		if !unicode.IsMark(r) {
			if !unicode.Is(unicode.Latin, r) {
				allLatin = false
			}
			if !unicode.Is(unicode.Cyrillic, r) {
				allCyrillic = false
			}
		}
		runes++
		j += n
	}
	if j == i { // cannot happen for a letter or mark at norm[i]; never loop
		_, n := decodeRuneInString(norm[i:])
		return dst, i + n, runes + 1
	}
	word := norm[i:j]
	switch {
	case len(word) > maxStemBytes:
		dst = append(dst, word)
	case allLatin:
		dst = append(dst, t.stem(latin, word))
	case allCyrillic:
		dst = append(dst, t.stem(stemRussian, word))
	default:
		dst = append(dst, word)
	}
	return dst, j, runes
}

// letterAt reports whether s[i:] starts with a letter that may continue a
// word (not a CJK one).
func letterAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	if c := s[i]; c < utf8.RuneSelf {
		return 'a' <= c|0x20 && c|0x20 <= 'z'
	}
	r, _ := decodeRuneInString(s[i:])
	return unicode.IsLetter(r) && !isCJK(r)
}

// appendDigits appends the bucket token of the digit run starting at
// norm[i].
func appendDigits(dst []string, norm string, i, runes int) ([]string, int, int) {
	j, nd := i, 0
	for j < len(norm) {
		if c := norm[j]; c < utf8.RuneSelf {
			if c < '0' || c > '9' {
				break
			}
			j++
		} else {
			r, n := decodeRuneInString(norm[j:])
			if !unicode.IsDigit(r) {
				break
			}
			j += n
		}
		nd++
	}
	runes += nd
	switch {
	case nd == 11 && j-i == 11 && norm[i] == '1' && norm[i+1] >= '3' && norm[i+1] <= '9':
		dst = append(dst, tokMobile)
	case nd >= len(digitTokens):
		dst = append(dst, digitTokens[len(digitTokens)-1])
	default:
		dst = append(dst, digitTokens[nd])
	}
	return dst, j, runes
}

// appendHan appends the unigrams and bigrams of the Han run starting at
// norm[i].
func appendHan(dst []string, norm string, i, runes int) ([]string, int, int) {
	start := i // start of the previous character
	_, n := decodeRuneInString(norm[i:])
	dst = append(dst, norm[i:i+n])
	runes++
	i += n
	for i < len(norm) && norm[i] >= utf8.RuneSelf {
		r, n := decodeRuneInString(norm[i:])
		if !isHan(r) {
			break
		}
		dst = append(dst, norm[start:i+n], norm[i:i+n])
		runes++
		start = i
		i += n
	}
	return dst, i, runes
}

// appendEntityTokens appends one token per kind of entity present in e and
// the emoji bucket.
func appendEntityTokens(dst []string, e *Entities) []string {
	if len(e.URLs) > 0 {
		dst = append(dst, TokURL)
	}
	if len(e.Phones) > 0 {
		dst = append(dst, TokPhone)
	}
	if len(e.WeChatIDs) > 0 {
		dst = append(dst, TokWeChat)
	}
	if len(e.QQIDs) > 0 {
		dst = append(dst, TokQQ)
	}
	if len(e.Prices) > 0 {
		dst = append(dst, TokPrice)
	}
	if len(e.Percents) > 0 {
		dst = append(dst, TokPercent)
	}
	if e.ReturnClaim {
		dst = append(dst, TokReturn)
	}
	if len(e.Hashtags) > 0 {
		dst = append(dst, TokHashtag)
	}
	switch {
	case e.Emoji <= 0:
		dst = append(dst, emojiTokens[0])
	case e.Emoji == 1:
		dst = append(dst, emojiTokens[1])
	case e.Emoji <= 4:
		dst = append(dst, emojiTokens[2])
	default:
		dst = append(dst, emojiTokens[3])
	}
	return dst
}

// stem returns the stem of word (lower case) with stemmer s, from the cache
// when it is there. A stem equal to the word is returned as the cached copy
// too, so the result never depends on whether the word was cached.
func (t *Tokenizer) stem(s stemmer, word string) string {
	sh := &t.cache[s][maphash.String(t.seed, word)%stemShards]
	sh.mu.RLock()
	st, ok := sh.m[word]
	sh.mu.RUnlock()
	if ok {
		return st
	}
	st = stemWord(s, word)
	if st == word {
		st = strings.Clone(word) // never keep the caller's memory
	}
	sh.mu.Lock()
	if sh.m == nil || len(sh.m) >= shardEntries {
		sh.m = make(map[string]string, 64)
	}
	if len(st) == len(word) && st == word {
		sh.m[st] = st // one copy serves as key and value
	} else {
		sh.m[strings.Clone(word)] = st
	}
	sh.mu.Unlock()
	return st
}

// stemWord stems word with s. The snowball stemmers keep words of up to two
// bytes and stop words as they are; an empty stem falls back to the word.
func stemWord(s stemmer, word string) string {
	st := stemFuncs[s](word, false)
	if st == "" || !utf8.ValidString(st) {
		return word
	}
	return st
}

// stemmerFor maps a language tag to the stemmer for Latin-script words.
func stemmerFor(lang string) stemmer {
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	switch {
	case lang == "":
		return stemEnglish
	case strings.EqualFold(lang, "es"), strings.EqualFold(lang, "spanish"):
		return stemSpanish
	case strings.EqualFold(lang, "fr"), strings.EqualFold(lang, "french"):
		return stemFrench
	case strings.EqualFold(lang, "sv"), strings.EqualFold(lang, "swedish"):
		return stemSwedish
	case strings.EqualFold(lang, "no"), strings.EqualFold(lang, "nb"), strings.EqualFold(lang, "nn"), strings.EqualFold(lang, "norwegian"):
		return stemNorwegian
	case strings.EqualFold(lang, "hu"), strings.EqualFold(lang, "hungarian"):
		return stemHungarian
	}
	return stemEnglish
}
