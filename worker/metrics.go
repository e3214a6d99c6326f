package worker

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/verdict"
)

// Metrics are the worker's Prometheus metrics. Every label is bounded: no
// post or author IDs. docs/metrics.md lists them all.
type Metrics struct {
	PostsConsumed     prometheus.Counter
	Verdicts          *prometheus.CounterVec // action, label (the primary label, or "none")
	Reasons           *prometheus.CounterVec // kind, id: what fired in acknowledged verdicts
	DeadLetters       *prometheus.CounterVec // reason
	Processing        prometheus.Histogram   // seconds of analysis per post
	EndToEnd          prometheus.Histogram   // seconds from input append to output acknowledgement
	BatchSize         prometheus.Histogram
	ProduceErrors     prometheus.Counter
	Commits           prometheus.Counter
	CommitErrors      prometheus.Counter
	FetchErrors       prometheus.Counter
	InFlight          prometheus.Gauge
	ConsumerLag       *prometheus.GaugeVec // partition
	LagPollErrors     prometheus.Counter
	CommittedOffset   *prometheus.GaugeVec // partition
	Redeliveries      prometheus.Counter
	ShutdownAbandoned prometheus.Counter
	DecideErrors      prometheus.Counter
	ClusterAuthors    prometheus.Histogram // distinct authors of the post's content cluster
	ClusterCopies     prometheus.Histogram // copies in the post's content cluster
	Replays           prometheus.Counter
	// ClassifierScore is each model label's probability (the classifier
	// reason's probs) per acknowledged verdict, label = the model's label.
	// ModelInfo is 1, labelled with the version of the model those
	// verdicts came from. Both follow the verdicts: see observeClassifier.
	ClassifierScore *prometheus.HistogramVec // label
	ModelInfo       *prometheus.GaugeVec     // version

	model   atomic.Pointer[modelScores] // the model whose labels ClassifierScore has
	modelMu sync.Mutex                  // serialises changes of model
}

// maxScoreLabels bounds the labels of circleguard_classifier_score: a
// model with more labels has only its first maxScoreLabels (in sorted
// order) observed.
const maxScoreLabels = 16

// scoreBuckets are 0.1 wide, up to a probability of 1.
var scoreBuckets = []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1}

// modelScores is the classifier model the verdicts come from and the
// score histogram of each of its labels.
type modelScores struct {
	version string
	labels  []string // sorted
	obs     map[string]prometheus.Observer
}

