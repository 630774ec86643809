"""Azure OpenAI and Claude on Vertex through harness cassettes: keys redacted, and a cassette recorded
against one resource, deployment path, api-version, project or region replays against another."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import openai
import pytest

import harness
from harness import WireAnswer
from harness.providers import get_provider
from harness.recording import use_cassette
from tests._seed import CALLS, MESSAGES, RESPONSE_MODEL, dumps

# Test fixtures only: plainly not real keys or resources.
AZURE_KEY = "azure-test-key-for-recording"
VERTEX_TOKEN = "vertex-test-token-for-recording"


def live(prefix: str, seen: list[httpx2.Request]) -> httpx2.MockTransport:
    """The provider as it answers, plain or streamed, keeping each request it got."""

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        provider = get_provider(prefix)
        body = json.loads(request.content)
        if body.get("stream"):
            text = provider.write_stream(WireAnswer.of(CALLS), model="m")
            return httpx2.Response(200, text=text, headers={"content-type": "text/event-stream"})
        return httpx2.Response(200, json=provider.write_response(WireAnswer.of(CALLS), model="m"))

    return httpx2.MockTransport(answer)


def gone(request: httpx2.Request) -> httpx2.Response:
    raise AssertionError(f"replay reached the network: {request.url}")


def calls(client: Any, *, stream: bool) -> list[str]:
    if stream:
        return dumps(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True))
    return dumps(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL))


@pytest.mark.parametrize("prefix", ["azure", "azure-responses"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_azure_records_without_its_key_and_replays_on_another_resource(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefix: str, stream: bool
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", AZURE_KEY)  # redacted by default, as the SDK's own variable
    path = tmp_path / "azure.yaml"
    seen: list[httpx2.Request] = []
    recording = openai.AzureOpenAI(
        azure_endpoint="https://resource-one.openai.azure.com",
        api_key=AZURE_KEY,
        api_version="2024-10-21",
        http_client=httpx2.Client(transport=live(prefix, seen)),
        max_retries=0,
    )
    with use_cassette(path, record_mode="once"):
        assert calls(harness.from_provider(f"{prefix}/my-gpt", client=recording), stream=stream) == dumps(CALLS)
    assert seen[0].headers["api-key"] == AZURE_KEY
    stored = path.read_text()
    assert AZURE_KEY not in stored
    assert "api-key" in stored and "REDACTED" in stored

    replaying = openai.AzureOpenAI(
        azure_endpoint="https://resource-two.openai.azure.com",
        api_key="other",
        api_version="2025-04-01-preview",
        http_client=httpx2.Client(transport=httpx2.MockTransport(gone)),
        max_retries=0,
    )
    with use_cassette(path, record_mode="none"):
        assert calls(harness.from_provider(f"{prefix}/my-gpt", client=replaying), stream=stream) == dumps(CALLS)


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_claude_on_vertex_replays_in_another_project_and_region(tmp_path: Path, stream: bool) -> None:
    path = tmp_path / "vertex.yaml"
    seen: list[httpx2.Request] = []
    recording = anthropic.AnthropicVertex(
        region="europe-west1",
        project_id="project-one",
        access_token=VERTEX_TOKEN,
        http_client=httpx2.Client(transport=live("anthropic-vertex", seen)),
        max_retries=0,
    )
    with use_cassette(path, record_mode="once"):
        assert calls(harness.from_provider("anthropic-vertex/claude-x", client=recording), stream=stream) == dumps(
            CALLS
        )
    assert "/projects/project-one/locations/europe-west1/" in seen[0].url.path
    assert VERTEX_TOKEN not in path.read_text()  # the bearer token

    replaying = anthropic.AnthropicVertex(
        region="us-east5",
        project_id="project-two",
        access_token="another-token",
        http_client=httpx2.Client(transport=httpx2.MockTransport(gone)),
        max_retries=0,
    )
    with use_cassette(path, record_mode="none"):
        assert calls(harness.from_provider("anthropic-vertex/claude-x", client=replaying), stream=stream) == dumps(
            CALLS
        )
