package repetition

import "math/bits"

// keyTable maps 64-bit keys to post references in a fixed number of slots
// of 8 bytes: a 32-bit tag (other bits of the key's hash than those that
// chose its buckets) and the reference. A key may live in either of two
// buckets of bucketSize slots, the two cache lines of an aligned pair (a
// lookup costs one trip to memory, the hardware fetching the neighbour
// line with it); a new key takes an empty slot of the less full bucket,
// else the slot holding the oldest reference of the two buckets: the table
// never grows and forgets the keys used longest ago.
//
// The slots are one array made up front (allocSlots): on Linux mapped
// outside the Go heap with huge pages where the kernel allows them, since
// lookups land on random pages.
//
// Keys are not stored: a lookup that meets another key with the same tag
// (probability about 2·bucketSize/2³² per lookup) returns that key's
// reference. The Memory store checks post references against the full post
// hash kept with the post; band keys accept the rare false match.
type keyTable struct {
	slots   []keySlot
	nb      uint64 // number of buckets, even
	offHeap uint64 // bytes of slots outside the Go heap
	sink    uint32 // keeps getMany's touches from being optimised away
}

type keySlot struct {
	tag uint32
	ref uint32 // 0: empty; else refBit | 31 bits of a ring position
}

const bucketSize = 8

func newKeyTable(slots int) *keyTable {
	nb := (slots + bucketSize - 1) / bucketSize
	nb += nb & 1 // buckets go in pairs
	if nb < 2 {
		nb = 2
	}
	t := &keyTable{nb: uint64(nb)}
	t.slots, t.offHeap = allocSlots(t, nb*bucketSize)
	return t
}

// mix is the splitmix64 finaliser: keys may be anything, slots need
// uniform bits.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func (t *keyTable) buckets(key uint64) (b1, b2 []keySlot, tag uint32) {
	h := mix(key)
	i1, _ := bits.Mul64(h, t.nb)
	i2 := i1 ^ 1
	return t.slots[i1*bucketSize : (i1+1)*bucketSize : (i1+1)*bucketSize],
		t.slots[i2*bucketSize : (i2+1)*bucketSize : (i2+1)*bucketSize], uint32(h)
}

// get returns key's reference, 0 when the table has none. It reads the two
// buckets side by side, so that their cache misses overlap.
func (t *keyTable) get(key uint64) uint32 {
	b1, b2, tag := t.buckets(key)
	b1, b2 = b1[:bucketSize], b2[:bucketSize]
	for i := range bucketSize {
		s1, s2 := b1[i], b2[i]
		if s1.tag == tag && s1.ref != 0 {
			return s1.ref
		}
		if s2.tag == tag && s2.ref != 0 {
			return s2.ref
		}
	}
	return 0
}

// put maps key to ref; newest is the reference of the newest post, against
// which the age of the references held is measured.
func (t *keyTable) put(key uint64, ref, newest uint32) {
	b1, b2, tag := t.buckets(key)
	for i := range b1 {
		if b1[i].tag == tag && b1[i].ref != 0 {
			b1[i].ref = ref
			return
		}
	}
	for i := range b2 {
		if b2[i].tag == tag && b2[i].ref != 0 {
			b2[i].ref = ref
			return
		}
	}
	var victim *keySlot
	var oldest uint32
	free1, free2 := -1, -1
	n1, n2 := 0, 0
	for i := range b1 {
		if b1[i].ref == 0 {
			n1++
			free1 = i
		} else if age := (newest - b1[i].ref) & refMask; victim == nil || age > oldest {
			victim, oldest = &b1[i], age
		}
	}
	for i := range b2 {
		if b2[i].ref == 0 {
			n2++
			free2 = i
		} else if age := (newest - b2[i].ref) & refMask; victim == nil || age > oldest {
			victim, oldest = &b2[i], age
		}
	}
	switch {
	case n1 > 0 && n1 >= n2:
		victim = &b1[free1]
	case n2 > 0:
		victim = &b2[free2]
	}
	*victim = keySlot{tag: tag, ref: ref}
}

// References name ring positions by their low 31 bits; the top bit tells a
// used slot from an empty one.
const (
	refBit  = 1 << 31
	refMask = refBit - 1
)

func refOf(pos uint64) uint32 { return refBit | uint32(pos)&refMask }

// getMany sets refs[i] to the reference of keys[i] (0 when absent). It first
// touches every bucket pair the keys need, so that their cache misses are
// in flight together, then reads them.
func (t *keyTable) getMany(keys []uint64, refs []uint32) {
	var idx [2 * (MaxBands + 1)]uint64
	var tags [MaxBands + 1]uint32
	var sink uint32
	for i, key := range keys {
		h := mix(key)
		i1, _ := bits.Mul64(h, t.nb)
		i2 := i1 ^ 1
		idx[2*i], idx[2*i+1], tags[i] = i1*bucketSize, i2*bucketSize, uint32(h)
		sink += t.slots[i1*bucketSize].ref + t.slots[i2*bucketSize].ref
	}
	t.sink = sink
	for i := range keys {
		refs[i] = 0
		b1 := t.slots[idx[2*i] : idx[2*i]+bucketSize : idx[2*i]+bucketSize]
		b2 := t.slots[idx[2*i+1] : idx[2*i+1]+bucketSize : idx[2*i+1]+bucketSize]
		for j := range bucketSize {
			if s := b1[j]; s.tag == tags[i] && s.ref != 0 {
				refs[i] = s.ref
				break
			}
			if s := b2[j]; s.tag == tags[i] && s.ref != 0 {
				refs[i] = s.ref
				break
			}
		}
	}
}
