package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/verdict"
)

// Decider turns valid posts into their verdicts, a batch at a time. It must
// be safe for concurrent use; engine.Engine is the implementation.
type Decider interface {
	// DecideBatch appends the verdicts of posts to dst, in order. An error
	// (shared state out of reach) means no verdict: the worker retries the
	// batch, which must be safe (repeated posts count once). DecideBatch
	// runs the part that must follow fetch order (counting repetition)
	// through inOrder.
	DecideBatch(ctx context.Context, posts []post.Post, now time.Time, dst []verdict.Verdict, inOrder func(count func() error) error) ([]verdict.Verdict, error)
}

// Dead-letter headers. Every dead-letter record carries all of them.
const (
	HeaderReason          = "circleguard.reason"           // a post.Reason… code
	HeaderError           = "circleguard.error"            // the decode error, without post content
	HeaderSourceTopic     = "circleguard.source.topic"     // input topic
	HeaderSourcePartition = "circleguard.source.partition" // input partition, decimal
	HeaderSourceOffset    = "circleguard.source.offset"    // input offset, decimal
	// HeaderTruncated is present only when the copy was cut to fit
	// MaxMessageBytes; it holds the original size in bytes.
	HeaderTruncated = "circleguard.truncated"
)

// ReasonInternal is the dead-letter reason of a valid post whose verdict
// could not be encoded: a bug, but the post is not lost.
const ReasonInternal = "internal_error"

// dlqHeadroom is what a dead-letter copy leaves free of MaxMessageBytes for
// key, headers and record overhead.
const dlqHeadroom = 4096

// Worker consumes posts, decides them and publishes verdicts. Build it with
// New and start it with Run; a Worker runs once.
type Worker struct {
	kcfg    KafkaConfig
	cfg     Config
	decider Decider
	metrics *Metrics
	log     *slog.Logger
	tracker *tracker
	ready   atomic.Bool
	lagOK   atomic.Int64 // unix nanos of the last successful lag poll
	// passThrough (NewPassThrough) copies each message to the verdicts
	// topic instead of decoding and deciding it.
	passThrough bool
}

