"""The pytest plugin, driven as a downstream project drives it: through pytester, recording over a socket."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

# Loaded here, before pytester's in-process runs: a module first imported inside a run is dropped after
# it, and PyYAML's C parser cannot survive being imported twice in one process.
import harness.recording._session  # noqa: F401
from tests.recording._provider_server import ProviderServer, provider_server

pytest_plugins = ("pytester",)

# Clearly fake keys, for this test fixture only: shaped like real ones so redaction and scans are tested.
FAKE_KEYS = {
    "OPENAI_API_KEY": "sk-proj-" + "FAKEfake0" * 5,
    "ANTHROPIC_API_KEY": "sk-ant-api03-" + "FAKEfake0" * 5,
    "GOOGLE_API_KEY": "AIza" + "FAKEfake0" * 4,
}
SPECS = ("openai/gpt-4.1-mini", "openai-responses/gpt-4.1-mini", "anthropic/claude-sonnet-5", "google/gemini-2.5-flash")

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


PROMPT = "What is the weather in toronto and dallas and who won the super bowl?"
RESPONSE_MODEL = Iterable[Weather | GoogleSearch]


@pytest.mark.providers({specs})
def test_weather_and_search(parallel_client):
    messages = [{{"role": "user", "content": PROMPT}}]
    calls = parallel_client.create(messages=messages, response_model=RESPONSE_MODEL)
    assert {{type(c) for c in calls}} == {{Weather, GoogleSearch}}
    streamed = list(parallel_client.create(messages=messages, response_model=RESPONSE_MODEL, stream=True))
    assert [c.model_dump() for c in streamed] == [c.model_dump() for c in calls]
"""


def downstream(specs: tuple[str, ...] = SPECS, prompt: str | None = None) -> str:
    source = DOWNSTREAM.format(specs=", ".join(repr(s) for s in specs))
    if prompt is not None:
        source = source.replace("What is the weather in toronto", prompt)
    return source


@pytest.fixture
def server() -> Iterator[ProviderServer]:
    with provider_server() as running:
        yield running


@pytest.fixture
def recording(server: ProviderServer, monkeypatch: pytest.MonkeyPatch) -> ProviderServer:
    """Keys and base URLs as a developer recording against a provider has them."""
    for name, value in {**server.environment(), **FAKE_KEYS}.items():
        monkeypatch.setenv(name, value)
    return server


def replaying(monkeypatch: pytest.MonkeyPatch) -> None:
    """No keys, no base URLs: what CI has."""
    for name in [
        *FAKE_KEYS,
        "OPENAI_BASE_URL",
        "ANTHROPIC_BASE_URL",
        "GOOGLE_GEMINI_BASE_URL",
        "GOOGLE_VERTEX_BASE_URL",
    ]:
        monkeypatch.delenv(name, raising=False)


def cassettes(pytester: pytest.Pytester) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(Path(pytester.path, "cassettes").rglob("*.yaml"))}


def test_record_then_replay_without_keys_or_network(
    pytester: pytest.Pytester, recording: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_weather=downstream())
    pytester.runpytest_inprocess("--record-mode=once").assert_outcomes(passed=4)
    assert len(recording.requests) == 8
    assert recording.requests[0]["headers"]["authorization"] == f"Bearer {FAKE_KEYS['OPENAI_API_KEY']}"

    written = cassettes(pytester)
    assert sorted(written) == [
        "test_weather_and_search[anthropic-claude-sonnet-5].yaml",
        "test_weather_and_search[google-gemini-2.5-flash].yaml",
        "test_weather_and_search[openai-gpt-4.1-mini].yaml",
        "test_weather_and_search[openai-responses-gpt-4.1-mini].yaml",
    ]
    assert Path(pytester.path, "cassettes", "test_weather").is_dir()
    for text in written.values():
        for key in FAKE_KEYS.values():
            assert key not in text
        assert "x-request-id" not in text and "session=abc123" not in text
        assert "sse:" in text and "json:" in text  # structured bodies, streams as events

    replaying(monkeypatch)
    pytester.runpytest_inprocess("--block-network").assert_outcomes(passed=4)


def section(result: pytest.RunResult, title: str) -> str:
    """The run's FAILURES or ERRORS section alone: up to the warnings or the short summary after it."""
    text = "\n".join(result.outlines).split(f"= {title} =")[1]
    return re.split(r"=+ (?:warnings summary|short test summary info)", text)[0]


def test_a_changed_request_names_the_nearest_recorded_one(
    pytester: pytest.Pytester, recording: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_weather=downstream(("openai/gpt-4.1-mini",)))
    pytester.runpytest_inprocess("--record-mode=once").assert_outcomes(passed=1)
    replaying(monkeypatch)
    pytester.makepyfile(test_weather=downstream(("openai/gpt-4.1-mini",), prompt="What is the weather in oslo"))
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*has no recorded request matching POST /v1/chat/completions*",
            "*$.messages[[]0[]].content: recorded *toronto*, now *oslo*",
            "*pytest --record-mode=rewrite 'test_weather.py::test_weather_and_search[[]openai/gpt-4.1-mini[]]'*",
        ]
    )
    failure = section(result, "FAILURES")
    assert len(failure.strip().splitlines()) <= 12, failure  # the message and the test's line, no SDK frames


