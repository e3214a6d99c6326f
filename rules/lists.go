package rules

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/circleguard/circleguard/internal/textnorm"
)

// Lists
//
// A rules directory may hold a lists/ folder of allow and deny lists, one
// file per list, named NAME.txt. The name says what the list holds by its
// suffix:
//
//	*_authors     author ids, exact (allow_authors, deny_authors …)
//	*_domains     hosts; an entry matches itself and its subdomains
//	              (example.com matches m.example.com); a URL is reduced to
//	              its host, a leading "*." or "www." is dropped
//	*_phones      phone numbers; spaces, dashes, brackets, "+86"/"0086"
//	              are dropped, so 138-1234-5678 and +86 13812345678 agree
//	*_wechat_ids  WeChat ids, case-insensitive
//	*_keywords    keywords, matched on the post's matching-form text like
//	              contains_any's (a trailing '*' allows more letters)
//
// One entry per line. '#' starts a comment at the start of a line or after
// a space; blank lines are skipped. Entries of every kind but keywords are
// one word and may be followed by attributes:
//
//	until=2026-12-31   the entry holds for posts created up to the end of
//	                   that day (UTC), or before an RFC 3339 time
//	                   (until=2026-12-31T18:00:00+08:00); later posts do
//	                   not see it. Expiry is by the post's created_at, so a
//	                   replay decides the same.
//	rule=ID            only in allow lists of authors (allow*_authors): a
//	                   snooze. The author is exempt from that one rule (no
//	                   hit, in enforce or shadow mode) until the until= date,
//	                   or for good without one. A snooze entry is not a
//	                   member of the list for in_list.
//
// Rules use lists by name: in_list("deny_authors", author.id),
// any_in_list("scam_domains", entities.domains), any_keyword("mlm_keywords").
// Lists are part of the rule set: loaded, validated and hot-reloaded with
// it, and hashed into its version.

// ListKind is what a list holds, taken from its name's suffix.
type ListKind string

// List kinds.
const (
	ListAuthors   ListKind = "authors"
	ListDomains   ListKind = "domains"
	ListPhones    ListKind = "phones"
	ListWeChatIDs ListKind = "wechat_ids"
	ListKeywords  ListKind = "keywords"
)

// listKinds in the order of the suffix test (wechat_ids before the others
// is not needed: suffixes are distinct).
var listKinds = []ListKind{ListAuthors, ListDomains, ListPhones, ListWeChatIDs, ListKeywords}

var listName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// List is one loaded list.
type List struct {
	// Name is the file name without ".txt"; rules refer to the list by it.
	Name string
	// Kind is what the list holds.
	Kind ListKind
	// File is the list's path as the loader saw it.
	File string

	entries  map[string]listEntry // value in canonical form → entry
	keywords []keyword            // keyword lists
	kwIDs    []int32              // their ids in the Set's dict
	snoozes  []snoozeEntry        // allow lists of authors
}

// listEntry is one member; until is the exclusive end of its validity in
// Unix seconds, 0 for none.
type listEntry struct {
	until int64
}

// snoozeEntry exempts an author from one rule.
type snoozeEntry struct {
	author, rule string
	until        int64
	line         int
}

// Len returns the number of entries (snoozes included).
func (l *List) Len() int { return len(l.entries) + len(l.keywords) + len(l.snoozes) }

// active reports whether an entry valid until u holds for a post created at
// t (Unix seconds, 0 unknown: every entry holds).
func active(u, t int64) bool { return u == 0 || t < u }

// kindOf returns the kind of a list name, or "".
func kindOf(name string) ListKind {
	for _, k := range listKinds {
		if strings.HasSuffix(name, "_"+string(k)) {
			return k
		}
	}
	return ""
}

