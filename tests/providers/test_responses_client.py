"""OpenAI Responses through the real SDK: failures, refusals, aliased fields, images, cut streams, usage."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pydantic import BaseModel

import harness
from harness.providers import get_provider
from harness.providers._base import Usage, WireAnswer, sse
from harness.testing import MockProvider
from tests._seed import CALLS, PNG, RESPONSE_MODEL, USER, Weather, dumps

SERVER_ERROR = {"code": "server_error", "message": "The server had an error while processing your request."}
REFUSAL = "I'm sorry, I can't help with that."


def provider() -> Any:
    return get_provider("openai-responses")


def body_of(answer: WireAnswer) -> dict[str, Any]:
    result: dict[str, Any] = provider().write_response(answer, model="m")
    return result


def events_of(answer: WireAnswer) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = provider().write_events(answer, model="m")
    return result


def stream_of(events: list[dict[str, Any]]) -> MockProvider:
    """A wire serving ``events`` as one stream, numbered in order as the API numbers them."""
    for number, event in enumerate(events):
        event["sequence_number"] = number
    wire = MockProvider("openai-responses")
    wire.answer_chunks([sse(events, named=True).encode()])
    return wire


def through(events: list[dict[str, Any]], kind: str, output_index: int) -> list[dict[str, Any]]:
    """The events up to and including the first of type ``kind`` for output item ``output_index``."""
    end = next(i for i, e in enumerate(events) if e["type"] == kind and e.get("output_index") == output_index)
    return events[: end + 1]


def consume(wire: MockProvider) -> tuple[list[BaseModel], BaseException]:
    """The values a stream handed out before it raised, and what it raised."""
    got: list[BaseModel] = []
    with pytest.raises(harness.HarnessError) as info:
        for value in wire.client().create(messages=[USER], response_model=RESPONSE_MODEL, stream=True):
            got.append(value)
    return got, info.value


# --- failed responses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error", "quoted"),
    [
        ("failed", SERVER_ERROR, r"'failed': The server had an error .*\(code 'server_error'\)"),
        ("failed", {"code": "rate_limit_exceeded", "message": "Slow down."}, r"Slow down\. \(code 'rate_limit_ex"),
        ("cancelled", None, r"'cancelled' \(it gave no error\)"),
    ],
)
def test_a_failed_or_cancelled_response_is_a_provider_error(
    status: str, error: dict[str, Any] | None, quoted: str
) -> None:
    body = body_of(WireAnswer())
    body.update(status=status, error=error)
    wire = MockProvider("openai-responses").answer_body(body)
    with pytest.raises(harness.ProviderError, match=quoted) as info:
        wire.client().create(messages=[USER], response_model=RESPONSE_MODEL, max_retries=2)
    assert (info.value.provider, info.value.status) == ("openai-responses", status)
    assert len(wire.requests) == 1  # a failure is not re-asked


def test_a_failed_response_is_a_failure_even_with_calls_in_its_output() -> None:
    body = body_of(WireAnswer.of(CALLS))
    body.update(status="failed", error=SERVER_ERROR)
    wire = MockProvider("openai-responses").answer_body(body)
    with pytest.raises(harness.ProviderError, match="server_error"):
        wire.client().create(messages=[USER], response_model=RESPONSE_MODEL)


def error_event(code: str | None, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, "param": None}


def test_an_error_event_before_any_call_is_a_provider_error() -> None:
    events = [events_of(WireAnswer())[0], error_event("rate_limit_exceeded", "Rate limit reached for requests")]
    got, error = consume(stream_of(events))
    assert got == []
    assert isinstance(error, harness.ProviderError)
    assert error.status == "error"
    assert "Rate limit reached for requests (code 'rate_limit_exceeded')" in str(error)


def test_an_error_event_after_a_call_hands_out_the_call_then_raises() -> None:
    events = through(events_of(WireAnswer.of(CALLS)), "response.output_item.done", 0)
    got, error = consume(stream_of([*events, error_event(None, "An error occurred while streaming.")]))
    assert dumps(got) == dumps(CALLS[:1])
    assert isinstance(error, harness.ProviderError)
    assert "An error occurred while streaming." in str(error)


def test_a_stream_ending_in_response_failed_is_a_provider_error() -> None:
    opening, *_ = events_of(WireAnswer())
    failed = {**body_of(WireAnswer()), "status": "failed", "error": SERVER_ERROR}
    in_progress = {"type": "response.in_progress", "response": opening["response"]}
    got, error = consume(stream_of([opening, in_progress, {"type": "response.failed", "response": failed}]))
    assert got == []
    assert isinstance(error, harness.ProviderError)
    assert error.status == "failed"
    assert "The server had an error while processing your request. (code 'server_error')" in str(error)


def test_an_async_stream_ending_in_response_failed_is_a_provider_error() -> None:
    opening = events_of(WireAnswer())[0]
    failed = {**body_of(WireAnswer()), "status": "failed", "error": SERVER_ERROR}
    wire = stream_of([opening, {"type": "response.failed", "response": failed}])

    async def run() -> None:
        async for _ in wire.client(async_client=True).create(
            messages=[USER], response_model=RESPONSE_MODEL, stream=True
        ):
            pass

    with pytest.raises(harness.ProviderError, match="server_error"):
        asyncio.run(run())


# --- refusals ----------------------------------------------------------------------------------

REFUSING_MESSAGE = {
    "type": "message",
    "id": "msg_1",
    "role": "assistant",
    "status": "completed",
    "content": [{"type": "refusal", "refusal": REFUSAL}],
}


def test_a_refusal_is_quoted_in_no_tool_calls_error() -> None:
    body = body_of(WireAnswer())
    body["output"] = [REFUSING_MESSAGE]
    wire = MockProvider("openai-responses").answer_body(body)
    with pytest.raises(harness.NoToolCallsError, match="I can't help with that") as info:
        wire.client().create(messages=[USER], response_model=RESPONSE_MODEL)
    assert info.value.text == REFUSAL


def test_a_streamed_refusal_is_quoted_in_no_tool_calls_error() -> None:
    opening, completed = events_of(WireAnswer())
    completed["response"]["output"] = [REFUSING_MESSAGE]
    where = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
    events = [
        opening,
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**REFUSING_MESSAGE, "status": "in_progress", "content": []},
        },
        {"type": "response.content_part.added", **where, "part": {"type": "refusal", "refusal": ""}},
        {"type": "response.refusal.delta", **where, "delta": REFUSAL[:10]},
        {"type": "response.refusal.delta", **where, "delta": REFUSAL[10:]},
        {"type": "response.refusal.done", **where, "refusal": REFUSAL},
        {"type": "response.content_part.done", **where, "part": {"type": "refusal", "refusal": REFUSAL}},
        {"type": "response.output_item.done", "output_index": 0, "item": REFUSING_MESSAGE},
        completed,
    ]
    got, error = consume(stream_of(events))
    assert got == []
    assert isinstance(error, harness.NoToolCallsError)
    assert error.text == REFUSAL
    assert "I can't help with that" in str(error)


# --- what is sent back -------------------------------------------------------------------------


def with_async_field(answer: WireAnswer) -> dict[str, Any]:
    """The answer with ``async`` on every call: the SDK reads it into ``async_``, the API's name is ``async``."""
    body = body_of(answer)
    for i, item in enumerate(body["output"]):
        item["async"] = i % 2 == 0
    return body


