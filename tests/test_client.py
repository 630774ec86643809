"""The client's contract, for every provider, through the real SDKs over a mock transport."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Iterator
from typing import Any, Union

import httpx2
import pytest
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, create_model

import harness
from harness.providers import get_provider
from harness.providers._base import WireAnswer
from harness.testing import MockProvider
from tests._seed import CALLS, MESSAGES, RESPONSE_MODEL, GoogleSearch, Unrelated, Weather, dumps
from tests._seed import FIRST_PARTY_PREFIXES as PREFIXES


def text_answer(prefix: str, text: str, finish: str | None = None) -> dict[str, Any]:
    """A text-only answer in each provider's wire shape, optionally with a finish reason."""
    prefix = get_provider(prefix).wire  # the wire it speaks
    if prefix == "openai":
        body = harness.providers.get_provider(prefix).write_response(WireAnswer(), model="m")
        body["choices"][0]["message"].update(content=text, tool_calls=None)
        body["choices"][0]["finish_reason"] = finish or "stop"
        return body
    if prefix == "openai-responses":
        body = harness.providers.get_provider(prefix).write_response(WireAnswer(), model="m")
        content = [{"type": "output_text", "text": text, "annotations": []}]
        body["output"] = [
            {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed", "content": content}
        ]
        if finish:
            body.update(status="incomplete", incomplete_details={"reason": finish})
        return body
    if prefix == "anthropic":
        body = harness.providers.get_provider(prefix).write_response(WireAnswer(), model="m")
        body.update(content=[{"type": "text", "text": text}], stop_reason=finish or "end_turn")
        return body
    body = harness.providers.get_provider(prefix).write_response(WireAnswer(), model="m")
    body["candidates"][0]["content"]["parts"] = [{"text": text}]
    body["candidates"][0]["finishReason"] = finish or "STOP"
    return body


def with_truncation(prefix: str, body: dict[str, Any]) -> dict[str, Any]:
    """The same calls, but the provider says it hit its limit."""
    prefix = get_provider(prefix).wire  # the wire it speaks
    if prefix == "openai":
        body["choices"][0]["finish_reason"] = "length"
    elif prefix == "openai-responses":
        body.update(status="incomplete", incomplete_details={"reason": "max_output_tokens"})
    elif prefix == "anthropic":
        body["stop_reason"] = "max_tokens"
    else:
        body["candidates"][0]["finishReason"] = "MAX_TOKENS"
    return body


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# --- the happy path, every provider, sync and async, plain and streamed -----------------------


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_calls_come_back_validated_in_order(prefix: str, stream: bool) -> None:
    wire = MockProvider(prefix).answer(*CALLS)
    client = wire.client()
    result = client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=stream)
    assert dumps(result) == dumps(CALLS)
    if not stream:
        assert isinstance(result, list)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_async_client_matches_sync(prefix: str) -> None:
    wire = MockProvider(prefix).answer(*CALLS).answer(*CALLS)
    client = wire.client(async_client=True)
    assert isinstance(client, harness.AsyncParallelToolsClient)

    async def both() -> tuple[list[BaseModel], list[BaseModel]]:
        plain = await client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)
        streamed = [v async for v in client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)]
        return plain, streamed

    plain, streamed = run(both())
    assert dumps(plain) == dumps(CALLS) == dumps(streamed)


@pytest.mark.parametrize("prefix", ["openai", "openai-responses", "anthropic"])
def test_async_sdk_client_makes_an_async_harness_client(prefix: str) -> None:
    # OpenAI and Anthropic clients say themselves whether they are async.
    wire = MockProvider(prefix)
    client = harness.from_provider(f"{prefix}/m", client=wire.sdk_client(async_client=True))
    assert isinstance(client, harness.AsyncParallelToolsClient)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_stream_hands_out_each_call_before_the_stream_ends(prefix: str) -> None:
    wire = MockProvider(prefix)
    events = [
        e + "\n\n" for e in wire.provider.write_stream(WireAnswer.of(CALLS), model="m").split("\n\n") if e.strip()
    ]
    sent: list[int] = []

    def chunks() -> Iterator[bytes]:
        for i, event in enumerate(events):
            sent.append(i)
            yield event.encode()

    wire.answer_chunks(chunks())
    stream = wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
    first = next(stream)
    assert dumps([first]) == dumps(CALLS[:1])
    assert len(sent) < len(events), "the first call waited for the whole stream"
    assert dumps([first, *stream]) == dumps(CALLS)


