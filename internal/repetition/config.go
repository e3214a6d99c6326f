package repetition

import (
	"context"
	"fmt"
	"time"
)

// Config chooses and configures the Store a process opens: the `repetition`
// section of the configuration file.
type Config struct {
	// Store is "memory" (one instance), "redis" (shared by every instance
	// of a consumer group) or "off" (no repetition signals). Default:
	// memory.
	Store string `yaml:"store"`
	// Window is the long window of the counts. Default: 24h.
	Window time.Duration `yaml:"window"`
	// Lateness is how far behind the newest event time a post may arrive
	// and still count against everything in its window. Default: 10m.
	Lateness time.Duration `yaml:"lateness"`
	// MinSharedBands is how many LSH band keys a post must share with a
	// content cluster to join it; sharing the exact fingerprint is always
	// enough. One shared band lets dissimilar texts chain into one cluster
	// (A is like B, B like C, …); two keep clusters to near-copies. All
	// instances sharing state must use the same. Default: 2.
	MinSharedBands int `yaml:"min_shared_bands"`
	// Memory bounds the in-memory store.
	Memory MemoryConfig `yaml:"memory"`
	// Redis configures the Redis store.
	Redis RedisConfig `yaml:"redis"`
}

// Store kinds of Config.Store.
const (
	StoreMemory = "memory"
	StoreRedis  = "redis"
	StoreOff    = "off"
)

// DefaultConfig returns the defaults documented on Config and on the
// stores' configs, filled in.
func DefaultConfig() Config {
	return Config{
		Store:          StoreMemory,
		Window:         DefaultWindow,
		Lateness:       DefaultLateness,
		MinSharedBands: DefaultMinSharedBands,
		Memory:         MemoryConfig{MaxPosts: DefaultMaxPosts, MaxAuthors: DefaultMaxAuthors, MaxClusters: DefaultMaxClusters},
		Redis:          RedisConfig{}.withDefaults().followWindow(),
	}
}

// followWindow zeroes the defaults that follow the window, so that they
// follow a window set later.
func (c RedisConfig) followWindow() RedisConfig {
	c.KeyTTL = 0
	return c
}

// Validate reports a configuration Open would refuse.
func (c Config) Validate() error {
	switch c.Store {
	case StoreMemory:
		return c.memory().Validate()
	case StoreRedis:
		return c.redis().Validate()
	case StoreOff:
		return nil
	}
	return fmt.Errorf("store %q: must be memory, redis or off", c.Store)
}

func (c Config) memory() MemoryConfig {
	m := c.Memory
	m.Window, m.Lateness, m.MinSharedBands = c.Window, c.Lateness, c.MinSharedBands
	return m
}

func (c Config) redis() RedisConfig {
	r := c.Redis
	r.Window, r.Lateness, r.MinSharedBands = c.Window, c.Lateness, c.MinSharedBands
	return r
}

// Open opens the configured store; nil (and no error) for "off". A Redis
// store must answer a ping within its DialTimeout.
func Open(ctx context.Context, c Config) (Store, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("repetition: %w", err)
	}
	switch c.Store {
	case StoreMemory:
		m, err := NewMemory(c.memory())
		if err != nil {
			return nil, fmt.Errorf("repetition: %w", err)
		}
		return m, nil
	case StoreRedis:
		r, err := NewRedis(ctx, c.redis())
		if err != nil {
			return nil, fmt.Errorf("repetition: %w", err)
		}
		return r, nil
	}
	return nil, nil
}
