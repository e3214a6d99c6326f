package worker

import (
	"math/rand/v2"
	"testing"
)

func TestTracker(t *testing.T) {
	type step struct {
		add    []int64 // offsets fetched on partition 0, in order
		finish []int   // indexes into all tickets so far to mark done
		want   int64   // offset ready to commit on partition 0, -1 for none
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"nothing finished", []step{{add: []int64{0, 1, 2}, want: -1}}},
		{"in order", []step{{add: []int64{0, 1, 2}, finish: []int{0, 1}, want: 1}}},
		{"later first does not commit", []step{{add: []int64{0, 1, 2}, finish: []int{2}, want: -1}}},
		{"gap filled", []step{
			{add: []int64{0, 1, 2}, finish: []int{1, 2}, want: -1},
			{finish: []int{0}, want: 2},
		}},
		{"offset gaps from compaction", []step{{add: []int64{5, 9, 10, 42}, finish: []int{0, 1, 2}, want: 10}}},
		{"redelivery starts a new epoch and ignores old completions", []step{
			{add: []int64{0, 1, 2, 3}, finish: []int{0}, want: 0},
			{add: []int64{1, 2}, finish: []int{1, 2, 3}, want: -1}, // old tickets 1..3: ignored
			{finish: []int{4, 5}, want: 2},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTracker()
			var tickets []ticket
			for i, s := range tt.steps {
				for _, off := range s.add {
					tk, _ := tr.add(0, off)
					tickets = append(tickets, tk)
				}
				var fin []ticket
				for _, idx := range s.finish {
					fin = append(fin, tickets[idx])
				}
				tr.done(fin)
				got := int64(-1)
				if r := tr.ready(); len(r) > 0 {
					got = r[0].offset
					tr.committed(r)
				}
				if got != s.want {
					t.Fatalf("step %d: ready offset = %d, want %d", i, got, s.want)
				}
			}
		})
	}
}

func TestTrackerNeverCommitsBackwards(t *testing.T) {
	tr := newTracker()
	a, _ := tr.add(0, 10)
	tr.done([]ticket{a})
	tr.committed(tr.ready())
	b, restarted := tr.add(0, 3) // stale redelivery below what was committed
	if !restarted {
		t.Fatal("add(3) after 10: restarted = false, want true")
	}
	tr.done([]ticket{b})
	if r := tr.ready(); len(r) != 0 {
		t.Fatalf("ready = %v after a redelivery below the committed offset, want nothing", r)
	}
}

// TestTrackerRandomOrder finishes batches in a random order over several
// partitions and checks the invariant: a ready offset never has an
// unfinished offset at or below it.
func TestTrackerRandomOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		tr := newTracker()
		const parts, perPart = 4, 300
		type msg struct {
			part int
			off  int64
			tk   ticket
		}
		var all []msg
		for i := range perPart {
			for p := range parts {
				tk, _ := tr.add(p, int64(i*2)) // even offsets: gaps everywhere
				all = append(all, msg{p, int64(i * 2), tk})
			}
		}
		finished := map[[2]int64]bool{}
		order := rng.Perm(len(all))
		for len(order) > 0 {
			n := min(len(order), 1+rng.IntN(40))
			var batch []ticket
			for _, i := range order[:n] {
				batch = append(batch, all[i].tk)
				finished[[2]int64{int64(all[i].part), all[i].off}] = true
			}
			order = order[n:]
			tr.done(batch)
			for _, c := range tr.ready() {
				for off := int64(0); off <= c.offset; off += 2 {
					if !finished[[2]int64{int64(c.partition), off}] {
						t.Fatalf("round %d: partition %d ready at %d but offset %d unfinished", round, c.partition, c.offset, off)
					}
				}
			}
			tr.committed(tr.ready())
		}
		got := tr.ready()
		if len(got) != 0 || tr.pending() != 0 {
			t.Fatalf("round %d: after all finished: ready %v, pending %d", round, got, tr.pending())
		}
		for p := range parts {
			if c := tr.parts[p].committed; c != (perPart-1)*2 {
				t.Fatalf("round %d: partition %d committed %d, want %d", round, p, c, (perPart-1)*2)
			}
		}
	}
}

func BenchmarkTracker(b *testing.B) {
	tr := newTracker()
	tks := make([]ticket, 0, 1000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		tks = tks[:0]
		for j := range 1000 {
			tk, _ := tr.add(j%6, int64(i*1000+j))
			tks = append(tks, tk)
		}
		tr.done(tks)
		tr.committed(tr.ready())
	}
}
