# Rathaus Online: `make run` starts the platform, `make test` runs every test.
#
# The tests come in three layers, each with its own target:
#   unit         no RabbitMQ: rules, use cases on a fake unit of work, plumbing, deployment files
#   integration  the services' suites on the real RabbitMQ and database
#   e2e          the portal in Chromium against the whole platform
# `make test` runs all three; a test that asks for one of nameko's broker fixtures is marked
# `broker`, one that starts a server or processes `server` (tests/conftest.py): what tells
# unit from integration.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST_FLAGS := -q -W ignore::DeprecationWarning --durations=15
# unit runs against a broker address where nothing listens: a test that reaches RabbitMQ
# without saying so fails there instead of passing by luck
NO_BROKER := --amqp-uri pyamqp://guest:guest@127.0.0.1:1/ --rabbit-api-uri http://guest:guest@127.0.0.1:1
# the portal's pinned npm packages (services/portal/assets/package-lock.json)
ASSETS := services/portal/assets/node_modules/.installed
# the portal's browser tests in two workers (pytest-xdist), each with a platform of its own:
# most of a journey is waiting for the platform or the browser
PORTAL_WORKERS := -n 2
# the operators' CRD schemas the Kubernetes manifests are checked against (tests/deployment)
SCHEMAS := tests/deployment/schemas/node_modules/.installed

.PHONY: run test unit integration e2e test-postgres bench lint typecheck format docs services assets \
	browser promtool clean

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(INSTALLED)

$(ASSETS): services/portal/assets/package-lock.json
	cd services/portal/assets && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $(ASSETS)

assets: $(ASSETS)

$(SCHEMAS): tests/deployment/schemas/package-lock.json
	cd tests/deployment/schemas && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $(SCHEMAS)

## browser: Debian's Chromium for the portal's browser tests, installed when missing
browser:
	scripts/ensure-chromium

## promtool: Prometheus's promtool in .tools/ (from Debian's package, never a server), with
## which the tests check the alert rules and the scrape config of deploy/observability
promtool:
	@scripts/ensure-promtool >/dev/null

## run: every service, the gateway and the portal in one process (SQLite under var/, broker at $AMQP_URI)
run: $(INSTALLED) $(ASSETS)
	$(BIN)/python -m services.launch --config config/local.yaml

## test: every layer, as the targets below run them: unit (two workers), integration on the real
## RabbitMQ, then the portal in Chromium (DATABASE_URL=postgresql://... for PostgreSQL)
test: $(INSTALLED) $(ASSETS) $(SCHEMAS) browser promtool
	scripts/ensure-rabbitmq
	$(UNIT)
	$(INTEGRATION)
	$(E2E)

## unit: every test that needs no RabbitMQ and starts no server (marked neither `broker` nor
## `server`): tests/unit, tests/deployment and the like of the other folders; SQLite where a
## test needs a database. Two workers (pytest-xdist): each test stands alone
UNIT = $(BIN)/nameko test tests $(PYTEST_FLAGS) --ignore=tests/portal -m "not broker and not server" \
	$(NO_BROKER) -n 2 $(PYTEST_ARGS)
unit: $(INSTALLED) $(SCHEMAS) promtool
	$(UNIT)

## integration: the tests marked `broker` or `server`: services, gateway and plumbing on the real
## RabbitMQ, the local S3 and database (DATABASE_URL=postgresql://... for PostgreSQL). Two
## processes side by side, which share the test files (scripts/in-parts); INTEGRATION_PARTS=1
## runs them in one
INTEGRATION_PARTS ?= 2
INTEGRATION = scripts/in-parts $(INTEGRATION_PARTS) $(BIN)/nameko test tests $(PYTEST_FLAGS) \
	--ignore=tests/portal -m "broker or server" $(PYTEST_ARGS)
integration: $(INSTALLED)
	scripts/ensure-rabbitmq
	$(INTEGRATION)

## e2e: the portal in Chromium against the whole platform as one process (plain pytest:
## Playwright does not run under eventlet)
E2E = $(BIN)/pytest tests/portal $(PYTEST_FLAGS) $(PORTAL_WORKERS) $(PYTEST_ARGS)
e2e: $(INSTALLED) $(ASSETS) browser
	scripts/ensure-rabbitmq
	$(E2E)

## test-postgres: the same suite on the local PostgreSQL
test-postgres:
	DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rathaus $(MAKE) test

## drill: the broker drills, not part of `make test`: a three-node RabbitMQ cluster on this machine
## (scripts/rabbitmq-cluster, started and stopped by it), one node stopped under a load of
## applications and reports (tests/faults/test_cluster_drill.py); then the machine's broker
## restarted while events flow (tests/faults/test_broker_restart.py)
.PHONY: drill
drill: $(INSTALLED)
	$(BIN)/nameko test tests/faults/test_cluster_drill.py tests/faults/test_broker_restart.py \
		$(PYTEST_FLAGS) -m drill -s $(PYTEST_ARGS)

## bench: the benchmarks; prints figures as ratios against raw AMQP on the same broker
bench: $(INSTALLED)
	scripts/ensure-rabbitmq
	$(BIN)/python -m bench

## lint: ruff's rules and its formatting, checked (`make format` applies them)
lint: $(INSTALLED)
	$(BIN)/ruff check services tests bench
	$(BIN)/ruff format --check services tests bench

## typecheck: mypy on the domain and the service layer ([tool.mypy] files in pyproject.toml)
typecheck: $(INSTALLED)
	$(BIN)/mypy

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
