package rules

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
)

// Expressions
//
// A rule's when is an expr-lang expression (github.com/expr-lang/expr)
// over Features, compiled and type-checked when the rules load; it must be
// a bool. Besides the language's operators and its collection builtins
// (all, any, none, filter, count, len, lower, hasPrefix …) it offers these
// helpers, whose keyword, pattern and list arguments must be constants so
// that they are compiled once:
//
//	contains_any(s, ["k1", "k2"])   s contains one of the keywords
//	count_any(s, ["k1", "k2"])      how many of the keywords s contains
//	any_keyword("NAME_keywords")    text contains a keyword of the list
//	count_keywords("NAME_keywords") how many of the list's keywords it has
//	s matches "re"                  Go's RE2 regexp (the expr operator)
//	in_list("NAME", s)              s is in the list
//	any_in_list("NAME", ss)         one of ss is in the list
//
// Keywords are put in matching form (textnorm.Normalize: 微信 and vx both
// become "wechat", full-width and look-alike letters fold), so they match
// the post's text however it was obfuscated. A keyword that starts or ends
// with an ASCII letter or digit matches whole words only there ("earn"
// does not match "learn"); a trailing '*' lifts the end boundary
// ("recruit*"). With text as s, every keyword of the Set is found in one
// Aho–Corasick pass per post, whatever the number of rules.
//
// Expressions cannot reach files, the network, processes or the clock:
// expr has no builtins for those, Features has no methods, $env is
// refused, and the time and encoding builtins (now, date, duration,
// timezone, toJSON, fromJSON, toBase64, fromBase64) and repeat are
// disabled. An expression has at most 5,000 syntax nodes, two levels of
// nested predicates, and a memory budget per evaluation.

// disabledBuiltins are the expr builtins rules may not use: the clock
// would make a replay decide differently, the rest are of no use to a rule
// and can build large values.
var disabledBuiltins = []string{"now", "date", "duration", "timezone", "toJSON", "fromJSON", "toBase64", "fromBase64", "repeat"}

// Helper names as written in expressions, and the internal functions the
// compiler rewrites them to.
const (
	fnContainsAny   = "contains_any"
	fnCountAny      = "count_any"
	fnAnyKeyword    = "any_keyword"
	fnCountKeywords = "count_keywords"
	fnInList        = "in_list"
	fnAnyInList     = "any_in_list"
	// Internal names cannot be written in an expression: '#' does not
	// start an identifier.
	fnTextAny   = "#text_any"
	fnTextCount = "#text_count"
	fnMatches   = "#matches"
)

// compileOptions are the expr options every rule compiles with, except its
// patcher.
var compileOptions = func() []expr.Option {
	opts := []expr.Option{
		expr.Env(env{}),
		expr.AsBool(),
		expr.MaxNodes(maxNodes),
		expr.Function(fnContainsAny, helperContainsAny, new(func(string, *kwSite, any) bool)),
		expr.Function(fnCountAny, helperCountAny, new(func(string, *kwSite, any) int)),
		expr.Function(fnInList, helperInList, new(func(*listSite, string, any) bool)),
		expr.Function(fnAnyInList, helperAnyInList, new(func(*listSite, []string, any) bool)),
		expr.Function(fnMatches, helperMatches, new(func(string, *reSite, any) bool)),
	}
	for _, b := range disabledBuiltins {
		opts = append(opts, expr.DisableBuiltin(b))
	}
	return opts
}()

// kwSite is one keyword helper call: its keywords and their ids in the
// Set's dict.
type kwSite struct {
	name  string // "contains_any" or the keyword list's name
	words []keyword
	shown []string // the keywords as written, for evidence
	ids   []int32
	mask  []maskWord // ids as a bit set over the dict: its non-zero words
}

// maskWord is one non-zero word of a site's bit set.
type maskWord struct {
	w int
	m uint64
}

// in reports whether one of the site's keywords is set in hits.
func (site *kwSite) in(hits []uint64) bool {
	for _, mw := range site.mask {
		if hits[mw.w]&mw.m != 0 {
			return true
		}
	}
	return false
}

// listSite is one list helper call.
type listSite struct{ list *List }

// reSite is one regexp match.
type reSite struct {
	pattern string
	re      *regexp.Regexp
}

// patcher validates a rule's expression and rewrites its helper calls to
// their compiled forms.
type patcher struct {
	ld      *loader
	src     string
	errs    []error // *exprError
	refs    map[string]bool
	nesting map[*ast.PredicateNode]int
	root    ast.Node // the last node visited: the root, the walk being post-order
}

// exprError is a problem at a place in the expression.
type exprError struct {
	loc file.Location
	msg string
}

func (e *exprError) Error() string { return e.msg }

func (p *patcher) fail(n ast.Node, format string, args ...any) {
	p.errs = append(p.errs, &exprError{loc: n.Location(), msg: fmt.Sprintf(format, args...)})
}

