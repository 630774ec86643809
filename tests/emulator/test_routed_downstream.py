"""Issue 17's check: a downstream project records azure/ and anthropic-vertex/ tests through the plugin
against an outside stand-in (the emulator on a socket, the SDKs pointed at it by the documented
variables), then replays them with the stand-in gone and no credentials; no key is in any cassette."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.recording._session  # noqa: F401  # loaded before pytester's in-process runs (see test_plugin)
from harness.emulator import serve

pytest_plugins = ("pytester",)

SCRIPT = """
- match: weather in toronto
  calls:
    - Weather: {location: Toronto, units: metric}
"""

DOWNSTREAM = """
from collections.abc import Iterable

import pytest
from pydantic import BaseModel


class Weather(BaseModel):
    location: str
    units: str


@pytest.mark.providers("azure/my-gpt-4-1", "azure-responses/my-gpt-4-1", "anthropic-vertex/claude-sonnet-4-5")
def test_weather(parallel_client):
    calls = parallel_client.create(
        messages=[{"role": "user", "content": "The weather in Toronto?"}],
        response_model=Iterable[Weather],
    )
    assert calls == [Weather(location="Toronto", units="metric")]
"""

#: A key for this test only, shaped so a leak would be found: never a real one.
FIXTURE_KEY = "0123456789abcdef" * 2

VARIABLES = (
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_KEY",
    "OPENAI_API_VERSION",
    "ANTHROPIC_VERTEX_BASE_URL",
    "ANTHROPIC_VERTEX_PROJECT_ID",
    "CLOUD_ML_REGION",
)


def test_azure_and_claude_on_vertex_record_against_a_stand_in_and_replay_without_credentials(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    script = tmp_path / "seed.yaml"
    script.write_text(SCRIPT)
    pytester.makepyfile(test_weather=DOWNSTREAM)
    with serve(script=script) as stand_in:
        monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", stand_in.url)
        monkeypatch.setenv("AZURE_OPENAI_API_KEY", FIXTURE_KEY)
        monkeypatch.setenv("OPENAI_API_VERSION", "2024-10-21")
        monkeypatch.setenv("ANTHROPIC_VERTEX_BASE_URL", f"{stand_in.url}/v1")
        monkeypatch.setenv("ANTHROPIC_VERTEX_PROJECT_ID", "my-project")
        monkeypatch.setenv("CLOUD_ML_REGION", "us-east5")
        recorded = pytester.runpytest_subprocess("--record-mode=once")
        recorded.assert_outcomes(passed=3)
    cassettes = sorted(Path(pytester.path, "cassettes").rglob("*.yaml"))
    assert len(cassettes) == 3
    for cassette in cassettes:
        text = cassette.read_text()
        assert FIXTURE_KEY not in text, cassette
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    pytester.runpytest_subprocess("--block-network").assert_outcomes(passed=3)


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
@pytest.mark.parametrize("prefix", ["azure", "openai"])
def test_the_content_filter_fault_is_a_typed_error_naming_the_category_on_azure(prefix: str, stream: bool) -> None:
    import httpx2

    import harness
    from harness.testing import sdk_client
    from tests._seed import MESSAGES, RESPONSE_MODEL

    with serve() as emulator:
        base = emulator.url if prefix == "azure" else f"{emulator.url}/v1"
        sdk = sdk_client(prefix, transport=httpx2.HTTPTransport(), base_url=base)
        client = harness.from_provider(
            f"{prefix}/my-gpt-4-1", client=sdk.with_options(default_headers={"x-harness-fault": "content_filter"})
        )
        expected = harness.ContentFilterError if prefix == "azure" else harness.IncompleteResponseError
        with pytest.raises(expected) as raised:
            result = client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=stream)
            list(result) if stream else None
    if prefix == "azure":
        assert raised.value.categories == ("hate",)  # type: ignore[attr-defined]
