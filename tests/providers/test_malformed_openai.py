"""Bad OpenAI answers (Chat Completions and Responses, plain and streamed) through the real SDK.

Every answer here is written by the provider itself (``write_response``, ``write_events``) or comes from a
real recording, then mutated. What a caller may see is either exactly the calls of the unmutated answer,
or a :class:`harness.HarnessError` (a bad answer is a ``MalformedResponseError`` naming the call and
the field), or the SDK's own ``openai.APIError``: never another exception, never fewer calls in silence.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Union

import hypothesis
import openai
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import harness
from harness._toolset import tool_name
from harness.providers import get_provider
from harness.providers._base import Usage, WireAnswer, WireCall
from harness.testing import MockProvider
from tests._fuzz import examples, places, served
from tests._seed import CALLS, RESPONSE_MODEL, USER, dumps
from tests.providers.test_real_recordings import (
    EXPECTED_CALLS,
    RECORDING_FILES,
    Recording,
    build_model,
    declared_tools,
)

CHAT, RESPONSES = "openai", "openai-responses"
PREFIXES = (CHAT, RESPONSES)
ANSWER = WireAnswer.of(CALLS, text="Let me check.", usage=Usage(11, 22, 33))
Path = tuple[str | int, ...]


# --- writing, mutating and serving answers --------------------------------------------------------


def body(prefix: str, answer: WireAnswer = ANSWER) -> dict[str, Any]:
    written: dict[str, Any] = get_provider(prefix).write_response(answer, model="m")
    return written


def events(prefix: str, answer: WireAnswer = ANSWER) -> list[Any]:
    # Through JSON: the writer shares item objects between events, and a mutation is of one place only.
    written: list[Any] = json.loads(json.dumps(get_provider(prefix).write_events(answer, model="m")))
    return written


class Broken(str):
    """An event's JSON text, cut: written as it is."""


def sse_bytes(prefix: str, stream_events: list[Any]) -> bytes:
    """The stream as the API frames it; an event that is no longer an object keeps only its ``data:`` line."""
    lines = []
    for event in stream_events:
        named = prefix == RESPONSES and isinstance(event, dict) and isinstance(event.get("type"), str)
        data = event if isinstance(event, Broken) else json.dumps(event)
        lines.append((f"event: {event['type']}\n" if named else "") + f"data: {data}\n\n")
    done = get_provider(prefix).sse_done
    return ("".join(lines) + (f"data: {done}\n\n" if done else "")).encode()


def put(document: Any, path: Path, value: Any) -> Any:
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return document


def drop(document: Any, path: Path) -> Any:
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    return document


Outcome = Union[list[str], harness.HarnessError, openai.APIError]  # noqa: UP007


def outcome(
    prefix: str,
    content: bytes | list[bytes],
    *,
    stream: bool,
    is_async: bool = False,
    response_model: Any = RESPONSE_MODEL,
) -> Outcome:
    """What the caller gets: the calls (type and JSON of each), or the harness or SDK error raised.

    ``content`` is the body, or for a stream the chunks it arrives in.
    """
    try:
        return served(prefix, content, stream=stream, is_async=is_async, response_model=response_model)
    except (harness.HarnessError, openai.APIError) as exc:
        return exc


def serve(prefix: str, document: Any, *, stream: bool, is_async: bool = False) -> Outcome:
    content = sse_bytes(prefix, document) if stream else json.dumps(document).encode()
    return outcome(prefix, content, stream=stream, is_async=is_async)


def malformed(result: Outcome) -> harness.MalformedResponseError:
    assert isinstance(result, harness.MalformedResponseError), result
    return result


# --- where things are in a written answer ---------------------------------------------------------


def chat_fragment(stream_events: list[Any], call: int, n: int) -> int:
    """The position of the ``n``-th stream event carrying a fragment of call ``call``."""
    found = [
        i
        for i, e in enumerate(stream_events)
        if e["choices"] and any(f["index"] == call for f in e["choices"][0]["delta"].get("tool_calls") or ())
    ]
    return found[n]