# --- what is sent ------------------------------------------------------------------------------


def test_requests_force_tool_use_and_carry_the_system_prompt() -> None:
    seen = {}
    for prefix in PREFIXES:
        wire = MockProvider(prefix).answer(*CALLS)
        wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL)
        seen[prefix] = wire.bodies[0]
    assert seen["openai"]["tool_choice"] == "required"
    assert [t["function"]["name"] for t in seen["openai"]["tools"]] == ["Weather", "GoogleSearch"]
    assert seen["openai"]["messages"] == MESSAGES
    assert seen["openai-responses"]["tool_choice"] == "required"
    assert all(t["strict"] is False for t in seen["openai-responses"]["tools"])
    assert seen["openai-responses"]["input"] == MESSAGES
    assert seen["anthropic"]["tool_choice"] == {"type": "any"}
    assert seen["anthropic"]["system"] == "You must always use tools"
    assert seen["anthropic"]["messages"] == [MESSAGES[1]]
    for prefix in ("google", "vertexai"):
        body = seen[prefix]
        assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}
        assert body["systemInstruction"]["parts"] == [{"text": "You must always use tools"}]
        assert body["contents"] == [{"role": "user", "parts": [{"text": MESSAGES[1]["content"]}]}]
        declaration = body["tools"][0]["functionDeclarations"][0]
        assert declaration["name"] == "Weather"
        assert declaration["parameters_json_schema"]["properties"]["units"]["enum"] == ["imperial", "metric"]


@pytest.mark.parametrize(
    ("prefix", "override", "key", "sent"),
    [
        ("openai", {"tool_choice": "auto"}, "tool_choice", "auto"),
        ("anthropic", {"tool_choice": {"type": "auto"}}, "tool_choice", {"type": "auto"}),
        ("anthropic", {"max_tokens": 99}, "max_tokens", 99),
        ("anthropic", {"thinking": {"type": "enabled", "budget_tokens": 1024}}, "tool_choice", {"type": "auto"}),
        ("anthropic", {"thinking": {"type": "disabled"}}, "tool_choice", {"type": "any"}),
        ("google", {"tool_config": {"function_calling_config": {"mode": "AUTO"}}}, "toolConfig",
         {"functionCallingConfig": {"mode": "AUTO"}}),
    ],
)  # fmt: skip
def test_caller_overrides_provider_defaults(prefix: str, override: dict[str, Any], key: str, sent: Any) -> None:
    wire = MockProvider(prefix).answer(*CALLS)
    wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, **override)
    assert wire.bodies[0][key] == sent


# --- response_model forms and tool names -------------------------------------------------------


@pytest.mark.parametrize(
    "form",
    [Iterable[Weather | GoogleSearch], Iterable[Union[Weather, GoogleSearch]], list[Weather | GoogleSearch]],  # noqa: UP007
)
def test_accepted_response_model_forms(form: Any) -> None:
    wire = MockProvider("openai").answer(*CALLS)
    assert dumps(wire.client().create(messages=MESSAGES, response_model=form)) == dumps(CALLS)


def test_single_model_form() -> None:
    wire = MockProvider("anthropic").answer(*CALLS[:2])
    assert dumps(wire.client().create(messages=MESSAGES, response_model=Iterable[Weather])) == dumps(CALLS[:2])


@pytest.mark.parametrize(
    "form", [Weather, list[str], Iterable[int], Iterable[Weather | int], tuple[Weather], str, [Weather], None]
)
def test_other_response_model_forms_raise_type_error_naming_the_accepted_ones(form: Any) -> None:
    wire = MockProvider("openai")
    with pytest.raises(TypeError, match=r"Iterable\[A \| B\].*list\[A \| B\]"):
        wire.client().create(messages=MESSAGES, response_model=form)
    assert wire.requests == []


def test_tool_name_comes_from_model_config_title() -> None:
    class Lookup(BaseModel):
        model_config = ConfigDict(title="lookup_weather")
        city: str

    wire = MockProvider("openai").answer(Lookup(city="Oslo"))
    assert dumps(wire.client().create(messages=MESSAGES, response_model=Iterable[Lookup])) == dumps(
        [Lookup(city="Oslo")]
    )
    assert wire.bodies[0]["tools"][0]["function"]["name"] == "lookup_weather"


