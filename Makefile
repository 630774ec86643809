# `make test` builds everything it needs from nothing: a fresh virtual environment,
# the project and its test extras, then lint, type-check and the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: test lint smoke bench docs clean

test: $(VENV)/.installed lint
	$(BIN)/pytest -q -p no:cacheprovider -n 2
	$(MAKE) smoke

# The wheel as users get it: built, installed into a fresh venv, then a downstream project (smoke/)
# replays its cassettes through the plugin from there, with no keys and the network blocked.
SMOKE := build/smoke
smoke: $(VENV)/.installed
	rm -rf $(SMOKE)
	mkdir -p $(SMOKE)
	$(BIN)/python -m build --wheel --outdir $(SMOKE)/dist . > $(SMOKE)/build.log 2>&1 || { cat $(SMOKE)/build.log; exit 1; }
	$(PYTHON) -m venv $(SMOKE)/venv
	$(SMOKE)/venv/bin/pip install -q $(SMOKE)/dist/*.whl pytest
	cd smoke && env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY -u GOOGLE_API_KEY -u GEMINI_API_KEY \
		../$(SMOKE)/venv/bin/pytest -q --block-network
	$(SMOKE)/venv/bin/harness scan cassettes smoke/cassettes

lint: $(VENV)/.installed
	$(BIN)/ruff check harness tests bench docs smoke conftest.py
	$(BIN)/ruff format --check harness tests bench docs smoke conftest.py
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
	$(BIN)/python bench/replay.py
	$(BIN)/python bench/emulator.py

docs: $(VENV)/.installed
	$(BIN)/pytest -q -p no:cacheprovider docs

$(VENV)/.installed: pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) $(INSTRUCTOR_VENV) .mypy_cache .ruff_cache build build.log *.egg-info
