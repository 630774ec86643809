"""Anthropic Messages through the real SDK: system blocks, thinking budgets, images, cut streams, usage."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel

import harness
from harness.providers import get_provider
from harness.providers._base import Usage, WireAnswer, sse
from harness.testing import MockProvider
from tests._seed import CALLS, PNG, RESPONSE_MODEL, USER, dumps


def sent(messages: list[Any], **options: Any) -> dict[str, Any]:
    """The request body the SDK sends for ``messages``."""
    wire = MockProvider("anthropic").answer(*CALLS)
    wire.client().create(messages=messages, response_model=RESPONSE_MODEL, **options)
    return wire.bodies[0]


# --- system prompts ----------------------------------------------------------------------------


def test_system_text_blocks_are_sent_as_blocks_with_cache_control() -> None:
    blocks = [
        {"type": "text", "text": "You must always use tools.", "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "Prefer metric units."},
    ]
    body = sent([{"role": "system", "content": blocks}, USER])
    assert body["system"] == blocks
    assert body["messages"] == [USER]


def test_several_system_messages_with_blocks_become_one_list_of_blocks() -> None:
    cached = {"type": "text", "text": "A long, cached preamble.", "cache_control": {"type": "ephemeral"}}
    messages = [
        {"role": "system", "content": "You must always use tools."},
        {"role": "system", "content": [cached]},
        {"role": "developer", "content": "Prefer metric units."},
        USER,
    ]
    assert sent(messages)["system"] == [
        {"type": "text", "text": "You must always use tools."},
        cached,
        {"type": "text", "text": "Prefer metric units."},
    ]


def test_string_system_messages_stay_one_joined_string() -> None:
    messages = [{"role": "system", "content": "Use tools."}, {"role": "developer", "content": "Be brief."}, USER]
    assert sent(messages)["system"] == "Use tools.\n\nBe brief."


def test_a_system_message_with_an_image_is_refused_before_sending() -> None:
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    wire = MockProvider("anthropic")
    with pytest.raises(TypeError, match=r"messages\[0\]: expected text"):
        wire.client().create(
            messages=[{"role": "system", "content": [{"type": "text", "text": "hi"}, image]}, USER],
            response_model=RESPONSE_MODEL,
        )
    assert wire.requests == []


# --- extended thinking and max_tokens ----------------------------------------------------------


def test_default_max_tokens_without_thinking() -> None:
    assert sent([USER])["max_tokens"] == 4096


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_default_max_tokens_exceeds_the_thinking_budget(stream: bool) -> None:
    thinking = {"type": "enabled", "budget_tokens": 10_000}
    wire = MockProvider("anthropic").answer(*CALLS)
    client = wire.client()
    result = client.create(messages=[USER], response_model=RESPONSE_MODEL, thinking=thinking, stream=stream)
    assert dumps(result) == dumps(CALLS)
    body = wire.bodies[0]
    assert body["max_tokens"] == 10_000 + 4096
    assert body["thinking"] == thinking
    assert body["tool_choice"] == {"type": "auto"}


def test_caller_max_tokens_above_the_budget_is_kept() -> None:
    body = sent([USER], thinking={"type": "enabled", "budget_tokens": 1024}, max_tokens=2048)
    assert body["max_tokens"] == 2048


@pytest.mark.parametrize("max_tokens", [1024, 1000])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_caller_max_tokens_not_above_the_budget_is_refused_before_sending(max_tokens: int, stream: bool) -> None:
    wire = MockProvider("anthropic")
    client = wire.client()
    thinking = {"type": "enabled", "budget_tokens": 1024}
    with pytest.raises(ValueError, match=rf"max_tokens={max_tokens} .*budget_tokens=1024"):
        result = client.create(
            messages=[USER], response_model=RESPONSE_MODEL, thinking=thinking, max_tokens=max_tokens, stream=stream
        )
        list(result)  # a stream sends on its first next()
    assert wire.requests == []


def test_disabled_thinking_leaves_max_tokens_alone() -> None:
    assert sent([USER], thinking={"type": "disabled"}, max_tokens=500)["max_tokens"] == 500


# --- images in chat-shaped history -------------------------------------------------------------


def test_chat_image_parts_become_image_blocks() -> None:
    content = [
        {"type": "text", "text": "What city is this?", "cache_control": {"type": "ephemeral"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/skyline.jpg", "detail": "high"}},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
    ]
    body = sent([{"role": "user", "content": content}])
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What city is this?", "cache_control": {"type": "ephemeral"}},
                {"type": "image", "source": {"type": "url", "url": "https://example.com/skyline.jpg"}},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
            ],
        }
    ]


def test_an_image_in_a_chat_tool_result_becomes_an_image_block() -> None:
    call = {"id": "toolu_1", "type": "function", "function": {"name": "Weather", "arguments": "{}"}}
    image = {"type": "image_url", "image_url": f"data:image/jpeg;base64,{PNG}"}
    messages = [
        USER,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "toolu_1", "content": [{"type": "text", "text": "radar:"}, image]},
    ]
    result = sent(messages)["messages"][-1]["content"][0]
    assert result["content"] == [
        {"type": "text", "text": "radar:"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": PNG}},
    ]


def test_anthropic_native_content_passes_through_unchanged() -> None:
    native = {
        "role": "user",
        "content": [
            {"type": "text", "text": "What city is this?"},
            {"type": "image", "source": {"type": "url", "url": "https://example.com/skyline.jpg"}},
        ],
    }
    text_parts = {"role": "user", "content": [{"type": "text", "text": "And this one?"}]}
    assert sent([native, {"role": "assistant", "content": "Toronto."}, text_parts])["messages"] == [
        native,
        {"role": "assistant", "content": "Toronto."},
        text_parts,
    ]


def test_a_data_url_that_is_not_base64_is_refused_naming_the_message() -> None:
    wire = MockProvider("anthropic")
    image = {"type": "image_url", "image_url": {"url": "data:image/svg+xml,<svg/>"}}
    with pytest.raises(ValueError, match=r"messages\[1\]\.content\[0\]: only base64 data URLs"):
        wire.client().create(messages=[USER, {"role": "user", "content": [image]}], response_model=RESPONSE_MODEL)
    assert wire.requests == []


# --- streams cut short -------------------------------------------------------------------------


def call_events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = get_provider("anthropic").write_events(
        WireAnswer.of(CALLS, usage=Usage(11, 7)), model="m"
    )
    return events


def stream_of(events: list[dict[str, Any]]) -> MockProvider:
    wire = MockProvider("anthropic")
    wire.answer_chunks([sse(events, named=True).encode()])
    return wire


def through(events: list[dict[str, Any]], kind: str, index: int) -> list[dict[str, Any]]:
    """The events up to and including the first of type ``kind`` for content block ``index``."""
    end = next(i for i, e in enumerate(events) if e["type"] == kind and e.get("index") == index)
    return events[: end + 1]


def test_a_stream_cut_after_the_first_call_hands_it_out_then_raises() -> None:
    wire = stream_of(through(call_events(), "content_block_stop", 0))
    stream = wire.client().create(messages=[USER], response_model=RESPONSE_MODEL, stream=True)
    assert dumps([next(stream)]) == dumps(CALLS[:1])
    with pytest.raises(harness.IncompleteResponseError, match="ended before its finish event") as info:
        next(stream)
    assert (info.value.finish_reason, info.value.calls_seen) == (None, 1)
    assert stream.usage is None


def test_a_stream_without_message_stop_is_incomplete_even_with_every_call() -> None:
    wire = stream_of([e for e in call_events() if e["type"] != "message_stop"])
    stream = wire.client().create(messages=[USER], response_model=RESPONSE_MODEL, stream=True)
    got = []
    with pytest.raises(harness.IncompleteResponseError) as info:
        for value in stream:
            got.append(value)
    assert dumps(got) == dumps(CALLS)
    assert info.value.calls_seen == 3


@pytest.mark.parametrize("block", [0, 1])
def test_a_stream_cut_inside_a_calls_input_is_incomplete_not_bad_json(block: int) -> None:
    cut = through(call_events(), "content_block_delta", block)
    assert cut[-1]["delta"]["type"] == "input_json_delta"
    wire = stream_of(cut)
    got = []
    with pytest.raises(harness.IncompleteResponseError) as info:
        for value in wire.client().create(messages=[USER], response_model=RESPONSE_MODEL, stream=True):
            got.append(value)
    assert dumps(got) == dumps(CALLS[:block])
    assert info.value.calls_seen == block


def test_an_async_stream_cut_inside_a_call_is_incomplete() -> None:
    wire = stream_of(through(call_events(), "content_block_delta", 1))

    async def consume() -> list[BaseModel]:
        got = []
        with pytest.raises(harness.IncompleteResponseError):
            async for value in wire.client(async_client=True).create(
                messages=[USER], response_model=RESPONSE_MODEL, stream=True
            ):
                got.append(value)
        return got

    assert dumps(asyncio.run(consume())) == dumps(CALLS[:1])


# --- usage -------------------------------------------------------------------------------------


def test_usage_of_a_plain_answer() -> None:
    wire = MockProvider("anthropic").answer(*CALLS, usage=Usage(input_tokens=11, output_tokens=7))
    response = wire.client().create_with_response(messages=[USER], response_model=RESPONSE_MODEL)
    assert response.usage == Usage(11, 7, 18)
    assert response.total_usage == Usage(11, 7, 18)
    assert type(response.usage.raw).__module__.startswith("anthropic")
    assert response.usage.raw.input_tokens == 11


def test_usage_of_a_stream_joins_message_start_and_message_delta() -> None:
    wire = MockProvider("anthropic").answer(*CALLS, usage=Usage(11, 7))
    stream = wire.client().create(messages=[USER], response_model=RESPONSE_MODEL, stream=True)
    assert stream.usage is None
    assert dumps(stream) == dumps(CALLS)
    assert stream.usage == Usage(11, 7, 18)


def test_stream_usage_takes_input_tokens_from_message_delta_when_it_carries_them() -> None:
    # message_delta's usage is cumulative; when it repeats input_tokens, that count is the final one.
    changed = call_events()
    delta = next(e for e in changed if e["type"] == "message_delta")
    delta["usage"] = {"input_tokens": 13, "output_tokens": 7}
    wire = stream_of(changed)
    stream = wire.client().create(messages=[USER], response_model=RESPONSE_MODEL, stream=True)
    assert dumps(stream) == dumps(CALLS)
    assert stream.usage == Usage(13, 7, 20)


def test_async_stream_usage() -> None:
    wire = MockProvider("anthropic").answer(*CALLS, usage=Usage(5, 3))

    async def consume() -> Usage | None:
        stream = wire.client(async_client=True).create(messages=[USER], response_model=RESPONSE_MODEL, stream=True)
        assert dumps([v async for v in stream]) == dumps(CALLS)
        usage: Usage | None = stream.usage
        return usage

    assert asyncio.run(consume()) == Usage(5, 3, 8)


def test_input_usage_counts_cached_tokens_as_the_other_providers_do() -> None:
    body = get_provider("anthropic").write_response(WireAnswer.of(CALLS), model="m")
    body["usage"] = {"input_tokens": 5, "cache_creation_input_tokens": 100, "cache_read_input_tokens": 20}
    body["usage"]["output_tokens"] = 7
    wire = MockProvider("anthropic").answer_body(body)
    usage = wire.client().create_with_response(messages=[USER], response_model=RESPONSE_MODEL).usage
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (125, 7, 132)
    assert usage.raw.cache_read_input_tokens == 20
