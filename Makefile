# The targets people look for. `make test` is the README's test command.
.PHONY: build demo test test-unit test-integration bench lint fuzz kafka-start kafka-stop clean

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
