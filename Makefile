# netlinkq: one binary, two hosts. `make test` is what CI runs (.ci/run).
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
export CGO_ENABLED = 0

.PHONY: all build test lint bench fuzz soak clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o netlinkq ./extension
	cp netlinkq netlinkq.ext

test:
	$(GO) vet ./...
	@# Off Linux the module builds (with no tables), as the README says.
	GOOS=darwin $(GO) vet ./...
	GOOS=windows $(GO) build ./...
	$(GO) test -count=1 -timeout 20m ./...
	@# Concurrency under the race detector (it needs cgo): osqueryd may call
	@# generate concurrently, namespace switches must never leak, and a dump
	@# reads its next datagram on another goroutine.
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 10m \
		-run 'TestSnapshot|TestINList|TestServer|TestManagerClient|TestConcurrentGenerate|TestPanicOverThrift|TestManagerGoesAwayMidCall|TestConnectionClosedMidCall|TestNamespaceConcurrent|TestRun|TestReadAhead|TestDump|TestDirectScan|TestStreaming' \
		./extension/... ./tables ./netlinkx

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

clean:
	rm -f netlinkq netlinkq.ext
	rm -rf dist

-include packaging/package.mk
-include mk/*.mk

# bench, fuzz and soak gather the targets that mk/*.mk files add to them:
# a file adds `bench: bench-sockets` and the recipe of bench-sockets.
bench:
fuzz:
soak:
