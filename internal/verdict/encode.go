package verdict

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The encoder below writes, field by field, what encoding/json writes for a
// Verdict by reflection (verdicts are encoded once per post, and reflection
// was a quarter of scan's CPU). Its rules, all those of encoding/json v1:
// fields in declaration order, the embedded *Repetition's fields inline at
// its place, omitempty as documented (empty string, nil pointer, empty map or
// slice, false); strings escaped as appendString says; floats as appendFloat
// says; map keys sorted bytewise; times as time.Time.MarshalJSON. The
// package's tests compare it with json.Marshal on varied and fuzzed verdicts.

// appendJSON appends v's JSON to dst. ok is false when v holds a value JSON
// cannot represent (a NaN or infinite float, a time outside RFC 3339); dst's
// extension is then garbage.
func (v *Verdict) appendJSON(dst []byte) (_ []byte, ok bool) {
	dst = append(dst, `{"post_id":`...)
	dst = appendString(dst, v.PostID)
	dst = append(dst, `,"author_id":`...)
	dst = appendString(dst, v.AuthorID)
	dst = append(dst, `,"action":`...)
	dst = appendString(dst, v.Action)
	dst = append(dst, `,"labels":[`...)
	for i, l := range v.Labels {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, l)
	}
	dst = append(dst, `],"score":`...)
	if dst, ok = appendFloat(dst, v.Score); !ok {
		return dst, false
	}
	dst = append(dst, `,"reasons":`...)
	if dst, ok = appendReasons(dst, v.Reasons); !ok {
		return dst, false
	}
	dst = append(dst, `,"shadow":`...)
	if dst, ok = appendReasons(dst, v.Shadow); !ok {
		return dst, false
	}
	dst = append(dst, `,"rules_version":`...)
	dst = appendString(dst, v.RulesVersion)
	dst = append(dst, `,"model_version":`...)
	dst = appendString(dst, v.ModelVersion)
	if s := v.Source; s != nil {
		dst = append(dst, `,"source":{"topic":`...)
		dst = appendString(dst, s.Topic)
		dst = append(dst, `,"partition":`...)
		dst = strconv.AppendInt(dst, int64(s.Partition), 10)
		dst = append(dst, `,"offset":`...)
		dst = strconv.AppendInt(dst, s.Offset, 10)
		dst = append(dst, '}')
	}
	dst = append(dst, `,"created_at":`...)
	if dst, ok = appendTime(dst, v.CreatedAt); !ok {
		return dst, false
	}
	dst = append(dst, `,"decided_at":`...)
	if dst, ok = appendTime(dst, v.DecidedAt); !ok {
		return dst, false
	}
	return append(dst, '}'), true
}

func appendReasons(dst []byte, rs []Reason) (_ []byte, ok bool) {
	dst = append(dst, '[')
	for i := range rs {
		if i > 0 {
			dst = append(dst, ',')
		}
		if dst, ok = rs[i].appendJSON(dst); !ok {
			return dst, false
		}
	}
	return append(dst, ']'), true
}

