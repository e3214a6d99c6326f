package repetition

import (
	"context"
	"crypto/tls"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/circleguard/circleguard/internal/testcert"
)

func TestRedisTLSConfig(t *testing.T) {
	ca := testcert.NewCA(t, "redis CA")
	caFile := testcert.WriteFile(t, "ca.pem", ca.PEM)
	client := ca.Client(t, "worker")
	certFile := testcert.WriteFile(t, "client.pem", client.CertPEM)
	keyFile := testcert.WriteFile(t, "client.key", client.KeyPEM)
	missing := filepath.Join(t.TempDir(), "nope.pem")
	for _, tc := range []struct {
		name string
		cfg  RedisConfig
		want string // error text; "" none
	}{
		{name: "off", cfg: RedisConfig{}},
		{name: "system roots", cfg: RedisConfig{Addr: "redis.internal:6380", TLS: true}},
		{name: "ca and client cert", cfg: RedisConfig{TLS: true, CAFile: caFile, CertFile: certFile, KeyFile: keyFile, ServerName: "redis.test"}},
		{name: "options without tls", cfg: RedisConfig{CAFile: caFile}, want: "need tls: true"},
		{name: "unreadable ca", cfg: RedisConfig{TLS: true, CAFile: missing}, want: "ca_file: open " + missing},
		{name: "ca not pem", cfg: RedisConfig{TLS: true, CAFile: keyFile}, want: "no PEM certificate"},
		{name: "key without cert", cfg: RedisConfig{TLS: true, KeyFile: keyFile}, want: "cert_file and key_file: set both or neither"},
		{name: "cert with wrong key", cfg: RedisConfig{TLS: true, CertFile: certFile, KeyFile: caFile}, want: "cert_file " + certFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Validate: %v, want %q", err, tc.want)
			}
		})
	}

	// What NewRedis hands go-redis.
	c, err := RedisConfig{Addr: "redis.internal:6380", TLS: true, CAFile: caFile, CertFile: certFile, KeyFile: keyFile}.withDefaults().tlsConfig()
	if err != nil {
		t.Fatal(err)
	}
	if c.ServerName != "redis.internal" || c.MinVersion != tls.VersionTLS12 || c.RootCAs == nil || len(c.Certificates) != 1 || c.InsecureSkipVerify {
		t.Errorf("tls config %+v", c)
	}
	if c, _ := (RedisConfig{Addr: "redis.internal:6380", TLS: true, ServerName: "cache.test"}).tlsConfig(); c.ServerName != "cache.test" {
		t.Errorf("server_name ignored: %q", c.ServerName)
	}
	if c, _ := (RedisConfig{Addr: "redis.internal:6380"}).tlsConfig(); c != nil {
		t.Errorf("tls off gave %+v", c)
	}
}

// TestIntegrationRedisTLS runs a redis-server of its own with TLS only,
// a password and client certificates required (a certificate and CA the
// test makes), and checks that the store connects and counts through it,
// and that a wrong CA or a missing client certificate fail at NewRedis with
// the reason. It runs where the real Redis tests run (CIRCLEGUARD_TEST_REDIS
// set: redis-server is installed).
func TestIntegrationRedisTLS(t *testing.T) {
	redisAddr(t) // skip (or fail under CI) where there is no redis-server
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	ca, otherCA := testcert.NewCA(t, "redis CA"), testcert.NewCA(t, "other CA")
	server, client := ca.Server(t, "127.0.0.1"), ca.Client(t, "circleguard")
	caFile := testcert.WriteFile(t, "ca.pem", ca.PEM)
	otherFile := testcert.WriteFile(t, "other.pem", otherCA.PEM)
	certFile := testcert.WriteFile(t, "client.pem", client.CertPEM)
	keyFile := testcert.WriteFile(t, "client.key", client.KeyPEM)
	const password = "redis-tls-test-password"

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	l.Close()
	dir := t.TempDir()
	cmd := exec.Command(bin, "--port", "0", "--tls-port", port, "--bind", "127.0.0.1",
		"--tls-cert-file", testcert.WriteFile(t, "server.pem", server.CertPEM),
		"--tls-key-file", testcert.WriteFile(t, "server.key", server.KeyPEM),
		"--tls-ca-cert-file", caFile, "--tls-auth-clients", "yes",
		"--requirepass", password, "--save", "", "--appendonly", "no", "--dir", dir)
	logFile, err := os.Create(filepath.Join(dir, "redis.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); logFile.Close() })

	good := RedisConfig{Addr: addr, Password: password, TLS: true, CAFile: caFile, CertFile: certFile, KeyFile: keyFile, DialTimeout: 2 * time.Second}
	var r *Redis
	for deadline := time.Now().Add(10 * time.Second); ; {
		if r, err = NewRedis(context.Background(), good); err == nil {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile.Name())
			t.Fatalf("NewRedis over TLS: %v\nredis-server log:\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	defer r.Close()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	obs := []Observation{{PostID: "p1", AuthorID: "a", At: at, Exact: 7, Bands: []uint64{1, 2}},
		{PostID: "p2", AuthorID: "a", At: at.Add(time.Minute), Exact: 7, Bands: []uint64{1, 2}}}
	counts, err := r.Observe(context.Background(), obs)
	if err != nil {
		t.Fatalf("Observe over TLS: %v", err)
	}
	if counts[1].AuthorCopies24h != 2 {
		t.Errorf("second copy counts %+v, want the author's 2 copies", counts[1])
	}

	for _, tc := range []struct {
		name string
		cfg  RedisConfig
		want string
	}{
		{"wrong CA", RedisConfig{Addr: addr, Password: password, TLS: true, CAFile: otherFile, CertFile: certFile, KeyFile: keyFile}, "certificate signed by unknown authority"},
		{"no client certificate", RedisConfig{Addr: addr, Password: password, TLS: true, CAFile: caFile}, "certificate required"},
		{"wrong password", RedisConfig{Addr: addr, Password: "nope", TLS: true, CAFile: caFile, CertFile: certFile, KeyFile: keyFile}, "WRONGPASS"},
		{"plain TCP", RedisConfig{Addr: addr, Password: password}, "does not answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.DialTimeout, tc.cfg.Timeout = 2*time.Second, 2*time.Second
			start := time.Now()
			r, err := NewRedis(context.Background(), tc.cfg)
			if err == nil {
				r.Close()
				t.Fatal("NewRedis succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewRedis: %v, want %q in it", err, tc.want)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error contains the password: %v", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v to fail", d)
			}
			t.Logf("%v (%v)", err, time.Since(start).Round(time.Millisecond))
		})
	}
}
