"""The emulator as users start it: the session fixture, a script per test, and `harness emulate -- <command>`."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import httpx2
import pytest

import harness.recording._session  # noqa: F401  # loaded before pytester's in-process runs (see test_plugin)
from harness.emulator import serve

pytest_plugins = ("pytester",)

SCRIPT = """
- match: weather in toronto
  calls:
    - Weather: {location: Toronto, units: metric}
    - GoogleSearch: {query: who won}
"""

DOWNSTREAM = """
from collections.abc import Iterable
from typing import Literal

import pytest
from pydantic import BaseModel


class Weather(BaseModel):
    location: str
    units: Literal["imperial", "metric"]


class GoogleSearch(BaseModel):
    query: str


@pytest.mark.emulator_script("seed.yaml")
@pytest.mark.providers("openai/gpt-4.1-mini", "anthropic/claude-sonnet-5")
def test_weather(parallel_client, harness_emulator):
    calls = parallel_client.create(
        messages=[{"role": "user", "content": "The weather in Toronto?"}],
        response_model=Iterable[Weather | GoogleSearch],
    )
    assert calls == [Weather(location="Toronto", units="metric"), GoogleSearch(query="who won")]
"""


def test_the_fixture_records_scripted_answers_and_the_cassette_says_so(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makefile(".yaml", seed=SCRIPT)
    pytester.makepyfile(test_weather=DOWNSTREAM)
    pytester.runpytest_subprocess("--record-mode=once").assert_outcomes(passed=2)
    cassettes = sorted(Path(pytester.path, "cassettes").rglob("*.yaml"))
    assert len(cassettes) == 2
    for cassette in cassettes:
        text = cassette.read_text()
        assert "emulator:" in text and "script:" in text and "seed.yaml" in text
    # Replay: no emulator needed any more (the fixture still starts one, but nothing reaches it).
    pytester.runpytest_subprocess("--block-network").assert_outcomes(passed=2)


CONFTEST_SCRIPT = """
import pytest


@pytest.fixture(scope="session")
def harness_emulator_script():
    return "seed.yaml"
"""


@pytest.mark.parametrize("switch", ["option", "ini"])
def test_one_switch_records_the_whole_suite_against_the_emulator(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, switch: str
) -> None:
    for name in ("OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    pytester.makefile(".yaml", seed=SCRIPT)
    pytester.makeconftest(CONFTEST_SCRIPT)  # the session's script, read only because the emulator runs
    # No test requests harness_emulator, and none is marked: the switch alone brings the emulator in.
    plain = DOWNSTREAM.replace('@pytest.mark.emulator_script("seed.yaml")\n', "").replace(", harness_emulator", "")
    pytester.makepyfile(test_weather=plain, test_again=plain.replace("def test_weather", "def test_again"))
    arguments = ["--record-mode=once"]
    if switch == "option":
        arguments.append("--harness-emulator")
    else:
        pytester.makeini("[pytest]\nharness_emulator = true\n")
    pytester.runpytest_subprocess(*arguments).assert_outcomes(passed=4)
    cassettes = sorted(Path(pytester.path, "cassettes").rglob("*.yaml"))
    assert len(cassettes) == 4
    for cassette in cassettes:
        assert "emulator:" in cassette.read_text() and "script: seed.yaml" in cassette.read_text()


def test_harness_emulate_runs_a_command_against_the_emulator(tmp_path: Path) -> None:
    script = tmp_path / "seed.yaml"
    script.write_text(SCRIPT)
    probe = textwrap.dedent(
        """
        import os, httpx2
        body = {"model": "m", "messages": [{"role": "user", "content": "weather in toronto"}],
                "tools": [{"type": "function", "function": {"name": "Weather", "parameters": {"type": "object"}}}]}
        answer = httpx2.post(os.environ["OPENAI_BASE_URL"] + "/chat/completions", json=body,
                             headers={"authorization": "Bearer " + os.environ["OPENAI_API_KEY"]})
        calls = answer.json()["choices"][0]["message"]["tool_calls"]
        raise SystemExit(0 if [c["function"]["name"] for c in calls] == ["Weather", "GoogleSearch"] else 3)
        """
    )
    command = [sys.executable, "-m", "harness", "emulate", "--port", "0", "--script", str(script), "--"]
    result = subprocess.run([*command, sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "harness emulator on http://127.0.0.1:" in result.stdout


def test_a_fault_can_be_asked_for_per_request() -> None:
    with serve() as emulator:
        response = httpx2.post(
            f"{emulator.url}/v1/messages",
            json={"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]},
            headers={"x-api-key": "any", "x-harness-fault": "overloaded"},
        )
        unknown = httpx2.post(
            f"{emulator.url}/v1/messages",
            json={"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]},
            headers={"x-api-key": "any", "x-harness-fault": "gremlins"},
        )
    assert response.status_code == 529
    assert response.json()["error"]["type"] == "overloaded_error"
    assert unknown.status_code == 400 and "unknown fault 'gremlins'" in unknown.json()["error"]["message"]
