"""Bad Anthropic answers reach the caller typed: a MalformedResponseError naming the call and the wire field.

Every answer here goes through the real ``anthropic`` SDK over an in-memory transport. The table holds
one mutation of a well-formed answer (plain or streamed) per known escape; the Hypothesis test mutates
well-formed answers (written by the provider, and real recordings) at random JSON paths and bytes, and
checks the result is the original calls exactly, or harness's or the SDK's own error: never another
exception, and never fewer calls without one. :func:`check_mutations` serves the Gemini tests too.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union

import anthropic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import HarnessError, MalformedResponseError
from harness.providers import get_provider
from harness.providers._base import WireAnswer, WireCall
from harness.testing import MockProvider
from tests._fuzz import examples, places, served
from tests._seed import CALLS, RESPONSE_MODEL, USER, dumps
from tests.providers.test_real_recordings import RECORDINGS, Recording, build_model, declared_tools

PROVIDER = get_provider("anthropic")
#: The seed answer with text before its three calls: content[0] is text, content[1..3] the calls.
ANSWER = WireAnswer.of(CALLS, text="Checking.")
BODY = PROVIDER.write_response(ANSWER, model="test-model")
EVENTS = PROVIDER.write_events(ANSWER, model="test-model")

Path_ = tuple[str | int, ...]


def mutated(document: Any, path: Path_, value: Any = ..., *, delete: bool = False) -> Any:
    """A deep copy of ``document`` with the value at ``path`` replaced (or its key deleted)."""
    document = copy.deepcopy(document)
    node = document
    for step in path[:-1]:
        node = node[step]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return document


def stream_text(events: Sequence[Any], names: Sequence[str] | None = None) -> bytes:
    """Events as Anthropic frames them; ``event:`` names come from ``names`` (the unmutated events' types)."""
    names = names or [event["type"] for event in events]
    return "".join(f"event: {n}\ndata: {json.dumps(e)}\n\n" for n, e in zip(names, events, strict=True)).encode()


def event_at(kind: str, index: int | None = None, nth: int = 0) -> int:
    """The position in EVENTS of the ``nth`` event of ``kind`` (for content block ``index``)."""
    found = [i for i, e in enumerate(EVENTS) if e["type"] == kind and (index is None or e.get("index") == index)]
    return found[nth]


def ask(body: bytes, *, stream: bool, is_async: bool = False, response_model: Any = RESPONSE_MODEL) -> list[str]:
    """The calls harness hands back for ``body`` served as it is (as JSON, or as an event stream)."""
    return served("anthropic", body, stream=stream, is_async=is_async, response_model=response_model)


# --- the table -----------------------------------------------------------------------------------

PLAIN: list[tuple[Any, ...]] = [
    # (id, path, value, index, name, field)
    ("block-null", ("content", 1), None, None, None, "content[1]"),
    ("block-string", ("content", 2), "tool_use", None, None, "content[2]"),
    ("text-null", ("content", 0, "text"), None, None, None, "content[0].text"),
    ("type-number", ("content", 1, "type"), 3, None, None, "content[1].type"),
    ("name-object", ("content", 2, "name"), {"a": 1}, 1, None, "content[2].name"),
    ("name-null", ("content", 3, "name"), None, 2, None, "content[3].name"),
    ("input-string", ("content", 2, "input"), '{"location": "Dallas"}', 1, "Weather", "content[2].input"),
    ("input-list", ("content", 1, "input"), [], 0, "Weather", "content[1].input"),
    ("input-null", ("content", 3, "input"), None, 2, "GoogleSearch", "content[3].input"),
    ("id-number", ("content", 3, "id"), 7, 2, "GoogleSearch", "content[3].id"),
    ("content-null", ("content",), None, None, None, "content"),
    ("content-object", ("content",), {"0": {}}, None, None, "content"),
    ("usage-string", ("usage", "input_tokens"), "12", None, None, "usage.input_tokens"),
    ("usage-negative", ("usage", "output_tokens"), -1, None, None, "usage.output_tokens"),
    ("usage-float", ("usage", "output_tokens"), 1.5, None, None, "usage.output_tokens"),
    (
        "usage-cached-object",
        ("usage", "cache_read_input_tokens"),
        {"n": 1},
        None,
        None,
        "usage.cache_read_input_tokens",
    ),
    ("usage-list", ("usage",), [1], None, None, "usage"),
    ("stop-reason-number", ("stop_reason",), 1, None, None, "stop_reason"),
]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(("path", "value", "index", "name", "field"), [p[1:] for p in PLAIN], ids=[p[0] for p in PLAIN])
def test_a_bad_field_of_a_plain_answer_is_named(
    path: Path_, value: Any, index: int | None, name: str | None, field: str, is_async: bool
) -> None:
    with pytest.raises(MalformedResponseError) as caught:
        ask(json.dumps(mutated(BODY, path, value)).encode(), stream=False, is_async=is_async)
    error = caught.value
    assert (error.provider, error.index, error.name, error.field) == ("anthropic", index, name, field)
    assert field in str(error)


def _delta(index: int, nth: int, key: str, value: Any) -> tuple[Path_, Any]:
    return (event_at("content_block_delta", index, nth), "delta", key), value


STREAMED: list[tuple[Any, ...]] = [
    # (id, path into EVENTS, value, index, name, field)
    ("block-null", (event_at("content_block_start", 2), "content_block"), None, None, None, "content_block"),
    (
        "block-type-null",
        (event_at("content_block_start", 1), "content_block", "type"),
        None,
        None,
        None,
        "content_block.type",
    ),
    (
        "name-object",
        (event_at("content_block_start", 2), "content_block", "name"),
        {"a": 1},
        1,
        None,
        "content_block.name",
    ),
    ("id-list", (event_at("content_block_start", 3), "content_block", "id"), [], 2, "GoogleSearch", "content_block.id"),
    ("start-index-object", (event_at("content_block_start", 1), "index"), {"i": 1}, None, None, "index"),
    ("delta-index-string", (event_at("content_block_delta", 2), "index"), "two", None, None, "index"),
    ("stop-index-negative", (event_at("content_block_stop", 3), "index"), -3, None, None, "index"),
    ("partial-json-null", *_delta(2, 1, "partial_json", None), 1, "Weather", "delta.partial_json"),
    ("partial-json-number", *_delta(3, 0, "partial_json", 5), 2, "GoogleSearch", "delta.partial_json"),
    ("text-null", *_delta(0, 0, "text", None), None, None, "delta.text"),
    ("delta-null", (event_at("content_block_delta", 1), "delta"), None, 0, "Weather", "delta"),
    ("event-type-null", (event_at("content_block_stop", 1), "type"), None, None, None, "type"),
    ("message-null", (0, "message"), None, None, None, "message"),
    ("start-usage-negative", (0, "message", "usage", "input_tokens"), -1, None, None, "message.usage.input_tokens"),
    (
        "delta-usage-string",
        (event_at("message_delta"), "usage", "output_tokens"),
        "three",
        None,
        None,
        "usage.output_tokens",
    ),
    ("stop-reason-object", (event_at("message_delta"), "delta", "stop_reason"), {}, None, None, "delta.stop_reason"),
]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(
    ("path", "value", "index", "name", "field"), [s[1:] for s in STREAMED], ids=[s[0] for s in STREAMED]
)
def test_a_bad_field_of_a_stream_event_is_named(
    path: Path_, value: Any, index: int | None, name: str | None, field: str, is_async: bool
) -> None:
    names = [event["type"] for event in EVENTS]
    with pytest.raises(MalformedResponseError) as caught:
        ask(stream_text(mutated(EVENTS, path, value), names), stream=True, is_async=is_async)
    error = caught.value
    assert (error.provider, error.index, error.name, error.field) == ("anthropic", index, name, field)


def _without(*positions: int) -> list[dict[str, Any]]:
    return [event for i, event in enumerate(EVENTS) if i not in positions]


@pytest.mark.parametrize(
    ("events", "index", "name", "problem"),
    [
        # Today's silent loss: the deltas and stop of a block whose start never came.
        (_without(event_at("content_block_start", 2)), None, None, "content_block_delta for content block 2"),
        # Another block's start in its place: the block numbering skips one.
        (
            _without(*range(event_at("content_block_start", 2), event_at("content_block_stop", 2) + 1)),
            None,
            None,
            "content block 3 started, expected 2",
        ),
        (EVENTS[:3] + EVENTS[1:], None, None, "content block 0 started again"),
        (_without(event_at("content_block_start", 0)), None, None, "content_block_delta for content block 0"),
        (
            EVENTS[: event_at("content_block_stop", 1) + 1] + EVENTS[event_at("content_block_stop", 1) :],
            None,
            None,
            "content_block_stop for content block 1, which is not open",
        ),
    ],
    ids=["delta-before-start", "block-skipped", "started-twice", "text-delta-before-start", "stopped-twice"],
)
def test_events_for_a_block_that_is_not_open_are_malformed(
    events: list[dict[str, Any]], index: int | None, name: str | None, problem: str
) -> None:
    with pytest.raises(MalformedResponseError, match=problem) as caught:
        ask(stream_text(events), stream=True)
    assert (caught.value.index, caught.value.name, caught.value.field) == (index, name, "index")


def test_huge_well_formed_usage_counts_are_values() -> None:
    huge = 2**70
    body = mutated(mutated(BODY, ("usage", "input_tokens"), huge), ("usage", "cache_read_input_tokens"), huge)
    wire = MockProvider("anthropic").answer_body(body)
    response = wire.client().create_with_response(messages=[USER], response_model=RESPONSE_MODEL)
    assert dumps(call.value for call in response.calls) == dumps(CALLS)
    assert response.usage is not None and response.usage.input_tokens == 2 * huge


# --- what the SDK itself cannot decode -----------------------------------------------------------

GOOD = json.dumps(BODY).encode()
UNDECODABLE = {
    "truncated": (GOOD[: len(GOOD) // 2], json.JSONDecodeError),
    "empty": (b"", json.JSONDecodeError),
    "not-utf-8": (GOOD.replace(b"Toronto", b"Tor\xffonto"), UnicodeDecodeError),
    "too-deep": (b"[" * 100_000 + b"]" * 100_000, RecursionError),
    "over-long-integer": (GOOD.replace(b'"output_tokens": 0', b'"output_tokens": ' + b"9" * 5000), ValueError),
}


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(("body", "cause"), UNDECODABLE.values(), ids=UNDECODABLE.keys())
def test_a_body_the_sdk_cannot_decode_is_malformed_with_the_sdk_error_as_cause(
    body: bytes, cause: type[BaseException], is_async: bool
) -> None:
    with pytest.raises(MalformedResponseError, match="the answer could not be read") as caught:
        ask(body, stream=False, is_async=is_async)
    assert isinstance(caught.value.__cause__, cause)


STREAM = stream_text(EVENTS)
BAD_LINES = {
    "not-json": (STREAM.replace(b'"type": "content_block_stop"', b'"type": content_block_stop', 1), ValueError),
    "not-utf-8": (STREAM.replace(b"Toronto", b"Tor\xffonto"), UnicodeDecodeError),
}


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(("body", "cause"), BAD_LINES.values(), ids=BAD_LINES.keys())
def test_a_stream_line_the_sdk_cannot_decode_is_malformed(
    body: bytes, cause: type[BaseException], is_async: bool
) -> None:
    with pytest.raises(MalformedResponseError, match="could not be read") as caught:
        ask(body, stream=True, is_async=is_async)
    assert isinstance(caught.value.__cause__, cause)


def test_an_http_error_stays_the_sdks_own() -> None:
    wire = MockProvider("anthropic").answer_body(PROVIDER.write_error(529, "busy"), status=529)
    with pytest.raises(anthropic.APIStatusError):
        wire.client().create(messages=[USER], response_model=RESPONSE_MODEL)


# --- calls that share an id ----------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_calls_sharing_one_id_all_come_back(stream: bool) -> None:
    shared = WireAnswer([WireCall.of(call, id="toolu_same") for call in CALLS])
    wire = MockProvider("anthropic").answer_wire(shared)
    assert dumps(wire.client().create(messages=[USER], response_model=RESPONSE_MODEL, stream=stream)) == dumps(CALLS)


# --- random mutations ----------------------------------------------------------------------------

SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
)
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "null": st.none(),
    "number": st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False),
    "string": st.text(max_size=6),
    "list": st.lists(SCALARS, max_size=2),
    "object": st.dictionaries(st.text(max_size=4), SCALARS, max_size=2),
}


