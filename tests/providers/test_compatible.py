"""The OpenAI-compatible servers (Groq, OpenRouter, DeepSeek, xAI, Mistral, Together, Ollama, vLLM).

Every answer here is written the way the server sends it (field order, extra fields, the fields it
leaves out), served over ``httpx2.MockTransport`` to the real ``openai`` SDK, and read through
``harness.from_provider``. Keys in this file are test fixtures, not key-shaped on purpose.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from typing import Any, Union

import httpx2
import openai
import pytest
from pydantic import BaseModel
from pydantic import Field as pydantic_field

import harness


class GetTime(BaseModel):
    """The current time (a tool that takes no arguments)."""


class PaymentStatus(BaseModel):
    """The status of a payment."""

    transaction_id: str


TOOLS = Iterable[Union[GetTime, PaymentStatus]]  # noqa: UP007 (harness reads the Union as the tool list)
MESSAGES = [{"role": "user", "content": "What is the status of T1001, and what time is it?"}]


class Server:
    """A mock server answering each request with the next body; keeps the requests."""

    def __init__(self, *answers: dict[str, Any] | list[dict[str, Any]] | tuple[int, dict[str, Any]]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, tuple):
            return httpx2.Response(answer[0], json=answer[1])
        if isinstance(answer, list):  # stream events
            text = "".join(f"data: {json.dumps(event)}\n\n" for event in answer) + "data: [DONE]\n\n"
            return httpx2.Response(200, text=text, headers={"content-type": "text/event-stream"})
        return httpx2.Response(200, json=answer)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]


def sync_openai(server: Server, base_url: str = "https://api.example.test/v1") -> openai.OpenAI:
    http = httpx2.Client(transport=httpx2.MockTransport(server))
    return openai.OpenAI(api_key="test-fixture-key", base_url=base_url, http_client=http, max_retries=0)


def async_openai(server: Server, base_url: str = "https://api.example.test/v1") -> openai.AsyncOpenAI:
    http = httpx2.AsyncClient(transport=httpx2.MockTransport(server))
    return openai.AsyncOpenAI(api_key="test-fixture-key", base_url=base_url, http_client=http, max_retries=0)


def run_both(spec: str, make_server: Callable[[], Server], *, stream: bool, **kwargs: Any) -> list[list[Any]]:
    """The calls read by the sync and the async client, each from a fresh server."""
    sync = harness.from_provider(spec, client=sync_openai(make_server(), **kwargs))
    plain = sync.create(messages=MESSAGES, response_model=TOOLS, stream=stream)
    first = list(plain)

    async def read() -> list[Any]:
        client = harness.from_provider(spec, client=async_openai(make_server(), **kwargs))
        if stream:
            return [value async for value in client.create(messages=MESSAGES, response_model=TOOLS, stream=True)]
        return list(await client.create(messages=MESSAGES, response_model=TOOLS))

    return [first, asyncio.run(read())]


# --- recorded shapes -----------------------------------------------------------------------------

#: Mistral's answer: its calls have no "type" (https://docs.mistral.ai/capabilities/function_calling/).
MISTRAL_ANSWER = {
    "id": "cmpl-e5cc70bb28c444948073e77776eb30ef",
    "object": "chat.completion",
    "created": 1732000000,
    "model": "mistral-large-latest",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": "D681PevKs",
                        "function": {"name": "PaymentStatus", "arguments": '{"transaction_id": "T1001"}'},
                    },
                    {"id": "q8Zr2LmXa", "function": {"name": "GetTime", "arguments": "{}"}},
                ],
                "prefix": False,
            },
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {"prompt_tokens": 123, "total_tokens": 150, "completion_tokens": 27},
}


def mistral_events() -> list[dict[str, Any]]:
    """Mistral's stream: every call whole in the last chunk, with the finish reason, and no "type"."""
    head = {"id": "d7a1bd5e6f1c4f5c9b1d", "object": "chat.completion.chunk", "created": 1732000000}
    head["model"] = "mistral-large-latest"
    calls = MISTRAL_ANSWER["choices"][0]["message"]["tool_calls"]  # type: ignore[index]
    return [
        {**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]},
        {
            **head,
            "choices": [
                {
                    "index": 0,
                    "delta": {"content": "", "tool_calls": [{**call, "index": i} for i, call in enumerate(calls)]},
                    "finish_reason": "tool_calls",
                }
            ],
            "usage": {"prompt_tokens": 123, "total_tokens": 150, "completion_tokens": 27},
        },
    ]


