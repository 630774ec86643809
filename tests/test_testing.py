"""The public test helpers: ``harness.testing.sdk_client`` and ``MockProvider``."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx2
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors
from pydantic import BaseModel

import harness
from harness import Usage, WireAnswer, WireCall
from harness.providers import get_provider
from harness.testing import MockProvider, UnexpectedRequestError, sdk_client
from tests._seed import CALLS, MESSAGES, RESPONSE_MODEL, dumps
from tests._seed import FIRST_PARTY_PREFIXES as PREFIXES

SDK_CLASSES: dict[str, tuple[type, type]] = {
    "openai": (openai.OpenAI, openai.AsyncOpenAI),
    "openai-responses": (openai.OpenAI, openai.AsyncOpenAI),
    "anthropic": (anthropic.Anthropic, anthropic.AsyncAnthropic),
    "google": (genai.Client, genai.Client),
    "vertexai": (genai.Client, genai.Client),
    "azure": (openai.AzureOpenAI, openai.AsyncAzureOpenAI),
    "azure-responses": (openai.AzureOpenAI, openai.AsyncAzureOpenAI),
    "anthropic-vertex": (anthropic.AnthropicVertex, anthropic.AsyncAnthropicVertex),
}

# A 429 body in each provider's own shape, and the error its SDK raises for it.
RATE_LIMITED: dict[str, tuple[dict[str, Any], type[Exception]]] = {
    "openai": (
        {"error": {"message": "Slow down", "type": "requests", "code": "rate_limit_exceeded"}},
        openai.RateLimitError,
    ),
    "anthropic": (
        {"type": "error", "error": {"type": "rate_limit_error", "message": "Slow down"}},
        anthropic.RateLimitError,
    ),
    "google": (
        {"error": {"code": 429, "message": "Slow down", "status": "RESOURCE_EXHAUSTED"}},
        genai_errors.ClientError,
    ),
}
RATE_LIMITED["openai-responses"] = RATE_LIMITED["openai"]
RATE_LIMITED["vertexai"] = RATE_LIMITED["google"]
# Azure and Claude on Vertex pass the API's own error bodies through.
RATE_LIMITED["azure"] = RATE_LIMITED["azure-responses"] = RATE_LIMITED["openai"]
RATE_LIMITED["anthropic-vertex"] = RATE_LIMITED["anthropic"]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def post(endpoint: MockProvider, path: str, body: dict[str, Any]) -> httpx2.Response:
    """Send one request straight to the endpoint's transport, as an SDK would."""
    with httpx2.Client(transport=endpoint.transport, base_url="https://api.example.test") as http:
        return http.post(path, json=body)


# --- sdk_client ---------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_sdk_client_is_the_official_client_on_the_transport(prefix: str, is_async: bool) -> None:
    endpoint = MockProvider(prefix)
    sdk = sdk_client(prefix, transport=endpoint.transport, async_client=is_async)
    assert type(sdk) is SDK_CLASSES[prefix][is_async]
    client: Any = harness.from_provider(f"{prefix}/test-model", client=sdk, async_client=is_async)
    endpoint.answer(*CALLS)
    values = client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)
    if is_async:
        values = run(values)
    assert dumps(values) == dumps(CALLS)
    (request,) = endpoint.requests
    assert "test-key" in " ".join(request.headers.values())


def test_sdk_client_takes_a_full_spec_a_key_and_a_base_url() -> None:
    endpoint = MockProvider("openai").answer(*CALLS)
    sdk = sdk_client("openai/gpt-4.1", transport=endpoint.transport, api_key="other-key", base_url="https://x.test/v1")
    harness.from_provider("openai/gpt-4.1", client=sdk).create(messages=MESSAGES, response_model=RESPONSE_MODEL)
    (request,) = endpoint.requests
    assert str(request.url) == "https://x.test/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer other-key"


def test_vertex_gets_a_fixed_project_location_and_token() -> None:
    endpoint = MockProvider("vertexai/gemini-2.5-flash").answer(*CALLS)
    endpoint.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL)
    (request,) = endpoint.requests
    assert request.url.host == "us-central1-aiplatform.googleapis.com"
    assert "/projects/harness-test-project/locations/us-central1/" in request.url.path
    assert request.headers["authorization"] == "Bearer test-key"


@pytest.mark.parametrize("prefix", ["google", "vertexai"])
def test_genai_clients_load_no_certificates(prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an SSL context with the CA bundle was built")

    monkeypatch.setattr(ssl, "create_default_context", refuse)
    monkeypatch.setattr(httpx2, "create_ssl_context", refuse)
    endpoint = MockProvider(prefix).answer(*CALLS)
    assert dumps(endpoint.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL)) == dumps(CALLS)


def test_sdk_client_without_a_transport_refuses_every_request() -> None:
    client = harness.from_provider("openai/m", client=sdk_client("openai"))
    with pytest.raises(UnexpectedRequestError, match=r"openai: POST https://api\.openai\.com/v1/chat/completions"):
        client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)