def test_tool_names_follow_each_providers_rule() -> None:
    class Dotted(BaseModel):
        model_config = ConfigDict(title="weather.lookup")
        city: str

    with pytest.raises(harness.ToolNameError, match=r"'weather.lookup'.*openai"):
        MockProvider("openai").client().create(messages=MESSAGES, response_model=Iterable[Dotted])
    wire = MockProvider("google").answer(Dotted(city="Oslo"))
    assert dumps(wire.client().create(messages=MESSAGES, response_model=Iterable[Dotted])) == dumps(
        [Dotted(city="Oslo")]
    )


def test_two_models_with_one_name_fail_before_any_request() -> None:
    class A(BaseModel):
        model_config = ConfigDict(title="same")

    class B(BaseModel):
        model_config = ConfigDict(title="same")

    wire = MockProvider("anthropic")
    with pytest.raises(harness.ToolNameError, match="'same'"):
        wire.client().create(messages=MESSAGES, response_model=Iterable[A | B])
    assert wire.requests == []


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_unknown_tool(prefix: str) -> None:
    wire = MockProvider(prefix).answer(CALLS[0], Unrelated(x=1))
    with pytest.raises(harness.ToolCallsFailedError) as info:
        wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL)
    (error,) = info.value.errors
    assert isinstance(error, harness.UnknownToolError)
    assert error.tool_name == info.value.tool_name == "Unrelated"
    assert error.known == ["Weather", "GoogleSearch"]
    assert "Unrelated" in str(info.value) and prefix in str(info.value)
    assert dumps(c.value for c in info.value.calls) == dumps(CALLS[:1])


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_invalid_arguments_carry_everything_needed_to_debug(prefix: str, stream: bool) -> None:
    bad = Weather.model_construct(location="Oslo", units="kelvin")
    client: Any = MockProvider(prefix).answer(CALLS[0], bad).client()
    # A plain answer reports every failing call together; a stream stops at the first.
    with pytest.raises(harness.ToolCallError) as info:
        list(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=stream))
    error = info.value if stream else info.value.errors[0]  # type: ignore[attr-defined]
    assert isinstance(error, harness.ToolArgumentsError)
    assert (error.provider, error.tool_name) == (prefix, "Weather")
    assert error.errors[0]["loc"] == ("units",)
    raw = json.loads(error.raw_arguments) if isinstance(error.raw_arguments, str) else error.raw_arguments
    assert raw == {"location": "Oslo", "units": "kelvin"}
    assert "units" in str(error) and "kelvin" in str(error)
    if prefix not in ("google", "vertexai"):
        assert error.call_id


@pytest.mark.parametrize("prefix", ["openai", "openai-responses"])
def test_arguments_that_are_not_json(prefix: str) -> None:
    body = get_provider(prefix).write_response(WireAnswer.of(CALLS[:1]), model="m")
    call = body["choices"][0]["message"]["tool_calls"][0]["function"] if prefix == "openai" else body["output"][0]
    call["arguments"] = '{"location": "Oslo", "units'
    wire = MockProvider(prefix).answer_body(body)
    with pytest.raises(harness.ToolCallsFailedError) as info:
        wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL)
    (error,) = info.value.errors
    assert isinstance(error, harness.ToolArgumentsError)
    assert error.raw_arguments == '{"location": "Oslo", "units'
    assert error.errors[0]["type"] == "json_invalid"


@pytest.mark.parametrize("prefix", PREFIXES)
def test_no_calls_is_an_error_quoting_the_text(prefix: str) -> None:
    wire = MockProvider(prefix).answer_body(text_answer(prefix, "I'd rather chat about the weather."))
    with pytest.raises(harness.NoToolCallsError, match="rather chat about the weather") as info:
        wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL)
    assert info.value.text == "I'd rather chat about the weather."


@pytest.mark.parametrize("prefix", PREFIXES)
def test_truncated_answer_is_incomplete_even_with_calls(prefix: str) -> None:
    body = with_truncation(prefix, get_provider(prefix).write_response(WireAnswer.of(CALLS), model="m"))
    wire = MockProvider(prefix).answer_body(body)
    with pytest.raises(harness.IncompleteResponseError) as info:
        wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL)
    assert info.value.calls_seen == 3


