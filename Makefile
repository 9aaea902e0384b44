# OMG KB. `make run` and `make test` are all a newcomer needs; `make help` lists the rest.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run setup test test-browser lint format check-migrations ci bench bench-import bench-serve bench-compare bench-search bench-corpus loadtest audit backup restore clean

help: ## Show this list
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when the requirements change.
$(VENV)/.installed-runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

setup: $(VENV)/.installed-runtime ## Install, migrate, import the knowledge base (fixtures/omg-kb) and demo accounts
	$(MANAGE) migrate --noinput
	$(MANAGE) import_gitbook fixtures/omg-kb
	$(MANAGE) create_demo_accounts
	$(MANAGE) set_site_address http://$(HOST):$(PORT)

run: setup ## Set everything up and serve the site on http://127.0.0.1:8000 (SQLite)
	@echo "Serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	WAGTAILADMIN_BASE_URL=http://$(HOST):$(PORT) $(MANAGE) runserver $(HOST):$(PORT)

test: $(VENV)/.installed-dev ## Run the whole test suite (DATABASE_URL selects PostgreSQL)
	$(BIN)/pytest

AXE := tests/browser/node_modules/axe-core/axe.min.js

$(VENV)/.installed-browser: requirements.txt requirements-dev.txt requirements-browser.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-browser.txt
	touch $@ $(VENV)/.installed-dev $(VENV)/.installed-runtime

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: the accessibility checks take axe-core from the npm registry (apt-get install npm)" >&2; exit 1; }
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	touch $@

test-browser: $(VENV)/.installed-browser $(AXE) ## Real-browser tests: reader and editorial journeys, axe-core (screenshots in tests/artifacts/)
	bash tests/browser/install-chromium
	$(BIN)/pytest tests/browser --browser

lint: $(VENV)/.installed-dev ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: $(VENV)/.installed-dev ## Fail if a model change has no migration
	DJANGO_SETTINGS_MODULE=kbsite.settings.test $(MANAGE) makemigrations --check --dry-run

ci: ## Run what CI runs: lint, migrations check, tests on SQLite and PostgreSQL
	bash .ci/run

bench: bench-serve bench-import bench-compare bench-search ## Run every benchmark (results in bench/*.md)

bench-import: $(VENV)/.installed-runtime ## Time import_gitbook on a generated 1,000-page book, SQLite and PostgreSQL
	$(BIN)/python bench/import_bench.py

# BENCH_SERVE_FLAGS: e.g. --quick (3 s a scenario), --sizes 100,5000,50000, --server sync (gunicorn),
# --rebuild, --skip-import (see --help).
bench-serve: $(VENV)/.installed-dev ## Serve generated 100- and 5,000-page sites under wrk: the app server, page cache, Varnish, nginx; scale, search, purge (bench/results.md)
	$(BIN)/python bench/serve_bench.py $(BENCH_SERVE_FLAGS)

# The books stay outside the repository: CORPUS is a folder of real GitBook books with a CORPUS.md.
bench-corpus: $(VENV)/.installed-runtime ## Import, read and round-trip real GitBook books: CORPUS=folder (bench/corpus-results.md)
	@test -n "$(CORPUS)" || { echo "Usage: make bench-corpus CORPUS=/path/to/books (see bench/gitbook_corpus.py)" >&2; exit 2; }
	$(BIN)/python bench/gitbook_corpus.py $(CORPUS)

bench-compare: $(VENV)/.installed-runtime ## Time the admin's comparison of two revisions of a 100-block page (bench/compare-results.md)
	$(BIN)/python bench/compare_bench.py

# BENCH_SEARCH_FLAGS: e.g. --quick, --skip-relevance, --rebuild, --output FILE (see --help).
bench-search: $(VENV)/.installed-runtime ## Search relevance (knowledge base, SQLite and PostgreSQL) and speed on a generated 5,000-page site (bench/search-results.md)
	$(BIN)/python bench/search_bench.py $(BENCH_SEARCH_FLAGS)

audit: $(VENV)/.installed-dev ## pip-audit against requirements.txt: fails on a known vulnerability, or if nothing could be checked (AUDIT_OFFLINE=1: passes, saying so)
	$(BIN)/python .ci/audit

LOADTEST_SECONDS ?= 60
LOADTEST_READERS ?= 50

loadtest: $(VENV)/.installed-dev ## 60 s of 50 readers and an editor publishing against gunicorn + PostgreSQL, then a database outage
	$(BIN)/python bench/loadtest.py --seconds $(LOADTEST_SECONDS) --readers $(LOADTEST_READERS)

backup: $(VENV)/.installed-runtime ## Back up the database and media into backups/ (OUTPUT=path to choose; docs/deploy.md#backups)
	$(MANAGE) backup_site $(if $(OUTPUT),--output "$(OUTPUT)")

restore: $(VENV)/.installed-runtime ## Restore FILE=backups/omgkb-....tar.gz into an EMPTY database (and MEDIA_ROOT)
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=backups/omgkb-<timestamp>.tar.gz (into an empty database; see docs/deploy.md#backups)" >&2; exit 2; }
	$(MANAGE) restore_site "$(FILE)"

clean: ## Remove the virtualenv, the SQLite database and caches
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache tests/browser/node_modules tests/artifacts
