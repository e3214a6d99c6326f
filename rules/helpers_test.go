package rules

import (
	"github.com/circleguard/circleguard/internal/textnorm"
)

// testTokenizer is shared by the tests' analyzer; it is safe for
// concurrent use.
var testTokenizer = textnorm.NewTokenizer()

// analyze is the tests' analyzer: the text pipeline of textnorm, with no
// classifier and no repetition store, as `circleguard rules check` does.
func analyze(x Example) (*Features, error) {
	f := new(Features)
	ResetFeatures(f)
	f.Text = textnorm.Normalize(x.Text)
	e := textnorm.Extract(x.Text, f.Text, x.Links)
	SetEntities(&f.Entities, &e)
	f.Lang = x.Lang
	f.Tokens = testTokenizer.Append(nil, f.Text, x.Lang, &e)
	return f, nil
}

// featuresOf analyses a text.
func featuresOf(text string) *Features {
	f, _ := analyze(Example{Text: text})
	return f
}