#: OpenRouter's answer: a call to a tool that takes no arguments has no "arguments" at all.
OPENROUTER_ANSWER = {
    "id": "gen-1732000000-AbCdEfGhIjKlMnOp",
    "provider": "Anthropic",
    "model": "anthropic/claude-sonnet-4.5",
    "object": "chat.completion",
    "created": 1732000000,
    "choices": [
        {
            "logprobs": None,
            "finish_reason": "tool_calls",
            "native_finish_reason": "tool_use",
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "",
                "refusal": None,
                "reasoning": None,
                "tool_calls": [
                    {"id": "toolu_vrtx_01Lq", "index": 0, "type": "function", "function": {"name": "GetTime"}},
                    {
                        "id": "toolu_vrtx_02Mr",
                        "index": 1,
                        "type": "function",
                        "function": {"name": "PaymentStatus", "arguments": '{"transaction_id":"T1001"}'},
                    },
                ],
            },
        }
    ],
    "usage": {"prompt_tokens": 610, "completion_tokens": 71, "total_tokens": 681},
}


def openrouter_events() -> list[dict[str, Any]]:
    """OpenRouter's stream: the first call's fragments never carry "arguments"."""
    head: dict[str, Any] = {
        "id": "gen-1732000000-AbCdEfGhIjKlMnOp",
        "provider": "Anthropic",
        "model": "anthropic/claude-sonnet-4.5",
    }
    head |= {"object": "chat.completion.chunk", "created": 1732000000}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "native_finish_reason": finish, "logprobs": None}
        return {**head, "choices": [choice]}

    def fragment(index: int, **fields: Any) -> dict[str, Any]:
        return {"tool_calls": [{"index": index, **fields}], "role": "assistant", "content": ""}

    return [
        chunk({"role": "assistant", "content": ""}),
        chunk(fragment(0, id="toolu_vrtx_01Lq", type="function", function={"name": "GetTime"})),
        chunk(fragment(1, id="toolu_vrtx_02Mr", type="function", function={"name": "PaymentStatus", "arguments": ""})),
        chunk(fragment(1, function={"arguments": '{"transaction_'}) | {"role": "assistant"}),
        chunk(fragment(1, function={"arguments": 'id":"T1001"}'})),
        chunk({"role": "assistant", "content": ""}, "tool_calls"),
        {**head, "choices": [], "usage": {"prompt_tokens": 610, "completion_tokens": 71, "total_tokens": 681}},
    ]


# --- step 1: the readers, through openai/<model> with a base URL --------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_mistral_calls_without_type_are_read(stream: bool) -> None:
    def server() -> Server:
        return Server(mistral_events() if stream else MISTRAL_ANSWER)

    for calls in run_both("openai/mistral-large-latest", server, stream=stream, base_url="https://api.mistral.ai/v1"):
        assert calls == [PaymentStatus(transaction_id="T1001"), GetTime()]


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_openrouter_call_without_arguments_reads_as_empty_object(stream: bool) -> None:
    def server() -> Server:
        return Server(openrouter_events() if stream else OPENROUTER_ANSWER)

    spec = "openai/anthropic/claude-sonnet-4.5"
    # A stream hands out each call when its arguments close: the one without arguments closes at the end.
    expected = (
        [PaymentStatus(transaction_id="T1001"), GetTime()]
        if stream
        else [GetTime(), PaymentStatus(transaction_id="T1001")]
    )
    for calls in run_both(spec, server, stream=stream, base_url="https://openrouter.ai/api/v1"):
        assert calls == expected


def test_a_call_of_another_type_is_still_skipped() -> None:
    answer = json.loads(json.dumps(MISTRAL_ANSWER))
    answer["choices"][0]["message"]["tool_calls"][0]["type"] = "custom"
    client = harness.from_provider("openai/m", client=sync_openai(Server(answer)))
    assert client.create(messages=MESSAGES, response_model=TOOLS) == [GetTime()]


# --- steps 2 and 3: every server through its own spec --------------------------------------------

