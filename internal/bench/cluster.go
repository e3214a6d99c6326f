//go:build linux

package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// cluster is the broker the bench measures on: the real one, or an
// embedded kfake cluster it owns.
type cluster struct {
	brokers  []string
	kind     string
	admin    *kafka.Client
	embedded *kfake.Cluster
}

// openCluster starts the embedded broker or checks that the real one
// answers.
func openCluster(ctx context.Context, cfg Config) (*cluster, error) {
	c := &cluster{brokers: cfg.Brokers, kind: "Apache Kafka at " + strings.Join(cfg.Brokers, ",")}
	if cfg.Embedded {
		kc, err := kfake.NewCluster(kfake.NumBrokers(1))
		if err != nil {
			return nil, fmt.Errorf("start embedded broker: %w", err)
		}
		c.embedded, c.brokers, c.kind = kc, kc.ListenAddrs(), "embedded kfake at "+kc.ListenAddrs()[0]
	}
	c.admin = &kafka.Client{Addr: kafka.TCP(c.brokers...), Timeout: 30 * time.Second}
	mctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := c.admin.Metadata(mctx, &kafka.MetadataRequest{Topics: []string{}}); err != nil {
		c.close()
		return nil, fmt.Errorf("broker %s unreachable (start it with scripts/kafka.sh start, or use -quick): %w", strings.Join(c.brokers, ","), err)
	}
	return c, nil
}

func (c *cluster) close() {
	if c.embedded != nil {
		c.embedded.Close()
	}
}

// createTopics creates topics whose records carry the broker's append time
// (message.timestamp.type LogAppendTime; kfake accepts the setting but keeps
// the producers' times) and waits until every partition has a leader.
func (c *cluster) createTopics(ctx context.Context, partitions int, topics ...string) error {
	req := &kafka.CreateTopicsRequest{}
	for _, t := range topics {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: 1,
			ConfigEntries: []kafka.ConfigEntry{{ConfigName: "message.timestamp.type", ConfigValue: "LogAppendTime"}}})
	}
	res, err := c.admin.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("create topics %s: %w", strings.Join(topics, ", "), err)
	}
	for t, err := range res.Errors {
		if err != nil {
			return fmt.Errorf("create topic %s: %w", t, err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		md, err := c.admin.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
		ready := err == nil && len(md.Topics) == len(topics)
		for _, t := range md.Topics {
			ready = ready && t.Error == nil && len(t.Partitions) == partitions
			for _, p := range t.Partitions {
				ready = ready && p.Leader.ID >= 0
			}
		}
		if ready {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("topics %s not ready after 30s (last error: %v)", strings.Join(topics, ", "), err)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// cleanUp deletes group and topics, best effort.
func (c *cluster) cleanUp(group string, topics ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = c.admin.DeleteGroups(ctx, &kafka.DeleteGroupsRequest{GroupIDs: []string{group}})
	_, _ = c.admin.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: topics})
}

// endOffsets returns the end offset of each partition of topic.
func (c *cluster) endOffsets(ctx context.Context, topic string, partitions int) (map[int]int64, error) {
	reqs := make([]kafka.OffsetRequest, partitions)
	for p := range partitions {
		reqs[p] = kafka.LastOffsetOf(p)
	}
	res, err := c.admin.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	out := make(map[int]int64, partitions)
	for _, po := range res.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("list offsets of %s/%d: %w", topic, po.Partition, po.Error)
		}
		out[po.Partition] = po.LastOffset
	}
	if len(out) != partitions {
		return nil, fmt.Errorf("list offsets of %s: %d partitions, want %d", topic, len(out), partitions)
	}
	return out, nil
}

func total(offsets map[int]int64) int64 {
	var n int64
	for _, o := range offsets {
		n += o
	}
	return n
}

// groupReady reports whether group is stable with members members that
// share every partition of topic.
func (c *cluster) groupReady(ctx context.Context, group, topic string, members, partitions int) (bool, error) {
	res, err := c.admin.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
	if err != nil {
		return false, fmt.Errorf("describe group %s: %w", group, err)
	}
	if len(res.Groups) != 1 {
		return false, nil
	}
	g := res.Groups[0]
	if g.Error != nil {
		if errors.Is(g.Error, kafka.GroupLoadInProgress) || errors.Is(g.Error, kafka.GroupCoordinatorNotAvailable) || errors.Is(g.Error, kafka.NotCoordinatorForGroup) {
			return false, nil
		}
		return false, fmt.Errorf("describe group %s: %w", group, g.Error)
	}
	if !strings.EqualFold(g.GroupState, "Stable") || len(g.Members) != members {
		return false, nil
	}
	assigned := 0
	for _, m := range g.Members {
		for _, t := range m.MemberAssignments.Topics {
			if t.Topic == topic {
				assigned += len(t.Partitions)
			}
		}
	}
	return assigned == partitions, nil
}

// client returns a franz-go client of the cluster. The bench produces and
// reads back with franz-go: it reads a record's LogAppendTime, where
// kafka-go's reader reports the producer's time on every topic.
func (c *cluster) client(opts ...kgo.Opt) (*kgo.Client, error) {
	opts = append([]kgo.Opt{kgo.SeedBrokers(c.brokers...)}, opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	return cl, nil
}

// sleep waits for d, or returns ctx's error when it ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
