# The targets people look for. `make test` is the README's test command.
.PHONY: build demo test test-unit test-integration reliability bench bench-stages bench-e2e lint fuzz kafka-start kafka-stop clean model quality quality-brushing

build:
	go build -o circleguard .

demo:
	go run . demo

test:
	scripts/test.sh

test-unit:
	go test -race -shuffle=on ./...

test-integration:
	scripts/test.sh -run Integration

# Issue 8's scenario table (hostile input, broken rules and a corrupt model,
# a rebalance storm) on the real broker; `make test` runs the same tests.
reliability:
	scripts/test.sh -run IntegrationReliability

bench:
	go test -run '^$$' -bench . -benchmem ./...

# Issue 7's per-post cost on one core: every stage of the path on its own
# (decode … encode), the whole engine, and scan on a generated stream
# with the default model, rules and memory store. docs/performance.md
# keeps the table.
bench-stages:
	GOMAXPROCS=1 go test -run '^$$' -bench 'Stages|DecideBatch' -benchmem ./internal/engine/
	GOMAXPROCS=1 go test -run '^$$' -bench 'ScanStream' -benchmem -benchtime 5x ./internal/scan/

# Issue 7's end-to-end figures: circleguard bench on the real broker
# (started if it is not running) with the defaults, the pass-through
# ceiling against the worker; BENCH_FLAGS adds flags, e.g.
# BENCH_FLAGS="-workers 1,2,3 -store redis -redis 127.0.0.1:16379".
bench-e2e: build
	scripts/kafka.sh start >/dev/null
	./circleguard bench $(BENCH_FLAGS)

lint:
	gofmt -l . | (! grep .) || (echo "gofmt: the files above need formatting" && false)
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

fuzz:
	scripts/fuzz.sh 30s

kafka-start:
	scripts/kafka.sh start

kafka-stop:
	scripts/kafka.sh stop

clean:
	rm -f circleguard

# The default model, rebuilt byte for byte from the data in classifiers/data
# (TestDefaultModelReproducible checks it). 20% of each corpus is held out
# into classifiers/data/heldout/ for `make quality`.
DATA = classifiers/data
model:
	go run . train -seed 1 -epochs 10 -buckets 131072 \
	  -data $(DATA)/sms_spam_collection/labelled.tsv \
	  -data $(DATA)/tensorlayer_text_antispam/labelled.tsv \
	  -data $(DATA)/qq_group_ads/labelled.tsv \
	  -data $(DATA)/seed/posts.tsv@5 \
	  -holdout 0.2 -holdout-out $(DATA)/heldout \
	  -out classifiers/model/default.cgm

# The README's quality table: the default model on the held-out data, and
# held-out splits of the public corpora trained on their own.
quality: model
	go run . eval -data $(DATA)/heldout/seed-posts.jsonl
	go run . eval -data $(DATA)/heldout/sms_spam_collection-labelled.jsonl
	go run . eval -data $(DATA)/heldout/tensorlayer_text_antispam-labelled.jsonl
	go run . eval -split 0.2 -data $(DATA)/sms_spam_collection/labelled.tsv
	go run . eval -split 0.2 -data $(DATA)/tensorlayer_text_antispam/labelled.tsv

# The README's brushing figures: 200,000 generated posts (seed 7) through
# scan with the in-memory store, scored against their ground truth; with
# REDIS=HOST:PORT (e.g. 127.0.0.1:16379 from scripts/redis.sh) the same on
# the Redis store. Exits non-zero when a target is missed.
BRUSH = .cache/quality-brushing
quality-brushing: build
	mkdir -p $(BRUSH)
	./circleguard gen -n 200000 -seed 7 -truth -out $(BRUSH)/posts.jsonl
	./circleguard scan -in $(BRUSH)/posts.jsonl -out $(BRUSH)/verdicts-memory.jsonl
	./circleguard score -truth $(BRUSH)/posts.jsonl -verdicts $(BRUSH)/verdicts-memory.jsonl -check
	if [ -n "$(REDIS)" ]; then \
	  ./circleguard scan -store redis -repetition-redis-addr $(REDIS) -repetition-redis-key-prefix "quality-$$$$:" \
	    -in $(BRUSH)/posts.jsonl -out $(BRUSH)/verdicts-redis.jsonl && \
	  ./circleguard score -truth $(BRUSH)/posts.jsonl -verdicts $(BRUSH)/verdicts-redis.jsonl -check; fi
