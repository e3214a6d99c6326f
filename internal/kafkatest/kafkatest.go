// Package kafkatest helps integration tests use the real Apache Kafka broker
// that scripts/kafka.sh starts: it finds the broker, makes unique topics and
// reads whole topics back.
package kafkatest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"

	"github.com/circleguard/circleguard/internal/testenv"
)

// EnvBroker names the environment variable holding the real broker's
// address; scripts/kafka.sh writes it and .ci/run sets it.
const EnvBroker = "CIRCLEGUARD_TEST_KAFKA"

// Broker returns the real broker's address. Without it the test is skipped,
// except under CI=true, where a missing broker fails the test: CI must never
// pass by skipping.
func Broker(t testing.TB) string {
	t.Helper()
	return testenv.Addr(t, EnvBroker, "scripts/kafka.sh start")
}

// Unique returns prefix plus a random suffix, for topic and group names that
// no other test run shares.
func Unique(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// Conn says how to reach one listener of a broker: its address and, for a
// secured listener, the TLS configuration and the SASL mechanism. The
// package's functions that take a broker address use Conn{Addr: broker}.
type Conn struct {
	Addr string
	TLS  *tls.Config    // nil: plain TCP
	SASL sasl.Mechanism // nil: no authentication
}

func (c Conn) secured() bool { return c.TLS != nil || c.SASL != nil }

// transport returns the transport of writers and clients and a function
// that closes its idle connections; nil (kafka-go's default) for a plain
// listener.
func (c Conn) transport() (kafka.RoundTripper, func()) {
	if !c.secured() {
		return nil, func() {}
	}
	tr := &kafka.Transport{TLS: c.TLS, SASL: c.SASL, DialTimeout: 10 * time.Second}
	return tr, tr.CloseIdleConnections
}

// dialer returns the dialer of readers; nil (kafka-go's default) for a plain
// listener.
func (c Conn) dialer() *kafka.Dialer {
	if !c.secured() {
		return nil
	}
	return &kafka.Dialer{Timeout: 10 * time.Second, DualStack: true, TLS: c.TLS, SASLMechanism: c.SASL}
}

// Client returns an admin client of the listener.
func (c Conn) Client() *kafka.Client {
	tr, _ := c.transport()
	return &kafka.Client{Addr: kafka.TCP(c.Addr), Transport: tr, Timeout: 30 * time.Second}
}

// CreateTopics creates topics with the given partition count and waits until
// they have leaders.
func CreateTopics(t testing.TB, broker string, partitions int, topics ...string) {
	t.Helper()
	Conn{Addr: broker}.CreateTopics(t, partitions, topics...)
}

// CreateTopics creates topics with the given partition count and waits until
// they have leaders.
func (conn Conn) CreateTopics(t testing.TB, partitions int, topics ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tr, closeIdle := conn.transport()
	defer closeIdle()
	c := &kafka.Client{Addr: kafka.TCP(conn.Addr), Transport: tr}
	req := &kafka.CreateTopicsRequest{}
	for _, tp := range topics {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: tp, NumPartitions: partitions, ReplicationFactor: 1})
	}
	res, err := c.CreateTopics(ctx, req)
	if err != nil {
		t.Fatalf("create topics: %v", err)
	}
	for tp, err := range res.Errors {
		if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			t.Fatalf("create topic %s: %v", tp, err)
		}
	}
	for {
		md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
		ready := err == nil && len(md.Topics) == len(topics)
		if ready {
			for _, tp := range md.Topics {
				if tp.Error != nil || len(tp.Partitions) != partitions {
					ready = false
				}
				for _, p := range tp.Partitions {
					if p.Leader.ID < 0 {
						ready = false
					}
				}
			}
		}
		if ready {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("topics %v not ready: %v", topics, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Produce writes msgs to topic (keys as given, acks from all replicas).
func Produce(t testing.TB, broker, topic string, msgs []kafka.Message) {
	t.Helper()
	Conn{Addr: broker}.Produce(t, topic, msgs)
}

// Produce writes msgs to topic (keys as given, acks from all replicas).
func (conn Conn) Produce(t testing.TB, topic string, msgs []kafka.Message) {
	t.Helper()
	tr, closeIdle := conn.transport()
	defer closeIdle()
	w := &kafka.Writer{Addr: kafka.TCP(conn.Addr), Topic: topic, Balancer: &kafka.Murmur2Balancer{}, Transport: tr,
		RequiredAcks: kafka.RequireAll, BatchSize: 1000, BatchTimeout: 2 * time.Millisecond, BatchBytes: 1 << 20}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for len(msgs) > 0 {
		n := min(len(msgs), 5000)
		if err := w.WriteMessages(ctx, msgs[:n]...); err != nil {
			t.Fatalf("produce to %s: %v", topic, err)
		}
		msgs = msgs[n:]
	}
}

// EndOffsets returns the end offset (next offset to be written) of each
// partition of topic.
func EndOffsets(t testing.TB, broker, topic string) map[int]int64 {
	t.Helper()
	return Conn{Addr: broker}.EndOffsets(t, topic)
}

// EndOffsets returns the end offset (next offset to be written) of each
// partition of topic.
func (conn Conn) EndOffsets(t testing.TB, topic string) map[int]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tr, closeIdle := conn.transport()
	defer closeIdle()
	c := &kafka.Client{Addr: kafka.TCP(conn.Addr), Transport: tr}
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil || len(md.Topics) != 1 || md.Topics[0].Error != nil {
		t.Fatalf("metadata %s: %v %v", topic, err, md)
	}
	var reqs []kafka.OffsetRequest
	for _, p := range md.Topics[0].Partitions {
		reqs = append(reqs, kafka.LastOffsetOf(p.ID))
	}
	res, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		t.Fatalf("list offsets %s: %v", topic, err)
	}
	out := map[int]int64{}
	for _, po := range res.Topics[topic] {
		if po.Error != nil {
			t.Fatalf("list offsets %s/%d: %v", topic, po.Partition, po.Error)
		}
		out[po.Partition] = po.LastOffset
	}
	return out
}

// ReadAll reads every message currently in topic, partition by partition.
func ReadAll(t testing.TB, broker, topic string) []kafka.Message {
	t.Helper()
	return Conn{Addr: broker}.ReadAll(t, topic)
}

// ReadAll reads every message currently in topic, partition by partition.
func (conn Conn) ReadAll(t testing.TB, topic string) []kafka.Message {
	t.Helper()
	ends := conn.EndOffsets(t, topic)
	var mu sync.Mutex
	var all []kafka.Message
	var wg sync.WaitGroup
	errs := make(chan error, len(ends))
	for p, end := range ends {
		if end == 0 {
			continue
		}
		wg.Go(func() {
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{conn.Addr}, Topic: topic, Partition: p, Dialer: conn.dialer(),
				MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 200 * time.Millisecond})
			defer r.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var got []kafka.Message
			for {
				m, err := r.ReadMessage(ctx)
				if err != nil {
					errs <- err
					return
				}
				got = append(got, m)
				if m.Offset >= end-1 {
					break
				}
			}
			mu.Lock()
			all = append(all, got...)
			mu.Unlock()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("read %s: %v", topic, err)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Partition != all[j].Partition {
			return all[i].Partition < all[j].Partition
		}
		return all[i].Offset < all[j].Offset
	})
	return all
}

// EnvReport names a file to which integration tests append their headline
// figures (scripts/test.sh prints it at the end, so CI logs show them).
const EnvReport = "CIRCLEGUARD_TEST_REPORT"

// Report logs line and appends it to the report file, if one is set.
func Report(t testing.TB, line string) {
	t.Helper()
	t.Log(line)
	path := os.Getenv(EnvReport)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Errorf("report: %v", err)
		return
	}
	defer f.Close()
	if _, err := f.WriteString(t.Name() + ": " + line + "\n"); err != nil {
		t.Errorf("report: %v", err)
	}
}