def test_no_cassette_says_how_to_record_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_weather=downstream(("anthropic/claude-sonnet-5",)))
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no cassette at *cassettes*test_weather*pytest --record-mode=once*"])


def test_a_replay_failure_is_shown_briefly_and_in_full_with_tb_long(pytester: pytest.Pytester) -> None:
    specs = ("openai/gpt-4.1-mini", "anthropic/claude-sonnet-5", "google/gemini-2.5-flash")
    pytester.makepyfile(test_weather=downstream(specs))
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(failed=3)
    failures = section(result, "FAILURES")
    # Each: the test's own line, the message, and a word on --tb=long. Not the SDKs' frames (405 lines before).
    assert len(failures.strip().splitlines()) <= 3 * 8, failures
    assert failures.count("no cassette at ") == 3 and failures.count("--tb=long shows them") == 3
    assert "test_weather.py:" in failures and "site-packages" not in failures and "_cassette.py" not in failures
    assert "APIConnectionError" not in failures and "direct cause" not in failures

    full = pytester.runpytest_inprocess("--tb=long")
    full.assert_outcomes(failed=3)
    text = "\n".join(full.outlines)
    assert "_cassette.py" in text and "site-packages" in text and "no cassette at " in text
    assert len(full.outlines) > 100


def test_unplayed_interactions_fail_the_test_unless_allowed(
    pytester: pytest.Pytester, recording: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_weather=downstream(("openai/gpt-4.1-mini",)))
    pytester.runpytest_inprocess("--record-mode=once").assert_outcomes(passed=1)
    replaying(monkeypatch)
    one_call = downstream(("openai/gpt-4.1-mini",)).split("    streamed =")[0]
    pytester.makepyfile(test_weather=one_call)
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*1 recorded interaction(s) were never played*", "*POST /v1/chat/completions*"])
    errors = section(result, "ERRORS")
    assert len(errors.strip().splitlines()) <= 10, errors  # the message, not the fixture's internals
    allowed = one_call.replace("'openai/gpt-4.1-mini')", "'openai/gpt-4.1-mini', allow_unplayed=True)")
    pytester.makepyfile(test_weather=allowed)
    pytester.runpytest_inprocess().assert_outcomes(passed=1)


def test_a_failed_test_writes_no_cassette(pytester: pytest.Pytester, recording: ProviderServer) -> None:
    failing = downstream(("openai/gpt-4.1-mini",)).replace("assert len(streamed)", "assert False")
    failing = failing.replace("assert [c.model_dump()", "assert not [c.model_dump()")
    pytester.makepyfile(test_weather=failing)
    pytester.runpytest_inprocess("--record-mode=once").assert_outcomes(failed=1)
    assert cassettes(pytester) == {}


def test_a_corrupt_cassette_names_the_file_and_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_weather=downstream(("openai/gpt-4.1-mini",)))
    broken = Path(pytester.path, "cassettes", "test_weather", "test_weather_and_search[openai-gpt-4.1-mini].yaml")
    broken.parent.mkdir(parents=True)
    broken.write_text("version: 1\ninteractions:\n- request: {method: POST}\n  response: [\n")
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*test_weather_and_search[[]openai-gpt-4.1-mini[]].yaml:5: invalid YAML*"])
    error = section(result, "ERRORS")
    assert len(error.strip().splitlines()) <= 12, error


def test_providers_option_narrows_by_prefix_and_widens_by_spec(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_weather=downstream())
    result = pytester.runpytest_inprocess("--collect-only", "-q", "--providers", "anthropic,openai/gpt-5")
    result.stdout.fnmatch_lines(
        [
            "test_weather.py::test_weather_and_search[[]anthropic/claude-sonnet-5[]]",
            "test_weather.py::test_weather_and_search[[]openai/gpt-5[]]",
            "2 tests collected*",
        ]
    )


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            "antropic",
            "--providers antropic: unknown provider 'antropic'; expected one of openai, openai-responses, "
            "anthropic, google, vertexai*",
        ),
        ("openai,antropic/claude-5", "--providers openai,antropic/claude-5: unknown provider 'antropic'*"),
        ("openai/", "--providers openai/: 'openai/' names no model*"),
    ],
)
def test_an_unknown_provider_in_the_option_is_a_usage_error(
    pytester: pytest.Pytester, option: str, message: str
) -> None:
    pytester.makepyfile(test_weather=downstream())
    result = pytester.runpytest_inprocess("--providers", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
    assert "passed" not in result.stdout.str() and "skipped" not in result.stdout.str()  # never a green run


def test_an_unknown_provider_in_the_marker_fails_collection_with_its_message(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_weather=downstream(("antropic/claude-sonnet-5", "openai/gpt-4.1-mini")))
    result = pytester.runpytest_inprocess()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting test_weather.py*",
            "test_weather.py::test_weather_and_search: @pytest.mark.providers: unknown provider 'antropic'; "
            "expected one of openai, *",
        ]
    )
    assert "_hookexec" not in result.stdout.str()


