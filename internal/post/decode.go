package post

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Reason codes of a rejected post. They are stable: dashboards, alerts and
// dead-letter consumers match on them.
const (
	ReasonInvalidJSON  = "invalid_json"  // not a JSON object
	ReasonInvalidUTF8  = "invalid_utf8"  // the bytes are not valid UTF-8
	ReasonMissingField = "missing_field" // a required field is absent or null
	ReasonInvalidField = "invalid_field" // a field has the wrong type or an invalid value
	ReasonTooLarge     = "too_large"     // the message exceeds the size limit
)

// Reasons lists every reason code, in a fixed order.
var Reasons = []string{ReasonInvalidJSON, ReasonInvalidUTF8, ReasonMissingField, ReasonInvalidField, ReasonTooLarge}

// DefaultMaxBytes is the default size limit of one encoded post: 1 MiB.
const DefaultMaxBytes = 1 << 20

// MaxIDBytes bounds id and author_id, which become Kafka keys and metric-free
// log fields.
const MaxIDBytes = 256

// DecodeError says why a message is not a valid post. Its text names the
// field and the problem, never the post's content.
type DecodeError struct {
	Reason string // one of the Reason… codes
	Field  string // the offending field, if any
	Detail string // a short description without post content
}

func (e *DecodeError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Reason, e.Field, e.Detail)
	}
	return fmt.Sprintf("%s: %s", e.Reason, e.Detail)
}

// ReasonOf returns the reason code of err if it is a *DecodeError, else
// ReasonInvalidJSON.
func ReasonOf(err error) string {
	var de *DecodeError
	if errors.As(err, &de) {
		return de.Reason
	}
	return ReasonInvalidJSON
}

// wire is the JSON shape, with pointers so that a missing field can be told
// from an empty one.
type wire struct {
	ID        *string  `json:"id"`
	AuthorID  *string  `json:"author_id"`
	Text      *string  `json:"text"`
	CreatedAt *string  `json:"created_at"`
	Lang      string   `json:"lang"`
	Links     []string `json:"links"`
	Media     []Media  `json:"media"`
	Author    *struct {
		AccountCreatedAt *string `json:"account_created_at"`
		Friends          *int64  `json:"friends"`
	} `json:"author"`
}

// Decode parses and validates one post. maxBytes <= 0 means DefaultMaxBytes.
// On failure it returns a *DecodeError. The Post shares no memory with data,
// which the caller may reuse. Decode is safe for concurrent use.
//
// The result is decodeSlow's, by definition: a hand-written scanner decodes
// ordinary posts (decodeFast) and leaves everything else, every rejection
// included, to decodeSlow, so that errors keep encoding/json's wording.
func Decode(data []byte, maxBytes int) (Post, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if len(data) <= maxBytes && utf8.Valid(data) {
		if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
			if p, ok := decodeFast(trimmed); ok {
				return p, nil
			}
		}
	}
	return decodeSlow(data, maxBytes)
}