// parseList reads a list file. file is its display path, name the list
// name.
func parseList(file, name string, data []byte) (*List, []error) {
	var errs []error
	fail := func(line int, format string, args ...any) {
		errs = append(errs, &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	if !listName.MatchString(name) {
		fail(0, "list name %q: want lower-case letters, digits and '_', starting with a letter", name)
		return nil, errs
	}
	l := &List{Name: name, Kind: kindOf(name), File: file, entries: map[string]listEntry{}}
	if l.Kind == "" {
		fail(0, "list %s: the name must end in _authors, _domains, _phones, _wechat_ids or _keywords", name)
		return nil, errs
	}
	allow := strings.HasPrefix(name, "allow") && l.Kind == ListAuthors
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := stripComment(sc.Text())
		if line == "" {
			continue
		}
		fields := strings.Fields(line)
		var until int64
		var rule string
		seen := map[string]bool{}
		for len(fields) > 1 {
			last := fields[len(fields)-1]
			key, val, ok := strings.Cut(last, "=")
			if !ok || key != "until" && key != "rule" {
				break
			}
			fields = fields[:len(fields)-1]
			if seen[key] {
				fail(n, "%s= given twice", key)
				continue
			}
			seen[key] = true
			switch key {
			case "until":
				u, err := parseUntil(val)
				if err != nil {
					fail(n, "until=%s: %v", val, err)
					continue
				}
				until = u
			case "rule":
				if !ruleID.MatchString(val) {
					fail(n, "rule=%s: not a rule id", val)
					continue
				}
				rule = val
			}
		}
		if l.Kind == ListKeywords {
			if len(seen) > 0 {
				fail(n, "keyword lists take no attributes (until=, rule=)")
				continue
			}
			k, err := parseKeyword(strings.Join(fields, " "))
			if err != nil {
				fail(n, "%v", err)
				continue
			}
			l.keywords = append(l.keywords, k)
			continue
		}
		if l.Kind == ListPhones {
			fields = []string{strings.Join(fields, " ")} // 138 1234 5678
		}
		if len(fields) != 1 {
			fail(n, "%q: one entry per line, then attributes (until=, rule=)", clip(line, 64))
			continue
		}
		v, err := canonical(l.Kind, fields[0])
		if err != nil {
			fail(n, "%v", err)
			continue
		}
		if rule != "" {
			if !allow {
				fail(n, "rule= (a snooze) is only allowed in allow lists of authors (allow*_authors)")
				continue
			}
			l.snoozes = append(l.snoozes, snoozeEntry{author: v, rule: rule, until: until, line: n})
			continue
		}
		if old, ok := l.entries[v]; ok && (old.until == 0 || until != 0 && old.until > until) {
			continue // a duplicate: the longest validity wins
		}
		l.entries[v] = listEntry{until: until}
	}
	if err := sc.Err(); err != nil {
		fail(0, "%v", err)
	}
	return l, errs
}

// stripComment drops a '#' comment (at the start or after a space) and
// surrounding space.
func stripComment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			s = s[:i]
			break
		}
	}
	return strings.TrimSpace(s)
}

// parseUntil reads an until= value: a date (valid through its end, UTC) or
// an RFC 3339 time. It returns the exclusive end in Unix seconds.
func parseUntil(v string) (int64, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t.AddDate(0, 0, 1).Unix(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return 0, fmt.Errorf("want YYYY-MM-DD or an RFC 3339 time")
	}
	return t.Unix(), nil
}

// canonical puts a list value in the form entries are stored in; it is
// used for entries at load and for values at lookup.
func canonical(kind ListKind, v string) (string, error) {
	switch kind {
	case ListAuthors:
		if v == "" {
			return "", fmt.Errorf("empty author id")
		}
		return v, nil
	case ListDomains:
		h := v
		if strings.ContainsAny(v, "/:@") {
			h = textnorm.Host(v)
		}
		h = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSuffix(lower(h), "."), "*."), "www.")
		if h == "" || !strings.Contains(h, ".") {
			return "", fmt.Errorf("%q is not a domain", clip(v, 64))
		}
		return h, nil
	case ListPhones:
		d := phoneDigits(v)
		if len(d) < 5 || len(d) > 15 {
			return "", fmt.Errorf("%q is not a phone number (5 to 15 digits)", clip(v, 64))
		}
		return d, nil
	case ListWeChatIDs:
		if v == "" {
			return "", fmt.Errorf("empty WeChat id")
		}
		return lower(v), nil
	}
	return "", fmt.Errorf("list kind %s has no entries", kind)
}

// lower is strings.ToLower without an allocation for lower-case ASCII.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// phoneDigits keeps the digits of a phone number, without a +86 or 0086
// prefix. It allocates only when v is not already plain digits.
func phoneDigits(v string) string {
	plain := true
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			plain = false
			break
		}
	}
	d := v
	if !plain {
		var b strings.Builder
		for i := 0; i < len(v); i++ {
			switch c := v[i]; {
			case '0' <= c && c <= '9':
				b.WriteByte(c)
			case c == ' ' || c == '-' || c == '(' || c == ')' || c == '+' || c == '.':
			default:
				return ""
			}
		}
		d = b.String()
	}
	switch {
	case len(d) == 15 && strings.HasPrefix(d, "0086"):
		d = d[4:]
	case len(d) == 13 && strings.HasPrefix(d, "86"):
		d = d[2:]
	}
	return d
}

// lookup reports whether v is in the list for a post created at t, and the
// entry that matched (for domains, the listed parent domain).
func (l *List) lookup(v string, t int64) (string, bool) {
	switch l.Kind {
	case ListKeywords:
		w := textnorm.Normalize(v)
		for i := range l.keywords {
			if l.keywords[i].word == w {
				return w, true
			}
		}
		return "", false
	case ListDomains:
		h := v
		if strings.ContainsAny(v, "/:@") {
			h = textnorm.Host(v)
		}
		h = lower(h)
		for h != "" {
			if e, ok := l.entries[h]; ok && active(e.until, t) {
				return h, true
			}
			i := strings.IndexByte(h, '.')
			if i < 0 {
				break
			}
			h = h[i+1:]
		}
		return "", false
	case ListPhones:
		v = phoneDigits(v)
	case ListWeChatIDs:
		v = lower(v)
	}
	if e, ok := l.entries[v]; ok && active(e.until, t) {
		return v, true
	}
	return "", false
}
