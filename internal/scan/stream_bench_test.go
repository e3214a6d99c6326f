package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/circleguard/circleguard/internal/engine"
	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/repetition"
	"github.com/circleguard/circleguard/internal/testenv"
	"github.com/circleguard/circleguard/rules"
)

// BenchmarkScanStream is `circleguard scan` on a generated stream with
// what scan runs by default: the embedded model, the default rule pack
// and the in-memory repetition store, which keeps counting from one
// iteration to the next as a long stream would. Run it on one core
// (GOMAXPROCS=1) for the performance issue's target of 50,000 posts/s.
func BenchmarkScanStream(b *testing.B) {
	const n = 20000
	g, err := gen.New(gen.Config{Seed: 7})
	if err != nil {
		b.Fatal(err)
	}
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for range n {
		p := g.Next().Post
		if err := enc.Encode(&p); err != nil {
			b.Fatal(err)
		}
	}
	def, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	store, err := repetition.NewMemory(repetition.MemoryConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	e, err := engine.New(rules.DefaultConfig(), engine.DefaultClassifierConfig(), engine.Repetition{Store: store}, engine.WithRules(def))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(in.Len()))
	cpu := testenv.CPUTime()
	for b.Loop() {
		sum, err := Run(context.Background(), bytes.NewReader(in.Bytes()), io.Discard, io.Discard, e, 0)
		if err != nil {
			b.Fatal(err)
		}
		if sum.Verdicts != n {
			b.Fatalf("%d verdicts of %d posts", sum.Verdicts, n)
		}
	}
	testenv.CPUPerOp(b, cpu, b.N*n, "post")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/post")
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "posts/s")
}
