# moocplatform: `make run` to try it, `make test` to test it. Everything it needs is installed by these targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/moocplatform_test
export FLASK_APP := wsgi.py
# Test processes per database half (pytest-xdist, whole files per process): one a core, at most the 3 that
# tests/parallel.py has Redis databases for; TEST_WORKERS=0 runs the tests in this process.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 3 ] && n=3; echo $$n)
PYTEST := $(BIN)/pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile
# The code as it stood when the speed bars were set: `make bench` measures it beside today's.
BENCH_BASELINE ?= 5ae716d

.PHONY: translations run setup test test-sqlite test-postgres test-browser browser-deps bench lint clean help

help:
	@echo "make run    set everything up and serve http://$(HOST):$(PORT) with the worker (SQLite in instance/)"
	@echo "make test   the whole test suite on SQLite and PostgreSQL, browser tests included"
	@echo "make bench  the benchmark (see bench/README.md)"
	@echo "make lint   ruff and mypy"

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	$(BIN)/pybabel compile --use-fuzzy -d moocplatform/translations >/dev/null
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/moocplatform setup

# The outbox worker (mail, periodic jobs) runs beside the development server; Ctrl+C stops both. A failed
# setup step is reported but does not keep the server from starting on what the database holds. Links in mails
# point at the address served here unless PUBLIC_BASE_URL says otherwise.
run: $(STAMP)
	@$(BIN)/moocplatform setup || echo "*** setup reported a problem (above); serving the database as it is ***" >&2
	@echo "Serving on http://$(HOST):$(PORT) with the outbox worker beside it  (Ctrl+C stops both)"
	@export HOST="$(HOST)" PORT="$(PORT)"; \
	  $(BIN)/moocplatform worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	  $(BIN)/flask run --host $(HOST) --port $(PORT)

# Debian's chromium for the browser tests (Playwright cannot download browsers here).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) browser-deps
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(STAMP)
	$(PYTEST)

test-postgres: $(STAMP)
	@if $(BIN)/python -c "import psycopg; psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=test', connect_timeout=3).close()" 2>/dev/null; then \
	  TEST_DATABASE_URL=$(PG_TEST_URL) $(PYTEST); \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL at 127.0.0.1:5432 is not reachable: under CI this is a failure." >&2; exit 1; \
	else \
	  echo "" >&2; \
	  echo "############################################################################" >&2; \
	  echo "# WARNING: PostgreSQL at 127.0.0.1:5432 is not reachable: the PostgreSQL    #" >&2; \
	  echo "# half of the test suite was SKIPPED. Start it and run make test-postgres. #" >&2; \
	  echo "############################################################################" >&2; \
	fi

test-browser: $(STAMP) browser-deps
	$(PYTEST) -m browser

# ruff checks style and likely bugs everywhere; mypy checks the types of the package (settings in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m bench.run --baseline $(BENCH_BASELINE)
	$(BIN)/python -m bench.staff --db sqlite
	$(BIN)/python -m bench.staff --db postgres
	$(BIN)/python -m bench.memory
	$(BIN)/python -m bench.scale

# Every user-facing string is marked for translation; this refreshes the catalogues after changes.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  --project moocplatform -o moocplatform/translations/messages.pot .
	$(BIN)/pybabel update -i moocplatform/translations/messages.pot -d moocplatform/translations
	$(BIN)/pybabel compile -d moocplatform/translations

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
