# `make test` builds everything it needs from nothing: a fresh virtual environment,
# the project and its test extras, then lint, type-check and the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: test lint bench docs clean

test: $(VENV)/.installed lint
	$(BIN)/pytest -q -p no:cacheprovider

lint: $(VENV)/.installed
	$(BIN)/ruff check harness tests bench docs conftest.py
	$(BIN)/ruff format --check harness tests bench docs conftest.py
	$(BIN)/mypy

bench: $(VENV)/.installed-bench
	$(BIN)/python bench/parallel_tools.py

docs: $(VENV)/.installed
	$(BIN)/pytest -q docs

$(VENV)/.installed: pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $@

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache build *.egg-info
