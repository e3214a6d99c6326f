//go:build !linux

package repetition

// allocSlots returns n zeroed slots for t from the Go heap.
func allocSlots(t *keyTable, n int) ([]keySlot, uint64) {
	return make([]keySlot, n), 0
}
