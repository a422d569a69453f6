# Quick start: `make demo` starts the tray app on its embedded demo account; `make test` runs the whole test suite.
# Both create (or reuse) the virtualenv in .venv and install pdtray into it in editable mode.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint format bench bundle icons clean

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
	$(BIN)/ruff check pdtray tests benchmarks packaging
	$(BIN)/ruff format --check pdtray tests benchmarks packaging

format: $(STAMP)
	$(BIN)/ruff format pdtray tests benchmarks packaging
	$(BIN)/ruff check --fix pdtray tests benchmarks packaging

bench: $(STAMP)
	$(BIN)/python benchmarks/refresh_requests.py
	$(BIN)/python benchmarks/tray_app.py
	$(BIN)/python benchmarks/soak.py

# The one-folder app for this platform in dist/ (Linux: dist/pdtray/ with install.sh; macOS: dist/pdtray.app).
bundle: $(STAMP)
	$(BIN)/pyinstaller packaging/pdtray.spec --noconfirm

# Regenerates the app icon's PNG, ICO and ICNS files from resources/icons/pdtray.svg.
icons: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[icons]'
	$(BIN)/python packaging/make_icons.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