#: prefix -> (key variable or None, base URL variable, documented default base URL). Written out here
#: again on purpose: the profile table is checked against the providers' documentation, not itself.
SERVERS = {
    "groq": ("GROQ_API_KEY", "GROQ_BASE_URL", "https://api.groq.com/openai/v1"),
    "openrouter": ("OPENROUTER_API_KEY", "OPENROUTER_BASE_URL", "https://openrouter.ai/api/v1"),
    "deepseek": ("DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", "https://api.deepseek.com"),
    "xai": ("XAI_API_KEY", "XAI_BASE_URL", "https://api.x.ai/v1"),
    "mistral": ("MISTRAL_API_KEY", "MISTRAL_BASE_URL", "https://api.mistral.ai/v1"),
    "together": ("TOGETHER_API_KEY", "TOGETHER_BASE_URL", "https://api.together.xyz/v1"),
    "ollama": (None, "OLLAMA_BASE_URL", "http://localhost:11434/v1"),
    "vllm": ("VLLM_API_KEY", "VLLM_BASE_URL", "http://localhost:8000/v1"),
}
MODELS = {"openrouter": "anthropic/claude-sonnet-4.5", "together": "meta-llama/Llama-3.3-70B-Instruct-Turbo"}


def test_every_server_is_a_spec_prefix_and_the_report_keeps_its_columns() -> None:
    from harness.conformance import PLAIN_PROVIDERS, PROVIDERS
    from harness.conformance._run import ALL_PROVIDERS, expand_providers

    assert set(SERVERS) <= set(harness.PREFIXES)
    assert harness.PREFIXES[:5] == ("openai", "openai-responses", "anthropic", "google", "vertexai")
    assert PROVIDERS == (
        "openai",
        "openai+strict",
        "openai-responses",
        "openai-responses+strict",
        "anthropic",
        "anthropic+strict",
        "google",
        "vertexai",
    )
    assert PLAIN_PROVIDERS == ("openai", "openai-responses", "anthropic", "google", "vertexai")
    assert {*SERVERS, "deepseek+strict"} <= set(ALL_PROVIDERS)
    assert expand_providers(["groq", "all"])[:2] == ["groq", "openai"]
    assert len(expand_providers(["all"])) == len(ALL_PROVIDERS)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key, base, _ in SERVERS.values():
        monkeypatch.delenv(base, raising=False)
        if key:
            monkeypatch.delenv(key, raising=False)
    # A key for OpenAI's own API must never be what a compatible server receives.
    monkeypatch.setenv("OPENAI_API_KEY", "openai-key-not-for-others")
    return monkeypatch


def _answer(prefix: str, stream: bool) -> Any:
    provider = harness.providers.get_provider(prefix)
    written = harness.WireAnswer.of([PaymentStatus(transaction_id="T1001"), GetTime()])
    model = MODELS.get(prefix, "m")
    return provider.write_events(written, model=model) if stream else provider.write_response(written, model=model)


def _through_env(prefix: str, server: Server, *, is_async: bool, stream: bool, **kwargs: Any) -> list[Any]:
    """``from_provider(prefix/model)`` building its own client, the transport put in via ``http_client``."""
    transport = httpx2.MockTransport(server)
    spec = f"{prefix}/{MODELS.get(prefix, 'm')}"
    if not is_async:
        sync = harness.from_provider(spec, http_client=httpx2.Client(transport=transport), max_retries=0, **kwargs)
        return list(sync.create(messages=MESSAGES, response_model=TOOLS, stream=stream))
    http = httpx2.AsyncClient(transport=transport)
    client = harness.from_provider(spec, async_client=True, http_client=http, max_retries=0, **kwargs)

    async def read() -> list[Any]:
        if stream:
            return [v async for v in client.create(messages=MESSAGES, response_model=TOOLS, stream=True)]
        return list(await client.create(messages=MESSAGES, response_model=TOOLS))

    return asyncio.run(read())


@pytest.mark.parametrize("prefix", list(SERVERS))
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_server_from_the_environment(prefix: str, is_async: bool, stream: bool, clean_env: Any) -> None:
    key_variable, _, default_url = SERVERS[prefix]
    if key_variable:
        clean_env.setenv(key_variable, f"{prefix}-test-fixture")
    server = Server(_answer(prefix, stream))
    calls = _through_env(prefix, server, is_async=is_async, stream=stream)
    assert calls == [PaymentStatus(transaction_id="T1001"), GetTime()]
    (request,) = server.requests
    assert str(request.url) == default_url + "/chat/completions"
    expected_key = f"{prefix}-test-fixture" if key_variable else "ollama"
    assert request.headers["authorization"] == f"Bearer {expected_key}"
    body = json.loads(request.content)
    # The model name is everything after the first "/", slashes and all.
    assert body["model"] == MODELS.get(prefix, "m")
    assert body["stream"] is stream


