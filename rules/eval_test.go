package rules

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

// ruleFile wraps rules (YAML list items, indented by four spaces) in a
// rule file.
func ruleFile(items ...string) string {
	return "rules:\n" + strings.Join(items, "")
}

// rule is one rule item with the given id and when, and examples that
// never fail the load (Check is not run by these tests).
func rule(id, when string) string {
	return fmt.Sprintf(`  - id: %s
    description: test rule
    owner: tests
    labels: [sales]
    action: limit
    score: 0.5
    mode: enforce
    when: %q
    examples: {match: [x], no_match: [y]}
`, id, when)
}

// loadRules loads a set from a rule file and list files (name → content).
func loadRules(t testing.TB, rules string, lists map[string]string) *Set {
	t.Helper()
	fsys := fstest.MapFS{"r.yaml": {Data: []byte(rules)}}
	for name, data := range lists {
		fsys["lists/"+name+".txt"] = &fstest.MapFile{Data: []byte(data)}
	}
	s, err := LoadFS(fsys)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return s
}

// hitIDs evaluates f and returns the ids of the hits.
func hitIDs(s *Set, f *Features) []string {
	var ids []string
	for _, h := range s.Eval(f, nil) {
		ids = append(ids, h.Rule)
	}
	return ids
}

func TestHelpers(t *testing.T) {
	lists := map[string]string{
		"deny_authors":    "# spammers\nu-bad\nu-old until=2020-01-01\n",
		"scam_domains":    "scam.example\nhttps://phish.test/path\n",
		"deny_phones":     "+86 138-1234-5678\n",
		"deny_wechat_ids": "Lily_888\n",
		"mlm_keywords":    "招代理\nJOIN MY TEAM\nrecruit*\n",
	}
	tests := []struct {
		name string
		when string
		text string
		set  func(*Features)
		want bool
	}{
		{"keyword", `contains_any(text, ["招代理"])`, "诚招代理，一件代发", nil, true},
		{"keyword absent", `contains_any(text, ["招代理"])`, "今天吃火锅", nil, false},
		{"keyword folded like the text", `contains_any(text, ["加微信"])`, "加 微 信看货", nil, true},
		{"keyword full-width", `contains_any(text, ["ＪＯＩＮ my team"])`, "Join My Team today", nil, true},
		{"whole words", `contains_any(text, ["earn"])`, "I learn a lot", nil, false},
		{"whole words hit", `contains_any(text, ["earn"])`, "earn $500 a day", nil, true},
		{"prefix star", `contains_any(text, ["recruit*"])`, "we are recruiting now", nil, true},
		{"prefix star start boundary", `contains_any(text, ["cruit*"])`, "we are recruiting now", nil, false},
		{"count_any", `count_any(text, ["宝妈", "在家", "躺赚", "月入"]) == 3`, "宝妈在家躺赚", nil, true},
		{"count_any distinct", `count_any(text, ["宝妈", "在家"]) == 1`, "宝妈宝妈宝妈", nil, true},
		{"contains_any other string", `any(tokens, {contains_any(#, ["team"])})`, "join my team", nil, true},
		{"contains_any author id", `contains_any(author.id, ["bot"])`, "", func(f *Features) { f.Author.ID = "abot1" }, false},
		{"contains_any author id hit", `contains_any(author.id, ["bot"])`, "", func(f *Features) { f.Author.ID = "a bot 1" }, true},
		{"keyword list", `any_keyword("mlm_keywords")`, "Join my team!", nil, true},
		{"keyword list prefix", `any_keyword("mlm_keywords")`, "recruiting 5 moms", nil, true},
		{"keyword list none", `any_keyword("mlm_keywords")`, "hello", nil, false},
		{"count_keywords", `count_keywords("mlm_keywords") == 2`, "招代理 join my team", nil, true},
		{"regexp", `text matches "日(收益|赚)\\d+"`, "日收益3%", nil, true},
		{"regexp none", `text matches "^\\d{3}$"`, "1234", nil, false},
		{"author list", `in_list("deny_authors", author.id)`, "", func(f *Features) { f.Author.ID = "u-bad" }, true},
		{"author list exact", `in_list("deny_authors", author.id)`, "", func(f *Features) { f.Author.ID = "U-BAD" }, false},
		{"expired entry", `in_list("deny_authors", author.id)`, "", func(f *Features) { f.Author.ID = "u-old"; f.CreatedAt = date(2024, 1, 1) }, false},
		{"entry before expiry", `in_list("deny_authors", author.id)`, "", func(f *Features) { f.Author.ID = "u-old"; f.CreatedAt = date(2019, 12, 31) }, true},
		{"domain subdomain", `any_in_list("scam_domains", entities.domains)`, "看这里 m.scam.example/x", nil, true},
		{"domain from URL entry", `in_list("scam_domains", "http://PHISH.test:8080/a")`, "", nil, true},
		{"domain suffix only at dots", `in_list("scam_domains", "notscam.example")`, "", nil, false},
		{"phone", `any_in_list("deny_phones", entities.phones)`, "电话13812345678", nil, true},
		{"phone spaced", `in_list("deny_phones", "+86 138 1234 5678")`, "", nil, true},
		{"wechat case", `any_in_list("deny_wechat_ids", entities.wechat_ids)`, "加微信 LILY_888", nil, true},
		{"keyword list exact membership", `in_list("mlm_keywords", "招代理")`, "", nil, true},
		{"signals", `"mlm.phrase" in signals`, "", func(f *Features) { f.Signals = []string{"mlm.phrase"} }, true},
		{"entities", `len(entities.prices) > 0 && entities.prices[0] == 50000`, "月入5w", nil, true},
		{"return claim", `entities.return_claim`, "日收益30%", nil, true},
		{"repetition", `repetition.known && repetition.author_copies_24h >= 4`, "", func(f *Features) { f.Repetition = RepetitionFeatures{Known: true, AuthorCopies24h: 4} }, true},
		{"unknown author", `author.account_age_days < 0 && author.friends < 0`, "", nil, true},
		{"classifier", `classifier.fraud > 0.9`, "", func(f *Features) { f.Classifier.Fraud = 0.95 }, true},
	}
	var items []string
	for i, tc := range tests {
		items = append(items, rule(fmt.Sprintf("r%d", i), tc.when))
	}
	s := loadRules(t, ruleFile(items...), lists)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := featuresOf(tc.text)
			if tc.set != nil {
				tc.set(f)
			}
			r := s.Rule(fmt.Sprintf("r%d", i))
			st := s.newState().(*evalState)
			st.begin(f)
			got, err := st.run(r)
			st.end()
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s on %q = %v, want %v", tc.when, tc.text, got, tc.want)
			}
		})
	}
}

