"""Streams never hand back partial data quietly, release their response, and report usage."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from pydantic import BaseModel

import harness
from harness import Usage, WireAnswer, WireCall
from harness.providers import get_provider
from harness.testing import MockProvider
from tests._seed import CALLS, MESSAGES, RESPONSE_MODEL, dumps
from tests._seed import FIRST_PARTY_PREFIXES as PREFIXES

# The event that opens the second call, in each provider's stream as the writers number calls.
SECOND_CALL_OPENS = {
    "openai": '"id":"call_1"',
    "openai-responses": '"type":"response.output_item.added","output_index":1',
    "anthropic": '"type":"content_block_start","index":1',
    "google": "Dallas",
    "vertexai": "Dallas",
}


def events_of(prefix: str, answer: WireAnswer) -> list[str]:
    """The answer's stream as separate SSE events, in order."""
    text = get_provider(prefix).write_stream(answer, model="m")
    return [event + "\n\n" for event in text.split("\n\n") if event.strip()]


def cut_before_second_call(prefix: str) -> str:
    events = events_of(prefix, WireAnswer.of(CALLS))
    index = next(i for i, event in enumerate(events) if SECOND_CALL_OPENS[get_provider(prefix).wire] in event)
    return "".join(events[:index])


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_stream_cut_before_its_end_hands_out_what_was_complete_then_raises(prefix: str) -> None:
    wire = MockProvider(prefix)
    wire.answer_chunks([cut_before_second_call(prefix).encode()])
    stream = wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
    assert dumps([next(stream)]) == dumps(CALLS[:1])
    with pytest.raises(harness.IncompleteResponseError, match="ended before its finish event") as info:
        next(stream)
    assert info.value.finish_reason is None
    assert info.value.calls_seen == 1


@pytest.mark.parametrize("prefix", PREFIXES)
def test_an_async_stream_cut_before_its_end_raises(prefix: str) -> None:
    wire = MockProvider(prefix)
    wire.answer_chunks([cut_before_second_call(prefix).encode()])

    async def consume() -> list[BaseModel]:
        got = []
        with pytest.raises(harness.IncompleteResponseError):
            async for value in wire.client(async_client=True).create(
                messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True
            ):
                got.append(value)
        return got

    assert dumps(asyncio.run(consume())) == dumps(CALLS[:1])


@pytest.mark.parametrize("prefix", ["openai", "openai-responses", "anthropic"])
def test_a_cut_inside_arguments_is_incomplete_not_bad_json(prefix: str) -> None:
    events = events_of(prefix, WireAnswer.of(CALLS))
    opening = next(i for i, event in enumerate(events) if SECOND_CALL_OPENS[get_provider(prefix).wire] in event)
    # The opening of the second call and the first half of its arguments, then nothing.
    wire = MockProvider(prefix)
    wire.answer_chunks(["".join(events[: opening + 2]).encode()])
    with pytest.raises(harness.IncompleteResponseError) as info:
        list(wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True))
    assert info.value.calls_seen == 1


def chat_chunk(delta: dict[str, Any], finish_reason: str | None = None) -> str:
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return f"data: {json.dumps(chunk)}\n\n"


def fragment(index: int, arguments: str, *, name: str | None = None) -> dict[str, Any]:
    piece: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
    if name is not None:
        piece.update(id=f"call_{index}", type="function")
        piece["function"]["name"] = name
    return {"tool_calls": [piece]}


