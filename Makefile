# Everything installs from uv.lock (hashed pins): .venv holds the runtime and the dev group,
# .venv-prod (make serve-prod) the runtime only. uv comes from the package index into .tools
# when it is not on PATH.
PYTHON ?= python3
VENV ?= .venv
PROD_VENV ?= .venv-prod
BIN := $(VENV)/bin
UV_VERSION ?= 0.13.9
UV ?= $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
HOST ?= 127.0.0.1
MUTATION_MINIMUM ?= 85
PORT ?= 8000
export HOST PORT
# uv picks the interpreter make was given and never downloads one
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never

.PHONY: install install-prod run serve-prod migrate test lint format lock clean bench mutation

install: $(VENV)/.installed

install-prod: $(PROD_VENV)/.installed

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.installed: uv.lock pyproject.toml | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --quiet
	touch $@

$(PROD_VENV)/.installed: uv.lock pyproject.toml | $(UV)
	UV_PROJECT_ENVIRONMENT=$(PROD_VENV) $(UV) sync --locked --no-dev --quiet
	touch $@

run: migrate ## serve on the embedded defaults (SQLite in ./app.db, no server needed)
	$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) --no-access-log

serve-prod: install-prod ## WEB_CONCURRENCY processes (default 2) on one port, from the runtime-only .venv-prod; migrate first, as a release step
	$(PROD_VENV)/bin/gunicorn app.main:app -c gunicorn.conf.py

migrate: install ## bring the configured database to the latest schema
	$(BIN)/alembic upgrade head

test: install ## the whole suite, then its MariaDB tests on the asyncmy driver; they skip locally when no server answers
	$(BIN)/pytest
	TEST_MARIADB_DRIVER=asyncmy $(BIN)/pytest -m mariadb -q

lint: install ## ruff, mypy (strict on app/) and the layer contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install ## seed MariaDB once, run every scenario against its baseline, write bench/results.json
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run

mutation: install ## mutate the core (handlers, caching, its guard, commit effects, domain) against the fast suites; score per module, survivors
	rm -rf mutants
	$(BIN)/mutmut run
	$(BIN)/python scripts/mutation_report.py --minimum $(MUTATION_MINIMUM)

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock: | $(UV) ## re-lock after editing pyproject.toml (keeps current pins; LOCK_FLAGS=--upgrade moves all to the newest)
	$(UV) lock $(LOCK_FLAGS)

clean:
	rm -rf $(VENV) $(PROD_VENV) .tools .pytest_cache .mypy_cache .ruff_cache mutants
