"""The emulator as users start it: the session fixture, a script per test, and `harness emulate -- <command>`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx2
import pytest

import harness.recording._session  # noqa: F401  # loaded before pytester's in-process runs (see test_plugin)
from harness.emulator import parse_script, serve

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
    # The script calls GoogleSearch, which the probe does not declare: the emulator says so.
    assert "rule 1 calls GoogleSearch, which the request to /v1/chat/completions does not declare" in result.stderr


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


# --- a script wrong for the request --------------------------------------------------------------


def test_a_scripted_call_of_an_undeclared_tool_is_served_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    script = parse_script(
        [{"match": "weather in toronto", "calls": [{"Weather": {"location": "Toronto"}}, {"Lookup": {"q": "x"}}]}],
        source="seed.yaml",
    )
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "weather in toronto"}],
        "tools": [{"type": "function", "function": {"name": "Weather", "parameters": {"type": "object"}}}],
    }
    with caplog.at_level("WARNING", logger="harness.emulator"), serve(script=script) as emulator:
        answer = httpx2.post(f"{emulator.url}/v1/chat/completions", json=body, headers={"authorization": "Bearer x"})
        declared = {**body, "tools": [*body["tools"], {"type": "function", "function": {"name": "Lookup"}}]}
        fine = httpx2.post(f"{emulator.url}/v1/chat/completions", json=declared, headers={"authorization": "Bearer x"})
    assert answer.status_code == 200  # served as scripted: it is what the user asked for
    names = [call["function"]["name"] for call in answer.json()["choices"][0]["message"]["tool_calls"]]
    assert names == ["Weather", "Lookup"]
    warning = answer.headers["x-harness-warning"]
    assert warning == (
        "seed.yaml: rule 1 calls Lookup, which the request to /v1/chat/completions does not declare "
        "(it declares Weather); the client will refuse it as an unknown tool"
    )
    assert [record.getMessage() for record in caplog.records] == [f"harness emulator: {warning}"]
    assert "x-harness-warning" not in fine.headers


# --- harness emulate on the command line ---------------------------------------------------------

HARNESS = [sys.executable, "-m", "harness"]


def test_port_0_prints_the_port_it_bound() -> None:
    with subprocess.Popen(
        [*HARNESS, "emulate", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            banner, exports = process.stdout.readline(), process.stdout.readline()
            url = banner.split(" on ")[1].split(";")[0]
            port = int(url.rsplit(":", 1)[1])
            assert port != 0 and url == f"http://127.0.0.1:{port}"
            assert exports.split()[:5] == [
                "export",
                f"OPENAI_BASE_URL={url}/v1",
                f"ANTHROPIC_BASE_URL={url}",
                f"GOOGLE_GEMINI_BASE_URL={url}",
                f"GOOGLE_VERTEX_BASE_URL={url}",
            ]
            # Then the OpenAI-compatible servers, each under its prefix (tests/emulator/test_compatible_emulator.py).
            assert f"GROQ_BASE_URL={url}/groq/openai/v1" in exports.split()[5:]
            answer = httpx2.post(f"{url}/v1/messages", json={"model": "m", "max_tokens": 5, "messages": []})
            assert answer.status_code == 401  # the emulator itself, on the port it printed: no key, refused
        finally:
            process.send_signal(signal.SIGINT)  # Ctrl-C
            _, errors = process.communicate(timeout=30)
    assert process.returncode == 0 and "Traceback" not in errors, errors


@pytest.mark.parametrize("command", [[], ["--", sys.executable, "-c", "pass"]])
def test_a_taken_port_is_one_line_and_status_4(command: list[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*HARNESS, "emulate", "--port", str(port), *command], capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 4
    assert result.stdout == ""  # no banner as if it had started
    assert result.stderr == (
        f"harness: error: the harness emulator cannot listen on 127.0.0.1:{port}: port {port} is taken "
        "(another emulator?); choose another port, or port 0 for a free one\n"
    )


def test_a_command_that_cannot_be_run_is_one_line_and_a_shells_status(tmp_path: Path) -> None:
    missing = subprocess.run(
        [*HARNESS, "emulate", "--port", "0", "--", "nonexistent-harness-cmd", "--flag"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (missing.returncode, missing.stdout) == (127, "")
    assert missing.stderr == "harness: error: nonexistent-harness-cmd: command not found\n"
    plain = tmp_path / "notes.txt"
    plain.write_text("not a program\n")
    refused = subprocess.run(
        [*HARNESS, "emulate", "--port", "0", "--", str(plain)], capture_output=True, text=True, timeout=60
    )
    assert (refused.returncode, refused.stdout) == (126, "")
    assert refused.stderr == f"harness: error: {plain}: not an executable file\n"


CHILD = """
import os, pathlib, signal, sys, time
folder = pathlib.Path(sys.argv[1])
def stop(signum, frame):
    time.sleep(0.5)  # harness must wait for this, not leave
    (folder / "stopped").write_text(signal.Signals(signum).name)
    raise SystemExit(7)
for name in ("SIGTERM", "SIGHUP", "SIGINT"):
    signal.signal(getattr(signal, name), stop)
(folder / "pid.tmp").write_text(str(os.getpid()))
(folder / "pid.tmp").rename(folder / "pid")  # whole or not there: the test reads it as soon as it appears
time.sleep(60)
"""


def started_child(process: subprocess.Popen[bytes], tmp_path: Path) -> int:
    """The pid the command under ``harness emulate --`` wrote once it started (30 s at the most)."""
    deadline = time.monotonic() + 30
    while not (tmp_path / "pid").exists():
        assert time.monotonic() < deadline and process.poll() is None, "the command never started"
        time.sleep(0.05)
    return int((tmp_path / "pid").read_text())


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_is_passed_on_to_the_command_and_waited_for(tmp_path: Path, signum: signal.Signals) -> None:
    # No terminal here, so SIGINT too is passed on (at a terminal, Ctrl-C reaches the command itself).
    with subprocess.Popen(
        [*HARNESS, "emulate", "--port", "0", "--", sys.executable, "-c", CHILD, str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as harness:
        child = started_child(harness, tmp_path)
        harness.send_signal(signum)
        status = harness.wait(timeout=30)
    assert status == 7  # the command's own status: harness waited for it to finish
    assert (tmp_path / "stopped").read_text() == signum.name
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)  # gone, and reaped: not left running under init


def test_an_ignored_signal_stays_ignored(tmp_path: Path) -> None:
    launcher = (
        "import signal, subprocess, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); "  # as nohup does
        "raise SystemExit(subprocess.call(sys.argv[1:]))"
    )
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            launcher,
            *HARNESS,
            "emulate",
            "--port",
            "0",
            "--",
            sys.executable,
            "-c",
            CHILD,
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as launched:
        child = started_child(launched, tmp_path)
        harness_pid = int(subprocess.check_output(["ps", "-o", "ppid=", "-p", str(child)]).strip())
        os.kill(harness_pid, signal.SIGHUP)
        time.sleep(1)
        assert launched.poll() is None and not (tmp_path / "stopped").exists()  # harness and the command go on
        os.kill(harness_pid, signal.SIGTERM)
        assert launched.wait(timeout=30) == 7
    assert (tmp_path / "stopped").read_text() == "SIGTERM"


def test_a_command_killed_by_a_signal_exits_128_plus_its_number() -> None:
    killed = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    result = subprocess.run(
        [*HARNESS, "emulate", "--port", "0", "--", sys.executable, "-c", killed], capture_output=True, timeout=60
    )
    assert result.returncode == 128 + signal.SIGTERM
