package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/circleguard/circleguard/internal/admin"
	"github.com/circleguard/circleguard/internal/engine"
	"github.com/circleguard/circleguard/internal/fingerprint"
	"github.com/circleguard/circleguard/internal/repetition"
	"github.com/circleguard/circleguard/rules"
	"github.com/circleguard/circleguard/worker"
)

// Config is the file configuration of `circleguard run`: the composition of
// the packages' Config structs. Every key can also be set by an environment
// variable (CIRCLEGUARD_ + the key path in upper case with "_" for ".", e.g.
// CIRCLEGUARD_KAFKA_BROKERS) and by a flag (the key path with "-" for "." and
// "_", e.g. -kafka-brokers). Precedence: flag > environment > file > default.
type Config struct {
	Kafka       worker.KafkaConfig      `yaml:"kafka"`
	Worker      worker.Config           `yaml:"worker"`
	Admin       admin.Config            `yaml:"admin"`
	Rules       RulesConfig             `yaml:"rules"`
	Decision    rules.Config            `yaml:"decision"`
	Classifier  engine.ClassifierConfig `yaml:"classifier"`
	Repetition  repetition.Config       `yaml:"repetition"`
	Fingerprint fingerprint.Config      `yaml:"fingerprint"`
	Log         LogConfig               `yaml:"log"`
}

// RulesConfig chooses the trust team's rule set.
type RulesConfig struct {
	// Dir is a rules directory (rule files and a lists/ folder; see
	// docs/rules.md). run loads it at start (every example must pass),
	// watches it and reloads it on a change and on SIGHUP, keeping the
	// active set when the new one has a problem; scan loads it once. ""
	// means the default pack embedded in the binary. Default: "".
	Dir string `yaml:"dir"`
	// Debounce is how long the directory must stay quiet after a change
	// before run reloads it. Default: 500ms.
	Debounce time.Duration `yaml:"debounce"`
}

// Validate reports the first problem with c.
func (c RulesConfig) Validate() error {
	if c.Debounce < 0 {
		return fmt.Errorf("debounce %v is negative", c.Debounce)
	}
	return nil
}

// LogConfig configures the process logger.
type LogConfig struct {
	// Level is debug, info, warn or error. Default: info.
	Level string `yaml:"level"`
	// Format is json or text. Default: json.
	Format string `yaml:"format"`
}

func defaultConfig() Config {
	return Config{
		Kafka:      worker.DefaultKafkaConfig(),
		Worker:     worker.DefaultConfig(),
		Admin:      admin.DefaultConfig(),
		Rules:      RulesConfig{Debounce: rules.DefaultDebounce},
		Decision:   rules.DefaultConfig(),
		Classifier: engine.DefaultClassifierConfig(),
		Repetition: repetition.DefaultConfig(),
		Fingerprint: fingerprint.Config{Bands: fingerprint.DefaultBands, Rows: fingerprint.DefaultRows,
			Seed: fingerprint.DefaultSeed, MinRunes: fingerprint.DefaultMinRunes},
		Log: LogConfig{Level: "info", Format: "json"},
	}
}

// Validate reports every problem, each prefixed with its section.
func (c Config) Validate() error {
	var errs []error
	add := func(section string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", section, err))
		}
	}
	add("kafka", c.Kafka.Validate())
	add("worker", c.Worker.Validate())
	add("rules", c.Rules.Validate())
	add("decision", c.Decision.Validate())
	add("classifier", c.Classifier.Validate())
	add("repetition", c.Repetition.Validate())
	add("fingerprint", c.Fingerprint.Validate())
	if _, err := parseLevel(c.Log.Level); err != nil {
		add("log", err)
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		add("log", fmt.Errorf("format %q: must be json or text", c.Log.Format))
	}
	return errors.Join(errs...)
}

// decodeConfigFile reads YAML from r into cfg, which holds the defaults.
// Unknown keys are errors; an empty file changes nothing.
func decodeConfigFile(r io.Reader, cfg *Config) error {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// setting is one configuration key bound to its field.
type setting struct {
	key   string // kafka.posts_topic
	flag  string // kafka-posts-topic
	env   string // CIRCLEGUARD_KAFKA_POSTS_TOPIC
	field reflect.Value
}

// settings lists every key of cfg, in declaration order.
func settings(cfg *Config) []setting {
	var out []setting
	var walk func(prefix string, v reflect.Value)
	walk = func(prefix string, v reflect.Value) {
		t := v.Type()
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			key := name
			if prefix != "" {
				key = prefix + "." + name
			}
			f := v.Field(i)
			if f.Kind() == reflect.Struct && f.Type() != reflect.TypeFor[time.Duration]() {
				walk(key, f)
				continue
			}
			out = append(out, setting{
				key:   key,
				flag:  strings.NewReplacer(".", "-", "_", "-").Replace(key),
				env:   "CIRCLEGUARD_" + strings.ToUpper(strings.NewReplacer(".", "_").Replace(key)),
				field: f,
			})
		}
	}
	walk("", reflect.ValueOf(cfg).Elem())
	return out
}

