//go:build !linux

package main

import (
	"context"
	"errors"
	"io"
)

// cmdBench is `circleguard bench`, which needs Linux: it measures its
// child processes through /proc and stops and resumes them with signals.
func cmdBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return errors.New("bench: circleguard bench needs Linux (it reads /proc and stops its processes with SIGSTOP)")
}
