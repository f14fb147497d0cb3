# Feidi — one target per concern. `make demo` and `make test` set everything up first.
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
#: where `make demo` serves the platform
ADDR   ?= 127.0.0.1:8000
#: the SQLite passes ignore a DATABASE_URL the caller may have exported
SQLITE  = env -u DATABASE_URL
#: tests run in parallel processes (pytest-xdist): many wait on subprocesses, servers and
#: browsers, so two processes on two cores take ≈ 60 % of the time of one
PYTEST  = $(PY) -m pytest -q -n auto --maxprocesses 4

.PHONY: setup system-demo system-test demo test test-fast test-pg e2e migrations lint fmt typecheck imports bench \
	bench-pages screenshots clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@test -x $(VENV)/bin/feidi -a -x $(VENV)/bin/feidi-web \
	  || { echo "setup: the feidi / feidi-web console scripts were not installed" >&2; exit 1; }
	rm -f $(VENV)/.installed-*
	touch $@

system-demo:                ## Debian packages the demo needs (installed when absent)
	@bash scripts/system-packages demo

system-test:                ## Debian packages the tests need (installed when absent)
	@bash scripts/system-packages test

demo: system-demo setup     ## the demo city as files, then the whole platform at $(ADDR)
	$(VENV)/bin/feidi demo --out out/demo
	$(VENV)/bin/feidi-web demo --serve --addr $(ADDR)

test: system-test setup lint typecheck imports migrations   ## everything CI checks
	@rc=0; $(SQLITE) $(PYTEST) || rc=$$?; \
	  $(MAKE) --no-print-directory test-pg || rc=$$?; \
	  [ $$rc -eq 0 ] || echo "*** make test: a pass failed (see above) ***" >&2; exit $$rc

test-fast: setup            ## tests without the Spark engine (SQLite only)
	$(SQLITE) $(PYTEST) -m "not spark"

test-pg: system-test setup  ## the web and browser tests again on a throwaway PostgreSQL
	bash scripts/pg-throwaway $(PYTEST) tests/web tests/e2e

e2e: setup                  ## the browser tests alone (headless Chromium)
	$(SQLITE) $(PY) -m pytest -q -m e2e tests/e2e

migrations: setup           ## the models and the migrations agree
	@d=$$(mktemp -d); \
	  $(SQLITE) FEIDI_DATA_DIR=$$d DJANGO_SETTINGS_MODULE=feidi_web.config.test \
	    $(PY) -m feidi_web makemigrations --check --dry-run; \
	  rc=$$?; rm -rf $$d; exit $$rc

lint: setup
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts

fmt: setup
	$(VENV)/bin/ruff format src tests bench scripts
	$(VENV)/bin/ruff check --fix src tests bench scripts

typecheck: setup            ## mypy on the core (strict) and the web app (django-stubs)
	@d=$$(mktemp -d); \
	  FEIDI_DATA_DIR=$$d $(VENV)/bin/mypy; \
	  rc=$$?; rm -rf $$d; exit $$rc

imports: setup
	$(VENV)/bin/lint-imports

bench: setup                ## speed and memory figures (see bench/RESULTS.md)
	$(PY) bench/grade_province.py
	$(PY) bench/grade_csv.py

bench-pages: setup          ## worker time of grading the demo county; server time of the main pages (p50/p95)
	$(SQLITE) $(PY) bench/run_times.py
	$(SQLITE) $(PY) bench/page_times.py

screenshots: setup          ## docs/screenshots/{cockpit,firm,matchmaking,project,funnel}-{zh,en}.png from the demo
	$(SQLITE) $(PY) scripts/screenshots.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