def function_calls(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in body["input"] if item.get("type") == "function_call"]


def test_items_sent_back_use_the_apis_field_names() -> None:
    body = with_async_field(WireAnswer.of(CALLS))
    wire = MockProvider("openai-responses").answer_body(body).answer(*CALLS[:1])
    client = wire.client()
    response = client.create_with_response(messages=[USER], response_model=RESPONSE_MODEL)
    assert [call.raw.id for call in response.calls] == ["call_00", "call_01", "call_02"]
    history = [USER, *response.tool_result_messages(["12C", "30F", "Kansas City"])]
    client.create(messages=history, response_model=RESPONSE_MODEL)
    assert function_calls(wire.bodies[1]) == body["output"]
    assert "async_" not in json.dumps(wire.bodies[1])


def test_a_reask_sends_items_back_with_the_apis_field_names() -> None:
    bad = Weather.model_construct(location="Dallas", units="kelvin")
    first = with_async_field(WireAnswer.of([CALLS[0], bad, CALLS[2]]))
    wire = MockProvider("openai-responses").answer_body(first).answer(*CALLS)
    values = wire.client().create(messages=[USER], response_model=RESPONSE_MODEL, max_retries=1)
    assert dumps(values) == dumps(CALLS)
    assert function_calls(wire.bodies[1]) == first["output"]
    assert [item["async"] for item in function_calls(wire.bodies[1])] == [True, False, True]
    assert "async_" not in json.dumps(wire.bodies[1])


# --- images in chat-shaped history -------------------------------------------------------------


