package worker

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// lagLoop sets circleguard_consumer_lag_messages from the broker's offsets
// every LagInterval: the end of each posts partition minus the group's
// committed offset. kafka-go's group reader reports no lag of its own.
func (w *Worker) lagLoop(ctx context.Context) {
	client, err := w.kcfg.client(10 * time.Second)
	if err != nil { // Run checked the same configuration: a certificate file changed since
		w.log.Error("read consumer lag: cannot connect; readiness will fail", "err", err)
		return
	}
	t := time.NewTicker(w.cfg.LagInterval)
	defer t.Stop()
	for {
		if err := w.pollLag(ctx, client); err != nil {
			if ctx.Err() != nil {
				return
			}
			w.metrics.LagPollErrors.Inc()
			w.log.Warn("read consumer lag", "err", err)
		} else {
			w.lagOK.Store(time.Now().UnixNano())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Lag returns, per partition of topic, how many messages lie between group's
// committed offset and the partition's end.
func Lag(ctx context.Context, c *kafka.Client, group, topic string) (map[int]int64, error) {
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	if len(md.Topics) != 1 || md.Topics[0].Error != nil {
		return nil, fmt.Errorf("metadata for %s: %v", topic, md.Topics)
	}
	var reqs []kafka.OffsetRequest
	var parts []int
	for _, p := range md.Topics[0].Partitions {
		parts = append(parts, p.ID)
		reqs = append(reqs, kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
	}
	ends, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, fmt.Errorf("list offsets: %w", err)
	}
	committed, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err != nil {
		return nil, fmt.Errorf("offset fetch: %w", err)
	}
	if committed.Error != nil {
		return nil, fmt.Errorf("offset fetch: %w", committed.Error)
	}
	cm := make(map[int]int64)
	for _, p := range committed.Topics[topic] {
		if p.Error == nil {
			cm[p.Partition] = p.CommittedOffset
		}
	}
	lag := make(map[int]int64, len(parts))
	for _, po := range ends.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("list offsets partition %d: %w", po.Partition, po.Error)
		}
		c, ok := cm[po.Partition]
		if !ok || c < 0 {
			c = po.FirstOffset // nothing committed: everything retained is behind
		}
		lag[po.Partition] = max(po.LastOffset-c, 0)
	}
	return lag, nil
}

func (w *Worker) pollLag(ctx context.Context, c *kafka.Client) error {
	lag, err := Lag(ctx, c, w.kcfg.Group, w.kcfg.PostsTopic)
	if err != nil {
		return err
	}
	for p, n := range lag {
		w.metrics.ConsumerLag.WithLabelValues(strconv.Itoa(p)).Set(float64(n))
	}
	return nil
}