def test_gemini_malformed_function_call_is_incomplete() -> None:
    wire = MockProvider("google").answer_body(text_answer("google", "", finish="MALFORMED_FUNCTION_CALL"))
    with pytest.raises(harness.IncompleteResponseError, match="MALFORMED_FUNCTION_CALL"):
        wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_streams_that_stop_early_or_carry_no_calls(prefix: str) -> None:
    provider = get_provider(prefix)
    truncated = provider.write_stream(WireAnswer.of(CALLS), model="m")
    cut = {
        "openai": ('"finish_reason":"tool_calls"', '"finish_reason":"length"'),
        "openai-responses": ('"type":"response.completed"', '"type":"response.incomplete"'),
        "anthropic": ('"stop_reason":"tool_use"', '"stop_reason":"max_tokens"'),
    }.get(provider.wire, ('"finishReason":"STOP"', '"finishReason":"MAX_TOKENS"'))
    truncated = truncated.replace(*cut)
    if provider.wire == "openai-responses":
        truncated = truncated.replace(
            '"status":"completed","output":[{',
            '"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"output":[{',
        )
        truncated = truncated.replace('"incomplete_details":null,"instructions"', '"instructions"')
    wire = MockProvider(prefix)
    wire.answer_chunks([truncated.encode()])
    with pytest.raises(harness.IncompleteResponseError):
        list(wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True))

    empty = MockProvider(prefix)
    empty.answer_chunks([provider.write_stream(WireAnswer.of([]), model="m").encode()])
    with pytest.raises(harness.NoToolCallsError):
        list(empty.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True))


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_call_is_validated_before_any_is_handed_out(prefix: str) -> None:
    wire = MockProvider(prefix).answer(*CALLS, Unrelated(x=1))
    client = wire.client()
    with pytest.raises(harness.ToolCallsFailedError) as info:
        client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)
    assert [type(e) for e in info.value.errors] == [harness.UnknownToolError]


def test_text_and_thought_parts_beside_calls_are_fine() -> None:
    body = get_provider("google").write_response(WireAnswer.of(CALLS), model="m")
    parts = body["candidates"][0]["content"]["parts"]
    parts[:0] = [{"text": "thinking...", "thought": True, "thoughtSignature": "c2ln"}, {"text": "Let me look."}]
    wire = MockProvider("google").answer_body(body)
    assert dumps(wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL)) == dumps(CALLS)

    body = get_provider("anthropic").write_response(WireAnswer.of(CALLS), model="m")
    body["content"][:0] = [
        {"type": "thinking", "thinking": "hmm", "signature": "c2ln"},
        {"type": "text", "text": "Ok."},
    ]
    body["content"].append({"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"q": "x"}})
    wire = MockProvider("anthropic").answer_body(body)
    assert dumps(wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL)) == dumps(CALLS)


# --- create_with_response, tool results and retries --------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_create_with_response_continues_the_conversation(prefix: str) -> None:
    wire = MockProvider(prefix).answer(*CALLS).answer(*CALLS[:1])
    client = wire.client()
    response = client.create_with_response(messages=MESSAGES, response_model=RESPONSE_MODEL)
    assert [c.name for c in response.calls] == ["Weather", "Weather", "GoogleSearch"]
    assert dumps(response.values) == dumps(CALLS)
    assert type(response.raw).__module__.split(".")[0] in ("openai", "anthropic", "google")
    if prefix not in ("google", "vertexai"):
        assert len({c.id for c in response.calls}) == 3
    history = [*MESSAGES, *response.tool_result_messages(["12C", "30F", "Kansas City"])]
    client.create(messages=history, response_model=RESPONSE_MODEL)
    assert_results_sent(prefix, wire.bodies[1], ["12C", "30F", "Kansas City"], errors=[False] * 3)


def assert_results_sent(prefix: str, body: dict[str, Any], outputs: list[str], errors: list[bool]) -> None:
    """The second request answers every call in the shape the provider demands."""
    prefix = get_provider(prefix).wire  # the wire it speaks
    if prefix == "openai":
        assistant, *results = body["messages"][-4:]
        assert [c["id"] for c in assistant["tool_calls"]] == ["call_0", "call_1", "call_2"]
        assert [r["role"] for r in results] == ["tool"] * 3
        assert [r["tool_call_id"] for r in results] == ["call_0", "call_1", "call_2"]
        assert [r["content"].startswith("Error") for r in results] == errors
        assert [r["content"].endswith(o) or o in r["content"] for r, o in zip(results, outputs, strict=True)] == [
            True
        ] * 3
    elif prefix == "openai-responses":
        items = body["input"][-6:]
        assert [i["type"] for i in items] == ["function_call"] * 3 + ["function_call_output"] * 3
        assert [i["call_id"] for i in items[3:]] == [i["call_id"] for i in items[:3]]
        assert [o in i["output"] for i, o in zip(items[3:], outputs, strict=True)] == [True] * 3
    elif prefix == "anthropic":
        assistant, user = body["messages"][-2:]
        assert [b["type"] for b in assistant["content"]] == ["tool_use"] * 3
        assert user["role"] == "user"
        assert [b["type"] for b in user["content"]] == ["tool_result"] * 3  # all in one message, no text
        assert [b["tool_use_id"] for b in user["content"]] == [b["id"] for b in assistant["content"]]
        assert [b["is_error"] for b in user["content"]] == errors
    else:
        model_turn, user = body["contents"][-2:]
        assert model_turn["role"] == "model" and len(model_turn["parts"]) == 3
        responses = [p["functionResponse"] for p in user["parts"]]
        assert [r["name"] for r in responses] == ["Weather", "Weather", "GoogleSearch"]
        assert [("error" in r["response"]) for r in responses] == errors
        assert [o in json.dumps(r["response"]) for r, o in zip(responses, outputs, strict=True)] == [True] * 3


@pytest.mark.parametrize("prefix", PREFIXES)
def test_max_retries_reasks_answering_every_call(prefix: str) -> None:
    bad = Weather.model_construct(location="Dallas", units="kelvin")
    wire = MockProvider(prefix).answer(CALLS[0], bad, CALLS[2]).answer(*CALLS)
    values = wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, max_retries=1)
    assert dumps(values) == dumps(CALLS)
    assert len(wire.requests) == 2
    assert_results_sent(prefix, wire.bodies[1], ["Valid", "kelvin", "Valid"], errors=[False, True, False])


