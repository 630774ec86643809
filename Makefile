# `make test` builds everything it needs from nothing: a fresh virtual environment,
# the project and its test extras, then lint, type-check and the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: test lint smoke conformance bench fuzz audit audit-slice audit-envs audit-instructor docs clean browser
.PHONY: audit-envs audit-env-harness audit-env-instructor audit-env-langchain audit-env-pydantic-ai audit-env-litellm
.PHONY: audit-env-mirascope

test: $(VENV)/.installed browser lint
	$(BIN)/pytest -q -p no:cacheprovider -n 2
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet
	$(MAKE) smoke
	$(MAKE) --no-print-directory audit-slice

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
# no network; prints the matrix and writes conformance-report/report.{json,md,html}. It needs the project and
# its runtime dependencies only, so it gets a venv of its own without the test toolchain (built once).
REPORT_VENV ?= .venv-report
conformance: $(REPORT_VENV)/.installed
	$(REPORT_VENV)/bin/harness conformance

$(REPORT_VENV)/.installed: pyproject.toml
	rm -rf $(REPORT_VENV)
	$(PYTHON) -m venv $(REPORT_VENV)
	$(REPORT_VENV)/bin/pip install -q -e .
	touch $@

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
	$(BIN)/python bench/schemas.py

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

# The ecosystem audit's environments (docs/audit-environments.md): one venv per library, built once, each
# recorded in conformance-report/audit/environments/<label>.json by bench/audit_environment.py run with the
# venv's own python. A venv holds its library, then the project's runtime dependencies under a constraint
# holding everything the library installed where it is (pip fails rather than move the library's pins),
# less those the library excludes, then the project itself with `pip install --no-deps -e .`. None of this
# runs in CI. A failed build removes its venv, keeps pip's output in build/audit/<label>.log, writes an
# install_failed record from it and lets the other targets go on (the next run retries).
AUDIT_ENVS := conformance-report/audit/environments
AUDIT_LOGS := build/audit
AUDIT_RECORD := bench/audit_environment.py
AUDIT_SDKS := openai anthropic google-genai httpx httpx2 pydantic
AUDIT_IMPORTS := google.genai harness harness.conformance

LANGCHAIN_VENV ?= .venv-langchain
LANGCHAIN_REQUIRES := 'langchain-openai==1.7.4' 'langchain-anthropic==1.7.10' 'langchain-google-genai==4.4.3'
LANGCHAIN_PACKAGES := langchain-openai langchain-anthropic langchain-google-genai langchain-core
LANGCHAIN_IMPORTS := langchain_openai langchain_anthropic langchain_google_genai

# pydantic-ai-slim's google extra pins google-genai<3: its venv keeps google-genai 2.x, not harness's >=3.4.
PYDANTIC_AI_VENV ?= .venv-pydantic-ai
PYDANTIC_AI_REQUIRES := 'pydantic-ai-slim[openai,anthropic,google]==2.68.0'
PYDANTIC_AI_PACKAGES := pydantic-ai-slim
PYDANTIC_AI_IMPORTS := pydantic_ai pydantic_ai.models.openai pydantic_ai.models.anthropic pydantic_ai.models.google
PYDANTIC_AI_LEAVES_OUT := google-genai

LITELLM_VENV ?= .venv-litellm
LITELLM_REQUIRES := 'litellm==1.110.2'
LITELLM_PACKAGES := litellm
LITELLM_IMPORTS := litellm

# $(call audit_venv,LABEL,VENV,REQUIREMENTS,PACKAGES,IMPORTS,HARNESS DEPENDENCIES LEFT OUT)
define audit_venv
$(2)/.harness: pyproject.toml
	@mkdir -p $(AUDIT_LOGS)
	@echo "building $(2) (pip's output: $(AUDIT_LOGS)/$(1).log)"
	@{ rm -rf $(2) && $(PYTHON) -m venv $(2) && echo '*' > $(2)/.gitignore \
		&& $(2)/bin/pip install --upgrade pip \
		&& $(2)/bin/pip install $(3) \
		&& $(2)/bin/pip freeze > $(2)/constraints.txt \
		&& $(2)/bin/python -c 'import sys, tomllib; deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]; \
			print("\n".join(d for d in deps if not d.startswith(tuple(sys.argv[1:]))))' $(6) > $(2)/harness-deps.txt \
		&& $(2)/bin/pip install -c $(2)/constraints.txt -r $(2)/harness-deps.txt \
		&& $(2)/bin/pip install --no-deps -e . \
		&& touch $$@; } > $(AUDIT_LOGS)/$(1).log 2>&1 \
		|| { echo "could not build $(2): $(1) is recorded as install_failed"; rm -rf $(2); }