func (p *patcher) Visit(node *ast.Node) {
	defer func() { p.root = *node }()
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if n.Value == "$env" {
			p.fail(n, "$env is not allowed: name the features")
			return
		}
		if _, ok := lookupFeature([]string{n.Value}); ok {
			p.refs[n.Value] = true
		}
	case *ast.MemberNode:
		if id, ok := n.Node.(*ast.IdentifierNode); ok {
			if prop, ok := n.Property.(*ast.StringNode); ok {
				if _, ok := lookupFeature([]string{id.Value, prop.Value}); ok {
					p.refs[id.Value+"."+prop.Value] = true
				}
			}
		}
	case *ast.VariableDeclaratorNode:
		if _, ok := lookupFeature([]string{n.Name}); ok {
			p.fail(n, "let %s: the name is a feature's", n.Name)
		}
	case *ast.PredicateNode:
		depth := 1
		ast.Walk(&n.Node, visitFunc(func(inner *ast.Node) {
			if q, ok := (*inner).(*ast.PredicateNode); ok {
				depth = max(depth, p.nesting[q]+1)
			}
		}))
		p.nesting[n] = depth
		if depth == maxNesting+1 {
			p.fail(n, "predicates nested deeper than %d levels", maxNesting)
		}
	case *ast.BinaryNode:
		if n.Operator == "matches" {
			p.matches(node, n)
		}
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok {
			p.call(node, n, id.Value)
		}
	}
}

type visitFunc func(*ast.Node)

func (f visitFunc) Visit(n *ast.Node) { f(n) }

// env is the node that passes the evaluated Features to a helper.
func envNode() ast.Node { return &ast.IdentifierNode{Value: "$env"} }

func (p *patcher) matches(node *ast.Node, n *ast.BinaryNode) {
	pat, ok := n.Right.(*ast.StringNode)
	if !ok {
		p.fail(n, "matches: the pattern must be a constant string")
		return
	}
	re, err := regexp.Compile(pat.Value)
	if err != nil {
		p.fail(n.Right, "matches: %v", err)
		return
	}
	ast.Patch(node, &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: fnMatches},
		Arguments: []ast.Node{n.Left, &ast.ConstantNode{Value: &reSite{pattern: pat.Value, re: re}}, envNode()},
	})
}

// maxSiteKeywords bounds an inline keyword list; longer ones belong in a
// keyword list file.
const maxSiteKeywords = 1000

func (p *patcher) call(node *ast.Node, n *ast.CallNode, name string) {
	args := n.Arguments
	want := 0
	switch name {
	case fnContainsAny, fnCountAny, fnInList, fnAnyInList:
		want = 2
	case fnAnyKeyword, fnCountKeywords:
		want = 1
	default:
		return // expr checks the rest
	}
	if len(args) != want {
		p.fail(n, "%s takes %d arguments, got %d", name, want, len(args))
		return
	}
	switch name {
	case fnContainsAny, fnCountAny:
		site := p.inlineKeywords(name, args[1])
		if site == nil {
			return
		}
		if id, ok := args[0].(*ast.IdentifierNode); ok && id.Value == "text" {
			fn := fnTextAny
			if name == fnCountAny {
				fn = fnTextCount
			}
			ast.Patch(node, p.textCall(fn, site))
			return
		}
		n.Arguments = []ast.Node{args[0], &ast.ConstantNode{Value: site}, envNode()}
	case fnAnyKeyword, fnCountKeywords:
		l := p.list(name, args[0])
		if l == nil {
			return
		}
		if l.Kind != ListKeywords {
			p.fail(args[0], "%s: list %s holds %s, not keywords", name, l.Name, l.Kind)
			return
		}
		site := &kwSite{name: l.Name, words: l.keywords, ids: l.kwIDs}
		for _, k := range l.keywords {
			site.shown = append(site.shown, k.word)
		}
		fn := fnTextAny
		if name == fnCountKeywords {
			fn = fnTextCount
		}
		ast.Patch(node, p.textCall(fn, site))
	case fnInList, fnAnyInList:
		l := p.list(name, args[0])
		if l == nil {
			return
		}
		n.Arguments = []ast.Node{&ast.ConstantNode{Value: &listSite{list: l}}, args[1], envNode()}
	}
}

// textCall is a call of a keyword site on the post's text: an env field
// of a typed function, called with the site's index, which the VM calls
// without allocating (expr.Function calls allocate their arguments).
func (p *patcher) textCall(fn string, site *kwSite) ast.Node {
	s := p.ld.set
	s.sites = append(s.sites, site)
	return &ast.CallNode{Callee: &ast.IdentifierNode{Value: fn}, Arguments: []ast.Node{&ast.IntegerNode{Value: len(s.sites) - 1}}}
}

