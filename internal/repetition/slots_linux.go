package repetition

import (
	"runtime"
	"syscall"
	"unsafe"
)

// hugeSlotsFrom is the table size from which slots are mapped with huge
// pages: below it, the Go heap serves.
const hugeSlotsFrom = 4 << 20

// allocSlots returns n zeroed slots for t and how many bytes of them live
// outside the Go heap. A large table is mapped anonymously and advised to
// use huge pages (MADV_HUGEPAGE): every lookup lands on a random page, and
// with 4 KiB pages nearly every one also misses the TLB; 2 MiB pages make
// the store's lookups about a sixth cheaper here. The mapping is released
// when t becomes unreachable. When mapping fails the Go heap serves; when
// the kernel declines huge pages, 4 KiB pages do.
func allocSlots(t *keyTable, n int) ([]keySlot, uint64) {
	size := n * int(unsafe.Sizeof(keySlot{}))
	if size < hugeSlotsFrom {
		return make([]keySlot, n), 0
	}
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]keySlot, n), 0
	}
	const madvHugepage = 14 // MADV_HUGEPAGE, not in package syscall
	_ = syscall.Madvise(mem, madvHugepage)
	runtime.AddCleanup(t, func(mem []byte) { _ = syscall.Munmap(mem) }, mem)
	return unsafe.Slice((*keySlot)(unsafe.Pointer(unsafe.SliceData(mem))), n), uint64(size)
}