// New checks the configuration and returns a Worker. It does not contact the
// broker.
func New(kcfg KafkaConfig, cfg Config, d Decider, m *Metrics, log *slog.Logger) (*Worker, error) {
	if err := kcfg.Validate(); err != nil {
		return nil, fmt.Errorf("kafka config: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("worker config: %w", err)
	}
	if d == nil || m == nil || log == nil {
		return nil, errors.New("worker: decider, metrics and logger are required")
	}
	return &Worker{kcfg: kcfg, cfg: cfg, decider: d, metrics: m, log: log, tracker: newTracker()}, nil
}

// Ready reports whether the worker has checked its topics, is consuming and
// has reached the broker within the last three lag intervals.
func (w *Worker) Ready() bool {
	if !w.ready.Load() {
		return false
	}
	last := time.Unix(0, w.lagOK.Load())
	return time.Since(last) < 3*w.cfg.LagInterval+5*time.Second
}

type batch struct {
	msgs    []kafka.Message
	tickets []ticket
	// prev is closed once the batch fetched before this one has counted
	// its posts' repetition; counted is closed once this one has (or has
	// given up). Batches are analysed in parallel but counted in fetch
	// order: within a partition (one author's posts) the order of the
	// stream.
	prev, counted chan struct{}
	countOnce     sync.Once
}

// inOrder runs count once every earlier batch has counted, and lets the
// next batch in once count succeeds.
func (b *batch) inOrder(ctx context.Context) func(count func() error) error {
	return func(count func() error) error {
		select {
		case <-b.prev:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := count(); err != nil {
			return err
		}
		b.countOnce.Do(func() { close(b.counted) })
		return nil
	}
}

// release lets the next batch count even if this one never did (no valid
// post, or shutdown), keeping the order: it waits for the earlier batch
// first.
func (b *batch) release(ctx context.Context) {
	select {
	case <-b.prev:
	case <-ctx.Done():
	}
	b.countOnce.Do(func() { close(b.counted) })
}

// Run consumes until ctx is cancelled, then stops within
// Config.ShutdownTimeout: it stops fetching, finishes the posts in flight,
// flushes their verdicts and commits. It returns an error only when it cannot
// start (an unreachable broker, missing topics).
func (w *Worker) Run(ctx context.Context) error {
	if err := w.ensureTopics(ctx); err != nil {
		return err
	}
	kafkaLog := kafka.LoggerFunc(func(msg string, args ...any) {
		w.log.Warn(fmt.Sprintf(msg, args...), "component", "kafka-go")
	})
	dialer, transport, err := w.kcfg.dialers()
	if err != nil {
		return err
	}
	start := kafka.FirstOffset
	if w.kcfg.StartOffset == "latest" {
		start = kafka.LastOffset
	}
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:               w.kcfg.Brokers,
		GroupID:               w.kcfg.Group,
		Topic:                 w.kcfg.PostsTopic,
		Dialer:                dialer,
		MinBytes:              1,
		MaxBytes:              max(16<<20, 2*w.cfg.MaxPostBytes),
		MaxWait:               2 * time.Second, // kafka-go asks the broker for 3/4 of it: slack for its read deadline
		QueueCapacity:         w.cfg.BatchSize,
		CommitInterval:        0, // synchronous: the commit loop commits what the tracker allows
		StartOffset:           start,
		WatchPartitionChanges: true,
		SessionTimeout:        w.kcfg.SessionTimeout,
		HeartbeatInterval:     w.kcfg.SessionTimeout / 5,
		ErrorLogger:           kafkaLog,
	})
	writer := &kafka.Writer{
		Addr:                   kafka.TCP(w.kcfg.Brokers...),
		Balancer:               &kafka.Murmur2Balancer{}, // the Java client's partitioner: post_id lands where other clients put it
		RequiredAcks:           kafka.RequireAll,
		BatchSize:              w.cfg.BatchSize,
		BatchBytes:             int64(w.kcfg.MaxMessageBytes),
		BatchTimeout:           max(w.cfg.BatchLinger, time.Millisecond),
		WriteTimeout:           10 * time.Second,
		MaxAttempts:            3,
		AllowAutoTopicCreation: false,
		ErrorLogger:            kafkaLog,
		Transport:              transport,
	}

	// Each stage has its own context so that shutdown can proceed in order.
	fetchCtx, stopFetch := context.WithCancel(context.WithoutCancel(ctx))
	writeCtx, abortWrites := context.WithCancel(context.WithoutCancel(ctx))
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	defer stopFetch()
	defer abortWrites()
	defer stopBackground()

	batches := make(chan *batch, w.cfg.concurrency())
	var fetchDone, processors, background sync.WaitGroup
	fetchDone.Go(func() { w.fetchLoop(fetchCtx, reader, batches) })
	for range w.cfg.concurrency() {
		processors.Go(func() {
			for b := range batches {
				w.process(writeCtx, writer, b)
			}
		})
	}
	background.Go(func() { w.commitLoop(bgCtx, reader) })
	background.Go(func() { w.lagLoop(bgCtx) })

	w.ready.Store(true)
	w.log.Info("worker started", "posts_topic", w.kcfg.PostsTopic, "verdicts_topic", w.kcfg.VerdictsTopic,
		"dead_letter_topic", w.kcfg.DeadLetterTopic, "group", w.kcfg.Group, "concurrency", w.cfg.concurrency(), "batch_size", w.cfg.BatchSize)

	<-ctx.Done()
	w.ready.Store(false)
	deadline := time.Now().Add(w.cfg.ShutdownTimeout)
	w.log.Info("shutting down: stopped fetching", "in_flight", w.tracker.pending(), "deadline", w.cfg.ShutdownTimeout)
	stopFetch()
	finished := make(chan struct{})
	go func() { fetchDone.Wait(); processors.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(time.Until(deadline)):
		n := w.tracker.pending()
		w.metrics.ShutdownAbandoned.Add(float64(n))
		w.log.Error("shutdown deadline passed with posts in flight; they stay uncommitted and will be redelivered", "in_flight", n)
		abortWrites()
		<-finished
	}
	stopBackground()
	background.Wait()

	commitCtx, cancel := context.WithDeadline(context.Background(), deadline.Add(5*time.Second))
	defer cancel()
	if err := w.commit(commitCtx, reader); err != nil {
		w.log.Error("final commit failed; the last posts will be redelivered", "err", err)
	}
	if err := writer.Close(); err != nil {
		w.log.Warn("close writer", "err", err)
	}
	if err := reader.Close(); err != nil {
		w.log.Warn("close reader", "err", err)
	}
	w.log.Info("worker stopped")
	return nil
}

