# abi-etl: the user's and the developer's interface. `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# `make bench`: PubMed rows per size (one size is quicker: SIZES=10000), where the report
# goes, and more options of `python -m benchmarks` (--no-to-sql, --no-flow, --small-change N).
SIZES ?= 10000 100000 1000000
BENCH_OUT ?= bench-results
BENCH_FLAGS ?=
TRIGGER_RUNS ?= 5
SAMPLE_DIR ?= data/sample

.PHONY: help dev lint format test sample bench bench-docs bench-trigger clean-venv

include mk/stack.mk

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/abi-etl: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	# --no-deps: the lock is complete and hashed; pip must not resolve anything itself.
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

dev: $(BIN)/abi-etl ## Create .venv with the locked dependencies and abi-etl installed editable

lint: dev ## Check code style and format with ruff
	$(BIN)/ruff check etl tests benchmarks
	$(BIN)/ruff format --check etl tests benchmarks

format: dev ## Rewrite code with ruff's formatter and safe fixes
	$(BIN)/ruff check --fix etl tests benchmarks
	$(BIN)/ruff format etl tests benchmarks

test: dev ## Run the tests that need no running stack (PostgreSQL: ABI_TEST_DATABASE_URL or a throwaway cluster)
	$(BIN)/pytest tests/unit -q -p no:cacheprovider --timeout 900

sample: dev ## Regenerate the committed sample in data/sample (3,000 publications)
	$(BIN)/abi-etl sample --out $(SAMPLE_DIR)

bench: dev ## Time the production run (first run, flow, unchanged night, small change) and raw COPY at SIZES; table, JSON, PNG in BENCH_OUT
	$(BIN)/python -m benchmarks $(foreach size,$(SIZES),--size $(size)) --out $(BENCH_OUT) $(BENCH_FLAGS)

bench-docs: ## Run `make bench` into docs/bench, the figures the README links (run it on an idle machine)
	$(MAKE) bench BENCH_OUT=docs/bench

bench-trigger: dev ## Trigger daily-etl on the running stack TRIGGER_RUNS times; where trigger to Completed goes
	$(BIN)/python -m benchmarks.trigger --runs $(TRIGGER_RUNS) --out $(BENCH_OUT)

clean-venv: ## Remove the virtual environment
	rm -rf $(VENV)
