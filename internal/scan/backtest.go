package scan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/circleguard/circleguard/internal/engine"
	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/verdict"
	"github.com/circleguard/circleguard/rules"
)

// BacktestConfig says what a backtest compares.
type BacktestConfig struct {
	// Candidate and Baseline are the rule sets compared (the rules being
	// tried and the active ones); nil means no rules (what the rules add
	// to the signals, the classifier and repetition).
	Candidate, Baseline *rules.Set
	// CandidateName and BaselineName say where they come from, for the
	// report ("rules/", "the embedded pack").
	CandidateName, BaselineName string
	// LabelMap turns a post's labels into verdict labels, as
	// ClassifierConfig.Map does for the classifier (spam → sales). "ham"
	// and "clean" mean no label.
	LabelMap map[string]string
	// FillMissing gives a line without id, author_id or created_at ones
	// made from its line number (id and author "line-N", created_at a
	// second apart from 2026-01-01): labelled corpora such as
	// classifiers/data/heldout/*.jsonl then replay as posts, each by its
	// own author.
	FillMissing bool
	// MaxBytes is the size limit of one line; <= 0 means
	// post.DefaultMaxBytes.
	MaxBytes int
	// Report receives each bad line as "line N: reason: detail", like scan;
	// nil discards them.
	Report io.Writer
	// Progress, when not nil, receives a progress line about every second
	// once the backtest has run for a second. Size, when > 0, is the
	// input's size in bytes, for a percentage.
	Progress io.Writer
	Size     int64
}

// BacktestExamples is how many post ids the report gives per change.
const BacktestExamples = 5

// Backtest replays the posts of in through eng, in file order and batches
// of BatchSize, deciding each batch under the candidate and the baseline
// rules (engine.DecideBatchSets: one analysis and one count in eng's
// repetition store per post, so give eng a fresh store), and compares.
// The report holds no post text: counts, and post ids as examples. It
// returns an error only for I/O failures, the store, or when ctx ends.
func Backtest(ctx context.Context, in io.Reader, eng *engine.Engine, cfg BacktestConfig) (*BacktestReport, error) {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = post.DefaultMaxBytes
	}
	if cfg.Report == nil {
		cfg.Report = io.Discard
	}
	start := time.Now()
	rep := &BacktestReport{
		CandidateName: cfg.CandidateName, BaselineName: cfg.BaselineName,
		CandidateVersion: setVersion(cfg.Candidate), BaselineVersion: setVersion(cfg.Baseline),
		BadByReason: map[string]int{}, Changes: map[Change]*ChangeCount{},
		truthCombos: map[string]int{},
	}
	runs := []*backtestRun{newRun(cfg.Baseline), newRun(cfg.Candidate)}
	rep.runs = runs
	sets := []*rules.Set{cfg.Baseline, cfg.Candidate}

	cr := &countingReader{r: in}
	r := bufio.NewReaderSize(cr, 64<<10)
	var line []byte
	posts := make([]post.Post, 0, BatchSize)
	truths := make([]truth, 0, BatchSize)
	dst := make([][]verdict.Verdict, len(sets))
	lastProgress := start
	flush := func() error {
		if len(posts) == 0 {
			return nil
		}
		for k := range dst {
			dst[k] = dst[k][:0]
		}
		if err := eng.DecideBatchSets(ctx, posts, time.Now(), sets, dst); err != nil {
			return fmt.Errorf("decide: %w", err)
		}
		for i := range posts {
			rep.add(&posts[i], truths[i], dst[0][i], dst[1][i])
		}
		for k := range dst {
			clear(dst[k])
		}
		clear(posts)
		posts, truths = posts[:0], truths[:0]
		if cfg.Progress != nil && time.Since(lastProgress) >= time.Second {
			lastProgress = time.Now()
			rep.progress(cfg.Progress, cr.n, cfg.Size, time.Since(start))
		}
		return nil
	}
	for n := 1; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return rep, ctx.Err()
		}
		var size int
		var tooLong bool
		var err error
		line, size, tooLong, err = readLine(r, line[:0], cfg.MaxBytes)
		if err != nil && !errors.Is(err, io.EOF) {
			return rep, fmt.Errorf("read line %d: %w", n, err)
		}
		eof := errors.Is(err, io.EOF)
		if !tooLong && len(bytes.TrimSpace(line)) == 0 {
			if eof {
				break
			}
			continue
		}
		rep.Lines++
		var p post.Post
		var derr error
		if tooLong {
			derr = &post.DecodeError{Reason: post.ReasonTooLarge, Detail: fmt.Sprintf("%d bytes over the limit of %d", size, cfg.MaxBytes)}
		} else {
			p, derr = post.Decode(line, cfg.MaxBytes)
			if derr != nil && cfg.FillMissing && post.ReasonOf(derr) == post.ReasonMissingField {
				if filled, ok := fillMissing(line, n); ok {
					p, derr = post.Decode(filled, cfg.MaxBytes)
					rep.Filled++
				}
			}
		}
		if derr != nil {
			rep.Bad++
			rep.BadByReason[post.ReasonOf(derr)]++
			fmt.Fprintf(cfg.Report, "line %d: %v\n", n, derr)
		} else {
			posts = append(posts, p)
			truths = append(truths, readTruth(line, cfg.LabelMap))
			if len(posts) == BatchSize {
				if err := flush(); err != nil {
					return rep, err
				}
			}
		}
		if eof {
			break
		}
	}
	if err := flush(); err != nil {
		return rep, err
	}
	rep.Elapsed = time.Since(start)
	if cfg.Progress != nil && rep.Elapsed >= time.Second {
		rep.progress(cfg.Progress, cr.n, cfg.Size, rep.Elapsed)
	}
	return rep, nil
}

