package rules

import (
	"fmt"
	"math/bits"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"
)

// Hit is a rule that fired on a post.
type Hit struct {
	// Rule is the rule's id.
	Rule string
	// Labels, Action, Score and Mode are the rule's. Labels is shared with
	// the Set: do not modify it.
	Labels []string
	Action string
	Score  float64
	Mode   Mode
	// Evidence says what made the rule true: the keywords, list entries
	// and regexp matches its helpers found, then the values of the scalar
	// features it reads.
	Evidence []Evidence
}

// Evidence is one fact behind a hit.
type Evidence struct {
	// Kind is "keyword", "list", "regexp" or "feature".
	Kind string `json:"kind"`
	// Name is the helper or keyword list ("contains_any", "mlm_keywords"),
	// the list, the pattern, or the feature ("repetition.author_copies_24h").
	Name string `json:"name"`
	// Value is the keyword as written, the list entry, the matched text
	// (at most 64 bytes) or the feature's value.
	Value string `json:"value"`
}

// String is "kind name: value".
func (e Evidence) String() string { return e.Kind + " " + e.Name + ": " + e.Value }

// EvidenceString joins a hit's evidence for a verdict reason: "keyword
// contains_any: 招代理; feature repetition.author_copies_24h: 7".
func (h *Hit) EvidenceString() string {
	n := 0
	for _, e := range h.Evidence {
		n += len(e.Kind) + len(e.Name) + len(e.Value) + 5
	}
	var b strings.Builder
	b.Grow(n)
	for i, e := range h.Evidence {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Kind)
		b.WriteByte(' ')
		b.WriteString(e.Name)
		b.WriteString(": ")
		b.WriteString(e.Value)
	}
	return b.String()
}

// maxEvidenceValue bounds a matched text in evidence.
const maxEvidenceValue = 64

// maxKeywordEvidence bounds the keywords one helper call reports.
const maxKeywordEvidence = 3

// env is what an expression runs on: the post's Features, whose fields are
// the expression's names, and the keyword helpers on the text as typed
// function fields (their names cannot be written in an expression; the
// compiler rewrites helper calls to them).
type env struct {
	Features  `expr:"-"`
	TextAny   func(site int) bool `expr:"#text_any"`
	TextCount func(site int) int  `expr:"#text_count"`

	st *evalState
}

// evalState is the scratch of one evaluation; a Set pools them.
type evalState struct {
	set     *Set
	env     env // a copy of the caller's Features, and the helpers bound to this state
	vm      vm.VM
	scanned bool
	kwHits  []uint64
	ev      []evRecord
}

// evRecord is evidence recorded by a helper while a rule runs.
type evRecord struct {
	kind, name, value string
}

func (s *Set) newState() any {
	st := &evalState{set: s, kwHits: make([]uint64, s.words), vm: vm.VM{MemoryBudget: memoryBudget}}
	st.env.st = st
	st.env.TextAny = func(site int) bool { return st.textFound(s.sites[site], false) > 0 }
	st.env.TextCount = func(site int) int { return st.textFound(s.sites[site], true) }
	return st
}

// begin prepares st for the post f.
func (st *evalState) begin(f *Features) {
	st.env.Features = *f
	if st.scanned {
		clear(st.kwHits)
		st.scanned = false
	}
}

// end drops the references to the caller's post.
func (st *evalState) end() {
	st.env.Features = Features{}
	st.ev = st.ev[:0]
}

// scan finds the Set's keywords in the text, once per post.
func (st *evalState) scan() {
	if !st.scanned {
		st.scanned = true
		d := st.set.dict
		d.ac.scan(st.env.Text, d.words, st.kwHits)
	}
}

func (st *evalState) record(kind, name, value string) {
	for _, e := range st.ev {
		if e.kind == kind && e.name == name && e.value == value {
			return
		}
	}
	st.ev = append(st.ev, evRecord{kind, name, value})
}

