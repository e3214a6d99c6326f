//go:build race

package repetition

// raceEnabled: the race detector slows the footprint fill tenfold and adds
// its own memory.
const raceEnabled = true
