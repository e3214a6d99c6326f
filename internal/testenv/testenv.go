// Package testenv finds the real services integration tests run against.
// scripts/test.sh starts them and exports their addresses; .ci/run runs it
// with CI=true.
package testenv

import (
	"os"
	"testing"
)

// Addr returns the address in the environment variable name. Without it the
// test is skipped — except under CI=true, where a missing service fails the
// test: CI must never pass by skipping. start says how to get the service
// ("scripts/kafka.sh start").
func Addr(t testing.TB, name, start string) string {
	t.Helper()
	addr := os.Getenv(name)
	if addr == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set under CI=true: the real service is required (%s)", name, start)
		}
		t.Skipf("%s not set: start the service with %s", name, start)
	}
	return addr
}
