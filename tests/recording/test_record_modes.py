"""The recording commands never destroy a cassette, and a test's failure is reported as harness's own error.

Driven as a downstream project drives the plugin: through pytester, recording over a loopback socket.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

# Loaded before pytester's in-process runs, as in test_plugin: PyYAML's C parser cannot be imported twice.
import harness.recording._session  # noqa: F401
from harness.cli import main
from harness.recording import use_cassette
from harness.testing import MockProvider
from tests._seed import CALLS, MESSAGES, RESPONSE_MODEL
from tests.recording._provider_server import ProviderServer, provider_server
from tests.recording.test_plugin import FAKE_KEYS, downstream, replaying

pytest_plugins = ("pytester",)

SPEC = "openai/gpt-4.1-mini"
CASSETTE = Path("cassettes", "test_weather", "test_weather_and_search[openai-gpt-4.1-mini].yaml")
ALL_SPECS = (
    "openai/gpt-4.1-mini",
    "openai-responses/gpt-4.1-mini",
    "anthropic/claude-sonnet-5",
    "google/gemini-2.5-flash",
    "vertexai/gemini-2.5-flash",
)


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> Iterator[ProviderServer]:
    with provider_server() as server:
        for name, value in {**server.environment(), **FAKE_KEYS}.items():
            monkeypatch.setenv(name, value)
        yield server


def recorded(pytester: pytest.Pytester) -> bytes:
    """A cassette recorded by a passing run: the bytes a failing run must leave alone."""
    pytester.makepyfile(test_weather=downstream((SPEC,)))
    pytester.runpytest_inprocess("--record-mode=once").assert_outcomes(passed=1)
    return Path(pytester.path, CASSETTE).read_bytes()


def fails_after_recording() -> str:
    """The test with a new prompt (so every request is recorded anew), failing after its calls."""
    source = downstream((SPEC,), prompt="What is the weather in oslo")
    return source.replace("assert [c.model_dump()", "assert not [c.model_dump()")


@pytest.mark.parametrize("mode", ["once", "new_episodes", "all", "rewrite"])
def test_a_test_failing_after_its_calls_leaves_the_cassette_byte_for_byte(
    pytester: pytest.Pytester, recording: ProviderServer, mode: str
) -> None:
    before = recorded(pytester)
    pytester.makepyfile(test_weather=fails_after_recording())
    pytester.runpytest_inprocess(f"--record-mode={mode}").assert_outcomes(failed=1)
    assert Path(pytester.path, CASSETTE).read_bytes() == before
    assert not list(Path(pytester.path, "cassettes").rglob("*.tmp"))


@pytest.mark.parametrize("mode", ["new_episodes", "all", "rewrite"])
def test_recording_without_a_key_leaves_the_cassette_byte_for_byte(
    pytester: pytest.Pytester, recording: ProviderServer, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    before = recorded(pytester)
    monkeypatch.delenv("OPENAI_API_KEY")  # a new user trying the command the error message gave them
    result = pytester.runpytest_inprocess(f"--record-mode={mode}", "test_weather.py::test_weather_and_search")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*OPENAI_API_KEY*"])
    assert Path(pytester.path, CASSETTE).read_bytes() == before


def test_a_failing_rewrite_keeps_the_cassette_in_the_ini_folder_too(
    pytester: pytest.Pytester, recording: ProviderServer
) -> None:
    pytester.makeini("[pytest]\nharness_cassette_dir = recorded\n")
    pytester.makepyfile(test_weather=downstream((SPEC,)))
    pytester.runpytest_inprocess("--record-mode=once").assert_outcomes(passed=1)
    cassette = Path(pytester.path, "recorded", *CASSETTE.parts[1:])
    before = cassette.read_bytes()
    pytester.makepyfile(test_weather=fails_after_recording())
    pytester.runpytest_inprocess("--record-mode=rewrite").assert_outcomes(failed=1)
    assert cassette.read_bytes() == before


def test_a_passing_rewrite_replaces_the_cassette_and_keeps_its_mode(
    pytester: pytest.Pytester, recording: ProviderServer
) -> None:
    before = recorded(pytester)
    cassette = Path(pytester.path, CASSETTE)
    cassette.chmod(0o640)
    pytester.makepyfile(test_weather=downstream((SPEC,), prompt="What is the weather in oslo"))
    pytester.runpytest_inprocess("--record-mode=rewrite").assert_outcomes(passed=1)
    after = cassette.read_text()
    assert after.encode() != before
    assert "oslo" in after and "toronto" not in after  # rewritten: nothing of the old recording is kept
    assert after.count("- request:") == 2
    assert cassette.stat().st_mode & 0o777 == 0o640


def test_a_run_failing_for_unplayed_interactions_leaves_the_cassette_byte_for_byte(
    pytester: pytest.Pytester, recording: ProviderServer
) -> None:
    before = recorded(pytester)
    pytester.makepyfile(test_weather=downstream((SPEC,), prompt="What is the weather in oslo"))
    result = pytester.runpytest_inprocess("--record-mode=new_episodes")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*2 recorded interaction(s) were never played*"])
    assert Path(pytester.path, CASSETTE).read_bytes() == before


@pytest.mark.parametrize("mode", ["new_episodes", "all"])
def test_a_passing_run_over_a_cassette_saves_it_whole(
    pytester: pytest.Pytester, recording: ProviderServer, mode: str
) -> None:
    recorded(pytester)
    changed = downstream((SPEC,), prompt="What is the weather in oslo")
    pytester.makepyfile(test_weather=changed.replace(f"{SPEC!r})", f"{SPEC!r}, allow_unplayed=True)"))
    pytester.runpytest_inprocess(f"--record-mode={mode}").assert_outcomes(passed=1)
    after = Path(pytester.path, CASSETTE).read_text()
    assert "oslo" in after and "toronto" in after  # the new requests added, the old ones kept
    assert after.count("- request:") == 4


@pytest.fixture
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    mask: int = request.param
    before = os.umask(mask)
    try:
        yield mask
    finally:
        os.umask(before)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600)], indirect=["umask"])
def test_cassettes_are_written_with_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    path = tmp_path / "new" / "weather.yaml"
    endpoint = MockProvider("openai").answer(*CALLS)
    with use_cassette(path, record_mode="once"):
        assert endpoint.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL) == CALLS
    assert path.stat().st_mode & 0o777 == mode
    assert (path.parent.stat().st_mode & 0o777) == 0o777 & ~umask  # the folder made for it, too

    converted = tmp_path / "converted"
    assert main(["cassettes", "import", str(path), "--out", str(converted)]) == 0
    assert (converted / "weather.yaml").stat().st_mode & 0o777 == mode


@pytest.mark.parametrize("umask", [0o022], indirect=True)
def test_a_cassette_written_again_keeps_its_own_mode(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "weather.yaml"
    for chmod in (None, 0o600, 0o664):
        if chmod is not None:
            path.chmod(chmod)
        endpoint = MockProvider("openai").answer(*CALLS)
        with use_cassette(path, record_mode="all"):
            assert endpoint.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL) == CALLS
        assert path.stat().st_mode & 0o777 == (chmod or 0o644)


NO_CASSETTE = """
from collections.abc import Iterable
import pytest
from pydantic import BaseModel