@pytest.mark.parametrize("prefix", list(SERVERS))
def test_the_base_url_variable_wins_over_the_default(prefix: str, clean_env: Any) -> None:
    key_variable, base_variable, _ = SERVERS[prefix]
    if key_variable:
        clean_env.setenv(key_variable, "fixture")
    clean_env.setenv(base_variable, "http://127.0.0.1:9/proxy/v1")
    server = Server(_answer(prefix, False))
    _through_env(prefix, server, is_async=False, stream=False)
    assert str(server.requests[0].url) == "http://127.0.0.1:9/proxy/v1/chat/completions"


@pytest.mark.parametrize("prefix", [p for p, (key, _, _) in SERVERS.items() if key and p != "vllm"])
def test_a_missing_key_names_its_variable(prefix: str, clean_env: Any) -> None:
    with pytest.raises(harness.HarnessError, match=SERVERS[prefix][0]) as raised:
        harness.from_provider(f"{prefix}/m")
    assert isinstance(raised.value, harness.errors.MissingKeyError)
    assert raised.value.variable == SERVERS[prefix][0]


def test_vllm_sends_its_key_when_set_and_a_placeholder_otherwise(clean_env: Any) -> None:
    server = Server(_answer("vllm", False), _answer("vllm", False))
    _through_env("vllm", server, is_async=False, stream=False)
    clean_env.setenv("VLLM_API_KEY", "vllm-fixture")
    _through_env("vllm", server, is_async=False, stream=False)
    assert [r.headers["authorization"] for r in server.requests] == ["Bearer EMPTY", "Bearer vllm-fixture"]


@pytest.mark.parametrize("prefix", list(SERVERS))
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_server_with_a_client_of_ones_own(prefix: str, stream: bool) -> None:
    def server() -> Server:
        return Server(_answer(prefix, stream))

    for calls in run_both(f"{prefix}/{MODELS.get(prefix, 'm')}", server, stream=stream):
        assert calls == [PaymentStatus(transaction_id="T1001"), GetTime()]


def test_deepseek_strict_uses_the_beta_url_and_refuses_a_client_outside_it(clean_env: Any) -> None:
    clean_env.setenv("DEEPSEEK_API_KEY", "fixture")
    server = Server(_answer("deepseek", False))
    _through_env("deepseek", server, is_async=False, stream=False, strict=True)
    assert str(server.requests[0].url) == "https://api.deepseek.com/beta/chat/completions"
    (tool, _) = json.loads(server.requests[0].content)["tools"]
    assert tool["function"]["strict"] is True
    with pytest.raises(harness.errors.StrictModeError, match="/beta"):
        harness.from_provider("deepseek/deepseek-chat", client=sync_openai(Server()), strict=True)
    beta = sync_openai(Server(), base_url="https://api.deepseek.com/beta")
    harness.from_provider("deepseek/deepseek-chat", client=beta, strict=True)
    with pytest.raises(TypeError, match="no strict tool mode"):
        harness.from_provider("groq/m", client=sync_openai(Server()), strict=True)


def test_deepseek_strict_keeps_only_its_string_formats() -> None:
    class Contact(BaseModel):
        email: str = pydantic_field(json_schema_extra={"format": "email"})
        when: str = pydantic_field(json_schema_extra={"format": "date-time"})

    client = sync_openai(server := Server(_answer("deepseek", False)), base_url="https://api.deepseek.com/beta")
    with pytest.raises(harness.HarnessError):  # the answer's calls are not Contacts: only the request matters
        harness.from_provider("deepseek/m", client=client, strict=True).create(
            messages=MESSAGES, response_model=Iterable[Contact]
        )
    properties = json.loads(server.requests[0].content)["tools"][0]["function"]["parameters"]["properties"]
    assert properties["email"]["format"] == "email"
    assert "format" not in properties["when"]


def test_mistral_ids_written_back_are_nine_alphanumerics() -> None:
    answer = json.loads(json.dumps(MISTRAL_ANSWER))
    answer["choices"][0]["message"]["tool_calls"][1]["id"] = "call_not-nine"  # as a cassette of another server
    client = harness.from_provider("mistral/mistral-large-latest", client=sync_openai(Server(answer)))
    response = client.create_with_response(messages=MESSAGES, response_model=TOOLS)
    messages = response.tool_result_messages(["paid", "12:00"])
    ids = [call["id"] for call in messages[0]["tool_calls"]]
    assert ids[0] == "D681PevKs"
    assert re.fullmatch("[A-Za-z0-9]{9}", ids[1])
    assert [m["tool_call_id"] for m in messages[1:]] == ids
    # The emulator's own Mistral ids follow the rule too.
    written = harness.providers.get_provider("mistral").write_response(harness.WireAnswer.of([GetTime()]), model="m")
    assert re.fullmatch("[A-Za-z0-9]{9}", written["choices"][0]["message"]["tool_calls"][0]["id"])


