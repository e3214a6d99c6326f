package classifiers

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/circleguard/circleguard/internal/textnorm"
)

// Signal is one piece of evidence found in a post.
type Signal struct {
	// ID is stable and dotted, one of the ID constants, e.g. "contact.wechat".
	ID string
	// Label is the label the signal argues for: LabelSales, LabelMLM,
	// LabelFraud, or "" for neutral evidence.
	Label string
	// Weight in 0..1 is how strongly this signal alone suggests Label.
	Weight float64
	// Evidence is short (at most MaxEvidence bytes of valid UTF-8): the phrase
	// matched, "wechat", a masked contact ("138***"), the host of a link, the
	// price ("¥99").
	Evidence string
}

// Signal IDs, in the order Detect reports them.
const (
	IDWeChat = "contact.wechat"
	IDQQ     = "contact.qq"
	IDPhone  = "contact.phone"
	IDNumber = "contact.number"
	IDLink   = "link"
	IDPrice  = "price"
	IDSales  = "sales.phrase"
	IDMLM    = "mlm.phrase"
	IDFraud  = "fraud.phrase"
)

// Labels a signal may argue for.
const (
	LabelSales = "sales"
	LabelMLM   = "mlm"
	LabelFraud = "fraud"
)

// MaxEvidence is the maximum length of Signal.Evidence in bytes.
const MaxEvidence = 64

// slot indexes the per-post findings; the order is the output order.
type slot uint8

const (
	slotWeChat slot = iota
	slotQQ
	slotPhone
	slotNumber
	slotLink
	slotPrice
	slotSales
	slotMLM
	slotFraud
	numSlots
)

var slotIDs = [numSlots]string{IDWeChat, IDQQ, IDPhone, IDNumber, IDLink, IDPrice, IDSales, IDMLM, IDFraud}

var slotLabels = [numSlots]string{
	LabelSales, LabelSales, LabelSales, LabelSales, LabelSales, LabelSales,
	LabelSales, LabelMLM, LabelFraud,
}

// Weights of the detectors that are not phrase-table entries.
const (
	weightWeChatID  = 0.5
	weightWeChatCue = 0.4
	weightQQ        = 0.45
	weightPhone     = 0.45
	weightNumber    = 0.35
	weightLink      = 0.2
	weightPrice     = 0.3
	weightPayShip   = 0.65 // pay first + ship
	// deposit + ship stays below the default label threshold (0.5): honest
	// pre-orders (交定金，下月发货) read the same.
	weightDepositShip = 0.45
	weightPrizeFee    = 0.8 // prize + fee
)

// findings collects the best signal per slot while a post is scanned.
type findings struct {
	set [numSlots]bool
	sig [numSlots]Signal
}

// wants reports whether a signal of weight w in slot s would be kept, so
// callers can skip building evidence that would be thrown away.
func (f *findings) wants(s slot, w float64) bool {
	return !f.set[s] || w > f.sig[s].Weight
}

// offer keeps the signal if it is the first or the strongest so far in its
// slot; on a tie the earlier one stays.
func (f *findings) offer(s slot, w float64, evidence string) {
	if !f.wants(s, w) {
		return
	}
	f.set[s] = true
	f.sig[s] = Signal{ID: slotIDs[s], Label: slotLabels[s], Weight: w, Evidence: clip(evidence)}
}

// Detect appends the signals found in a post to dst and returns the
// extended slice: e are the post's entities (textnorm.Extract of its text,
// matching form and links) and norm its matching form (textnorm.Normalize
// output), where phrases are looked for. A nil e is read from norm alone
// (no links). Each ID appears at most once, with its strongest evidence, in
// the order of the ID constants. Detect never panics, whatever its input,
// and is safe for concurrent use.
func Detect(dst []Signal, e *textnorm.Entities, norm string) []Signal {
	if e == nil {
		ents := textnorm.Extract("", norm, nil)
		e = &ents
	}
	var f findings
	scanContacts(&f, e, norm)
	scanNumbers(&f, e)
	scanPhrases(&f, norm)
	scanLinks(&f, e)
	for s := range numSlots {
		if f.set[s] {
			dst = append(dst, f.sig[s])
		}
	}
	return dst
}

// clip returns s as valid UTF-8 of at most MaxEvidence bytes, cut at a rune
// boundary.
func clip(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	if len(s) <= MaxEvidence {
		return s
	}
	n := MaxEvidence
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// mask keeps the first three bytes of an ASCII contact and hides the rest.
func mask(contact string) string {
	if len(contact) > 3 {
		contact = contact[:3]
	}
	return contact + "***"
}

// Version returns a short content hash of the built-in detectors: their
// weights and phrase table. It changes whenever what Detect reports for some
// input may change, and is reported as the model version of verdicts.
func Version() string { return version }

var version = computeVersion()

// detectorRevision is bumped when detector code changes behaviour in a way
// the tables do not show.
const detectorRevision = "builtin-2"

func computeVersion() string {
	h := sha256.New()
	h.Write([]byte(detectorRevision))
	for _, w := range []float64{weightWeChatID, weightWeChatCue, weightQQ, weightPhone, weightNumber, weightLink, weightPrice, weightPayShip, weightDepositShip, weightPrizeFee} {
		h.Write(strconv.AppendFloat(nil, w, 'g', -1, 64))
	}
	for _, k := range keywordTable {
		h.Write([]byte(k.text))
		h.Write([]byte{0, byte(k.slot), byte(k.tags), byte(k.need)})
		h.Write(strconv.AppendFloat(nil, k.weight, 'g', -1, 64))
	}
	return detectorRevision + "-" + hex.EncodeToString(h.Sum(nil)[:6])
}
