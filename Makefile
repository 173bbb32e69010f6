# Two commands: `make run` serves the API on SQLite; `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := wsgi.py
HOST    ?= 127.0.0.1
PORT    ?= 8000
WORKERS ?= 2
# pytest-xdist: one test process per core; PYTEST_ARGS="-n 0" runs in one process
PYTEST_ARGS ?= -n auto

.PHONY: run test setup db lint bench clean outbox screenshots mutation

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

db: setup
	$(BIN)/flask db upgrade heads
	$(BIN)/flask reference load

run: db
	@echo "API on http://$(HOST):$(PORT)/api/v1 — docs at http://$(HOST):$(PORT)/api/docs (OpenAPI: /api/openapi.json)"
	rm -rf instance/prometheus && mkdir -p instance/prometheus
	PROMETHEUS_MULTIPROC_DIR=$(CURDIR)/instance/prometheus HOST=$(HOST) PORT=$(PORT) WEB_CONCURRENCY=$(WORKERS) \
		$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: db
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .

bench: db
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The console's pages with realistic data, in Debian's chromium (apt-get install chromium fonts-noto-cjk)
screenshots: setup
	SCREENSHOTS_DIR=$(CURDIR)/docs/console $(BIN)/python -m pytest tests/console/test_screenshots*.py -n 0 -p no:randomly -q

# Mutation testing of the rule modules (tools/mutation.py, cosmic-ray): each module against its own tests, within
# BUDGET seconds per module; MODULES="workdays eligibility" picks some (default: all). Hours on two cores: not in CI.
MODULES ?=
BUDGET  ?= 1800
mutation: setup
	nice -n 10 $(BIN)/python tools/mutation.py --budget $(BUDGET) $(MODULES)

clean:
	rm -rf $(VENV) instance/reporter.db*
