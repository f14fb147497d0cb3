# Feidi — one target per concern. `make demo` and `make test` set everything up first.
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: setup demo test test-fast lint fmt typecheck imports bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

demo: setup                 ## generate the synthetic demo city and grade it
	$(VENV)/bin/feidi demo --out out/demo

test: setup lint typecheck imports   ## everything CI checks
	$(PY) -m pytest -q

test-fast: setup            ## tests without the Spark engine
	$(PY) -m pytest -q -m "not spark"

lint: setup
	$(VENV)/bin/ruff check src tests bench

fmt: setup
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

typecheck: setup
	$(VENV)/bin/mypy

imports: setup
	$(VENV)/bin/lint-imports

bench: setup                ## speed and memory figures (see bench/RESULTS.md)
	$(PY) bench/grade_province.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
