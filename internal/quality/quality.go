// Package quality scores verdicts against the ground truth of a generated
// stream (`circleguard gen -truth`): how much of each kind of abuse was
// caught, how many ordinary posts were flagged, and the brushing figures
// by copy number. It reads both files whole; verdicts may come in any
// order and more than once (at-least-once delivery): the first verdict of
// a post counts, and copies whose labels or repetition counts differ from
// the first are reported as conflicts.
package quality

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/verdict"
)

// FirstCopies is how many copies of an ad may pass before brushing must
// fire: the targets speak of the 4th and later copies.
const FirstCopies = 3

// Report holds the scores.
type Report struct {
	Posts     int // posts in the truth file
	Verdicts  int // distinct posts with a verdict
	Missing   int // posts without a verdict (lost)
	Extra     int // verdicts of posts not in the truth file
	Duplicate int // verdicts beyond the first of a post
	Conflicts int // duplicates that disagree with the first (labels or repetition counts)

	// Kinds are per ground-truth kind, in gen.Kinds order.
	Kinds []KindScore
	// Labels are per verdict label, in verdict.Labels order.
	Labels []LabelScore
	// Brushing is per campaign kind that brushes (brusher, network).
	Brushing []BrushingScore
	// NormalBrushing counts ordinary posts labelled brushing, and
	// NormalBrushingAuthors the ordinary authors with at least one.
	NormalPosts, NormalBrushing          int
	NormalAuthors, NormalBrushingAuthors int
}

// KindScore is what happened to the posts of one kind.
type KindScore struct {
	Kind    gen.Kind
	Posts   int
	Flagged int // action other than allow
	// TrueLabel counts posts whose verdict carries one of their true labels.
	TrueLabel int
}

// LabelScore is one label's precision and recall against the truth. The
// brushing label is not scored on MLM and fraud posts: their accounts
// repost their templates, which is brushing, but the generator's truth
// labels them mlm or fraud only.
type LabelScore struct {
	Label          string
	TP, FP, FN     int
	Precision, Rec float64
}

// BrushingScore counts one kind's ad copies labelled brushing, split at
// FirstCopies. A copy's number is its place among the posts of its
// campaign (one ad per brusher; one ad per agent network, over all its
// accounts), in stream order.
type BrushingScore struct {
	Kind                 gen.Kind
	Early, EarlyBrushing int // copies 1..FirstCopies
	Later, LaterBrushing int // copies FirstCopies+1 and later
	// LaterMissedExamples are up to three posts among Later that were not
	// labelled brushing.
	LaterMissedExamples []string
}

type truthLine struct {
	ID       string `json:"id"`
	AuthorID string `json:"author_id"`
	Truth    *struct {
		Kind     gen.Kind `json:"kind"`
		Labels   []string `json:"labels"`
		Campaign string   `json:"campaign"`
	} `json:"truth"`
}

type seen struct {
	labels []string
	rep    *verdict.Repetition
}