def responses_event(stream_events: list[Any], kind: str, output_index: int | None = None) -> int:
    return next(
        i
        for i, e in enumerate(stream_events)
        if e["type"] == kind and (output_index is None or e.get("output_index") == output_index)
    )


def finish_event(stream_events: list[Any]) -> int:
    return next(i for i, e in enumerate(stream_events) if e["choices"] and e["choices"][0]["finish_reason"])


# --- the table: one known escape per row ----------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    id: str
    prefix: str
    stream: bool
    mutate: Callable[[Any], Any]
    field: str | None
    index: int | None = None
    name: str | None = None


TC = ("choices", 0, "message", "tool_calls")  # Chat Completions' tool calls in a plain answer
MUTATIONS = [
    # Chat Completions, plain
    Mutation("message-null", CHAT, False, lambda b: put(b, ("choices", 0, "message"), None), "choices[0].message"),
    Mutation("choices-object", CHAT, False, lambda b: put(b, ("choices",), {"0": b["choices"][0]}), "choices"),
    Mutation("call-null", CHAT, False, lambda b: put(b, (*TC, 1), None), "choices[0].message.tool_calls[1]", 1),
    Mutation("call-string", CHAT, False, lambda b: put(b, (*TC, 1), "x"), "choices[0].message.tool_calls[1]", 1),
    Mutation(
        "function-null",
        CHAT,
        False,
        lambda b: put(b, (*TC, 1, "function"), None),
        "choices[0].message.tool_calls[1].function",
        1,
    ),
    Mutation(
        "arguments-true",
        CHAT,
        False,
        lambda b: put(b, (*TC, 2, "function", "arguments"), True),
        "choices[0].message.tool_calls[2].function.arguments",
        2,
        "GoogleSearch",
    ),
    Mutation(
        "name-object",
        CHAT,
        False,
        lambda b: put(b, (*TC, 0, "function", "name"), {"n": 1}),
        "choices[0].message.tool_calls[0].function.name",
        0,
    ),
    # A call whose type is null or absent is a function call (Mistral sends none): test_compatible.py.
    Mutation(
        "type-number", CHAT, False, lambda b: put(b, (*TC, 1, "type"), 1), "choices[0].message.tool_calls[1].type", 1
    ),
    Mutation(
        "finish-list",
        CHAT,
        False,
        lambda b: put(b, ("choices", 0, "finish_reason"), ["stop"]),
        "choices[0].finish_reason",
    ),
    Mutation(
        "content-number",
        CHAT,
        False,
        lambda b: put(b, ("choices", 0, "message", "content"), 7),
        "choices[0].message.content",
    ),
    Mutation(
        "usage-string", CHAT, False, lambda b: put(b, ("usage", "prompt_tokens"), "twelve"), "usage.prompt_tokens"
    ),
    Mutation(
        "usage-negative", CHAT, False, lambda b: put(b, ("usage", "completion_tokens"), -1), "usage.completion_tokens"
    ),
    Mutation("usage-float", CHAT, False, lambda b: put(b, ("usage", "total_tokens"), 1.5), "usage.total_tokens"),
    # Chat Completions, streamed
    Mutation("event-number", CHAT, True, lambda e: put(e, (chat_fragment(e, 1, 1),), 123), None),
    Mutation("event-null", CHAT, True, lambda e: put(e, (0,), None), None),
    Mutation(
        "fragment-without-index",
        CHAT,
        True,
        lambda e: drop(e, (chat_fragment(e, 1, 1), "choices", 0, "delta", "tool_calls", 0, "index")),
        "choices[0].delta.tool_calls[0].index",
    ),
    Mutation(
        "fragment-arguments-true",
        CHAT,
        True,
        lambda e: put(
            e, (chat_fragment(e, 2, 1), "choices", 0, "delta", "tool_calls", 0, "function", "arguments"), True
        ),
        "choices[0].delta.tool_calls[0].function.arguments",
        2,
        "GoogleSearch",
    ),
    Mutation(
        "fragment-name-object",
        CHAT,
        True,
        lambda e: put(e, (chat_fragment(e, 0, 0), "choices", 0, "delta", "tool_calls", 0, "function", "name"), {}),
        "choices[0].delta.tool_calls[0].function.name",
        0,
    ),
    Mutation(
        "fragment-null",
        CHAT,
        True,
        lambda e: put(e, (chat_fragment(e, 1, 0), "choices", 0, "delta", "tool_calls", 0), None),
        "choices[0].delta.tool_calls[0]",
    ),
    Mutation(
        "fragment-of-a-new-call-at-a-closed-index",
        CHAT,
        True,
        lambda e: put(e, (chat_fragment(e, 1, 0), "choices", 0, "delta", "tool_calls", 0, "index"), 0),
        "choices[0].delta.tool_calls[0]",
        0,
        "Weather",
    ),
    Mutation(
        "finish-list-streamed",
        CHAT,
        True,
        lambda e: put(e, (finish_event(e), "choices", 0, "finish_reason"), ["stop"]),
        "choices[0].finish_reason",
    ),
    Mutation(
        "choice-without-index",
        CHAT,
        True,
        lambda e: drop(e, (finish_event(e), "choices", 0, "index")),
        "choices[0].index",
    ),
    Mutation(
        "delta-content-number",
        CHAT,
        True,
        lambda e: put(e, (1, "choices", 0, "delta", "content"), 5),
        "choices[0].delta.content",
    ),
    Mutation(
        "usage-string-streamed",
        CHAT,
        True,
        lambda e: put(e, (-1, "usage", "prompt_tokens"), "twelve"),
        "usage.prompt_tokens",
    ),
    Mutation(
        "usage-negative-streamed", CHAT, True, lambda e: put(e, (-1, "usage", "total_tokens"), -3), "usage.total_tokens"
    ),
    # Responses, plain (output[0] is the message, output[1:] the calls)
    Mutation("output-null", RESPONSES, False, lambda b: put(b, ("output",), [None]), "output[0]", 0),
    Mutation("output-item-null", RESPONSES, False, lambda b: put(b, ("output", 2), None), "output[2]", 2),
    Mutation("output-object", RESPONSES, False, lambda b: put(b, ("output",), {"a": 1}), "output"),
    Mutation(
        "text-part-null", RESPONSES, False, lambda b: put(b, ("output", 0, "content", 0), None), "output[0].content[0]"
    ),
    Mutation(
        "text-null",
        RESPONSES,
        False,
        lambda b: put(b, ("output", 0, "content", 0, "text"), None),
        "output[0].content[0].text",
    ),
    Mutation("item-type-null", RESPONSES, False, lambda b: put(b, ("output", 1, "type"), None), "output[1].type", 1),
    Mutation("item-type-number", RESPONSES, False, lambda b: put(b, ("output", 2, "type"), 2), "output[2].type", 2),
    Mutation("item-name-object", RESPONSES, False, lambda b: put(b, ("output", 1, "name"), {}), "output[1].name", 1),
    Mutation(
        "item-arguments-true",
        RESPONSES,
        False,
        lambda b: put(b, ("output", 3, "arguments"), True),
        "output[3].arguments",
        3,
        "GoogleSearch",
    ),
    Mutation("status-number", RESPONSES, False, lambda b: put(b, ("status",), 1), "status"),
    Mutation(
        "usage-string-r", RESPONSES, False, lambda b: put(b, ("usage", "input_tokens"), "three"), "usage.input_tokens"
    ),
    Mutation(
        "usage-negative-r", RESPONSES, False, lambda b: put(b, ("usage", "output_tokens"), -5), "usage.output_tokens"
    ),
    # Responses, streamed
    Mutation("event-null-r", RESPONSES, True, lambda e: put(e, (0,), None), None),
    Mutation("event-number-r", RESPONSES, True, lambda e: put(e, (3,), 123), None),
    Mutation("event-type-number", RESPONSES, True, lambda e: put(e, (1, "type"), 5), "type"),
    Mutation(
        "done-item-null",
        RESPONSES,
        True,
        lambda e: put(e, (responses_event(e, "response.output_item.done", 2), "item"), None),
        "item",
        2,
    ),
    Mutation(
        "done-name-object",
        RESPONSES,
        True,
        lambda e: put(e, (responses_event(e, "response.output_item.done", 1), "item", "name"), {}),
        "item.name",
        1,
    ),
    Mutation(
        "output-index-string",
        RESPONSES,
        True,
        lambda e: put(e, (responses_event(e, "response.output_item.done", 1), "output_index"), "one"),
        "output_index",
    ),
    Mutation(
        "text-delta-null",
        RESPONSES,
        True,
        lambda e: put(e, (responses_event(e, "response.output_text.delta"), "delta"), None),
        "delta",
    ),
    Mutation(
        "completed-response-null",
        RESPONSES,
        True,
        lambda e: put(e, (responses_event(e, "response.completed"), "response"), None),
        "response",
    ),
    Mutation(
        "completed-output-item-null",
        RESPONSES,
        True,
        lambda e: put(e, (responses_event(e, "response.completed"), "response", "output", 3), None),
        "response.output[3]",
        3,
    ),
    Mutation(
        "completed-holds-another-call",
        RESPONSES,
        True,
        lambda e: put(
            e, (responses_event(e, "response.completed"), "response", "output", 2, "arguments"), '{"query": 1}'
        ),
        "response.output[2]",
        2,
        "Weather",
    ),
    Mutation(
        "done-repeats-an-index-with-another-call",
        RESPONSES,
        True,
        lambda e: put(e, (responses_event(e, "response.output_item.done", 2), "output_index"), 1),
        "output_index",
        1,
        "Weather",
    ),
    Mutation(
        "usage-string-streamed-r",
        RESPONSES,
        True,
        lambda e: put(e, (responses_event(e, "response.completed"), "response", "usage", "input_tokens"), "three"),
        "response.usage.input_tokens",
    ),
]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: f"{m.prefix}-{'stream' if m.stream else 'plain'}-{m.id}")
def test_a_bad_field_is_a_malformed_response_naming_call_and_field(mutation: Mutation, is_async: bool) -> None:
    written = events(mutation.prefix) if mutation.stream else body(mutation.prefix)
    assert serve(mutation.prefix, copy.deepcopy(written), stream=mutation.stream) == dumps(CALLS)  # as written: fine
    error = malformed(serve(mutation.prefix, mutation.mutate(written), stream=mutation.stream, is_async=is_async))
    assert (error.provider, error.field, error.index, error.name) == (
        mutation.prefix,
        mutation.field,
        mutation.index,
        mutation.name,
    )
    for known in (mutation.field, mutation.name):
        assert known is None or known in str(error)