func setVersion(s *rules.Set) string {
	if s == nil {
		return "no rules"
	}
	return s.Version()
}

// countingReader counts the bytes read, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// fillStart is the created_at of line 1 when FillMissing makes one.
var fillStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fillMissing adds the id, author_id and created_at a line lacks.
func fillMissing(line []byte, n int) ([]byte, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(line, &m) != nil || m == nil {
		return nil, false
	}
	id, _ := json.Marshal(fmt.Sprintf("line-%d", n))
	for _, k := range []string{"id", "author_id"} {
		if v, ok := m[k]; !ok || string(v) == "null" {
			m[k] = id
		}
	}
	if v, ok := m["created_at"]; !ok || string(v) == "null" {
		m["created_at"], _ = json.Marshal(fillStart.Add(time.Duration(n) * time.Second))
	}
	b, err := json.Marshal(m)
	return b, err == nil
}

// truth is what a line says a post is: its verdict labels when labelled.
type truth struct {
	labelled bool
	labels   []string // verdict labels, in verdict.Labels order
}

// readTruth reads a line's label (a string), labels (an array) or
// truth.labels (`circleguard gen -truth`), the first one present.
func readTruth(line []byte, labelMap map[string]string) truth {
	var w struct {
		Label  *string   `json:"label"`
		Labels *[]string `json:"labels"`
		Truth  *struct {
			Labels *[]string `json:"labels"`
		} `json:"truth"`
	}
	if json.Unmarshal(line, &w) != nil {
		return truth{}
	}
	var raw []string
	switch {
	case w.Label != nil:
		raw = []string{*w.Label}
	case w.Labels != nil:
		raw = *w.Labels
	case w.Truth != nil && w.Truth.Labels != nil:
		raw = *w.Truth.Labels
	default:
		return truth{}
	}
	t := truth{labelled: true}
	for _, l := range verdict.Labels {
		for _, r := range raw {
			r = strings.ToLower(strings.TrimSpace(r))
			if to, ok := labelMap[r]; ok {
				r = to
			}
			if r == l {
				t.labels = append(t.labels, l)
				break
			}
		}
	}
	return t
}

func (t truth) has(labels []string) bool {
	for _, l := range labels {
		if slices.Contains(t.labels, l) {
			return true
		}
	}
	return false
}