func date(y int, m time.Month, d int) int64 { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Unix() }

func TestEvidence(t *testing.T) {
	s := loadRules(t, ruleFile(
		rule("kw", `contains_any(text, ["招代理", "一件代发", "零门槛"]) && repetition.author_copies_24h >= 2 && classifier.mlm > 0.5`),
		rule("list", `in_list("deny_authors", author.id) || text matches "\\d+元"`),
	), map[string]string{"deny_authors": "u1\n"})
	f := featuresOf("诚招代理，一件代发，不要钱 99元")
	f.Author.ID = "u1"
	f.Repetition = RepetitionFeatures{Known: true, AuthorCopies24h: 3}
	f.Classifier.MLM = 0.75
	hits := s.Eval(f, nil)
	if len(hits) != 2 {
		t.Fatalf("hits = %+v, want 2", hits)
	}
	want := []Evidence{
		{Kind: "keyword", Name: "contains_any", Value: "招代理"},
		{Kind: "keyword", Name: "contains_any", Value: "一件代发"},
		{Kind: "feature", Name: "classifier.mlm", Value: "0.75"},
		{Kind: "feature", Name: "repetition.author_copies_24h", Value: "3"},
	}
	if !reflect.DeepEqual(hits[0].Evidence, want) {
		t.Errorf("evidence = %+v\nwant %+v", hits[0].Evidence, want)
	}
	if got := hits[1].EvidenceString(); got != "list deny_authors: u1" {
		t.Errorf("short-circuited evidence = %q", got)
	}
	if h := hits[0]; h.Rule != "kw" || h.Action != "limit" || h.Score != 0.5 || h.Mode != ModeEnforce || h.Labels[0] != "sales" {
		t.Errorf("hit = %+v", h)
	}
	f.Author.ID = "u2"
	hits = s.Eval(f, hits[:0])
	if len(hits) != 2 || hits[1].EvidenceString() != "regexp \\d+元: 99元" {
		t.Errorf("regexp evidence: %+v", hits)
	}
}

