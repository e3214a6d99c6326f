package rules

import (
	"reflect"
	"strings"
)

// Doc describes one feature or helper an expression can use; Reference
// lists them for `circleguard rules features`.
type Doc struct {
	// Kind is "feature" or "helper".
	Kind string
	// Name is the feature's name in expressions ("repetition.cluster") or
	// the helper's call form ("contains_any(s, keywords)").
	Name string
	// Type is the feature's type or the helper's result: string, int,
	// float, bool, []string, []float.
	Type string
	// Doc says what it is.
	Doc string
	// Example is a when that uses it.
	Example string
}

// feature is one field of Features as expressions name it.
type feature struct {
	name  string
	index []int
	typ   reflect.Type
}

// scalar reports whether the feature's value is worth showing as evidence.
func (f feature) scalar() bool {
	switch f.typ.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int64, reflect.Float64:
		return true
	}
	return false
}

// features lists every feature, groups included, in struct order;
// featureByName indexes it.
var features, featureByName = func() ([]feature, map[string]feature) {
	var list []feature
	var walk func(t reflect.Type, prefix string, index []int)
	walk = func(t reflect.Type, prefix string, index []int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("expr")
			if !sf.IsExported() || tag == "" {
				continue
			}
			f := feature{name: prefix + tag, index: append(append([]int(nil), index...), i), typ: sf.Type}
			list = append(list, f)
			if sf.Type.Kind() == reflect.Struct {
				walk(sf.Type, f.name+".", f.index)
			}
		}
	}
	walk(reflect.TypeFor[Features](), "", nil)
	m := make(map[string]feature, len(list))
	for _, f := range list {
		m[f.name] = f
	}
	return list, m
}()

// lookupFeature finds a feature by its name's parts.
func lookupFeature(keys []string) (feature, bool) {
	f, ok := featureByName[strings.Join(keys, ".")]
	return f, ok
}

// typeName names a feature type as the reference shows it.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int64:
		return "int"
	case reflect.Float64:
		return "float"
	case reflect.Slice:
		return "[]" + typeName(t.Elem())
	case reflect.Struct:
		return "group"
	}
	return t.String()
}

// featureDocs documents each feature: what it is, and an example.
var featureDocs = map[string][2]string{
	"post_id":                        {"the post's id", `post_id != ""`},
	"created_at":                     {"event time of the post, Unix seconds; 0 unknown", `created_at > 1767225600`},
	"text":                           {"the text in matching form: lower-case, NFKC, look-alikes folded, 微信/vx/V❤ → \"wechat\", QQ forms → \"qq\"", `contains_any(text, ["招代理", "一级代理"])`},
	"tokens":                         {"classifier tokens: stemmed Latin words, Han unigrams and bigrams, \"$phone\", \"$url\", \"$price\" …", `"$phone" in tokens`},
	"lang":                           {"language hint (zh, en …), \"\" unknown", `lang == "en" && contains_any(text, ["join my team"])`},
	"entities":                       {"the entities read from the text and links", ""},
	"entities.urls":                  {"links and URLs in the text", `len(entities.urls) > 0`},
	"entities.domains":               {"lower-case hosts of the URLs, each once", `any_in_list("scam_domains", entities.domains)`},
	"entities.phones":                {"Chinese mobile numbers, 11 digits without +86", `len(entities.phones) > 0 && len(entities.prices) > 0`},
	"entities.wechat_ids":            {"WeChat ids next to a WeChat token (\"wechat: lily_888\")", `len(entities.wechat_ids) > 0`},
	"entities.qq_ids":                {"QQ numbers next to a QQ token", `len(entities.qq_ids) > 0`},
	"entities.prices":                {"amounts of money in text order, 万/w/k multiplied out", `any(entities.prices, # >= 10000)`},
	"entities.percents":              {"percentages in text order (百分之三十 is 30)", `any(entities.percents, # >= 10)`},
	"entities.return_claim":          {"a percentage or amount tied to a return/income word (日收益30%, 月入3w)", `entities.return_claim`},
	"entities.emoji":                 {"number of emoji in the original text", `entities.emoji >= 5`},
	"entities.hashtags":              {"#话题# and #tag topics without '#'", `"副业" in entities.hashtags`},
	"entities.numbers":               {"other runs of 9+ digits (bank cards, ids)", `len(entities.numbers) > 0`},
	"classifier":                     {"the classifier's probability per verdict label, 0..1", ""},
	"classifier.sales":               {"probability of sales", `classifier.sales > 0.9`},
	"classifier.brushing":            {"probability of brushing", `classifier.brushing > 0.9`},
	"classifier.mlm":                 {"probability of mlm", `classifier.mlm > 0.8 && contains_any(text, ["代理"])`},
	"classifier.fraud":               {"probability of fraud", `classifier.fraud > 0.95`},
	"signals":                        {"ids of the built-in detectors that fired (contact.wechat, contact.phone, price, mlm.phrase, fraud.phrase …)", `"fraud.phrase" in signals`},
	"repetition":                     {"repetition counts in event time, windows ending at the post and including it", ""},
	"repetition.known":               {"a repetition store counted the post (else every count is 0)", `repetition.known && repetition.author_copies_24h >= 5`},
	"repetition.author_posts_1h":     {"the author's posts in the last hour", `repetition.author_posts_1h >= 20`},
	"repetition.author_posts_24h":    {"the author's posts in the last day", `repetition.author_posts_24h >= 50`},
	"repetition.author_copies_24h":   {"the author's copies of this post (near-duplicates included) in the last day", `repetition.author_copies_24h >= 4`},
	"repetition.cluster":             {"content cluster id (16 hex digits), \"\" for a trivial text", `repetition.cluster != ""`},
	"repetition.cluster_copies_24h":  {"copies of the cluster by all authors in the last day", `repetition.cluster_copies_24h >= 10`},
	"repetition.cluster_authors_24h": {"distinct authors of those copies", `repetition.cluster_authors_24h >= 3`},
	"repetition.cluster_age_seconds": {"seconds since the cluster's first post", `repetition.cluster_age_seconds < 3600`},
	"author":                         {"what is known of the author", ""},
	"author.id":                      {"the author's id", `in_list("deny_authors", author.id)`},
	"author.account_age_days":        {"account age in days at the post; -1 unknown", `author.account_age_days >= 0 && author.account_age_days < 7`},
	"author.friends":                 {"friend count; -1 unknown", `author.friends >= 0 && author.friends < 10`},
}

