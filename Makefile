# The two commands a fresh clone needs: `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin/prefect-deploy

.PHONY: test demo build bench venv acme-venv server

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-X github.com/prefect-flow-deploy/prefect-deploy-action/cli.Commit=$$(c=$$(git rev-parse HEAD 2>/dev/null) && { git diff --quiet HEAD 2>/dev/null || c=$$c+modified; }; echo $$c)" -o $(BIN) .

venv:
	@scripts/venv.sh >/dev/null

# acme-portal-sdk (aps-prefect-deploy, pinned), the peer e2e/acme_test.go compares with.
acme-venv: venv
	@scripts/acme-venv.sh >/dev/null

# Lint (gofmt, go vet, actionlint, zizmor, shellcheck), then unit, integration, end-to-end and
# act-driven tests against live local Prefect servers and real process workers (after the
# compatibility suite against the other Prefect versions of scripts/prefect-versions). The
# output is plain go test's (a line per package, failing tests in full) and ends with one line:
# "N passed, N failed, N skipped".
test: venv acme-venv
	$(GO) mod download
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	scripts/act-lint.sh
	GO=$(GO) scripts/compat.sh
	@# The parameter-schema oracle (discover vs Prefect's own: the pinned
	@# version and the newest of .venvs/, which compat.sh installed), verbose for its equal/total figures.
	@# Its full log, every difference explained, is kept in .tmp/oracle.log.
	@mkdir -p .tmp; set -o pipefail; $(GO) test -count=1 -run '^TestOracle$$' -v ./source/discover/ | tee .tmp/oracle.log | \
	  grep -E '^(oracle vs|--- FAIL|FAIL|ok|panic)' || { echo "oracle failed: see .tmp/oracle.log"; exit 1; }
	$(GO) build -o bin/testsum ./internal/testsum
	set -o pipefail; scripts/prefect-server.sh -- $(GO) test -json -race -shuffle=on -count=1 -timeout 30m -skip '^TestOracle$$' ./... | bin/testsum

# Deploy examples/ to a throwaway local Prefect server, run one flow through a worker, print the table.
demo: venv build
	scripts/demo.sh

# A throwaway local Prefect server with its UI, to try prefect-deploy on your own repository;
# Ctrl-C stops it and deletes its data.
server: venv build
	scripts/prefect-server.sh --ui -- scripts/serve.sh

bench: venv build
	$(GO) run ./internal/bench $(BENCH_ARGS)
