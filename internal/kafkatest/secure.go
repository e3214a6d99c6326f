package kafkatest

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go/sasl/scram"

	"github.com/circleguard/circleguard/internal/testenv"
)

// Environment variables naming the real broker's secured listeners, which
// scripts/kafka.sh writes into <cache>/kafka/env beside EnvBroker.
const (
	EnvTLS          = "CIRCLEGUARD_TEST_KAFKA_TLS"           // SSL listener, host:port
	EnvSASL         = "CIRCLEGUARD_TEST_KAFKA_SASL"          // SASL_SSL listener (SCRAM-SHA-512), host:port
	EnvCA           = "CIRCLEGUARD_TEST_KAFKA_CA"            // PEM file of the CA that signed the broker's certificate
	EnvSASLUser     = "CIRCLEGUARD_TEST_KAFKA_SASL_USER"     // SCRAM user
	EnvSASLPassword = "CIRCLEGUARD_TEST_KAFKA_SASL_PASSWORD" // and its password
)

// Secure describes the real broker's secured listeners. Both use a
// certificate for 127.0.0.1 signed by the CA in CAFile and do not ask for
// client certificates; SASLAddr also requires SCRAM-SHA-512 as User.
type Secure struct {
	TLSAddr, SASLAddr string
	CAFile            string
	User, Password    string
}

// SecureBroker returns the real broker's secured listeners. Like Broker, it
// skips the test without them, except under CI=true, where it fails.
//
// The variables come from the environment or, when only EnvBroker is there
// (scripts/test.sh exports the address kafka.sh prints), from the env file
// that kafka.sh wrote for that same broker.
func SecureBroker(t testing.TB) Secure {
	t.Helper()
	file := envFile()
	get := func(name string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return file[name]
	}
	s := Secure{TLSAddr: get(EnvTLS), SASLAddr: get(EnvSASL), CAFile: get(EnvCA), User: get(EnvSASLUser), Password: get(EnvSASLPassword)}
	if s.TLSAddr == "" {
		// Skips, or fails under CI=true.
		testenv.Addr(t, EnvTLS, "scripts/kafka.sh restart (a broker started before it had TLS listeners lacks them)")
	}
	for name, v := range map[string]string{EnvSASL: s.SASLAddr, EnvCA: s.CAFile, EnvSASLUser: s.User, EnvSASLPassword: s.Password} {
		if v == "" {
			t.Fatalf("%s is set but %s is not: restart the broker with scripts/kafka.sh restart", EnvTLS, name)
		}
	}
	return s
}

// TLSConn returns the SSL listener, the broker's certificate verified
// against the CA.
func (s Secure) TLSConn(t testing.TB) Conn {
	t.Helper()
	return Conn{Addr: s.TLSAddr, TLS: s.tlsConfig(t)}
}

// SASLConn returns the SASL_SSL listener, authenticated as User with
// SCRAM-SHA-512.
func (s Secure) SASLConn(t testing.TB) Conn {
	t.Helper()
	m, err := scram.Mechanism(scram.SHA512, s.User, s.Password)
	if err != nil {
		t.Fatalf("SCRAM mechanism for %s: invalid credentials", s.User) // the library's error quotes the password
	}
	return Conn{Addr: s.SASLAddr, TLS: s.tlsConfig(t), SASL: m}
}

func (s Secure) tlsConfig(t testing.TB) *tls.Config {
	t.Helper()
	b, err := os.ReadFile(s.CAFile)
	if err != nil {
		t.Fatalf("broker CA: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatalf("broker CA %s: no PEM certificate", s.CAFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// envFile returns the variables of the env file scripts/kafka.sh wrote
// (<cache>/kafka/env, the cache being $CIRCLEGUARD_CACHE or .cache at the
// module root) when it describes the broker at $CIRCLEGUARD_TEST_KAFKA;
// otherwise nil.
func envFile() map[string]string {
	broker := os.Getenv(EnvBroker)
	if broker == "" {
		return nil
	}
	cache := os.Getenv("CIRCLEGUARD_CACHE")
	if cache == "" {
		root := moduleRoot()
		if root == "" {
			return nil
		}
		cache = filepath.Join(root, ".cache")
	}
	f, err := os.Open(filepath.Join(cache, "kafka", "env"))
	if err != nil {
		return nil
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		if ok {
			vars[k] = strings.Trim(v, `'"`)
		}
	}
	if vars[EnvBroker] != broker {
		return nil // another broker's file
	}
	return vars
}

// moduleRoot returns the nearest directory at or above the working
// directory (a package's, under go test) that holds go.mod.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