// BacktestReport is what a backtest found.
type BacktestReport struct {
	CandidateName, BaselineName       string
	CandidateVersion, BaselineVersion string
	// Lines, Bad and BadByReason count the input as scan does; Filled
	// counts the posts FillMissing completed.
	Lines, Bad, Filled int
	BadByReason        map[string]int
	// Posts and Labelled count the posts replayed, and those with a label.
	Posts, Labelled int
	// Changed counts the posts whose verdict differs (action or labels);
	// Changes breaks them down by action.
	Changed int
	Changes map[Change]*ChangeCount
	Elapsed time.Duration

	runs        []*backtestRun // baseline, candidate
	truthCombos map[string]int // labelled posts by their labels joined with ","
}

// Change is a verdict change: the baseline's action, the candidate's, and
// whether only the labels changed.
type Change struct {
	From, To   string
	LabelsOnly bool
}

// ChangeCount counts one kind of change, with up to BacktestExamples post
// ids in input order.
type ChangeCount struct {
	N   int
	IDs []string
}

// backtestRun is what one rule set did.
type backtestRun struct {
	set     *rules.Set // nil: no rules
	rules   map[string]*RuleStats
	actions map[string]int
	labels  [4]labelStats // verdict labels on labelled posts, by verdict.Labels
	// enforce counts, per label, the labelled posts some enforce rule
	// with that label hit (tp: the post carries it), as labels does.
	enforce [4]labelStats
}

// rule returns the run's rule with the id, or nil.
func (run *backtestRun) rule(id string) *rules.Rule {
	if run.set == nil {
		return nil
	}
	return run.set.Rule(id)
}

// allRules returns the run's rules in load order.
func (run *backtestRun) allRules() []*rules.Rule {
	if run.set == nil {
		return nil
	}
	return run.set.Rules()
}

type labelStats struct{ tp, fp, fn int }

// RuleStats is one rule's record in a run.
type RuleStats struct {
	Hits int
	// Authors counts the distinct authors of the posts it hit.
	Authors int
	// LabelledHits counts its hits on labelled posts, Correct those whose
	// post carries one of the rule's labels.
	LabelledHits, Correct int
	// Wrong holds up to BacktestExamples ids of its hits on labelled posts
	// that carry none of its labels (false positives), in input order.
	Wrong   []string
	authors map[string]struct{}
}

func newRun(s *rules.Set) *backtestRun {
	return &backtestRun{set: s, rules: map[string]*RuleStats{}, actions: map[string]int{}}
}

// add records one post's verdicts.
func (rep *BacktestReport) add(p *post.Post, t truth, base, cand verdict.Verdict) {
	rep.Posts++
	if t.labelled {
		rep.Labelled++
		rep.truthCombos[strings.Join(t.labels, ",")]++
	}
	for k, v := range []*verdict.Verdict{&base, &cand} {
		run := rep.runs[k]
		run.actions[v.Action]++
		if t.labelled {
			for j, l := range verdict.Labels {
				got, want := slices.Contains(v.Labels, l), slices.Contains(t.labels, l)
				switch {
				case got && want:
					run.labels[j].tp++
				case got:
					run.labels[j].fp++
				case want:
					run.labels[j].fn++
				}
			}
		}
		last := ""
		for _, list := range [][]verdict.Reason{v.Reasons, v.Shadow} {
			for _, r := range list {
				if r.Kind != "rule" || r.ID == last {
					continue // a rule with two labels has two reasons in a row
				}
				last = r.ID
				run.hit(r.ID, p, t)
			}
		}
		if t.labelled {
			var hit [4]bool
			for _, r := range v.Reasons {
				if r.Kind == "rule" {
					if j := slices.Index(verdict.Labels, r.Label); j >= 0 {
						hit[j] = true
					}
				}
			}
			for j, l := range verdict.Labels {
				want := slices.Contains(t.labels, l)
				switch {
				case hit[j] && want:
					run.enforce[j].tp++
				case hit[j]:
					run.enforce[j].fp++
				case want:
					run.enforce[j].fn++
				}
			}
		}
	}
	if base.Action != cand.Action || !slices.Equal(base.Labels, cand.Labels) {
		rep.Changed++
		c := Change{From: base.Action, To: cand.Action, LabelsOnly: base.Action == cand.Action}
		cc := rep.Changes[c]
		if cc == nil {
			cc = &ChangeCount{}
			rep.Changes[c] = cc
		}
		cc.N++
		if len(cc.IDs) < BacktestExamples {
			cc.IDs = append(cc.IDs, p.ID)
		}
	}
}

