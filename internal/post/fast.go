package post

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// decodeFast decodes obj when it is an ordinary, valid post, several times
// faster than encoding/json, and reports whether it did. obj must be valid
// UTF-8, trimmed of white space and start with '{'.
//
// Its contract is to agree with decodeSlow: when ok is true, decodeSlow
// accepts obj and returns the same Post. So it gives up (ok false) on
// anything it is not sure of, and decodeSlow then decides, errors included:
// JSON syntax it does not accept exactly as encoding/json does, a key with
// an escape or a non-ASCII byte (encoding/json folds keys with Unicode
// rules), a field the decoder reads given twice, a value of an unexpected
// type (null included where it is not plainly "absent"), a number that is
// not an int64, nesting deeper than maxFastDepth, and every invalid post.
// FuzzDecodeSame checks the contract.
func decodeFast(obj []byte) (p Post, ok bool) {
	d := fastDecoder{data: obj, i: 1}
	var seen [len(fields)]bool
	d.ws()
	for {
		key, ok := d.key()
		if !ok || !d.colon() {
			return Post{}, false
		}
		f := topField(key)
		if f >= 0 {
			if seen[f] {
				return Post{}, false
			}
			seen[f] = true
		}
		switch f {
		case fieldID, fieldAuthorID, fieldText:
			v, ok := d.str()
			if !ok {
				return Post{}, false
			}
			switch f {
			case fieldID:
				if len(v) == 0 || len(v) > MaxIDBytes {
					return Post{}, false
				}
				p.ID = string(v)
			case fieldAuthorID:
				if len(v) == 0 || len(v) > MaxIDBytes {
					return Post{}, false
				}
				p.AuthorID = string(v)
			default:
				p.Text = string(v)
			}
		case fieldCreatedAt:
			v, ok := d.str()
			if !ok {
				return Post{}, false
			}
			if p.CreatedAt, ok = parseTime(v); !ok {
				return Post{}, false
			}
		case fieldLang:
			if d.null() {
				break
			}
			v, ok := d.str()
			if !ok {
				return Post{}, false
			}
			p.Lang = internLang(v)
		case fieldLinks:
			if d.null() {
				break
			}
			if p.Links, ok = d.links(); !ok {
				return Post{}, false
			}
		case fieldMedia:
			if d.null() {
				break
			}
			if p.Media, ok = d.media(); !ok {
				return Post{}, false
			}
		case fieldAuthor:
			if d.null() {
				break
			}
			if p.Author, ok = d.author(); !ok {
				return Post{}, false
			}
		default:
			if !d.skip(1) {
				return Post{}, false
			}
		}
		if end, ok := d.next('}'); !ok {
			return Post{}, false
		} else if end {
			break
		}
	}
	// obj is trimmed: nothing may follow the object. And the required
	// fields (a null one never got here).
	if d.i != len(obj) || !seen[fieldID] || !seen[fieldAuthorID] || !seen[fieldText] || !seen[fieldCreatedAt] {
		return Post{}, false
	}
	return p, true
}

// Indexes in fields.
const (
	fieldID = iota
	fieldAuthorID
	fieldText
	fieldCreatedAt
	fieldLang
	fieldLinks
	fieldMedia
	fieldAuthor
)

// maxFastDepth bounds the nesting decodeFast skips; deeper input goes to
// encoding/json (which refuses beyond 10,000).
const maxFastDepth = 100

// fastDecoder scans one JSON text.
type fastDecoder struct {
	data []byte
	i    int    // the next byte to read
	buf  []byte // the last string that held escapes, unescaped
}

// ws skips JSON white space.
func (d *fastDecoder) ws() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// colon reads white space, ':' and white space.
func (d *fastDecoder) colon() bool {
	d.ws()
	if d.i >= len(d.data) || d.data[d.i] != ':' {
		return false
	}
	d.i++
	d.ws()
	return true
}

