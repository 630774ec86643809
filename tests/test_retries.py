"""Retries lose no valid call, say what is wrong in the model's terms, and report every failure."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationInfo, field_validator

import harness
from harness import Usage
from harness.providers import get_provider
from harness.testing import MockProvider
from tests._seed import CALLS, MESSAGES, RESPONSE_MODEL, Unrelated, Weather, dumps
from tests._seed import FIRST_PARTY_PREFIXES as PREFIXES

TORONTO, DALLAS, SEARCH = CALLS
BAD_DALLAS = Weather.model_construct(location="Dallas", units="kelvin")
BAD_TORONTO = Weather.model_construct(location="Toronto", units="celsius")


def tool_results(prefix: str, body: dict[str, Any]) -> list[str]:
    """The text of every tool result the last turn of a request sends back."""
    prefix = get_provider(prefix).wire  # the wire it speaks
    if prefix == "openai":
        tail = []
        for message in reversed(body["messages"]):
            if message["role"] != "tool":
                break
            tail.append(message["content"])
        return tail[::-1]
    if prefix == "openai-responses":
        return [item["output"] for item in body["input"] if item.get("type") == "function_call_output"][-3:]
    if prefix == "anthropic":
        return [block["content"] for block in body["messages"][-1]["content"]]
    responses = [part["functionResponse"]["response"] for part in body["contents"][-1]["parts"]]
    return [response.get("output") or response.get("error") for response in responses]


def last_user_text(prefix: str, body: dict[str, Any]) -> str:
    prefix = get_provider(prefix).wire  # the wire it speaks
    if prefix == "openai":
        return str(body["messages"][-1]["content"])
    if prefix == "openai-responses":
        return str(body["input"][-1]["content"])
    if prefix == "anthropic":
        return str(body["messages"][-1]["content"])
    return str(body["contents"][-1]["parts"][0]["text"])


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_correction_alone_keeps_the_valid_calls_in_place(prefix: str) -> None:
    wire = MockProvider(prefix).answer(TORONTO, BAD_DALLAS, SEARCH).answer(DALLAS)
    response = wire.client().create_with_response(messages=MESSAGES, response_model=RESPONSE_MODEL, max_retries=1)
    assert dumps(response.values) == dumps(CALLS)
    assert response.attempts == 2
    kept, wrong, kept_too = tool_results(prefix, wire.bodies[1])
    assert "kept" in kept and "kept" in kept_too
    assert "units" in wrong and "kelvin" in wrong and "Call Weather again" in wrong


@pytest.mark.parametrize("prefix", ["openai", "anthropic", "google"])
def test_a_model_that_repeats_everything_gets_each_call_once(prefix: str) -> None:
    wire = MockProvider(prefix).answer(TORONTO, BAD_DALLAS, SEARCH).answer(*CALLS)
    values = wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, max_retries=1)
    assert dumps(values) == dumps(CALLS)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_an_unknown_tool_is_answered_with_the_tools_that_exist(prefix: str) -> None:
    wire = MockProvider(prefix).answer(Unrelated(x=1), TORONTO).answer(SEARCH)
    values = wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, max_retries=1)
    assert dumps(values) == dumps([SEARCH, TORONTO])
    unknown, _ = tool_results(prefix, wire.bodies[1])
    assert "no tool named 'Unrelated'" in unknown and "Weather, GoogleSearch" in unknown
    assert "response_model" not in unknown and "Call Unrelated" not in unknown


def test_corrections_of_one_tool_fill_its_failed_calls_in_order() -> None:
    wire = MockProvider("anthropic").answer(BAD_TORONTO, SEARCH, BAD_DALLAS).answer(TORONTO, DALLAS)
    values = wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, max_retries=1)
    assert dumps(values) == dumps([TORONTO, SEARCH, DALLAS])


def test_a_correction_that_fails_again_is_asked_for_again() -> None:
    wire = MockProvider("openai").answer(TORONTO, BAD_DALLAS).answer(BAD_DALLAS).answer(DALLAS)
    response = wire.client().create_with_response(messages=MESSAGES, response_model=RESPONSE_MODEL, max_retries=2)
    assert dumps(response.values) == dumps([TORONTO, DALLAS])
    assert response.attempts == 3


def test_failed_calls_the_model_did_not_retry_are_named_again() -> None:
    wire = MockProvider("openai").answer(BAD_TORONTO, BAD_DALLAS).answer(TORONTO).answer(DALLAS)
    values = wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, max_retries=2)
    assert dumps(values) == dumps([TORONTO, DALLAS])
    (reminder,) = tool_results("openai", wire.bodies[2])
    assert "Still needed" in reminder and "kelvin" in reminder


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_failure_is_reported_after_the_last_attempt(prefix: str) -> None:
    wire = MockProvider(prefix).answer(BAD_TORONTO, SEARCH, BAD_DALLAS).answer(BAD_TORONTO, BAD_DALLAS)
    with pytest.raises(harness.ToolCallsFailedError) as info:
        wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, max_retries=1)
    error = info.value
    assert isinstance(error, harness.HarnessError)
    assert error.attempts == 2
    assert [e.tool_name for e in error.errors] == ["Weather", "Weather"]
    assert all(isinstance(e, harness.ToolArgumentsError) for e in error.errors)
    assert "celsius" in str(error) and "kelvin" in str(error)
    assert dumps(c.value for c in error.calls) == dumps([SEARCH])
    assert type(error.raw).__module__.split(".")[0] in ("openai", "anthropic", "google")
    assert error.last_response is error.raw


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_text_only_answer_is_asked_again(prefix: str) -> None:
    wire = MockProvider(prefix).answer(text="Sure, let me think.").answer(*CALLS)
    values = wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, max_retries=1)
    assert dumps(values) == dumps(CALLS)
    asked = last_user_text(prefix, wire.bodies[1])
    assert "needs tool calls" in asked and "Weather, GoogleSearch" in asked


@pytest.mark.parametrize("prefix", ["openai", "google"])
def test_text_only_after_the_last_retry_is_no_tool_calls(prefix: str) -> None:
    wire = MockProvider(prefix).answer(text="No.").answer(text="Still no.")
    with pytest.raises(harness.NoToolCallsError, match="Still no"):
        wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, max_retries=1)
    assert len(wire.requests) == 2


@pytest.mark.parametrize("prefix", PREFIXES)
def test_usage_of_the_last_attempt_and_of_all(prefix: str) -> None:
    wire = MockProvider(prefix)
    wire.answer(TORONTO, BAD_DALLAS, usage=Usage(10, 4, 14))
    wire.answer(DALLAS, usage=Usage(30, 2, 32))
    response = wire.client().create_with_response(messages=MESSAGES, response_model=RESPONSE_MODEL, max_retries=1)
    assert response.usage is not None and response.total_usage is not None
    last, total = response.usage, response.total_usage
    assert (last.input_tokens, last.output_tokens, last.total_tokens) == (30, 2, 32)
    assert (total.input_tokens, total.output_tokens, total.total_tokens) == (40, 6, 46)
    assert last.raw is not None and len(total.raw) == 2


@pytest.mark.parametrize("prefix", PREFIXES)
def test_results_after_a_retry_answer_every_kept_call(prefix: str) -> None:
    wire = MockProvider(prefix).answer(TORONTO, BAD_DALLAS, SEARCH).answer(DALLAS).answer(SEARCH)
    client = wire.client()
    response = client.create_with_response(messages=MESSAGES, response_model=RESPONSE_MODEL, max_retries=1)
    history = [*MESSAGES, *response.tool_result_messages(["12C", "30F", "Kansas City"])]
    client.create(messages=history, response_model=RESPONSE_MODEL)
    sent = json.dumps(wire.bodies[2])
    for text in ("12C", "30F", "Kansas City", "Toronto", "Dallas", "super bowl"):
        assert text in sent
    assert "kelvin" not in sent, "the re-ask exchange stays out of the continued conversation"


class City(BaseModel):
    name: str

    @field_validator("name")
    @classmethod
    def known(cls, name: str, info: ValidationInfo) -> str:
        allowed = (info.context or {}).get("cities", ())
        if name not in allowed:
            raise ValueError(f"{name} is not one of {sorted(allowed)}")
        return name


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_validation_context_reaches_validators(stream: bool) -> None:
    oslo = City.model_construct(name="Oslo")  # the validator needs a context to pass
    wire = MockProvider("openai").answer(oslo).answer(oslo)
    client = wire.client()
    kwargs: dict[str, Any] = {"messages": MESSAGES, "response_model": list[City], "stream": stream}
    assert list(client.create(**kwargs, validation_context={"cities": {"Oslo"}})) == [oslo]
    with pytest.raises(harness.ToolCallError, match="Oslo is not one of"):
        list(client.create(**kwargs, validation_context={"cities": {"Rome"}}))
