package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// ensureTopics checks that the posts, verdicts and dead-letter topics exist,
// creating the missing ones when CreateTopics is set; otherwise it names
// every missing topic in its error.
func (w *Worker) ensureTopics(ctx context.Context) error {
	client, err := w.kcfg.client(15 * time.Second)
	if err != nil {
		return err
	}
	want := []string{w.kcfg.PostsTopic, w.kcfg.VerdictsTopic, w.kcfg.DeadLetterTopic}
	missing, err := missingTopics(ctx, client, want)
	if err != nil {
		return fmt.Errorf("kafka %s: %w", strings.Join(w.kcfg.Brokers, ","), err)
	}
	if len(missing) == 0 {
		return nil
	}
	if !w.kcfg.CreateTopics {
		return fmt.Errorf("kafka: missing topics %s; create them or set kafka.create_topics: true", strings.Join(missing, ", "))
	}
	req := &kafka.CreateTopicsRequest{}
	for _, t := range missing {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: t, NumPartitions: w.kcfg.Partitions, ReplicationFactor: w.kcfg.ReplicationFactor})
	}
	res, err := client.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("kafka: create topics %s: %w", strings.Join(missing, ", "), err)
	}
	for t, e := range res.Errors {
		if e != nil && !errors.Is(e, kafka.TopicAlreadyExists) {
			return fmt.Errorf("kafka: create topic %s: %w", t, e)
		}
	}
	w.log.Info("created topics", "topics", missing, "partitions", w.kcfg.Partitions, "replication_factor", w.kcfg.ReplicationFactor)
	// Wait until every partition has a leader, so the first writes succeed.
	deadline := time.Now().Add(30 * time.Second)
	for {
		missing, err = missingTopics(ctx, client, want)
		if err == nil && len(missing) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kafka: topics %s created but not ready after 30s (last error: %v)", strings.Join(missing, ", "), err)
		}
		sleep(ctx, 200*time.Millisecond)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// missingTopics returns the topics of want that do not exist or have a
// partition without a leader.
func missingTopics(ctx context.Context, c *kafka.Client, want []string) ([]string, error) {
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: want})
	if err != nil {
		return nil, err
	}
	found := make(map[string]bool)
	for _, t := range md.Topics {
		if t.Error != nil || len(t.Partitions) == 0 {
			continue
		}
		ok := true
		for _, p := range t.Partitions {
			if p.Error != nil || p.Leader.ID < 0 {
				ok = false
			}
		}
		found[t.Name] = ok
	}
	var missing []string
	for _, t := range want {
		if !found[t] {
			missing = append(missing, t)
		}
	}
	return missing, nil
}
