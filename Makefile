# The targets people look for. `make test` is the README's test command.
.PHONY: build demo test test-unit test-integration bench lint fuzz kafka-start kafka-stop clean model quality

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

bench:
	go test -run '^$$' -bench . -benchmem ./...

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