@pytest.mark.parametrize("prefix", ["openai", "anthropic", "google"])
def test_retries_run_out(prefix: str) -> None:
    wire = MockProvider(prefix).answer(Unrelated(x=1)).answer(Unrelated(x=2))
    with pytest.raises(harness.ToolCallsFailedError) as info:
        wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, max_retries=1)
    assert len(wire.requests) == 2
    assert info.value.attempts == 2
    assert [e.raw_arguments for e in info.value.errors] in ([{"x": 2}], ['{"x": 2}'])


def test_async_retries() -> None:
    wire = MockProvider("anthropic").answer(Unrelated(x=1)).answer(*CALLS)
    values = run(wire.client(async_client=True).create(messages=MESSAGES, response_model=RESPONSE_MODEL, max_retries=2))
    assert dumps(values) == dumps(CALLS)
    assert len(wire.requests) == 2


def test_stream_with_retries_is_refused() -> None:
    with pytest.raises(ValueError, match="max_retries needs stream=False"):
        MockProvider("openai").client().create(
            messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True, max_retries=1
        )


# --- from_provider -----------------------------------------------------------------------------


def test_from_provider_builds_the_sdk_client_from_keyword_arguments() -> None:
    wire = MockProvider("openai").answer(*CALLS)
    http = httpx2.Client(transport=wire.transport)
    client = harness.from_provider("openai/gpt-4.1-mini", api_key="test-key", http_client=http)
    assert dumps(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)) == dumps(CALLS)
    assert wire.bodies[0]["model"] == "gpt-4.1-mini"
    assert wire.requests[0].headers["authorization"] == "Bearer test-key"