// run evaluates one rule on st's post: its result, or an error.
func (st *evalState) run(r *Rule) (hit bool, err error) {
	st.ev = st.ev[:0]
	out, err := st.vm.Run(r.program, &st.env)
	if err != nil {
		return false, err
	}
	b, _ := out.(bool)
	return b, nil
}

// Eval evaluates the enforce and shadow rules on the post f and appends
// their hits to dst, in rule order. A rule that fails at run time (a
// memory budget exceeded, an index out of range) counts an error and does
// not hit; Eval never panics. A rule the author is snoozed from (see
// lists) is skipped. f is not modified; a nil f or Set has no hits.
func (s *Set) Eval(f *Features, dst []Hit) []Hit {
	if s == nil || f == nil || len(s.active) == 0 {
		return dst
	}
	var start time.Time
	if s.metrics != nil {
		start = time.Now()
	}
	st := s.pool.Get().(*evalState)
	st.begin(f)
	var snoozed []snooze
	if len(s.snoozes) > 0 {
		snoozed = s.snoozes[f.Author.ID]
	}
	for _, r := range s.active {
		if len(snoozed) > 0 && isSnoozed(snoozed, r.index, f.CreatedAt) {
			continue
		}
		if !st.passes(r.prefilter) {
			continue
		}
		hit, err := st.run(r)
		if err != nil {
			r.errs.n.Add(1)
			r.metrics.errors()
			continue
		}
		if hit {
			dst = append(dst, st.hit(r))
			r.metrics.hit()
		}
	}
	st.end()
	s.pool.Put(st)
	if s.metrics != nil {
		s.metrics.evalSeconds.Observe(time.Since(start).Seconds())
	}
	return dst
}

// passes reports whether every prefilter test of a rule holds on the post.
func (st *evalState) passes(tests []siteTest) bool {
	if len(tests) == 0 {
		return true
	}
	st.scan()
	for _, t := range tests {
		if st.set.sites[t.site].in(st.kwHits) != t.found {
			return false
		}
	}
	return true
}

func isSnoozed(sn []snooze, rule int, t int64) bool {
	for _, z := range sn {
		if z.rule == rule && active(z.until, t) {
			return true
		}
	}
	return false
}

// hit builds the Hit of r from the evidence recorded during its run.
func (st *evalState) hit(r *Rule) Hit {
	h := Hit{Rule: r.ID, Labels: r.Labels, Action: r.Action, Score: r.Score, Mode: r.Mode}
	if n := len(st.ev) + len(r.features); n > 0 {
		h.Evidence = make([]Evidence, 0, n)
	}
	for _, e := range st.ev {
		h.Evidence = append(h.Evidence, Evidence{Kind: e.kind, Name: e.name, Value: e.value})
	}
	v := reflect.ValueOf(&st.env.Features).Elem()
	for _, fr := range r.features {
		h.Evidence = append(h.Evidence, Evidence{Kind: "feature", Name: fr.name, Value: formatValue(v.FieldByIndex(fr.index))})
	}
	return h
}

// featureRef is a scalar feature a rule reads.
type featureRef struct {
	name  string
	index []int
}

func formatValue(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', 4, 64)
	case reflect.String:
		return clip(v.String(), maxEvidenceValue)
	}
	return fmt.Sprint(v.Interface())
}