# --- bodies the SDK cannot decode -----------------------------------------------------------------


def undecodable(prefix: str) -> dict[str, bytes]:
    text = json.dumps(body(prefix), ensure_ascii=False)
    long_integer = text.replace(
        '"input_tokens": 11' if prefix == RESPONSES else '"prompt_tokens": 11', '"x": ' + "9" * 5000
    )
    return {
        "truncated": text[: len(text) // 2].encode(),
        "empty": b"",
        "not-utf-8": text.replace("Toronto", "Tor\udcffonto").encode("utf-8", "surrogateescape"),
        "too-deep": b"[" * 100_000 + b"]" * 100_000,
        "integer-too-long": long_integer.encode(),
    }


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("kind", ["truncated", "empty", "not-utf-8", "too-deep", "integer-too-long"])
@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_body_the_sdk_cannot_decode_is_malformed_with_the_sdk_failure_as_cause(
    prefix: str, kind: str, is_async: bool
) -> None:
    error = malformed(outcome(prefix, undecodable(prefix)[kind], stream=False, is_async=is_async))
    assert (error.provider, error.index, error.name, error.field) == (prefix, None, None, None)
    assert "the answer could not be read" in str(error)
    assert isinstance(error.__cause__, Exception) and not isinstance(error.__cause__, harness.HarnessError)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_stream_event_the_sdk_cannot_decode_is_malformed_with_the_sdk_failure_as_cause(prefix: str) -> None:
    content = sse_bytes(prefix, events(prefix)).replace(b"data: {", b"data: {{", 1)
    error = malformed(outcome(prefix, content, stream=True))
    assert isinstance(error.__cause__, json.JSONDecodeError)


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("prefix", PREFIXES)
def test_huge_well_formed_counts_are_values(prefix: str, stream: bool) -> None:
    huge = Usage(2**70, 2**64 + 1, 2**70 + 2**64 + 1)
    wire = MockProvider(prefix).answer_wire(WireAnswer.of(CALLS, usage=huge))
    client = wire.client()
    if stream:
        calls = client.create(messages=[USER], response_model=RESPONSE_MODEL, stream=True)
        assert dumps(calls) == dumps(CALLS)
        usage = calls.usage
    else:
        response = client.create_with_response(messages=[USER], response_model=RESPONSE_MODEL)
        assert dumps(response.values) == dumps(CALLS)
        usage = response.usage
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (2**70, 2**64 + 1, 2**70 + 2**64 + 1)


# --- what is not a malformed answer ---------------------------------------------------------------


SDK_TYPES = {CHAT: openai.types.chat.ChatCompletion, RESPONSES: openai.types.responses.Response}


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("prefix", PREFIXES)
def test_raw_is_the_parsed_sdk_object(prefix: str, is_async: bool) -> None:
    wire = MockProvider(prefix).answer(*CALLS)

    async def in_loop() -> harness.ParallelToolsResponse:
        return await wire.client(async_client=True).create_with_response(messages=[USER], response_model=RESPONSE_MODEL)

    if is_async:
        response = asyncio.run(in_loop())
    else:
        response = wire.client().create_with_response(messages=[USER], response_model=RESPONSE_MODEL)
    assert type(response.raw) is SDK_TYPES[prefix]
    assert [call.id for call in response.calls] == [
        f"call_{i}" if prefix == CHAT else f"call_{i:02d}" for i in range(3)
    ]


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_bad_keyword_argument_stays_the_sdks_type_error(prefix: str, stream: bool) -> None:
    wire = MockProvider(prefix).answer(*CALLS)
    with pytest.raises(TypeError, match="no_such_option") as raised:
        list(wire.client().create(messages=[USER], response_model=RESPONSE_MODEL, stream=stream, no_such_option=1))
    assert not isinstance(raised.value, harness.HarnessError)
    assert not wire.requests


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_sdks_api_errors_pass_as_they_are(prefix: str, stream: bool) -> None:
    error = get_provider(prefix).write_error(500, "The server had an error.")
    if stream:
        wire = MockProvider(prefix).answer_chunks([f"data: {json.dumps(error)}\n\n".encode()])
    else:
        wire = MockProvider(prefix).answer_body(error, status=500)
    with pytest.raises(openai.APIError, match="The server had an error"):
        list(wire.client().create(messages=[USER], response_model=RESPONSE_MODEL, stream=stream))


# --- repeated or missing call ids lose no call ----------------------------------------------------


def without_ids(prefix: str, document: Any) -> Any:
    """Every call id taken out, wherever the answer (or stream) holds one."""
    key = "id" if prefix == CHAT else "call_id"

    def strip(node: Any) -> None:
        if isinstance(node, dict):
            if key in node and (prefix == RESPONSES or "function" in node):
                del node[key]
            for value in node.values():
                strip(value)
        elif isinstance(node, list):
            for value in node:
                strip(value)

    strip(document)
    return document


SAME_IDS = WireAnswer(calls=tuple(WireCall.of(c, id="call_same") for c in CALLS))


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("ids", ["repeated", "missing"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("prefix", PREFIXES)
def test_calls_sharing_one_id_or_having_none_all_come_back(prefix: str, stream: bool, ids: str, is_async: bool) -> None:
    if ids == "repeated":
        document = events(prefix, SAME_IDS) if stream else body(prefix, SAME_IDS)
        assert json.dumps(document).count("call_same") >= 3
    else:
        document = without_ids(prefix, events(prefix) if stream else body(prefix))
        assert "call_0" not in json.dumps(document)
    assert serve(prefix, document, stream=stream, is_async=is_async) == dumps(CALLS)


# --- random mutations of well-formed answers (Hypothesis) -----------------------------------------


@dataclass(frozen=True)
class Source:
    """A well-formed answer, the models its calls are for, and the calls it holds."""

    id: str
    prefix: str
    stream: bool
    document: Any
    response_model: Any
    expected: list[str]


def _recording_source(rec: Recording) -> Source:
    models = {name: build_model(name, schema) for name, schema in declared_tools(rec.folder, rec.request_body)}
    expected = [
        models[call.name].model_validate(call.arguments).model_dump_json() for call in EXPECTED_CALLS[rec.folder](rec)
    ]
    names = [call.name for call in EXPECTED_CALLS[rec.folder](rec)]
    document = rec.events if rec.streamed else rec.response["body"]
    response_model = Iterable[Union[tuple(models.values())]]  # type: ignore[misc,valid-type]  # noqa: UP007
    return Source(
        rec.path.name,
        rec.folder,
        rec.streamed,
        document,
        response_model,
        [f"{name}:{text}" for name, text in zip(names, expected, strict=True)],
    )


@cache
def sources() -> list[Source]:
    written = [
        Source(f"{prefix}-{'stream' if stream else 'plain'}", prefix, stream, document, RESPONSE_MODEL, dumps(CALLS))
        for prefix in PREFIXES
        for stream in (False, True)
        for document in ((events if stream else body)(prefix), (events if stream else body)(prefix, SAME_IDS))
    ]
    recordings = [Recording.load(path) for path in RECORDING_FILES]
    recorded = [
        _recording_source(rec)
        for rec in recordings
        if rec.folder in PREFIXES and EXPECTED_CALLS[rec.folder](rec)  # answers with calls
    ]
    return written + recorded


#: Values put in place of a field: strings are never empty or an object's JSON, so as arguments they fail.
REPLACEMENTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.sampled_from(["x", "function", "function_call", "message", "stop", "tool_calls", "response.completed", "0"]),
    st.text(max_size=4).filter(lambda s: bool(s.strip()) and not s.strip().startswith("{")),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["a", "type", "index"]), st.integers(), max_size=2),
)