// fetchLoop fetches messages, registers them with the tracker in fetch order
// and hands them on in batches. It closes out when ctx ends.
func (w *Worker) fetchLoop(ctx context.Context, r *kafka.Reader, out chan<- *batch) {
	defer close(out)
	backoff := 100 * time.Millisecond
	last := make(chan struct{})
	close(last)
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) {
				return
			}
			w.fetchFailed(ctx, err, &backoff)
			continue
		}
		backoff = 100 * time.Millisecond
		b := &batch{msgs: make([]kafka.Message, 0, w.cfg.BatchSize), tickets: make([]ticket, 0, w.cfg.BatchSize),
			prev: last, counted: make(chan struct{})}
		last = b.counted
		w.register(b, m)
		linger, cancel := context.WithTimeout(ctx, w.cfg.BatchLinger)
		for len(b.msgs) < w.cfg.BatchSize {
			m, err := r.FetchMessage(linger)
			if err != nil {
				if linger.Err() == nil && !errors.Is(err, io.EOF) {
					w.fetchFailed(ctx, err, &backoff)
				}
				break
			}
			w.register(b, m)
		}
		cancel()
		w.metrics.BatchSize.Observe(float64(len(b.msgs)))
		w.metrics.PostsConsumed.Add(float64(len(b.msgs)))
		w.metrics.InFlight.Add(float64(len(b.msgs)))
		out <- b // blocks while every processor is busy: backpressure
	}
}

func (w *Worker) register(b *batch, m kafka.Message) {
	tk, restarted := w.tracker.add(m.Partition, m.Offset)
	if restarted {
		w.metrics.Redeliveries.Inc()
		w.log.Info("partition redelivered from an earlier offset; counting anew", "partition", m.Partition, "offset", m.Offset)
	}
	b.msgs = append(b.msgs, m)
	b.tickets = append(b.tickets, tk)
}

func (w *Worker) fetchFailed(ctx context.Context, err error, backoff *time.Duration) {
	w.metrics.FetchErrors.Inc()
	w.log.Warn("fetch failed; retrying", "err", err, "backoff", *backoff)
	sleep(ctx, *backoff)
	*backoff = min(2**backoff, 5*time.Second)
}

