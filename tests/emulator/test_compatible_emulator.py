"""The emulator serves each OpenAI-compatible server under ``/<prefix>`` and its own path, over a socket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

import harness
from harness.emulator import RunningEmulator, base_url_environment, serve
from harness.providers import COMPATIBLE_PREFIXES
from tests._seed import CALLS, MESSAGES, RESPONSE_MODEL

pytest_plugins = ("pytester",)

pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    with serve(seed=3) as running:
        yield running


@pytest.mark.parametrize("prefix", COMPATIBLE_PREFIXES)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_each_server_from_the_emulators_environment(
    prefix: str, stream: bool, emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in emulator.environment().items():
        monkeypatch.setenv(name, value)
    profile = harness.providers.get_provider(prefix).profile  # type: ignore[attr-defined]
    if profile.key_variable:
        monkeypatch.setenv(profile.key_variable, "emulator-fixture")
    client = harness.from_provider(f"{prefix}/org/emulated-model", max_retries=0)
    values = list(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=stream))
    assert values and all(type(v) in {type(c) for c in CALLS} for v in values)
    (request,) = [r for r in list(emulator.state.requests)[-1:]]
    assert request["prefix"] == prefix
    assert request["body"]["model"] == "org/emulated-model"


def test_the_environment_points_each_server_at_its_own_path() -> None:
    environment = base_url_environment("http://127.0.0.1:1")
    assert environment["GROQ_BASE_URL"] == "http://127.0.0.1:1/groq/openai/v1"
    assert environment["OPENROUTER_BASE_URL"] == "http://127.0.0.1:1/openrouter/api/v1"
    assert environment["DEEPSEEK_BASE_URL"] == "http://127.0.0.1:1/deepseek"
    assert environment["OPENAI_BASE_URL"] == "http://127.0.0.1:1/v1"


def test_deepseek_strict_under_beta(emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "emulator-fixture")
    monkeypatch.setenv("DEEPSEEK_BASE_URL", f"{emulator.url}/deepseek/beta")
    client = harness.from_provider("deepseek/deepseek-chat", strict=True, max_retries=0)
    assert client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)


def _fault(prefix: str, emulator: RunningEmulator, fault: str) -> Any:
    path = harness.providers.get_provider(prefix).profile.base_url  # type: ignore[attr-defined]
    sdk = harness.testing.sdk_client(
        prefix, transport=httpx2.HTTPTransport(), base_url=f"{emulator.url}/{prefix}{httpx2.URL(path).path}"
    )
    client = harness.from_provider(f"{prefix}/m", client=sdk.with_options(default_headers={"x-harness-fault": fault}))
    return client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)


def test_the_tool_use_failed_fault_is_groqs_typed_error(emulator: RunningEmulator) -> None:
    with pytest.raises(harness.ToolUseFailedError, match="harness_emulator_fault") as raised:
        _fault("groq", emulator, "tool_use_failed")
    assert raised.value.failed_generation.startswith("<function=")
    import openai

    with pytest.raises(openai.BadRequestError, match="does not check the model's calls itself"):
        _fault("mistral", emulator, "tool_use_failed")


def test_a_downstream_suite_records_groq_and_ollama_and_replays_them_offline_without_keys(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18's check: record groq/ and ollama/ tests through the plugin against a stand-in (the emulator,
    by the switch), then replay with the stand-in gone, no keys and the network blocked."""
    for name in ("GROQ_API_KEY", "GROQ_BASE_URL", "OLLAMA_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    pytester.makefile(".yaml", seed=SCRIPT)
    pytester.makeconftest(SCRIPTED)
    pytester.makepyfile(test_weather=DOWNSTREAM)
    pytester.runpytest_subprocess("--record-mode=once", "--harness-emulator").assert_outcomes(passed=2)
    cassettes = sorted(Path(pytester.path, "cassettes").rglob("*.yaml"))
    assert [c.name for c in cassettes] == [
        "test_weather[groq-llama-3.3-70b-versatile].yaml",
        "test_weather[ollama-llama3.2].yaml",
    ]
    texts = [cassette.read_text() for cassette in cassettes]
    assert "/groq/openai/v1/chat/completions" in texts[0] or "/openai/v1/chat/completions" in texts[0]
    for text in texts:
        assert "gsk_" not in text and "harness-emulator-key" not in text.lower()
        assert "authorization" not in text.lower() or "REDACTED" in text
    pytester.runpytest_subprocess("--block-network").assert_outcomes(passed=2)


SCRIPT = """
- match: weather in toronto
  calls:
    - Weather: {location: Toronto, units: metric}
"""

SCRIPTED = """
import pytest


@pytest.fixture(scope="session")
def harness_emulator_script():
    return "seed.yaml"
"""

DOWNSTREAM = """
from collections.abc import Iterable

import pytest
from pydantic import BaseModel


class Weather(BaseModel):
    location: str
    units: str


@pytest.mark.providers("groq/llama-3.3-70b-versatile", "ollama/llama3.2")
def test_weather(parallel_client):
    calls = parallel_client.create(
        messages=[{"role": "user", "content": "The weather in Toronto?"}],
        response_model=Iterable[Weather],
    )
    assert calls == [Weather(location="Toronto", units="metric")]
"""


def _continuation(call_id: str) -> dict[str, Any]:
    return {
        "model": "mistral-large-latest",
        "messages": [
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "tool_calls": [{"id": call_id, "type": "function", "function": {"name": "Weather", "arguments": "{}"}}],
            },
            {"role": "tool", "tool_call_id": call_id, "content": "sunny"},
        ],
    }


def test_mistral_refuses_a_continuation_whose_ids_break_its_rule(emulator: RunningEmulator) -> None:
    url = f"{emulator.url}/mistral/v1/chat/completions"
    headers = {"authorization": "Bearer test"}
    refused = httpx2.post(url, json=_continuation("call_abc123"), headers=headers)
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        "Tool call id was call_abc123 but must be a-z, A-Z, 0-9, with a length of 9."
    )
    assert refused.headers["x-harness-emulator"].startswith("rejected by rule: tool-call ids follow the server's rule")
    assert httpx2.post(url, json=_continuation("aB3dE5gH9"), headers=headers).status_code == 200
    # OpenAI's own path takes any id.
    assert (
        httpx2.post(
            f"{emulator.url}/v1/chat/completions", json=_continuation("call_abc123"), headers=headers
        ).status_code
        == 200
    )
