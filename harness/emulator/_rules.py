"""What the real APIs reject, as one registry: each rule with the provider's status, message and a source.

A rule must never reject what the real API accepts: every recorded real request passes all of them
(tests/emulator). Each rule names where its behaviour comes from: a documentation page, or the text
of an error the real API returned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from harness.providers._base import Provider, ReceivedRequest


@dataclass(frozen=True)
class Rejection:
    """A 400 (or other status) in the provider's own error shape."""

    status: int
    message: str
    param: str | None = None
    rule: str = ""


Check = Callable[[Provider, dict[str, Any], ReceivedRequest], "Rejection | None"]


@dataclass(frozen=True)
class RejectionRule:
    name: str
    prefixes: frozenset[str]
    source: str
    check: Check


def rejection_for(prefix: str, provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    """The first rule of the registry that ``body`` breaks for ``prefix``, or None."""
    for rule in RULES:
        if prefix in rule.prefixes:
            rejection = rule.check(provider, body, received)
            if rejection is not None:
                return Rejection(rejection.status, rejection.message, rejection.param, rule.name)
    return None


# --- the rules --------------------------------------------------------------------------------------

_ALL = frozenset({"openai", "openai-responses", "anthropic", "google", "vertexai"})
_OPENAI = frozenset({"openai", "openai-responses"})


def _tool_names(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    for i, tool in enumerate(received.tools):
        if tool.kind == "function" and not provider.tool_name_pattern.fullmatch(tool.name):
            return Rejection(
                400,
                f"Invalid 'tools[{i}]' function name {tool.name!r}: it must match {provider.tool_name_rule}.",
                param=f"tools[{i}].name",
            )
    return None


def _anthropic_max_tokens(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    if "max_tokens" not in body:
        return Rejection(400, "max_tokens: Field required", param="max_tokens")
    return None


def _anthropic_strict_count(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    strict = [tool.name for tool in received.tools if tool.strict]
    if len(strict) > 20:
        return Rejection(400, f"tools: at most 20 tools may use strict mode; this request has {len(strict)}")
    return None


_OPENAI_STRICT_UNSUPPORTED = (
    "allOf",
    "not",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "prefixItems",
)


#: Structured outputs' documented limits: properties in total, object nesting, enum values in total.
_OPENAI_STRICT_LIMITS = (5000, 10, 1000)


def _openai_strict_schemas(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    for tool in received.tools:
        if tool.kind != "function" or not tool.strict or tool.schema is None:
            continue
        nodes = list(_schema_nodes(tool.schema, ()))
        properties = sum(len(node.get("properties") or {}) for _, node in nodes)
        depth = max(sum(1 for step in path if step == "properties") for path, _ in nodes)
        enums = sum(len(node.get("enum") or ()) for _, node in nodes)
        counts = (properties, depth + 1, enums)
        for count, limit, what in zip(
            counts, _OPENAI_STRICT_LIMITS, ("properties", "levels of nesting", "enum values"), strict=True
        ):
            if count > limit:
                return Rejection(
                    400,
                    f"Invalid schema for function '{tool.name}': a strict schema may have at most {limit} {what}, "
                    f"this one has {count}.",
                    param="tools",
                )
        for path, node in nodes:
            where = f"context=({', '.join(repr(p) for p in path)})"
            for keyword in _OPENAI_STRICT_UNSUPPORTED:
                if keyword in node:
                    return Rejection(
                        400,
                        f"Invalid schema for function '{tool.name}': In {where}, '{keyword}' is not permitted.",
                        param="tools",
                    )
            if node.get("type") == "object" or "properties" in node:
                if node.get("additionalProperties") is not False:
                    return Rejection(
                        400,
                        f"Invalid schema for function '{tool.name}': In {where}, 'additionalProperties' is required "
                        "to be supplied and to be false.",
                        param="tools",
                    )
                missing = [name for name in node.get("properties", {}) if name not in node.get("required", ())]
                if missing:
                    return Rejection(
                        400,
                        f"Invalid schema for function '{tool.name}': In {where}, 'required' is required to be "
                        f"supplied and to be an array including every key in properties. Missing '{missing[0]}'.",
                        param="tools",
                    )
    return None


def _schema_nodes(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    if not isinstance(node, dict):
        return
    yield path, node
    for name, sub in (node.get("properties") or {}).items():
        yield from _schema_nodes(sub, (*path, "properties", name))
    for key in ("items", "additionalProperties"):
        yield from _schema_nodes(node.get(key), (*path, key))
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for i, sub in enumerate(node.get(key) or ()):
            yield from _schema_nodes(sub, (*path, key, str(i)))
    for key in ("$defs", "definitions"):
        for name, sub in (node.get(key) or {}).items():
            yield from _schema_nodes(sub, (*path, key, name))


def _chat_tool_messages(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    messages = body.get("messages") or []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") != "assistant" or not message.get("tool_calls"):
            continue
        answered = set()
        for following in messages[i + 1 :]:
            if not isinstance(following, dict) or following.get("role") != "tool":
                break
            answered.add(following.get("tool_call_id"))
        missing = [
            str(c.get("id")) for c in message["tool_calls"] if isinstance(c, dict) and c.get("id") not in answered
        ]
        if missing:
            return Rejection(
                400,
                "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
                f"'tool_call_id'. The following tool_call_ids did not have response messages: {', '.join(missing)}",
                param=f"messages.[{i + 1}].role",
            )
    return None


def _responses_call_outputs(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    if body.get("previous_response_id") or not isinstance(body.get("input"), list):
        return None  # calls from an earlier response are held by the API, not in this body
    calls = {
        item.get("call_id") for item in body["input"] if isinstance(item, dict) and item.get("type") == "function_call"
    }
    for item in body["input"]:
        if isinstance(item, dict) and item.get("type") == "function_call_output" and item.get("call_id") not in calls:
            return Rejection(
                400, f"No tool call found for function call output with call_id {item.get('call_id')}.", "input"
            )
    return None


def _anthropic_tool_results(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    messages = body.get("messages") or []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        uses = [str(b.get("id")) for b in _blocks(message) if b.get("type") == "tool_use"]
        if not uses:
            continue
        following = messages[i + 1] if i + 1 < len(messages) else None
        if following is None:
            continue  # a prefilled assistant turn ends the conversation: answered by the model
        results = {b.get("tool_use_id") for b in _blocks(following) if b.get("type") == "tool_result"}
        missing = [use for use in uses if use not in results]
        if missing:
            return Rejection(
                400,
                f"messages.{i + 1}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                f"{', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` block in the "
                "next message.",
            )
    return None


def _blocks(message: Any) -> Sequence[dict[str, Any]]:
    content = message.get("content") if isinstance(message, dict) else None
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _gemini_function_responses(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    contents = body.get("contents") or []
    for i, content in enumerate(contents[:-1]):
        calls = sum(1 for part in _parts(content) if "functionCall" in part or "function_call" in part)
        if not calls:
            continue
        responses = sum(
            1 for part in _parts(contents[i + 1]) if "functionResponse" in part or "function_response" in part
        )
        if responses and responses != calls:
            return Rejection(
                400,
                "Please ensure that the number of function response parts is equal to the number of function call "
                "parts of the function call turn.",
            )
    return None


def _parts(content: Any) -> list[dict[str, Any]]:
    parts = content.get("parts") if isinstance(content, dict) else None
    return [p for p in parts if isinstance(p, dict)] if isinstance(parts, list) else []


RULES: tuple[RejectionRule, ...] = (
    RejectionRule(
        "tool name pattern",
        _ALL,
        "https://platform.openai.com/docs/api-reference/chat/create#chat-create-tools ; "
        "https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use ; "
        "https://ai.google.dev/api/caching#FunctionDeclaration",
        _tool_names,
    ),
    RejectionRule(
        "anthropic requires max_tokens",
        frozenset({"anthropic"}),
        "https://docs.anthropic.com/en/api/messages",
        _anthropic_max_tokens,
    ),
    RejectionRule(
        "anthropic strict tool count",
        frozenset({"anthropic"}),
        "https://docs.anthropic.com/en/docs/build-with-claude/structured-outputs (at most 20 strict tools)",
        _anthropic_strict_count,
    ),
    RejectionRule(
        "openai strict schema subset",
        _OPENAI,
        "https://platform.openai.com/docs/guides/structured-outputs#supported-schemas",
        _openai_strict_schemas,
    ),
    RejectionRule(
        "openai tool messages answer every call",
        frozenset({"openai"}),
        "recorded API error: 'An assistant message with 'tool_calls' must be followed by tool messages ...'",
        _chat_tool_messages,
    ),
    RejectionRule(
        "responses function_call_output needs its call",
        frozenset({"openai-responses"}),
        "recorded API error: 'No tool call found for function call output with call_id ...'",
        _responses_call_outputs,
    ),
    RejectionRule(
        "anthropic tool_result right after tool_use",
        frozenset({"anthropic"}),
        "https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use#handling-tool-use-and-tool-result-content-blocks",
        _anthropic_tool_results,
    ),
    RejectionRule(
        "gemini function responses match the calls",
        frozenset({"google", "vertexai"}),
        "recorded API error: 'Please ensure that the number of function response parts is equal to ...'",
        _gemini_function_responses,
    ),
)