// inlineKeywords compiles the constant keyword list of contains_any or
// count_any.
func (p *patcher) inlineKeywords(name string, arg ast.Node) *kwSite {
	arr, ok := arg.(*ast.ArrayNode)
	if !ok {
		p.fail(arg, "%s: the keywords must be a constant list of strings, like [\"a\", \"b\"]", name)
		return nil
	}
	if len(arr.Nodes) == 0 || len(arr.Nodes) > maxSiteKeywords {
		p.fail(arg, "%s: give 1 to %d keywords (put longer lists in lists/NAME_keywords.txt)", name, maxSiteKeywords)
		return nil
	}
	site := &kwSite{name: name}
	for _, e := range arr.Nodes {
		s, ok := e.(*ast.StringNode)
		if !ok {
			p.fail(e, "%s: every keyword must be a constant string", name)
			return nil
		}
		k, err := parseKeyword(s.Value)
		if err != nil {
			p.fail(e, "%s: %v", name, err)
			return nil
		}
		site.words = append(site.words, k)
		site.shown = append(site.shown, strings.TrimSpace(s.Value))
		site.ids = append(site.ids, p.ld.set.dict.add(k))
	}
	return site
}

// list resolves a constant list name.
func (p *patcher) list(name string, arg ast.Node) *List {
	s, ok := arg.(*ast.StringNode)
	if !ok {
		p.fail(arg, "%s: the list name must be a constant string", name)
		return nil
	}
	l, ok := p.ld.set.lists[s.Value]
	if !ok {
		known := sortedKeys(p.ld.set.lists)
		if len(known) == 0 {
			p.fail(arg, "%s: no list %q (the rules directory has no lists/)", name, s.Value)
		} else {
			p.fail(arg, "%s: no list %q (lists: %s)", name, s.Value, strings.Join(known, ", "))
		}
		return nil
	}
	return l
}

// compile compiles a rule's expression, reporting problems at their line
// in the rule file.
func (ld *loader) compile(r *Rule) {
	p := &patcher{ld: ld, src: r.When, refs: map[string]bool{}, nesting: map[*ast.PredicateNode]int{}}
	prog, err := expr.Compile(r.When, append(compileOptions[:len(compileOptions):len(compileOptions)], expr.Patch(p))...)
	if len(p.errs) > 0 {
		// The patcher's findings explain the compiler's.
		for _, e := range p.errs {
			var pe *exprError
			errors.As(e, &pe)
			line, col := position(r.When, pe.loc.From)
			ld.fail(r.File, r.whenLine+line-1, r.ID, "when: %s (column %d)", pe.msg, col)
		}
		return
	}
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			ld.fail(r.File, r.whenLine+max(fe.Line, 1)-1, r.ID, "when: %s (column %d)", fe.Message, fe.Column+1)
		} else {
			ld.fail(r.File, r.whenLine, r.ID, "when: %v", err)
		}
		return
	}
	r.program = prog
	r.prefilter = prefilter(p.root, nil)
	r.refs = sortedKeys(p.refs)
	for _, name := range r.refs {
		if f, ok := featureByName[name]; ok && f.scalar() {
			r.features = append(r.features, featureRef{name: name, index: f.index})
		}
	}
}

// siteTest is a keyword site a rule needs found (or not found) on the
// text: a conjunct of its when.
type siteTest struct {
	site  int
	found bool
}

// prefilter returns the keyword sites on the text that are conjuncts of the
// expression n (a && b && !c …), so that Eval can skip the VM when one of
// them fails: the scan answers them for every rule at once, and a false
// conjunct makes the whole expression false.
func prefilter(n ast.Node, tests []siteTest) []siteTest {
	switch n := n.(type) {
	case *ast.BinaryNode:
		if n.Operator == "&&" || n.Operator == "and" {
			return prefilter(n.Right, prefilter(n.Left, tests))
		}
	case *ast.UnaryNode:
		if n.Operator == "!" || n.Operator == "not" {
			if site, ok := textAnySite(n.Node); ok {
				return append(tests, siteTest{site: site, found: false})
			}
		}
	default:
		if site, ok := textAnySite(n); ok {
			return append(tests, siteTest{site: site, found: true})
		}
	}
	return tests
}

// textAnySite recognises a call #text_any(site).
func textAnySite(n ast.Node) (int, bool) {
	c, ok := n.(*ast.CallNode)
	if !ok || len(c.Arguments) != 1 {
		return 0, false
	}
	id, ok := c.Callee.(*ast.IdentifierNode)
	if !ok || id.Value != fnTextAny {
		return 0, false
	}
	i, ok := c.Arguments[0].(*ast.IntegerNode)
	return i.Value, ok
}

// position turns a rune offset in src into a 1-based line and column.
func position(src string, from int) (line, col int) {
	line, col = 1, 1
	i := 0
	for _, c := range src {
		if i == from {
			break
		}
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i++
	}
	return line, col
}