audit-env-$(1): $(2)/.harness
	@if test -f $(2)/.harness; \
		then $(2)/bin/python $(AUDIT_RECORD) $(1) --out $(AUDIT_ENVS)/$(1).json --packages $(4) $(AUDIT_SDKS) \
			parallel-tools-harness --import $(5) $(AUDIT_IMPORTS); \
		else $(PYTHON) $(AUDIT_RECORD) $(1) --out $(AUDIT_ENVS)/$(1).json --install-failed $(AUDIT_LOGS)/$(1).log; fi
endef

$(eval $(call audit_venv,langchain,$(LANGCHAIN_VENV),$(LANGCHAIN_REQUIRES),$(LANGCHAIN_PACKAGES),$(LANGCHAIN_IMPORTS),))
$(eval $(call audit_venv,pydantic-ai,$(PYDANTIC_AI_VENV),$(PYDANTIC_AI_REQUIRES),$(PYDANTIC_AI_PACKAGES),$(PYDANTIC_AI_IMPORTS),$(PYDANTIC_AI_LEAVES_OUT)))
$(eval $(call audit_venv,litellm,$(LITELLM_VENV),$(LITELLM_REQUIRES),$(LITELLM_PACKAGES),$(LITELLM_IMPORTS),))

audit-env-harness: $(VENV)/.installed
	$(BIN)/python $(AUDIT_RECORD) harness --out $(AUDIT_ENVS)/harness.json \
		--packages parallel-tools-harness $(AUDIT_SDKS) --import openai anthropic $(AUDIT_IMPORTS)

# The instructor venv is built by its own targets above; their output is kept for the install_failed record.
audit-env-instructor:
	@mkdir -p $(AUDIT_LOGS)
	@$(MAKE) --no-print-directory $(INSTRUCTOR_VENV)/.harness > $(AUDIT_LOGS)/instructor.log 2>&1 || true
	@if test -f $(INSTRUCTOR_VENV)/.harness; \
		then $(INSTRUCTOR_BIN)/python $(AUDIT_RECORD) instructor --out $(AUDIT_ENVS)/instructor.json \
			--packages instructor jiter $(AUDIT_SDKS) parallel-tools-harness --import instructor $(AUDIT_IMPORTS); \
		else $(PYTHON) $(AUDIT_RECORD) instructor --out $(AUDIT_ENVS)/instructor.json --install-failed $(AUDIT_LOGS)/instructor.log; fi

# mirascope 2.8 cannot be installed beside the current SDKs (its anthropic extra pins anthropic<1.0): pip's
# conflict was recorded once, in bench/audit/install-failures/, so this needs no registry. To record it
# again: rm bench/audit/install-failures/mirascope.json && make bench/audit/install-failures/mirascope.json
MIRASCOPE_REQUIRES := 'mirascope[openai,anthropic,google]==2.8.2'
audit-env-mirascope: bench/audit/install-failures/mirascope.json
	@mkdir -p $(AUDIT_ENVS)
	cp $< $(AUDIT_ENVS)/mirascope.json

# A resolution only (pip install --dry-run) in a scratch venv, beside the project's runtime dependencies.
MIRASCOPE_PROBE := $(AUDIT_LOGS)/mirascope-venv
bench/audit/install-failures/mirascope.json:
	rm -rf $(MIRASCOPE_PROBE) && mkdir -p $(AUDIT_LOGS) && $(PYTHON) -m venv $(MIRASCOPE_PROBE)
	$(MIRASCOPE_PROBE)/bin/pip install -q --upgrade pip
	$(MIRASCOPE_PROBE)/bin/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
		> $(MIRASCOPE_PROBE)/harness-deps.txt
	@if $(MIRASCOPE_PROBE)/bin/pip install --dry-run -r $(MIRASCOPE_PROBE)/harness-deps.txt $(MIRASCOPE_REQUIRES) \
			> $(AUDIT_LOGS)/mirascope.log 2>&1; \
		then echo "mirascope installs beside the project now: give it a venv"; rm -rf $(MIRASCOPE_PROBE); exit 1; fi
	$(PYTHON) $(AUDIT_RECORD) mirascope --out $@ --install-failed $(AUDIT_LOGS)/mirascope.log
	rm -rf $(MIRASCOPE_PROBE)

