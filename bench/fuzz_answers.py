"""Mutated provider answers through the real SDKs: each ends as the original calls or a typed error.

For every spec, well-formed answers written by the provider's own writers (plain JSON and SSE) are
mutated with a fixed seed: a value at a random place replaced by another JSON type, a key or an
element deleted, the bytes truncated, made non-UTF-8, nested too deep or given an over-long integer,
a stream event dropped, repeated or replaced by raw text. Harmless changes (key order, an unknown key,
CRLF line ends, other chunking) are mixed in; for those the result must be exactly the original.

Each mutated answer is served to the real SDK client over an in-memory transport and read through
harness. It prints, per spec, how many ended as the same calls, as a harness error, as the SDK's API
error, as other calls (a value was changed: fine), and the ones that count: **untyped** exceptions,
answers **shortened** or **reordered** without an error, and harmless changes that **changed** the result.

    python bench/fuzz_answers.py --count 12500 --seed 1
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import copy
import json
import random
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

import harness
from harness.providers import get_provider
from harness.providers._base import Provider, Usage, WireAnswer, WireCall
from harness.testing import MockProvider

SPECS = ("openai", "openai-responses", "anthropic", "google", "vertexai")
MESSAGES = [{"role": "user", "content": "weather in Oslo and Lima, and search"}]


class Weather(BaseModel):
    location: str
    units: Literal["imperial", "metric"]


class GoogleSearch(BaseModel):
    query: str
    limit: int = 10


RESPONSE_MODEL = Iterable[Weather | GoogleSearch]

ANSWERS = [
    WireAnswer.of(
        [Weather(location="Oslo", units="metric"), Weather(location="Lima", units="imperial"), GoogleSearch(query="q")],
        text="Calling tools.",
        usage=Usage(12, 30, 42),
    ),
    WireAnswer.of([GoogleSearch(query="zoë \u2603", limit=3)], usage=Usage(1, 2, 3)),
    WireAnswer(calls=(WireCall("Weather", '{"location": "Oslo", "units": "metric"}', id="same"),) * 2),
]

#: Values a field is replaced with: every JSON type, and the edges of each.
VALUES: list[Any] = [None, 0, -1, 2**70, 1.5, True, "", "x", [], [None], {}, {"unknown": 1}]


@dataclass(frozen=True)
class Mutant:
    body: bytes
    what: str
    #: The result must be exactly the original calls.
    harmless: bool = False
    #: Calls may legitimately go missing (an element of the answer was deleted).
    may_drop: bool = False


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    places = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            places += _places(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            places += _places(item, (*path, i))
    return places


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        document = document[key]
    return document


def _mutate_json(rng: random.Random, document: Any) -> tuple[Any, str, bool, bool]:
    """A mutated copy, what was done, whether it is harmless, whether calls may be dropped."""
    document = copy.deepcopy(document)
    path = rng.choice(_places(document)[1:] or [()])
    if not path:
        return rng.choice(VALUES), "the whole body replaced", False, True
    parent, key = _parent(document, path), path[-1]
    kind = rng.choice(["replace", "replace", "replace", "delete", "unknown key", "reorder"])
    where = ".".join(map(str, path))
    if kind == "replace":
        value = parent[key] = rng.choice(VALUES)
        # A null reads as an absent field, and an unknown kind of item (another tool's) is skipped by design:
        # calls may go missing then, as they may when an array is replaced.
        may_drop = value is None or isinstance(value, list) or (key == "type" and isinstance(value, str))
        return document, f"{where} = {json.dumps(value)}", False, may_drop
    if kind == "delete":
        del parent[key]
        return document, f"{where} deleted", False, True
    target = parent[key] if isinstance(parent[key], dict) else parent
    if not isinstance(target, dict):
        return document, "nothing changed", True, False
    if kind == "unknown key":
        target["x_harness_fuzz"] = {"nested": [1, "two"]}
        return document, f"an unknown key beside {where}", True, False
    items = list(target.items())
    rng.shuffle(items)
    target.clear()
    target.update(items)
    return document, f"keys reordered near {where}", True, False


def _broken_bytes(rng: random.Random, text: bytes) -> tuple[bytes, str]:
    kind = rng.choice(["truncate", "empty", "non-utf8", "deep", "long integer"])
    if kind == "truncate":
        cut = rng.randrange(len(text))
        return text[:cut], f"truncated at byte {cut}"
    if kind == "empty":
        return b"", "empty body"
    if kind == "non-utf8":
        at = rng.randrange(len(text))
        return text[:at] + b"\xff\xfe" + text[at:], f"invalid UTF-8 at byte {at}"
    if kind == "deep":
        depth = rng.choice([2_000, 100_000])
        return b"[" * depth + b"]" * depth, f"arrays nested {depth} deep"
    return text.replace(b"42", b"4" * 5_000, 1) if b"42" in text else b'{"a": ' + b"9" * 5_000 + b"}", "long int"


def json_mutants(rng: random.Random, body: dict[str, Any]) -> Mutant:
    if rng.random() < 0.15:
        raw, what = _broken_bytes(rng, json.dumps(body).encode())
        return Mutant(raw, what, may_drop=True)
    document, what, harmless, may_drop = _mutate_json(rng, body)
    return Mutant(json.dumps(document).encode(), what, harmless, may_drop)


def _frame(events: list[Any], provider: Provider, raw: dict[int, str], crlf: bool) -> str:
    parts = []
    for i, event in enumerate(events):
        name = f"event: {event['type']}\n" if provider.sse_named and isinstance(event, dict) and "type" in event else ""
        data = raw.get(i, json.dumps(event, separators=(",", ":")))
        parts.append(f"{name}data: {data}\n\n")
    if provider.sse_done is not None:
        parts.append(f"data: {provider.sse_done}\n\n")
    text = "".join(parts)
    return text.replace("\n", "\r\n") if crlf else text


def stream_mutants(rng: random.Random, provider: Provider, events: list[Any]) -> Mutant:
    events = copy.deepcopy(events)
    at = rng.randrange(len(events))
    kind = rng.choice(["json", "json", "json", "drop", "repeat", "raw", "truncate", "crlf"])
    raw: dict[int, str] = {}
    what, harmless, may_drop = f"event {at}: ", False, False
    if kind == "json":
        events[at], change, harmless, may_drop = _mutate_json(rng, events[at])
        what += change
    elif kind == "drop":
        del events[at]
        what, may_drop = what + "dropped", True
    elif kind == "repeat":
        events.insert(at, events[at])
        what += "sent twice"
    elif kind == "raw":
        raw[at] = rng.choice(["123", "null", '"text"', "{bad", "\udcff", "[1, 2]", "true"])
        what, may_drop = what + f"data: {raw[at]!r}", True
    elif kind == "crlf":
        what, harmless = "CRLF line ends", True
    text = _frame(events, provider, raw, kind == "crlf").encode("utf-8", "surrogateescape")
    if kind == "truncate":
        cut = rng.randrange(len(text))
        text, what, may_drop = text[:cut], f"stream cut at byte {cut}", True
    return Mutant(text, what, harmless, may_drop)


def _api_errors() -> tuple[type[BaseException], ...]:
    import anthropic
    import google.genai.errors
    import openai

    return (openai.APIError, anthropic.APIError, google.genai.errors.APIError)


def _chunks(rng: random.Random, body: bytes) -> list[bytes]:
    cuts = sorted(rng.sample(range(1, len(body)), min(3, len(body) - 1))) if len(body) > 1 else []
    return [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]


def run_one(spec: str, mutant: Mutant, *, stream: bool, is_async: bool, rng: random.Random) -> list[Any]:
    endpoint = MockProvider(spec)
    if stream:
        endpoint.answer_chunks(_chunks(rng, mutant.body))
    else:
        endpoint.answer_body(mutant.body)
    if not is_async:
        client = endpoint.client()
        if stream:
            return list(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True))
        return client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)
    async_client = endpoint.client(async_client=True)

    async def go() -> list[Any]:
        if stream:
            calls = async_client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
            return [value async for value in calls]
        return await async_client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)

    return asyncio.run(go())


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    frame = frames[-1] if frames else None
    return f"{type(exc).__name__} at {frame.filename.rsplit('site-packages/', 1)[-1]}:{frame.lineno}" if frame else ""


def fuzz(count: int, seed: int, specs: Iterable[str], report: Callable[[str], None] = print) -> int:
    rng = random.Random(seed)
    specs = list(specs)
    outcomes: dict[str, collections.Counter[str]] = {spec: collections.Counter() for spec in specs}
    faults: collections.Counter[str] = collections.Counter()
    examples: dict[str, str] = {}
    typed_api = _api_errors()
    for i in range(count):
        spec = specs[i % len(specs)]
        provider = get_provider(spec)
        answer = rng.choice(ANSWERS)
        stream = rng.random() < 0.5
        is_async = rng.random() < 0.2
        expected = [json.loads(c.arguments) for c in answer.calls]
        if stream:
            mutant = stream_mutants(rng, provider, provider.write_events(answer, model="test-model"))
        else:
            mutant = json_mutants(rng, provider.write_response(answer, model="test-model"))
        try:
            values = run_one(spec, mutant, stream=stream, is_async=is_async, rng=rng)
        except harness.HarnessError:
            outcomes[spec]["harness error"] += 1
            continue
        except typed_api:
            outcomes[spec]["SDK API error"] += 1
            continue
        except Exception as exc:
            outcomes[spec]["UNTYPED"] += 1
            key = f"{spec}: {_where(exc)}"
            faults[key] += 1
            examples.setdefault(key, f"{'stream' if stream else 'json'}: {mutant.what}: {str(exc)[:120]}")
            continue
        got = [v.model_dump(exclude_defaults=False) for v in values]
        want = [{**({"limit": 10} if "query" in a else {}), **a} for a in expected]
        if got == want:
            outcomes[spec]["same calls"] += 1
        elif mutant.harmless:
            outcomes[spec]["CHANGED BY A HARMLESS EDIT"] += 1
            key = f"{spec}: harmless edit changed the result"
            faults[key] += 1
            examples.setdefault(key, f"{'stream' if stream else 'json'}: {mutant.what}")
        elif sorted(map(json.dumps, got)) == sorted(map(json.dumps, want)):
            outcomes[spec]["REORDERED"] += 1
            key = f"{spec}: {'stream' if stream else 'json'} reordered"
            faults[key] += 1
            examples.setdefault(key, mutant.what)
        elif len(got) < len(want) and not mutant.may_drop:
            outcomes[spec]["SHORTENED"] += 1
            key = f"{spec}: {'stream' if stream else 'json'} shortened"
            faults[key] += 1
            examples.setdefault(key, f"{mutant.what}: {len(got)} of {len(want)} calls")
        else:
            outcomes[spec]["other calls"] += 1
    total = collections.Counter[str]()
    for spec in specs:
        total.update(outcomes[spec])
        report(f"{spec:18} " + ", ".join(f"{n} {what}" for what, n in sorted(outcomes[spec].items())))
    report(f"{'all':18} {count} mutated answers: " + ", ".join(f"{n} {what}" for what, n in sorted(total.items())))
    for key, n in faults.most_common():
        report(f"  {n:5} x {key}\n          e.g. {examples[key]}")
    return total["UNTYPED"] + total["SHORTENED"] + total["REORDERED"] + total["CHANGED BY A HARMLESS EDIT"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2_500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--specs", default=",".join(SPECS))
    args = parser.parse_args()
    sys.exit(1 if fuzz(args.count, args.seed, args.specs.split(",")) else 0)


if __name__ == "__main__":
    main()