def test_sdk_client_refuses_a_transport_that_cannot_serve_the_client() -> None:
    class SyncOnly(httpx2.BaseTransport):
        pass

    with pytest.raises(TypeError, match="SyncOnly cannot serve an async client"):
        sdk_client("anthropic", transport=SyncOnly(), async_client=True)
    with pytest.raises(ValueError, match="unknown provider 'cohere'"):
        sdk_client("cohere/command")


# --- MockProvider: answers served as the request asks ---------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_one_queued_answer_serves_plain_and_streamed_requests(prefix: str) -> None:
    endpoint = MockProvider(prefix).answer(*CALLS).answer(*CALLS)
    client = endpoint.client()
    assert dumps(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)) == dumps(CALLS)
    assert dumps(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)) == dumps(CALLS)
    assert len(endpoint.requests) == 2


@pytest.mark.parametrize(
    ("prefix", "plain", "streamed"),
    [
        ("openai", ("/v1/chat/completions", {}), ("/v1/chat/completions", {"stream": True})),
        ("openai-responses", ("/v1/responses", {}), ("/v1/responses", {"stream": True})),
        ("anthropic", ("/v1/messages", {"stream": False}), ("/v1/messages", {"stream": True})),
        ("google", ("/v1/models/m:generateContent", {}), ("/v1/models/m:streamGenerateContent", {})),
        ("vertexai", ("/v1/models/m:generateContent", {"stream": True}), ("/v1/models/m:streamGenerateContent", {})),
    ],
)
def test_json_or_stream_follows_the_request(
    prefix: str, plain: tuple[str, dict[str, Any]], streamed: tuple[str, dict[str, Any]]
) -> None:
    endpoint = MockProvider(prefix).answer(*CALLS).answer(*CALLS)
    provider = get_provider(prefix)
    as_json = post(endpoint, *plain)
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.json() == provider.write_response(WireAnswer.of(CALLS), model="test-model")
    as_stream = post(endpoint, *streamed)
    assert as_stream.headers["content-type"] == "text/event-stream"
    assert as_stream.text == provider.write_stream(WireAnswer.of(CALLS), model="test-model")
    assert endpoint.bodies == [plain[1], streamed[1]]


def test_the_spec_names_the_model() -> None:
    endpoint = MockProvider("anthropic/claude-sonnet-5").answer(*CALLS)
    response = endpoint.client().create_with_response(messages=MESSAGES, response_model=RESPONSE_MODEL)
    assert endpoint.bodies[0]["model"] == "claude-sonnet-5"
    assert response.raw.model == "claude-sonnet-5"
    assert (MockProvider("google").model, MockProvider("google/gemini-2.5-flash").model) == (
        "test-model",
        "gemini-2.5-flash",
    )
    with pytest.raises(ValueError, match="unknown provider 'cohere'"):
        MockProvider("cohere/command")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_answer_carries_text_finish_reason_and_usage(prefix: str) -> None:
    length = get_provider(prefix).token_limit_reason
    endpoint = MockProvider(prefix)
    endpoint.answer(text="No tools today.").answer(*CALLS, finish_reason=length).answer(*CALLS, usage=Usage(3, 4, 7))
    client = endpoint.client()
    with pytest.raises(harness.NoToolCallsError) as no_calls:
        client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)
    assert no_calls.value.text == "No tools today."
    with pytest.raises(harness.IncompleteResponseError):
        client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)
    usage = client.create_with_response(messages=MESSAGES, response_model=RESPONSE_MODEL).usage
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (3, 4, 7)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_answer_wire_sends_raw_arguments_as_given(prefix: str) -> None:
    answer = WireAnswer(calls=[WireCall("Weather", '{"location": "Oslo", "units": "kelvin"}')])
    endpoint = MockProvider(prefix).answer_wire(answer).answer_wire(answer)
    for stream in (False, True):
        with pytest.raises(harness.ToolCallError) as info:
            list(endpoint.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=stream))
        error = info.value.errors[0] if isinstance(info.value, harness.ToolCallsFailedError) else info.value
        assert isinstance(error, harness.ToolArgumentsError)
        raw = error.raw_arguments
        assert (json.loads(raw) if isinstance(raw, str) else raw) == {"location": "Oslo", "units": "kelvin"}


def test_wire_call_of_writes_text_as_providers_send_it() -> None:
    class Note(BaseModel):
        text: str

    call = WireCall.of(Note(text="Zürich \u2603 \U0001f600"))
    assert call.arguments == '{"text": "Zürich \u2603 \U0001f600"}'  # raw UTF-8, no \\u escapes
    assert Note.model_validate_json(call.arguments).text == "Zürich \u2603 \U0001f600"


