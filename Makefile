# Herald: the one entry point for people and CI.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
RUN := $(UV) run --frozen
export XDG_RUNTIME_DIR ?= $(shell d=/tmp/herald-runtime-$$(id -u); mkdir -p -m 700 $$d; echo $$d)

.PHONY: help setup run test test-unit test-integration test-e2e lint fmt schemas openapi bench chaos clean

help:
	@echo "make run     - the whole system on this machine (broker, Postgres, five services, demo recipients)"
	@echo "make test    - every test (unit, integration, end-to-end); as root it installs promtool and Chromium"
	@echo "make lint    - ruff and mypy --strict"
	@echo "make bench   - benchmarks, each beside a baseline; recorded in bench/results/"
	@echo "make chaos   - kill -9 each service under load and check the ledger (a small run is in make test)"
	@echo "make schemas - write the contract's JSON Schemas to schemas/"
	@echo "make openapi - write the services' OpenAPI documents to docs/openapi/"
	@echo "make asyncapi - write the AsyncAPI document of every topic to docs/asyncapi.json"

$(UV):
	python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

.venv/.synced: $(UV) pyproject.toml uv.lock $(wildcard */*/pyproject.toml)
	$(UV) sync --frozen
	@touch $@

setup: .venv/.synced

run: setup
	$(RUN) python -m herald.devstack

# promtool and Chromium where apt-get can install them; the run ends listing any check it skipped
test: setup
	@tools/test-tools.sh
	$(RUN) pytest -q

test-unit: setup
	$(RUN) pytest -q tests/unit

test-integration: setup
	$(RUN) pytest -q tests/integration

test-e2e: setup
	$(RUN) pytest -q tests/e2e

lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy libs/*/src services/*/src tools/*/src

fmt: setup
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

schemas: setup
	$(RUN) python -m herald.contracts.schemas schemas

openapi: setup
	$(RUN) python -m herald.devstack.openapi docs/openapi

bench: setup
	$(RUN) python bench/run_all.py

chaos: setup
	HERALD_CHAOS=full HERALD_CHAOS_RESULTS=bench/results/$$(date -u +%Y-%m-%dT%H%M)-$$(git rev-parse --short HEAD 2>/dev/null || echo nogit)-chaos.jsonl \
	  $(RUN) pytest -q -s tests/chaos

clean:
	rm -rf .venv .herald .pytest_cache .mypy_cache .ruff_cache

.PHONY: deploy-check asyncapi kafka-users

deploy-check: setup
	@tools/test-tools.sh
	$(RUN) pytest -q tests/deploy

asyncapi: setup
	$(RUN) python -m herald.devstack.asyncapi docs/asyncapi.json

kafka-users: setup
	$(RUN) python -m herald.devstack.kafka_users deploy/components/kafka-users