#: What a mutation may change: ``same`` (meaning kept: exactly the calls), ``broken`` (the calls or an
#: error), ``kind`` (a call's type is another string: calls of that kind are skipped, the rest in order),
#: ``content`` (a Chat stream fragment of arguments changed or gone: what is left may still be valid JSON,
#: other arguments of the same calls, so the same calls by name or an error).
Rule = str


def _carries_arguments(source: Source, path: Path) -> bool:
    """Whether ``path`` is inside a Chat Completions stream event that carries a piece of arguments."""
    if not (source.stream and source.prefix == CHAT and path):
        return False
    choices = source.document[path[0]].get("choices") or [{}]
    fragments = (choices[0].get("delta") or {}).get("tool_calls") or ()
    return any((f.get("function") or {}).get("arguments") for f in fragments)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[Source, list[bytes], str, Rule]:
    """A source, its mutated answer (the chunks it arrives in), what was done, and what may come back."""
    source = draw(st.sampled_from(sources()))
    document = copy.deepcopy(source.document)
    action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "cut", "truncate", "extra", "reorder"]))
    rule = "same" if action in ("extra", "reorder") else "broken"
    objects = [path for path in [(), *places(document)] if isinstance(_at(document, path), dict)]
    if action == "replace":
        path = draw(st.sampled_from(places(document)))
        value = draw(REPLACEMENTS)
        parent = _at(document, path[:-1])
        put(document, path, value)
        if path[-1] == "type" and isinstance(value, str) and ("function" in parent or "arguments" in parent):
            rule = "kind"
        elif _carries_arguments(source, path):
            rule = "content"
        action = f"replace by {value!r:.40} at {path}"
    elif action == "delete":
        path = draw(st.sampled_from([path for path in places(document) if isinstance(path[-1], str)]))
        drop(document, path)
        rule = "content" if _carries_arguments(source, path) else rule
        action = f"delete {path}"
    elif action == "extra":  # an unknown key, as the API adds new fields
        path = draw(st.sampled_from(objects))
        _at(document, path)["harness_unknown"] = draw(REPLACEMENTS)
        action = f"unknown key at {path}"
    elif action == "reorder":
        path = draw(st.sampled_from(objects))
        node = _at(document, path)
        reversed_items = list(node.items())[::-1]
        node.clear()
        node.update(reversed_items)
        action = f"keys reversed at {path}"
    elif action == "cut" and source.stream:  # bytes cut from one event's JSON text, leaving it invalid
        i = draw(st.integers(0, len(document) - 1))
        text = json.dumps(document[i])
        document[i] = Broken(_cut(draw, text))
        assume(not _is_json(document[i]))
        action = f"cut in event {i}"
    content = sse_bytes(source.prefix, document) if source.stream else json.dumps(document).encode()
    if action == "cut":  # bytes cut from the body, leaving it invalid JSON
        content = _cut(draw, content)
        assume(not _is_json(content))
    elif action == "truncate":
        content = content[: draw(st.integers(0, len(content) - 1))]
    # Chunked anywhere, a stream means the same (the body of a plain answer is read whole).
    cuts = sorted(draw(st.sets(st.integers(1, len(content) - 1), max_size=4))) if len(content) > 1 else []
    chunks = [content[a:b] for a, b in zip([0, *cuts], [*cuts, len(content)], strict=True)]
    return source, chunks, action, rule