@st.composite
def mutations(draw: st.DrawFn, document: Any, skip: Callable[[Path_, str], bool]) -> tuple[Any, str]:
    """``document`` with one value replaced or one key deleted, and the kind of change."""
    path = draw(st.sampled_from(places(document)))
    kinds = [*VALUES, "delete"] if isinstance(path[-1], str) else list(VALUES)
    kind = draw(st.sampled_from([k for k in kinds if not skip(path, k)] or ["none"]))
    if kind == "none":
        return document, kind
    if kind == "delete":
        return mutated(document, path, delete=True), kind
    return mutated(document, path, draw(VALUES[kind])), kind


@st.composite
def byte_damage(draw: st.DrawFn, body: bytes) -> bytes:
    """``body`` truncated, or with a few bytes cut out (never a whole call: at most 16)."""
    start = draw(st.integers(0, len(body) - 1))
    if draw(st.booleans()):
        return body[:start]
    return body[:start] + body[start + draw(st.integers(1, 16)) :]


def outcome(run: Callable[[], list[str]], api_error: type[BaseException]) -> list[str] | BaseException:
    """The calls, or the typed error: harness's or the SDK's own. Anything else fails the test."""
    try:
        return run()
    except (HarnessError, api_error) as exc:
        return exc


def check_mutations(
    data: st.DataObject,
    bases: Sequence[tuple[Any, bool, Any]],
    ask: Callable[[bytes, bool, Any], list[str]],
    serialize: Callable[[Any, Any, bool], bytes],
    skip: Callable[[Path_, str, bool], bool],
    api_error: type[BaseException],
    marker: bytes = b'"tool_use"',
) -> None:
    """One drawn mutation of one of ``bases`` (document, streamed, response model): the original calls,
    exactly, or an error. A cut in the bytes may shorten a value, never lose a call."""
    document, stream, response_model = data.draw(st.sampled_from(bases))
    original = serialize(document, document, stream)
    baseline = outcome(lambda: ask(original, stream, response_model), api_error)
    if data.draw(st.booleans()):
        changed, _ = data.draw(mutations(document, lambda path, kind: skip(path, kind, stream)))
        result = outcome(lambda: ask(serialize(changed, document, stream), stream, response_model), api_error)
        assert isinstance(result, BaseException) or result == baseline
    else:
        damaged = data.draw(byte_damage(original))
        result = outcome(lambda: ask(damaged, stream, response_model), api_error)
        if not isinstance(result, BaseException):
            assert isinstance(baseline, list)
            names = [r.split(":")[0] for r in result]
            if names != [b.split(":")[0] for b in baseline]:
                # The one loss a byte cut may bring: a call's block type renamed (``"tool_use"`` cut to
                # ``"ool_use"``) is a block of a type harness does not read, as new server tools are.
                assert len(names) < len(baseline) and damaged.count(marker) < original.count(marker)


