package rules

import (
	"testing"
)

// benchFeatures are the seed corpus's posts as the pipeline would hand
// them to the rules: text, tokens and entities, with classifier and
// repetition values filled in so that rules reading them run too.
func benchFeatures(b *testing.B) []*Features {
	b.Helper()
	posts := readSeed(b)
	fs := make([]*Features, len(posts))
	for i, p := range posts {
		f := featuresOf(p.text)
		f.PostID, f.CreatedAt = "p", 1767225600+int64(i)
		f.Author = AuthorFeatures{ID: "author", AccountAgeDays: i % 400, Friends: i % 300}
		f.Classifier = ClassifierFeatures{Sales: 0.3, MLM: 0.2, Fraud: 0.1}
		f.Repetition = RepetitionFeatures{Known: true, AuthorPosts1h: i % 5, AuthorPosts24h: i % 30, AuthorCopies24h: i % 6,
			Cluster: "00000000000000ab", ClusterCopies24h: i % 9, ClusterAuthors24h: i % 4}
		fs[i] = f
	}
	return fs
}

// BenchmarkDefaultPackEval is the default pack's cost per post: every
// enforce and shadow rule on one realistic post (the seed corpus, in turn).
func BenchmarkDefaultPackEval(b *testing.B) {
	s, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	fs := benchFeatures(b)
	var dst []Hit
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		dst = s.Eval(fs[i%len(fs)], dst[:0])
	}
}

// BenchmarkDefaultPackEvalParallel is the same on every core.
func BenchmarkDefaultPackEvalParallel(b *testing.B) {
	s, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	fs := benchFeatures(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var dst []Hit
		i := 0
		for pb.Next() {
			dst = s.Eval(fs[i%len(fs)], dst[:0])
			i++
		}
	})
}

// BenchmarkKeywordScan is the Aho–Corasick pass over a post's text alone.
func BenchmarkKeywordScan(b *testing.B) {
	s, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	fs := benchFeatures(b)
	hits := make([]uint64, s.words)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		clear(hits)
		s.dict.ac.scan(fs[i%len(fs)].Text, s.dict.words, hits)
	}
}

// BenchmarkLoadDefault is the cost of loading (and compiling) the pack, as
// a reload pays it.
func BenchmarkLoadDefault(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		if _, err := Default(); err != nil {
			b.Fatal(err)
		}
	}
}