@pytest.mark.parametrize(
    ("spec", "kwargs", "error", "match"),
    [
        ("gpt-4.1", {}, ValueError, "provider/model"),
        ("cohere/command", {}, ValueError, "unknown provider 'cohere'"),
        ("google/gemini", {"strict": True}, TypeError, "no strict tool mode"),
        ("anthropic/claude", {"client": object()}, TypeError, "anthropic.Anthropic"),
        ("openai/gpt", {"client": object()}, TypeError, "openai.OpenAI"),
        ("google/gemini", {"client": object()}, TypeError, "google.genai.Client"),
    ],
)
def test_from_provider_rejects_bad_arguments(spec: str, kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        harness.from_provider(spec, **kwargs)


def test_vertex_streamed_function_call_arguments_are_assembled() -> None:
    """With stream_function_call_arguments, Vertex AI spreads one call over parts with JSON-path pieces."""

    class Item(BaseModel):
        name: str
        qty: int

    class Order(BaseModel):
        customer: str
        items: list[Item]
        rush: bool

    def event(call: dict[str, Any], finish: str | None = None) -> str:
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"functionCall": call}]}, "index": 0}
        if finish:
            candidate["finishReason"] = finish
        return f"data: {json.dumps({'candidates': [candidate]})}\r\n\r\n"

    def pieces(*args: dict[str, Any]) -> dict[str, Any]:
        return {"partialArgs": list(args), "willContinue": True}

    text = "".join(
        [
            event({"name": "Order", "willContinue": True}),
            event(pieces({"jsonPath": "$.customer", "stringValue": "Ad", "willContinue": True})),
            event(
                pieces(
                    {"jsonPath": "$.customer", "stringValue": "a"},
                    {"jsonPath": "$.items[0].name", "stringValue": "pen"},
                    {"jsonPath": "$.items[0].qty", "numberValue": 2},
                )
            ),
            event(
                pieces(
                    {"jsonPath": "$.items[1]['name']", "stringValue": "ink"}, {"jsonPath": "$.rush", "boolValue": True}
                )
            ),
            event(pieces({"jsonPath": "$.items[1].qty", "numberValue": 10})),
            event({}),
            event({"name": "Item", "args": {"name": "x", "qty": 1}}, "STOP"),
        ]
    )
    wire = MockProvider("vertexai")
    wire.answer_chunks([text.encode()])
    values = wire.client().create(messages=MESSAGES, response_model=Iterable[Order | Item], stream=True)
    expected = [
        Order(customer="Ada", items=[Item(name="pen", qty=2), Item(name="ink", qty=10)], rush=True),
        Item(name="x", qty=1),
    ]
    assert dumps(values) == dumps(expected)


# --- chat-shaped history, converted for each provider -------------------------------------------

HISTORY = [
    {"role": "system", "content": "You must always use tools"},
    {"role": "user", "content": [{"type": "text", "text": "Weather in Oslo and Rome?"}]},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_a", "type": "function", "function": {"name": "Weather", "arguments": '{"location": "Oslo"}'}},
            {"id": "call_b", "type": "function", "function": {"name": "Weather", "arguments": '{"location": "Rome"}'}},
        ],
    },
    {"role": "tool", "tool_call_id": "call_a", "content": "3C"},
    {"role": "tool", "tool_call_id": "call_b", "content": "21C"},
    {"role": "user", "content": "Now search who won the super bowl."},
]


def test_chat_history_becomes_each_providers_own() -> None:
    bodies = {}
    for prefix in ("openai", "openai-responses", "anthropic", "google"):
        wire = MockProvider(prefix).answer(*CALLS)
        wire.client().create(messages=HISTORY, response_model=RESPONSE_MODEL)
        bodies[prefix] = wire.bodies[0]
    assert bodies["openai"]["messages"] == HISTORY
    assert bodies["openai-responses"]["input"] == [
        HISTORY[0],
        {"role": "user", "content": [{"type": "input_text", "text": "Weather in Oslo and Rome?"}]},
        {"type": "function_call", "call_id": "call_a", "name": "Weather", "arguments": '{"location": "Oslo"}'},
        {"type": "function_call", "call_id": "call_b", "name": "Weather", "arguments": '{"location": "Rome"}'},
        {"type": "function_call_output", "call_id": "call_a", "output": "3C"},
        {"type": "function_call_output", "call_id": "call_b", "output": "21C"},
        HISTORY[5],
    ]
    assert bodies["anthropic"]["system"] == "You must always use tools"
    assert bodies["anthropic"]["messages"] == [
        HISTORY[1],
        {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": "call_a", "name": "Weather", "input": {"location": "Oslo"}},
                {"type": "tool_use", "id": "call_b", "name": "Weather", "input": {"location": "Rome"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "call_a", "content": "3C"},
                {"type": "tool_result", "tool_use_id": "call_b", "content": "21C"},
            ],
        },
        HISTORY[5],
    ]
    assert bodies["google"]["systemInstruction"]["parts"] == [{"text": "You must always use tools"}]
    assert bodies["google"]["contents"] == [
        {"role": "user", "parts": [{"text": "Weather in Oslo and Rome?"}]},
        {
            "role": "model",
            "parts": [
                {"functionCall": {"id": "call_a", "name": "Weather", "args": {"location": "Oslo"}}},
                {"functionCall": {"id": "call_b", "name": "Weather", "args": {"location": "Rome"}}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"id": "call_a", "name": "Weather", "response": {"output": "3C"}}},
                {"functionResponse": {"id": "call_b", "name": "Weather", "response": {"output": "21C"}}},
            ],
        },
        {"role": "user", "parts": [{"text": "Now search who won the super bowl."}]},
    ]


