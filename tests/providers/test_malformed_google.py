"""Bad Gemini and Vertex AI answers reach the caller typed: a MalformedResponseError naming call and field.

google-genai validates its response models, so many bad answers fail inside the SDK call, as a
``pydantic.ValidationError`` or the SDK's ``UnknownApiResponseError``: those arrive as a
MalformedResponseError with the SDK's failure as ``__cause__`` (and its field, where it names one), while
a config the SDK refuses before sending stays the caller's own error. The random mutations are the
Anthropic tests' (:func:`tests.providers.test_malformed_anthropic.check_mutations`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pydantic
import pytest
from google.genai import errors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import MalformedResponseError
from harness.providers import get_provider
from harness.providers._base import WireAnswer, WireCall
from harness.testing import MockProvider
from tests._fuzz import examples, served
from tests._seed import CALLS, RESPONSE_MODEL, USER, dumps
from tests.providers.test_malformed_anthropic import Path_, check_mutations, mutated, recording_bases

PREFIXES = ["google", "vertexai"]
ANSWER = WireAnswer.of(CALLS, text="Checking.")
#: parts[0] is text, parts[1..3] the calls.
BODY = get_provider("google").write_response(ANSWER, model="test-model")
#: Two text chunks, one chunk per call, then the chunk with the finish reason.
EVENTS = get_provider("google").write_events(ANSWER, model="test-model")
PARTS = ("candidates", 0, "content", "parts")


def stream_text(events: Sequence[Any]) -> bytes:
    return "".join(f"data: {json.dumps(event)}\n\n" for event in events).encode()


def ask(
    prefix: str, body: bytes, *, stream: bool, is_async: bool = False, response_model: Any = RESPONSE_MODEL, **kw: Any
) -> list[str]:
    return served(prefix, body, stream=stream, is_async=is_async, response_model=response_model, **kw)


# (id, path, value, index, name, field, cause): field None where the SDK names none
PLAIN: list[tuple[Any, ...]] = [
    ("candidates-null", ("candidates",), None, None, None, "candidates", None),
    ("candidates-empty", ("candidates",), [], None, None, "candidates", None),
    ("part-null", (*PARTS, 1), None, None, None, "candidates[0].content.parts[1]", pydantic.ValidationError),
    ("part-empty", (*PARTS, 2), {}, None, None, "candidates[0].content.parts[2]", None),
    (
        "name-object",
        (*PARTS, 2, "functionCall", "name"),
        {"a": 1},
        None,
        None,
        "candidates[0].content.parts[2].functionCall.name",
        pydantic.ValidationError,
    ),
    (
        "name-null",
        (*PARTS, 2, "functionCall", "name"),
        None,
        1,
        None,
        "candidates[0].content.parts[2].functionCall.name",
        None,
    ),
    (
        "args-list",
        (*PARTS, 3, "functionCall", "args"),
        [1],
        None,
        None,
        "candidates[0].content.parts[3].functionCall.args",
        pydantic.ValidationError,
    ),
    (
        "id-number",
        (*PARTS, 3, "functionCall", "id"),
        5,
        None,
        None,
        "candidates[0].content.parts[3].functionCall.id",
        pydantic.ValidationError,
    ),
    (
        "text-number",
        (*PARTS, 0, "text"),
        5,
        None,
        None,
        "candidates[0].content.parts[0].text",
        pydantic.ValidationError,
    ),
    (
        "content-string",
        ("candidates", 0, "content"),
        "x",
        None,
        None,
        "candidates[0].content",
        pydantic.ValidationError,
    ),
    ("parts-object", PARTS, {"0": {}}, None, None, "candidates[0].content.parts", pydantic.ValidationError),
    ("finish-reason-number", ("candidates", 0, "finishReason"), 5, None, None, None, AttributeError),
    ("finish-reason-missing", ("candidates", 0, "finishReason"), None, None, None, "candidates[0].finishReason", None),
    ("usage-negative", ("usageMetadata", "promptTokenCount"), -5, None, None, "usageMetadata.promptTokenCount", None),
    (
        "usage-fraction",
        ("usageMetadata", "totalTokenCount"),
        2.5,
        None,
        None,
        "usageMetadata.totalTokenCount",
        pydantic.ValidationError,
    ),
    ("usage-list", ("usageMetadata",), [], None, None, "usageMetadata", pydantic.ValidationError),
]


def check(error: MalformedResponseError, prefix: str, expected: tuple[Any, ...]) -> None:
    index, name, field, cause = expected
    assert (error.provider, error.index, error.name, error.field) == (prefix, index, name, field)
    assert isinstance(error.__cause__, cause) if cause is not None else error.__cause__ is None


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(("path", "value", "index", "name", "field", "cause"), [p[1:] for p in PLAIN],
                         ids=[p[0] for p in PLAIN])  # fmt: skip
def test_a_bad_field_of_a_plain_answer_is_named(
    prefix: str, path: Path_, value: Any, index: int | None, name: str | None, field: str | None, cause: Any
) -> None:
    with pytest.raises(MalformedResponseError) as caught:
        ask(prefix, json.dumps(mutated(BODY, path, value)).encode(), stream=False)
    check(caught.value, prefix, (index, name, field, cause))


@pytest.mark.parametrize("prefix", PREFIXES)
def test_async_plain_answers_are_read_alike(prefix: str) -> None:
    body = json.dumps(mutated(BODY, (*PARTS, 1), None)).encode()
    with pytest.raises(MalformedResponseError) as caught:
        ask(prefix, body, stream=False, is_async=True)
    check(caught.value, prefix, (None, None, "candidates[0].content.parts[1]", pydantic.ValidationError))


CHUNK = ("candidates", 0, "content", "parts", 0)
STREAMED: list[tuple[Any, ...]] = [
    ("part-null", (3, *CHUNK), None, None, None, "candidates[0].content.parts[0]", pydantic.ValidationError),
    ("call-gone", (3, *CHUNK, "functionCall"), None, None, None, "candidates[0].content.parts[0]", None),
    (
        "name-null",
        (3, *CHUNK, "functionCall", "name"),
        None,
        1,
        None,
        "candidates[0].content.parts[0].functionCall.name",
        None,
    ),
    (
        "args-string",
        (4, *CHUNK, "functionCall", "args"),
        "{}",
        None,
        None,
        "candidates[0].content.parts[0].functionCall.args",
        pydantic.ValidationError,
    ),
    # google-genai reads a stream chunk's candidates of another type as none: the chunk's call would vanish.
    ("candidates-text", (1, "candidates"), "", None, None, "candidates", None),
    ("candidates-object", (2, "candidates"), {}, None, None, "candidates", None),
    (
        "usage-negative",
        (5, "usageMetadata", "candidatesTokenCount"),
        -1,
        None,
        None,
        "usageMetadata.candidatesTokenCount",
        None,
    ),
]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(("path", "value", "index", "name", "field", "cause"), [s[1:] for s in STREAMED],
                         ids=[s[0] for s in STREAMED])  # fmt: skip
def test_a_bad_field_of_a_stream_chunk_is_named(
    prefix: str, path: Path_, value: Any, index: int | None, name: str | None, field: str | None, cause: Any,
    is_async: bool,
) -> None:  # fmt: skip
    with pytest.raises(MalformedResponseError) as caught:
        ask(prefix, stream_text(mutated(EVENTS, path, value)), stream=True, is_async=is_async)
    check(caught.value, prefix, (index, name, field, cause))


GOOD = json.dumps(BODY).encode()
UNDECODABLE = {
    "truncated": (GOOD[: len(GOOD) // 2], json.JSONDecodeError),
    "too-deep": (b"[" * 100_000 + b"]" * 100_000, RecursionError),
    "over-long-integer": (GOOD.replace(b'"promptTokenCount": 0', b'"promptTokenCount": ' + b"9" * 5000), ValueError),
}


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize(("body", "cause"), UNDECODABLE.values(), ids=UNDECODABLE.keys())
def test_a_body_the_sdk_cannot_decode_is_malformed_with_the_sdk_error_as_cause(
    body: bytes, cause: type[BaseException], stream: bool, is_async: bool
) -> None:
    with pytest.raises(MalformedResponseError, match="could not be read") as caught:
        ask("google", b"data: " + body + b"\n\n" if stream else body, stream=stream, is_async=is_async)
    assert isinstance(caught.value.__cause__, errors.UnknownApiResponseError if stream and cause is
                      json.JSONDecodeError else cause)  # fmt: skip


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_an_empty_body_is_an_answer_without_candidates(stream: bool) -> None:
    with pytest.raises(MalformedResponseError) as caught:
        ask("google", b"data: \n\n" if stream else b"", stream=stream)
    assert caught.value.field == ("candidates" if not stream else None)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_a_config_the_sdk_refuses_before_sending_stays_the_callers_error(stream: bool, is_async: bool) -> None:
    wire = MockProvider("google")
    with pytest.raises(pydantic.ValidationError) as caught:
        ask("google", GOOD, stream=stream, is_async=is_async, temperature="hot")
    assert not isinstance(caught.value, MalformedResponseError)
    assert wire.requests == []


def test_an_http_error_stays_the_sdks_own() -> None:
    body = get_provider("google").write_error(503, "busy")
    with pytest.raises(errors.APIError):
        MockProvider("google").answer_body(body, status=503).client().create(
            messages=[USER], response_model=RESPONSE_MODEL
        )


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("call_id", ["call_same", None], ids=["one-shared-id", "no-ids"])
def test_calls_sharing_one_id_or_without_ids_all_come_back(prefix: str, stream: bool, call_id: str | None) -> None:
    answer = WireAnswer([WireCall.of(call, id=call_id) for call in CALLS])
    wire = MockProvider(prefix).answer_wire(answer)
    assert dumps(wire.client().create(messages=[USER], response_model=RESPONSE_MODEL, stream=stream)) == dumps(CALLS)


# --- random mutations ----------------------------------------------------------------------------


def _serialize(document: Any, original: Any, stream: bool) -> bytes:
    return stream_text(document) if stream else json.dumps(document).encode()


#: In a stream every chunk is a whole response: one without candidates, content or parts carries no call.
WHOLE = frozenset({"candidates", "content", "parts"})


def _skip(path: Path_, kind: str, stream: bool) -> bool:
    """Changes that alter the meaning of a well-formed answer: a call's arguments (or none); in a stream, a chunk's
    candidates, content or parts themselves (absent or empty there is a chunk without calls)."""
    absent = kind in ("null", "delete")  # null is absent in Google's JSON: args absent are no arguments
    whole = stream and (len(path) == 1 or path[-1] in WHOLE)  # a chunk replaced: chunks carry no sequence number
    return "args" in path[:-1] or (path[-1] == "args" and absent) or whole


def _ask(body: bytes, stream: bool, target: tuple[str, Any]) -> list[str]:
    prefix, response_model = target
    return ask(prefix, body, stream=stream, response_model=response_model)


def _bases() -> list[tuple[Any, bool, Any]]:
    bases: list[tuple[Any, bool, Any]] = [(BODY, False, ("google", RESPONSE_MODEL)), (EVENTS, True, ("vertexai",
                                          RESPONSE_MODEL))]  # fmt: skip
    for prefix in PREFIXES:
        bases += [(doc, stream, (prefix, model)) for doc, stream, model in recording_bases(prefix)]
    return bases


BASES = _bases()


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
@pytest.mark.fuzz
@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_answers_give_the_original_calls_or_a_typed_error(data: st.DataObject) -> None:
    check_mutations(data, BASES, _ask, _serialize, _skip, errors.APIError, b'"functionCall"')


def test_the_mutation_bases_hold_calls() -> None:
    assert _ask(_serialize(BODY, BODY, False), False, ("google", RESPONSE_MODEL)) == dumps(CALLS)
    assert _ask(_serialize(EVENTS, EVENTS, True), True, ("vertexai", RESPONSE_MODEL)) == dumps(CALLS)
    assert len(BASES) > 10
