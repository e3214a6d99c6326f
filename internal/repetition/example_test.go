package repetition_test

import (
	"context"
	"fmt"
	"time"

	"github.com/circleguard/circleguard/internal/repetition"
)

// An ad posted by one account, then copied by another: the second post
// joins the first one's cluster.
func ExampleMemory() {
	store, err := repetition.NewMemory(repetition.MemoryConfig{MaxPosts: 10_000})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ad := []uint64{0xa1, 0xa2, 0xa3, 0xa4} // LSH band keys of the ad's text
	counts, err := store.Observe(context.Background(), []repetition.Observation{
		{PostID: "p1", AuthorID: "alice", At: at, Exact: 0xad, Bands: ad},
		{PostID: "p2", AuthorID: "bob", At: at.Add(time.Minute), Exact: 0xad, Bands: ad},
		{PostID: "p3", AuthorID: "bob", At: at.Add(2 * time.Minute), Exact: 0x0c}, // "ok": trivial
	})
	if err != nil {
		panic(err)
	}
	for _, c := range counts {
		fmt.Printf("author 1h=%d copies=%d cluster=%q copies=%d authors=%d\n",
			c.AuthorPosts1h, c.AuthorCopies24h, c.Cluster, c.ClusterCopies24h, c.ClusterAuthors24h)
	}
	// Output:
	// author 1h=1 copies=1 cluster="08d59707b575eaba" copies=1 authors=1
	// author 1h=1 copies=1 cluster="08d59707b575eaba" copies=2 authors=2
	// author 1h=2 copies=0 cluster="" copies=0 authors=0
}
