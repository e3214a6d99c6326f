package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/kafkatest"
	"github.com/circleguard/circleguard/internal/quality"
	"github.com/circleguard/circleguard/internal/repetition"
	"github.com/circleguard/circleguard/internal/testenv"
	"github.com/circleguard/circleguard/internal/verdict"
)

// redisAddr is the real redis-server the integration tests share.
func redisAddr(t *testing.T) string {
	return testenv.Addr(t, "CIRCLEGUARD_TEST_REDIS", "scripts/redis.sh start")
}

// redisFlags makes a worker use the Redis store under a key prefix of its
// test's own.
func redisFlags(addr, prefix string) []string {
	return []string{"-repetition-store", "redis", "-repetition-redis-addr", addr, "-repetition-redis-key-prefix", prefix}
}

// stream is a generated stream as the producer sends it, with its ground
// truth as `circleguard gen -truth` writes it.
type stream struct {
	msgs  []kafka.Message
	truth bytes.Buffer
	// posts and last event time per author, for recounts.
	byAuthor map[string]int
	lastAt   time.Time
}

func generate(t *testing.T, cfg gen.Config, n int) *stream {
	t.Helper()
	g, err := gen.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &stream{msgs: make([]kafka.Message, 0, n), byAuthor: map[string]int{}}
	enc := json.NewEncoder(&s.truth)
	for range n {
		it := g.Next()
		b, err := json.Marshal(&it.Post)
		if err != nil {
			t.Fatal(err)
		}
		s.msgs = append(s.msgs, kafka.Message{Key: []byte(it.Post.AuthorID), Value: b})
		if err := enc.Encode(genLine{Post: &it.Post, Truth: &genTruth{Kind: it.Truth.Kind, Labels: it.Truth.Labels, Campaign: it.Truth.Campaign}}); err != nil {
			t.Fatal(err)
		}
		s.byAuthor[it.Post.AuthorID]++
		s.lastAt = it.Post.CreatedAt
	}
	return s
}

// verdictsJSONL reads every verdict of the topic (duplicates included) as
// JSONL, and the source partition of each post.
func verdictsJSONL(t *testing.T, broker, topic string) (*bytes.Buffer, []verdict.Verdict) {
	t.Helper()
	var buf bytes.Buffer
	var vs []verdict.Verdict
	for _, m := range kafkatest.ReadAll(t, broker, topic) {
		var v verdict.Verdict
		if err := json.Unmarshal(m.Value, &v); err != nil {
			t.Fatalf("bad verdict %s: %v", m.Value, err)
		}
		buf.Write(m.Value)
		buf.WriteByte('\n')
		vs = append(vs, v)
	}
	return &buf, vs
}

// ownedPartitions lists the posts partitions a worker committed, from its
// circleguard_committed_offset gauge.
func (p *workerProc) ownedPartitions(t *testing.T) map[int]bool {
	t.Helper()
	resp, err := http.Get("http://" + p.admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	owned := map[int]bool{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, `circleguard_committed_offset{partition="`)
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(rest, `"`)
		if n, err := strconv.Atoi(num); err == nil {
			owned[n] = true
		}
	}
	return owned
}

func repetitionOf(v *verdict.Verdict) *verdict.Repetition {
	for _, r := range v.Reasons {
		if r.Kind == "repetition" {
			return r.Repetition
		}
	}
	return nil
}

