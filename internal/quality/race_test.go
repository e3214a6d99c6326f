//go:build race

package quality_test

const raceEnabled = true
