package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/circleguard/circleguard/internal/textnorm"
)

// keyword is one keyword of a rule or keyword list, in matching form.
type keyword struct {
	// word is the keyword after textnorm.Normalize.
	word string
	// prefix is set by a trailing '*': the keyword may be followed by more
	// letters ("recruit*" matches "recruiting").
	prefix bool
	// start and end are set when the keyword begins or ends with an ASCII
	// letter or digit: it must then not touch another one there ("earn"
	// does not match "learn"). Han characters need no boundaries.
	start, end bool
}

// parseKeyword normalises a keyword as written in a rule or list.
func parseKeyword(s string) (keyword, error) {
	s = strings.TrimSpace(s)
	prefix := strings.HasSuffix(s, "*")
	if prefix {
		s = strings.TrimSpace(strings.TrimSuffix(s, "*"))
	}
	w := textnorm.Normalize(s)
	if w == "" {
		return keyword{}, fmt.Errorf("keyword %q is empty in matching form", s)
	}
	if len(w) > maxKeywordBytes {
		return keyword{}, fmt.Errorf("keyword %q is longer than %d bytes", clip(s, 32), maxKeywordBytes)
	}
	return keyword{word: w, prefix: prefix, start: asciiAlnum(w[0]), end: !prefix && asciiAlnum(w[len(w)-1])}, nil
}

// maxKeywordBytes bounds a keyword in matching form.
const maxKeywordBytes = 256

func asciiAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'z'
}

// boundaryOK reports whether the keyword k found at s[i:i+len(k.word)]
// respects its word boundaries.
func (k *keyword) boundaryOK(s string, i int) bool {
	if k.start && i > 0 && asciiAlnum(s[i-1]) {
		return false
	}
	e := i + len(k.word)
	return !k.end || e >= len(s) || !asciiAlnum(s[e])
}

// in reports whether k occurs in s, respecting its boundaries.
func (k *keyword) in(s string) bool {
	for from := 0; from <= len(s)-len(k.word); {
		i := strings.Index(s[from:], k.word)
		if i < 0 {
			return false
		}
		if k.boundaryOK(s, from+i) {
			return true
		}
		from += i + 1
	}
	return false
}

// dict holds every keyword of a Set that is matched against the post's
// text, so that one Aho–Corasick pass per post finds them all; rules then
// look their keywords up in the pass's bit set.
type dict struct {
	words []keyword
	index map[keyword]int32
	ac    *automaton
}

func newDict() *dict { return &dict{index: map[keyword]int32{}} }

// add returns the id of k, adding it when new.
func (d *dict) add(k keyword) int32 {
	if id, ok := d.index[k]; ok {
		return id
	}
	id := int32(len(d.words))
	d.words = append(d.words, k)
	d.index[k] = id
	return id
}

// build makes the automaton once every keyword is in.
func (d *dict) build() error {
	ac, err := buildAutomaton(d.words)
	d.ac = ac
	return err
}

// maxDFACells bounds the automaton's transition table (4 bytes a cell):
// 32 MiB, about 100,000 keywords of CJK text.
const maxDFACells = 1 << 23

// automaton is an Aho–Corasick automaton over bytes, compiled to a DFA on
// byte classes (the bytes that occur in some keyword, plus one class for
// all others).
type automaton struct {
	class  [256]uint8
	nclass int
	// delta[state*nclass+class] is the next state's row offset
	// (state*nclass), with outFlag set when keywords end there.
	delta []int32
	out   [][]int32 // keywords ending at a state, its suffixes' included
}

// outFlag marks a transition into a state where keywords end.
const outFlag = 1 << 30

func buildAutomaton(words []keyword) (*automaton, error) {
	a := &automaton{}
	var used [256]bool
	total := 1
	for _, w := range words {
		total += len(w.word)
		for i := 0; i < len(w.word); i++ {
			used[w.word[i]] = true
		}
	}
	a.nclass = 1
	for b := range used {
		if used[b] {
			if a.nclass == 256 {
				// Every byte value is used: class 0 is shared by the last
				// byte and the unused ones (there are none).
				a.class[b] = 0
				continue
			}
			a.class[b] = uint8(a.nclass)
			a.nclass++
		}
	}
	if total*a.nclass > min(maxDFACells, outFlag-1) {
		return nil, fmt.Errorf("keywords too large: %d bytes over %d byte classes exceed the %d MiB automaton budget (move them to fewer, shorter keywords)",
			total, a.nclass, maxDFACells*4>>20)
	}
	nc := a.nclass
	delta := make([]int32, total*nc)
	for i := range delta {
		delta[i] = -1
	}
	out := make([][]int32, total)
	states := 1
	for id, w := range words {
		s := 0
		for i := 0; i < len(w.word); i++ {
			c := int(a.class[w.word[i]])
			if delta[s*nc+c] < 0 {
				delta[s*nc+c] = int32(states)
				states++
			}
			s = int(delta[s*nc+c])
		}
		out[s] = append(out[s], int32(id))
	}
	fail := make([]int32, states)
	queue := make([]int32, 0, states)
	order := []int32{0} // states in breadth-first order
	for c := range nc {
		if t := delta[c]; t < 0 {
			delta[c] = 0
		} else {
			fail[t] = 0
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		order = append(order, s)
		if f := fail[s]; len(out[f]) > 0 {
			out[s] = append(out[s][:len(out[s]):len(out[s])], out[f]...)
		}
		for c := range nc {
			t := delta[int(s)*nc+c]
			next := delta[int(fail[s])*nc+c]
			if t < 0 {
				delta[int(s)*nc+c] = next
			} else {
				fail[t] = next
				queue = append(queue, t)
			}
		}
	}
	// States are renumbered breadth first, so that the shallow states a
	// scan mostly visits share a few cache lines; rows instead of state
	// numbers spare a multiplication a byte; the flag spares a look at out
	// for the many states where nothing ends.
	renum := make([]int32, states)
	for i, s := range order {
		renum[s] = int32(i)
	}
	a.delta = make([]int32, states*nc)
	a.out = make([][]int32, states)
	for _, s := range order {
		ns := int(renum[s])
		a.out[ns] = out[s]
		for c := range nc {
			t := delta[int(s)*nc+c]
			v := renum[t] * int32(nc)
			if len(out[t]) > 0 {
				v |= outFlag
			}
			a.delta[ns*nc+c] = v
		}
	}
	return a, nil
}

// scan sets in hits the bit of every keyword found in s with its
// boundaries respected. hits must hold len(words) bits.
func (a *automaton) scan(s string, words []keyword, hits []uint64) {
	if a == nil || len(a.out) <= 1 {
		return
	}
	nc, delta, class := int32(a.nclass), a.delta, &a.class
	row := int32(0)
	for i := 0; i < len(s); i++ {
		row = delta[row+int32(class[s[i]])]
		if row&outFlag == 0 {
			continue
		}
		row &^= outFlag
		for _, id := range a.out[row/nc] {
			w := &words[id]
			if hits[id>>6]&(1<<(id&63)) != 0 {
				continue
			}
			if w.boundaryOK(s, i+1-len(w.word)) {
				hits[id>>6] |= 1 << (id & 63)
			}
		}
	}
}

// clip returns s cut to at most n bytes at a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
