package post

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestDecode(t *testing.T) {
	created := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		in         string
		wantReason string // "" = valid
		wantField  string
		check      func(t *testing.T, p Post)
	}{
		{name: "minimal", in: `{"id":"p1","author_id":"a1","text":"早安","created_at":"2026-11-01T08:00:00Z"}`,
			check: func(t *testing.T, p Post) {
				if p.ID != "p1" || p.AuthorID != "a1" || p.Text != "早安" || !p.CreatedAt.Equal(created) {
					t.Errorf("got %+v", p)
				}
			}},
		{name: "empty text is valid", in: `{"id":"p1","author_id":"a1","text":"","created_at":"2026-11-01T08:00:00Z"}`},
		{name: "all optional fields", in: `{"id":"p1","author_id":"a1","text":"hi","created_at":"2026-11-01T16:00:00+08:00","lang":"zh",
			"links":["https://example.com"],"media":[{"type":"image","sha256":"ab"}],"author":{"account_created_at":"2020-01-01T00:00:00Z","friends":12}}`,
			check: func(t *testing.T, p Post) {
				if p.Lang != "zh" || len(p.Links) != 1 || len(p.Media) != 1 || p.Author == nil || *p.Author.Friends != 12 || !p.CreatedAt.Equal(created) {
					t.Errorf("got %+v", p)
				}
			}},
		{name: "unknown fields ignored", in: `{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z","likes":3,"extra":{"a":[1,2]}}`},
		{name: "leading whitespace", in: " \n{\"id\":\"p1\",\"author_id\":\"a1\",\"text\":\"x\",\"created_at\":\"2026-11-01T08:00:00Z\"}\n"},
		{name: "fractional seconds", in: `{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00.123456789Z"}`},

		{name: "empty message", in: ``, wantReason: ReasonInvalidJSON},
		{name: "not JSON", in: `hello world`, wantReason: ReasonInvalidJSON},
		{name: "array", in: `[1,2,3]`, wantReason: ReasonInvalidJSON},
		{name: "null", in: `null`, wantReason: ReasonInvalidJSON},
		{name: "truncated", in: `{"id":"p1","author_id":"a1","te`, wantReason: ReasonInvalidJSON},
		{name: "trailing garbage", in: `{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z"} x`, wantReason: ReasonInvalidJSON},
		{name: "invalid UTF-8", in: "{\"id\":\"p1\",\"author_id\":\"a1\",\"text\":\"\xff\xfe\",\"created_at\":\"2026-11-01T08:00:00Z\"}", wantReason: ReasonInvalidUTF8},
		{name: "missing id", in: `{"author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z"}`, wantReason: ReasonMissingField, wantField: "id"},
		{name: "null id", in: `{"id":null,"author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z"}`, wantReason: ReasonMissingField, wantField: "id"},
		{name: "missing author_id", in: `{"id":"p1","text":"x","created_at":"2026-11-01T08:00:00Z"}`, wantReason: ReasonMissingField, wantField: "author_id"},
		{name: "missing text", in: `{"id":"p1","author_id":"a1","created_at":"2026-11-01T08:00:00Z"}`, wantReason: ReasonMissingField, wantField: "text"},
		{name: "missing created_at", in: `{"id":"p1","author_id":"a1","text":"x"}`, wantReason: ReasonMissingField, wantField: "created_at"},
		{name: "empty id", in: `{"id":"","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z"}`, wantReason: ReasonInvalidField, wantField: "id"},
		{name: "id too long", in: `{"id":"` + strings.Repeat("x", MaxIDBytes+1) + `","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z"}`, wantReason: ReasonInvalidField, wantField: "id"},
		{name: "id is a number", in: `{"id":42,"author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z"}`, wantReason: ReasonInvalidField, wantField: "id"},
		{name: "text is an object", in: `{"id":"p1","author_id":"a1","text":{"a":1},"created_at":"2026-11-01T08:00:00Z"}`, wantReason: ReasonInvalidField, wantField: "text"},
		{name: "links not strings", in: `{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z","links":[1]}`, wantReason: ReasonInvalidField},
		{name: "created_at not RFC 3339", in: `{"id":"p1","author_id":"a1","text":"x","created_at":"2026/11/01 08:00"}`, wantReason: ReasonInvalidField, wantField: "created_at"},
		{name: "created_at a number", in: `{"id":"p1","author_id":"a1","text":"x","created_at":1764000000}`, wantReason: ReasonInvalidField, wantField: "created_at"},
		{name: "bad account_created_at", in: `{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z","author":{"account_created_at":"yesterday"}}`, wantReason: ReasonInvalidField, wantField: "author.account_created_at"},
		{name: "huge number in friends", in: `{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z","author":{"friends":1e400}}`, wantReason: ReasonInvalidField},
		{name: "duplicate text", in: `{"id":"p1","author_id":"a1","text":"ok","created_at":"2026-11-01T08:00:00Z","text":"spam"}`, wantReason: ReasonInvalidJSON, wantField: "text"},
		{name: "duplicate id in another case", in: `{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z","ID":"p2"}`, wantReason: ReasonInvalidJSON, wantField: "id"},
		{name: "duplicate author_id escaped", in: `{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z","\u0061uthor_id":"a2"}`, wantReason: ReasonInvalidJSON, wantField: "author_id"},
		{name: "duplicate optional field", in: `{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z","lang":"zh","lang":"en"}`, wantReason: ReasonInvalidJSON, wantField: "lang"},
		{name: "duplicate unknown field is ignored", in: `{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z","likes":1,"likes":2}`},
		{name: "nested keys are not top-level duplicates", in: `{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z","extra":{"id":"p2","text":["id"]},"author":{"friends":1}}`},
		{name: "key-like text is not a key", in: `{"id":"p1","author_id":"a1","text":"\"id\":\"p2\",","created_at":"2026-11-01T08:00:00Z"}`},
		{name: "too large", in: `{"id":"p1","author_id":"a1","text":"` + strings.Repeat("广", 400) + `","created_at":"2026-11-01T08:00:00Z"}`, wantReason: ReasonTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Decode([]byte(tt.in), 1024)
			if tt.wantReason == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if tt.check != nil {
					tt.check(t, p)
				}
				return
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode error = %v (%T), want *DecodeError %s", err, err, tt.wantReason)
			}
			if de.Reason != tt.wantReason || (tt.wantField != "" && de.Field != tt.wantField) {
				t.Fatalf("Decode error = reason %q field %q (%v), want reason %q field %q", de.Reason, de.Field, err, tt.wantReason, tt.wantField)
			}
		})
	}
}

