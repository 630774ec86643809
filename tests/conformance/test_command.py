"""``harness conformance``: the report it writes, its exit status, and merging another run's report."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest

from harness import cli
from harness.cli import EXIT_FOUND, EXIT_OK, EXIT_USAGE, main
from harness.conformance import Report, run
from tests.conformance import raw_adapters

RAW_ADAPTERS = Path(raw_adapters.__file__)
PINNED_RESULT_KEYS = {"provider", "feature", "examples", "outcome", "counterexample", "failure", "source", "sources"}
PINNED_EXAMPLE_KEYS = {"source", "schema", "wire", "expected", "got", "error", "stream"}


def test_harness_report_on_two_providers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        [
            "conformance",
            "--providers",
            "openai+strict,google",
            "--features",
            "strings,string_length,literal_bool",
            "--examples",
            "10",
            "--jobs",
            "2",
            "--out",
            str(tmp_path),
        ]
    )
    assert status == EXIT_OK
    data = json.loads((tmp_path / "report.json").read_text())
    outcomes = {(r["provider"], r["feature"]): r["outcome"] for r in data["results"]}
    assert outcomes == {
        ("openai+strict", "strings"): "pass",
        ("google", "strings"): "pass",
        ("openai+strict", "string_length"): "lossy",
        ("google", "string_length"): "lossy",
        ("openai+strict", "literal_bool"): "pass",
        ("google", "literal_bool"): "unsupported",
    }
    for result in data["results"]:
        assert result.keys() >= PINNED_RESULT_KEYS
        assert result["failure"] is None  # a kind only on a failing result
        # "source" stays one string for existing readers: the sources joined.
        assert result["source"] == (" ; ".join(result["sources"]) if result["sources"] else None)
        assert result["examples"] >= 10 or result["outcome"] == "unsupported"
        if result["outcome"] in ("lossy", "unsupported"):
            assert result["reason"]
    assert (tmp_path / "report.md").read_text().count("lossy") >= 2
    assert "<html" in (tmp_path / "report.html").read_text()
    printed = capsys.readouterr().out
    assert "string_length" in printed
    assert f"HTML report: {tmp_path / 'report.html'}" in printed


def test_a_third_party_fail_is_a_finding_unless_asked(tmp_path: Path) -> None:
    adapter = f"{RAW_ADAPTERS}:openai_chat_drops_none"
    base = ["conformance", "--adapter", adapter, "--providers", "openai", "--features", "nullable"]
    base += ["--examples", "10", "--jobs", "1"]
    assert main([*base, "--out", str(tmp_path / "a")]) == EXIT_OK
    report = Report.from_json(json.loads((tmp_path / "a" / "report.json").read_text()))
    (result,) = report.results
    assert result.outcome == "fail"
    assert result.counterexample is not None
    assert vars(result.counterexample).keys() >= PINNED_EXAMPLE_KEYS
    assert "class " in result.counterexample.source
    assert main([*base, "--fail-on-fail", "--out", str(tmp_path / "b")]) == EXIT_FOUND
    data = json.loads((tmp_path / "a" / "report.json").read_text())
    assert data["results"][0]["failure"] == result.failure == "crash"  # the null dropped: pydantic raises


@pytest.mark.parametrize(
    ("kinds", "status"),
    [("crash", EXIT_FOUND), ("looser,crash", EXIT_FOUND), ("loses_data", EXIT_OK), ("looser,rejected", EXIT_OK)],
)
def test_fail_on_names_the_kinds_that_make_the_exit_status_1(kinds: str, status: int, tmp_path: Path) -> None:
    adapter = f"{RAW_ADAPTERS}:openai_chat_drops_none"  # fails its cell with a crash
    arguments = ["conformance", "--adapter", adapter, "--providers", "openai", "--features", "nullable"]
    assert main([*arguments, "--examples", "10", "--fail-on", kinds, "--out", str(tmp_path)]) == status


def test_an_unknown_kind_is_a_usage_error_before_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["conformance", "--providers", "openai", "--features", "strings", "--fail-on", "crash,lossy"]
    assert main([*arguments, "--out", str(tmp_path)]) == EXIT_USAGE
    assert "'lossy'" in capsys.readouterr().err
    assert not (tmp_path / "report.json").exists()  # nothing ran


def test_a_report_from_a_newer_harness_still_loads(tmp_path: Path) -> None:
    """Keys this version does not know, at every level, are ignored: ``--include`` of a newer report works."""
    report = run(adapter=raw_adapters.openai_chat_drops_none, providers=["openai"], features=["nullable"], examples=10)
    data = report.to_json()
    data["signed_by"] = "a later harness"
    (result,) = data["results"]
    result["verdict_version"] = 2
    result["counterexample"]["minimized_by"] = "someone else"
    assert Report.from_json(data) == report
    (tmp_path / "newer.json").write_text(json.dumps(data))
    arguments = ["conformance", "--providers", "openai", "--features", "strings", "--examples", "10"]
    assert main([*arguments, "--include", str(tmp_path / "newer.json"), "--out", str(tmp_path / "out")]) == EXIT_OK
    merged = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [r["failure"] for r in merged["results"]] == [None, "crash"]


def test_include_puts_another_adapter_beside_harness(tmp_path: Path) -> None:
    other = run(adapter=raw_adapters.openai_chat, providers=["openai"], features=["strings"], examples=10)
    (tmp_path / "other.json").write_text(json.dumps(other.to_json()))
    arguments = ["conformance", "--providers", "openai", "--features", "strings", "--examples", "10"]
    status = main([*arguments, "--include", str(tmp_path / "other.json"), "--out", str(tmp_path / "out")])
    assert status == EXIT_OK
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert sorted(r["adapter"] for r in data["results"]) == sorted(["harness", other.adapter])


@pytest.mark.parametrize(
    "arguments",
    [
        ["--features", "no_such_feature"],
        ["--providers", "openai+turbo"],
        ["--examples", "0"],
        ["--adapter", "no_colon_here"],
        ["--adapter", "missing_file.py:adapter"],
        ["--include", "missing-report.json"],
    ],
)
def test_usage_errors_exit_2_naming_the_argument(
    arguments: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["conformance", *arguments, "--out", str(tmp_path)]) == EXIT_USAGE
    error = capsys.readouterr().err
    assert arguments[1].split(":")[0] in error


# -------------------------------------------------------------------------------------- progress

PROGRESS_LINE = re.compile(r"conformance: (\d+)/(\d+) cells \((\d+)%\), [\d.]+ s, (\d+) fail")


def _progress(stderr: str) -> list[tuple[int, int, int]]:
    """(done, total, fails) of each progress line, checking that every line of stderr is one."""
    found = []
    for line in stderr.splitlines()[1:]:
        match = PROGRESS_LINE.fullmatch(line)
        assert match, line
        done, total, percent, fails = map(int, match.groups())
        assert percent == done * 100 // total
        found.append((done, total, fails))
    return found


def test_without_a_terminal_progress_is_a_line_now_and_then(tmp_path: Path) -> None:
    # The real command, its stderr a pipe as in a CI log: a first line, then cells done, time and failures.
    adapter = f"{RAW_ADAPTERS}:openai_chat_drops_none"  # fails nullable, passes strings
    arguments = ["--adapter", adapter, "--providers", "openai", "--features", "nullable,strings", "--examples", "5"]
    done = subprocess.run(
        [sys.executable, "-m", "harness", "conformance", *arguments, "--jobs", "1", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stderr.splitlines()[0] == "conformance: 2 cells on 1 process"
    assert _progress(done.stderr) == [(1, 2, 1), (2, 2, 1)]  # nullable runs first, and fails
    assert "\r" not in done.stderr and "cells" not in done.stdout.split("\n\n")[0]


def test_progress_lines_come_at_each_tenth_of_the_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    features = "strings,integers,floats,nullable,datetime,decimal,str_enum,literal_bool"
    arguments = ["--providers", "openai,anthropic,google", "--features", features, "--examples", "1"]
    assert main(["conformance", *arguments, "--jobs", "1", "--out", str(tmp_path)]) == EXIT_OK
    stderr = capsys.readouterr().err
    assert stderr.splitlines()[0] == "conformance: 24 cells on 1 process"
    lines = _progress(stderr)
    # 24 cells, ten lines: one as each tenth is passed (a fast run never reaches the 30 s line).
    assert [done for done, _, _ in lines] == [3, 5, 8, 10, 12, 15, 17, 20, 22, 24]
    assert all(total == 24 and fails == 0 for _, total, fails in lines)


def test_a_slow_run_says_where_it_is_at_least_every_so_often(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Between tenths (a slow adapter), a line once PROGRESS_SECONDS have passed: here every cell is "slow".
    monkeypatch.setattr(cli, "PROGRESS_SECONDS", 0.0)
    arguments = ["--providers", "openai,google", "--features", "strings,integers,floats", "--examples", "1"]
    assert main(["conformance", *arguments, "--jobs", "1", "--out", str(tmp_path)]) == EXIT_OK
    assert [done for done, _, _ in _progress(capsys.readouterr().err)] == [1, 2, 3, 4, 5, 6]


def test_make_conformance_builds_a_venv_without_the_test_tools(tmp_path: Path) -> None:
    """What `make conformance` would run from nothing (``make -n``): its own venv, the project without extras."""
    venv = tmp_path / "report-venv"
    root = Path(__file__).parents[2]
    done = subprocess.run(
        ["make", "-n", "-C", str(root), "conformance", f"REPORT_VENV={venv}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    commands = done.stdout.splitlines()
    assert f"{venv}/bin/pip install -q -e ." in commands
    assert f"{venv}/bin/harness conformance" in commands
    assert not any("[test]" in command or "/.venv/" in command for command in commands), commands


def test_on_a_terminal_progress_is_a_bar(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    # A new pty is 0 columns wide, and tqdm draws nothing in no width: give it a terminal's size.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    written = bytearray()

    def read() -> None:  # while the command runs: a pty's unread output is lost once its writer exits
        with contextlib.suppress(OSError):  # EIO once the other end has closed
            while chunk := os.read(leader, 65536):
                written.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    arguments = ["--providers", "openai", "--features", "strings", "--examples", "1", "--out", str(tmp_path)]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "harness", "conformance", *arguments],
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=120,
            check=False,
        )
    finally:
        os.close(follower)
        reader.join(timeout=10)
        os.close(leader)
    assert done.returncode == EXIT_OK
    bar = written.decode()
    assert "conformance:" in bar and "cell" in bar and "\r" in bar  # tqdm's bar, redrawn in place
    assert not PROGRESS_LINE.search(bar)
