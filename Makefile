# Game Night: every target creates .venv with the pinned requirements when it is missing.
# Settings come from the environment or .env (see .env.example); ENV_FILE names another
# dotenv file, or none when empty, for every target alike. `make help` lists targets.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed

.DEFAULT_GOAL := help
.PHONY: help install run serve seed migrate revision import create-admin introspect test \
	lint format bench bench-concierge bench-tournament bench-import bench-introspect bench-requests bench-sign-in clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Game Night needs Python 3.11 or newer; run make with PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(RUNTIME_STAMP)

install: $(DEV_STAMP) ## create .venv and install the pinned runtime and development requirements

migrate: $(RUNTIME_STAMP) ## upgrade the database named by DATABASE_URL to the latest migration
	$(BIN)/alembic upgrade head

seed: migrate ## load the demo games into an empty catalog
	$(BIN)/flask --app wsgi seed-demo

run: seed ## first look: migrate, load demo games if the catalog is empty, serve on SERVER_BIND
	$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

serve: $(RUNTIME_STAMP) ## serve with gunicorn as in production (no migration, no demo data)
	$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

import: migrate ## import a board-game export: make import FILE=path.csv [ARGS="--dry-run --batch-size 2000"]
	@test -n "$(FILE)" || { echo 'usage: make import FILE=path/to/export.csv [ARGS="--dry-run"]' >&2; exit 2; }
	$(BIN)/flask --app wsgi import-games "$(FILE)" $(ARGS)

create-admin: migrate ## create an admin account: make create-admin EMAIL=you@example.org [ARGS="--display-name Ann"]; asks for the password (or GAMENIGHT_ADMIN_PASSWORD)
	@test -n "$(EMAIL)" || { echo 'usage: make create-admin EMAIL=you@example.org [ARGS="--display-name Ann"]' >&2; exit 2; }
	$(BIN)/flask --app wsgi create-admin "$(EMAIL)" $(ARGS)

introspect: $(RUNTIME_STAMP) ## compare the models with the database at DATABASE_URL; fails on drift or when it cannot check [ARGS="--format json"]
	@$(BIN)/python -m scripts.db_introspection $(ARGS)

revision: $(DEV_STAMP) ## new migration from the models: make revision m="what changed"
	@test -n "$(m)" || { echo 'usage: make revision m="what changed"' >&2; exit 2; }
	$(BIN)/alembic revision --autogenerate -m "$(m)"

test: $(DEV_STAMP) ## run the test suite (PostgreSQL/MariaDB too when TEST_POSTGRES_URL/TEST_MARIADB_URL are set)
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(DEV_STAMP) ## every benchmark: load (wrk against a raw psycopg baseline: reads anonymous and with a token, a write with a token), importer, introspection, failed sign-in timing, CPU per request against HEAD~1, the concierge's suggestions, Swiss pairing and standings of a 256-player event; writes docs/benchmarks.md
	$(BIN)/python -m scripts.bench.load_bench
	$(BIN)/python -m scripts.bench.import_bench
	$(BIN)/python -m scripts.bench.introspect_bench
	$(BIN)/python -m scripts.bench.sign_in_bench
	$(BIN)/python -m scripts.bench.request_cpu_bench
	$(BIN)/python -m scripts.bench.concierge_bench
	$(BIN)/python -m scripts.bench.swiss_bench
	$(BIN)/python -m scripts.bench.standings_bench
	$(BIN)/python -m scripts.bench.tournament_api_bench

bench-concierge: $(DEV_STAMP) ## the concierge's suggestions on PostgreSQL with the full catalog, 200 players, 600 owned games, 20,000 plays, beside the obvious way (BENCH_POSTGRES_URL); writes docs/benchmarks.md
	$(BIN)/python -m scripts.bench.concierge_bench $(ARGS)

bench-tournament: $(DEV_STAMP) ## pairing a round and computing the standings of a 256-player Swiss event: the domain functions alone, then each round through the API on PostgreSQL (BENCH_POSTGRES_URL; goal: each under one second); writes docs/benchmarks.md
	$(BIN)/python -m scripts.bench.swiss_bench
	$(BIN)/python -m scripts.bench.standings_bench
	$(BIN)/python -m scripts.bench.tournament_api_bench

bench-requests: $(DEV_STAMP) ## CPU time per request against an earlier revision: make bench-requests ARGS="--against REV" (default HEAD~1); writes docs/benchmarks.md
	$(BIN)/python -m scripts.bench.request_cpu_bench $(ARGS)

bench-sign-in: $(DEV_STAMP) ## a failed sign-in's time for an existing and an unknown email, real argon2, on PostgreSQL (BENCH_POSTGRES_URL); writes docs/benchmarks.md
	$(BIN)/python -m scripts.bench.sign_in_bench $(ARGS)

bench-introspect: $(DEV_STAMP) ## time make introspect on fresh SQLite, PostgreSQL and MariaDB databases (BENCH_POSTGRES_URL, BENCH_MARIADB_URL); writes docs/benchmarks.md
	$(BIN)/python -m scripts.bench.introspect_bench $(ARGS)

bench-import: $(DEV_STAMP) ## benchmark the importer against COPY on PostgreSQL (BENCH_POSTGRES_URL); writes docs/benchmarks.md
	$(BIN)/python -m scripts.bench.import_bench $(ARGS)

lint: $(DEV_STAMP) ## ruff (lint and format check), mypy, and the layering's import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(DEV_STAMP) ## format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean: ## remove .venv, caches and the local SQLite database under instance/
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