// decodeSlow is Decode by encoding/json, the reference for decodeFast.
func decodeSlow(data []byte, maxBytes int) (Post, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if len(data) > maxBytes {
		return Post{}, &DecodeError{Reason: ReasonTooLarge, Detail: fmt.Sprintf("%d bytes over the limit of %d", len(data), maxBytes)}
	}
	if !utf8.Valid(data) {
		return Post{}, &DecodeError{Reason: ReasonInvalidUTF8, Detail: "message is not valid UTF-8"}
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return Post{}, &DecodeError{Reason: ReasonInvalidJSON, Detail: "message is not a JSON object"}
	}
	var w wire
	if err := json.Unmarshal(trimmed, &w); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Post{}, &DecodeError{Reason: ReasonInvalidField, Field: te.Field, Detail: "expected " + te.Type.String() + ", got JSON " + te.Value}
		}
		return Post{}, &DecodeError{Reason: ReasonInvalidJSON, Detail: jsonDetail(err)}
	}
	if dup := duplicateField(trimmed); dup != "" {
		return Post{}, &DecodeError{Reason: ReasonInvalidJSON, Field: dup, Detail: "duplicate key"}
	}
	switch {
	case w.ID == nil:
		return Post{}, missing("id")
	case w.AuthorID == nil:
		return Post{}, missing("author_id")
	case w.Text == nil:
		return Post{}, missing("text")
	case w.CreatedAt == nil:
		return Post{}, missing("created_at")
	}
	if err := checkID("id", *w.ID); err != nil {
		return Post{}, err
	}
	if err := checkID("author_id", *w.AuthorID); err != nil {
		return Post{}, err
	}
	created, err := time.Parse(time.RFC3339Nano, *w.CreatedAt)
	if err != nil {
		return Post{}, &DecodeError{Reason: ReasonInvalidField, Field: "created_at", Detail: "not an RFC 3339 time"}
	}
	p := Post{
		ID:        *w.ID,
		AuthorID:  *w.AuthorID,
		Text:      *w.Text,
		CreatedAt: created,
		Lang:      w.Lang,
		Links:     w.Links,
		Media:     w.Media,
	}
	if w.Author != nil {
		a := &Author{Friends: w.Author.Friends}
		if s := w.Author.AccountCreatedAt; s != nil {
			t, err := time.Parse(time.RFC3339Nano, *s)
			if err != nil {
				return Post{}, &DecodeError{Reason: ReasonInvalidField, Field: "author.account_created_at", Detail: "not an RFC 3339 time"}
			}
			a.AccountCreatedAt = &t
		}
		p.Author = a
	}
	return p, nil
}

func missing(field string) error {
	return &DecodeError{Reason: ReasonMissingField, Field: field, Detail: "required"}
}

func checkID(field, v string) error {
	switch {
	case v == "":
		return &DecodeError{Reason: ReasonInvalidField, Field: field, Detail: "must not be empty"}
	case len(v) > MaxIDBytes:
		return &DecodeError{Reason: ReasonInvalidField, Field: field, Detail: fmt.Sprintf("longer than %d bytes", MaxIDBytes)}
	}
	return nil
}

// jsonDetail describes a syntax error by its position only: encoding/json's
// messages can quote the offending input.
func jsonDetail(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	return "malformed JSON"
}

// fields are the top-level members Decode reads, as encoding/json matches
// them (case-insensitively).
var fields = [...]string{"id", "author_id", "text", "created_at", "lang", "links", "media", "author"}

// duplicateField returns the name of a field Decode reads that appears more
// than once among the top-level members of obj (in any letter case), or "".
// encoding/json keeps the last of duplicate keys where other parsers keep the
// first: a producer or a moderator's tool could then see one text and
// circleguard another, so such a post is refused rather than guessed at.
// obj must be a JSON object that json.Unmarshal accepted; the scan does not
// allocate unless a key holds an escape.
func duplicateField(obj []byte) string {
	var seen [len(fields)]bool
	depth, expectKey := 0, false
	for i := 0; i < len(obj); i++ {
		switch c := obj[i]; c {
		case '{', '[':
			depth++
			expectKey = c == '{' && depth == 1
		case '}', ']':
			depth--
		case ',':
			expectKey = depth == 1
		case '"':
			start := i + 1
			escaped := false
			for i++; i < len(obj) && obj[i] != '"'; i++ {
				if obj[i] == '\\' {
					escaped = true
					i++
				}
			}
			if !expectKey {
				continue
			}
			expectKey = false
			key := obj[start:i]
			if escaped {
				var k string
				if json.Unmarshal(obj[start-1:i+1], &k) != nil {
					continue
				}
				key = []byte(k)
			}
			for f, name := range fields {
				if len(key) >= len(name) && bytes.EqualFold(key, []byte(name)) {
					if seen[f] {
						return name
					}
					seen[f] = true
				}
			}
		}
	}
	return ""
}