func TestModesAndSnoozes(t *testing.T) {
	file := ruleFile(rule("on", "true"),
		strings.Replace(rule("shadow", "true"), "mode: enforce", "mode: shadow", 1),
		strings.Replace(rule("off", "true"), "mode: enforce", "mode: off", 1),
		rule("snoozed", "true"),
		rule("snoozed-until", "true"))
	s := loadRules(t, file, map[string]string{
		"allow_authors": "vip\nu1 rule=snoozed\nu1 rule=snoozed-until until=2026-06-30 # appeal 123\n",
	})
	tests := []struct {
		author string
		at     int64
		want   string
	}{
		{"u0", 0, "on shadow snoozed snoozed-until"},
		{"u1", 0, "on shadow"},
		{"u1", date(2026, 6, 30), "on shadow"},
		{"u1", date(2026, 7, 1), "on shadow snoozed-until"},
		{"vip", 0, "on shadow snoozed snoozed-until"}, // a plain allow entry exempts from nothing by itself
	}
	for _, tc := range tests {
		f := featuresOf("x")
		f.Author.ID, f.CreatedAt = tc.author, tc.at
		if got := strings.Join(hitIDs(s, f), " "); got != tc.want {
			t.Errorf("%s at %d: hits %q, want %q", tc.author, tc.at, got, tc.want)
		}
	}
	hits := s.Eval(featuresOf("x"), nil)
	if hits[1].Mode != ModeShadow {
		t.Errorf("shadow hit has mode %q", hits[1].Mode)
	}
}

func TestRuntimeErrorIsNoHit(t *testing.T) {
	s := loadRules(t, ruleFile(
		rule("index", `entities.phones[3] == "x"`),
		rule("budget", `len(map(1..1000000, # * 2)) > 0`),
		rule("fine", `true`),
	), nil)
	f := featuresOf("nothing")
	for range 3 {
		if got := strings.Join(hitIDs(s, f), " "); got != "fine" {
			t.Fatalf("hits = %q, want fine", got)
		}
	}
	if n := s.Rule("index").Errors(); n != 3 {
		t.Errorf("index errors = %d, want 3", n)
	}
	if n := s.Rule("budget").Errors(); n != 3 {
		t.Errorf("budget errors = %d, want 3", n)
	}
	if s.Rule("fine").Errors() != 0 {
		t.Error("fine has errors")
	}
}

// TestSandbox keeps expressions away from anything but the features.
func TestSandbox(t *testing.T) {
	tests := []struct{ name, when, want string }{
		{"method on a string", `text.Foo() == ""`, "has no method"},
		{"method on a group", `author.String() == ""`, "has no method"},
		{"unknown function", `exec("rm -rf /") == ""`, "unknown name exec"},
		{"env", `$env.text == ""`, "$env is not allowed"},
		{"env index", `$env["text"] == ""`, "$env is not allowed"},
		{"clock", `now().Year() > 2000`, "unknown name now"},
		{"date", `date("2024-01-01").Year() > 2000`, "unknown name date"},
		{"repeat", `len(repeat("a", 1000000)) > 0`, "unknown name repeat"},
		{"json", `fromJSON("{}") != nil`, "unknown name fromJSON"},
		{"not bool", `classifier.fraud`, "expected bool"},
		{"unknown feature", `classifier.spam > 0.5`, "has no field spam"},
		{"unexported state", `st != nil`, "unknown name st"},
		{"internal helper", `#text_any(0)`, ""},
		{"helper field", `TextAny(0)`, "unknown name TextAny"},
		{"embedded struct", `Features.text == ""`, "unknown name Features"},
		{"shadowing let", `let text = "招代理"; contains_any(text, ["招代理"])`, "let text: the name is a feature's"},
		{"deep predicates", `any(tokens, {any(tokens, {any(tokens, {# == "x"})})})`, "nested deeper than 2"},
		{"variable keywords", `contains_any(text, tokens)`, "constant list of strings"},
		{"variable keyword", `contains_any(text, [lang])`, "every keyword must be a constant string"},
		{"empty keyword", `contains_any(text, ["  "])`, "empty in matching form"},
		{"variable pattern", `text matches lang`, "pattern must be a constant"},
		{"bad pattern", `text matches "(?=a)"`, "invalid or unsupported Perl syntax"},
		{"backreference", `text matches "(a)\\1"`, "invalid escape sequence"},
		{"unknown list", `in_list("nope", author.id)`, `no list "nope"`},
		{"list kind", `any_keyword("deny_authors")`, "holds authors, not keywords"},
		{"arity", `contains_any(text)`, "takes 2 arguments, got 1"},
		{"argument type", `contains_any(tokens, ["x"])`, "cannot use []string as argument (type string) to call contains_any"},
		{"too many nodes", strings.Repeat("1 + ", 3000) + "1 > 0", "exceeds maximum allowed nodes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"r.yaml":                  {Data: []byte(ruleFile(rule("r", tc.when)))},
				"lists/deny_authors.txt":  {Data: []byte("x\n")},
				"lists/some_keywords.txt": {Data: []byte("x\n")},
			}
			_, err := LoadFS(fsys)
			if err == nil {
				t.Fatalf("%s loaded", tc.when)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "r.yaml:9: rule r: when: ") {
				t.Errorf("error %q, want r.yaml:9: rule r: when: …%s…", err, tc.want)
			}
		})
	}
}

