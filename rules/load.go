package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/expr-lang/expr/vm"
	"go.yaml.in/yaml/v3"

	"github.com/circleguard/circleguard/internal/verdict"
)

// Mode says what a rule's hits do.
type Mode string

// Modes.
const (
	// ModeEnforce: hits count in the decision.
	ModeEnforce Mode = "enforce"
	// ModeShadow: hits are reported (verdict's shadow, metrics) but decide
	// nothing.
	ModeShadow Mode = "shadow"
	// ModeOff: the rule is loaded and checked but never evaluated.
	ModeOff Mode = "off"
)

// Error is one problem with a rule file, a list or an example. Its text is
// "file:line: rule ID: reason"; the line is left out when the problem is
// the whole file, the rule when it concerns no one rule.
type Error struct {
	// File is the path as the loader saw it (the directory joined with the
	// file name, or "rules/default/…" for the embedded pack).
	File string
	// Line is 1-based; 0 for the whole file.
	Line int
	// Rule is the rule's id, "#N" (its position in the file) when it has no
	// valid id, "" for problems outside rules.
	Rule string
	// Msg says what is wrong.
	Msg string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Rule != "" {
		b.WriteString("rule ")
		b.WriteString(e.Rule)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Rule is one loaded rule. Its fields are read-only: a Rule belongs to a
// Set, which is shared.
type Rule struct {
	ID          string
	Description string
	Owner       string
	// Labels is a subset of verdict.Labels, in the file's order.
	Labels []string
	// Action is one of verdict.Actions.
	Action string
	// Score is the rule's strength, 0..1.
	Score float64
	Mode  Mode
	// When is the expression as written.
	When string
	// Examples are the rule's match and no_match examples, in that order.
	Examples []Example
	// File and Line locate the rule.
	File string
	Line int

	index    int // in Set.rules
	whenLine int // file line of the expression's first line
	program  *vm.Program
	// prefilter are keyword tests on the text that must all pass for the
	// expression to be true; Eval checks them before running it.
	prefilter []siteTest
	features  []featureRef // scalar features the expression reads, for evidence
	refs      []string     // every feature the expression names, sorted
	errs      errCounter
	metrics   ruleMetrics
}

// Example is one example of a rule: a post text the rule must match, or
// must not.
type Example struct {
	// Rule is the id of the rule the example belongs to.
	Rule string
	// Match is true for a match: example, false for no_match:.
	Match bool
	// File and Line locate the example.
	File string
	Line int
	// Text is the post's text as written, before normalisation.
	Text string
	// Lang and Links are the post's lang and links fields, when the
	// example gives them.
	Lang  string
	Links []string

	overrides []override // feature values the example sets after analysis
}

// override sets one feature of an analysed example.
type override struct {
	index []int         // field path in Features
	value reflect.Value // of that field's type
}

// apply sets the example's feature overrides on f.
func (x *Example) apply(f *Features) {
	v := reflect.ValueOf(f).Elem()
	for _, o := range x.overrides {
		v.FieldByIndex(o.index).Set(o.value)
	}
}

// ruleID is the form of a rule id: it is a metric label value, so short
// and plain.
var ruleID = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9_.-]{0,62}[a-z0-9])?$`)

// Limits of a rules directory.
const (
	maxFileBytes = 8 << 20
	// maxNodes bounds an expression's syntax tree (expr.MaxNodes): a few
	// hundred inline keywords; longer keyword sets belong in lists.
	maxNodes = 5000
	// memoryBudget bounds what one evaluation may allocate, in the VM's
	// units (array elements, range sizes).
	memoryBudget = 100_000
	// maxNesting bounds nested predicates (all(tokens, {any(...)})), so
	// that a rule's cost stays linear-ish in the post.
	maxNesting = 2
)

// Option adjusts how a Set is loaded.
type Option func(*loadOptions)

type loadOptions struct {
	metrics *Metrics
}

// WithMetrics makes the Set record its evaluations in m: hits, errors and
// evaluation time. A nil m records nothing.
func WithMetrics(m *Metrics) Option { return func(o *loadOptions) { o.metrics = m } }

// LoadDir loads the rules directory dir: every *.yaml and *.yml file in it
// (not in subdirectories) and the lists in dir/lists/*.txt. Files and
// folders whose names start with '.' or end with '~' are skipped (editor
// and Kubernetes ConfigMap files), as is anything else. Every problem
// found is reported, each as an *Error, joined with errors.Join.
func LoadDir(dir string, opts ...Option) (*Set, error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, &Error{File: dir, Msg: err.Error()}
	} else if !st.IsDir() {
		return nil, &Error{File: dir, Msg: "not a directory: give the rules directory"}
	}
	return load(os.DirFS(dir), func(name string) string { return filepath.Join(dir, filepath.FromSlash(name)) }, opts)
}

// LoadFS is LoadDir on the root of fsys; file names in errors are relative
// to it.
func LoadFS(fsys fs.FS, opts ...Option) (*Set, error) {
	return load(fsys, func(name string) string { return name }, opts)
}

// skipName reports whether a directory entry is left alone.
func skipName(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~")
}

// loader is the state of one load.
type loader struct {
	errs []error
	set  *Set
	ids  map[string]*Rule
	hash []string // "name\x00sha256" per file, sorted later
	// broken are rules with problems whose expressions are compiled only
	// to report theirs.
	broken []*Rule
	names  func(string) string
}

func (ld *loader) fail(file string, line int, rule, format string, args ...any) {
	ld.errs = append(ld.errs, &Error{File: file, Line: line, Rule: rule, Msg: fmt.Sprintf(format, args...)})
}

func (ld *loader) read(fsys fs.FS, name string) ([]byte, bool) {
	display := ld.names(name)
	f, err := fsys.Open(name)
	if err != nil {
		ld.fail(display, 0, "", "%v", err)
		return nil, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		ld.fail(display, 0, "", "%v", err)
		return nil, false
	}
	if st.IsDir() {
		return nil, false
	}
	if st.Size() > maxFileBytes {
		ld.fail(display, 0, "", "larger than %d MiB", maxFileBytes>>20)
		return nil, false
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		ld.fail(display, 0, "", "%v", err)
		return nil, false
	}
	if len(data) > maxFileBytes {
		ld.fail(display, 0, "", "larger than %d MiB", maxFileBytes>>20)
		return nil, false
	}
	sum := sha256.Sum256(data)
	ld.hash = append(ld.hash, name+"\x00"+hex.EncodeToString(sum[:]))
	return data, true
}

func load(fsys fs.FS, names func(string) string, opts []Option) (*Set, error) {
	var o loadOptions
	for _, opt := range opts {
		opt(&o)
	}
	ld := &loader{names: names, ids: map[string]*Rule{}, set: &Set{lists: map[string]*List{}, dict: newDict()}}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, &Error{File: names("."), Msg: err.Error()}
	}
	var ruleFiles []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case skipName(name):
		case name == "lists":
			ld.loadLists(fsys)
		case strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml"):
			ruleFiles = append(ruleFiles, name)
		}
	}
	sort.Strings(ruleFiles)
	for _, name := range ruleFiles {
		if data, ok := ld.read(fsys, name); ok {
			ld.parseFile(names(name), data)
		}
	}
	if len(ruleFiles) == 0 {
		ld.fail(names("."), 0, "", "no rule files (*.yaml)")
	}
	s := ld.set
	// Keyword lists join the dictionary before the rules compile, so that
	// their keywords get ids.
	for _, name := range sortedKeys(s.lists) {
		l := s.lists[name]
		for _, k := range l.keywords {
			l.kwIDs = append(l.kwIDs, s.dict.add(k))
		}
	}
	for _, r := range s.rules {
		ld.compile(r)
	}
	for _, r := range ld.broken {
		ld.compile(r)
	}
	if err := s.dict.build(); err != nil {
		ld.fail(names("."), 0, "", "%v", err)
	}
	ld.snoozes()
	if len(ld.errs) > 0 {
		sort.SliceStable(ld.errs, func(i, j int) bool {
			a, b := ld.errs[i].(*Error), ld.errs[j].(*Error)
			return a.File < b.File || a.File == b.File && a.Line < b.Line
		})
		return nil, errors.Join(ld.errs...)
	}
	sort.Strings(ld.hash)
	sum := sha256.Sum256([]byte(strings.Join(ld.hash, "\n")))
	s.version = "rules-" + hex.EncodeToString(sum[:6])
	s.reads = map[string]bool{}
	for _, r := range s.rules {
		if r.Mode != ModeOff {
			s.active = append(s.active, r)
			for _, name := range r.refs {
				s.reads[name] = true
			}
		}
	}
	s.words = (len(s.dict.words) + 63) / 64
	for _, site := range s.sites {
		mask := make([]uint64, s.words)
		for _, id := range site.ids {
			mask[id>>6] |= 1 << (id & 63)
		}
		for w, m := range mask {
			if m != 0 {
				site.mask = append(site.mask, maskWord{w, m})
			}
		}
	}
	s.pool = sync.Pool{New: func() any { return s.newState() }}
	s.attach(o.metrics)
	return s, nil
}

// loadLists reads lists/*.txt.
func (ld *loader) loadLists(fsys fs.FS) {
	entries, err := fs.ReadDir(fsys, "lists")
	if err != nil {
		ld.fail(ld.names("lists"), 0, "", "%v", err)
		return
	}
	for _, e := range entries {
		name := e.Name()
		if skipName(name) || !strings.HasSuffix(name, ".txt") {
			continue
		}
		p := path.Join("lists", name)
		data, ok := ld.read(fsys, p)
		if !ok {
			continue
		}
		l, errs := parseList(ld.names(p), strings.TrimSuffix(name, ".txt"), data)
		ld.errs = append(ld.errs, errs...)
		if l != nil {
			ld.set.lists[l.Name] = l
		}
	}
}

// snoozes indexes the snooze entries of allow lists by author, checking
// that their rules exist.
func (ld *loader) snoozes() {
	s := ld.set
	for _, name := range sortedKeys(s.lists) {
		l := s.lists[name]
		for _, sn := range l.snoozes {
			r, ok := ld.ids[sn.rule]
			if !ok {
				ld.fail(l.File, sn.line, "", "rule=%s: no such rule", sn.rule)
				continue
			}
			if s.snoozes == nil {
				s.snoozes = map[string][]snooze{}
			}
			s.snoozes[sn.author] = append(s.snoozes[sn.author], snooze{rule: r.index, until: sn.until})
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// parseFile reads one rule file: a mapping with one key, rules, holding a
// list of rules.
func (ld *loader) parseFile(file string, data []byte) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlErrorLine(err)
		ld.fail(file, line, "", "%s", msg)
		return
	}
	if doc.Kind == 0 {
		ld.fail(file, 0, "", "empty file: want a mapping with a rules: list")
		return
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		ld.fail(file, root.Line, "", "want a mapping with a rules: list, got %s", kindName(root))
		return
	}
	var rules *yaml.Node
	ld.mapping(file, "", root, func(key string, k, v *yaml.Node) {
		switch key {
		case "rules":
			rules = v
		default:
			ld.fail(file, k.Line, "", "unknown key %q (want rules)", key)
		}
	})
	if rules == nil {
		ld.fail(file, root.Line, "", "no rules: list")
		return
	}
	if rules.Kind != yaml.SequenceNode {
		if rules.Tag != "!!null" {
			ld.fail(file, rules.Line, "", "rules: want a list, got %s", kindName(rules))
		}
		return
	}
	for i, n := range rules.Content {
		ld.parseRule(file, i+1, n)
	}
}

// yamlErrorLine pulls "line N" out of a yaml error.
func yamlErrorLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.IndexByte(rest, ':'); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				return n, strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return 0, msg
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", clip(n.Value, 40))
	}
	return "a document"
}

// mapping calls fn for each key of a mapping node in order, reporting
// duplicate keys, non-string keys and aliases.
func (ld *loader) mapping(file, rule string, n *yaml.Node, fn func(key string, k, v *yaml.Node)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			ld.fail(file, k.Line, rule, "keys must be plain words")
			continue
		}
		if seen[k.Value] {
			ld.fail(file, k.Line, rule, "key %q given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		if v.Kind == yaml.AliasNode || k.Tag == "!!merge" {
			ld.fail(file, k.Line, rule, "%s: YAML aliases and merges are not supported", k.Value)
			continue
		}
		fn(k.Value, k, v)
	}
}

// scalar returns the string value of a scalar node, reporting anything
// else.
func (ld *loader) scalar(file, rule, key string, v *yaml.Node) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		ld.fail(file, v.Line, rule, "%s: want a value, got %s", key, kindName(v))
		return "", false
	}
	return v.Value, true
}

// ruleKeys are the keys of a rule, in the order the docs give them.
var ruleKeys = []string{"id", "description", "owner", "labels", "action", "score", "mode", "when", "examples"}

func (ld *loader) parseRule(file string, pos int, n *yaml.Node) {
	name := "#" + strconv.Itoa(pos)
	if n.Kind != yaml.MappingNode {
		ld.fail(file, n.Line, name, "want a mapping, got %s", kindName(n))
		return
	}
	r := &Rule{File: file, Line: n.Line, Score: math.NaN()}
	// The id first, so that every other message can name the rule.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := n.Content[i], n.Content[i+1]; k.Value == "id" && v.Kind == yaml.ScalarNode {
			if ruleID.MatchString(v.Value) {
				name = v.Value
			}
			break
		}
	}
	before := len(ld.errs)
	have := map[string]bool{}
	var whenNode, examplesNode *yaml.Node
	labelsList := false
	ld.mapping(file, name, n, func(key string, k, v *yaml.Node) {
		have[key] = true
		switch key {
		case "id":
			if s, ok := ld.scalar(file, name, key, v); ok {
				if !ruleID.MatchString(s) {
					ld.fail(file, v.Line, name, "id %q: want 1 to 64 lower-case letters, digits, '.', '_' or '-', starting and ending with a letter or digit", clip(s, 80))
				}
				r.ID = s
			}
		case "description", "owner":
			if s, ok := ld.scalar(file, name, key, v); ok {
				if strings.TrimSpace(s) == "" {
					ld.fail(file, v.Line, name, "%s is empty", key)
				}
				if key == "owner" {
					r.Owner = s
				} else {
					r.Description = s
				}
			}
		case "labels":
			if v.Kind != yaml.SequenceNode {
				ld.fail(file, v.Line, name, "labels: want a list of %s, got %s", strings.Join(verdict.Labels, ", "), kindName(v))
				return
			}
			labelsList = true
			for _, l := range v.Content {
				s, ok := ld.scalar(file, name, "labels", l)
				switch {
				case !ok:
				case !slices.Contains(verdict.Labels, s):
					ld.fail(file, l.Line, name, "unknown label %q (known: %s)", clip(s, 40), strings.Join(verdict.Labels, ", "))
				case slices.Contains(r.Labels, s):
					ld.fail(file, l.Line, name, "label %s given twice", s)
				default:
					r.Labels = append(r.Labels, s)
				}
			}
		case "action":
			if s, ok := ld.scalar(file, name, key, v); ok {
				if verdict.Severity(s) < 0 {
					ld.fail(file, v.Line, name, "unknown action %q (known: %s)", clip(s, 40), strings.Join(verdict.Actions, ", "))
				}
				r.Action = s
			}
		case "score":
			if s, ok := ld.scalar(file, name, key, v); ok {
				f, err := strconv.ParseFloat(s, 64)
				if err != nil || !(f >= 0 && f <= 1) {
					ld.fail(file, v.Line, name, "score %q: want a number from 0 to 1", clip(s, 40))
					return
				}
				r.Score = f
			}
		case "mode":
			if s, ok := ld.scalar(file, name, key, v); ok {
				switch m := Mode(s); m {
				case ModeEnforce, ModeShadow, ModeOff:
					r.Mode = m
				default:
					ld.fail(file, v.Line, name, "unknown mode %q (known: enforce, shadow, off)", clip(s, 40))
				}
			}
		case "when":
			if s, ok := ld.scalar(file, name, key, v); ok {
				if strings.TrimSpace(s) == "" {
					ld.fail(file, v.Line, name, "when is empty")
					return
				}
				r.When, whenNode = s, v
			}
		case "examples":
			examplesNode = v
		default:
			ld.fail(file, k.Line, name, "unknown key %q (known: %s)", clip(key, 40), strings.Join(ruleKeys, ", "))
		}
	})
	for _, key := range ruleKeys {
		if !have[key] {
			ld.fail(file, n.Line, name, "%s is missing", key)
		}
	}
	if labelsList && len(r.Labels) == 0 && r.Action != verdict.Allow {
		ld.fail(file, n.Line, name, "labels is empty: a rule whose action is not allow argues for at least one label")
	}
	if examplesNode != nil {
		ld.parseExamples(file, name, r, examplesNode)
	}
	if r.ID != "" && ruleID.MatchString(r.ID) {
		if first, dup := ld.ids[r.ID]; dup {
			ld.fail(file, n.Line, name, "duplicate id (first defined at %s:%d)", first.File, first.Line)
		} else {
			ld.ids[r.ID] = r
		}
	}
	if whenNode != nil {
		r.whenLine = whenLine(whenNode)
	}
	if len(ld.errs) > before {
		// The load fails; the expression is still compiled, for its
		// problems to be reported with the others.
		if r.When != "" {
			r.ID = name // the rule's name in messages, valid id or not
			ld.broken = append(ld.broken, r)
		}
		return
	}
	r.index = len(ld.set.rules)
	ld.set.rules = append(ld.set.rules, r)
}

// whenLine returns the file line of the expression's first line.
func whenLine(v *yaml.Node) int {
	if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return v.Line + 1
	}
	return v.Line
}

func (ld *loader) parseExamples(file, name string, r *Rule, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		ld.fail(file, n.Line, name, "examples: want a mapping with match: and no_match: lists, got %s", kindName(n))
		return
	}
	var match, noMatch []Example
	ld.mapping(file, name, n, func(key string, k, v *yaml.Node) {
		var want bool
		switch key {
		case "match":
			want = true
		case "no_match":
		default:
			ld.fail(file, k.Line, name, "examples: unknown key %q (want match, no_match)", clip(key, 40))
			return
		}
		if v.Kind != yaml.SequenceNode {
			ld.fail(file, v.Line, name, "examples: %s: want a list, got %s", key, kindName(v))
			return
		}
		for _, e := range v.Content {
			if x, ok := ld.parseExample(file, name, e); ok {
				x.Rule, x.Match = name, want
				if want {
					match = append(match, x)
				} else {
					noMatch = append(noMatch, x)
				}
			}
		}
	})
	if len(match) == 0 {
		ld.fail(file, n.Line, name, "examples: no match: example (give at least one of each)")
	}
	if len(noMatch) == 0 {
		ld.fail(file, n.Line, name, "examples: no no_match: example (give at least one of each)")
	}
	r.Examples = append(match, noMatch...)
}

// parseExample reads an example: a text, or a mapping with text and
// feature overrides.
func (ld *loader) parseExample(file, name string, n *yaml.Node) (Example, bool) {
	x := Example{File: file, Line: n.Line}
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		x.Text = n.Value
		return x, true
	}
	if n.Kind != yaml.MappingNode {
		ld.fail(file, n.Line, name, "example: want a text or a mapping with text:, got %s", kindName(n))
		return x, false
	}
	before := len(ld.errs)
	hasText := false
	ld.mapping(file, name, n, func(key string, k, v *yaml.Node) {
		switch key {
		case "text":
			x.Text, hasText = ld.scalar(file, name, "text", v)
		case "lang":
			x.Lang, _ = ld.scalar(file, name, "lang", v)
			ld.override(file, name, &x, []string{key}, v)
		case "links":
			if err := v.Decode(&x.Links); err != nil {
				ld.fail(file, v.Line, name, "example: links: want a list of URLs")
			}
		default:
			ld.override(file, name, &x, []string{key}, v)
		}
	})
	if !hasText && len(ld.errs) == before {
		ld.fail(file, n.Line, name, "example: text is missing")
	}
	return x, len(ld.errs) == before
}

// override records a feature value an example sets, descending into
// mappings for the feature groups (repetition: {author_copies_24h: 5}).
func (ld *loader) override(file, name string, x *Example, keys []string, v *yaml.Node) {
	f, ok := lookupFeature(keys)
	feature := strings.Join(keys, ".")
	switch {
	case !ok:
		ld.fail(file, v.Line, name, "example: unknown feature %q (see `circleguard rules features`)", clip(feature, 60))
		return
	case f.typ.Kind() == reflect.Struct:
		if v.Kind != yaml.MappingNode {
			ld.fail(file, v.Line, name, "example: %s: want a mapping of its features, got %s", feature, kindName(v))
			return
		}
		ld.mapping(file, name, v, func(key string, _, v *yaml.Node) {
			ld.override(file, name, x, append(slices.Clip(keys), key), v)
		})
		if keys[0] == "repetition" && len(keys) == 1 {
			// Counts given: a store ran, unless the example says otherwise.
			known, _ := lookupFeature([]string{"repetition", "known"})
			if !slices.ContainsFunc(x.overrides, func(o override) bool { return slices.Equal(o.index, known.index) }) {
				x.overrides = append(x.overrides, override{index: known.index, value: reflect.ValueOf(true)})
			}
		}
		return
	}
	val := reflect.New(f.typ)
	if err := v.Decode(val.Interface()); err != nil {
		ld.fail(file, v.Line, name, "example: %s: want %s", feature, typeName(f.typ))
		return
	}
	x.overrides = append(x.overrides, override{index: f.index, value: val.Elem()})
}
