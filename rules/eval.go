package rules

import (
	"fmt"
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
	var b strings.Builder
	for i, e := range h.Evidence {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.String())
	}
	return b.String()
}

// maxEvidenceValue bounds a matched text in evidence.
const maxEvidenceValue = 64

// maxKeywordEvidence bounds the keywords one helper call reports.
const maxKeywordEvidence = 3

// evalState is the scratch of one evaluation; a Set pools them.
type evalState struct {
	set     *Set
	f       Features // a copy of the caller's, with st set
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
	return &evalState{set: s, kwHits: make([]uint64, s.words), vm: vm.VM{MemoryBudget: memoryBudget}}
}

// begin prepares st for the post f.
func (st *evalState) begin(f *Features) {
	st.f = *f
	st.f.st = st
	if st.scanned {
		clear(st.kwHits)
		st.scanned = false
	}
}

// end drops the references to the caller's post.
func (st *evalState) end() {
	st.f = Features{}
	st.ev = st.ev[:0]
}

// scan finds the Set's keywords in the text, once per post.
func (st *evalState) scan() {
	if !st.scanned {
		st.scanned = true
		d := st.set.dict
		d.ac.scan(st.f.Text, d.words, st.kwHits)
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
	out, err := st.vm.Run(r.program, &st.f)
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
	v := reflect.ValueOf(&st.f).Elem()
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

func stateOf(env any) *evalState {
	f, _ := env.(*Features)
	if f == nil || f.st == nil {
		panic("rules: helper called outside an evaluation")
	}
	return f.st
}

// textFound records up to maxKeywordEvidence keywords of site found by the
// post's scan and returns how many of its keywords were found (stopping at
// the first when all is false).
func textFound(site *kwSite, env any, all bool) int {
	st := stateOf(env)
	st.scan()
	n := 0
	for i, id := range site.ids {
		if st.kwHits[id>>6]&(1<<(id&63)) == 0 {
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

func helperTextAny(args ...any) (any, error) {
	return textFound(args[0].(*kwSite), args[1], true) > 0, nil
}

func helperTextCount(args ...any) (any, error) {
	return textFound(args[0].(*kwSite), args[1], true), nil
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
	if e, ok := l.lookup(args[1].(string), st.f.CreatedAt); ok {
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
		if e, ok := l.lookup(v, st.f.CreatedAt); ok {
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
