//go:build !race

package repetition

const raceEnabled = false
