"""Azure OpenAI through the real openai SDK over httpx2.MockTransport: routes, key header, api-version, quirks."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import openai
import pytest

import harness
from harness.providers import get_provider
from harness.providers._base import WireAnswer, sse
from tests._seed import CALLS, RESPONSE_MODEL, USER, dumps

# Test fixtures only: not key-shaped, never a real resource.
ENDPOINT = "https://harness-test.openai.azure.com"
KEY = "test-azure-key"
VERSION = "2024-10-21"
DEPLOYMENT = "my-gpt-4-1"


class Wire:
    """A MockTransport serving one answer body (JSON or a stream) for every request, keeping the requests."""

    def __init__(self, prefix: str, *, body: Any = None, stream: str | None = None) -> None:
        self.prefix = prefix
        self.requests: list[httpx2.Request] = []
        self.body = body
        self.stream = stream

    def _answer(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        sent = json.loads(request.content)
        provider = get_provider(self.prefix)
        if sent.get("stream"):
            text = self.stream if self.stream is not None else provider.write_stream(WireAnswer.of(CALLS), model="m")
            return httpx2.Response(200, content=text.encode(), headers={"content-type": "text/event-stream"})
        body = self.body if self.body is not None else provider.write_response(WireAnswer.of(CALLS), model="m")
        return httpx2.Response(200, json=body)

    def http(self, *, is_async: bool) -> Any:
        transport = httpx2.MockTransport(self._answer)
        return httpx2.AsyncClient(transport=transport) if is_async else httpx2.Client(transport=transport)


@pytest.fixture
def azure_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "OPENAI_API_VERSION", "AZURE_OPENAI_AD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", ENDPOINT)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    return monkeypatch


def run(client: Any, *, stream: bool) -> list[Any]:
    """The values of one ``create`` call, sync or async, plain or streamed."""
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


EXPECTED_PATHS = {
    ("azure", True): f"/openai/deployments/{DEPLOYMENT}/chat/completions",
    ("azure", False): "/openai/v1/chat/completions",
    ("azure-responses", True): "/openai/responses",
    ("azure-responses", False): "/openai/v1/responses",
}


@pytest.mark.parametrize("prefix", ["azure", "azure-responses"])
@pytest.mark.parametrize("dated", [True, False], ids=["dated", "v1"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_client_from_the_environment_takes_azure_routes_and_key(
    azure_env: pytest.MonkeyPatch, prefix: str, dated: bool, is_async: bool, stream: bool
) -> None:
    if dated:
        azure_env.setenv("OPENAI_API_VERSION", VERSION)
    wire = Wire(prefix)
    client = harness.from_provider(
        f"{prefix}/{DEPLOYMENT}", async_client=is_async, http_client=wire.http(is_async=is_async)
    )
    assert dumps(run(client, stream=stream)) == dumps(CALLS)
    (request,) = wire.requests
    assert (request.url.scheme, request.url.host) == ("https", "harness-test.openai.azure.com")
    assert request.url.path == EXPECTED_PATHS[prefix, dated]
    assert request.url.params.get("api-version") == (VERSION if dated else None)
    assert request.headers["api-key"] == KEY
    body = json.loads(request.content)
    assert body["model"] == DEPLOYMENT
    assert body.get("stream", False) is stream


@pytest.mark.parametrize("prefix", ["azure", "azure-responses"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_client_takes_either_azure_form(prefix: str, is_async: bool) -> None:
    wire = Wire(prefix)
    dated_class = openai.AsyncAzureOpenAI if is_async else openai.AzureOpenAI
    v1_class = openai.AsyncOpenAI if is_async else openai.OpenAI
    dated = dated_class(
        azure_endpoint=ENDPOINT, api_key=KEY, api_version=VERSION, http_client=wire.http(is_async=is_async)
    )
    v1 = v1_class(base_url=f"{ENDPOINT}/openai/v1/", api_key=KEY, http_client=wire.http(is_async=is_async))
    for sdk in (dated, v1):
        client = harness.from_provider(f"{prefix}/{DEPLOYMENT}", client=sdk)
        assert isinstance(client, harness.AsyncParallelToolsClient) is is_async
        assert dumps(run(client, stream=False)) == dumps(CALLS)
    assert [r.url.path for r in wire.requests] == [EXPECTED_PATHS[prefix, True], EXPECTED_PATHS[prefix, False]]


def test_a_client_of_another_sdk_is_refused() -> None:
    import anthropic

    with pytest.raises(TypeError, match=r"azure needs an openai.AzureOpenAI .* got Anthropic"):
        harness.from_provider("azure/d", client=anthropic.Anthropic(api_key="x"))


@pytest.mark.parametrize(
    ("unset", "named"),
    [
        (("AZURE_OPENAI_ENDPOINT",), "AZURE_OPENAI_ENDPOINT"),
        (("AZURE_OPENAI_API_KEY",), "AZURE_OPENAI_API_KEY"),
        (("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY"), "AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY"),
    ],
)
def test_missing_variables_are_named(azure_env: pytest.MonkeyPatch, unset: tuple[str, ...], named: str) -> None:
    for name in unset:
        azure_env.delenv(name)
    with pytest.raises(harness.ProviderSetupError, match=f"azure-responses needs {named} set") as info:
        harness.from_provider("azure-responses/d")
    assert info.value.variables == unset


def test_an_entra_token_provider_replaces_the_key(azure_env: pytest.MonkeyPatch) -> None:
    azure_env.delenv("AZURE_OPENAI_API_KEY")
    azure_env.setenv("OPENAI_API_VERSION", VERSION)
    wire = Wire("azure")
    client = harness.from_provider(
        "azure/d", azure_ad_token_provider=lambda: "entra-test-token", http_client=wire.http(is_async=False)
    )
    run(client, stream=False)
    (request,) = wire.requests
    assert request.headers["authorization"] == "Bearer entra-test-token"
    assert "api-key" not in request.headers


# --- Azure's stream quirks and its content filter ------------------------------------------------

#: What Azure sends about the prompt before any choice: a chunk with empty choices.
PROMPT_FILTER_CHUNK = {
    "choices": [],
    "created": 0,
    "id": "",
    "model": "",
    "object": "",
    "prompt_filter_results": [
        {
            "prompt_index": 0,
            "content_filter_results": {
                "hate": {"filtered": False, "severity": "safe"},
                "jailbreak": {"filtered": False, "detected": False},
                "self_harm": {"filtered": False, "severity": "safe"},
                "sexual": {"filtered": False, "severity": "safe"},
                "violence": {"filtered": False, "severity": "safe"},
            },
        }
    ],
}


def filter_chunk(finish_reason: str | None = None, **flagged: str) -> dict[str, Any]:
    """A choice with content_filter_results and no delta, as Azure's filter sends them."""
    results = {
        name: {"filtered": name in flagged, "severity": flagged.get(name, "safe")}
        for name in ("hate", "self_harm", "sexual", "violence")
    }
    return {
        "id": "chatcmpl-azure",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "gpt-4.1",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "content_filter_results": results,
                "content_filter_offsets": {"check_offset": 0, "start_offset": 0, "end_offset": 120},
            }
        ],
    }


