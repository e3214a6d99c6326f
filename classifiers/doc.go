// Package classifiers turns post text into evidence: the built-in signals
// (Detect) and the trained classifier (Model), with its training data
// reader, trainer and evaluation. It does not decide anything; the rules
// package combines the evidence.
//
// # Signals
//
// Detect reads a post's entities (textnorm.Extract) and the matching form of
// its text (textnorm.Normalize) and reports Signals — a contact handle, a
// link, a price, a sales, recruitment (MLM) or fraud phrase — each with the
// label it argues for, a hand-set weight in 0..1 and a short piece of
// evidence:
//
//   - contact.wechat, contact.qq, contact.phone, contact.number: WeChat and
//     QQ ids after their (folded) trigger words, Chinese mobile numbers
//     however they are written, other runs of nine or more digits. Label
//     sales; evidence masked to its first three characters ("138***").
//   - link: a host in the post's links or its text; evidence is the host.
//   - price: an amount with a currency sign or unit (¥99, $9.99, 99元, 5w) or
//     a price word (包邮, 特价, 8折, half price); label sales.
//   - sales.phrase, mlm.phrase, fraud.phrase: phrases from a fixed bilingual
//     table (代购, 招代理, 零门槛, 稳赚不赔, "order now", "be your own boss",
//     "guaranteed returns" …), plus combinations that are stronger than their
//     parts, all fraud: pay-first + ship and prize + fee.
//
// Chinese phrases match anywhere; English phrases match whole words only.
// Each signal ID appears at most once per post, in a fixed order. Evidence is
// valid UTF-8 of at most 64 bytes. Version is a hash of the tables and
// weights.
//
// # The classifier
//
// Model is a multi-label (one-vs-rest) logistic regression over hashed
// features: the tokens of textnorm.Tokenizer (stemmed Latin words, Han
// unigrams and bigrams, digit buckets, entity tokens; emoji-count tokens are
// left out) and pairs of neighbouring Latin words, hashed with FNV-1a into a
// power-of-two number of buckets, each token worth 1/sqrt(n). Train fits each
// label with AdaGrad and calibrates it with Platt scaling fitted on
// out-of-fold scores; a corpus that never uses a label gives no negatives for
// it except from its ham. Evaluate reports precision, recall, F1, ROC-AUC,
// recall at precision 0.90, the calibration error and the confusion matrix,
// and warns when the data is what the model was trained on.
//
// A model file is the line "circleguard-model/1", a JSON header (labels,
// buckets, bias, calibration, training metadata: data files with their
// SHA-256, weights, seed, epochs) and the float32 weights; its SHA-256 is the
// model's version. ReadModel rejects any defect with an error wrapping
// ErrModel. DefaultModel is the model embedded in the binary, built by `make
// model`; TestDefaultModelReproducible retrains it from the recorded settings
// and fails if one byte differs, so any change to the text analysis must come
// with `make model`.
//
// Detect, Model.Predict and Evaluate are safe for concurrent use.
//
// Known limits: no negation ("不包邮" still reads as 包邮), no spelled-out
// links (www点xx点com), the signal weights are hand-set, and the default
// model's seed corpus is small (3,222 posts) next to real traffic.
package classifiers