// process analyses one batch, writes its verdicts and dead letters, retrying
// until the broker acknowledges all of them (or ctx ends), and only then
// marks the batch finished for the commit loop.
func (w *Worker) process(ctx context.Context, wr *kafka.Writer, b *batch) {
	defer b.release(ctx)
	outs := make([]kafka.Message, len(b.msgs))
	type outcome struct {
		action, label, reason string
		reasons               []verdict.Reason
	}
	results := make([]outcome, len(b.msgs))
	posts := make([]post.Post, 0, len(b.msgs))
	valid := make([]int, 0, len(b.msgs)) // posts[j] came from b.msgs[valid[j]]
	t0 := time.Now()
	for i := range b.msgs {
		m := &b.msgs[i]
		if w.passThrough {
			outs[i] = kafka.Message{Topic: w.kcfg.VerdictsTopic, Key: m.Key, Value: m.Value}
			continue
		}
		p, err := post.Decode(m.Value, w.cfg.MaxPostBytes)
		if err != nil {
			results[i].reason = post.ReasonOf(err)
			outs[i] = w.deadLetter(m, results[i].reason, err)
			continue
		}
		posts = append(posts, p)
		valid = append(valid, i)
	}
	verdicts, ok := w.decide(ctx, posts, b.inOrder(ctx))
	if !ok { // shutdown deadline while shared state is out of reach: leave the batch uncommitted
		w.metrics.InFlight.Sub(float64(len(b.msgs)))
		return
	}
	sources := make([]verdict.Source, len(verdicts))
	for j := range verdicts {
		v, i := &verdicts[j], valid[j]
		m := &b.msgs[i]
		sources[j] = verdict.Source{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset}
		v.Source = &sources[j]
		val, err := v.Append(nil)
		if err != nil { // cannot happen for values Decide builds; never lose the post
			results[i].reason = ReasonInternal
			outs[i] = w.deadLetter(m, ReasonInternal, fmt.Errorf("encode verdict: %w", err))
			continue
		}
		results[i].action, results[i].label, results[i].reasons = v.Action, v.PrimaryLabel(), v.Reasons
		outs[i] = kafka.Message{Topic: w.kcfg.VerdictsTopic, Key: []byte(v.PostID), Value: val}
	}
	if len(b.msgs) > 0 {
		per := time.Since(t0).Seconds() / float64(len(b.msgs))
		for range b.msgs {
			w.metrics.Processing.Observe(per)
		}
	}

	pending := outs
	backoff := 200 * time.Millisecond
	for len(pending) > 0 {
		err := wr.WriteMessages(ctx, pending...)
		if err == nil {
			break
		}
		if ctx.Err() != nil { // shutdown deadline: leave the batch uncommitted
			w.metrics.InFlight.Sub(float64(len(b.msgs)))
			return
		}
		w.metrics.ProduceErrors.Inc()
		var werrs kafka.WriteErrors
		if errors.As(err, &werrs) && len(werrs) == len(pending) {
			failed := pending[:0:0]
			for i, e := range werrs {
				if e != nil {
					failed = append(failed, pending[i])
				}
			}
			pending = failed
		}
		w.log.Warn("write failed; retrying", "err", err, "messages", len(pending), "backoff", backoff)
		sleep(ctx, backoff)
		backoff = min(2*backoff, 5*time.Second)
	}

	w.tracker.done(b.tickets)
	acked := time.Now()
	// Labelled counters are added to once a batch per label set: looking a
	// child up costs more than the addition (a post has about five reasons).
	type pair struct{ a, b string }
	verdictCounts := make(map[pair]int, 16)
	reasonCounts := make(map[pair]int, 64)
	for i, r := range results {
		if r.reason != "" {
			w.metrics.DeadLetters.WithLabelValues(r.reason).Inc()
		} else if !w.passThrough {
			verdictCounts[pair{r.action, r.label}]++
			for _, rs := range r.reasons {
				reasonCounts[pair{rs.Kind, rs.ID}]++
				if rs.Kind == "classifier" {
					w.metrics.observeClassifier(rs.Model, rs.Probs)
				}
				if rep := rs.Repetition; rep != nil {
					if rep.Replay {
						w.metrics.Replays.Inc()
					}
					if rep.Cluster != "" {
						w.metrics.ClusterAuthors.Observe(float64(rep.ClusterAuthors24h))
						w.metrics.ClusterCopies.Observe(float64(rep.ClusterCopies24h))
					}
				}
			}
		}
		if t := b.msgs[i].Time; !t.IsZero() {
			w.metrics.EndToEnd.Observe(acked.Sub(t).Seconds())
		}
	}
	for k, n := range verdictCounts {
		w.metrics.Verdicts.WithLabelValues(k.a, k.b).Add(float64(n))
	}
	for k, n := range reasonCounts {
		w.metrics.Reasons.WithLabelValues(k.a, k.b).Add(float64(n))
	}
	w.metrics.InFlight.Sub(float64(len(b.msgs)))
}