# --- step 4: Groq's own check of the call, and the stream shapes -------------------------------

GROQ_GENERATION = '<function=PaymentStatus{"transaction_id": 1001}</function>'
GROQ_FAILED = {
    "error": {
        "message": "Failed to call a function. Please adjust your prompt. See 'failed_generation' for more details.",
        "type": "invalid_request_error",
        "code": "tool_use_failed",
        "failed_generation": GROQ_GENERATION,
    }
}


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_groq_tool_use_failed_is_a_typed_error_quoting_the_generation(stream: bool, is_async: bool) -> None:
    server = Server((400, GROQ_FAILED))
    with pytest.raises(harness.errors.ToolUseFailedError) as raised:
        if is_async:
            client = harness.from_provider("groq/llama-3.3-70b-versatile", client=async_openai(server))

            async def read() -> None:
                if stream:
                    [v async for v in client.create(messages=MESSAGES, response_model=TOOLS, stream=True)]
                else:
                    await client.create(messages=MESSAGES, response_model=TOOLS)

            asyncio.run(read())
        else:
            sync = harness.from_provider("groq/llama-3.3-70b-versatile", client=sync_openai(server))
            list(sync.create(messages=MESSAGES, response_model=TOOLS, stream=stream))
    error = raised.value
    assert isinstance(error, harness.ProviderError)
    assert error.failed_generation == GROQ_GENERATION
    assert GROQ_GENERATION in str(error)
    assert isinstance(error.__cause__, openai.BadRequestError)