def _at(document: Any, path: Path) -> Any:
    for key in path:
        document = document[key]
    return document


def _cut(draw: st.DrawFn, text: Any) -> Any:
    start = draw(st.integers(0, len(text) - 1))
    return text[:start] + text[draw(st.integers(start + 1, min(len(text), start + 40))) :]


def _is_json(text: str | bytes) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


@pytest.mark.fuzz
@settings(max_examples=examples(250), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated(), is_async=st.booleans())
def test_a_mutated_answer_gives_its_calls_or_a_typed_error(
    case: tuple[Source, list[bytes], str, Rule], is_async: bool
) -> None:
    source, chunks, action, rule = case
    result = outcome(
        source.prefix, chunks, stream=source.stream, is_async=is_async, response_model=source.response_model
    )
    hypothesis.event(f"{rule}: {type(result).__name__}")  # shown by --hypothesis-show-statistics
    if rule == "same":
        assert result == source.expected, (source.id, action, result)
    elif isinstance(result, harness.HarnessError | openai.APIError):
        pass
    elif rule == "kind":
        rest = iter(source.expected)
        assert all(call in rest for call in result), (source.id, action, result)
    elif rule == "content":
        assert [call.split(":")[0] for call in result] == [call.split(":")[0] for call in source.expected], action
    else:
        assert result == source.expected, (source.id, action, result)