@pytest.mark.parametrize(
    ("prefix", "messages", "match"),
    [
        ("google", [{"role": "tool", "tool_call_id": "call_x", "content": "1"}], r"messages\[0\].*'call_x'"),
        ("anthropic", [{"role": "system", "content": [{"type": "image_url"}]}], r"messages\[0\]: expected text"),
        (
            "google",
            [{"role": "assistant", "tool_calls": [{"id": "c", "function": {"arguments": "{"}}]}],
            r"messages\[0\]",
        ),
    ],
)
def test_unconvertible_history_names_the_message(prefix: str, messages: list[dict[str, Any]], match: str) -> None:
    wire = MockProvider(prefix)
    with pytest.raises((TypeError, ValueError), match=match):
        wire.client().create(messages=messages, response_model=RESPONSE_MODEL)
    assert wire.requests == []


@pytest.mark.parametrize(
    ("prefix", "body", "error", "match"),
    [
        (
            "openai",
            {"id": "x", "object": "chat.completion", "choices": []},
            harness.MalformedResponseError,
            "no choices",
        ),
        (
            "anthropic",
            {"id": "x", "type": "message", "role": "assistant"},
            harness.MalformedResponseError,
            "no content",
        ),
        ("openai-responses", {"id": "x", "object": "response"}, harness.MalformedResponseError, "no output"),
        ("google", {"promptFeedback": {"blockReason": "SAFETY"}}, harness.NoToolCallsError, "prompt blocked: SAFETY"),
    ],
)
def test_malformed_answers_name_the_provider_and_the_problem(
    prefix: str, body: dict[str, Any], error: type[Exception], match: str
) -> None:
    wire = MockProvider(prefix).answer_body(body)
    with pytest.raises(error, match=match) as info:
        wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL)
    assert prefix in str(info.value)


def test_responses_stream_without_item_events_still_hands_out_every_call() -> None:
    # Only the closing response.completed event lists the calls: none may be lost.
    text = get_provider("openai-responses").write_stream(WireAnswer.of(CALLS), model="m")
    events = [e for e in text.split("\n\n") if e.strip() and "response.output_item.done" not in e]
    wire = MockProvider("openai-responses")
    wire.answer_chunks([("\n\n".join(events) + "\n\n").encode()])
    assert dumps(wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)) == dumps(CALLS)


def test_anthropic_strict_tool_limit_is_checked_before_sending() -> None:
    models = [create_model(f"Tool{i}", x=(int, ...)) for i in range(21)]
    response_model: Any = Iterable[Union[tuple(models)]]  # type: ignore[misc]  # noqa: UP007
    wire = MockProvider("anthropic")
    with pytest.raises(ValueError, match="at most 20 strict tools; response_model has 21"):
        wire.client(strict=True).create(messages=MESSAGES, response_model=response_model)
    assert wire.requests == []


@pytest.mark.parametrize(
    ("prefix", "key_variable", "host"),
    [
        ("openai", "OPENAI_API_KEY", "api.openai.com"),
        ("openai-responses", "OPENAI_API_KEY", "api.openai.com"),
        ("anthropic", "ANTHROPIC_API_KEY", "api.anthropic.com"),
        ("google", "GOOGLE_API_KEY", "generativelanguage.googleapis.com"),
        ("vertexai", "GOOGLE_API_KEY", "aiplatform.googleapis.com"),
    ],
)
def test_default_clients_read_the_environment_like_the_sdks(
    prefix: str, key_variable: str, host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(key_variable, "test-key")
    wire = MockProvider(prefix).answer(*CALLS)
    http = httpx2.Client(transport=wire.transport)
    if prefix in ("google", "vertexai"):
        from google.genai import types

        transport: dict[str, Any] = {"http_options": types.HttpOptions(httpx_client=http)}
    else:
        transport = {"http_client": http}
    client = harness.from_provider(f"{prefix}/some-model", **transport)
    assert dumps(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)) == dumps(CALLS)
    request = wire.requests[0]
    assert request.url.host == host
    assert "some-model" in (str(request.url) + json.dumps(wire.bodies[0]))
    assert "test-key" in " ".join(request.headers.values())


# --- the caller's client, outputs and models -----------------------------------------------------


