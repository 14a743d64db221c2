# Tally developer commands. `make dev` and `make test` are all a newcomer needs (Python 3.11+ and make).
# Without DATABASE_URL they run an embedded PostgreSQL under .data/; with it, they use that server.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WITH_DB := $(BIN)/python -m scripts.with_db
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install dev run test lint fmt db-init db-migrate db-upgrade db-downgrade db-seed db-reset \
	migrations-check bench lock

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the locked dependencies

dev: install ## Migrate, seed the demo data and serve with reload on http://127.0.0.1:8000
	$(WITH_DB) sh -c '$(BIN)/alembic upgrade head && $(BIN)/python -m scripts.seed_data && \
		exec $(BIN)/uvicorn --factory app.main:create_app --host $(HOST) --port $(PORT) --reload --reload-dir app'

run: install ## Migrate and serve without reload (as in production; no demo data)
	$(WITH_DB) sh -c '$(BIN)/alembic upgrade head && \
		exec $(BIN)/uvicorn --factory app.main:create_app --host $(HOST) --port $(PORT) --proxy-headers'

test: install ## Run the test suite on real PostgreSQL (its own databases, never the dev one)
	$(WITH_DB) $(BIN)/pytest -n 2 $(ARGS)

lint: install ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: install ## Format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

db-init: install ## Create the tables straight from the models (throwaway databases only)
	$(WITH_DB) $(BIN)/python -m scripts.init_db

db-migrate: install ## Autogenerate a migration: make db-migrate m="add things"
	@test -n "$(m)" || { echo 'usage: make db-migrate m="what changed"'; exit 2; }
	$(WITH_DB) sh -c '$(BIN)/alembic upgrade head && $(BIN)/alembic revision --autogenerate -m "$(m)"'

db-upgrade: install ## Apply all migrations
	$(WITH_DB) $(BIN)/alembic upgrade head

db-downgrade: install ## Revert the last migration
	$(WITH_DB) $(BIN)/alembic downgrade -1

db-seed: install ## Load the demo data (idempotent; refused in production)
	$(WITH_DB) $(BIN)/python -m scripts.seed_data

db-reset: install ## Drop everything, migrate from scratch and seed
	$(WITH_DB) sh -c '$(BIN)/alembic downgrade base && $(BIN)/alembic upgrade head && $(BIN)/python -m scripts.seed_data'

migrations-check: install ## upgrade -> downgrade base -> upgrade, then `alembic check` (no model drift)
	$(WITH_DB) $(BIN)/python -m scripts.check_migrations

bench: install ## Benchmarks: our stack against a bare baseline, as ratios
	$(WITH_DB) $(BIN)/python -m bench

lock: ## Re-resolve requirements.in into the hashed requirements.lock (needs uv)
	uv pip compile requirements.in --generate-hashes --python-version 3.11 -o requirements.lock
