# Every target creates .venv and installs what it needs; nothing is assumed on the machine
# but python3 (>= 3.11).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The browser tests drive Debian's chromium; Playwright never downloads a browser of its own.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo tour test lint bench-memory clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The web demo on the embedded default (planner, rule extractor, SQLite memory); the first
# worlds are generated up front so that loading one is instant. Ctrl-C stops it.
demo: $(STAMP)
	$(BIN)/mags worlds make tiny --seeds 1-3
	$(BIN)/mags web --host $(HOST) --port $(PORT)

# The scripted tour of the memory in the terminal.
tour: $(STAMP)
	$(BIN)/mags demo

test: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

bench-memory: $(STAMP)
	$(BIN)/mags bench-memory --sizes 10000,100000,1000000

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