@pytest.mark.parametrize("prefix", ["openai", "anthropic"])
def test_async_client_that_disagrees_with_the_sdk_client_is_refused(prefix: str) -> None:
    wire = MockProvider(prefix)
    with pytest.raises(TypeError, match="async_client=True but client is a sync"):
        harness.from_provider(f"{prefix}/m", client=wire.sdk_client(async_client=False), async_client=True)
    with pytest.raises(TypeError, match="async_client=False but client is an async"):
        harness.from_provider(f"{prefix}/m", client=wire.sdk_client(async_client=True), async_client=False)
    assert wire.requests == []


def test_from_provider_is_typed_by_the_client_it_returns() -> None:
    import anthropic
    import openai

    # mypy checks these annotations against from_provider's overloads.
    sync_client: harness.ParallelToolsClient = harness.from_provider(
        "openai/m", client=MockProvider("openai").sdk_client()
    )
    async_openai: harness.AsyncParallelToolsClient = harness.from_provider(
        "openai/m", client=openai.AsyncOpenAI(api_key="test-key")
    )
    async_anthropic: harness.AsyncParallelToolsClient = harness.from_provider(
        "anthropic/m", client=anthropic.AsyncAnthropic(api_key="test-key")
    )
    said: harness.AsyncParallelToolsClient = harness.from_provider(
        "google/m", client=MockProvider("google").sdk_client(async_client=True), async_client=True
    )
    assert [type(c).__name__ for c in (sync_client, async_openai, async_anthropic, said)] == [
        "ParallelToolsClient",
        *["AsyncParallelToolsClient"] * 3,
    ]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_tool_result_messages_refuse_a_bare_string(prefix: str) -> None:
    wire = MockProvider(prefix).answer(*CALLS)
    response = wire.client().create_with_response(messages=MESSAGES, response_model=RESPONSE_MODEL)
    with pytest.raises(TypeError, match="not a single string"):
        response.tool_result_messages("ok")


@pytest.mark.parametrize("prefix", ["google", "vertexai"])
def test_outputs_keyed_by_id_explain_that_gemini_calls_have_none(prefix: str) -> None:
    wire = MockProvider(prefix).answer(*CALLS)
    response = wire.client().create_with_response(messages=MESSAGES, response_model=RESPONSE_MODEL)
    with pytest.raises(TypeError, match=r"gave these calls no ids.*list of 3 strings"):
        response.tool_result_messages({"a": "1"})


def test_two_models_of_one_name_are_named_with_their_modules() -> None:
    billing = create_model("Customer", __module__="billing", name=(str, ...))
    shipping = create_model("Customer", __module__="shipping", address=(str, ...))
    response_model: Any = Iterable[Union[billing, shipping]]  # type: ignore[valid-type]  # noqa: UP007
    with pytest.raises(harness.ToolNameError, match=r"billing\.Customer and shipping\.Customer"):
        MockProvider("openai").client().create(messages=MESSAGES, response_model=response_model)


class Aliased(BaseModel):
    """Every kind of alias: the writers key arguments as the tool schema declares them."""

    model_config = ConfigDict(title="Aliased")
    plain: int
    shown: str = Field(serialization_alias="shownOut")
    chosen: str = Field(validation_alias=AliasChoices("chosenIn", "chosen_alt"))
    both: float = Field(alias="bothAlias")
    split: bool = Field(validation_alias="splitIn", serialization_alias="splitOut")
    inner: list[Weather] = Field(serialization_alias="innerOut")


ALIASED = Aliased.model_validate(
    {
        "plain": 1,
        "shown": "s",
        "chosen_alt": "c",
        "bothAlias": 2.5,
        "splitIn": True,
        "inner": [{"location": "Oslo", "units": "metric"}],
    }
)


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_writers_key_arguments_as_the_schema_declares_them(prefix: str, stream: bool) -> None:
    client: Any = MockProvider(prefix).answer(ALIASED, CALLS[0]).client()
    values = list(client.create(messages=MESSAGES, response_model=Iterable[Aliased | Weather], stream=stream))
    assert values == [ALIASED, CALLS[0]]
    (call, _) = WireAnswer.of([ALIASED, CALLS[0]]).calls
    assert set(json.loads(call.arguments)) == {"plain", "shown", "chosenIn", "bothAlias", "splitIn", "inner"}


def test_several_chat_choices_are_refused_before_sending() -> None:
    wire = MockProvider("openai")
    with pytest.raises(ValueError, match="n=2 asks for several choices"):
        wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, n=2)
    assert wire.requests == []