def recording_bases(folder: str) -> list[tuple[Any, bool, Any]]:
    """(answer document, streamed, response model) of each real recording in ``folder``."""
    bases = []
    for path in sorted((RECORDINGS / folder).glob("*.json")):
        rec = Recording.load(path)
        models = [build_model(name, schema) for name, schema in declared_tools(folder, rec.request_body)]
        response_model: Any = Iterable[Union[tuple(models)]]  # type: ignore[misc]  # noqa: UP007
        bases.append((rec.events if rec.streamed else rec.response["body"], rec.streamed, response_model))
    return bases


def _serialize(document: Any, original: Any, stream: bool) -> bytes:
    return stream_text(document, [event["type"] for event in original]) if stream else json.dumps(document).encode()


def _skip(path: Path_, kind: str, stream: bool) -> bool:
    """Changes that alter the meaning of a well-formed answer: a call's arguments, a block's type (unknown
    types are blocks harness does not read, as new server tools are), argument text in another string."""
    inside_input = "input" in path[:-1] or (stream and "partial_json" in path and kind == "string")
    return inside_input or (path[-1] == "type" and kind == "string")


BASES = [(BODY, False, RESPONSE_MODEL), (EVENTS, True, RESPONSE_MODEL), *recording_bases("anthropic")]


def _ask(body: bytes, stream: bool, response_model: Any) -> list[str]:
    return ask(body, stream=stream, response_model=response_model)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
@pytest.mark.fuzz
@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_answers_give_the_original_calls_or_a_typed_error(data: st.DataObject) -> None:
    check_mutations(data, BASES, _ask, _serialize, _skip, anthropic.APIError)


def _ask_base(base: tuple[Any, bool, Any]) -> list[str]:
    document, stream, response_model = base
    return _ask(_serialize(document, document, stream), stream, response_model)


def test_the_mutation_bases_hold_calls() -> None:
    """The bases are worth mutating: the seed's three calls, plain and streamed, and calls in every recording."""
    baselines = [outcome(functools.partial(_ask_base, base), anthropic.APIError) for base in BASES]
    assert baselines[:2] == [dumps(CALLS)] * 2
    assert len(baselines) == 2 + len(list((RECORDINGS / "anthropic").glob("*.json")))
    assert all(isinstance(b, list) and b for b in baselines)