// decide decides the batch's valid posts, retrying with backoff while the
// decider fails (the repetition store is out of reach): a post gets its
// verdict with its signals or waits; it is never decided without them. It
// returns false only when ctx ends first.
func (w *Worker) decide(ctx context.Context, posts []post.Post, inOrder func(func() error) error) ([]verdict.Verdict, bool) {
	backoff := 100 * time.Millisecond
	for {
		vs, err := w.decider.DecideBatch(ctx, posts, time.Now(), make([]verdict.Verdict, 0, len(posts)), inOrder)
		if err == nil {
			if backoff > 100*time.Millisecond {
				w.log.Info("deciding again after errors", "posts", len(posts))
			}
			return vs, true
		}
		if ctx.Err() != nil {
			return nil, false
		}
		w.metrics.DecideErrors.Inc()
		w.log.Warn("decide failed; retrying the batch", "err", err, "posts", len(posts), "backoff", backoff)
		sleep(ctx, backoff)
		backoff = min(2*backoff, 5*time.Second)
	}
}

// deadLetter builds the dead-letter copy of m: its key, value and headers,
// plus headers that say why and where it came from.
func (w *Worker) deadLetter(m *kafka.Message, reason string, cause error) kafka.Message {
	value := m.Value
	headers := make([]kafka.Header, 0, len(m.Headers)+6)
	headers = append(headers, m.Headers...)
	headers = append(headers,
		kafka.Header{Key: HeaderReason, Value: []byte(reason)},
		kafka.Header{Key: HeaderError, Value: []byte(cause.Error())},
		kafka.Header{Key: HeaderSourceTopic, Value: []byte(m.Topic)},
		kafka.Header{Key: HeaderSourcePartition, Value: strconv.AppendInt(nil, int64(m.Partition), 10)},
		kafka.Header{Key: HeaderSourceOffset, Value: strconv.AppendInt(nil, m.Offset, 10)},
	)
	if limit := w.kcfg.MaxMessageBytes - dlqHeadroom - len(m.Key); len(value) > limit {
		headers = append(headers, kafka.Header{Key: HeaderTruncated, Value: strconv.AppendInt(nil, int64(len(value)), 10)})
		value = value[:max(limit, 0)]
	}
	return kafka.Message{Topic: w.kcfg.DeadLetterTopic, Key: m.Key, Value: value, Headers: headers}
}

func (w *Worker) commitLoop(ctx context.Context, r *kafka.Reader) {
	t := time.NewTicker(w.cfg.CommitInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := w.commit(ctx, r); err != nil && ctx.Err() == nil {
				w.log.Warn("commit failed; will retry", "err", err)
			}
		}
	}
}

// commit commits, per partition, the end of the finished prefix.
func (w *Worker) commit(ctx context.Context, r *kafka.Reader) error {
	cs := w.tracker.ready()
	if len(cs) == 0 {
		return nil
	}
	msgs := make([]kafka.Message, len(cs))
	for i, c := range cs {
		msgs[i] = kafka.Message{Topic: w.kcfg.PostsTopic, Partition: c.partition, Offset: c.offset}
	}
	if err := r.CommitMessages(ctx, msgs...); err != nil {
		w.metrics.CommitErrors.Inc()
		return fmt.Errorf("commit %d partitions: %w", len(cs), err)
	}
	w.tracker.committed(cs)
	w.metrics.Commits.Inc()
	for _, c := range cs {
		w.metrics.CommittedOffset.WithLabelValues(strconv.Itoa(c.partition)).Set(float64(c.offset + 1))
	}
	return nil
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