// Check runs every example of every rule (off ones included) through
// analyze and the rule's when, and returns one *Error per example whose
// result is not the one it states, or that fails. analyze turns an
// example into Features as the pipeline would (the engine supplies the real
// one); Check then applies the example's feature overrides. Snoozes and
// modes play no part: an example matches when the rule's when is true.
// A nil analyze checks nothing.
func (s *Set) Check(analyze func(Example) (*Features, error)) []error {
	if analyze == nil {
		return nil
	}
	var errs []error
	st := s.newState().(*evalState)
	for _, r := range s.rules {
		for i := range r.Examples {
			x := &r.Examples[i]
			fail := func(format string, args ...any) {
				errs = append(errs, &Error{File: x.File, Line: x.Line, Rule: r.ID, Msg: fmt.Sprintf(format, args...)})
			}
			f, err := analyze(*x)
			if err != nil {
				fail("example %s: analyze: %v", quoteText(x.Text), err)
				continue
			}
			if f == nil {
				fail("example %s: analyze returned no features", quoteText(x.Text))
				continue
			}
			g := *f
			x.apply(&g)
			st.begin(&g)
			hit, err := st.run(r)
			st.end()
			switch {
			case err != nil:
				fail("example %s: %v", quoteText(x.Text), oneLine(err))
			case x.Match && !hit:
				fail("match example %s does not match", quoteText(x.Text))
			case !x.Match && hit:
				fail("no_match example %s matches", quoteText(x.Text))
			}
		}
	}
	return errs
}

// quoteText quotes an example's text for a message, cut to 40 bytes.
func quoteText(s string) string {
	c := clip(s, 40)
	if len(c) < len(s) {
		return strconv.Quote(c) + "…"
	}
	return strconv.Quote(c)
}

// oneLine keeps the first line of an error (expr adds a source snippet).
func oneLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// Helpers, as the compiler rewrote them: the site is a constant, the last
// argument the *Features of the evaluation.

func stateOf(e any) *evalState {
	v, _ := e.(*env)
	if v == nil || v.st == nil {
		panic("rules: helper called outside an evaluation")
	}
	return v.st
}

// textFound returns how many keywords of site the post's text holds (0 or
// 1 when count is false), and records up to maxKeywordEvidence of them.
func (st *evalState) textFound(site *kwSite, count bool) int {
	st.scan()
	n := 0
	for _, mw := range site.mask {
		if x := st.kwHits[mw.w] & mw.m; x != 0 {
			if !count {
				n = 1
				break
			}
			n += bits.OnesCount64(x)
		}
	}
	if n == 0 {
		return 0
	}
	shown := 0
	for i, id := range site.ids {
		if st.kwHits[id>>6]&(1<<(id&63)) != 0 {
			st.record("keyword", site.name, site.shown[i])
			if shown++; shown == maxKeywordEvidence {
				break
			}
		}
	}
	return n
}

// found is textFound for a string other than the post's text.
func found(s string, site *kwSite, env any, all bool) int {
	st := stateOf(env)
	n := 0
	for i := range site.words {
		if !site.words[i].in(s) {
			continue
		}
		if n < maxKeywordEvidence {
			st.record("keyword", site.name, site.shown[i])
		}
		n++
		if !all {
			break
		}
	}
	return n
}

func helperContainsAny(args ...any) (any, error) {
	return found(args[0].(string), args[1].(*kwSite), args[2], false) > 0, nil
}

func helperCountAny(args ...any) (any, error) {
	return found(args[0].(string), args[1].(*kwSite), args[2], true), nil
}

func helperInList(args ...any) (any, error) {
	l := args[0].(*listSite).list
	st := stateOf(args[2])
	if e, ok := l.lookup(args[1].(string), st.env.CreatedAt); ok {
		st.record("list", l.Name, e)
		return true, nil
	}
	return false, nil
}

func helperAnyInList(args ...any) (any, error) {
	l := args[0].(*listSite).list
	st := stateOf(args[2])
	vs, _ := args[1].([]string)
	for _, v := range vs {
		if e, ok := l.lookup(v, st.env.CreatedAt); ok {
			st.record("list", l.Name, e)
			return true, nil
		}
	}
	return false, nil
}

func helperMatches(args ...any) (any, error) {
	s := args[0].(string)
	site := args[1].(*reSite)
	loc := site.re.FindStringIndex(s)
	if loc == nil {
		return false, nil
	}
	stateOf(args[2]).record("regexp", site.pattern, clip(s[loc[0]:loc[1]], maxEvidenceValue))
	return true, nil
}
