# `make test` builds everything it needs from nothing: a fresh virtual environment,
# the project and its test extras, then lint, type-check and the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: test lint smoke conformance bench fuzz audit-instructor docs clean browser

test: $(VENV)/.installed browser lint
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

# The cross-provider conformance report on the embedded defaults: every provider x every feature, no keys,
# no network; prints the matrix and writes conformance-report/report.{json,md,html}.
conformance: $(VENV)/.installed
	$(BIN)/harness conformance

# The long hostile-input runs (CI runs a few hundred of each): mutated provider answers over the five specs,
# corrupted cassettes through load and replay, corrupted sources through the importer. Exits 1 on any
# untyped exception, silently shortened answer or harmless edit that changed a result.
FUZZ_EXAMPLES ?= 4000
fuzz: $(VENV)/.installed
	$(BIN)/python -W ignore bench/fuzz_answers.py --count 12500 --seed 1
	HARNESS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -p no:cacheprovider -n 2 -m fuzz

lint: $(VENV)/.installed
	$(BIN)/ruff check harness tests bench docs smoke conftest.py
	$(BIN)/ruff format --check harness tests bench docs smoke conftest.py
	$(BIN)/mypy

# instructor 1.17 pins jiter below what openai>=3.50 needs, so it gets a venv of its own, built once;
# when it cannot be built the benchmark still runs and reports instructor as skipped.
INSTRUCTOR_VENV ?= .venv-instructor
INSTRUCTOR_BIN := $(INSTRUCTOR_VENV)/bin

bench: $(VENV)/.installed $(INSTRUCTOR_VENV)/.installed
	$(BIN)/python bench/parallel_tools.py --instructor-python $(INSTRUCTOR_BIN)/python
	$(BIN)/python bench/replay.py
	$(BIN)/python bench/emulator.py
	$(BIN)/python bench/conformance.py

# The recipe succeeds without the stamp when pip fails, so `bench` goes on (and the next run retries).
$(INSTRUCTOR_VENV)/.installed:
	@{ rm -rf $(INSTRUCTOR_VENV) \
		&& $(PYTHON) -m venv $(INSTRUCTOR_VENV) \
		&& $(INSTRUCTOR_BIN)/pip install -q instructor==1.17.0 openai anthropic httpx2 \
		&& touch $@; } \
		|| { echo "could not build $(INSTRUCTOR_VENV): instructor will be skipped"; rm -rf $(INSTRUCTOR_VENV); }

# The conformance audit of instructor 1.17 (docs/conformance-instructor.md). The instructor venv gets the
# project's runtime dependencies but openai (read from pyproject.toml) and instructor's google-genai extra,
# under a constraint holding instructor, openai and jiter where they are (pip fails rather than move
# openai past instructor's jiter pin), then the project itself without its dependencies.
$(INSTRUCTOR_VENV)/.harness: $(INSTRUCTOR_VENV)/.installed pyproject.toml
	@test -f $(INSTRUCTOR_VENV)/.installed || { echo "no instructor venv: $(INSTRUCTOR_VENV) could not be built"; exit 1; }
	$(INSTRUCTOR_BIN)/pip freeze | grep -iE '^(instructor|openai|jiter)==' > $(INSTRUCTOR_VENV)/constraints.txt
	$(INSTRUCTOR_BIN)/python -c 'import tomllib; deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]; \
		print("\n".join(d for d in deps if not d.startswith("openai")))' > $(INSTRUCTOR_VENV)/harness-deps.txt
	$(INSTRUCTOR_BIN)/pip install -q -c $(INSTRUCTOR_VENV)/constraints.txt -r $(INSTRUCTOR_VENV)/harness-deps.txt \
		'instructor[google-genai]==1.17.0'
	$(INSTRUCTOR_BIN)/pip install -q --no-deps -e .
	touch $@

audit-instructor: $(VENV)/.installed $(INSTRUCTOR_VENV)/.harness
	$(INSTRUCTOR_BIN)/harness conformance --adapter harness.conformance.instructor:adapter --out conformance-report/instructor
	$(BIN)/harness conformance --out conformance-report --include conformance-report/instructor/report.json

docs: $(VENV)/.installed
	$(BIN)/pytest -q -p no:cacheprovider docs

$(VENV)/.installed: pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# The report's browser test drives a real headless Chromium through Selenium; installed from Debian
# when missing (sudo only when we are not root and it exists).
SUDO := $(shell [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && echo sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver; }

clean:
	rm -rf $(VENV) $(INSTRUCTOR_VENV) .mypy_cache .ruff_cache build build.log *.egg-info conformance-report