// TestIntegrationBrushingTwoWorkers runs two workers in one consumer group
// on the real broker, sharing the real Redis store, over a generated
// stream of 200,000 posts (60,000 with -short): the agent networks' accounts
// are spread over both workers' partitions, and their copies must still be
// counted together. It checks the brushing targets on the verdicts and
// reports the clusters that span both workers.
func TestIntegrationBrushingTwoWorkers(t *testing.T) {
	broker := kafkatest.Broker(t)
	raddr := redisAddr(t)
	n := 200_000
	if testing.Short() {
		n = 60_000
	}
	tp := newTopics("brush")
	kafkatest.CreateTopics(t, broker, 6, tp.posts, tp.verdicts, tp.dlq)
	s := generate(t, gen.Config{Seed: 7}, n)
	flags := redisFlags(raddr, tp.posts+":")
	w1 := startWorker(t, broker, tp, flags...)
	w2 := startWorker(t, broker, tp, flags...)
	waitAssigned(t, broker, tp.group, 2, 6)
	start := time.Now()
	kafkatest.Produce(t, broker, tp.posts, s.msgs)
	waitLagZero(t, broker, tp, 15*time.Minute, w1.logs)
	elapsed := time.Since(start)
	own1, own2 := w1.ownedPartitions(t), w2.ownedPartitions(t)
	d1, d2 := w1.metric(t, "circleguard_verdicts_total"), w2.metric(t, "circleguard_verdicts_total")
	w1.stop(t)
	w2.stop(t)
	if d1 == 0 || d2 == 0 {
		t.Fatalf("verdicts by worker: %v and %v: both must take part", d1, d2)
	}

	buf, vs := verdictsJSONL(t, broker, tp.verdicts)
	r, err := quality.Score(&s.truth, buf)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	r.WriteTo(&out)
	t.Logf("%d posts through two workers sharing Redis:\n%s", n, out.String())
	if err := r.Check(); err != nil {
		t.Error(err)
		missed := map[string]bool{}
		for _, b := range r.Brushing {
			for _, id := range b.LaterMissedExamples {
				missed[id] = true
			}
		}
		for i := range vs {
			if missed[vs[i].PostID] {
				rep, _ := json.Marshal(repetitionOf(&vs[i]))
				t.Logf("missed %s (partition %d): labels %v, repetition %s", vs[i].PostID, vs[i].Source.Partition, vs[i].Labels, rep)
			}
		}
	}

	// Clusters whose copies came through both workers.
	type span struct {
		w1, w2     bool
		maxAuthors int
		brushing   int
	}
	clusters := map[string]*span{}
	for i := range vs {
		v := &vs[i]
		rep := repetitionOf(v)
		if rep == nil || rep.Cluster == "" || v.Source == nil {
			continue
		}
		c := clusters[rep.Cluster]
		if c == nil {
			c = &span{}
			clusters[rep.Cluster] = c
		}
		c.w1 = c.w1 || own1[v.Source.Partition]
		c.w2 = c.w2 || own2[v.Source.Partition]
		c.maxAuthors = max(c.maxAuthors, rep.ClusterAuthors24h)
		for _, l := range v.Labels {
			if l == verdict.LabelBrushing {
				c.brushing++
			}
		}
	}
	both, bothBrushing, widest := 0, 0, 0
	for _, c := range clusters {
		if c.w1 && c.w2 {
			both++
			if c.brushing > 0 {
				bothBrushing++
			}
			widest = max(widest, c.maxAuthors)
		}
	}
	kafkatest.Report(t, fmt.Sprintf("brushing, two workers sharing Redis: %d posts in %.1fs (%.0f posts/s); partitions %v and %v; %d clusters had copies through both workers (%d with brushing verdicts), the widest reached %d authors; network copies 4+ labelled brushing %.2f%%, brusher %.2f%%, ordinary posts labelled brushing %d of %d",
		n, elapsed.Seconds(), float64(n)/elapsed.Seconds(), keys(own1), keys(own2), both, bothBrushing, widest,
		100*ratio(r.Brushing[1].LaterBrushing, r.Brushing[1].Later), 100*ratio(r.Brushing[0].LaterBrushing, r.Brushing[0].Later),
		r.NormalBrushing, r.NormalPosts))
	for p := range own1 {
		if own2[p] {
			t.Errorf("partitions %v and %v: both workers committed partition %d (a rebalance during the stream)", keys(own1), keys(own2), p)
		}
	}
	if len(own1) == 0 || len(own2) == 0 {
		t.Errorf("partitions %v and %v: the group did not split them", keys(own1), keys(own2))
	}
	if bothBrushing == 0 || widest < 10 {
		t.Errorf("%d clusters spanning both workers with brushing verdicts, widest %d authors: the workers did not count together", bothBrushing, widest)
	}
}

// waitAssigned waits until the group is stable with members members and
// partitions partitions assigned among them, so that no rebalance moves
// partitions while the stream flows.
func waitAssigned(t *testing.T, broker, group string, members, partitions int) {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(broker)}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := c.DescribeGroups(context.Background(), &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
		if err == nil && len(resp.Groups) == 1 && resp.Groups[0].GroupState == "Stable" && len(resp.Groups[0].Members) == members {
			n := 0
			for _, m := range resp.Groups[0].Members {
				for _, tp := range m.MemberAssignments.Topics {
					n += len(tp.Partitions)
				}
			}
			if n == partitions {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %s not stable with %d members and %d partitions after 60s (%v, %+v)", group, members, partitions, err, resp)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func keys(m map[int]bool) []int {
	var out []int
	for k := range 64 {
		if m[k] {
			out = append(out, k)
		}
	}
	return out
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// recountAuthors checks the Redis store's author counts against the
// stream: a probe post per author, one millisecond after the stream's last
// post, must see exactly the author's posts plus itself — a post
// redelivered after a crash must not have been counted twice.
func recountAuthors(t *testing.T, raddr, prefix string, s *stream) (checked, wrong int) {
	t.Helper()
	ctx := context.Background()
	st, err := repetition.NewRedis(ctx, repetition.RedisConfig{Addr: raddr, KeyPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := s.lastAt.Add(time.Millisecond)
	var batch []repetition.Observation
	var want []int
	flush := func() {
		counts, err := st.Observe(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range counts {
			checked++
			if c.AuthorPosts24h != want[i]+1 {
				if wrong < 5 {
					t.Errorf("author %s: the store counts %d posts in 24h, the stream has %d (plus the probe)", batch[i].AuthorID, c.AuthorPosts24h, want[i])
				}
				wrong++
			}
		}
		batch, want = batch[:0], want[:0]
	}
	for author, n := range s.byAuthor {
		batch = append(batch, repetition.Observation{PostID: "probe-" + author, AuthorID: author, At: at})
		want = append(want, n)
		if len(batch) == 1000 {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
	return checked, wrong
}
