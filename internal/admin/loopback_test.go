package admin

import (
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestDefaultAddrIsLoopback: unless told otherwise, the admin server
// listens on the loopback interface only (metrics are not for the network
// at large).
func TestDefaultAddrIsLoopback(t *testing.T) {
	host, port, err := net.SplitHostPort(DefaultConfig().Addr)
	if err != nil {
		t.Fatal(err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Fatalf("default admin.addr %q: host %q is not a loopback IP", DefaultConfig().Addr, host)
	}
	// Bind the default host (on a free port: 9465 may be in use) and check
	// where the listener really is.
	srv, err := Listen(Config{Addr: net.JoinHostPort(host, "0")}, prometheus.NewRegistry(), nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.ln.Close()
	if ip := srv.ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		t.Errorf("listening on %v, want a loopback address", ip)
	}
	if port != "9465" {
		t.Errorf("default port %s, documented as 9465", port)
	}
}
