package main

import (
	"bufio"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestConfigGolden loads every testdata/config/*.good.yaml (must succeed)
// and *.bad.yaml (must fail with the text on its first line after "# error: ").
func TestConfigGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/config/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			l := newConfigLoader(fs)
			if err := fs.Parse([]string{"-config", file}); err != nil {
				t.Fatal(err)
			}
			_, err := l.load(func(string) string { return "" })
			if strings.HasSuffix(file, ".good.yaml") {
				if err != nil {
					t.Fatalf("load: %v", err)
				}
				return
			}
			want := firstLineError(t, file)
			if err == nil {
				t.Fatalf("load succeeded, want error containing %q", want)
			}
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("load error = %q, want it to contain %q", err, want)
			}
			if !strings.Contains(err.Error(), file) {
				t.Errorf("load error = %q does not name the file", err)
			}
		})
	}
}

func firstLineError(t *testing.T, file string) string {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Scan()
	want, ok := strings.CutPrefix(s.Text(), "# error: ")
	if !ok {
		t.Fatalf("%s: first line must be '# error: …'", file)
	}
	return want
}

// TestConfigExampleIsDefault keeps config.example.yaml equal to the defaults.
func TestConfigExampleIsDefault(t *testing.T) {
	got := defaultConfig()
	f, err := os.Open("config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := decodeConfigFile(f, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, defaultConfig()) {
		t.Fatalf("config.example.yaml differs from the defaults:\n got %+v\nwant %+v", got, defaultConfig())
	}
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(file, []byte("kafka:\n  group: from-file\n  posts_topic: file-posts\n  verdicts_topic: file-verdicts\nworker:\n  batch_size: 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"CIRCLEGUARD_KAFKA_GROUP":              "from-env",
		"CIRCLEGUARD_KAFKA_POSTS_TOPIC":        "env-posts",
		"CIRCLEGUARD_KAFKA_BROKERS":            "h1:9092, h2:9092",
		"CIRCLEGUARD_WORKER_BATCH_LINGER":      "7ms",
		"CIRCLEGUARD_DECISION_ACTIONS":         "sales=allow,brushing=limit,mlm=review,fraud=block",
		"CIRCLEGUARD_KAFKA_CREATE_TOPICS":      "false",
		"CIRCLEGUARD_DECISION_LABEL_THRESHOLD": "0.6",
		"CIRCLEGUARD_DECISION_BLOCK_AT":        "fraud=0.9,mlm=0.99",
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	l := newConfigLoader(fs)
	if err := fs.Parse([]string{"-config", file, "-kafka-group", "from-flag", "-admin-addr", ":0"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := l.load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"flag beats env and file", cfg.Kafka.Group, "from-flag"},
		{"env beats file", cfg.Kafka.PostsTopic, "env-posts"},
		{"file beats default", cfg.Kafka.VerdictsTopic, "file-verdicts"},
		{"file int", cfg.Worker.BatchSize, 10},
		{"default kept", cfg.Kafka.DeadLetterTopic, "posts.dlq"},
		{"env list", cfg.Kafka.Brokers, []string{"h1:9092", "h2:9092"}},
		{"env duration", cfg.Worker.BatchLinger, 7 * time.Millisecond},
		{"env bool", cfg.Kafka.CreateTopics, false},
		{"env float", cfg.Decision.LabelThreshold, 0.6},
		{"env float map", cfg.Decision.BlockAt, map[string]float64{"fraud": 0.9, "mlm": 0.99}},
		{"env map", cfg.Decision.Actions["fraud"], "block"},
		{"flag admin-addr", cfg.Admin.Addr, ":0"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestConfigBadEnvAndFlag(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad env int", nil, map[string]string{"CIRCLEGUARD_WORKER_BATCH_SIZE": "many"}, "environment CIRCLEGUARD_WORKER_BATCH_SIZE=\"many\": not an integer"},
		{"bad flag duration", []string{"-worker-commit-interval", "often"}, nil, "flag -worker-commit-interval=\"often\""},
		{"invalid after merge", []string{"-worker-batch-size", "0"}, nil, "worker: batch_size 0"},
		{"missing file", []string{"-config", "/nonexistent/c.yaml"}, nil, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			l := newConfigLoader(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			_, err := l.load(func(k string) string { return tt.env[k] })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("load error = %v, want %q", err, tt.want)
			}
		})
	}
}