func (r *Reason) appendJSON(dst []byte) (_ []byte, ok bool) {
	dst = append(dst, `{"kind":`...)
	dst = appendString(dst, r.Kind)
	dst = append(dst, `,"id":`...)
	dst = appendString(dst, r.ID)
	if r.Label != "" {
		dst = append(dst, `,"label":`...)
		dst = appendString(dst, r.Label)
	}
	dst = append(dst, `,"score":`...)
	if dst, ok = appendFloat(dst, r.Score); !ok {
		return dst, false
	}
	if r.Evidence != "" {
		dst = append(dst, `,"evidence":`...)
		dst = appendString(dst, r.Evidence)
	}
	if r.Model != "" {
		dst = append(dst, `,"model":`...)
		dst = appendString(dst, r.Model)
	}
	if len(r.Probs) > 0 {
		dst = append(dst, `,"probs":`...)
		if dst, ok = appendProbs(dst, r.Probs); !ok {
			return dst, false
		}
	}
	if len(r.TopFeatures) > 0 {
		dst = append(dst, `,"top_features":[`...)
		for i := range r.TopFeatures {
			f := &r.TopFeatures[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"label":`...)
			dst = appendString(dst, f.Label)
			dst = append(dst, `,"token":`...)
			dst = appendString(dst, f.Token)
			dst = append(dst, `,"weight":`...)
			if dst, ok = appendFloat(dst, f.Weight); !ok {
				return dst, false
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	if rp := r.Repetition; rp != nil {
		dst = append(dst, `,"author_posts_1h":`...)
		dst = strconv.AppendInt(dst, int64(rp.AuthorPosts1h), 10)
		dst = append(dst, `,"author_posts_24h":`...)
		dst = strconv.AppendInt(dst, int64(rp.AuthorPosts24h), 10)
		dst = append(dst, `,"author_copies_24h":`...)
		dst = strconv.AppendInt(dst, int64(rp.AuthorCopies24h), 10)
		if rp.Cluster != "" {
			dst = append(dst, `,"cluster":`...)
			dst = appendString(dst, rp.Cluster)
		}
		dst = append(dst, `,"cluster_copies_24h":`...)
		dst = strconv.AppendInt(dst, int64(rp.ClusterCopies24h), 10)
		dst = append(dst, `,"cluster_authors_24h":`...)
		dst = strconv.AppendInt(dst, int64(rp.ClusterAuthors24h), 10)
		if rp.ClusterFirstSeen != nil {
			dst = append(dst, `,"cluster_first_seen":`...)
			if dst, ok = appendTime(dst, *rp.ClusterFirstSeen); !ok {
				return dst, false
			}
		}
		if rp.Replay {
			dst = append(dst, `,"replay":true`...)
		}
	}
	return append(dst, '}'), true
}

// appendProbs writes m as a JSON object with its keys in bytewise order, as
// encoding/json does. The members are sorted on the stack when there are
// few (a classifier knows a handful of labels).
func appendProbs(dst []byte, m map[string]float64) (_ []byte, ok bool) {
	type member struct {
		k string
		v float64
	}
	var stack [16]member
	ms := stack[:0]
	if len(m) > len(stack) {
		ms = make([]member, 0, len(m))
	}
	for k, v := range m {
		ms = append(ms, member{k, v})
	}
	if len(ms) <= len(stack) {
		// Insertion sort: no allocation, and fastest for a few members.
		for i := 1; i < len(ms); i++ {
			for j := i; j > 0 && ms[j].k < ms[j-1].k; j-- {
				ms[j], ms[j-1] = ms[j-1], ms[j]
			}
		}
	} else {
		slices.SortFunc(ms, func(a, b member) int { return strings.Compare(a.k, b.k) })
	}
	dst = append(dst, '{')
	for i := range ms {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, ms[i].k)
		dst = append(dst, ':')
		if dst, ok = appendFloat(dst, ms[i].v); !ok {
			return dst, false
		}
	}
	return append(dst, '}'), true
}

// appendFloat writes f as encoding/json writes a float64: the shortest
// decimal that reads back as f, in 'f' format unless |f| < 1e-6 or
// |f| >= 1e21, then in 'e' format with a one-digit negative exponent
// shortened (e-07 becomes e-7). NaN and infinities are not JSON: ok is false.
func appendFloat(dst []byte, f float64) (_ []byte, ok bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return dst, false
	}
	if b, ok := appendDecimal4(dst, f); ok {
		return b, true
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, true
}

// appendDecimal4 writes f the way appendFloat does when f is the float64
// nearest to a decimal with at most four fractional digits (scores and
// weights are rounded so), and reports whether it was; it is several times
// faster than strconv's shortest formatting.
//
// Why the digits are the shortest: if f == float64(n)/1e4 for an integer n,
// the decimal d = n/10^4 reads back as f (the division is correctly
// rounded). Any other decimal that reads back as f lies within one ulp of
// f, less than 2^-20 for |f| < 2^32, while d and any decimal with no more
// significant digits than d are multiples of 10^-5 at least and so differ
// by 10^-5 or more; hence d, trailing zeros dropped, is the shortest. And
// 10^-4 <= |f| < 2^32 is inside the range written in 'f' format.
func appendDecimal4(dst []byte, f float64) (_ []byte, ok bool) {
	x := f * 1e4
	if !(x >= 1 && x < 1<<32*1e4) && !(x <= -1 && x > -(1<<32*1e4)) {
		return dst, false
	}
	n := math.Round(x)
	if n/1e4 != f {
		return dst, false
	}
	u := int64(n)
	if u < 0 {
		dst = append(dst, '-')
		u = -u
	}
	dst = strconv.AppendInt(dst, u/1e4, 10)
	frac := u % 1e4
	if frac == 0 {
		return dst, true
	}
	dst = append(dst, '.', byte('0'+frac/1000), byte('0'+frac/100%10), byte('0'+frac/10%10), byte('0'+frac%10))
	for dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	return dst, true
}

// appendTime writes t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds, trailing zeros dropped); ok is false for a year outside
// 0..9999 or a zone offset of 24 hours or more.
func appendTime(dst []byte, t time.Time) (_ []byte, ok bool) {
	dst = append(dst, '"')
	b, err := t.AppendText(dst)
	if err != nil {
		return dst, false
	}
	return append(b, '"'), true
}

// plain[c] is true for the bytes appendString copies as they are in valid
// UTF-8: the ASCII bytes encoding/json does not escape (all but the control
// characters, '"', '\\' and the HTML characters '<', '>' and '&') and the
// bytes of multi-byte characters, except 0xE2, which starts U+2028 and
// U+2029.
var plain = func() (t [256]bool) {
	for c := ' '; c < 256; c++ {
		t[c] = true
	}
	for _, c := range []byte{'"', '\\', '<', '>', '&', 0xE2} {
		t[c] = false
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string exactly as json.Marshal does (with
// its default HTML escaping): '"' and '\\' backslashed; \b, \f, \n, \r and
// \t by name; other control characters and '<', '>', '&' as \u00XX; U+2028
// and U+2029 as \u2028 and \u2029; each byte of invalid UTF-8 as \ufffd;
// everything else as is.
func appendString(dst []byte, s string) []byte {
	if !utf8.ValidString(s) {
		return appendInvalidString(dst, s)
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if plain[c] {
			continue
		}
		if c == 0xE2 {
			// Valid UTF-8: two more bytes follow.
			if s[i+1] != 0x80 || s[i+2]&^1 != 0xA8 {
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[s[i+2]&0xF])
			i += 2
			start = i + 1
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = appendEscapedASCII(dst, c)
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendEscapedASCII writes the escape of an ASCII byte that plain refuses.
func appendEscapedASCII(dst []byte, c byte) []byte {
	switch c {
	case '\\', '"':
		return append(dst, '\\', c)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

// appendInvalidString is appendString for a string that is not valid UTF-8,
// decoding it rune by rune as encoding/json does.
func appendInvalidString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendEscapedASCII(dst, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// forJSON returns a copy of v as encoding/json should see it: Labels,
// Reasons and Shadow never null.
func (v *Verdict) forJSON() *Verdict {
	c := *v
	if c.Labels == nil {
		c.Labels = []string{}
	}
	if c.Reasons == nil {
		c.Reasons = []Reason{}
	}
	if c.Shadow == nil {
		c.Shadow = []Reason{}
	}
	return &c
}

// marshalError returns the error json.Marshal gives for v, which appendJSON
// refused: the same error as before Append was written by hand, so that
// callers' messages do not change.
func (v *Verdict) marshalError() error {
	if _, err := json.Marshal(v.forJSON()); err != nil {
		return err
	}
	return errors.New("verdict: cannot encode as JSON") // appendJSON and json.Marshal disagree: a bug
}
