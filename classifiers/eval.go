package classifiers

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/circleguard/circleguard/internal/textnorm"
)

// Report is the outcome of Evaluate.
type Report struct {
	Model     string        `json:"model"`
	Data      []string      `json:"data"`
	Examples  int           `json:"examples"`
	Threshold float64       `json:"threshold"`
	Labels    []LabelReport `json:"labels"`
	// HamExamples counts the clean examples; HamFPR is the share of them
	// with any label at or above the threshold.
	HamExamples int     `json:"ham_examples"`
	HamFPR      float64 `json:"ham_false_positive_rate"`
	// Confusion counts examples by true class (their first label, or ham)
	// and predicted class (the most probable label at or above the
	// threshold, or ham), in the order of Classes.
	Classes   []string `json:"classes"`
	Confusion [][]int  `json:"confusion"`
	// Warning is set when the model was trained on (some of) this data: the
	// scores are then not held-out estimates.
	Warning string `json:"warning,omitempty"`
	// Note says how the data relates to the model, e.g. a held-out split.
	Note string `json:"note,omitempty"`
}

// LabelReport is one label's figures at the threshold, and its ranking
// quality over all thresholds.
type LabelReport struct {
	Label     string  `json:"label"`
	Positives int     `json:"positives"`
	Negatives int     `json:"negatives"`
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	TN        int     `json:"tn"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	AUC       float64 `json:"roc_auc"`
	// RecallAtP90 is the best recall at any threshold whose precision is at
	// least 0.90 (0 if none reaches it).
	RecallAtP90 float64 `json:"recall_at_precision_90"`
	// ECE is the expected calibration error over ten probability bins: the
	// example-weighted mean gap between predicted probability and observed
	// frequency. 0 is perfectly calibrated.
	ECE float64 `json:"calibration_error"`
}

// Evaluate scores every example of d with m. Labels of d that m does not
// predict are an error (rename them with a mapping when reading the data);
// a model label the data does not know is reported only on the examples
// where it is known (ham everywhere, plus files that use it).
func Evaluate(m *Model, d *Dataset, threshold float64) (Report, error) {
	for _, l := range d.Labels() {
		if !slices.Contains(m.hdr.Labels, l) {
			return Report{}, fmt.Errorf("evaluate: the data's label %q is not one of the model's %v (map it, e.g. -map %s=%s)", l, m.hdr.Labels, l, m.hdr.Labels[0])
		}
	}
	r := Report{Model: m.version, Examples: len(d.Examples), Threshold: threshold, Classes: append([]string{Ham}, m.hdr.Labels...)}
	for _, f := range d.Files {
		r.Data = append(r.Data, f.Path)
		for _, t := range m.hdr.Training.Data {
			if t.SHA256 == f.SHA256 {
				r.Warning = fmt.Sprintf("the model was trained on %s (%d of its examples): these scores are not held-out estimates", f.Path, t.Examples)
			}
		}
	}
	L := len(m.hdr.Labels)
	r.Confusion = make([][]int, L+1)
	for i := range r.Confusion {
		r.Confusion[i] = make([]int, L+1)
	}
	perLabel := make([][]scored, L)
	for _, ex := range d.Examples {
		norm := textnorm.Normalize(ex.Text)
		pred := m.Predict(norm, ex.Lang, entities(ex.Text, norm))
		best, bestP := 0, threshold
		for l, name := range m.hdr.Labels {
			p := pred.Probs[l]
			if p >= bestP {
				best, bestP = l+1, p
			}
			known := len(ex.Labels) == 0 || slices.Contains(d.Known[ex.File], name)
			if known {
				perLabel[l] = append(perLabel[l], scored{p, slices.Contains(ex.Labels, name)})
			}
		}
		truth := 0
		if len(ex.Labels) > 0 {
			truth = 1 + slices.Index(m.hdr.Labels, ex.Labels[0])
		} else {
			r.HamExamples++
			if best > 0 {
				r.HamFPR++
			}
		}
		r.Confusion[truth][best]++
	}
	if r.HamExamples > 0 {
		r.HamFPR /= float64(r.HamExamples)
	}
	for l, name := range m.hdr.Labels {
		lr := LabelReport{Label: name}
		s := perLabel[l]
		for _, x := range s {
			switch {
			case x.pos && x.p >= threshold:
				lr.TP++
			case x.pos:
				lr.FN++
			case x.p >= threshold:
				lr.FP++
			default:
				lr.TN++
			}
		}
		lr.Positives, lr.Negatives = lr.TP+lr.FN, lr.FP+lr.TN
		lr.Precision = ratio(lr.TP, lr.TP+lr.FP)
		lr.Recall = ratio(lr.TP, lr.TP+lr.FN)
		if lr.Precision+lr.Recall > 0 {
			lr.F1 = 2 * lr.Precision * lr.Recall / (lr.Precision + lr.Recall)
		}
		lr.ECE = calibrationError(s)
		lr.AUC, lr.RecallAtP90 = ranking(s, lr.Positives, lr.Negatives)
		r.Labels = append(r.Labels, lr)
	}
	return r, nil
}

// scored is one example's probability for a label and whether it has it.
type scored struct {
	p   float64
	pos bool
}

// ranking returns the ROC-AUC (the share of (positive, negative) pairs in
// the right order, ties counted half) and the best recall at any threshold
// whose precision is at least 0.90. It sorts s.
func ranking(s []scored, positives, negatives int) (auc, recallAtP90 float64) {
	sort.Slice(s, func(i, j int) bool { return s[i].p > s[j].p })
	var tp, fp, pairs float64
	for i := 0; i < len(s); {
		j := i
		var tpTie, fpTie float64
		for j < len(s) && s[j].p == s[i].p {
			if s[j].pos {
				tpTie++
			} else {
				fpTie++
			}
			j++
		}
		pairs += fpTie * (tp + tpTie/2)
		tp += tpTie
		fp += fpTie
		if tp > 0 && tp/(tp+fp) >= 0.9 && positives > 0 {
			recallAtP90 = max(recallAtP90, tp/float64(positives))
		}
		i = j
	}
	if positives > 0 && negatives > 0 {
		auc = pairs / float64(positives*negatives)
	}
	return auc, recallAtP90
}

// calibrationError is the expected calibration error over ten equal-width
// bins of predicted probability.
func calibrationError(s []scored) float64 {
	var sumP, pos, n [10]float64
	for _, x := range s {
		b := min(int(x.p*10), 9)
		sumP[b] += x.p
		n[b]++
		if x.pos {
			pos[b]++
		}
	}
	var ece, total float64
	for b := range n {
		if n[b] > 0 {
			ece += n[b] * math.Abs(sumP[b]/n[b]-pos[b]/n[b])
			total += n[b]
		}
	}
	if total == 0 {
		return 0
	}
	return ece / total
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// WriteText prints the report for people.
func (r Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "model %s on %s: %d examples (%d ham), threshold %.2f\n", r.Model, strings.Join(r.Data, ", "), r.Examples, r.HamExamples, r.Threshold)
	if r.Warning != "" {
		fmt.Fprintf(w, "WARNING: %s\n", r.Warning)
	}
	if r.Note != "" {
		fmt.Fprintf(w, "%s\n", r.Note)
	}
	fmt.Fprintf(w, "\n%-10s %6s %6s %9s %7s %7s %8s %10s %7s\n", "label", "pos", "neg", "precision", "recall", "F1", "ROC-AUC", "R@P≥0.90", "ECE")
	for _, l := range r.Labels {
		fmt.Fprintf(w, "%-10s %6d %6d %9.4f %7.4f %7.4f %8.4f %10.4f %7.4f\n", l.Label, l.Positives, l.Negatives, l.Precision, l.Recall, l.F1, l.AUC, l.RecallAtP90, l.ECE)
	}
	fmt.Fprintf(w, "\nham false-positive rate: %.4f (%d ham examples)\n", r.HamFPR, r.HamExamples)
	fmt.Fprintf(w, "\nconfusion (rows: true, columns: predicted)\n%-10s", "")
	for _, c := range r.Classes {
		fmt.Fprintf(w, " %8s", c)
	}
	fmt.Fprintln(w)
	for i, row := range r.Confusion {
		fmt.Fprintf(w, "%-10s", r.Classes[i])
		for _, n := range row {
			fmt.Fprintf(w, " %8d", n)
		}
		fmt.Fprintln(w)
	}
}