// TestFeaturesHaveNoMethods: an expression could call an exported method
// of the environment or of a group.
func TestFeaturesHaveNoMethods(t *testing.T) {
	for _, f := range append(features, feature{name: "(root)", typ: reflect.TypeFor[Features]()}, feature{name: "(env)", typ: reflect.TypeFor[env]()}) {
		for _, typ := range []reflect.Type{f.typ, reflect.PointerTo(f.typ)} {
			if f.typ.Kind() == reflect.Struct && typ.NumMethod() > 0 {
				t.Errorf("%s: %s has %d exported methods", f.name, typ, typ.NumMethod())
			}
		}
	}
}

func TestConcurrentEval(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"诚招代理，一级代理拿货价，零门槛", "今天和朋友吃火锅花了200块", "日收益3%，保本稳赚，加微信 abc_123", "恭喜老同学升职！"}
	want := make([][]string, len(texts))
	for i, text := range texts {
		want[i] = hitIDs(s, featuresOf(text))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			var dst []Hit
			for n := range 200 {
				i := (g + n) % len(texts)
				f := featuresOf(texts[i])
				dst = s.Eval(f, dst[:0])
				var got []string
				for _, h := range dst {
					got = append(got, h.Rule)
				}
				if !reflect.DeepEqual(got, want[i]) {
					errs <- fmt.Errorf("%q: hits %v, want %v", texts[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestEvalNil(t *testing.T) {
	var s *Set
	if hits := s.Eval(featuresOf("x"), nil); hits != nil {
		t.Error("nil set hits")
	}
	s = loadRules(t, ruleFile(rule("r", "true")), nil)
	if hits := s.Eval(nil, nil); hits != nil {
		t.Error("nil features hit")
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "a.yaml", Line: 3, Rule: "x", Msg: "bad"}, "a.yaml:3: rule x: bad"},
		{Error{File: "a.yaml", Msg: "bad"}, "a.yaml: bad"},
		{Error{File: "lists/x.txt", Line: 2, Msg: "bad"}, "lists/x.txt:2: bad"},
	}
	for _, tc := range tests {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
	_, err := LoadFS(fstest.MapFS{"a.yaml": {Data: []byte("rules: [1]")}, "b.yaml": {Data: []byte("x: 1")}})
	var all interface{ Unwrap() []error }
	if !errors.As(err, &all) || len(all.Unwrap()) < 3 {
		t.Fatalf("want every error joined, got %v", err)
	}
	for _, e := range all.Unwrap() {
		var re *Error
		if !errors.As(e, &re) {
			t.Errorf("%v is not an *Error", e)
		}
	}
}

// TestVersion: the version is a content hash of the rule files and lists,
// whatever the directory.
func TestVersion(t *testing.T) {
	file := ruleFile(rule("r", `in_list("deny_authors", author.id)`))
	a := loadRules(t, file, map[string]string{"deny_authors": "u1\n"})
	b := loadRules(t, file, map[string]string{"deny_authors": "u1\n"})
	c := loadRules(t, file, map[string]string{"deny_authors": "u1\nu2\n"})
	if a.Version() != b.Version() {
		t.Errorf("same files, versions %s and %s", a.Version(), b.Version())
	}
	if a.Version() == c.Version() {
		t.Error("a list change kept the version")
	}
	if !regexp.MustCompile(`^rules-[0-9a-f]{12}$`).MatchString(a.Version()) {
		t.Errorf("version %q", a.Version())
	}
	d1, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	d2, _ := Default()
	if d1.Version() != d2.Version() {
		t.Error("the default pack's version changes between loads")
	}
}
