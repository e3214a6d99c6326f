package gen

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/circleguard/circleguard/internal/post"
)

// Dead-letter reason codes, as the decoder reports them.
const (
	ReasonInvalidJSON  = "invalid_json"  // not JSON, truncated, or not a JSON object (null, an array, empty)
	ReasonInvalidUTF8  = "invalid_utf8"  // well-formed JSON whose bytes are not valid UTF-8
	ReasonMissingField = "missing_field" // a required field (id, author_id, text, created_at) is absent
	ReasonInvalidField = "invalid_field" // a required field has the wrong type or created_at is not RFC 3339
	ReasonTooLarge     = "too_large"     // over the size limit
)

// Bad is a malformed message and the reason the decoder must give for it.
type Bad struct {
	// Case names what is wrong, e.g. "truncated_json" or "missing_text";
	// good for test names.
	Case string
	// Data is the message as it arrives from Kafka or as a JSONL line
	// (without the newline).
	Data []byte
	// Reason is one of the Reason* codes.
	Reason string
}

// badCases is the cycle BadMessages goes through.
var badCases = []struct {
	name   string
	reason string
	make   func(b *badMaker) []byte
}{
	{"not_json", ReasonInvalidJSON, (*badMaker).notJSON},
	{"truncated_json", ReasonInvalidJSON, (*badMaker).truncated},
	{"invalid_utf8_text", ReasonInvalidUTF8, (*badMaker).invalidUTF8},
	{"missing_id", ReasonMissingField, func(b *badMaker) []byte { return b.without("id") }},
	{"missing_author_id", ReasonMissingField, func(b *badMaker) []byte { return b.without("author_id") }},
	{"missing_text", ReasonMissingField, func(b *badMaker) []byte { return b.without("text") }},
	{"missing_created_at", ReasonMissingField, func(b *badMaker) []byte { return b.without("created_at") }},
	{"created_at_not_rfc3339", ReasonInvalidField, (*badMaker).badTime},
	{"id_number", ReasonInvalidField, func(b *badMaker) []byte { return b.with("id", b.pick(`12345`, `42`, `1.5e9`)) }},
	{"text_object", ReasonInvalidField, func(b *badMaker) []byte {
		return b.with("text", `{"zh":`+quote(b.post.Text)+`}`)
	}},
	{"wrong_type", ReasonInvalidField, (*badMaker).wrongType},
	{"json_null", ReasonInvalidJSON, func(b *badMaker) []byte { return []byte(b.pick("null", " null\n", "null ")) }},
	{"json_array", ReasonInvalidJSON, func(b *badMaker) []byte { return []byte("[" + string(b.valid()) + "]") }},
	{"empty", ReasonInvalidJSON, func(b *badMaker) []byte { return []byte{} }},
	{"deeply_nested", ReasonInvalidJSON, (*badMaker).deeplyNested},
	{"nul_bytes", ReasonInvalidJSON, (*badMaker).nulBytes},
	{"huge_number", ReasonInvalidField, (*badMaker).hugeNumber},
	{"duplicate_key", ReasonInvalidJSON, (*badMaker).duplicateKey},
}

// BadMessages returns n malformed messages for tests of the dead-letter
// path, cycling through the cases: not JSON, truncated JSON, invalid UTF-8
// in text, missing id / author_id / text / created_at, created_at not
// RFC 3339, id as a number, text as an object, another required field of
// the wrong type, JSON null, a JSON array, an empty message, an unknown
// member nested deeper than encoding/json's limit of 10,000 levels, raw NUL
// bytes inside a string, a number far beyond float64 or int64 in a typed
// field, a field the decoder reads given twice. Each case's
// details (the post, where it is cut, which bytes are invalid) vary with
// seed and from one cycle to the next. Apart from the defect, each message
// is a realistic post from the Generator with the same seed, so its text is
// valid UTF-8 and at most a few hundred bytes (never "too_large").
//
// Reason codes: null, an array and an empty message are "invalid_json" (the
// contract is one JSON object per message); a wrong type or an unparsable
// created_at is "invalid_field"; invalid UTF-8 is "invalid_utf8" although
// the message is well-formed JSON otherwise (encoding/json would silently
// replace the bytes by U+FFFD); a duplicate key is "invalid_json" (post
// refuses it rather than keep the last value as encoding/json would).
func BadMessages(seed int64, n int) []Bad {
	g, err := New(Config{Seed: seed})
	if err != nil {
		panic("gen: default config rejected: " + err.Error()) // unreachable: the defaults are valid
	}
	b := &badMaker{r: newRNG(seed ^ 0x5bd1e995)}
	out := make([]Bad, 0, max(n, 0))
	for i := range max(n, 0) {
		c := badCases[i%len(badCases)]
		it := g.Next()
		b.post = &it.Post
		out = append(out, Bad{Case: c.name, Data: c.make(b), Reason: c.reason})
	}
	return out
}

