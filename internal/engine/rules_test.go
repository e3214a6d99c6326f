package engine

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/repetition"
	"github.com/circleguard/circleguard/internal/verdict"
	"github.com/circleguard/circleguard/rules"
)

// ruleYAML is one rule with a no_match and a match example that the
// caller's when must satisfy.
func ruleYAML(id, labels, action string, score float64, mode, when, match, noMatch string) string {
	return fmt.Sprintf(`  - id: %s
    description: test rule
    owner: tests
    labels: %s
    action: %s
    score: %v
    mode: %s
    when: %q
    examples:
      match: [%q]
      no_match: [%q]
`, id, labels, action, score, mode, when, match, noMatch)
}

// ruleSet loads rules (ruleYAML entries) as one file.
func ruleSet(t testing.TB, entries ...string) *rules.Set {
	t.Helper()
	s, err := rules.LoadFS(fstest.MapFS{"r.yaml": {Data: []byte("rules:\n" + strings.Join(entries, ""))}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var testNow = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

func decideWith(t *testing.T, e *Engine, text string) verdict.Verdict {
	t.Helper()
	p := post.Post{ID: "p1", AuthorID: "a1", Text: text, CreatedAt: testNow.Add(-time.Hour)}
	v, err := e.Decide(t.Context(), &p, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func engineWith(t testing.TB, s *rules.Set, opts ...Option) *Engine {
	t.Helper()
	e, err := New(rules.DefaultConfig(), DefaultClassifierConfig(), Repetition{}, append([]Option{WithRules(s)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestRuleHitsInReasons: an enforce hit is one reason per label of its
// rule, with the rule's score and its evidence, and counts in the labels.
func TestRuleHitsInReasons(t *testing.T) {
	s := ruleSet(t, ruleYAML("t.kite", "[sales, fraud]", "allow", 0.6, "enforce",
		`contains_any(text, ["风筝"])`, "放风筝", "早安"))
	e := engineWith(t, s)
	const text = "周末带娃去公园放风筝，天气真好"
	plain := decideWith(t, newEngine(t), text)
	v := decideWith(t, e, text)
	var got []verdict.Reason
	for _, r := range v.Reasons {
		if r.Kind == "rule" {
			got = append(got, r)
		}
	}
	want := []verdict.Reason{
		{Kind: "rule", ID: "t.kite", Label: "sales", Score: 0.6, Evidence: "keyword contains_any: 风筝"},
		{Kind: "rule", ID: "t.kite", Label: "fraud", Score: 0.6, Evidence: "keyword contains_any: 风筝"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rule reasons = %+v, want %+v", got, want)
	}
	// The rule's score joins the evidence: 0.6 passes label_threshold for
	// both labels, and the actions configured for them apply.
	if !slices.Equal(v.Labels, []string{"sales", "fraud"}) || v.Action != verdict.Review || v.Score < 0.6 {
		t.Errorf("verdict %s %v %v, want review [sales fraud] >= 0.6", v.Action, v.Labels, v.Score)
	}
	if plain.Action != verdict.Allow || len(plain.Labels) != 0 {
		t.Fatalf("without rules: %s %v", plain.Action, plain.Labels)
	}
	// Reasons: signals, then rules, then the classifier.
	if k := v.Reasons[len(v.Reasons)-1].Kind; k != "classifier" {
		t.Errorf("last reason is %s, want the classifier's", k)
	}
	if len(v.Shadow) != 0 {
		t.Errorf("shadow = %+v, want none", v.Shadow)
	}
}

// TestShadowDoesNotDecide: a shadow hit is listed in shadow only; the
// action, labels, score and reasons are those of no rules at all.
func TestShadowDoesNotDecide(t *testing.T) {
	s := ruleSet(t,
		ruleYAML("t.shadow-block", "[fraud]", "block", 1, "shadow", `contains_any(text, ["风筝"])`, "放风筝", "早安"),
		ruleYAML("t.off", "[fraud]", "block", 1, "off", `contains_any(text, ["风筝"])`, "放风筝", "早安"))
	for _, text := range []string{"周末带娃去公园放风筝，天气真好", "诚招一级代理放风筝，零门槛，宝妈在家也能月入过万，加微信 mlm888"} {
		plain := decideWith(t, newEngine(t), text)
		v := decideWith(t, engineWith(t, s), text)
		if v.Action != plain.Action || !slices.Equal(v.Labels, plain.Labels) || v.Score != plain.Score || fmt.Sprint(v.Reasons) != fmt.Sprint(plain.Reasons) {
			t.Errorf("%s: shadow changed the verdict: %s %v %v, without rules %s %v %v", text, v.Action, v.Labels, v.Score, plain.Action, plain.Labels, plain.Score)
		}
		if len(v.Shadow) != 1 || v.Shadow[0].ID != "t.shadow-block" || v.Shadow[0].Kind != "rule" || v.Shadow[0].Label != "fraud" || v.Shadow[0].Score != 1 {
			t.Errorf("%s: shadow = %+v, want the shadow rule only", text, v.Shadow)
		}
	}
}

// TestActionFloor: the strongest enforce action is a floor on the verdict's
// action, whatever the scores; it adds its rule's labels when it raises
// the action, and never lowers one.
func TestActionFloor(t *testing.T) {
	tests := []struct {
		name, action string
		score        float64
		text         string
		wantAction   string
		wantLabels   []string
	}{
		{"block with a low score blocks", "block", 0.1, "周末带娃去公园放风筝", verdict.Block, []string{"mlm"}},
		{"review floor", "review", 0, "周末带娃去公园放风筝", verdict.Review, []string{"mlm"}},
		{"allow changes nothing", "allow", 0, "周末带娃去公园放风筝", verdict.Allow, nil},
		{"a weaker floor keeps the stronger verdict", "limit", 0, "恭喜您中奖了！放风筝领奖需先缴纳手续费200元", verdict.Block, []string{"sales", "fraud"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ruleSet(t, ruleYAML("t.floor", "[mlm]", tt.action, tt.score, "enforce", `contains_any(text, ["风筝"])`, "放风筝", "早安"))
			v := decideWith(t, engineWith(t, s), tt.text)
			if v.Action != tt.wantAction || !slices.Equal(v.Labels, tt.wantLabels) {
				t.Errorf("verdict %s %v, want %s %v (reasons %+v)", v.Action, v.Labels, tt.wantAction, tt.wantLabels, v.Reasons)
			}
		})
	}
}

// swapSource is a RuleSource a test swaps, counting the reads.
type swapSource struct {
	set   atomic.Pointer[rules.Set]
	reads atomic.Int64
}

func (s *swapSource) Set() *rules.Set { s.reads.Add(1); return s.set.Load() }

// TestRulesVersion: rules_version hashes the active set's version with the
// policy; it changes with the rule set, and a batch reads the set once.
func TestRulesVersion(t *testing.T) {
	a := ruleSet(t, ruleYAML("t.a", "[mlm]", "review", 0.5, "enforce", `contains_any(text, ["风筝"])`, "放风筝", "早安"))
	b := ruleSet(t, ruleYAML("t.a", "[mlm]", "review", 0.5, "shadow", `contains_any(text, ["风筝"])`, "放风筝", "早安"))
	a2 := ruleSet(t, ruleYAML("t.a", "[mlm]", "review", 0.5, "enforce", `contains_any(text, ["风筝"])`, "放风筝", "早安"))
	if a.Version() == b.Version() || a.Version() != a2.Version() {
		t.Fatalf("set versions: %s %s %s", a.Version(), b.Version(), a2.Version())
	}
	none := newEngine(t)
	src := &swapSource{}
	src.set.Store(a)
	e, err := New(rules.DefaultConfig(), DefaultClassifierConfig(), Repetition{}, WithRuleSource(src))
	if err != nil {
		t.Fatal(err)
	}
	va := e.RulesVersion()
	if va == none.RulesVersion() || va != engineWith(t, a2).RulesVersion() || !strings.HasPrefix(va, "r-") || len(va) != 14 {
		t.Fatalf("rules_version %s (no rules %s, same set %s)", va, none.RulesVersion(), engineWith(t, a2).RulesVersion())
	}
	if v := decideWith(t, e, "放风筝"); v.RulesVersion != va || v.Action != verdict.Review {
		t.Fatalf("verdict under a: %s %s, want %s review", v.RulesVersion, v.Action, va)
	}
	src.set.Store(b)
	if v := decideWith(t, e, "放风筝"); v.RulesVersion == va || v.RulesVersion != e.RulesVersion() || v.Action != verdict.Allow {
		t.Fatalf("verdict after the swap: %s %s, want a new version (not %s) and allow", v.RulesVersion, v.Action, va)
	}
	// Another policy, same rules: another version.
	cfg := rules.DefaultConfig()
	cfg.LabelThreshold = 0.6
	other, err := New(cfg, DefaultClassifierConfig(), Repetition{}, WithRules(a))
	if err != nil {
		t.Fatal(err)
	}
	if other.RulesVersion() == va {
		t.Error("a policy change kept the rules_version")
	}

	g, _ := gen.New(gen.Config{Seed: 5})
	batch := make([]post.Post, 500)
	for i := range batch {
		batch[i] = g.Next().Post
	}
	src.reads.Store(0)
	vs, err := decideBatch(t.Context(), e, batch, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := src.reads.Load(); n != 1 {
		t.Errorf("a batch read the rule set %d times, want once", n)
	}
	for _, v := range vs {
		if v.RulesVersion != vs[0].RulesVersion {
			t.Fatalf("one batch, two rules_versions: %s %s", vs[0].RulesVersion, v.RulesVersion)
		}
	}
}

// TestFeatures checks what the rules see of a post: a rule per feature
// group, each true only when the engine filled the group as documented.
func TestFeatures(t *testing.T) {
	s := ruleSet(t,
		ruleYAML("t.author", "[sales]", "allow", 0, "shadow", `author.id == "a1" && author.account_age_days == 30 && author.friends == 7`, "x", "y"),
		ruleYAML("t.author-unknown", "[sales]", "allow", 0, "shadow", `author.account_age_days == -1 && author.friends == -1`, "x", "y"),
		ruleYAML("t.text", "[sales]", "allow", 0, "shadow", `post_id != "" && created_at > 0 && lang == "zh" && text contains "wechat" && len(entities.wechat_ids) == 1 && len(entities.prices) == 1 && entities.prices[0] == 99`, "x", "y"),
		ruleYAML("t.signals", "[sales]", "allow", 0, "shadow", `"contact.wechat" in signals && classifier.sales > 0.9 && classifier.fraud < 0.5`, "x", "y"),
		ruleYAML("t.repetition", "[sales]", "allow", 0, "shadow", `repetition.known && repetition.author_copies_24h == 2 && repetition.cluster_age_seconds == 60 && repetition.cluster != ""`, "x", "y"),
		ruleYAML("t.no-repetition", "[sales]", "allow", 0, "shadow", `!repetition.known && repetition.author_posts_24h == 0`, "x", "y"),
	)
	// The examples above are placeholders: this test does not Check them.
	store, err := repetition.NewMemory(repetition.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	withStore, err := New(rules.DefaultConfig(), DefaultClassifierConfig(), Repetition{Store: store}, WithRules(s))
	if err != nil {
		t.Fatal(err)
	}
	created := testNow.Add(-30*24*time.Hour - time.Hour)
	friends := int64(7)
	const ad = "正品面膜 ¥99 包邮！加薇 信 V❤ abc12345 咨询下单"
	p1 := post.Post{ID: "p1", AuthorID: "a1", Text: ad, Lang: "zh", CreatedAt: testNow.Add(-time.Minute),
		Author: &post.Author{AccountCreatedAt: &created, Friends: &friends}}
	p2 := p1
	p2.ID, p2.CreatedAt = "p2", testNow
	vs, err := decideBatch(t.Context(), withStore, []post.Post{p1, p2}, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	shadow := func(v verdict.Verdict) []string {
		var ids []string
		for _, r := range v.Shadow {
			ids = append(ids, r.ID)
		}
		return ids
	}
	if got, want := shadow(vs[1]), []string{"t.author", "t.text", "t.signals", "t.repetition"}; !slices.Equal(got, want) {
		t.Errorf("second copy: shadow hits %v, want %v", got, want)
	}
	p3 := post.Post{ID: "p3", AuthorID: "a2", Text: ad, CreatedAt: testNow}
	if got, want := shadow(decideWith(t, engineWith(t, s), p3.Text)), []string{"t.author-unknown", "t.signals", "t.no-repetition"}; !slices.Equal(got, want) {
		t.Errorf("no store, no author: shadow hits %v, want %v", got, want)
	}
}

// TestTokensOnlyWhenRead: the rules' tokens are computed only for a set
// that reads them.
func TestTokensOnlyWhenRead(t *testing.T) {
	reads := ruleSet(t, ruleYAML("t.tok", "[sales]", "allow", 0, "shadow", `"风筝" in tokens && "$price" in tokens`, "x", "y"))
	other := ruleSet(t, ruleYAML("t.len", "[sales]", "allow", 0, "shadow", `len(tokens) == 0`, "x", "y"))
	if !reads.Reads("tokens") || !other.Reads("tokens") || ruleSet(t, ruleYAML("t.x", "[sales]", "allow", 0, "shadow", `text == "x"`, "x", "y")).Reads("tokens") {
		t.Fatal("Set.Reads(tokens) is wrong")
	}
	if v := decideWith(t, engineWith(t, reads), "放风筝 ¥20"); len(v.Shadow) != 1 {
		t.Errorf("a rule on tokens did not see them: %+v", v.Shadow)
	}
	if v := decideWith(t, engineWith(t, other), "放风筝 ¥20"); len(v.Shadow) != 0 {
		t.Errorf("tokens empty for a rule that reads them: %+v", v.Shadow)
	}
}

// TestDecideBatchSets: deciding under two sets at once gives what two
// engines with two stores give, post for post.
func TestDecideBatchSets(t *testing.T) {
	def, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	shadowed := ruleSet(t, ruleYAML("t.kite", "[fraud]", "block", 0.9, "enforce", `contains_any(text, ["代理", "team"])`, "代理", "早安"))
	sets := []*rules.Set{def, nil, shadowed}
	newStore := func() repetition.Store {
		m, err := repetition.NewMemory(repetition.MemoryConfig{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}
	shared, err := New(rules.DefaultConfig(), DefaultClassifierConfig(), Repetition{Store: newStore()})
	if err != nil {
		t.Fatal(err)
	}
	var single []*Engine
	for _, s := range sets {
		e, err := New(rules.DefaultConfig(), DefaultClassifierConfig(), Repetition{Store: newStore()}, WithRules(s))
		if err != nil {
			t.Fatal(err)
		}
		single = append(single, e)
	}
	g, _ := gen.New(gen.Config{Seed: 11})
	for range 3 {
		batch := make([]post.Post, 700)
		for i := range batch {
			batch[i] = g.Next().Post
		}
		dst := make([][]verdict.Verdict, len(sets))
		if err := shared.DecideBatchSets(t.Context(), batch, testNow, sets, dst); err != nil {
			t.Fatal(err)
		}
		for k, e := range single {
			want, err := decideBatch(t.Context(), e, batch, testNow, nil)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := jsonOf(t, want), jsonOf(t, dst[k]); a != b {
				t.Fatalf("set %d: DecideBatchSets differs from DecideBatch:\n%s\n%s", k, a, b)
			}
		}
	}
	if err := shared.DecideBatchSets(t.Context(), nil, testNow, sets, nil); err == nil {
		t.Error("DecideBatchSets accepted a dst of the wrong length")
	}
}

func jsonOf(t *testing.T, vs []verdict.Verdict) string {
	t.Helper()
	var b []byte
	for i := range vs {
		var err error
		if b, err = vs[i].Append(b); err != nil {
			t.Fatal(err)
		}
		b = append(b, '\n')
	}
	return string(b)
}

// TestExampleAnalyzer: an example is analysed as a post seen for the first
// time.
func TestExampleAnalyzer(t *testing.T) {
	analyze, err := ExampleAnalyzer(DefaultClassifierConfig(), newEngine(t).hasher.Config())
	if err != nil {
		t.Fatal(err)
	}
	f, err := analyze(rules.Example{Text: "诚招一级代理，零门槛，宝妈在家也能月入过万，加微信 mlm888", Lang: "zh"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Classifier.MLM < 0.9 || !slices.Contains(f.Signals, "mlm.phrase") || len(f.Entities.WeChatIDs) != 1 || len(f.Tokens) == 0 {
		t.Errorf("analysis: classifier %+v signals %v entities %+v tokens %d", f.Classifier, f.Signals, f.Entities, len(f.Tokens))
	}
	r := f.Repetition
	if !r.Known || r.AuthorPosts1h != 1 || r.AuthorPosts24h != 1 || r.AuthorCopies24h != 1 || r.Cluster == "" || r.ClusterCopies24h != 1 || r.ClusterAuthors24h != 1 {
		t.Errorf("repetition = %+v, want a first post", r)
	}
	if f.PostID != "" || f.CreatedAt != 0 || f.Author != (rules.AuthorFeatures{AccountAgeDays: rules.Unknown, Friends: rules.Unknown}) {
		t.Errorf("post and author = %q %d %+v, want unknown", f.PostID, f.CreatedAt, f.Author)
	}
	f, err = analyze(rules.Example{Text: "早安"})
	if err != nil {
		t.Fatal(err)
	}
	if r := f.Repetition; !r.Known || r.Cluster != "" || r.AuthorCopies24h != 0 || r.AuthorPosts24h != 1 {
		t.Errorf("trivial text: repetition = %+v, want no cluster", r)
	}
	// The default pack's examples pass through it.
	def, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	if errs := def.Check(analyze); len(errs) > 0 {
		t.Errorf("default pack examples fail under the engine's analysis: %v", errs)
	}
}

// TestDecideWithDefaultRules guards the default pack on the generated
// stream: with it, ordinary posts stay (almost) unflagged, and nothing is
// flagged that the engine without rules allowed but the truth says clean
// more than rarely.
func TestDecideWithDefaultRules(t *testing.T) {
	def, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	with, without := engineWith(t, def), newEngine(t)
	g, _ := gen.New(gen.Config{Seed: 3})
	var normal, flagged, flaggedWithout, ruleReasons int
	for range 10000 {
		it := g.Next()
		v, err := with.Decide(t.Context(), &it.Post, testNow)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range v.Reasons {
			if r.Kind == "rule" {
				ruleReasons++
			}
		}
		if it.Truth.Kind != gen.Normal {
			continue
		}
		normal++
		w, _ := without.Decide(t.Context(), &it.Post, testNow)
		if v.Action != verdict.Allow {
			flagged++
		}
		if w.Action != verdict.Allow {
			flaggedWithout++
		}
	}
	t.Logf("ordinary posts flagged: %d of %d with the default pack, %d without rules; %d rule reasons", flagged, normal, flaggedWithout, ruleReasons)
	if flagged > flaggedWithout+normal/1000 {
		t.Errorf("the default pack flags %d more ordinary posts (of %d)", flagged-flaggedWithout, normal)
	}
	if ruleReasons == 0 {
		t.Error("no rule fired on the generated stream")
	}
}
