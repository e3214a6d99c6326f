//go:build race

package verdict

// raceEnabled is true under the race detector, which makes sync.Pool drop
// items at random: allocation counts are not exact then.
const raceEnabled = true
