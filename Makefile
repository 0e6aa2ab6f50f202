# The two commands a newcomer needs are `make demo` and `make test`; both do all set-up themselves.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501
DEMO_DB ?= sqlite:///data/monitor.db

.PHONY: install sysdeps services demo test test-fast bench lint format clean train-default

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "Python 3.11 is required ($(PY) not found)"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	# torch first and pinned: this machine kind serves the CPU build of 2.13.0 from local disk.
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# System packages for the browser test and the report checks (Debian); skipped when present or not root.
sysdeps:
	@bash .ci/sysdeps

services:
	@bash .ci/services

demo: install
	MONITOR_DATABASE_URL=$(DEMO_DB) $(BIN)/monitor init
	MONITOR_DATABASE_URL=$(DEMO_DB) $(BIN)/monitor import data/demo/posts.jsonl
	MONITOR_DATABASE_URL=$(DEMO_DB) $(BIN)/monitor users ensure-demo
	MONITOR_DEMO=1 MONITOR_DATABASE_URL=$(DEMO_DB) $(BIN)/monitor dashboard --port $(PORT)

# The import contracts (the floors, pyproject.toml [tool.importlinter]) first: a breach fails before the tests run.
test: install sysdeps services
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow and not browser"

bench: install services
	$(BIN)/python -m bench

# Rebuild the shipped classifier models/default/ from the seed corpus (deterministic).
train-default: install
	bash models/train-default.sh

lint: install
	$(BIN)/ruff check monitor dashboards tests bench
	$(BIN)/ruff format --check monitor dashboards tests bench

format: install
	$(BIN)/ruff check --fix monitor dashboards tests bench
	$(BIN)/ruff format monitor dashboards tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache data/monitor.db data/monitor.db-* data/cache
