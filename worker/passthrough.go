package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/verdict"
)

// NewPassThrough returns a Worker that copies every message it consumes,
// value and key unchanged, to the verdicts topic, without decoding or
// deciding anything: no dead letters, no verdict metrics. Everything else is
// the Worker's own machinery: the same fetch loop and batches (BatchSize,
// BatchLinger), processors, writer settings, retries, tracker and commit
// loop. It is the ceiling `circleguard bench` measures the worker against
// (what consuming and producing cost on their own), not a production mode.
func NewPassThrough(kcfg KafkaConfig, cfg Config, m *Metrics, log *slog.Logger) (*Worker, error) {
	w, err := New(kcfg, cfg, noDecider{}, m, log)
	if err != nil {
		return nil, err
	}
	w.passThrough = true
	return w, nil
}

// noDecider is the pass-through's Decider: it is handed no posts.
type noDecider struct{}

func (noDecider) DecideBatch(_ context.Context, _ []post.Post, _ time.Time, dst []verdict.Verdict, _ func(func() error) error) ([]verdict.Verdict, error) {
	return dst, nil
}
