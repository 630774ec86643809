"""The OpenAI-compatible servers (Groq, OpenRouter, DeepSeek, xAI, Mistral, Together, Ollama, vLLM).

Every answer here is written the way the server sends it (field order, extra fields, the fields it
leaves out), served over ``httpx2.MockTransport`` to the real ``openai`` SDK, and read through
``harness.from_provider``. Keys in this file are test fixtures, not key-shaped on purpose.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from typing import Any, Union

import httpx2
import openai
import pytest
from pydantic import BaseModel

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