// helperDocs documents the helpers.
var helperDocs = []Doc{
	{Kind: "helper", Name: "contains_any(s, [keywords])", Type: "bool",
		Doc:     "s contains one of the constant keywords (matching form; ASCII keywords match whole words, a trailing * allows more letters). With s = text, one pass per post finds every keyword of the set.",
		Example: `contains_any(text, ["招代理", "一级代理", "join my team"])`},
	{Kind: "helper", Name: "count_any(s, [keywords])", Type: "int",
		Doc:     "how many of the distinct keywords s contains",
		Example: `count_any(text, ["宝妈", "在家", "躺赚", "月入"]) >= 2`},
	{Kind: "helper", Name: `any_keyword("NAME_keywords")`, Type: "bool",
		Doc:     "text contains a keyword of the list lists/NAME_keywords.txt",
		Example: `any_keyword("mlm_keywords")`},
	{Kind: "helper", Name: `count_keywords("NAME_keywords")`, Type: "int",
		Doc:     "how many of the list's keywords text contains",
		Example: `count_keywords("mlm_keywords") >= 2`},
	{Kind: "helper", Name: `s matches "re"`, Type: "bool",
		Doc:     "Go RE2 regexp on s; the pattern must be a constant (compiled once at load)",
		Example: `text matches "日(收益|赚|化)\\s*\\d"`},
	{Kind: "helper", Name: `in_list("NAME", s)`, Type: "bool",
		Doc:     "s is in the list lists/NAME.txt (authors exact, domains with subdomains, phones by digits, WeChat ids case-insensitive); expired entries do not count",
		Example: `in_list("deny_authors", author.id)`},
	{Kind: "helper", Name: `any_in_list("NAME", ss)`, Type: "bool",
		Doc:     "one of ss is in the list",
		Example: `any_in_list("deny_phones", entities.phones)`},
}

// Reference lists every feature (in Features order) and then every helper.
func Reference() []Doc {
	docs := make([]Doc, 0, len(features)+len(helperDocs))
	for _, f := range features {
		d := featureDocs[f.name]
		docs = append(docs, Doc{Kind: "feature", Name: f.name, Type: typeName(f.typ), Doc: d[0], Example: d[1]})
	}
	return append(docs, helperDocs...)
}
