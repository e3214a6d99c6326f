package worker

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.yaml.in/yaml/v3"

	"github.com/circleguard/circleguard/internal/testcert"
)

const testPassword = "s3cret-Pa55word-canary"

func TestKafkaSecurityValidate(t *testing.T) {
	ca := testcert.NewCA(t, "test CA")
	caFile := testcert.WriteFile(t, "ca.pem", ca.PEM)
	client := ca.Client(t, "circleguard")
	certFile := testcert.WriteFile(t, "client.pem", client.CertPEM)
	keyFile := testcert.WriteFile(t, "client.key", client.KeyPEM)
	otherKey := testcert.WriteFile(t, "other.key", ca.Client(t, "other").KeyPEM)
	notPEM := testcert.WriteFile(t, "ca.txt", []byte("not a certificate\n"))
	missing := filepath.Join(t.TempDir(), "missing.pem")

	for _, tc := range []struct {
		name string
		tls  TLSConfig
		sasl SASLConfig
		want []string // every one in the error; none: no error
	}{
		{name: "none"},
		{name: "tls with system roots", tls: TLSConfig{Enabled: true}},
		{name: "tls with ca", tls: TLSConfig{Enabled: true, CAFile: caFile, ServerName: "kafka.internal"}},
		{name: "tls with client cert", tls: TLSConfig{Enabled: true, CAFile: caFile, CertFile: certFile, KeyFile: keyFile}},
		{name: "tls insecure", tls: TLSConfig{Enabled: true, InsecureSkipVerify: true}},
		{name: "scram-sha-512", sasl: SASLConfig{Mechanism: "scram-sha-512", Username: "u", Password: testPassword}},
		{name: "SCRAM-SHA-256 upper case", sasl: SASLConfig{Mechanism: "SCRAM-SHA-256", Username: "u", Password: testPassword}},
		{name: "plain", tls: TLSConfig{Enabled: true}, sasl: SASLConfig{Mechanism: "plain", Username: "u", Password: testPassword}},

		{name: "tls options without enabled", tls: TLSConfig{CAFile: caFile, InsecureSkipVerify: true},
			want: []string{"tls.ca_file is set but tls.enabled is false", "tls.insecure_skip_verify is set but tls.enabled is false"}},
		{name: "unreadable ca", tls: TLSConfig{Enabled: true, CAFile: missing},
			want: []string{"tls.ca_file: open " + missing + ": no such file or directory"}},
		{name: "ca not pem", tls: TLSConfig{Enabled: true, CAFile: notPEM},
			want: []string{"tls.ca_file: " + notPEM + ": no PEM certificate in it"}},
		{name: "key without cert", tls: TLSConfig{Enabled: true, KeyFile: keyFile},
			want: []string{"tls.key_file is set without tls.cert_file"}},
		{name: "cert without key", tls: TLSConfig{Enabled: true, CertFile: certFile},
			want: []string{"tls.cert_file is set without tls.key_file"}},
		{name: "key of another cert", tls: TLSConfig{Enabled: true, CertFile: certFile, KeyFile: otherKey},
			want: []string{"tls.cert_file " + certFile + " and tls.key_file " + otherKey + ": tls: private key does not match public key"}},
		{name: "unknown mechanism", sasl: SASLConfig{Mechanism: "gssapi", Username: "u", Password: testPassword},
			want: []string{`sasl.mechanism "gssapi": must be plain, scram-sha-256 or scram-sha-512`}},
		{name: "password without mechanism", sasl: SASLConfig{Password: testPassword},
			want: []string{"sasl.password is set but sasl.mechanism is not"}},
		{name: "username without mechanism", sasl: SASLConfig{Username: "u"},
			want: []string{"sasl.username is set but sasl.mechanism is not"}},
		{name: "mechanism without credentials", sasl: SASLConfig{Mechanism: "scram-sha-512"},
			want: []string{"sasl.username: required with sasl.mechanism scram-sha-512", "sasl.password: required with sasl.mechanism scram-sha-512 (set CIRCLEGUARD_KAFKA_SASL_PASSWORD)"}},
		{name: "password SASLprep refuses", sasl: SASLConfig{Mechanism: "scram-sha-512", Username: "u", Password: testPassword + "\u0007"},
			want: []string{"sasl.password: not a valid scram-sha-512 credential"}},
		{name: "both sections", tls: TLSConfig{Enabled: true, CAFile: missing}, sasl: SASLConfig{Mechanism: "kerberos", Username: "u", Password: testPassword},
			want: []string{"tls.ca_file: open", `sasl.mechanism "kerberos"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := DefaultKafkaConfig()
			kc.TLS, kc.SASL = tc.tls, tc.sasl
			err := kc.Validate()
			_, serr := kc.Security()
			if len(tc.want) == 0 {
				if err != nil || serr != nil {
					t.Fatalf("Validate: %v; Security: %v", err, serr)
				}
				return
			}
			if err == nil || serr == nil {
				t.Fatalf("Validate: %v; Security: %v; want errors containing %q", err, serr, tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate error %q\n does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), testPassword) || strings.Contains(serr.Error(), testPassword) {
				t.Errorf("an error contains the password: %v", err)
			}
		})
	}
}

// TestKafkaSecurityHandshake checks the built TLS configuration against a
// TLS server with a certificate the test's CA signed, which asks for a
// client certificate signed by another CA.
func TestKafkaSecurityHandshake(t *testing.T) {
	serverCA, clientCA, otherCA := testcert.NewCA(t, "server CA"), testcert.NewCA(t, "client CA"), testcert.NewCA(t, "other CA")
	serverCert := serverCA.Server(t, "127.0.0.1", "kafka.test")
	client := clientCA.Client(t, "circleguard-worker")
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{serverCert.TLS},
		ClientCAs:    clientCA.Pool(),
		ClientAuth:   tls.VerifyClientCertIfGiven,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peers := make(chan string, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			tc := c.(*tls.Conn)
			if tc.Handshake() == nil {
				name := ""
				if certs := tc.ConnectionState().PeerCertificates; len(certs) > 0 {
					name = certs[0].Subject.CommonName
				}
				peers <- name
			}
			c.Close()
		}
	}()

	caFile := testcert.WriteFile(t, "ca.pem", serverCA.PEM)
	otherFile := testcert.WriteFile(t, "other.pem", otherCA.PEM)
	certFile := testcert.WriteFile(t, "client.pem", client.CertPEM)
	keyFile := testcert.WriteFile(t, "client.key", client.KeyPEM)
	for _, tc := range []struct {
		name     string
		cfg      TLSConfig
		wantErr  string
		wantPeer string
	}{
		{name: "ca verified", cfg: TLSConfig{Enabled: true, CAFile: caFile}},
		{name: "client certificate", cfg: TLSConfig{Enabled: true, CAFile: caFile, CertFile: certFile, KeyFile: keyFile}, wantPeer: "circleguard-worker"},
		{name: "server name", cfg: TLSConfig{Enabled: true, CAFile: caFile, ServerName: "kafka.test"}},
		{name: "wrong ca", cfg: TLSConfig{Enabled: true, CAFile: otherFile}, wantErr: "certificate signed by unknown authority"},
		{name: "system roots", cfg: TLSConfig{Enabled: true}, wantErr: "certificate signed by unknown authority"},
		{name: "wrong server name", cfg: TLSConfig{Enabled: true, CAFile: caFile, ServerName: "other.test"}, wantErr: "certificate is valid for kafka.test, not other.test"},
		{name: "insecure skips verification", cfg: TLSConfig{Enabled: true, CAFile: otherFile, InsecureSkipVerify: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := DefaultKafkaConfig()
			kc.TLS = tc.cfg
			kc.Brokers = []string{ln.Addr().String()}
			d, _, err := kc.dialers()
			if err != nil {
				t.Fatal(err)
			}
			// The kafka-go dialer does the TLS handshake before any Kafka
			// request; the server closes the connection after it.
			conn, err := d.DialContext(t.Context(), "tcp", ln.Addr().String())
			if conn != nil {
				conn.Close()
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("dial: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("dial: %v, want an error containing %q", err, tc.wantErr)
			case tc.wantErr == "":
				select {
				case got := <-peers:
					if got != tc.wantPeer {
						t.Errorf("server saw client certificate %q, want %q", got, tc.wantPeer)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("server saw no handshake")
				}
			}
		})
	}
}

// TestKafkaSecurityWiring checks that one configuration reaches the reader's
// dialer, the writer's transport and the admin client.
func TestKafkaSecurityWiring(t *testing.T) {
	kc := DefaultKafkaConfig()
	kc.TLS = TLSConfig{Enabled: true, ServerName: "kafka.test"}
	kc.SASL = SASLConfig{Mechanism: "scram-sha-512", Username: "u", Password: testPassword}
	d, tr, err := kc.dialers()
	if err != nil {
		t.Fatal(err)
	}
	c, err := kc.client(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ct := c.Transport.(*kafka.Transport)
	for name, got := range map[string]*tls.Config{"dialer": d.TLS, "transport": tr.TLS, "client": ct.TLS} {
		if got == nil || got.ServerName != "kafka.test" || got.MinVersion != tls.VersionTLS12 {
			t.Errorf("%s TLS = %+v", name, got)
		}
	}
	for name, m := range map[string]interface{ Name() string }{"dialer": d.SASLMechanism, "transport": tr.SASL, "client": ct.SASL} {
		if m == nil || m.Name() != "SCRAM-SHA-512" {
			t.Errorf("%s SASL = %v", name, m)
		}
	}
	if d.ClientID != kc.ClientID || tr.ClientID != kc.ClientID || ct.ClientID != kc.ClientID {
		t.Errorf("client ids %q %q %q, want %q", d.ClientID, tr.ClientID, ct.ClientID, kc.ClientID)
	}

	plain := DefaultKafkaConfig()
	d, tr, err = plain.dialers()
	if err != nil || d.TLS != nil || d.SASLMechanism != nil || tr.TLS != nil || tr.SASL != nil {
		t.Errorf("plain config: %v %+v %+v", err, d, tr)
	}
}

// TestSecretNeverPrints: the password stays out of every way a config
// could be printed, and still decodes from YAML.
func TestSecretNeverPrints(t *testing.T) {
	var kc KafkaConfig
	src := "brokers: [b:9093]\nsasl:\n  mechanism: scram-sha-512\n  username: worker\n  password: " + testPassword + "\n"
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&kc); err != nil {
		t.Fatal(err)
	}
	if string(kc.SASL.Password) != testPassword {
		t.Fatalf("decoded password %q", string(kc.SASL.Password))
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "%v %+v %#v %s %q\n", kc, kc, kc, kc.SASL.Password, kc.SASL.Password)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("config", "kafka", kc, "sasl", kc.SASL, "password", kc.SASL.Password)
	slog.New(slog.NewTextHandler(&out, nil)).Info("config", "kafka", kc, "password", kc.SASL.Password)
	j, err := json.Marshal(kc)
	if err != nil {
		t.Fatal(err)
	}
	y, err := yaml.Marshal(kc)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(j)
	out.Write(y)
	out.WriteString(errors.Join(kc.Validate(), SASLConfig{Password: kc.SASL.Password}.Validate()).Error())
	if strings.Contains(out.String(), testPassword) {
		t.Fatalf("password printed:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "[redacted]") {
		t.Fatalf("no [redacted] in:\n%s", out.String())
	}
	if Secret("").String() != "" {
		t.Error("empty secret prints as non-empty")
	}
}