def azure_events(*, stop: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """A realistic Azure stream: the prompt's filter chunk first, a filter chunk between calls, then the end."""
    events = get_provider("azure").write_events(WireAnswer.of(CALLS), model="gpt-4.1")
    *body, finish, usage = events
    middle = len(body) // 2
    ending = [finish, filter_chunk()] if stop is None else [stop]
    return [PROMPT_FILTER_CHUNK, *body[:middle], filter_chunk(), *body[middle:], *ending, usage]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_azure_stream_quirks_are_read_as_nothing(azure_env: pytest.MonkeyPatch, is_async: bool) -> None:
    wire = Wire("azure", stream=sse(azure_events(), done="[DONE]"))
    client = harness.from_provider("azure/d", async_client=is_async, http_client=wire.http(is_async=is_async))
    assert dumps(run(client, stream=True)) == dumps(CALLS)


def test_a_content_filter_stop_in_a_stream_names_the_category(azure_env: pytest.MonkeyPatch) -> None:
    events = azure_events(stop=filter_chunk("content_filter", violence="high"))
    wire = Wire("azure", stream=sse(events, done="[DONE]"))
    client = harness.from_provider("azure/d", http_client=wire.http(is_async=False))
    got = []
    with pytest.raises(harness.ContentFilterError, match=r"content filter stopped the answer \(violence\)") as info:
        for value in client.create(messages=[USER], response_model=RESPONSE_MODEL, stream=True):
            got.append(value)
    assert info.value.categories == ("violence",)
    assert info.value.finish_reason == "content_filter"
    assert isinstance(info.value, harness.IncompleteResponseError)
    assert info.value.calls_seen == len(got)


def test_a_content_filter_stop_in_a_plain_answer_names_every_category(azure_env: pytest.MonkeyPatch) -> None:
    body = get_provider("azure").write_response(WireAnswer(text="I cannot"), model="gpt-4.1")
    choice = filter_chunk("content_filter", hate="medium", violence="high")["choices"][0]
    body["choices"][0].update(finish_reason="content_filter", content_filter_results=choice["content_filter_results"])
    body["prompt_filter_results"] = PROMPT_FILTER_CHUNK["prompt_filter_results"]
    wire = Wire("azure", body=body)
    client = harness.from_provider("azure/d", http_client=wire.http(is_async=False))
    with pytest.raises(harness.ContentFilterError, match=r"\(hate, violence\)") as info:
        run(client, stream=False)
    assert info.value.categories == ("hate", "violence")
    assert info.value.provider == "azure"