class Weather(BaseModel):
    location: str


@pytest.mark.providers({specs})
def test_weather(parallel_client):
    parallel_client.create(messages=[{{"role": "user", "content": "hi"}}], response_model=Iterable[Weather])


@pytest.mark.providers("anthropic/claude-sonnet-5")
def test_the_sdk_called_directly():
    import anthropic

    client = anthropic.Anthropic(api_key="harness-replay-key", max_retries=1)
    client.messages.create(model="claude-sonnet-5", max_tokens=10, messages=[{{"role": "user", "content": "hi"}}])
"""


def test_with_no_cassette_every_spec_fails_with_no_cassette_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    replaying(monkeypatch)
    pytester.makepyfile(test_weather=NO_CASSETTE.format(specs=", ".join(repr(spec) for spec in ALL_SPECS)))
    # --tb=long: the whole chain, the SDK's error included (by default only the cassette error is shown).
    result = pytester.runpytest_inprocess("--tb=long")
    result.assert_outcomes(failed=len(ALL_SPECS) + 1)
    crashes = {
        report.nodeid.partition("::")[2]: report.longrepr.reprcrash.message
        for report in result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
        if report.failed
    }
    assert sorted(crashes) == sorted(
        [*(f"test_weather[{spec}]" for spec in ALL_SPECS), "test_the_sdk_called_directly[anthropic/claude-sonnet-5]"]
    )
    for test, message in crashes.items():
        assert message.startswith("harness.recording._errors.NoCassetteError: no cassette at "), (test, message)
        assert "pytest --record-mode=once" in message
    # The SDK's own error is still there, as what the cassette error was reported over.
    result.stdout.fnmatch_lines(["*anthropic.APIConnectionError: Connection error.*"])


def test_a_plain_vcr_test_calling_the_sdk_reports_the_cassette_error_too(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    replaying(monkeypatch)
    pytester.makeini("[pytest]\nharness_vcr_tests = true\n")
    pytester.makepyfile(
        test_plain=textwrap.dedent(
            """
            import anthropic, pytest

            @pytest.mark.vcr
            def test_plain():
                client = anthropic.Anthropic(api_key="harness-replay-key", max_retries=0)
                client.messages.create(model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
            """
        )
    )
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["FAILED test_plain.py::test_plain - harness.recording._errors.NoCassetteError*"])
