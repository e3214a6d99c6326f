package rules_test

import (
	"fmt"
	"testing/fstest"

	"github.com/circleguard/circleguard/internal/textnorm"
	"github.com/circleguard/circleguard/rules"
)

// A rules directory with one rule and one list; a post that hits it.
func ExampleLoadFS() {
	fsys := fstest.MapFS{
		"mlm.yaml": {Data: []byte(`rules:
  - id: mlm.recruit-denied-author
    description: Agent recruitment by an author on the deny list
    owner: trust-team
    labels: [mlm]
    action: block
    score: 0.9
    mode: shadow
    when: in_list("deny_authors", author.id) && contains_any(text, ["招代理", "一级代理"])
    examples:
      match: [{text: 诚招代理, author: {id: spammer-1}}]
      no_match: [{text: 诚招代理, author: {id: friend-1}}]
`)},
		"lists/deny_authors.txt": {Data: []byte("# one author id a line\nspammer-1\n")},
	}
	set, err := rules.LoadFS(fsys)
	if err != nil {
		fmt.Println(err)
		return
	}
	var f rules.Features
	rules.ResetFeatures(&f)
	f.Text = "诚招代理,一件代发" // the matching form (textnorm.Normalize)
	f.Author.ID = "spammer-1"
	for _, h := range set.Eval(&f, nil) {
		fmt.Println(h.Rule, h.Mode, h.Action, h.Labels)
		fmt.Println(h.EvidenceString())
	}
	// Output:
	// mlm.recruit-denied-author shadow block [mlm]
	// list deny_authors: spammer-1; keyword contains_any: 招代理
}

// The default pack on posts analysed by the text pipeline, as `circleguard
// rules check` does; the engine adds classifier and repetition features.
func ExampleDefault() {
	set, err := rules.Default()
	if err != nil {
		fmt.Println(err)
		return
	}
	tok := textnorm.NewTokenizer()
	for _, text := range []string{
		"今天和朋友吃火锅花了200块",
		"宝妈在家躺赚，零门槛，一件代发，加我带你进团队",
		"恭喜您抽中iPhone 15，请支付9.9元保价费领取",
	} {
		var f rules.Features
		rules.ResetFeatures(&f)
		f.Text = textnorm.Normalize(text)
		e := textnorm.Extract(text, f.Text, nil)
		rules.SetEntities(&f.Entities, &e)
		f.Tokens = tok.Append(nil, f.Text, "", &e)
		fmt.Printf("%s:", text)
		for _, h := range set.Eval(&f, nil) {
			fmt.Printf(" %s(%s)", h.Rule, h.Action)
		}
		fmt.Println()
	}
	// Output:
	// 今天和朋友吃火锅花了200块:
	// 宝妈在家躺赚，零门槛，一件代发，加我带你进团队: mlm.no-stock-no-barrier(review) mlm.stay-at-home-income(review) mlm.income-claim(review)
	// 恭喜您抽中iPhone 15，请支付9.9元保价费领取: fraud.prize-fee(block)
}
