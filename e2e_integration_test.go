package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/circleguard/circleguard/internal/gen"
	"github.com/circleguard/circleguard/internal/kafkatest"
	"github.com/circleguard/circleguard/internal/testenv"
	"github.com/circleguard/circleguard/internal/verdict"
	"github.com/circleguard/circleguard/worker"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds circleguard once per test run, as a user would:
// `go build -o circleguard .`.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "circleguard-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "circleguard")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// freeAddr returns a loopback address with a free port.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// topics names one test's topics and group.
type topics struct{ posts, verdicts, dlq, group string }

func newTopics(prefix string) topics {
	p := kafkatest.Unique(prefix)
	return topics{posts: p, verdicts: p + ".verdicts", dlq: p + ".dlq", group: p + "-group"}
}

// workerProc is a `circleguard run` process.
type workerProc struct {
	cmd   *exec.Cmd
	admin string
	logs  *testenv.Buffer
	done  chan error
}

func startWorker(t *testing.T, broker string, tp topics, extra ...string) *workerProc {
	t.Helper()
	admin := freeAddr(t)
	args := append([]string{"run",
		"-kafka-brokers", broker, "-kafka-group", tp.group,
		"-kafka-posts-topic", tp.posts, "-kafka-verdicts-topic", tp.verdicts, "-kafka-dead-letter-topic", tp.dlq,
		"-kafka-partitions", "6", "-admin-addr", admin, "-worker-lag-interval", "500ms",
	}, extra...)
	cmd := exec.Command(binary(t), args...)
	logs := &testenv.Buffer{}
	cmd.Stderr = logs
	cmd.Stdout = logs
	// CIRCLEGUARD_TEST_WORKER_LOGS=DIR keeps each worker's output in a
	// file of DIR too, for a post-mortem of a stuck run.
	if dir := os.Getenv("CIRCLEGUARD_TEST_WORKER_LOGS"); dir != "" {
		if f, err := os.CreateTemp(dir, "worker-*.log"); err == nil {
			t.Cleanup(func() { f.Close() })
			cmd.Stderr = io.MultiWriter(logs, f)
			cmd.Stdout = cmd.Stderr
		}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &workerProc{cmd: cmd, admin: admin, logs: logs, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + admin + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("worker exited before ready: %v\n%s", err, p.logs)
		default:
		}
		if time.Now().After(deadline) {
			p.cmd.Process.Kill()
			t.Fatalf("worker not ready after 60s\n%s", p.logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *workerProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("worker exit after SIGTERM: %v\n%s", err, p.logs)
		}
	case <-time.After(45 * time.Second):
		p.cmd.Process.Kill()
		t.Fatalf("worker did not stop within 45s of SIGTERM\n%s", p.logs)
	}
}

func (p *workerProc) kill9() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// metric returns the sum of every sample of name on the worker's /metrics.
func (p *workerProc) metric(t *testing.T, name string) float64 {
	t.Helper()
	return scrape(t, "http://"+p.admin+"/metrics", name)
}

func kcat(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("kcat")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("kcat not installed under CI=true (.ci/run installs it)")
		}
		t.Skip("kcat not installed (apt-get install kcat)")
	}
	return path
}

