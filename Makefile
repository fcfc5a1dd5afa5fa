# netbox-hedgehog: `make demo` brings the whole stack up, `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
NETBOX_VERSION := 4.7.3
STAMP := $(VENV)/.installed-$(shell cat setup.cfg setup.py | sha1sum | cut -c1-12)-$(NETBOX_VERSION)
TEST_ENV := NETBOX_CONFIGURATION=tests.netbox_configuration PYTHONPATH=$(CURDIR)

.PHONY: help venv services browser demo down doctor test lint migrations-check pytest e2e bench

help:
	@echo "make demo   - start PostgreSQL/Redis if needed, NetBox with the plugin, a worker, the scheduler sidecar and a demo fabric"
	@echo "make down   - stop what make demo started"
	@echo "make doctor - check the demo installation (workers, sidecar, registrations, migrations, fabrics)"
	@echo "make test   - ruff, makemigrations --check, the whole pytest suite, and the browser tests"
	@echo "make bench  - run the benchmarks and print their figures"

venv: $(STAMP)

$(STAMP):
	@set -e; if [ ! -x $(BIN)/python ]; then $$(dev/find-python.sh) -m venv $(VENV); fi
	@echo "installing netbox==$(NETBOX_VERSION) and this project into $(VENV) (log: $(VENV)/install.log)"
	@$(BIN)/pip install --upgrade pip >$(VENV)/install.log 2>&1 && \
	  $(BIN)/pip install "netbox==$(NETBOX_VERSION)" -e ".[test]" >>$(VENV)/install.log 2>&1 || \
	  { tail -40 $(VENV)/install.log; exit 1; }
	@rm -f $(VENV)/.installed-*; touch $@

services:
	@dev/services.sh

demo: venv services
	@dev/demo.sh up

down:
	@dev/demo.sh down

doctor: venv
	NETBOX_ROOT=$(CURDIR)/.local/netbox $(BIN)/netbox hedgehog_doctor

lint: venv
	$(BIN)/ruff check plugin scheduler tests benchmarks dev

# The check reads models and migration files only; the always-present `postgres` database spares a warning
# about a missing one.
migrations-check: venv services
	$(TEST_ENV) HEDGEHOG_DB_NAME=postgres $(BIN)/netbox makemigrations --check --dry-run netbox_hedgehog

pytest: venv services
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

browser:
	@dev/browser.sh

# The browser tests drive their own stack (dev/demo.sh on a spare port), so they run as a separate session.
e2e: venv services browser
	$(TEST_ENV) $(BIN)/python -m pytest tests/e2e -p no:django -o addopts="-p no:cacheprovider" $(E2E_ARGS)

test: lint migrations-check pytest e2e

bench: venv services
	$(TEST_ENV) $(BIN)/python benchmarks/sync.py
	$(TEST_ENV) $(BIN)/python benchmarks/scheduler.py
	$(TEST_ENV) $(BIN)/python benchmarks/topology.py
	$(TEST_ENV) $(BIN)/python benchmarks/documents.py