def sent(messages: list[Any]) -> list[Any]:
    wire = MockProvider("openai-responses").answer(*CALLS)
    wire.client().create(messages=messages, response_model=RESPONSE_MODEL)
    items: list[Any] = wire.bodies[0]["input"]
    return items


def test_chat_image_parts_become_input_image_parts() -> None:
    content = [
        {"type": "text", "text": "What city is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/skyline.jpg", "detail": "high"}},
        {"type": "text", "text": "And this one?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
    ]
    assert sent([{"role": "user", "content": content}]) == [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "What city is this?"},
                {"type": "input_image", "image_url": "https://example.com/skyline.jpg", "detail": "high"},
                {"type": "input_text", "text": "And this one?"},
                {"type": "input_image", "image_url": f"data:image/png;base64,{PNG}", "detail": "auto"},
            ],
        }
    ]


def test_responses_native_content_passes_through_unchanged() -> None:
    native = {
        "role": "user",
        "content": [
            {"type": "input_text", "text": "What city is this?"},
            {"type": "input_image", "image_url": "https://example.com/skyline.jpg", "detail": "low"},
        ],
    }
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Thanks."}]}
    assert sent([native, item]) == [native, item]


def test_an_image_in_an_assistant_turn_is_refused_naming_the_message() -> None:
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    wire = MockProvider("openai-responses")
    with pytest.raises(TypeError, match=r"messages\[1\]: expected text"):
        wire.client().create(messages=[USER, {"role": "assistant", "content": [image]}], response_model=RESPONSE_MODEL)
    assert wire.requests == []


# --- streams cut short -------------------------------------------------------------------------


def test_a_stream_cut_after_two_calls_hands_them_out_then_raises() -> None:
    wire = stream_of(through(events_of(WireAnswer.of(CALLS)), "response.output_item.done", 1))
    stream = wire.client().create(messages=[USER], response_model=RESPONSE_MODEL, stream=True)
    assert dumps([next(stream), next(stream)]) == dumps(CALLS[:2])
    with pytest.raises(harness.IncompleteResponseError, match="ended before its finish event") as info:
        next(stream)
    assert (info.value.finish_reason, info.value.calls_seen) == (None, 2)
    assert stream.usage is None


def test_a_stream_cut_inside_a_calls_arguments_is_incomplete_not_bad_json() -> None:
    events = through(events_of(WireAnswer.of(CALLS)), "response.function_call_arguments.delta", 2)
    got, error = consume(stream_of(events))
    assert dumps(got) == dumps(CALLS[:2])
    assert isinstance(error, harness.IncompleteResponseError)
    assert error.calls_seen == 2


def test_a_stream_without_response_completed_is_incomplete_even_with_every_call() -> None:
    events = [e for e in events_of(WireAnswer.of(CALLS)) if e["type"] != "response.completed"]
    got, error = consume(stream_of(events))
    assert dumps(got) == dumps(CALLS)
    assert isinstance(error, harness.IncompleteResponseError)
    assert error.calls_seen == 3


# --- usage -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("usage", "read"),
    [(Usage(21, 9), Usage(21, 9, 30)), (Usage(21, 9, 35), Usage(21, 9, 35))],
    ids=["summed", "api-total"],
)
def test_usage_of_a_plain_answer(usage: Usage, read: Usage) -> None:
    wire = MockProvider("openai-responses").answer(*CALLS, usage=usage)
    response = wire.client().create_with_response(messages=[USER], response_model=RESPONSE_MODEL)
    assert response.usage == read
    assert response.total_usage == read
    assert response.usage is not None and response.usage.raw.total_tokens == read.total_tokens


def test_usage_of_a_stream() -> None:
    wire = MockProvider("openai-responses").answer(*CALLS, usage=Usage(21, 9))
    stream = wire.client().create(messages=[USER], response_model=RESPONSE_MODEL, stream=True)
    assert stream.usage is None
    assert dumps(stream) == dumps(CALLS)
    assert stream.usage == Usage(21, 9, 30)


def test_usage_of_an_async_stream() -> None:
    wire = MockProvider("openai-responses").answer(*CALLS, usage=Usage(4, 2))

    async def run() -> Usage | None:
        stream = wire.client(async_client=True).create(messages=[USER], response_model=RESPONSE_MODEL, stream=True)
        assert dumps([v async for v in stream]) == dumps(CALLS)
        usage: Usage | None = stream.usage
        return usage

    assert asyncio.run(run()) == Usage(4, 2, 6)
