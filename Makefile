# Everything installs into .venv from the pinned requirements.lock.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
MUTATION_MINIMUM ?= 85
PORT ?= 8000
export HOST PORT

.PHONY: install run serve-prod migrate test lint format lock clean bench mutation

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

run: migrate ## serve on the embedded defaults (SQLite in ./app.db, no server needed)
	$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) --no-access-log

serve-prod: install ## WEB_CONCURRENCY processes (default 2) on one port; migrate first, as a release step
	$(BIN)/gunicorn app.main:app -c gunicorn.conf.py

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

lock: ## re-pin every dependency after changing pyproject.toml
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude cqrs-service > requirements.lock
	rm -rf .lock-venv build *.egg-info

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache mutants