# --- raw bodies and chunks ----------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_an_error_body_reaches_the_sdk_as_its_own_error(prefix: str, is_async: bool) -> None:
    body, error = RATE_LIMITED[prefix]
    endpoint = MockProvider(prefix).answer_body(body, status=429, headers={"retry-after": "0"})
    if is_async:
        with pytest.raises(error, match="Slow down"):
            run(endpoint.client(async_client=True).create(messages=MESSAGES, response_model=RESPONSE_MODEL))
    else:
        with pytest.raises(error, match="Slow down"):
            endpoint.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL)
    assert len(endpoint.requests) == 1, "the SDK retried"


def test_a_raw_body_is_served_as_given() -> None:
    text = get_provider("openai").write_stream(WireAnswer.of(CALLS), model="m")
    endpoint = MockProvider("openai").answer_body(text, headers={"content-type": "text/event-stream"})
    endpoint.answer_body(json.dumps({"id": "x"}).encode(), status=201)
    first = post(endpoint, "/v1/chat/completions", {})  # served as a stream though the request asked for JSON
    assert (first.headers["content-type"], first.text) == ("text/event-stream", text)
    second = post(endpoint, "/v1/chat/completions", {})
    assert (second.status_code, second.headers["content-type"], second.json()) == (201, "application/json", {"id": "x"})


def events(prefix: str) -> list[bytes]:
    text = get_provider(prefix).write_stream(WireAnswer.of(CALLS), model="m")
    return [event.encode() + b"\n\n" for event in text.split("\n\n") if event.strip()]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_chunks_are_sent_as_the_client_reads_them(prefix: str) -> None:
    chunks = events(prefix)
    sent: list[int] = []

    def body() -> Iterator[bytes]:
        for number, chunk in enumerate(chunks):
            sent.append(number)
            yield chunk

    endpoint = MockProvider(prefix).answer_chunks(body())
    stream = endpoint.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
    assert dumps([next(stream)]) == dumps(CALLS[:1])
    assert len(sent) < len(chunks)
    assert dumps(stream) == dumps(CALLS[1:])
    assert len(sent) == len(chunks)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_chunks_serve_async_clients_and_are_closed_with_the_response(prefix: str) -> None:
    class Body:
        """Chunks with a close() of their own (a generator's would also run when it is garbage-collected)."""

        closed = False

        def __iter__(self) -> Iterator[bytes]:
            yield from events(prefix)

        def close(self) -> None:
            self.closed = True

    body = Body()
    endpoint = MockProvider(prefix).answer_chunks(body)

    async def first_only() -> BaseModel:
        async with endpoint.client(async_client=True).create(
            messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True
        ) as stream:
            async for value in stream:
                assert isinstance(value, BaseModel)
                return value
        raise AssertionError("no value")

    assert dumps([run(first_only())]) == dumps(CALLS[:1])
    assert body.closed, "leaving the stream early did not close the chunks"


# --- requests nobody answers --------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_request_with_nothing_queued_fails_naming_provider_and_url(prefix: str) -> None:
    endpoint = MockProvider(prefix).answer(*CALLS)
    client = endpoint.client()
    client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)
    # The Anthropic SDK wraps every transport exception in its APIConnectionError, ours included.
    raised = anthropic.APIConnectionError if prefix.startswith("anthropic") else UnexpectedRequestError
    with pytest.raises(raised) as info:
        client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)
    error = info.value if isinstance(info.value, UnexpectedRequestError) else info.value.__cause__
    assert isinstance(error, UnexpectedRequestError)
    assert isinstance(error, AssertionError)
    assert not isinstance(error, harness.HarnessError)
    assert error.provider == prefix
    assert error.request is endpoint.requests[1]
    assert str(error).startswith(f"{prefix}: no answer queued for POST {endpoint.requests[1].url} (request 2;")


def test_repr_shows_what_is_queued_and_seen() -> None:
    endpoint = MockProvider("openai/gpt-4.1").answer(*CALLS).answer_body({}, status=500)
    assert repr(endpoint) == "MockProvider(openai/gpt-4.1: 2 queued, 0 seen)"
    post(endpoint, "/v1/chat/completions", {})
    assert repr(endpoint) == "MockProvider(openai/gpt-4.1: 1 queued, 1 seen)"


# --- import cost --------------------------------------------------------------------------------


def test_importing_harness_testing_imports_no_sdk() -> None:
    code = (
        "import sys, harness.testing\n"
        "roots = {name.partition('.')[0] for name in sys.modules}\n"
        "print(sorted(roots & {'openai', 'anthropic', 'google', 'aiohttp', 'certifi'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_old_is_async_keyword_still_works_with_a_deprecation_warning() -> None:
    endpoint = MockProvider("openai")
    with pytest.warns(DeprecationWarning, match="is_async= is now async_client="):
        client = endpoint.client(is_async=True)
    assert isinstance(client, harness.AsyncParallelToolsClient)
    with pytest.warns(DeprecationWarning):
        sdk = sdk_client("openai", transport=endpoint.transport, is_async=True)
    assert type(sdk).__name__ == "AsyncOpenAI"