// TooLarge returns a message of exactly limit+1 bytes (or the smallest
// valid post, if that is longer) that is otherwise a valid post: text of
// repeated ad copy, valid UTF-8. Reason "too_large".
func TooLarge(limit int) Bad {
	const (
		head = `{"id":"p-too-large","author_id":"a00000","created_at":"2026-11-01T08:00:00Z","lang":"zh","text":"`
		tail = `"}`
		unit = "刷屏广告，加微信 mm520 "
	)
	size := max(limit+1, len(head)+len(tail))
	data := make([]byte, 0, size)
	data = append(data, head...)
	fill := size - len(head) - len(tail)
	for fill >= len(unit) {
		data = append(data, unit...)
		fill -= len(unit)
	}
	data = append(data, strings.Repeat("x", fill)...)
	data = append(data, tail...)
	return Bad{Case: "too_large", Data: data, Reason: ReasonTooLarge}
}

// badMaker mutilates generated posts.
type badMaker struct {
	r    rng
	post *post.Post
}

func (b *badMaker) pick(xs ...string) string { return xs[b.r.intn(len(xs))] }

func quote(s string) string {
	q, _ := json.Marshal(s) // a string always marshals
	return string(q)
}

// fields returns the post as ordered JSON members: key and raw value.
func (b *badMaker) fields() [][2]string {
	p := b.post
	f := [][2]string{
		{"id", quote(p.ID)},
		{"author_id", quote(p.AuthorID)},
		{"text", quote(p.Text)},
		{"created_at", quote(p.CreatedAt.Format(time.RFC3339Nano))},
	}
	if p.Lang != "" {
		f = append(f, [2]string{"lang", quote(p.Lang)})
	}
	if len(p.Links) > 0 {
		l, _ := json.Marshal(p.Links)
		f = append(f, [2]string{"links", string(l)})
	}
	// Shuffle the members: producers do not agree on an order.
	for i := len(f) - 1; i > 0; i-- {
		j := b.r.intn(i + 1)
		f[i], f[j] = f[j], f[i]
	}
	return f
}

func encode(f [][2]string) []byte {
	var s strings.Builder
	s.WriteByte('{')
	for i, kv := range f {
		if i > 0 {
			s.WriteByte(',')
		}
		s.WriteString(quote(kv[0]))
		s.WriteByte(':')
		s.WriteString(kv[1])
	}
	s.WriteByte('}')
	return []byte(s.String())
}

func (b *badMaker) valid() []byte { return encode(b.fields()) }

func (b *badMaker) without(key string) []byte {
	f := b.fields()
	out := f[:0]
	for _, kv := range f {
		if kv[0] != key {
			out = append(out, kv)
		}
	}
	return encode(out)
}

func (b *badMaker) with(key, raw string) []byte {
	f := b.fields()
	for i := range f {
		if f[i][0] == key {
			f[i][1] = raw
		}
	}
	return encode(f)
}

func (b *badMaker) notJSON() []byte {
	p := b.post
	switch b.r.intn(6) {
	case 0:
		return []byte(p.Text) // the text alone, as if someone piped raw posts
	case 1:
		return []byte("id=" + p.ID + "&author_id=" + p.AuthorID + "&text=" + strings.ReplaceAll(p.Text, "\n", " "))
	case 2:
		return []byte("<post><id>" + p.ID + "</id><text>" + p.Text + "</text></post>")
	case 3:
		return []byte("{id: " + p.ID + ", author_id: " + p.AuthorID + ", text: " + quote(p.Text) + "}") // unquoted keys
	case 4:
		return []byte("{'id': '" + p.ID + "', 'author_id': '" + p.AuthorID + "'}") // single quotes
	default:
		v := b.valid()
		return append(v[:len(v)-1:len(v)-1], ",}"...) // trailing comma
	}
}

