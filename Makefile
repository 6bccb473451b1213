# Rathaus Online: `make run` starts the platform, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# the portal's pinned npm packages (services/portal/assets/package-lock.json)
ASSETS := services/portal/assets/node_modules/.installed

.PHONY: run test unit test-postgres bench lint format docs services assets browser clean

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(INSTALLED)

$(ASSETS): services/portal/assets/package-lock.json
	cd services/portal/assets && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $(ASSETS)

assets: $(ASSETS)

## browser: Debian's Chromium for the portal's browser tests, installed when missing
browser:
	scripts/ensure-chromium

## run: every service, the gateway and the portal in one process (SQLite under var/, broker at $AMQP_URI)
run: $(INSTALLED) $(ASSETS)
	$(BIN)/python -m services.launch --config config/local.yaml

## test: the services' suite under `nameko test` on the real RabbitMQ, then the portal in Chromium
## (DATABASE_URL=postgresql://... for PostgreSQL)
test: $(INSTALLED) $(ASSETS) browser
	scripts/ensure-rabbitmq
	$(BIN)/nameko test tests -q -W ignore::DeprecationWarning --ignore=tests/portal $(PYTEST_ARGS)
	$(BIN)/pytest tests/portal -q -W ignore::DeprecationWarning $(PYTEST_ARGS)

## unit: the rules and plumbing without broker or database, in seconds
unit: $(INSTALLED)
	$(BIN)/nameko test tests/unit -q -W ignore::DeprecationWarning $(PYTEST_ARGS)

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
