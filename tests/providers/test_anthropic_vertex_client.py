"""Claude on Vertex AI through the real anthropic SDK over httpx2.MockTransport: Vertex routing and body."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import anthropic
import httpx2
import pytest

import harness
from harness.providers import get_provider
from harness.providers._base import WireAnswer
from tests._seed import CALLS, RESPONSE_MODEL, USER, dumps

# Test fixtures only: a fixed token is given, so no Google credential is looked up and nothing is requested.
PROJECT = "harness-test-project"
REGION = "europe-west1"
TOKEN = "test-vertex-token"
MODEL = "claude-sonnet-4-5@20250929"


class Wire:
    """A MockTransport answering every request as Claude on Vertex would, keeping the requests."""

    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []

    def _answer(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        provider = get_provider("anthropic-vertex")
        answer = WireAnswer.of(CALLS)
        if request.url.path.endswith(":streamRawPredict"):
            text = provider.write_stream(answer, model=MODEL)
            return httpx2.Response(200, content=text.encode(), headers={"content-type": "text/event-stream"})
        return httpx2.Response(200, json=provider.write_response(answer, model=MODEL))

    def http(self, *, is_async: bool) -> Any:
        transport = httpx2.MockTransport(self._answer)
        return httpx2.AsyncClient(transport=transport) if is_async else httpx2.Client(transport=transport)


@pytest.fixture
def vertex_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("ANTHROPIC_VERTEX_BASE_URL", raising=False)
    monkeypatch.setenv("ANTHROPIC_VERTEX_PROJECT_ID", PROJECT)
    monkeypatch.setenv("CLOUD_ML_REGION", REGION)
    return monkeypatch


def run(client: Any, *, stream: bool) -> list[Any]:
    kwargs: dict[str, Any] = {"messages": [USER], "response_model": RESPONSE_MODEL, "max_retries": 0}
    if isinstance(client, harness.AsyncParallelToolsClient):

        async def go() -> list[Any]:
            if stream:
                return [value async for value in await client.create(**kwargs, stream=True)]
            return list(await client.create(**kwargs))

        return asyncio.run(go())
    if stream:
        return list(client.create(**kwargs, stream=True))
    return list(client.create(**kwargs))


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_client_from_the_environment_routes_as_vertex(
    vertex_env: pytest.MonkeyPatch, is_async: bool, stream: bool
) -> None:
    wire = Wire()
    client = harness.from_provider(
        f"anthropic-vertex/{MODEL}",
        async_client=is_async,
        access_token=TOKEN,
        http_client=wire.http(is_async=is_async),
        max_retries=0,
    )
    assert dumps(run(client, stream=stream)) == dumps(CALLS)
    (request,) = wire.requests
    method = "streamRawPredict" if stream else "rawPredict"
    assert request.url.host == f"{REGION}-aiplatform.googleapis.com"
    assert request.url.path == (
        f"/v1/projects/{PROJECT}/locations/{REGION}/publishers/anthropic/models/{MODEL}:{method}"
    )
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    body = json.loads(request.content)
    assert "model" not in body
    assert body["anthropic_version"] == "vertex-2023-10-16"
    assert body["tool_choice"] == {"type": "any"}
    assert [tool["name"] for tool in body["tools"]] == ["Weather", "GoogleSearch"]
    assert body.get("stream", False) is stream


def test_the_base_url_variable_points_the_client_elsewhere(vertex_env: pytest.MonkeyPatch) -> None:
    vertex_env.setenv("ANTHROPIC_VERTEX_BASE_URL", "http://127.0.0.1:9/v1")
    wire = Wire()
    client = harness.from_provider(
        f"anthropic-vertex/{MODEL}", access_token=TOKEN, http_client=wire.http(is_async=False)
    )
    run(client, stream=False)
    (request,) = wire.requests
    assert str(request.url).startswith(f"http://127.0.0.1:9/v1/projects/{PROJECT}/locations/{REGION}/")


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_client_takes_an_anthropic_vertex_client(is_async: bool) -> None:
    wire = Wire()
    vertex = anthropic.AsyncAnthropicVertex if is_async else anthropic.AnthropicVertex
    sdk = vertex(region=REGION, project_id=PROJECT, access_token=TOKEN, http_client=wire.http(is_async=is_async))
    client = harness.from_provider(f"anthropic-vertex/{MODEL}", client=sdk)
    assert isinstance(client, harness.AsyncParallelToolsClient) is is_async
    assert dumps(run(client, stream=False)) == dumps(CALLS)
    assert wire.requests[0].url.path.endswith(f"/models/{MODEL}:rawPredict")


def test_a_plain_anthropic_client_is_refused() -> None:
    with pytest.raises(TypeError, match=r"anthropic-vertex needs an anthropic\.AnthropicVertex .* got Anthropic"):
        harness.from_provider("anthropic-vertex/m", client=anthropic.Anthropic(api_key="x"))


def test_missing_variables_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_VERTEX_PROJECT_ID", raising=False)
    monkeypatch.delenv("CLOUD_ML_REGION", raising=False)
    with pytest.raises(
        harness.ProviderSetupError, match="anthropic-vertex needs ANTHROPIC_VERTEX_PROJECT_ID, CLOUD_ML_REGION set"
    ) as info:
        harness.from_provider("anthropic-vertex/m")
    assert info.value.variables == ("ANTHROPIC_VERTEX_PROJECT_ID", "CLOUD_ML_REGION")


def test_the_emulator_side_reads_the_model_from_the_path() -> None:
    provider = get_provider("anthropic-vertex")
    path = f"/v1/projects/{PROJECT}/locations/{REGION}/publishers/anthropic/models/{MODEL}:streamRawPredict"
    assert provider.serves(path)
    assert not provider.serves("/v1/messages")
    assert not get_provider("anthropic").serves(path)
    body = {"anthropic_version": "vertex-2023-10-16", "max_tokens": 10, "stream": True, "messages": [USER]}
    received = provider.read_request(body, path=path)
    assert (received.model, received.stream, received.prompt) == (MODEL, True, USER["content"])