// TestDecodeErrorHidesContent checks that error texts never quote the post.
func TestDecodeErrorHidesContent(t *testing.T) {
	const canary = "CANARY-7f3a"
	inputs := []string{
		`{"id":"p1","author_id":"a1","text":"` + canary + `","created_at":"` + canary + `"}`,
		`{"id":"p1","author_id":"a1","text":"` + canary,
		canary,
		`{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z","author":{"friends":"` + canary + `"}}`,
		`{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z","` + canary + `":tru}`,
	}
	for _, in := range inputs {
		_, err := Decode([]byte(in), 0)
		if err == nil {
			t.Fatalf("Decode(%q) succeeded", in)
		}
		if strings.Contains(err.Error(), canary) {
			t.Errorf("error %q quotes the input", err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"id":"p1","author_id":"a1","text":"加微信 V❤ 138 1234 5678","created_at":"2026-11-01T08:00:00Z","lang":"zh"}`))
	f.Add([]byte(`{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z","author":{"friends":3,"account_created_at":"2020-01-01T00:00:00Z"},"links":["a"],"media":[{"type":"image","sha256":"00"}]}`))
	f.Add([]byte(`{"id":1}`))
	f.Add([]byte("{\"text\":\"\xff\"}"))
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[`))
	f.Add([]byte(`{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z","Text":"y"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(data, 4096)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *DecodeError", err)
			}
			switch de.Reason {
			case ReasonInvalidJSON, ReasonInvalidUTF8, ReasonMissingField, ReasonInvalidField, ReasonTooLarge:
			default:
				t.Fatalf("unknown reason %q", de.Reason)
			}
			return
		}
		if p.ID == "" || p.AuthorID == "" || len(p.ID) > MaxIDBytes || len(p.AuthorID) > MaxIDBytes {
			t.Fatalf("accepted post with bad ids: %q %q", p.ID, p.AuthorID)
		}
		if !utf8.ValidString(p.Text) {
			t.Fatalf("accepted invalid UTF-8 text")
		}
		if p.CreatedAt.IsZero() && !strings.Contains(string(data), "0001-01-01") {
			t.Fatalf("accepted post without created_at")
		}
	})
}