// Score reads the truth stream (JSONL from `circleguard gen -truth`) and
// the verdicts (JSONL) and scores them.
func Score(truth, verdicts io.Reader) (*Report, error) {
	byID := map[string]seen{}
	r := &Report{}
	sc := bufio.NewScanner(verdicts)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var v verdict.Verdict
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("verdicts line %d: %w", n, err)
		}
		var rep *verdict.Repetition
		for _, rs := range v.Reasons {
			if rs.Kind == "repetition" && rs.Repetition != nil {
				rep = rs.Repetition
				rep.Replay = false // a replay carries the first counts: compare those
			}
		}
		if first, ok := byID[v.PostID]; ok {
			r.Duplicate++
			if !slices.Equal(first.labels, v.Labels) || !sameCounts(first.rep, rep) {
				r.Conflicts++
			}
			continue
		}
		byID[v.PostID] = seen{labels: v.Labels, rep: rep}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read verdicts: %w", err)
	}
	r.Verdicts = len(byID)

	kinds := map[gen.Kind]*KindScore{}
	for _, k := range gen.Kinds {
		r.Kinds = append(r.Kinds, KindScore{Kind: k})
	}
	for i := range r.Kinds {
		kinds[r.Kinds[i].Kind] = &r.Kinds[i]
	}
	for _, l := range verdict.Labels {
		r.Labels = append(r.Labels, LabelScore{Label: l})
	}
	brushing := map[gen.Kind]*BrushingScore{}
	r.Brushing = []BrushingScore{{Kind: gen.Brusher}, {Kind: gen.Network}}
	for i := range r.Brushing {
		brushing[r.Brushing[i].Kind] = &r.Brushing[i]
	}
	copyNo := map[string]int{}
	normalAuthors, normalBrushing := map[string]bool{}, map[string]bool{}
	inTruth := map[string]bool{}

	sc = bufio.NewScanner(truth)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var t truthLine
		if err := json.Unmarshal(sc.Bytes(), &t); err != nil {
			return nil, fmt.Errorf("truth line %d: %w", n, err)
		}
		if t.Truth == nil {
			return nil, fmt.Errorf("truth line %d: no \"truth\" field (write the stream with `circleguard gen -truth`)", n)
		}
		r.Posts++
		inTruth[t.ID] = true
		copyNumber := 0
		if brushing[t.Truth.Kind] != nil {
			copyNo[t.Truth.Campaign]++
			copyNumber = copyNo[t.Truth.Campaign]
		}
		v, ok := byID[t.ID]
		if !ok {
			r.Missing++
			continue
		}
		k := kinds[t.Truth.Kind]
		if k == nil {
			return nil, fmt.Errorf("truth line %d: unknown kind %q", n, t.Truth.Kind)
		}
		k.Posts++
		if len(v.labels) > 0 {
			k.Flagged++
		}
		for _, l := range t.Truth.Labels {
			if slices.Contains(v.labels, l) {
				k.TrueLabel++
				break
			}
		}
		for i := range r.Labels {
			ls := &r.Labels[i]
			if ls.Label == verdict.LabelBrushing && (t.Truth.Kind == gen.MLM || t.Truth.Kind == gen.Fraud) {
				continue // see LabelScore
			}
			want, got := slices.Contains(t.Truth.Labels, ls.Label), slices.Contains(v.labels, ls.Label)
			switch {
			case want && got:
				ls.TP++
			case got:
				ls.FP++
			case want:
				ls.FN++
			}
		}
		isBrushing := slices.Contains(v.labels, verdict.LabelBrushing)
		if t.Truth.Kind == gen.Normal {
			r.NormalPosts++
			normalAuthors[t.AuthorID] = true
			if isBrushing {
				r.NormalBrushing++
				normalBrushing[t.AuthorID] = true
			}
		}
		if b := brushing[t.Truth.Kind]; b != nil {
			if copyNumber <= FirstCopies {
				b.Early++
				if isBrushing {
					b.EarlyBrushing++
				}
			} else {
				b.Later++
				if isBrushing {
					b.LaterBrushing++
				} else if len(b.LaterMissedExamples) < 10 {
					b.LaterMissedExamples = append(b.LaterMissedExamples, t.ID)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read truth: %w", err)
	}
	if r.Posts == 0 {
		return nil, errors.New("the truth file holds no posts")
	}
	for id := range byID {
		if !inTruth[id] {
			r.Extra++
		}
	}
	for i := range r.Labels {
		ls := &r.Labels[i]
		ls.Precision = ratio(ls.TP, ls.TP+ls.FP)
		ls.Rec = ratio(ls.TP, ls.TP+ls.FN)
	}
	r.NormalAuthors, r.NormalBrushingAuthors = len(normalAuthors), len(normalBrushing)
	return r, nil
}

func sameCounts(a, b *verdict.Repetition) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, y := *a, *b
	x.ClusterFirstSeen, y.ClusterFirstSeen = nil, nil
	if (a.ClusterFirstSeen == nil) != (b.ClusterFirstSeen == nil) ||
		a.ClusterFirstSeen != nil && !a.ClusterFirstSeen.Equal(*b.ClusterFirstSeen) {
		return false
	}
	return x == y
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Targets of the brushing issue, checked by Check.
const (
	TargetLaterCopies    = 0.99  // at least this share of 4th and later copies labelled brushing
	TargetNormalBrushing = 0.001 // at most this share of ordinary posts labelled brushing
)

// Check returns an error naming every brushing target the report misses,
// and any lost post.
func (r *Report) Check() error {
	var errs []error
	for _, b := range r.Brushing {
		if b.Later > 0 && ratio(b.LaterBrushing, b.Later) < TargetLaterCopies {
			errs = append(errs, fmt.Errorf("%s: %.2f%% of copies %d+ labelled brushing, want at least %.0f%%",
				b.Kind, 100*ratio(b.LaterBrushing, b.Later), FirstCopies+1, 100*TargetLaterCopies))
		}
	}
	if got := ratio(r.NormalBrushing, r.NormalPosts); got > TargetNormalBrushing {
		errs = append(errs, fmt.Errorf("%.3f%% of ordinary posts labelled brushing, want at most %.1f%%", 100*got, 100*TargetNormalBrushing))
	}
	if r.Missing > 0 {
		errs = append(errs, fmt.Errorf("%d posts without a verdict", r.Missing))
	}
	if r.Conflicts > 0 {
		errs = append(errs, fmt.Errorf("%d duplicate verdicts disagree with the first", r.Conflicts))
	}
	return errors.Join(errs...)
}

// WriteTo prints the report as text tables.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "posts %d, verdicts %d, missing %d, duplicate verdicts %d (conflicting %d), verdicts of unknown posts %d\n\n",
		r.Posts, r.Verdicts, r.Missing, r.Duplicate, r.Conflicts, r.Extra)
	fmt.Fprintf(&b, "%-8s %9s %9s %8s %10s\n", "kind", "posts", "flagged", "", "true label")
	for _, k := range r.Kinds {
		fmt.Fprintf(&b, "%-8s %9d %9d %7.2f%% %9.2f%%\n", k.Kind, k.Posts, k.Flagged, 100*ratio(k.Flagged, k.Posts), 100*ratio(k.TrueLabel, k.Posts))
	}
	fmt.Fprintf(&b, "\n(brushing is not scored on mlm and fraud posts: their accounts repost templates)\n")
	fmt.Fprintf(&b, "%-8s %9s %9s %9s %9s %9s\n", "label", "TP", "FP", "FN", "precision", "recall")
	for _, l := range r.Labels {
		fmt.Fprintf(&b, "%-8s %9d %9d %9d %8.2f%% %8.2f%%\n", l.Label, l.TP, l.FP, l.FN, 100*l.Precision, 100*l.Rec)
	}
	fmt.Fprintf(&b, "\nbrushing: copies of an ad (per campaign, in stream order) labelled brushing\n")
	fmt.Fprintf(&b, "%-8s %12s %9s %12s %9s   target\n", "kind", "copies 1-3", "brushing", "copies 4+", "brushing")
	for _, x := range r.Brushing {
		fmt.Fprintf(&b, "%-8s %12d %8.2f%% %12d %8.2f%%   >= %.0f%%\n", x.Kind, x.Early, 100*ratio(x.EarlyBrushing, x.Early),
			x.Later, 100*ratio(x.LaterBrushing, x.Later), 100*TargetLaterCopies)
	}
	fmt.Fprintf(&b, "ordinary posts labelled brushing: %d of %d (%.4f%%, target <= %.1f%%), by %d of %d ordinary authors\n",
		r.NormalBrushing, r.NormalPosts, 100*ratio(r.NormalBrushing, r.NormalPosts), 100*TargetNormalBrushing,
		r.NormalBrushingAuthors, r.NormalAuthors)
	for _, x := range r.Brushing {
		if len(x.LaterMissedExamples) > 0 {
			fmt.Fprintf(&b, "%s copies 4+ not labelled brushing, e.g. %s\n", x.Kind, strings.Join(x.LaterMissedExamples, " "))
		}
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}
