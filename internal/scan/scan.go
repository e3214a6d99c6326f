// Package scan is the offline way in: posts as JSONL in, one verdict JSONL
// line per valid post out, in input order. It shares every line of analysis
// with the stream worker; only the source and the sink differ.
package scan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/internal/verdict"
	"github.com/circleguard/circleguard/worker"
)

// Summary counts what a scan saw.
type Summary struct {
	Lines    int            // non-blank input lines
	Verdicts int            // verdict lines written
	Bad      int            // lines rejected
	ByReason map[string]int // rejected lines by reason code
	Elapsed  time.Duration
}

// String is the closing line printed on stderr.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "scan: %d lines, %d verdicts, %d bad", s.Lines, s.Verdicts, s.Bad)
	if s.Bad > 0 {
		reasons := make([]string, 0, len(s.ByReason))
		for r := range s.ByReason {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		b.WriteString(" (")
		for i, r := range reasons {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %d", r, s.ByReason[r])
		}
		b.WriteString(")")
	}
	secs := s.Elapsed.Seconds()
	fmt.Fprintf(&b, " in %.2fs", secs)
	if secs > 0 {
		fmt.Fprintf(&b, " (%.0f posts/s)", float64(s.Lines)/secs)
	}
	return b.String()
}

// BatchSize is the number of posts decided together, as the worker does
// with a batch of messages: the repetition store counts them in one call.
const BatchSize = 1000

// Run reads posts from in and writes verdicts to out. Each bad line is
// reported on report as "line N: reason: detail" (never its content) and
// counted. maxBytes <= 0 means post.DefaultMaxBytes; a longer line is bad
// (too_large) and skipped without being held in memory. Blank lines are
// skipped. Run returns an error only for I/O failures or when ctx ends.
func Run(ctx context.Context, in io.Reader, out, report io.Writer, d worker.Decider, maxBytes int) (Summary, error) {
	if maxBytes <= 0 {
		maxBytes = post.DefaultMaxBytes
	}
	start := time.Now()
	sum := Summary{ByReason: map[string]int{}}
	r := bufio.NewReaderSize(in, 64<<10)
	w := bufio.NewWriterSize(out, 64<<10)
	var line, buf []byte
	posts := make([]post.Post, 0, BatchSize)
	var verdicts []verdict.Verdict
	// flush decides the pending posts in one batch and writes their
	// verdicts in input order.
	flush := func() error {
		if len(posts) == 0 {
			return nil
		}
		var err error
		verdicts, err = d.DecideBatch(ctx, posts, time.Now(), verdicts[:0], nil)
		if err != nil {
			return fmt.Errorf("decide: %w", err)
		}
		for i := range verdicts {
			buf, err = verdicts[i].Append(buf[:0])
			if err != nil {
				return fmt.Errorf("post %q: encode verdict: %w", verdicts[i].PostID, err)
			}
			buf = append(buf, '\n')
			if _, err := w.Write(buf); err != nil {
				return fmt.Errorf("write verdict: %w", err)
			}
		}
		sum.Verdicts += len(verdicts)
		clear(verdicts)
		clear(posts)
		posts = posts[:0]
		return nil
	}
	for n := 1; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return sum, ctx.Err()
		}
		var size int
		var tooLong bool
		var err error
		line, size, tooLong, err = readLine(r, line[:0], maxBytes)
		if err != nil && !errors.Is(err, io.EOF) {
			return sum, fmt.Errorf("read line %d: %w", n, err)
		}
		eof := errors.Is(err, io.EOF)
		if !tooLong && len(bytes.TrimSpace(line)) == 0 {
			if eof {
				break
			}
			continue
		}
		sum.Lines++
		var p post.Post
		var derr error
		if tooLong {
			derr = &post.DecodeError{Reason: post.ReasonTooLarge, Detail: fmt.Sprintf("%d bytes over the limit of %d", size, maxBytes)}
		} else {
			p, derr = post.Decode(line, maxBytes)
		}
		if derr != nil {
			sum.Bad++
			sum.ByReason[post.ReasonOf(derr)]++
			fmt.Fprintf(report, "line %d: %v\n", n, derr)
		} else if posts = append(posts, p); len(posts) == BatchSize {
			if err := flush(); err != nil {
				return sum, err
			}
		}
		if eof {
			break
		}
	}
	if err := flush(); err != nil {
		return sum, err
	}
	if err := w.Flush(); err != nil {
		return sum, fmt.Errorf("write verdict: %w", err)
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}

// readLine appends the next line of r (without its line end) to dst. A line
// longer than max is consumed but not kept: over is then true and size its
// length.
func readLine(r *bufio.Reader, dst []byte, max int) (line []byte, size int, over bool, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		size += len(chunk)
		if !over {
			if len(dst)+len(chunk) > max+2 { // +2: room for "\r\n"
				over, dst = true, dst[:0]
			} else {
				dst = append(dst, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		eol := 0
		if bytes.HasSuffix(chunk, []byte("\r\n")) {
			eol = 2
		} else if bytes.HasSuffix(chunk, []byte("\n")) {
			eol = 1
		}
		size -= eol
		if !over {
			dst = dst[:len(dst)-eol]
		}
		return dst, size, over, err
	}
}
