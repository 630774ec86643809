"""What the emulator answers: parallel calls to the declared tools, arguments drawn from their schemas.

Deterministic: the same seed and the same request (by its canonical key, as cassettes match it) give
the same answer. Honours the tool choice, parallel-call switches and ``max_tokens`` (about four
characters a token). Where no value can satisfy a tool's schema, it answers with text and says why
(``note``), never with arguments that break the schema.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from harness.emulator._script import Rule
from harness.providers._base import DeclaredTool, ReceivedRequest, Usage, WireAnswer, WireCall
from harness.values import RandomSource, UnsatisfiableSchema, values_for

CHARACTERS_PER_TOKEN = 4
MAX_PARALLEL_CALLS = 3


@dataclass
class Decision:
    """An answer and what the emulator wants to say about it (sent as response headers)."""

    answer: WireAnswer
    notes: list[str] = field(default_factory=list)


def decide(
    received: ReceivedRequest,
    *,
    seed: int,
    key: str,
    rule: Rule | None,
    token_limit_reason: str,
    input_size: int,
) -> Decision:
    functions = [tool for tool in received.tools if tool.kind == "function"]
    if rule is not None and rule.text is not None:
        decision = Decision(WireAnswer(text=rule.text))
    elif rule is not None and rule.calls:
        calls = [WireCall(c.name, json.dumps(dict(c.arguments))) for c in rule.calls]
        decision = Decision(WireAnswer(calls=tuple(_limited(calls, received))))
    else:
        decision = _generated(received, functions, RandomSource(f"{seed}:{key}"))
    return _within_limits(decision, received, token_limit_reason, input_size)


def _generated(received: ReceivedRequest, functions: Sequence[DeclaredTool], source: RandomSource) -> Decision:
    if not functions or received.tool_choice == "none":
        return Decision(WireAnswer(text="The harness emulator answers in text: no function tool may be called."))
    if received.continuation and received.tool_choice == "auto":
        return Decision(WireAnswer(text="Done: the harness emulator read the tool results."))
    if received.tool_choice == "named":
        chosen = [tool for tool in functions if tool.name == received.named_tool][:1] or list(functions[:1])
    else:
        count = 1 + source.index(MAX_PARALLEL_CALLS) if received.parallel else 1
        chosen = [functions[source.index(len(functions))] for _ in range(count)]
    calls = []
    for tool in chosen:
        try:
            value = values_for(tool.schema or {"type": "object"}, source, dialect=tool.dialect)
        except UnsatisfiableSchema as exc:
            note = f"no value satisfies {tool.name}'s schema at {exc.path or '<root>'}: {exc.reason}"
            return Decision(WireAnswer(text=f"The harness emulator cannot call {tool.name}: {note}"), [note])
        calls.append(WireCall(tool.name, json.dumps(value, ensure_ascii=False)))
    return Decision(WireAnswer(calls=tuple(calls)))


def _limited(calls: list[WireCall], received: ReceivedRequest) -> list[WireCall]:
    return calls if received.parallel else calls[:1]


def _within_limits(decision: Decision, received: ReceivedRequest, reason: str, input_size: int) -> Decision:
    answer = decision.answer
    limit = received.max_tokens
    text, calls, finish = answer.text, list(answer.calls), answer.finish_reason
    if limit is not None:
        budget = limit * CHARACTERS_PER_TOKEN
        kept: list[WireCall] = []
        used = len(text)
        for call in calls:
            used += len(call.arguments) + len(call.name)
            if used > budget:
                finish = reason
                break
            kept.append(call)
        if len(text) > budget:
            text, finish = text[:budget], reason
        calls = kept
        if finish == reason:
            decision.notes.append(
                f"the answer stopped at max_tokens={limit} (about {CHARACTERS_PER_TOKEN} characters a token)"
            )
    output = len(text) + sum(len(c.arguments) + len(c.name) for c in calls)
    usage = Usage(_tokens(input_size), _tokens(output), _tokens(input_size) + _tokens(output))
    return Decision(WireAnswer(calls=tuple(calls), text=text, finish_reason=finish, usage=usage), decision.notes)


def _tokens(characters: int) -> int:
    return math.ceil(characters / CHARACTERS_PER_TOKEN)
