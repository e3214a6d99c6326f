//go:build linux

package bench

import (
	"errors"
	"fmt"
	"time"
)

// Config configures a bench run.
type Config struct {
	// Exe is the circleguard binary the children run: `Exe bench child …`
	// for the worker and the pass-through, `Exe scan …` for the offline
	// scan. Required.
	Exe string
	// Brokers are the real broker's bootstrap addresses; ignored when
	// Embedded. Default: [127.0.0.1:19092] (scripts/kafka.sh).
	Brokers []string
	// Embedded runs an embedded broker (kfake) inside the bench process
	// instead of using Brokers: the quick mode, a smoke test of the
	// method rather than a measurement of Kafka.
	Embedded bool
	// Posts is the backlog each side drains for its maximum rate.
	// Default: 200,000 (20,000 when Embedded).
	Posts int
	// Partitions of every topic the bench creates. Default: 6.
	Partitions int
	// LatencyDuration is how long posts are produced at half the measured
	// maximum rate for the latency figures. Default: 20s (5s when
	// Embedded).
	LatencyDuration time.Duration
	// Workers lists the numbers of processes (one consumer group) to run
	// each side with, one measurement per entry. Default: [1].
	Workers []int
	// Store is the worker's repetition store: memory, redis or off.
	// Default: memory.
	Store string
	// RedisAddr is the Redis server of Store redis. Each measurement uses
	// keys under its own prefix and deletes them afterwards.
	RedisAddr string
	// ConfigFile, when set, is passed to the children as -config (the
	// bench's flags for brokers, topics, group, admin and store win).
	ConfigFile string
	// Seed selects the generated posts. Default: 1.
	Seed int64
	// Scan also measures `circleguard scan` on the same posts (CPU per post
	// of the analysis alone, for the worker's Kafka overhead). Default:
	// false (the flag's default is true).
	Scan bool
	// ProfileDir, when set, makes every child write a pprof CPU profile
	// there: the worker's and the pass-through's of their maximum-rate
	// phase (MODE-wK-I.pprof: side, process count, index), the scan's of
	// its run (scan.pprof).
	ProfileDir string
	// Stall fails the run when no output arrives for this long.
	// Default: 2m.
	Stall time.Duration
	// Command is the command line, for the report.
	Command string
}

// Defaults of Config.
const (
	DefaultBroker          = "127.0.0.1:19092"
	DefaultPosts           = 200_000
	DefaultQuickPosts      = 20_000
	DefaultPartitions      = 6
	DefaultLatencyDuration = 20 * time.Second
	DefaultQuickLatency    = 5 * time.Second
)

func (c Config) withDefaults() Config {
	if len(c.Brokers) == 0 {
		c.Brokers = []string{DefaultBroker}
	}
	if c.Posts == 0 {
		c.Posts = DefaultPosts
		if c.Embedded {
			c.Posts = DefaultQuickPosts
		}
	}
	if c.Partitions == 0 {
		c.Partitions = DefaultPartitions
	}
	if c.LatencyDuration == 0 {
		c.LatencyDuration = DefaultLatencyDuration
		if c.Embedded {
			c.LatencyDuration = DefaultQuickLatency
		}
	}
	if len(c.Workers) == 0 {
		c.Workers = []int{1}
	}
	if c.Store == "" {
		c.Store = "memory"
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Stall == 0 {
		c.Stall = 2 * time.Minute
	}
	return c
}

// Validate reports every problem of c (after defaults).
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.Exe == "" {
		errs = append(errs, errors.New("exe: the circleguard binary is required"))
	}
	if c.Posts < 1 || c.Posts > 100_000_000 {
		errs = append(errs, fmt.Errorf("posts %d: must be in 1..100000000", c.Posts))
	}
	if c.Partitions < 1 || c.Partitions > 1000 {
		errs = append(errs, fmt.Errorf("partitions %d: must be in 1..1000", c.Partitions))
	}
	if c.LatencyDuration < time.Second {
		errs = append(errs, fmt.Errorf("latency duration %v: must be at least 1s", c.LatencyDuration))
	}
	for _, n := range c.Workers {
		if n < 1 || n > 64 {
			errs = append(errs, fmt.Errorf("workers %d: must be in 1..64", n))
		}
	}
	switch c.Store {
	case "memory", "off":
	case "redis":
		if c.RedisAddr == "" {
			errs = append(errs, errors.New("store redis: a Redis address is required"))
		}
	default:
		errs = append(errs, fmt.Errorf("store %q: must be memory, redis or off", c.Store))
	}
	return errors.Join(errs...)
}