audit-envs: audit-env-harness audit-env-instructor audit-env-langchain audit-env-pydantic-ai audit-env-litellm \
	audit-env-mirascope
	@cat $(AUDIT_ENVS)/*.json | grep -E '"(label|status)"' | paste - - | tr -s ' '

# The ecosystem audit: each library's adapter runs in its own venv (built above, once), then harness's own run
# includes every report and environment record: ONE report in conformance-report/audit/. A venv that could
# not be built is reported as install_failed and the others still run; a run that broke says so and goes on.
AUDIT := conformance-report/audit
AUDIT_EXAMPLES ?= 100
AUDIT_JOBS ?= 2

# $(call audit_run,LABEL,VENV,ADAPTER)
define audit_run
audit-run-$(1): audit-env-$(1)
	@mkdir -p $(AUDIT_LOGS) && rm -rf $(AUDIT)/$(1)
	@if test -f $(2)/.harness; then \
		echo "auditing $(1) (its output: $(AUDIT_LOGS)/$(1)-run.log)"; \
		LITELLM_LOCAL_MODEL_COST_MAP=True $(2)/bin/harness conformance --adapter $(3) --examples $(AUDIT_EXAMPLES) \
			--jobs $(AUDIT_JOBS) --out $(AUDIT)/$(1) > $(AUDIT_LOGS)/$(1)-run.log 2>&1 \
			|| echo "$(1): its run broke (see $(AUDIT_LOGS)/$(1)-run.log)"; \
	else echo "$(1): not run, its venv could not be built (see $(AUDIT_ENVS)/$(1).json)"; fi
endef

$(eval $(call audit_run,instructor,$(INSTRUCTOR_VENV),harness.conformance.instructor:adapter))
$(eval $(call audit_run,langchain,$(LANGCHAIN_VENV),harness.conformance.langchain:adapter))
$(eval $(call audit_run,pydantic-ai,$(PYDANTIC_AI_VENV),harness.conformance.pydantic_ai:adapter))
$(eval $(call audit_run,litellm,$(LITELLM_VENV),harness.conformance.litellm_adapter:adapter))

# CI's slice of the audit (make test): each shipped adapter's own tests, a few real cells each, in its library's
# venv where the venv could be built; a library that cannot be installed is said so, not failed.
# $(call audit_slice,LABEL,VENV,TESTS)
define audit_slice
audit-slice-$(1): $(2)/.harness
	@if test -f $(2)/.harness; then \
		$(2)/bin/pip install -q pytest && LITELLM_LOCAL_MODEL_COST_MAP=True $(2)/bin/python -m pytest -q \
			-p no:cacheprovider $(3); \
	else echo "$(1): its venv could not be built (see $(AUDIT_LOGS)/$(1).log), its adapter's tests did not run"; fi
endef

$(eval $(call audit_slice,langchain,$(LANGCHAIN_VENV),tests/conformance/test_langchain_adapter.py))
$(eval $(call audit_slice,pydantic-ai,$(PYDANTIC_AI_VENV),tests/conformance/test_pydantic_ai_adapter.py))
$(eval $(call audit_slice,litellm,$(LITELLM_VENV),tests/conformance/test_litellm_adapter.py))

audit-slice: audit-slice-langchain audit-slice-pydantic-ai audit-slice-litellm

audit: $(VENV)/.installed audit-envs audit-run-instructor audit-run-langchain audit-run-pydantic-ai audit-run-litellm
	$(BIN)/harness conformance --examples $(AUDIT_EXAMPLES) --jobs $(AUDIT_JOBS) --out $(AUDIT) \
		$$(for r in $(AUDIT)/*/report.json; do test -f "$$r" && echo --include "$$r"; done) \
		$$(for e in $(AUDIT_ENVS)/*.json; do test -f "$$e" && echo --environment "$$e"; done)

# Every page runs as a test, then the site is built into site/ (git-ignored); --strict fails on a broken
# link or anchor, an API reference that does not resolve or a page left out of mkdocs.yml's nav.
docs: $(VENV)/.installed
	$(BIN)/pytest -q -p no:cacheprovider docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

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
	rm -rf $(VENV) $(REPORT_VENV) $(INSTRUCTOR_VENV) $(LANGCHAIN_VENV) $(PYDANTIC_AI_VENV) $(LITELLM_VENV) .mypy_cache .ruff_cache build build.log *.egg-info conformance-report
