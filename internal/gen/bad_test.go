package gen

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/circleguard/circleguard/internal/post"
)

var required = []string{"id", "author_id", "text", "created_at"}

func TestBadMessages(t *testing.T) {
	bad := BadMessages(7, 3*len(badCases))
	if len(bad) != 3*len(badCases) {
		t.Fatalf("got %d messages, want %d", len(bad), 3*len(badCases))
	}
	for i, b := range bad {
		if want := badCases[i%len(badCases)].name; b.Case != want {
			t.Fatalf("message %d is case %q, want %q (cycle order)", i, b.Case, want)
		}
		t.Run(b.Case, func(t *testing.T) {
			d := b.Data
			if _, err := post.Decode(d, 0); err == nil || post.ReasonOf(err) != b.Reason {
				t.Fatalf("post.Decode: %v, want reason %s", err, b.Reason)
			}
			if b.Reason != ReasonInvalidUTF8 && !utf8.Valid(d) {
				t.Fatalf("invalid UTF-8 in a %s message: %q", b.Reason, d)
			}
			var obj map[string]json.RawMessage
			isObject := json.Valid(d) && json.Unmarshal(d, &obj) == nil && obj != nil
			switch b.Reason {
			case ReasonInvalidJSON:
				if isObject && b.Case != "duplicate_key" { // encoding/json takes the last of duplicates
					t.Fatalf("a JSON object: %q", d)
				}
			case ReasonInvalidUTF8:
				if utf8.Valid(d) || !isObject {
					t.Fatalf("want a JSON object with invalid UTF-8: %q", d)
				}
				var p post.Post
				if err := json.Unmarshal(bytes.ToValidUTF8(d, []byte("\uFFFD")), &p); err != nil {
					t.Fatalf("not a post once the bytes are repaired: %v", err)
				}
			case ReasonMissingField:
				if !isObject {
					t.Fatalf("not a JSON object: %q", d)
				}
				missing := 0
				for _, k := range required {
					if _, ok := obj[k]; !ok {
						missing++
					}
				}
				if missing != 1 {
					t.Fatalf("%d required fields missing, want 1: %q", missing, d)
				}
			case ReasonInvalidField:
				if !isObject {
					t.Fatalf("not a JSON object: %q", d)
				}
				for _, k := range required {
					if _, ok := obj[k]; !ok {
						t.Fatalf("required field %s missing: %q", k, d)
					}
				}
				var p post.Post
				if err := json.Unmarshal(d, &p); err == nil {
					t.Fatalf("decodes as a post: %q", d)
				}
			default:
				t.Fatalf("unexpected reason %q", b.Reason)
			}
		})
	}
}

func TestBadMessagesVary(t *testing.T) {
	a, b := BadMessages(1, 100), BadMessages(1, 100)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("BadMessages is not deterministic")
	}
	c := BadMessages(2, 100)
	same := 0
	for i := range a {
		if bytes.Equal(a[i].Data, c[i].Data) {
			same++
		}
	}
	if same > 10 { // the empty and null messages may coincide
		t.Errorf("%d of 100 messages are the same for seeds 1 and 2", same)
	}
	if got := BadMessages(1, 0); len(got) != 0 {
		t.Errorf("BadMessages(1, 0) returned %d", len(got))
	}
	if got := BadMessages(1, -3); len(got) != 0 {
		t.Errorf("BadMessages(1, -3) returned %d", len(got))
	}
}

func TestBadTimesDoNotParse(t *testing.T) {
	for _, b := range BadMessages(3, 40*len(badCases)) {
		if b.Case != "created_at_not_rfc3339" {
			continue
		}
		var v struct {
			CreatedAt string `json:"created_at"`
		}
		if err := json.Unmarshal(b.Data, &v); err != nil {
			t.Fatal(err)
		}
		if _, err := time.Parse(time.RFC3339, v.CreatedAt); err == nil {
			t.Errorf("created_at %q parses as RFC 3339", v.CreatedAt)
		}
	}
}

func TestTooLarge(t *testing.T) {
	for _, limit := range []int{-1, 0, 10, 200, 1000, 1 << 20} {
		b := TooLarge(limit)
		min := len(TooLarge(0).Data)
		want := max(limit+1, min)
		if len(b.Data) != want {
			t.Errorf("TooLarge(%d): %d bytes, want %d", limit, len(b.Data), want)
		}
		if b.Reason != ReasonTooLarge || !utf8.Valid(b.Data) {
			t.Errorf("TooLarge(%d): reason %q, valid UTF-8 %v", limit, b.Reason, utf8.Valid(b.Data))
		}
		var p post.Post
		if err := json.Unmarshal(b.Data, &p); err != nil || p.ID == "" || p.AuthorID == "" || p.CreatedAt.IsZero() {
			t.Errorf("TooLarge(%d): not a valid post apart from its size: %v", limit, err)
		}
		if limit > 1000 && !strings.Contains(p.Text, "刷屏") {
			t.Errorf("TooLarge(%d): text is not ad copy", limit)
		}
	}
}