// next reads what follows a member or an element: white space, then ','
// and white space (end false) or the closing byte (end true).
func (d *fastDecoder) next(closing byte) (end, ok bool) {
	d.ws()
	if d.i >= len(d.data) {
		return false, false
	}
	switch d.data[d.i] {
	case ',':
		d.i++
		d.ws()
		return false, true
	case closing:
		d.i++
		return true, true
	}
	return false, false
}

// empty reads the closing byte of an empty object or array if it is next.
func (d *fastDecoder) empty(closing byte) bool {
	d.ws()
	if d.i < len(d.data) && d.data[d.i] == closing {
		d.i++
		return true
	}
	return false
}

// null reads a null if one is next.
func (d *fastDecoder) null() bool {
	if bytes.HasPrefix(d.data[d.i:], []byte("null")) {
		d.i += len("null")
		return true
	}
	return false
}

// key reads an object key made of ASCII bytes without escapes: only for
// those is a case-insensitive match with encoding/json's certain.
func (d *fastDecoder) key() ([]byte, bool) {
	start := d.i + 1
	if esc, ok := d.scanString(); !ok || esc {
		return nil, false
	}
	k := d.data[start : d.i-1]
	for _, c := range k {
		if c >= utf8.RuneSelf {
			return nil, false
		}
	}
	return k, true
}

// str reads a string and returns its value, which points into d.data or
// d.buf: valid until the next call.
func (d *fastDecoder) str() ([]byte, bool) {
	start := d.i + 1
	esc, ok := d.scanString()
	if !ok {
		return nil, false
	}
	raw := d.data[start : d.i-1]
	if !esc {
		return raw, true
	}
	d.buf = appendUnescaped(d.buf[:0], raw)
	return d.buf, true
}