// set parses s into the setting's field.
func (s setting) set(v string) error {
	f := s.field
	switch {
	case f.Type() == reflect.TypeFor[time.Duration]():
		d, err := time.ParseDuration(v)
		if err != nil {
			return err
		}
		f.SetInt(int64(d))
	case f.Kind() == reflect.String:
		f.SetString(v)
	case f.Kind() == reflect.Int:
		n, err := strconv.Atoi(v)
		if err != nil {
			return errors.New("not an integer")
		}
		f.SetInt(int64(n))
	case f.Kind() == reflect.Uint64:
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return errors.New("not a non-negative integer")
		}
		f.SetUint(n)
	case f.Kind() == reflect.Float64:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return errors.New("not a number")
		}
		f.SetFloat(x)
	case f.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("not a boolean")
		}
		f.SetBool(b)
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
		var list []string
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, item)
			}
		}
		f.Set(reflect.ValueOf(list))
	case f.Kind() == reflect.Map && f.Type().Key().Kind() == reflect.String:
		m := reflect.MakeMap(f.Type())
		for _, item := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(strings.TrimSpace(item), "=")
			if !ok {
				return fmt.Errorf("%q: want key=value", item)
			}
			switch f.Type().Elem().Kind() {
			case reflect.String:
				m.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf(val))
			case reflect.Float64:
				x, err := strconv.ParseFloat(val, 64)
				if err != nil {
					return fmt.Errorf("%q: not a number", item)
				}
				m.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf(x))
			default:
				return fmt.Errorf("unsupported type %s", f.Type())
			}
		}
		f.Set(m)
	default:
		return fmt.Errorf("unsupported type %s", f.Type())
	}
	return nil
}

// String renders the field as its flag or environment form.
func (s setting) String() string {
	f := s.field
	switch {
	case f.Type() == reflect.TypeFor[time.Duration]():
		return time.Duration(f.Int()).String()
	case f.Kind() == reflect.Slice:
		return strings.Join(f.Interface().([]string), ",")
	case f.Kind() == reflect.Map:
		var b bytes.Buffer
		iter := f.MapRange()
		var parts []string
		for iter.Next() {
			parts = append(parts, fmt.Sprintf("%s=%v", iter.Key().String(), iter.Value().Interface()))
		}
		slices.Sort(parts)
		b.WriteString(strings.Join(parts, ","))
		return b.String()
	}
	return fmt.Sprint(f.Interface())
}

// configLoader binds the configuration to a flag set: defaults are shown in
// -help, values given as flags are kept aside and applied last.
type configLoader struct {
	cfg   Config
	path  string
	given map[string]string // flag values by key
	keys  []setting
}

func newConfigLoader(fs *flag.FlagSet) *configLoader {
	l := &configLoader{cfg: defaultConfig(), given: map[string]string{}}
	l.keys = settings(&l.cfg)
	fs.StringVar(&l.path, "config", "", "YAML configuration `file` (env CIRCLEGUARD_CONFIG)")
	for _, s := range l.keys {
		fs.Func(s.flag, fmt.Sprintf("config key %s, env %s (default %q)", s.key, s.env, s.String()), func(v string) error {
			l.given[s.key] = v
			return nil
		})
	}
	return l
}

// load applies file, environment and flags over the defaults, validates and
// returns the result.
func (l *configLoader) load(getenv func(string) string) (Config, error) {
	if l.path == "" {
		l.path = getenv("CIRCLEGUARD_CONFIG")
	}
	if l.path != "" {
		f, err := os.Open(l.path)
		if err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
		err = decodeConfigFile(f, &l.cfg)
		f.Close()
		if err != nil {
			return Config{}, fmt.Errorf("config %s: %w", l.path, err)
		}
	}
	for _, s := range l.keys {
		if v := getenv(s.env); v != "" {
			if err := s.set(v); err != nil {
				return Config{}, fmt.Errorf("config: environment %s=%q: %w", s.env, v, err)
			}
		}
	}
	for _, s := range l.keys {
		if v, ok := l.given[s.key]; ok {
			if err := s.set(v); err != nil {
				return Config{}, fmt.Errorf("config: flag -%s=%q: %w", s.flag, v, err)
			}
		}
	}
	if err := l.cfg.Validate(); err != nil {
		where := "config"
		if l.path != "" {
			where = "config " + l.path
		}
		return Config{}, fmt.Errorf("%s: %w", where, err)
	}
	return l.cfg, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("level %q: must be debug, info, warn or error", s)
	}
	return l, nil
}

func newLogger(c LogConfig, w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.Level)
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