def test_groq_tool_use_failed_as_an_error_event_in_the_stream() -> None:
    head = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "llama-3.3-70b-versatile"}
    events = [
        {**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": None}, "finish_reason": None}]}
    ]
    server = Server([*events, GROQ_FAILED])
    client = harness.from_provider("groq/llama-3.3-70b-versatile", client=sync_openai(server))
    with pytest.raises(harness.errors.ToolUseFailedError, match="transaction_id"):
        list(client.create(messages=MESSAGES, response_model=TOOLS, stream=True))


def test_another_400_from_groq_and_tool_use_failed_from_openai_stay_the_sdks_errors() -> None:
    other = {"error": {"message": "model not found", "type": "invalid_request_error", "code": "model_not_found"}}
    with pytest.raises(openai.BadRequestError):
        harness.from_provider("groq/m", client=sync_openai(Server((400, other)))).create(
            messages=MESSAGES, response_model=TOOLS
        )
    with pytest.raises(openai.BadRequestError):  # only servers whose profile says so
        harness.from_provider("openai/m", client=sync_openai(Server((400, GROQ_FAILED)))).create(
            messages=MESSAGES, response_model=TOOLS
        )


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    head = {"id": "chatcmpl-7", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    return {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def test_vllm_two_fragments_of_one_index_in_one_chunk() -> None:
    opening = {"index": 0, "id": "chatcmpl-tool-1a2b", "type": "function", "function": {"name": "PaymentStatus"}}
    events = [
        _chunk({"role": "assistant", "content": ""}),
        _chunk({"tool_calls": [opening, {"index": 0, "function": {"arguments": '{"transaction_id": '}}]}),
        _chunk(
            {
                "tool_calls": [
                    {"index": 0, "function": {"arguments": '"T1001"}'}},
                    {"index": 1, "id": "t2", "type": "function", "function": {"name": "GetTime", "arguments": "{}"}},
                ]
            }
        ),
        _chunk({}, "tool_calls"),
    ]
    for calls in run_both("vllm/Qwen/Qwen3-8B", lambda: Server(events), stream=True):
        assert calls == [PaymentStatus(transaction_id="T1001"), GetTime()]


def test_groq_whole_calls_in_one_chunk() -> None:
    calls = [
        {
            "id": "call_8x2k",
            "type": "function",
            "function": {"name": "PaymentStatus", "arguments": '{"transaction_id":"T1001"}'},
            "index": 0,
        },
        {"id": "call_9y3m", "type": "function", "function": {"name": "GetTime", "arguments": "{}"}, "index": 1},
    ]
    events = [
        _chunk({"role": "assistant", "content": None}),
        _chunk({"tool_calls": calls}),
        {
            **_chunk({}, "tool_calls"),
            "x_groq": {"id": "req_01", "usage": {"prompt_tokens": 300, "completion_tokens": 40, "total_tokens": 340}},
        },
    ]
    for read in run_both("groq/llama-3.3-70b-versatile", lambda: Server(events), stream=True):
        assert read == [PaymentStatus(transaction_id="T1001"), GetTime()]


@pytest.mark.parametrize("prefix", ["groq", "mistral", "vllm"])
def test_the_writer_writes_each_servers_stream_shape(prefix: str) -> None:
    events = _answer(prefix, True)
    fragments = [e["choices"][0]["delta"].get("tool_calls") for e in events if e["choices"]]
    fragments = [f for f in fragments if f]
    if prefix in ("groq", "mistral"):
        assert [len(f) for f in fragments] == [1, 1]
        assert all(json.loads(f[0]["function"]["arguments"]) is not None for f in fragments)
    else:
        assert [f["index"] for f in fragments[0]] == [0, 0]


# --- step 5: recording ---------------------------------------------------------------------------


def _key_shaped(prefix: str, alphabet: str, length: int, seed: str) -> str:
    """A test fixture in a key's shape, made at run time (no key-shaped literal lives in this file)."""
    digest = hashlib.sha256(seed.encode()).digest() * 4
    return prefix + "".join(alphabet[byte % len(alphabet)] for byte in digest[:length])


_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SHAPES = {
    "groq-key": _key_shaped("gsk_", _ALNUM, 52, "groq"),
    "openrouter-key": _key_shaped("sk-or-v1-", "0123456789abcdef", 64, "openrouter"),
    "xai-key": _key_shaped("xai-", _ALNUM, 80, "xai"),
    "together-key": _key_shaped("tgp_v1_", _ALNUM, 43, "together"),
}


@pytest.mark.parametrize("kind", list(SHAPES))
def test_scan_knows_the_servers_key_shapes(kind: str) -> None:
    from harness.recording._scan import scan_text

    key = SHAPES[kind]
    findings = scan_text(f'{{"content": "my key is {key} ok"}}')
    assert [f.kind for f in findings] == [kind]
    assert key not in findings[0].excerpt
    prefix = {"groq-key": "gsk_", "openrouter-key": "sk-or-v1-", "xai-key": "xai-", "together-key": "tgp_v1_"}[kind]
    assert scan_text(prefix + "a" * 64) == []  # too uniform to be a key: a placeholder


@pytest.mark.parametrize("prefix", [p for p, (key, _, _) in SERVERS.items() if key])
def test_the_servers_key_variables_are_redacted_by_default(prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.recording._redact import KEY_VARIABLES, redact_interaction, secret_values

    variable = SERVERS[prefix][0]
    assert variable in KEY_VARIABLES
    secret = _key_shaped("", _ALNUM, 32, prefix)
    monkeypatch.setenv(variable, secret)
    recorded = {
        "request": {
            "method": "POST",
            "uri": f"https://api.example.test/v1/chat/completions?echo={secret}",
            "body": json.dumps({"messages": [{"role": "user", "content": f"the key {secret}"}]}),
            "headers": {"authorization": [f"Bearer {secret}"]},
        },
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": b"{}"}},
    }
    cleaned = redact_interaction(recorded, secret_values())
    assert secret not in json.dumps(cleaned, default=str)


# --- step 6: the conformance columns, when asked for ---------------------------------------------


def test_the_servers_conformance_columns_run_when_asked_for() -> None:
    from harness.conformance import run

    report = run(providers=["groq", "deepseek", "deepseek+strict"], features=["strings", "date"], examples=2, jobs=1)
    outcomes = {(r.provider, r.feature): r.outcome for r in report.results}
    assert set(outcomes) == {(p, f) for p in ("groq", "deepseek", "deepseek+strict") for f in ("strings", "date")}
    assert outcomes[("groq", "date")] == "pass"
    # DeepSeek's strict mode keeps no date format: the loss is registered with its source.
    (lossy,) = [r for r in report.results if r.provider == "deepseek+strict" and r.feature == "date"]
    assert lossy.outcome == "lossy"
    assert lossy.sources == [harness.providers._compatible.PROFILES["deepseek"].sources["strict"]]