def test_interleaved_chat_deltas_are_assembled_by_index_and_handed_out_when_complete() -> None:
    pieces = [
        fragment(0, "", name="Weather"),
        fragment(1, "", name="Weather"),
        fragment(2, "", name="GoogleSearch"),
        fragment(0, '{"location": "Tor'),
        fragment(2, '{"query": "who won'),
        fragment(1, '{"location": "Dallas", "units": "imperial"}'),  # call 1 completes first
        fragment(0, 'onto", "units": "metric"}'),
        fragment(2, ' the super bowl 2023"}'),
    ]
    chunks = [chat_chunk(p) for p in pieces] + [chat_chunk({}, "tool_calls"), "data: [DONE]\n\n"]
    sent: list[int] = []

    def body() -> Iterator[bytes]:
        for i, chunk in enumerate(chunks):
            sent.append(i)
            yield chunk.encode()

    wire = MockProvider("openai").answer_chunks(body())
    stream = wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
    first = next(stream)
    assert dumps([first]) == dumps(CALLS[1:2])
    assert len(sent) == 6, "call 1 was handed out as soon as its object closed"
    assert dumps([first, *stream]) == dumps([CALLS[1], CALLS[0], CALLS[2]])


def test_interleaved_calls_without_arguments_end_with_the_stream() -> None:
    class Ping(BaseModel):
        pass

    chunks = [chat_chunk(fragment(0, "", name="Ping")), chat_chunk(fragment(1, "", name="Ping"))]
    wire = MockProvider("openai")
    wire.answer_chunks(["".join([*chunks, chat_chunk({}, "tool_calls"), "data: [DONE]\n\n"]).encode()])
    values = list(wire.client().create(messages=MESSAGES, response_model=Iterable[Ping], stream=True))
    assert values == [Ping(), Ping()]


def test_arguments_after_a_closed_object_are_malformed() -> None:
    chunks = [chat_chunk(fragment(0, '{"query": "a"}', name="GoogleSearch")), chat_chunk(fragment(0, '{"x": 1}'))]
    wire = MockProvider("openai")
    wire.answer_chunks(["".join([*chunks, chat_chunk({}, "tool_calls"), "data: [DONE]\n\n"]).encode()])
    stream = wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
    with pytest.raises(harness.MalformedResponseError, match="after its JSON object closed"):
        list(stream)


def test_a_streamed_chat_refusal_is_quoted() -> None:
    chunks = [chat_chunk({"role": "assistant", "refusal": "I can't "}), chat_chunk({"refusal": "help with that."})]
    wire = MockProvider("openai")
    wire.answer_chunks(["".join([*chunks, chat_chunk({}, "stop"), "data: [DONE]\n\n"]).encode()])
    with pytest.raises(harness.NoToolCallsError, match="I can't help with that") as info:
        list(wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True))
    assert info.value.text == "I can't help with that."


def test_a_plain_chat_refusal_is_quoted() -> None:
    body = get_provider("openai").write_response(WireAnswer(), model="m")
    body["choices"][0]["message"]["refusal"] = "I can't help with that."
    wire = MockProvider("openai").answer_body(body)
    with pytest.raises(harness.NoToolCallsError, match="I can't help with that"):
        wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL)


# --- leaving early releases the response -------------------------------------------------------


class TrackedBody:
    """Stream chunks that note whether the response carrying them was closed."""

    def __init__(self, events: list[str]) -> None:
        self.events = events
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for event in self.events:
            yield event.encode()

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize("prefix", PREFIXES)
def test_leaving_a_stream_early_releases_the_response(prefix: str) -> None:
    for leave in ("with", "close"):
        body = TrackedBody(events_of(prefix, WireAnswer.of(CALLS)))
        wire = MockProvider(prefix).answer_chunks(body)
        stream = wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
        if leave == "with":
            with stream as values:
                assert dumps([next(values)]) == dumps(CALLS[:1])
        else:
            assert dumps([next(stream)]) == dumps(CALLS[:1])
            stream.close()
        assert body.closed, f"{leave}: the HTTP response is still open"


@pytest.mark.parametrize("prefix", PREFIXES)
def test_leaving_an_async_stream_early_releases_the_response(prefix: str) -> None:
    body = TrackedBody(events_of(prefix, WireAnswer.of(CALLS)))
    wire = MockProvider(prefix).answer_chunks(body)

    async def first_only() -> BaseModel:
        stream = wire.client(async_client=True).create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
        async with stream as values:
            async for value in values:
                assert isinstance(value, BaseModel)
                return value
        raise AssertionError("no value")

    assert dumps([asyncio.run(first_only())]) == dumps(CALLS[:1])
    assert body.closed


