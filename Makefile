# Hanlin — every target is idempotent: re-running skips what is already done.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.hanlin-installed
BSTAMP  := $(VENV)/.hanlin-bench-installed
TORCH   ?= torch==2.13.0
PYTEST_ARGS ?=

.PHONY: setup data run test bench browser clean-data

setup: $(STAMP)

# torch first: 2.13.0 is the CPU build on this machine's disk; a bare `torch` would pull CUDA wheels.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

$(BSTAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e ".[test,bench]"
	touch $@

# Pull registry data (cached in ~/.cache/hanlin) and build indexes that are missing.
data: setup
	$(BIN)/hanlin data pull
	$(BIN)/hanlin index build --if-missing

run: data
	$(BIN)/hanlin web

test: data browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Debian's Chromium (+ a CJK font for readable screenshots) for the end-to-end UI test
# (playwright drives it; no browser download).
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi wqy; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; \
	  else echo "chromium missing: run 'sudo apt-get install chromium' for the browser test"; fi; }

bench: $(BSTAMP) data
	$(BIN)/python -m bench

clean-data:
	rm -rf data/corpora data/indexes data/dicts data/rhyme data/cache
