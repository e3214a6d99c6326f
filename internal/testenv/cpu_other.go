//go:build !unix

package testenv

import "time"

// CPUTime is 0 here: the system's CPU accounting is not read.
func CPUTime() time.Duration { return 0 }