func (run *backtestRun) hit(id string, p *post.Post, t truth) {
	st := run.rules[id]
	if st == nil {
		st = &RuleStats{authors: map[string]struct{}{}}
		run.rules[id] = st
	}
	st.Hits++
	if _, ok := st.authors[p.AuthorID]; !ok {
		st.authors[p.AuthorID] = struct{}{}
		st.Authors++
	}
	if t.labelled {
		st.LabelledHits++
		if r := run.rule(id); r != nil && t.has(r.Labels) {
			st.Correct++
		} else if len(st.Wrong) < BacktestExamples {
			st.Wrong = append(st.Wrong, p.ID)
		}
	}
}

// Rule returns a rule's record under the candidate (baseline false) or the
// baseline rules; a zero record when it never hit.
func (rep *BacktestReport) Rule(id string, baseline bool) RuleStats {
	run := rep.runs[1]
	if baseline {
		run = rep.runs[0]
	}
	if st := run.rules[id]; st != nil {
		return *st
	}
	return RuleStats{}
}

// positives counts the labelled posts that carry one of labels.
func (rep *BacktestReport) positives(labels []string) int {
	n := 0
	for combo, c := range rep.truthCombos {
		for _, l := range labels {
			if combo != "" && slices.Contains(strings.Split(combo, ","), l) {
				n += c
				break
			}
		}
	}
	return n
}

func (rep *BacktestReport) progress(w io.Writer, read, size int64, elapsed time.Duration) {
	rate := float64(rep.Posts) / elapsed.Seconds()
	if size > 0 {
		fmt.Fprintf(w, "backtest: %d posts, %.0f%% of the input, %.0f posts/s\n", rep.Posts, 100*float64(read)/float64(size), rate)
		return
	}
	fmt.Fprintf(w, "backtest: %d posts, %.1f MB read, %.0f posts/s\n", rep.Posts, float64(read)/1e6, rate)
}

// ratio formats a/b to three decimals, or "-" when b is 0.
func ratio(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", float64(a)/float64(b))
}

