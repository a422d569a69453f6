# Quick start: `make demo` starts the tray app on its embedded demo account; `make test` runs the whole test suite.
# Both create (or reuse) the virtualenv in .venv and install pdtray into it in editable mode.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("pdtray needs Python 3.11 or newer, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pdtray --demo

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check pdtray tests benchmarks
	$(BIN)/ruff format --check pdtray tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format pdtray tests benchmarks
	$(BIN)/ruff check --fix pdtray tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/refresh_requests.py
	$(BIN)/python benchmarks/tray_app.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
