package worker

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/circleguard/circleguard/internal/post"
)

// KafkaConfig says where posts come from and where verdicts go.
type KafkaConfig struct {
	// Brokers are the bootstrap addresses. Default: [127.0.0.1:9092].
	Brokers []string `yaml:"brokers"`
	// Group is the consumer group every instance joins. Default: circleguard.
	Group string `yaml:"group"`
	// ClientID names this client to the broker. Default: circleguard.
	ClientID string `yaml:"client_id"`
	// PostsTopic is the input topic. Default: posts.
	PostsTopic string `yaml:"posts_topic"`
	// VerdictsTopic receives one verdict per valid post, keyed by post_id.
	// Default: verdicts.
	VerdictsTopic string `yaml:"verdicts_topic"`
	// DeadLetterTopic receives bad input with the reason in its headers.
	// Default: posts.dlq.
	DeadLetterTopic string `yaml:"dead_letter_topic"`
	// CreateTopics creates missing topics at start; when false a missing topic
	// is an error that names it. Default: true.
	CreateTopics bool `yaml:"create_topics"`
	// Partitions of a created topic. Default: 6.
	Partitions int `yaml:"partitions"`
	// ReplicationFactor of a created topic. Default: 1.
	ReplicationFactor int `yaml:"replication_factor"`
	// StartOffset is where a group with no committed offset starts: earliest
	// or latest. Default: earliest (no post is skipped).
	StartOffset string `yaml:"start_offset"`
	// MaxMessageBytes is the largest record the worker writes; keep it at or
	// below the broker's message.max.bytes. A dead-letter copy that would be
	// larger is truncated and says so in a header (the original stays at its
	// source offset). Default: 1048576.
	MaxMessageBytes int `yaml:"max_message_bytes"`
	// SessionTimeout is how long the group coordinator waits for a silent
	// instance (crashed, partitioned) before its partitions move to the
	// others. Default: 10s.
	SessionTimeout time.Duration `yaml:"session_timeout"`
	// TLS encrypts the connections to the brokers (and may present a client
	// certificate). Default: off.
	TLS TLSConfig `yaml:"tls"`
	// SASL authenticates the worker to the brokers. Default: none.
	SASL SASLConfig `yaml:"sasl"`
}

// DefaultKafkaConfig returns the defaults documented on KafkaConfig.
func DefaultKafkaConfig() KafkaConfig {
	return KafkaConfig{
		Brokers:           []string{"127.0.0.1:9092"},
		Group:             "circleguard",
		ClientID:          "circleguard",
		PostsTopic:        "posts",
		VerdictsTopic:     "verdicts",
		DeadLetterTopic:   "posts.dlq",
		CreateTopics:      true,
		Partitions:        6,
		ReplicationFactor: 1,
		StartOffset:       "earliest",
		MaxMessageBytes:   1 << 20,
		SessionTimeout:    10 * time.Second,
	}
}

// Validate reports every problem with c, reading the TLS files it names. No
// message contains the SASL password.
func (c KafkaConfig) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("brokers: at least one address is required"))
	}
	for name, v := range map[string]string{"group": c.Group, "posts_topic": c.PostsTopic, "verdicts_topic": c.VerdictsTopic, "dead_letter_topic": c.DeadLetterTopic} {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s: must not be empty", name))
		}
	}
	if c.PostsTopic != "" && (c.PostsTopic == c.VerdictsTopic || c.PostsTopic == c.DeadLetterTopic) {
		errs = append(errs, fmt.Errorf("posts_topic %q: must differ from verdicts_topic and dead_letter_topic", c.PostsTopic))
	}
	if c.Partitions < 1 {
		errs = append(errs, fmt.Errorf("partitions %d: must be at least 1", c.Partitions))
	}
	if c.ReplicationFactor < 1 {
		errs = append(errs, fmt.Errorf("replication_factor %d: must be at least 1", c.ReplicationFactor))
	}
	if c.MaxMessageBytes < 64<<10 {
		errs = append(errs, fmt.Errorf("max_message_bytes %d: must be at least 65536", c.MaxMessageBytes))
	}
	if c.SessionTimeout < time.Second || c.SessionTimeout > 5*time.Minute {
		errs = append(errs, fmt.Errorf("session_timeout %v: must be in 1s..5m", c.SessionTimeout))
	}
	if c.StartOffset != "earliest" && c.StartOffset != "latest" {
		errs = append(errs, fmt.Errorf("start_offset %q: must be earliest or latest", c.StartOffset))
	}
	if err := c.TLS.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.SASL.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Config tunes the worker.
type Config struct {
	// BatchSize is the most posts read, analysed and written as one batch.
	// Default: 1000.
	BatchSize int `yaml:"batch_size"`
	// BatchLinger is how long a batch waits to fill before it is processed
	// anyway. Default: 5ms.
	BatchLinger time.Duration `yaml:"batch_linger"`
	// Concurrency is how many batches are analysed and written at once.
	// Default: 0, meaning GOMAXPROCS, at least 2 (so that one batch is
	// analysed while another waits for the broker). More batches than cores made the
	// worker slower in `circleguard bench` (twice GOMAXPROCS: about 10%
	// more CPU a post and fewer posts a second on two cores): the batches
	// then take turns on the cores and evict each other's data from the
	// caches.
	Concurrency int `yaml:"concurrency"`
	// MaxPostBytes is the size limit of one input message; a larger one goes
	// to the dead-letter topic. Default: 1048576 (1 MiB).
	MaxPostBytes int `yaml:"max_post_bytes"`
	// CommitInterval is how often finished offsets are committed.
	// Default: 200ms.
	CommitInterval time.Duration `yaml:"commit_interval"`
	// ShutdownTimeout bounds a graceful stop: finish in-flight posts, flush,
	// commit. Posts not finished by then are redelivered. Default: 30s.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// LagInterval is how often consumer lag is read from the broker.
	// Default: 5s.
	LagInterval time.Duration `yaml:"lag_interval"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		BatchSize:       1000,
		BatchLinger:     5 * time.Millisecond,
		MaxPostBytes:    post.DefaultMaxBytes,
		CommitInterval:  200 * time.Millisecond,
		ShutdownTimeout: 30 * time.Second,
		LagInterval:     5 * time.Second,
	}
}

// Validate reports every problem with c.
func (c Config) Validate() error {
	var errs []error
	if c.BatchSize < 1 || c.BatchSize > 100_000 {
		errs = append(errs, fmt.Errorf("batch_size %d: must be in 1..100000", c.BatchSize))
	}
	if c.BatchLinger < 0 {
		errs = append(errs, fmt.Errorf("batch_linger %v: must not be negative", c.BatchLinger))
	}
	if c.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("concurrency %d: must not be negative", c.Concurrency))
	}
	if c.MaxPostBytes < 1024 || c.MaxPostBytes > 64<<20 {
		errs = append(errs, fmt.Errorf("max_post_bytes %d: must be in 1024..%d", c.MaxPostBytes, 64<<20))
	}
	for name, d := range map[string]time.Duration{"commit_interval": c.CommitInterval, "shutdown_timeout": c.ShutdownTimeout, "lag_interval": c.LagInterval} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s %v: must be positive", name, d))
		}
	}
	return errors.Join(errs...)
}

func (c Config) concurrency() int {
	if c.Concurrency > 0 {
		return c.Concurrency
	}
	return max(runtime.GOMAXPROCS(0), 2)
}