def test_every_source_gives_its_calls_unmutated() -> None:
    assert len(sources()) >= 8 + 10
    for source in sources():
        content = sse_bytes(source.prefix, source.document) if source.stream else json.dumps(source.document).encode()
        assert outcome(source.prefix, content, stream=source.stream, response_model=source.response_model) == (
            source.expected
        ), source.id


@pytest.mark.parametrize("dropped", [0, 1])
def test_a_call_the_responses_stream_never_completed_before_later_ones_is_malformed_not_reordered(dropped: int) -> None:
    """The closing event lists every item again, so a lost ``output_item.done`` is not a lost call; but
    handed out at the end, a call that came first would come last."""
    stream_events = events(RESPONSES)
    done = call_done_events(stream_events)
    output_index = stream_events[done[dropped]]["output_index"]
    del stream_events[done[dropped]]
    error = malformed(serve(RESPONSES, stream_events, stream=True))
    assert (error.name, error.field) == (tool_name(type(CALLS[dropped])), f"response.output[{output_index}]")


def call_done_events(stream_events: list[Any]) -> list[int]:
    return [
        i
        for i, e in enumerate(stream_events)
        if e["type"] == "response.output_item.done" and e["item"]["type"] == "function_call"
    ]


def test_a_last_call_the_responses_stream_never_completed_comes_from_the_closing_event() -> None:
    stream_events = events(RESPONSES)
    del stream_events[call_done_events(stream_events)[-1]]
    assert serve(RESPONSES, stream_events, stream=True) == dumps(CALLS)