// TestIntegrationKcat drives the real binary with Debian's kcat as an
// independent client: kcat produces good and bad posts and reads back the
// verdicts and dead-letter records.
func TestIntegrationKcat(t *testing.T) {
	broker := kafkatest.Broker(t)
	kc := kcat(t)
	tp := newTopics("kcat")
	w := startWorker(t, broker, tp) // creates the topics
	defer func() {
		if t.Failed() {
			t.Logf("worker logs:\n%s", w.logs)
		}
	}()

	g, err := gen.New(gen.Config{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	valid := map[string]bool{}
	for range 500 {
		it := g.Next()
		b, _ := json.Marshal(&it.Post)
		valid[it.Post.ID] = true
		fmt.Fprintf(&in, "%s\t%s\n", it.Post.AuthorID, b)
	}
	bad := []struct{ key, value, reason string }{
		{"b1", `this is not json`, "invalid_json"},
		{"b2", `{"id":"x1","author_id":"a1","text":"trunc`, "invalid_json"},
		{"b3", "{\"id\":\"x2\",\"author_id\":\"a1\",\"text\":\"\xff\xfe\",\"created_at\":\"2026-11-01T08:00:00Z\"}", "invalid_utf8"},
		{"b4", `{"author_id":"a1","text":"no id","created_at":"2026-11-01T08:00:00Z"}`, "missing_field"},
		{"b5", `{"id":7,"author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z"}`, "invalid_field"},
		{"b6", `{"id":"x3","author_id":"a1","text":"x","created_at":"yesterday"}`, "invalid_field"},
		{"b7", `[1,2,3]`, "invalid_json"},
	}
	for _, b := range bad {
		fmt.Fprintf(&in, "%s\t%s\n", b.key, b.value)
	}
	cmd := exec.Command(kc, "-b", broker, "-t", tp.posts, "-P", "-K", "\t", "-z", "lz4")
	cmd.Stdin = &in
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat produce: %v\n%s", err, out)
	}

	// Wait for the worker to answer everything.
	want := float64(len(valid) + len(bad))
	deadline := time.Now().Add(60 * time.Second)
	for w.metric(t, "circleguard_verdicts_total")+w.metric(t, "circleguard_dead_letters_total") < want {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %v answers", want)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := w.metric(t, "circleguard_verdicts_total"); got != float64(len(valid)) {
		t.Errorf("/metrics circleguard_verdicts_total = %v, want %d", got, len(valid))
	}

	// kcat reads the verdicts: key, then the value.
	out := kcatConsume(t, kc, broker, tp.verdicts, "%k\t%s\n", len(valid))
	got := map[string]int{}
	for _, line := range out {
		key, val, _ := strings.Cut(line, "\t")
		var v verdict.Verdict
		if err := json.Unmarshal([]byte(val), &v); err != nil {
			t.Fatalf("verdict %q: %v", val, err)
		}
		if key != v.PostID || !valid[v.PostID] {
			t.Errorf("verdict key %q post_id %q: unexpected", key, v.PostID)
		}
		got[v.PostID]++
	}
	if len(got) != len(valid) {
		t.Errorf("kcat read verdicts for %d posts, want %d", len(got), len(valid))
	}
	// kcat reads the dead letters with their headers.
	dl := kcatConsume(t, kc, broker, tp.dlq, "%k\t%h\n", len(bad))
	reasons := map[string]string{}
	for _, line := range dl {
		key, headers, _ := strings.Cut(line, "\t")
		for _, h := range strings.Split(headers, ",") {
			if v, ok := strings.CutPrefix(h, worker.HeaderReason+"="); ok {
				reasons[key] = v
			}
		}
		if !strings.Contains(headers, worker.HeaderSourceTopic+"="+tp.posts) || !strings.Contains(headers, worker.HeaderSourceOffset+"=") {
			t.Errorf("dead letter %s lacks source headers: %s", key, headers)
		}
	}
	for _, b := range bad {
		if reasons[b.key] != b.reason {
			t.Errorf("dead letter %s: reason %q, want %q", b.key, reasons[b.key], b.reason)
		}
	}
	w.stop(t)
	if !strings.Contains(w.logs.String(), "worker stopped") {
		t.Errorf("no clean-stop log line:\n%s", w.logs)
	}
	if strings.Contains(w.logs.String(), "trunc") || strings.Contains(w.logs.String(), "no id") {
		t.Errorf("worker logs contain post text:\n%s", w.logs)
	}
}

// kcatConsume reads topic from the beginning with kcat until it holds at
// least n records, and returns kcat's formatted lines.
func kcatConsume(t *testing.T, kc, broker, topic, format string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := exec.Command(kc, "-b", broker, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", format).Output()
		if err != nil {
			t.Fatalf("kcat consume %s: %v", topic, err)
		}
		lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		if len(out) > 0 && len(lines) >= n {
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("kcat read %d records from %s, want %d", len(lines), topic, n)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestIntegrationCrash is issue 8's first scenario: two workers in one
// group on the real Redis store, and five times during a 200,000-post
// stream one of them is killed with SIGKILL and started again. Every input
// offset must end with a verdict or a dead-letter record (lost = 0) and be
// committed (the group's lag returns to 0); a post decided again after a
// kill must get the counts of its first decision; and the store's author
// counts must match a recount of the stream (nothing counted twice). It
// prints the figures and a row of the reliability table.
func TestIntegrationCrash(t *testing.T) {
	broker := kafkatest.Broker(t)
	raddr := redisAddr(t)
	const total, badEvery, kills = 200_000, 100, 5
	tp := newTopics("crash")
	flags := redisFlags(raddr, tp.posts+":")
	row := &reliabilityRow{scenario: "kill -9 x5, two workers, Redis store"}
	defer row.report(t)
	kafkatest.CreateTopics(t, broker, 6, tp.posts, tp.verdicts, tp.dlq)

	valid := &stream{byAuthor: map[string]int{}}
	g, _ := gen.New(gen.Config{Seed: 5})
	bads := gen.BadMessages(5, 64)
	msgs := make([]kafka.Message, 0, total)
	for n := range total {
		if n%badEvery == 0 {
			msgs = append(msgs, kafka.Message{Key: []byte("bad"), Value: bads[(n/badEvery)%len(bads)].Data})
			continue
		}
		it := g.Next()
		b, _ := json.Marshal(&it.Post)
		msgs = append(msgs, kafka.Message{Key: []byte(it.Post.AuthorID), Value: b})
		valid.byAuthor[it.Post.AuthorID]++
		valid.lastAt = it.Post.CreatedAt
	}

	answered := func() int64 {
		var n int64
		for _, tpc := range []string{tp.verdicts, tp.dlq} {
			for _, end := range kafkatest.EndOffsets(t, broker, tpc) {
				n += end
			}
		}
		return n
	}
	workers := []*workerProc{startWorker(t, broker, tp, flags...), startWorker(t, broker, tp, flags...)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	produced := produceStream(ctx, broker, tp.posts, msgs, 2000, 40*time.Millisecond)
	for k := range kills {
		at := int64(total) * int64(k+1) / (kills + 1)
		for answered() < at {
			for _, w := range workers {
				select {
				case err := <-w.done:
					t.Fatalf("a worker died on its own: %v\n%s", err, w.logs)
				default:
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		i := k % 2
		workers[i].kill9()
		workers[i] = startWorker(t, broker, tp, flags...)
	}
	if err := <-produced; err != nil {
		t.Fatalf("produce: %v", err)
	}
	waitLagZero(t, broker, tp, 5*time.Minute, workers[0].logs)
	for _, w := range workers {
		w.stop(t)
	}

	a := countAnswers(t, broker, tp)
	row.a = a
	// Every verdict of a post carries the counts of its first decision.
	_, vs := verdictsJSONL(t, broker, tp.verdicts)
	first := map[string]verdict.Repetition{}
	conflicts, replays := 0, 0
	for i := range vs {
		rep := repetitionOf(&vs[i])
		if rep == nil {
			t.Fatalf("verdict of %s without repetition counts", vs[i].PostID)
		}
		c := *rep
		if c.Replay {
			replays++
		}
		c.Replay, c.ClusterFirstSeen = false, nil
		if f, ok := first[vs[i].PostID]; ok && f != c {
			if conflicts < 5 {
				t.Errorf("post %s decided twice with different counts: %+v, then %+v", vs[i].PostID, f, c)
			}
			conflicts++
		} else if !ok {
			first[vs[i].PostID] = c
		}
	}
	checked, wrong := recountAuthors(t, raddr, tp.posts+":", valid)
	row.note = fmt.Sprintf("%d verdicts marked replay; %d duplicates with other counts; %d of %d authors' counts off a recount", replays, conflicts, wrong, checked)
	kafkatest.Report(t, fmt.Sprintf("%d kill -9 during the stream with two workers, %s; Redis store: %s", kills, a, row.note))
	if a.inputs != total {
		t.Errorf("inputs = %d, want %d", a.inputs, total)
	}
	if a.lost != 0 {
		t.Errorf("lost = %d, want 0", a.lost)
	}
}

// answers counts, per input offset, the verdicts and dead letters that name it.
type answers struct {
	inputs, verdicts, dead, lost, duplicated int
}

func (a answers) String() string {
	return fmt.Sprintf("%d posts in, %d verdicts + %d dead letters out, lost %d, duplicated %d",
		a.inputs, a.verdicts, a.dead, a.lost, a.duplicated)
}

func countAnswers(t *testing.T, broker string, tp topics) answers {
	t.Helper()
	type src struct {
		p int
		o int64
	}
	count := map[src]int{}
	verdicts := kafkatest.ReadAll(t, broker, tp.verdicts)
	for _, m := range verdicts {
		var v verdict.Verdict
		if err := json.Unmarshal(m.Value, &v); err != nil || v.Source == nil {
			t.Fatalf("bad verdict: %v %s", err, m.Value)
		}
		count[src{v.Source.Partition, v.Source.Offset}]++
	}
	dead := kafkatest.ReadAll(t, broker, tp.dlq)
	for _, m := range dead {
		var s src
		for _, h := range m.Headers {
			switch h.Key {
			case worker.HeaderSourcePartition:
				s.p, _ = strconv.Atoi(string(h.Value))
			case worker.HeaderSourceOffset:
				s.o, _ = strconv.ParseInt(string(h.Value), 10, 64)
			}
		}
		count[s]++
	}
	a := answers{verdicts: len(verdicts), dead: len(dead)}
	for p, end := range kafkatest.EndOffsets(t, broker, tp.posts) {
		a.inputs += int(end)
		for o := int64(0); o < end; o++ {
			switch n := count[src{p, o}]; {
			case n == 0:
				a.lost++
			case n > 1:
				a.duplicated += n - 1
			}
		}
	}
	return a
}

// waitLagZero waits until the group has committed every posts offset.
func waitLagZero(t *testing.T, broker string, tp topics, within time.Duration, logs fmt.Stringer) {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(broker)}
	deadline := time.Now().Add(within)
	for {
		lag, err := worker.Lag(context.Background(), c, tp.group, tp.posts)
		var sum int64
		for _, n := range lag {
			sum += n
		}
		if err == nil && sum == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("lag still %d (err %v) after %v\n%s", sum, err, within, logs)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestIntegrationTwoWorkers runs two worker processes side by side in one
// group, the second joining mid-stream: the partitions are shared, every post
// is answered, and both stop cleanly.
func TestIntegrationTwoWorkers(t *testing.T) {
	broker := kafkatest.Broker(t)
	tp := newTopics("pair")
	kafkatest.CreateTopics(t, broker, 6, tp.posts, tp.verdicts, tp.dlq)
	g, _ := gen.New(gen.Config{Seed: 21})
	msgs := make([]kafka.Message, 30_000)
	for i := range msgs {
		it := g.Next()
		b, _ := json.Marshal(&it.Post)
		msgs[i] = kafka.Message{Key: []byte(it.Post.AuthorID), Value: b}
	}
	kafkatest.Produce(t, broker, tp.posts, msgs[:15_000])
	w1 := startWorker(t, broker, tp)
	w2 := startWorker(t, broker, tp)
	// The rest arrives over ~8 s, long enough for the group to rebalance.
	for rest := msgs[15_000:]; len(rest) > 0; rest = rest[min(len(rest), 600):] {
		kafkatest.Produce(t, broker, tp.posts, rest[:min(len(rest), 600)])
		time.Sleep(300 * time.Millisecond)
	}
	waitLagZero(t, broker, tp, 2*time.Minute, w1.logs)
	n1, n2 := w1.metric(t, "circleguard_verdicts_total"), w2.metric(t, "circleguard_verdicts_total")
	w1.stop(t)
	w2.stop(t)
	a := countAnswers(t, broker, tp)
	kafkatest.Report(t, fmt.Sprintf("%s; verdicts by worker: %v and %v", a, n1, n2))
	if a.lost != 0 || a.inputs != len(msgs) {
		t.Errorf("%s, want %d posts in and lost 0", a, len(msgs))
	}
	if n2 == 0 {
		t.Errorf("the second worker decided nothing: the partitions were not shared")
	}
}
