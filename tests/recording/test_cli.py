"""The ``harness`` command: what it prints and the status it exits with."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main
from harness.recording._format import deserialize
from tests.recording import GOOGLE_LIKE, OPENAI_LIKE
from tests.recording.test_import import PYDANTIC_AI_YAML

ROOT = Path(__file__).parent.parent.parent

# A vcrpy cassette whose response quotes a key-shaped value recording could not know about.
LEAKY_YAML = PYDANTIC_AI_YAML.replace("What is the weather in Paris?", f"My key is {OPENAI_LIKE}")


# --- scan ----------------------------------------------------------------------------------------


def test_scan_of_clean_files_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.yaml").write_text("authorization: [REDACTED]\n")
    (tmp_path / "b.json").write_text("{}")
    assert main(["scan", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "no secrets found in 2 file(s)\n"


def test_scan_prints_each_finding_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    leaky, clean = tmp_path / "leaky.yaml", tmp_path / "clean.yaml"
    leaky.write_text(f"one: 1\nkey: {OPENAI_LIKE}\nuri: https://h/?key={GOOGLE_LIKE}\n")
    clean.write_text("nothing: here\n")
    assert main(["scan", str(leaky), str(clean)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{leaky}:2: openai-key: sk-pro…",
        f"{leaky}:3: google-api-key: AIzapL…",
        "2 possible secret(s) in 1 of 2 file(s) scanned",
    ]


def test_scan_reports_the_values_of_configured_secret_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CORP_TOKEN", "corp-proxy-credential-1234")
    path = tmp_path / "a.yaml"
    path.write_text("x-corp: corp-proxy-credential-1234\n")
    assert main(["scan", str(path)]) == 0
    assert main(["scan", "--secret-env", "CORP_TOKEN", str(path)]) == 1
    assert f"{path}:1: environment-secret: corp-p…" in capsys.readouterr().out


def test_scan_of_a_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(tmp_path / "nope.yaml")]) == 2
    assert "harness: error: no such file or directory" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["scan"], ["frobnicate"], ["scan", "--bogus", "x"], ["cassettes"]])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage: harness" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "scan" in out and "cassettes" in out


def test_version_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    import harness

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"harness {harness.__version__}\n"


def test_an_adapter_that_does_not_import_names_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance", "--adapter", "nosuchmod:adapter"]) == 2
    assert capsys.readouterr().err == "harness: error: --adapter nosuchmod:adapter: No module named 'nosuchmod'\n"


def test_conformance_help_lists_the_providers_and_the_features(capsys: pytest.CaptureFixture[str]) -> None:
    from harness.conformance import ALL_PROVIDERS, PROVIDERS
    from harness.strategies import FEATURES

    assert main(["conformance", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # as wrapped to the terminal's width
    more = ", ".join(label for label in ALL_PROVIDERS if label not in PROVIDERS)
    out = out.replace("- ", "-")  # the terminal's width may wrap a name at its hyphen
    assert f"Providers (--providers, default): {', '.join(PROVIDERS)}." in out
    assert f"Only when named, or with --providers all: {more}." in out
    assert f"Features (--features, default all): {', '.join(FEATURES)}." in out
    assert "--models MODULE[:ATTR]" in out and "--schemas PATH..." in out


def test_emulate_help_gives_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulate", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "4 the address cannot be listened on" in out and "127 when it is not found" in out


def test_top_level_help_does_not_load_what_conformance_help_lists() -> None:
    code = (
        "import sys; from harness.cli import main; main(['--help']); "
        "print(sorted(m for m in ('hypothesis', 'harness.conformance', 'harness.strategies') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert run.stdout.splitlines()[-1] == "[]"


# --- cassettes import ----------------------------------------------------------------------------


def test_import_writes_beside_the_source_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "test_weather.yaml"
    source.write_text(PYDANTIC_AI_YAML)
    assert main(["cassettes", "import", str(source)]) == 0
    target = tmp_path / "test_weather.harness.yaml"
    assert capsys.readouterr().out == f"wrote {target} (from {source})\n"
    assert len(deserialize(target.read_text())["interactions"]) == 3


def test_import_writes_into_out_and_overwrites_only_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(PYDANTIC_AI_YAML)
    second.write_text(PYDANTIC_AI_YAML)
    out = tmp_path / "cassettes" / "new"
    assert main(["cassettes", "import", str(first), str(second), "--out", str(out)]) == 0
    assert sorted(path.name for path in out.iterdir()) == ["first.yaml", "second.yaml"]
    capsys.readouterr()

    assert main(["cassettes", "import", str(first), "--out", str(out)]) == 1
    assert "exists; --force to overwrite it" in capsys.readouterr().err
    assert main(["cassettes", "import", str(first), "--out", str(out), "--force"]) == 0


def test_import_never_replaces_its_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "a.yaml"
    source.write_text(PYDANTIC_AI_YAML)
    assert main(["cassettes", "import", str(source), "--out", str(tmp_path), "--force"]) == 1
    assert "would replace it" in capsys.readouterr().err
    assert source.read_text() == PYDANTIC_AI_YAML


def test_import_does_not_write_a_cassette_in_which_a_secret_remains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "leaky.yaml"
    source.write_text(LEAKY_YAML)
    target = tmp_path / "leaky.harness.yaml"
    assert main(["cassettes", "import", str(source)]) == 1
    assert not target.exists()
    err = capsys.readouterr().err
    assert "openai-key: sk-pro…" in err and "not written" in err
    assert OPENAI_LIKE not in err

    monkeypatch.setenv("LEAKED_KEY", OPENAI_LIKE)
    assert main(["cassettes", "import", str(source), "--secret-env", "LEAKED_KEY"]) == 0
    assert OPENAI_LIKE not in target.read_text()
    assert "My key is REDACTED" in target.read_text()


def test_import_reports_unreadable_cassettes_and_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad, good = tmp_path / "bad.yaml", tmp_path / "good.yaml"
    bad.write_text("- not: a cassette\n")
    good.write_text(PYDANTIC_AI_YAML)
    assert main(["cassettes", "import", str(bad), str(good)]) == 1
    captured = capsys.readouterr()
    assert f"harness: error: {bad}: expected a vcrpy cassette" in captured.err
    assert (tmp_path / "good.harness.yaml").exists()


def test_import_of_a_missing_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cassettes", "import", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err


# --- as a program --------------------------------------------------------------------------------


def test_python_m_harness_scan(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(f"first line\nauthorization: Bearer {OPENAI_LIKE}\n")
    run = subprocess.run(
        [sys.executable, "-m", "harness", "scan", str(path)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert run.returncode == 1, run.stderr
    assert run.stdout.splitlines()[0] == f"{path}:2: openai-key: sk-pro…"


def test_the_command_loads_no_provider_sdk_and_no_vcrpy() -> None:
    code = (
        "import sys; import harness.cli; "
        "print(sorted(m for m in ('openai', 'anthropic', 'google.genai', 'vcr', 'yaml') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert run.stdout.strip() == "[]"
