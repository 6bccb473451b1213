# Rathaus Online: `make run` starts the platform, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test test-postgres bench lint format docs services clean

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(INSTALLED)

## run: every service and the gateway in one process (SQLite under var/, broker at $AMQP_URI)
run: $(INSTALLED)
	$(BIN)/python -m services.launch --config config/local.yaml

## test: the whole suite under `nameko test` on the real RabbitMQ (DATABASE_URL=postgresql://... for PostgreSQL)
test: $(INSTALLED)
	scripts/ensure-rabbitmq
	$(BIN)/nameko test tests -q -W ignore::DeprecationWarning $(PYTEST_ARGS)

## test-postgres: the same suite on the local PostgreSQL
test-postgres:
	DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rathaus $(MAKE) test

## bench: the benchmarks; prints figures as ratios against raw AMQP on the same broker
bench: $(INSTALLED)
	scripts/ensure-rabbitmq
	$(BIN)/python -m bench

lint: $(INSTALLED)
	$(BIN)/ruff check services tests bench
	$(BIN)/ruff format --check services tests bench

format: $(INSTALLED)
	$(BIN)/ruff check --fix services tests bench
	$(BIN)/ruff format services tests bench

## docs: regenerate the committed OpenAPI document, event and RPC catalogues (tests fail when stale)
docs: $(INSTALLED)
	$(BIN)/python -m services.gateway.openapi_export --write
	$(BIN)/python -m services.common.catalogue --write docs/events.md
	$(BIN)/python -m services.common.rpc_catalogue --write docs/rpc.md

## services: start RabbitMQ (with its management plugin) and PostgreSQL if they are down
services:
	scripts/ensure-rabbitmq
	scripts/ensure-postgresql

clean:
	rm -rf var