def test_parallel_client_without_the_marker_says_to_add_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_it(parallel_client):\n    pass\n")
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*parallel_client needs the providers marker*"])


def test_async_client_under_anyio_and_the_factory_share_one_cassette(
    pytester: pytest.Pytester, recording: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        test_async=textwrap.dedent(
            """
            from collections.abc import Iterable
            import pytest
            from pydantic import BaseModel

            class Weather(BaseModel):
                location: str
                units: str

            class GoogleSearch(BaseModel):
                query: str

            MESSAGES = [{"role": "user", "content": "weather?"}]
            RESPONSE_MODEL = Iterable[Weather | GoogleSearch]

            @pytest.mark.anyio
            @pytest.mark.providers("anthropic/claude-sonnet-5")
            async def test_async(parallel_async_client, harness_client):
                calls = await parallel_async_client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)
                assert len(calls) == 3
                other = harness_client("openai/gpt-4.1-mini")
                assert len(other.create(messages=MESSAGES, response_model=RESPONSE_MODEL)) == 3

            @pytest.fixture
            def anyio_backend():
                return "asyncio"
            """
        )
    )
    # In subprocesses: an async SDK client left open by one in-process run would be collected in the next's loop.
    pytester.runpytest_subprocess("--record-mode=once").assert_outcomes(passed=1)
    (written,) = cassettes(pytester).values()
    assert "/v1/messages" in written and "/v1/chat/completions" in written
    replaying(monkeypatch)
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_cassette_folder_from_the_ini_file(pytester: pytest.Pytester, recording: ProviderServer) -> None:
    pytester.makeini("[pytest]\nharness_cassette_dir = recorded\n")
    pytester.mkpydir("suite")
    Path(pytester.path, "suite", "test_weather.py").write_text(downstream(("google/gemini-2.5-flash",)))
    pytester.runpytest_inprocess("--record-mode=once").assert_outcomes(passed=1)
    assert Path(
        pytester.path, "recorded", "test_weather", "test_weather_and_search[google-gemini-2.5-flash].yaml"
    ).is_file()


def test_plain_vcr_tests_keep_vcrpy_cassettes_unless_asked(
    pytester: pytest.Pytester, recording: ProviderServer
) -> None:
    plain = textwrap.dedent(
        """
        import httpx2, os, pytest

        @pytest.mark.vcr
        def test_plain():
            response = httpx2.post(os.environ["OPENAI_BASE_URL"] + "/chat/completions", json={"stream": False})
            assert response.status_code == 200
        """
    )
    pytester.makepyfile(test_plain=plain)
    pytester.runpytest_inprocess("--record-mode=once").assert_outcomes(passed=1)
    (text,) = cassettes(pytester).values()
    assert "body:\n      string:" in text  # vcrpy's own format: pytest-recording works as before

    pytester.makeini("[pytest]\nharness_vcr_tests = true\n")
    pytester.runpytest_inprocess("--record-mode=rewrite").assert_outcomes(passed=1)
    (text,) = cassettes(pytester).values()
    assert text.startswith("# harness cassette") and "json:" in text


def test_recording_under_xdist_loses_nothing(pytester: pytest.Pytester, recording: ProviderServer) -> None:
    pytester.makepyfile(test_weather=downstream())
    pytester.makepyfile(test_more=downstream().replace("def test_weather_and_search", "def test_again"))
    pytester.runpytest_subprocess("-p", "xdist", "-n", "2", "--record-mode=once").assert_outcomes(passed=8)
    written = cassettes(pytester)
    assert len(written) == 8
    assert all(text.count("- request:") == 2 for text in written.values())
    assert not list(Path(pytester.path, "cassettes").rglob("*.tmp"))


def test_the_plugin_loads_no_sdk(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_modules="""
        import sys

        def test_nothing_heavy_loaded():
            heavy = {"openai", "anthropic", "google.genai", "hypothesis", "vcr", "pydantic"}
            assert not heavy & set(sys.modules), heavy & set(sys.modules)
        """
    )
    pytester.runpytest_subprocess("-p", "no:anyio").assert_outcomes(passed=1)


def test_vertex_records_against_a_stand_in_with_made_up_credentials(
    pytester: pytest.Pytester, recording: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "made-up-project")
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "europe-west4")
    pytester.makepyfile(test_weather=downstream(("vertexai/gemini-2.5-flash",)))
    pytester.runpytest_inprocess("--record-mode=once").assert_outcomes(passed=1)
    assert recording.requests[0]["path"].startswith("/v1beta1/projects/made-up-project/locations/europe-west4/")
    assert recording.requests[0]["headers"].get("authorization") == "Bearer harness-replay-token", recording.requests[
        0
    ]["headers"]
    replaying(monkeypatch)
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT")
    pytester.runpytest_inprocess("--block-network").assert_outcomes(passed=1)
