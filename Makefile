# The two commands a fresh clone needs: `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin/prefect-deploy

.PHONY: test demo build bench venv

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) .

venv:
	@scripts/venv.sh >/dev/null

# Lint (gofmt, go vet, actionlint, zizmor, shellcheck), then unit, integration, end-to-end and
# act-driven tests against live local Prefect servers and real process workers.
test: venv
	$(GO) mod download
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	scripts/act-lint.sh
	scripts/prefect-server.sh -- $(GO) test -race -shuffle=on -count=1 -timeout 30m -skip '^TestOracle$$' ./...
	@# The parameter-schema oracle (discover vs Prefect's own), verbose for its equal/total figures.
	@# Its full log, every difference explained, is kept in .tmp/oracle.log.
	@mkdir -p .tmp; set -o pipefail; $(GO) test -count=1 -run '^TestOracle$$' -v ./discover/ | tee .tmp/oracle.log | \
	  grep -E '^(oracle vs|--- FAIL|FAIL|ok|panic)' || { echo "oracle failed: see .tmp/oracle.log"; exit 1; }

# Deploy examples/ to a throwaway local Prefect server, run one flow through a worker, print the table.
demo: venv build
	scripts/demo.sh

bench: venv build
	scripts/prefect-server.sh -- $(GO) run ./internal/bench $(BENCH_ARGS)