# --- usage --------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_stream_reports_usage_once_complete(prefix: str) -> None:
    wire = MockProvider(prefix).answer(*CALLS, usage=Usage(11, 7, 18))
    stream = wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
    assert stream.usage is None
    assert dumps(stream) == dumps(CALLS)
    assert stream.usage is not None
    assert (stream.usage.input_tokens, stream.usage.output_tokens, stream.usage.total_tokens) == (11, 7, 18)
    assert stream.usage.raw is not None
    if prefix == "openai":
        # Chat Completions streams send usage only when asked: harness asks by default.
        assert wire.bodies[0]["stream_options"] == {"include_usage": True}


def test_the_callers_stream_options_win() -> None:
    wire = MockProvider("openai").answer(*CALLS)
    client = wire.client()
    list(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True, stream_options=None))
    assert wire.bodies[0].get("stream_options") is None


@pytest.mark.parametrize("prefix", PREFIXES)
def test_raw_arguments_and_text_are_written_as_given(prefix: str) -> None:
    """The writers take wire-level content: arguments pydantic rejects reach the client unchanged."""
    answer = WireAnswer(calls=[WireCall("Weather", '{"location": "Oslo", "units": "kelvin"}')], text="Let me see.")
    wire = MockProvider(prefix).answer_wire(answer)
    with pytest.raises(harness.ToolArgumentsError) as info:
        list(wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True))
    raw = info.value.raw_arguments
    assert (json.loads(raw) if isinstance(raw, str) else raw) == {"location": "Oslo", "units": "kelvin"}


# --- the async stream, awaited or not ---------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_an_async_stream_can_be_awaited_first_or_iterated_at_once(prefix: str) -> None:
    wire = MockProvider(prefix).answer(*CALLS).answer(*CALLS)
    client = wire.client(async_client=True)

    async def both() -> tuple[list[Any], list[Any]]:
        stream = await client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
        assert isinstance(stream, harness.AsyncToolCallStream)
        assert len(wire.requests) == 1  # awaiting sent the request, as the SDKs' awaited streams do
        awaited = [value async for value in stream]
        assert stream.usage is not None
        direct = client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
        assert len(wire.requests) == 1  # not awaited: sent on the first value asked for
        return awaited, [value async for value in direct]

    awaited, direct = asyncio.run(both())
    assert dumps(awaited) == dumps(CALLS) and dumps(direct) == dumps(CALLS)
    assert len(wire.requests) == 2
    assert wire.bodies[0] == wire.bodies[1]


@pytest.mark.parametrize("prefix", ["openai", "anthropic", "google"])
def test_awaiting_an_async_stream_raises_the_sdks_http_error_there(prefix: str) -> None:
    wire = MockProvider(prefix).answer_body({"error": {"message": "slow down"}}, status=429)
    expected: type[Exception]
    if prefix == "google":
        from google.genai.errors import ClientError

        expected = ClientError
    else:
        expected = __import__(prefix).RateLimitError

    async def awaited() -> None:
        stream = wire.client(async_client=True).create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
        with pytest.raises(expected):
            await stream  # before any value is asked for, as with the SDK's own awaited stream

    asyncio.run(awaited())
    assert len(wire.requests) == 1


@pytest.mark.parametrize("prefix", PREFIXES)
def test_an_awaited_stream_closed_unread_releases_the_response(prefix: str) -> None:
    body = TrackedBody(events_of(prefix, WireAnswer.of(CALLS)))
    wire = MockProvider(prefix).answer_chunks(body)

    async def awaited_then_left() -> None:
        client = wire.client(async_client=True)
        async with await client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True):
            pass

    asyncio.run(awaited_then_left())
    assert len(wire.requests) == 1 and body.closed
