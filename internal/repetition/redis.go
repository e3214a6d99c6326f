package repetition

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisConfig configures the Redis store.
type RedisConfig struct {
	// Addr is the server's host:port. Default: 127.0.0.1:6379.
	Addr string `yaml:"addr"`
	// Username and Password authenticate (ACL or requirepass); empty: none.
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// DB is the database number. Default: 0.
	DB int `yaml:"db"`
	// TLS connects with TLS 1.2 or later, verifying the server's
	// certificate against the host of Addr (or ServerName). Every other TLS
	// field needs it. Default: false.
	TLS bool `yaml:"tls"`
	// CAFile is a PEM file of the certificate authorities that sign the
	// server's certificate. Default: "" (the system's roots).
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are a PEM client certificate and its key, for a
	// server that asks for one (redis-server's tls-auth-clients, on by
	// default). Both or neither. Default: "".
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName is the name the server's certificate must carry. Default:
	// "" (the host of Addr).
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify accepts any server certificate: for testing only.
	// Default: false.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
	// KeyPrefix starts every key the store writes (then the version of
	// the key layout, redis_layout.go), so that instances sharing state use
	// the same prefix and others stay apart. Default: "circleguard:rep:".
	KeyPrefix string `yaml:"key_prefix"`
	// Window and Lateness are as in MemoryConfig; every instance sharing a
	// KeyPrefix must use the same values. Defaults: 24h and 10m.
	Window   time.Duration `yaml:"-"`
	Lateness time.Duration `yaml:"-"`
	// KeyTTL is how long a key lives after its last write, in wall-clock
	// time: it only collects garbage (counts use event time) and must
	// exceed Window + Lateness plus the longest outage after which a
	// restarted worker should still know its history.
	// Default: Window + Lateness + 1h.
	KeyTTL time.Duration `yaml:"key_ttl"`
	// DialTimeout bounds connecting, including NewRedis's ping. Default: 5s.
	DialTimeout time.Duration `yaml:"dial_timeout"`
	// Timeout bounds each read and write on a connection. Default: 5s.
	Timeout time.Duration `yaml:"timeout"`
	// ChunkSize is the number of posts one script call counts; a batch's
	// calls go in one pipelined round trip. Smaller chunks block the server
	// for less time at once; larger ones cost it less per post (1000 posts
	// a call: some 14% less than 250). Default: 250.
	ChunkSize int `yaml:"chunk_size"`
	// MinSharedBands is as in Config. Default: 2.
	MinSharedBands int `yaml:"-"`
}

// Defaults of RedisConfig.
const (
	DefaultRedisAddr      = "127.0.0.1:6379"
	DefaultRedisKeyPrefix = "circleguard:rep:"
	DefaultRedisChunkSize = 250
)

func (c RedisConfig) withDefaults() RedisConfig {
	if c.Addr == "" {
		c.Addr = DefaultRedisAddr
	}
	if c.KeyPrefix == "" {
		c.KeyPrefix = DefaultRedisKeyPrefix
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.Lateness == 0 {
		c.Lateness = DefaultLateness
	}
	if c.KeyTTL == 0 {
		c.KeyTTL = c.Window + c.Lateness + time.Hour
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = 5 * time.Second
	}
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Second
	}
	if c.ChunkSize == 0 {
		c.ChunkSize = DefaultRedisChunkSize
	}
	if c.MinSharedBands == 0 {
		c.MinSharedBands = DefaultMinSharedBands
	}
	return c
}

// Validate reports a configuration NewRedis would refuse. Zero fields take
// their defaults.
func (c RedisConfig) Validate() error {
	c = c.withDefaults()
	w, err := newWindows(c.Window, c.Lateness)
	if err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("addr %q: %w", c.Addr, err)
	}
	if _, err := c.tlsConfig(); err != nil {
		return err
	}
	switch {
	case c.KeyTTL.Milliseconds() <= w.retention():
		return fmt.Errorf("KeyTTL %v must exceed Window + Lateness (%v)", c.KeyTTL, c.Window+c.Lateness)
	case c.DialTimeout < 0 || c.Timeout < 0:
		return errors.New("timeouts must not be negative")
	case c.ChunkSize < 1:
		return fmt.Errorf("ChunkSize %d: must be positive", c.ChunkSize)
	case c.MinSharedBands < 1 || c.MinSharedBands > MaxBands:
		return fmt.Errorf("MinSharedBands %d: must be in [1, %d]", c.MinSharedBands, MaxBands)
	case c.DB < 0:
		return fmt.Errorf("DB %d: must not be negative", c.DB)
	}
	return nil
}

//go:embed observe.lua
var observeLua string

var observeScript = redis.NewScript(observeLua)