func (b *badMaker) truncated() []byte {
	v := b.valid()
	cut := 1 + b.r.intn(len(v)-1) // keep at least "{", drop at least "}"
	for cut > 1 && !utf8.RuneStart(v[cut]) {
		cut-- // cut between runes: the defect is the truncation, not the UTF-8
	}
	return v[:cut]
}

// invalidByteSeqs are byte sequences that are never valid UTF-8 wherever
// they are put between whole runes.
var invalidByteSeqs = []string{
	"\xff",             // never valid
	"\xfe\xfe",         // never valid
	"\xc3\x28",         // a lead byte without its continuation
	"\xe4\xbd",         // 你 cut short
	"\xed\xa0\x80",     // an encoded UTF-16 surrogate
	"\xc0\xaf",         // an overlong '/'
	"\x80",             // a lone continuation byte
	"\xf8\x88\x80\x80", // a 5-byte form
	"caf\xe9",          // Latin-1 é
}

func (b *badMaker) invalidUTF8() []byte {
	t := b.post.Text
	at := b.r.intn(len(t) + 1)
	for at > 0 && at < len(t) && !utf8.RuneStart(t[at]) {
		at--
	}
	// Insert after JSON quoting, so the raw bytes reach the message.
	qa, qb := quote(t[:at]), quote(t[at:])
	bad := invalidByteSeqs[b.r.intn(len(invalidByteSeqs))]
	return b.with("text", qa[:len(qa)-1]+bad+qb[1:])
}

func (b *badMaker) badTime() []byte {
	t := b.post.CreatedAt
	v := b.pick(
		t.Format("2006-01-02 15:04:05"), // a space, no zone
		t.Format("2006-01-02T15:04:05"), // no zone
		t.Format("02/01/2006 15:04"),
		t.Format(time.RFC1123),
		t.Format("2006-01-02"),
		"2026-13-01T08:00:00Z", // month 13
		"2026-11-01T25:00:00Z", // hour 25
		"yesterday",
		"1793520000", // Unix seconds, as a string
	)
	return b.with("created_at", quote(v))
}

func (b *badMaker) wrongType() []byte {
	p := b.post
	switch b.r.intn(5) {
	case 0:
		return b.with("author_id", "12345")
	case 1:
		return b.with("created_at", "1793520000") // Unix seconds, as a number
	case 2:
		return b.with("text", "["+quote(p.Text)+"]")
	case 3:
		return b.with("id", "true")
	default:
		return b.with("text", "12.5")
	}
}

func (b *badMaker) deeplyNested() []byte {
	depth := 10_001 + b.r.intn(20_000) // past encoding/json's nesting limit
	v := b.valid()
	nest := strings.Repeat("[", depth) + "1" + strings.Repeat("]", depth)
	return append(v[:len(v)-1:len(v)-1], `,"extra":`+nest+"}"...)
}

func (b *badMaker) nulBytes() []byte {
	t := b.post.Text
	at := b.r.intn(len(t) + 1)
	for at > 0 && at < len(t) && !utf8.RuneStart(t[at]) {
		at--
	}
	// A raw NUL is a control character, which JSON strings may not hold
	// (the escaped form, \u0000, is valid and is not this case).
	qa, qb := quote(t[:at]), quote(t[at:])
	return b.with("text", qa[:len(qa)-1]+strings.Repeat("\x00", 1+b.r.intn(3))+qb[1:])
}

func (b *badMaker) hugeNumber() []byte {
	switch b.r.intn(3) {
	case 0:
		return b.with("id", "1e400") // beyond float64, and not a string anyway
	case 1:
		v := b.valid()
		return append(v[:len(v)-1:len(v)-1], `,"author":{"friends":1e400}}`...)
	default:
		v := b.valid()
		return append(v[:len(v)-1:len(v)-1], `,"author":{"friends":`+strings.Repeat("9", 40+b.r.intn(400))+`}}`...)
	}
}

func (b *badMaker) duplicateKey() []byte {
	key := b.pick("text", "id", "author_id", "created_at", "Text")
	raw := quote("加微信 mm520 " + b.post.Text)
	if key == "created_at" {
		raw = quote(b.post.CreatedAt.Add(time.Hour).Format(time.RFC3339))
	}
	v := b.valid()
	return append(v[:len(v)-1:len(v)-1], ","+quote(key)+":"+raw+"}"...)
}
