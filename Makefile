# baton-confluence — common tasks. `make help` lists them.
GO        ?= go
BIN       ?= baton-confluence
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
PKG_TEST  ?= ./...

.PHONY: help build test test-short lint vet generate generate-check bench faults fuzz demo docker release-snapshot tidy-check clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-18s %s\n", $$1, $$2}'

build: ## static binaries in ./bin
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/$(BIN) ./cmd/baton-confluence
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/confluence-sim ./cmd/confluence-sim
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/c1-fake ./cmd/c1-fake

test: ## the whole suite, race detector on (what CI runs)
	$(GO) test -race -count=1 -timeout 20m $(PKG_TEST)

test-short: ## quick run without the race detector and slow tests
	$(GO) test -short -count=1 $(PKG_TEST)

vet: ## go vet
	$(GO) vet ./...

lint: vet ## golangci-lint (installed on demand into ./bin)
	@test -x bin/golangci-lint || GOBIN=$(CURDIR)/bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
	bin/golangci-lint run ./...

generate: ## regenerate protobuf Go code (needs protoc: apt-get install protobuf-compiler)
	scripts/generate.sh

generate-check: ## fail if generated code is stale
	$(GO) test -count=1 -run TestGeneratedCodeIsCurrent ./internal/baton/pb/

tidy-check: ## fail if go.mod/go.sum are not tidy
	$(GO) mod tidy -diff

bench: ## end-to-end benchmark table (medium, large, rate-limited) plus hot-path micro-benchmarks
	scripts/bench.sh $(BENCH_ARGS)

faults: ## fault matrix at medium size
	BATON_FAULTS_SIZE=medium $(GO) test -count=1 -timeout 30m -v -run TestFault ./test/faults/

fuzz: ## fuzz every parser for FUZZTIME each (default 2m)
	scripts/fuzz.sh $(FUZZ)

demo: ## sync the built-in simulated tenant into demo.c1z
	$(GO) run ./cmd/baton-confluence demo

docker: ## build the container image (needs a Docker engine)
	docker build -t baton-confluence:$(VERSION) .

release-snapshot: ## goreleaser build without publishing
	goreleaser release --snapshot --clean

clean:
	rm -rf bin dist