// special[c] is true for the bytes that end a plain run in a JSON string:
// '"', '\\' and the control characters (which JSON forbids there).
var special = func() (t [256]bool) {
	for c := range ' ' {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// scanString reads a string, checking its syntax as encoding/json does (the
// UTF-8 is known valid), and reports whether it holds escapes.
func (d *fastDecoder) scanString() (esc, ok bool) {
	data := d.data
	i := d.i
	if i >= len(data) || data[i] != '"' {
		return false, false
	}
	i++
	for {
		// Eight bytes at a time while none is special, then byte by byte
		// up to the special one.
		for i+8 <= len(data) && !hasSpecial(binary.LittleEndian.Uint64(data[i:])) {
			i += 8
		}
		for i < len(data) && !special[data[i]] {
			i++
		}
		if i >= len(data) {
			return false, false
		}
		switch data[i] {
		case '"':
			d.i = i + 1
			return esc, true
		case '\\':
			esc = true
			if i+1 >= len(data) {
				return false, false
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(data) || hex4(data[i+2:i+6]) < 0 {
					return false, false
				}
				i += 6
			default:
				return false, false
			}
		default: // a control character
			return false, false
		}
	}
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// hasSpecial reports whether any of the eight bytes in x is special: '"',
// '\\' or below 0x20. (A byte b is zero exactly when (b-1) &^ b has its
// high bit set, the borrow from a lower zero byte aside, which only matters
// when there is one; likewise b < 0x20 when (b-0x20) &^ b does.)
func hasSpecial(x uint64) bool {
	q := x ^ ('"' * ones)
	bs := x ^ ('\\' * ones)
	return ((x-0x20*ones)&^x|(q-ones)&^q|(bs-ones)&^bs)&highs != 0
}

// hex4 returns the value of four hexadecimal digits, or -1.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// appendUnescaped appends the value of s, the inside of a string that
// scanString accepted, as encoding/json unquotes it: a \u escape of a lone
// or mismatched surrogate becomes U+FFFD, and the escape after a high
// surrogate that does not pair with it is read on its own.
func appendUnescaped(dst, s []byte) []byte {
	for r := 0; r < len(s); {
		c := s[r]
		if c != '\\' {
			n := bytes.IndexByte(s[r:], '\\')
			if n < 0 {
				n = len(s) - r
			}
			dst = append(dst, s[r:r+n]...)
			r += n
			continue
		}
		switch e := s[r+1]; e {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			rr := hex4(s[r+2:])
			r += 6
			if utf16.IsSurrogate(rr) {
				rr1 := rune(-1)
				if r+6 <= len(s) && s[r] == '\\' && s[r+1] == 'u' {
					rr1 = hex4(s[r+2:])
				}
				if dec := utf16.DecodeRune(rr, rr1); dec != unicode.ReplacementChar {
					dst = utf8.AppendRune(dst, dec)
					r += 6
					continue
				}
				rr = unicode.ReplacementChar
			}
			dst = utf8.AppendRune(dst, rr)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, e)
		}
		r += 2
	}
	return dst
}

// number reads a number and reports whether it is an integer (no fraction,
// no exponent).
func (d *fastDecoder) number() (raw []byte, integer, ok bool) {
	data, start := d.data, d.i
	i := start
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case !digits(data, &i):
		return nil, false, false
	}
	integer = true
	if i < len(data) && data[i] == '.' {
		i++
		if !digits(data, &i) {
			return nil, false, false
		}
		integer = false
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if !digits(data, &i) {
			return nil, false, false
		}
		integer = false
	}
	d.i = i
	return data[start:i], integer, true
}

// digits advances *i over decimal digits and reports whether there was one.
func digits(data []byte, i *int) bool {
	start := *i
	for *i < len(data) && '0' <= data[*i] && data[*i] <= '9' {
		*i++
	}
	return *i > start
}

// skip reads any value, checking its syntax; depth is the nesting of the
// value's container.
func (d *fastDecoder) skip(depth int) bool {
	if d.i >= len(d.data) {
		return false
	}
	switch d.data[d.i] {
	case '"':
		_, ok := d.scanString()
		return ok
	case '{':
		if depth >= maxFastDepth {
			return false
		}
		d.i++
		if d.empty('}') {
			return true
		}
		for {
			if _, ok := d.scanString(); !ok || !d.colon() || !d.skip(depth+1) {
				return false
			}
			if end, ok := d.next('}'); !ok || end {
				return ok
			}
		}
	case '[':
		if depth >= maxFastDepth {
			return false
		}
		d.i++
		if d.empty(']') {
			return true
		}
		for {
			if !d.skip(depth + 1) {
				return false
			}
			if end, ok := d.next(']'); !ok || end {
				return ok
			}
		}
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	_, _, ok := d.number()
	return ok
}

func (d *fastDecoder) literal(s string) bool {
	if !bytes.HasPrefix(d.data[d.i:], []byte(s)) {
		return false
	}
	d.i += len(s)
	return true
}

// open reads the opening byte of an object or array.
func (d *fastDecoder) open(c byte) bool {
	if d.i >= len(d.data) || d.data[d.i] != c {
		return false
	}
	d.i++
	return true
}

// links reads an array of strings.
func (d *fastDecoder) links() ([]string, bool) {
	if !d.open('[') {
		return nil, false
	}
	if d.empty(']') {
		return []string{}, true
	}
	var links []string
	for {
		v, ok := d.str()
		if !ok {
			return nil, false
		}
		links = append(links, string(v))
		if end, ok := d.next(']'); !ok {
			return nil, false
		} else if end {
			return links, true
		}
	}
}

var mediaFields = [...]string{"type", "sha256"}

// media reads an array of media objects.
func (d *fastDecoder) media() ([]Media, bool) {
	if !d.open('[') {
		return nil, false
	}
	if d.empty(']') {
		return []Media{}, true
	}
	var media []Media
	for {
		if !d.open('{') {
			return nil, false
		}
		var m Media
		if !d.empty('}') {
			var seen [len(mediaFields)]bool
			for {
				key, ok := d.key()
				if !ok || !d.colon() {
					return nil, false
				}
				f := fieldIndex(key, mediaFields[:])
				if f >= 0 {
					if seen[f] {
						return nil, false
					}
					seen[f] = true
					if !d.null() {
						v, ok := d.str()
						if !ok {
							return nil, false
						}
						if f == 0 {
							m.Type = internMediaType(v)
						} else {
							m.SHA256 = string(v)
						}
					}
				} else if !d.skip(3) {
					return nil, false
				}
				if end, ok := d.next('}'); !ok {
					return nil, false
				} else if end {
					break
				}
			}
		}
		media = append(media, m)
		if end, ok := d.next(']'); !ok {
			return nil, false
		} else if end {
			return media, true
		}
	}
}

var authorFields = [...]string{"account_created_at", "friends"}

// author reads the author object.
func (d *fastDecoder) author() (*Author, bool) {
	if !d.open('{') {
		return nil, false
	}
	// One allocation for the author and what its pointers point to.
	x := &struct {
		a       Author
		created time.Time
		friends int64
	}{}
	a := &x.a
	if d.empty('}') {
		return a, true
	}
	var seen [len(authorFields)]bool
	for {
		key, ok := d.key()
		if !ok || !d.colon() {
			return nil, false
		}
		f := fieldIndex(key, authorFields[:])
		if f >= 0 {
			if seen[f] {
				return nil, false
			}
			seen[f] = true
		}
		switch {
		case f < 0:
			if !d.skip(2) {
				return nil, false
			}
		case d.null():
		case f == 0:
			v, ok := d.str()
			if !ok {
				return nil, false
			}
			if x.created, ok = parseTime(v); !ok {
				return nil, false
			}
			a.AccountCreatedAt = &x.created
		default:
			raw, integer, ok := d.number()
			if !ok || !integer {
				return nil, false
			}
			var err error
			if x.friends, err = strconv.ParseInt(transient(raw), 10, 64); err != nil {
				return nil, false
			}
			a.Friends = &x.friends
		}
		if end, ok := d.next('}'); !ok {
			return nil, false
		} else if end {
			return a, true
		}
	}
}

// topField returns the index in fields of the name key equals in ASCII
// letter case folding, or -1.
func topField(key []byte) int {
	var f int
	switch len(key) {
	case 2:
		f = fieldID
	case 4:
		f = fieldText
		if key[0]|0x20 == 'l' {
			f = fieldLang
		}
	case 5:
		f = fieldLinks
		if key[0]|0x20 == 'm' {
			f = fieldMedia
		}
	case 6:
		f = fieldAuthor
	case 9:
		f = fieldAuthorID
	case 10:
		f = fieldCreatedAt
	default:
		return -1
	}
	if !equalFold(key, fields[f]) {
		return -1
	}
	return f
}

// equalFold reports whether key equals name (lower case) in ASCII letter
// case folding.
func equalFold(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	for i := range len(key) {
		c := key[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

// fieldIndex returns the index in names (lower case) of the name key
// equals in ASCII letter case folding, or -1.
func fieldIndex(key []byte, names []string) int {
	for f, name := range names {
		if equalFold(key, name) {
			return f
		}
	}
	return -1
}

// parseTime parses an RFC 3339 time as decodeSlow does.
func parseTime(v []byte) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, transient(v))
	return t, err == nil
}

// transient views b as a string without copying, for a call that keeps
// nothing of it: time.Parse and strconv.ParseInt copy what they keep.
func transient(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// internLang returns common language hints without allocating.
func internLang(b []byte) string {
	switch string(b) {
	case "zh":
		return "zh"
	case "en":
		return "en"
	case "":
		return ""
	}
	return string(b)
}

// internMediaType returns common media types without allocating.
func internMediaType(b []byte) string {
	switch string(b) {
	case "image":
		return "image"
	case "video":
		return "video"
	}
	return string(b)
}