// Write prints the report: the rules, the verdicts' labels and actions
// under both sets, and the verdicts that change. It names posts by id
// only, never by text.
func (rep *BacktestReport) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "backtest: %d posts (%d labelled), %d lines, %d bad", rep.Posts, rep.Labelled, rep.Lines, rep.Bad)
	if rep.Filled > 0 {
		fmt.Fprintf(&b, ", %d given line-numbered ids", rep.Filled)
	}
	fmt.Fprintf(&b, ", in %.1fs\n", rep.Elapsed.Seconds())
	fmt.Fprintf(&b, "candidate: %s (%s)\nbaseline:  %s (%s)\n\n", rep.CandidateName, rep.CandidateVersion, rep.BaselineName, rep.BaselineVersion)

	cand, base := rep.runs[1], rep.runs[0]
	type ruleRow struct {
		name, mode, action                 string
		hits, authors                      int
		precision, recall, baseHits, delta string
	}
	var rows []ruleRow
	width := len("rule")
	row := func(r *rules.Rule, inCand bool) {
		c, bs := rep.Rule(r.ID, false), rep.Rule(r.ID, true)
		rr := ruleRow{name: r.ID, mode: string(r.Mode), action: r.Action, hits: c.Hits, authors: c.Authors,
			precision: ratio(c.Correct, c.LabelledHits), recall: ratio(c.Correct, rep.positives(r.Labels)),
			baseHits: fmt.Sprint(bs.Hits), delta: fmt.Sprintf("%+d", c.Hits-bs.Hits)}
		switch {
		case !inCand:
			rr.name += " (removed)"
			rr.mode, rr.action = "-", "-"
		case base.rule(r.ID) == nil:
			rr.name += " (new)"
			rr.baseHits = "-"
		}
		width = max(width, len(rr.name))
		rows = append(rows, rr)
	}
	seen := map[string]bool{}
	for _, r := range cand.allRules() {
		seen[r.ID] = true
		row(r, true)
	}
	for _, r := range base.allRules() {
		if !seen[r.ID] {
			row(r, false)
		}
	}
	fmt.Fprintf(&b, "%-*s  %-7s  %-6s  %7s  %7s  %9s  %6s  %13s  %7s\n", width, "rule", "mode", "action", "hits", "authors",
		"precision", "recall", "baseline hits", "Δ hits")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s  %-7s  %-6s  %7d  %7d  %9s  %6s  %13s  %7s\n", width, r.name, r.mode, r.action, r.hits, r.authors,
			r.precision, r.recall, r.baseHits, r.delta)
	}
	if rep.Labelled > 0 {
		b.WriteString("precision: of a rule's hits on labelled posts, the share whose post carries one of its labels;\n" +
			"recall: of the labelled posts with one of its labels, the share it hits. Shadow rules count as if enforced.\n")
		header := false
		for _, r := range cand.allRules() {
			st := rep.Rule(r.ID, false)
			if len(st.Wrong) == 0 {
				continue
			}
			if !header {
				header = true
				fmt.Fprintf(&b, "\nhits on labelled posts without the rule's labels (candidate; up to %d post ids):\n", BacktestExamples)
			}
			fmt.Fprintf(&b, "  %-*s  %7d  %s\n", width, r.ID, st.LabelledHits-st.Correct, strings.Join(st.Wrong, " "))
		}
	} else {
		b.WriteString("no post carries a label (label, labels or truth.labels): no precision or recall.\n")
	}

	if rep.Labelled > 0 {
		for _, tab := range []struct {
			title    string
			bl, cl   *[4]labelStats
			footnote string
		}{
			{"enforce rules", &base.enforce, &cand.enforce, "enforce rules: a label counts when some enforce rule with it hit the post.\n"},
			{"verdict labels", &base.labels, &cand.labels, ""},
		} {
			fmt.Fprintf(&b, "\n%-14s  %22s  %22s\n", tab.title, "baseline", "candidate")
			fmt.Fprintf(&b, "%-14s  %10s  %10s  %10s  %10s\n", "", "precision", "recall", "precision", "recall")
			for j, l := range verdict.Labels {
				bl, cl := tab.bl[j], tab.cl[j]
				fmt.Fprintf(&b, "%-14s  %10s  %10s  %10s  %10s\n", l, ratio(bl.tp, bl.tp+bl.fp), ratio(bl.tp, bl.tp+bl.fn),
					ratio(cl.tp, cl.tp+cl.fp), ratio(cl.tp, cl.tp+cl.fn))
			}
			b.WriteString(tab.footnote)
		}
	}
	fmt.Fprintf(&b, "\n%-14s  %10s  %10s\n", "actions", "baseline", "candidate")
	for _, a := range verdict.Actions {
		fmt.Fprintf(&b, "%-14s  %10d  %10d\n", a, base.actions[a], cand.actions[a])
	}

	fmt.Fprintf(&b, "\nverdicts that change: %d of %d", rep.Changed, rep.Posts)
	if rep.Posts > 0 {
		fmt.Fprintf(&b, " (%.2f%%)", 100*float64(rep.Changed)/float64(rep.Posts))
	}
	b.WriteString("\n")
	changes := make([]Change, 0, len(rep.Changes))
	for c := range rep.Changes {
		changes = append(changes, c)
	}
	sort.Slice(changes, func(i, j int) bool {
		a, c := changes[i], changes[j]
		if n, m := rep.Changes[a].N, rep.Changes[c].N; n != m {
			return n > m
		}
		return fmt.Sprint(a) < fmt.Sprint(c)
	})
	for _, c := range changes {
		cc := rep.Changes[c]
		what := c.From + " → " + c.To
		if c.LabelsOnly {
			what += " (labels)"
		}
		fmt.Fprintf(&b, "  %-26s  %7d  %s\n", what, cc.N, strings.Join(cc.IDs, " "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
