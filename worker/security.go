package worker

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// TLSConfig secures the connections to the brokers with TLS. The zero value
// is plain TCP.
type TLSConfig struct {
	// Enabled connects with TLS 1.2 or later. Every other field needs it.
	// Default: false.
	Enabled bool `yaml:"enabled"`
	// CAFile is a PEM file of the certificate authorities that sign the
	// brokers' certificates. Default: "" (the system's roots).
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are a PEM client certificate and its private key,
	// for brokers that authenticate clients by certificate (ssl.client.auth).
	// Both or neither. Default: "" (no client certificate).
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName is the name the brokers' certificates must carry. Default:
	// "" (the host of the address dialled).
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify accepts any broker certificate: for testing only,
	// it leaves the connection open to anyone in the middle. Default: false.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// SASL mechanisms SASLConfig.Mechanism accepts (in any letter case).
const (
	SASLPlain       = "plain"
	SASLScramSHA256 = "scram-sha-256"
	SASLScramSHA512 = "scram-sha-512"
)

// SASLConfig authenticates the worker to the brokers. The zero value does
// not authenticate.
type SASLConfig struct {
	// Mechanism is "" (none), plain, scram-sha-256 or scram-sha-512. PLAIN
	// sends the password itself: use it only with TLS. Default: "".
	Mechanism string `yaml:"mechanism"`
	// Username and Password are the credentials; both are required with a
	// mechanism. Pass the password by environment
	// (CIRCLEGUARD_KAFKA_SASL_PASSWORD) rather than in a file or a flag.
	Username string `yaml:"username"`
	Password Secret `yaml:"password"`
}

// Secret is a string that never prints: fmt, slog, JSON and YAML see
// "[redacted]" (or "" when it is empty). string(s) is the value.
type Secret string

const redacted = "[redacted]"

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// LogValue keeps slog from printing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText keeps encoders (JSON, YAML) from printing the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Validate reports every problem with c: options that need Enabled, a key
// without its certificate and the reverse, and files that cannot be read or
// parsed.
func (c TLSConfig) Validate() error {
	_, err := c.build()
	return err
}

// build returns the client TLS configuration, nil when TLS is off.
func (c TLSConfig) build() (*tls.Config, error) {
	var errs []error
	if !c.Enabled {
		for _, o := range []struct {
			name string
			set  bool
		}{{"ca_file", c.CAFile != ""}, {"cert_file", c.CertFile != ""}, {"key_file", c.KeyFile != ""},
			{"server_name", c.ServerName != ""}, {"insecure_skip_verify", c.InsecureSkipVerify}} {
			if o.set {
				errs = append(errs, fmt.Errorf("tls.%s is set but tls.enabled is false", o.name))
			}
		}
		return nil, errors.Join(errs...)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName, InsecureSkipVerify: c.InsecureSkipVerify}
	if c.CAFile != "" {
		pool, err := loadCAs(c.CAFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("tls.ca_file: %w", err))
		}
		cfg.RootCAs = pool
	}
	switch {
	case c.CertFile != "" && c.KeyFile == "":
		errs = append(errs, errors.New("tls.cert_file is set without tls.key_file"))
	case c.KeyFile != "" && c.CertFile == "":
		errs = append(errs, errors.New("tls.key_file is set without tls.cert_file"))
	case c.CertFile != "":
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("tls.cert_file %s and tls.key_file %s: %w", c.CertFile, c.KeyFile, err))
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return cfg, nil
}

// loadCAs reads a PEM file of certificates into a pool.
func loadCAs(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err // the *PathError names the file
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s: no PEM certificate in it", path)
	}
	return pool, nil
}

// Validate reports every problem with c. No message contains the password.
func (c SASLConfig) Validate() error {
	_, err := c.build()
	return err
}

// build returns the SASL mechanism, nil when there is none.
func (c SASLConfig) build() (sasl.Mechanism, error) {
	mech := strings.ToLower(c.Mechanism)
	if mech == "" {
		var errs []error
		if c.Username != "" {
			errs = append(errs, errors.New("sasl.username is set but sasl.mechanism is not"))
		}
		if c.Password != "" {
			errs = append(errs, errors.New("sasl.password is set but sasl.mechanism is not"))
		}
		return nil, errors.Join(errs...)
	}
	var errs []error
	if mech != SASLPlain && mech != SASLScramSHA256 && mech != SASLScramSHA512 {
		errs = append(errs, fmt.Errorf("sasl.mechanism %q: must be %s, %s or %s", c.Mechanism, SASLPlain, SASLScramSHA256, SASLScramSHA512))
	}
	if c.Username == "" {
		errs = append(errs, fmt.Errorf("sasl.username: required with sasl.mechanism %s", mech))
	}
	if c.Password == "" {
		errs = append(errs, fmt.Errorf("sasl.password: required with sasl.mechanism %s (set CIRCLEGUARD_KAFKA_SASL_PASSWORD)", mech))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	switch mech {
	case SASLPlain:
		return plain.Mechanism{Username: c.Username, Password: string(c.Password)}, nil
	default:
		algo := scram.SHA512
		if mech == SASLScramSHA256 {
			algo = scram.SHA256
		}
		m, err := scram.Mechanism(algo, c.Username, string(c.Password))
		if err != nil {
			// SASLprep refused a credential. The library's message quotes
			// it, password included: say which one without it.
			what := "sasl.password"
			if strings.Contains(err.Error(), "SASLprepping username") {
				what = "sasl.username"
			}
			return nil, fmt.Errorf("%s: not a valid %s credential (SASLprep, RFC 4013, refuses it: control or prohibited characters?)", what, mech)
		}
		return m, nil
	}
}

// Security is what a connection to the brokers needs beyond an address: the
// TLS configuration (nil for plain TCP) and the SASL mechanism (nil for
// none).
type Security struct {
	TLS  *tls.Config
	SASL sasl.Mechanism
}

// Security builds the TLS configuration and SASL mechanism of c, reading the
// certificate files. Every Kafka connection the worker opens (the group
// reader's, the writer's, and the admin client's for topics and lag) uses
// them.
func (c KafkaConfig) Security() (Security, error) {
	t, terr := c.TLS.build()
	s, serr := c.SASL.build()
	if err := errors.Join(terr, serr); err != nil {
		return Security{}, err
	}
	return Security{TLS: t, SASL: s}, nil
}

// dialers returns the group reader's dialer and the writer's transport,
// both with c's TLS and SASL.
func (c KafkaConfig) dialers() (*kafka.Dialer, *kafka.Transport, error) {
	sec, err := c.Security()
	if err != nil {
		return nil, nil, fmt.Errorf("kafka: %w", err)
	}
	d := &kafka.Dialer{ClientID: c.ClientID, Timeout: 10 * time.Second, DualStack: true, TLS: sec.TLS, SASLMechanism: sec.SASL}
	return d, sec.transport(c.ClientID), nil
}

// client returns an admin client (metadata, topics, offsets) with c's TLS
// and SASL, every call bounded by timeout.
func (c KafkaConfig) client(timeout time.Duration) (*kafka.Client, error) {
	sec, err := c.Security()
	if err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	return &kafka.Client{Addr: kafka.TCP(c.Brokers...), Timeout: timeout, Transport: sec.transport(c.ClientID)}, nil
}

func (s Security) transport(clientID string) *kafka.Transport {
	return &kafka.Transport{ClientID: clientID, DialTimeout: 10 * time.Second, TLS: s.TLS, SASL: s.SASL}
}