// Redis is the Store that instances share: what one worker counts, every
// worker sharing the server and KeyPrefix sees, and a restarted worker keeps
// its history. It needs Redis 6.2 or later (ZADD GT, ZMSCORE), standalone or
// with replicas, not Redis Cluster: a script touches keys of many slots.
// redis_layout.go describes its keys. Safe for concurrent use.
type Redis struct {
	cfg    RedisConfig
	w      windows
	prefix string // KeyPrefix + layoutVersion
	client *redis.Client
}

// NewRedis connects to the server and checks that it answers.
func NewRedis(ctx context.Context, cfg RedisConfig) (*Redis, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("repetition redis config: %w", err)
	}
	cfg = cfg.withDefaults()
	w, _ := newWindows(cfg.Window, cfg.Lateness)
	opt := &redis.Options{
		Addr:         cfg.Addr,
		Username:     cfg.Username,
		Password:     cfg.Password,
		DB:           cfg.DB,
		DialTimeout:  cfg.DialTimeout,
		ReadTimeout:  cfg.Timeout,
		WriteTimeout: cfg.Timeout,
		// A failed batch is retried by the caller: Observe is idempotent.
		MaxRetries: 0,
	}
	tlsCfg, err := cfg.tlsConfig()
	if err != nil { // a file changed since Validate: never fall back to plain TCP
		return nil, fmt.Errorf("repetition redis config: %w", err)
	}
	opt.TLSConfig = tlsCfg
	client := redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("repetition: redis at %s does not answer: %w", cfg.Addr, err)
	}
	if err := observeScript.Load(pctx, client).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("repetition: load script into redis at %s: %w", cfg.Addr, err)
	}
	return &Redis{cfg: cfg, w: w, prefix: cfg.KeyPrefix + layoutVersion, client: client}, nil
}

// tlsConfig returns the client TLS configuration of c, nil when TLS is off.
func (c RedisConfig) tlsConfig() (*tls.Config, error) {
	if !c.TLS {
		if c.CAFile != "" || c.CertFile != "" || c.KeyFile != "" || c.ServerName != "" || c.InsecureSkipVerify {
			return nil, errors.New("ca_file, cert_file, key_file, server_name and insecure_skip_verify need tls: true")
		}
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName, InsecureSkipVerify: c.InsecureSkipVerify}
	if cfg.ServerName == "" {
		cfg.ServerName, _, _ = net.SplitHostPort(c.Addr)
	}
	if c.CAFile != "" {
		b, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("ca_file: %s: no PEM certificate in it", c.CAFile)
		}
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return nil, errors.New("cert_file and key_file: set both or neither")
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("cert_file %s and key_file %s: %w", c.CertFile, c.KeyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// Close closes the connections.
func (r *Redis) Close() error { return r.client.Close() }

// Observe implements Store: the batch's chunks go in one pipelined round
// trip, each counted atomically by a script, so that the same post seen by
// two workers at once counts once.
func (r *Redis) Observe(ctx context.Context, batch []Observation) ([]Counts, error) {
	if err := checkBatch(batch); err != nil {
		return nil, err
	}
	out := make([]Counts, len(batch))
	type chunk struct {
		start, end int
		args       []any
		cmd        *redis.Cmd
	}
	var all []*chunk
	var enc argEncoder
	enc.init(batch)
	for start := 0; start < len(batch); start += r.cfg.ChunkSize {
		end := min(start+r.cfg.ChunkSize, len(batch))
		all = append(all, &chunk{start: start, end: end, args: r.args(&enc, batch, start, end)})
	}
	run := func(todo []*chunk) error {
		pipe := r.client.Pipeline()
		for _, c := range todo {
			c.cmd = observeScript.EvalSha(ctx, pipe, nil, c.args...)
		}
		_, err := pipe.Exec(ctx)
		return err
	}
	err := run(all)
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		// The server lost its scripts (a restart or SCRIPT FLUSH): load it
		// again and run the chunks that did not run.
		if err := observeScript.Load(ctx, r.client).Err(); err != nil {
			return nil, fmt.Errorf("repetition: reload script: %w", err)
		}
		var again []*chunk
		for _, c := range all {
			if c.cmd.Err() != nil {
				again = append(again, c)
			}
		}
		err = run(again)
	}
	if err != nil {
		return nil, fmt.Errorf("repetition: observe %d posts in redis: %w", len(batch), err)
	}
	for _, c := range all {
		vals, err := c.cmd.Slice()
		if err == nil {
			err = decodeCounts(vals, out[c.start:c.end])
		}
		if err != nil {
			return nil, fmt.Errorf("repetition: observe in redis: %w", err)
		}
	}
	return out, nil
}
