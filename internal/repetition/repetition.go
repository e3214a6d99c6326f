package repetition

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Observation is one post as the repetition state sees it: who, when, and
// the fingerprints of its text. The store keeps none of the text.
type Observation struct {
	// PostID identifies the post; a second Observation with the same PostID
	// is a replay and counts nothing. Required.
	PostID string
	// AuthorID is the posting account. Required.
	AuthorID string
	// At is the post's event time (created_at), never the wall clock. It is
	// kept to the millisecond.
	At time.Time
	// Exact is the exact fingerprint of the post's normalised skeleton.
	Exact uint64
	// Bands are the post's LSH band keys (near-duplicate candidates). The
	// store compares them as plain values, so the fingerprint package must
	// mix each band's number into its key. Empty means a trivial text that
	// is never a copy of anything: it counts for its author only, and Exact
	// is then ignored too. Only the first MaxBands are used.
	Bands []uint64
}

// DefaultMinSharedBands is the default number of band keys a post must
// share with a cluster to join it.
const DefaultMinSharedBands = 2

// MaxBands is the number of band keys per post the stores use; more are
// ignored.
const MaxBands = 64

// Counts are the repetition signals of one post, counted in event time over
// windows that end at the post's own At: a window of length d holds the posts
// with At in (post.At − d, post.At].
type Counts struct {
	// AuthorPosts1h and AuthorPosts24h count the author's posts in the hour
	// and in the Window (24 h by default) up to At, this one included.
	AuthorPosts1h, AuthorPosts24h int
	// AuthorCopies24h counts the author's posts in the Window up to At that
	// belong to this post's cluster, this one included; 0 for a trivial text.
	AuthorCopies24h int
	// Cluster names the post's content cluster: the hexadecimal PostIDHash
	// of the post that started it. "" for a trivial text.
	Cluster string
	// ClusterCopies24h counts the cluster's posts by all authors in the
	// Window up to At, this one included; 0 for a trivial text.
	ClusterCopies24h int
	// ClusterAuthors24h counts the distinct authors among those posts.
	ClusterAuthors24h int
	// ClusterFirstSeen is the earliest event time of a post of the cluster
	// (zero for a trivial text).
	ClusterFirstSeen time.Time
	// Replay says the PostID had been counted before: the counts are the
	// ones the first observation returned, and nothing was added.
	Replay bool
}

// Store counts observations. Both implementations, Memory and Redis, pass
// the same conformance suite.
type Store interface {
	// Observe counts a batch in order, idempotently per PostID, and returns
	// each post's counts in the batch's order. A post later in the batch
	// sees the earlier ones. Safe for concurrent use. On error, a prefix of
	// the batch may have been counted: observing the batch again is safe,
	// since the posts already counted come back as replays with their first
	// counts.
	Observe(ctx context.Context, batch []Observation) ([]Counts, error)
	// Close releases the store's resources.
	Close() error
}

// Window defaults.
const (
	DefaultWindow   = 24 * time.Hour
	DefaultLateness = 10 * time.Minute
	// ShortWindow is the length of the AuthorPosts1h window.
	ShortWindow = time.Hour
)

// windows holds the event-time settings both stores share, in milliseconds.
type windows struct {
	window, lateness int64
}

func newWindows(window, lateness time.Duration) (windows, error) {
	if window == 0 {
		window = DefaultWindow
	}
	if lateness == 0 {
		lateness = DefaultLateness
	}
	switch {
	case window < ShortWindow:
		return windows{}, fmt.Errorf("window %v is shorter than the %v short window", window, ShortWindow)
	case window%time.Millisecond != 0 || lateness%time.Millisecond != 0:
		return windows{}, errors.New("window and lateness must be whole milliseconds")
	case lateness < 0:
		return windows{}, fmt.Errorf("lateness %v is negative", lateness)
	}
	return windows{window: window.Milliseconds(), lateness: lateness.Milliseconds()}, nil
}

// retention is how far behind the newest event time seen state is kept.
func (w windows) retention() int64 { return w.window + w.lateness }

// checkBatch rejects observations no store can count.
func checkBatch(batch []Observation) error {
	for i := range batch {
		switch {
		case batch[i].PostID == "":
			return fmt.Errorf("observation %d: empty PostID", i)
		case batch[i].AuthorID == "":
			return fmt.Errorf("observation %d (post %q): empty AuthorID", i, batch[i].PostID)
		}
	}
	return nil
}

// PostIDHash is the 64-bit FNV-1a hash of a post ID. Both stores know a post
// by it (a collision between two of the few million posts of a window has a
// probability near 10⁻⁶ a day and makes the second post a replay), and a
// cluster is named by the hash of the post that started it. It is never 0
// (a hash of 0 becomes 1).
func PostIDHash(id string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	if h == 0 {
		h = 1
	}
	return h
}

// clusterName formats a cluster id as Counts.Cluster shows it.
func clusterName(id uint64) string {
	var b [16]byte
	s := strconv.AppendUint(b[:0], id, 16)
	if len(s) == 16 {
		return string(s)
	}
	var out [16]byte
	for i := range out {
		out[i] = '0'
	}
	copy(out[16-len(s):], s)
	return string(out[:])
}

// bandsOf returns the band keys a store uses.
func bandsOf(o *Observation) []uint64 {
	if len(o.Bands) > MaxBands {
		return o.Bands[:MaxBands]
	}
	return o.Bands
}

// exactKey puts an exact fingerprint in a key space of its own, apart from
// the band keys.
func exactKey(exact uint64) uint64 { return exact ^ 0x6a09e667f3bcc909 }
