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

# instructor 1.17 pins jiter below what openai>=3.50 needs, so it gets a venv of its own, built once;
# when it cannot be built the benchmark still runs and reports instructor as skipped.
INSTRUCTOR_VENV ?= .venv-instructor

bench: $(VENV)/.installed
	@test -f $(INSTRUCTOR_VENV)/.installed || { rm -rf $(INSTRUCTOR_VENV) \
		&& $(PYTHON) -m venv $(INSTRUCTOR_VENV) \
		&& $(INSTRUCTOR_VENV)/bin/pip install -q instructor==1.17.0 openai anthropic httpx2 \
		&& touch $(INSTRUCTOR_VENV)/.installed; } \
		|| { echo "could not build $(INSTRUCTOR_VENV): instructor will be skipped"; rm -rf $(INSTRUCTOR_VENV); }
	$(BIN)/python bench/parallel_tools.py --instructor-python $(INSTRUCTOR_VENV)/bin/python

docs: $(VENV)/.installed
	$(BIN)/pytest -q -p no:cacheprovider docs

$(VENV)/.installed: pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) $(INSTRUCTOR_VENV) .mypy_cache .ruff_cache build *.egg-info