// NewMetrics creates the worker's metrics and registers them with reg.
// Label combinations that dashboards expect are initialised at zero so that
// every series exists from the first scrape.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		PostsConsumed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "circleguard_posts_consumed_total",
			Help: "Input messages fetched from the posts topic.",
		}),
		Verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "circleguard_verdicts_total",
			Help: "Verdicts acknowledged by the broker, by action and primary label (none for clean posts).",
		}, []string{"action", "label"}),
		Reasons: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "circleguard_reasons_total",
			Help: "Reasons in acknowledged verdicts, by kind (signal, rule, classifier, repetition) and id (a fixed signal or rule id).",
		}, []string{"kind", "id"}),
		DeadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "circleguard_dead_letters_total",
			Help: "Bad input messages copied to the dead-letter topic and acknowledged, by reason.",
		}, []string{"reason"}),
		Processing: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "circleguard_processing_seconds",
			Help:    "Time to decode, analyse and encode one post (its batch's time divided by its messages).",
			Buckets: prometheus.ExponentialBuckets(2e-6, 2.5, 12), // 2µs .. ~48ms
		}),
		EndToEnd: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "circleguard_end_to_end_seconds",
			Help:    "Time from a post's append to the posts topic to its verdict's acknowledgement.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16), // 1ms .. ~33s
		}),
		BatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "circleguard_batch_size_messages",
			Help:    "Messages per processed batch.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 7), // 1 .. 4096
		}),
		ProduceErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "circleguard_produce_errors_total",
			Help: "Failed attempts to write a batch of verdicts or dead letters; the batch is retried.",
		}),
		Commits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "circleguard_commits_total",
			Help: "Successful offset commits.",
		}),
		CommitErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "circleguard_commit_errors_total",
			Help: "Failed offset commits; the offsets are committed again later.",
		}),
		FetchErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "circleguard_fetch_errors_total",
			Help: "Errors returned while fetching from the posts topic.",
		}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "circleguard_in_flight_posts",
			Help: "Posts fetched whose verdict or dead letter is not yet acknowledged.",
		}),
		ConsumerLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "circleguard_consumer_lag_messages",
			Help: "Messages between the group's committed offset and the end of each posts partition, from the broker's offsets.",
		}, []string{"partition"}),
		LagPollErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "circleguard_lag_poll_errors_total",
			Help: "Failed attempts to read offsets from the broker for the lag gauge.",
		}),
		CommittedOffset: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "circleguard_committed_offset",
			Help: "Last offset this instance committed per posts partition (Kafka's next-to-read offset).",
		}, []string{"partition"}),
		Redeliveries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "circleguard_redeliveries_total",
			Help: "Times a partition's offsets went backwards (a rebalance or restart redelivers posts).",
		}),
		ShutdownAbandoned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "circleguard_shutdown_abandoned_posts_total",
			Help: "Posts still in flight when the shutdown deadline passed; they are redelivered to the group.",
		}),
		DecideErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "circleguard_decide_errors_total",
			Help: "Failed attempts to decide a batch (the repetition store out of reach); the batch waits and is retried.",
		}),
		ClusterAuthors: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "circleguard_repetition_cluster_authors",
			Help:    "Distinct authors in the 24h content cluster of each acknowledged post that has one.",
			Buckets: []float64{1, 2, 3, 5, 10, 20, 50, 100, 200, 500},
		}),
		ClusterCopies: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "circleguard_repetition_cluster_copies",
			Help:    "Copies in the 24h content cluster of each acknowledged post that has one.",
			Buckets: []float64{1, 2, 3, 4, 5, 10, 20, 50, 100, 500, 1000},
		}),
		Replays: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "circleguard_repetition_replays_total",
			Help: "Acknowledged posts the repetition store had counted before (redeliveries); they were not counted again.",
		}),
	}
	m.ClassifierScore = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "circleguard_classifier_score",
		Help:    "Classifier probability of each model label in acknowledged verdicts, by the model's label (0.1-wide buckets).",
		Buckets: scoreBuckets,
	}, []string{"label"})
	m.ModelInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "circleguard_model_info",
		Help: "Always 1, labelled with the version of the classifier model of the acknowledged verdicts.",
	}, []string{"version"})
	reg.MustRegister(m.ClassifierScore, m.ModelInfo)
	reg.MustRegister(m.DecideErrors, m.ClusterAuthors, m.ClusterCopies, m.Replays)
	reg.MustRegister(m.PostsConsumed, m.Verdicts, m.Reasons, m.DeadLetters, m.Processing, m.EndToEnd,
		m.BatchSize, m.ProduceErrors, m.Commits, m.CommitErrors, m.FetchErrors, m.InFlight,
		m.ConsumerLag, m.LagPollErrors, m.CommittedOffset, m.Redeliveries, m.ShutdownAbandoned)
	for _, a := range verdict.Actions {
		m.Verdicts.WithLabelValues(a, "none")
		for _, l := range verdict.Labels {
			m.Verdicts.WithLabelValues(a, l)
		}
	}
	for _, r := range post.Reasons {
		m.DeadLetters.WithLabelValues(r)
	}
	return m
}

// observeClassifier counts the classifier reason of one acknowledged
// verdict: its model version (the engine's ModelVersion, in the reason's
// model) and each label's probability (its probs).
//
// The label set of circleguard_classifier_score is the model's: the labels
// of the first reason of a model version, at most maxScoreLabels; a label
// that model did not have is not observed. A reason of another model
// version makes that model the current one: circleguard_model_info then
// holds only the new version, and the score series of labels the new model
// lacks are deleted. An engine keeps one model for its life, so a worker
// exports one model version and its few labels. Safe for concurrent use.
func (m *Metrics) observeClassifier(model string, probs map[string]float64) {
	s := m.model.Load()
	if s == nil || s.version != model {
		s = m.useModel(model, probs)
	}
	for l, p := range probs {
		if o := s.obs[l]; o != nil {
			o.Observe(p)
		}
	}
}

// useModel makes version, whose labels are probs' keys, the current model.
func (m *Metrics) useModel(version string, probs map[string]float64) *modelScores {
	m.modelMu.Lock()
	defer m.modelMu.Unlock()
	if s := m.model.Load(); s != nil && s.version == version {
		return s // another batch got there first
	}
	labels := make([]string, 0, len(probs))
	for l := range probs {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	labels = labels[:min(len(labels), maxScoreLabels)]
	s := &modelScores{version: version, labels: labels, obs: make(map[string]prometheus.Observer, len(labels))}
	for _, l := range labels {
		s.obs[l] = m.ClassifierScore.WithLabelValues(l)
	}
	m.ModelInfo.WithLabelValues(version).Set(1)
	old := m.model.Swap(s)
	if old != nil {
		m.ModelInfo.DeleteLabelValues(old.version)
		for _, l := range old.labels {
			if _, keep := s.obs[l]; !keep {
				m.ClassifierScore.DeleteLabelValues(l)
			}
		}
	}
	return s
}
