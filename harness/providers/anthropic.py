"""Anthropic Messages: ``POST /v1/messages`` with ``tools`` and ``tool_use`` content blocks."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from harness._toolset import ToolSet
from harness.errors import MalformedResponseError
from harness.providers._base import (
    ParsedAnswer,
    Provider,
    RawCall,
    SDKClient,
    StreamDecoder,
    ToolOutput,
    call_arguments,
    halves,
    sse,
)
from harness.providers._messages import SYSTEM_ROLES, is_chat, text_of, tool_calls_of
from harness.providers._schema import SchemaRules

DEFAULT_MAX_TOKENS = 4096
MAX_STRICT_TOOLS = 20


class Anthropic(Provider):
    name = "anthropic"
    tool_name_pattern = re.compile(r"[a-zA-Z0-9_-]{1,64}")
    tool_name_rule = "1 to 64 of a-z, A-Z, 0-9, '_' and '-'"
    incomplete_reasons = frozenset({"max_tokens", "model_context_window_exceeded"})
    # input_schema is JSON Schema 2020-12 and taken as a guide: pydantic's schema goes as it is.
    rules = SchemaRules(provider="anthropic")
    # Strict tool use is grammar-constrained: closed objects, no recursion, no numeric or length bounds,
    # minItems 0 or 1 only, no other array constraints; the documented keywords and formats below.
    strict_rules = SchemaRules(
        provider="anthropic (strict)",
        allowed=frozenset(
            {
                "type",
                "properties",
                "required",
                "additionalProperties",
                "items",
                "anyOf",
                "allOf",
                "enum",
                "const",
                "$ref",
                "$defs",
                "description",
                "title",
                "default",
                "pattern",
                "format",
                "minItems",
            }
        ),
        described=frozenset(
            {
                "minimum",
                "maximum",
                "exclusiveMinimum",
                "exclusiveMaximum",
                "multipleOf",
                "minLength",
                "maxLength",
                "maxItems",
                "uniqueItems",
                "minProperties",
                "maxProperties",
                "examples",
            }
        ),
        unsupported={
            "prefixItems": "a tuple (fixed positions in an array)",
            "not": "a negated schema",
            "if": "a conditional schema",
            "patternProperties": "pattern-keyed properties",
        },
        formats=frozenset(
            {"date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"}
        ),
        one_of_as_any_of=True,  # oneOf is not in the supported list; pydantic's tagged oneOf is exact as anyOf
        closed_objects=True,
        recursion="none",
        max_min_items=1,
    )

    def default_client(self, *, async_client: bool, **sdk_kwargs: Any) -> SDKClient:
        import anthropic

        if async_client:
            return SDKClient(anthropic.AsyncAnthropic(**sdk_kwargs), is_async=True)
        return SDKClient(anthropic.Anthropic(**sdk_kwargs), is_async=False)

    def wrap_client(self, client: Any, *, async_client: bool) -> SDKClient:
        create = getattr(getattr(client, "messages", None), "create", None)
        if create is None or not type(client).__module__.startswith("anthropic"):
            raise TypeError(
                f"anthropic needs an anthropic.Anthropic or AsyncAnthropic client, got {type(client).__qualname__}"
            )
        return SDKClient(client, is_async=inspect.iscoroutinefunction(inspect.unwrap(create)))

    # --- request ---------------------------------------------------------------------
    def tool_declarations(self, toolset: ToolSet, *, strict: bool) -> list[dict[str, Any]]:
        if strict and len(toolset.tools) > MAX_STRICT_TOOLS:
            raise ValueError(
                f"anthropic takes at most {MAX_STRICT_TOOLS} strict tools; response_model has {len(toolset.tools)}"
            )
        tools = []
        for tool in toolset.tools:
            declaration: dict[str, Any] = {
                "name": tool.name,
                "description": tool.description,
                "input_schema": self.schema_for(tool, strict=strict),
            }
            if strict:
                declaration["strict"] = True
            tools.append(declaration)
        return tools

    def build_request(
        self, *, model: str, messages: Sequence[Any], tools: list[dict[str, Any]], options: dict[str, Any]
    ) -> dict[str, Any]:
        system, turns = _history(messages)
        request: dict[str, Any] = {
            "model": model,
            "max_tokens": DEFAULT_MAX_TOKENS,
            "messages": turns,
            "tools": tools,
            # "any" forces a call; parallel calls stay allowed unless the caller disables them.
            "tool_choice": {"type": "any"},
        }
        if system:
            request["system"] = system
        if _thinking_enabled(options.get("thinking")):
            # Extended thinking refuses a forced tool choice; calls are still required of the answer.
            request["tool_choice"] = {"type": "auto"}
        request.update(options)
        return request

    def send(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any:
        return client.messages.create(**request, stream=stream)

    async def send_async(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any:
        return await client.messages.create(**request, stream=stream)

    # --- answer ----------------------------------------------------------------------
    def parse_answer(self, response: Any) -> ParsedAnswer:
        content = getattr(response, "content", None)
        if content is None:
            raise MalformedResponseError(provider=self.name, problem="the message has no content")
        calls: list[RawCall] = []
        text: list[str] = []
        # Server tools (server_tool_use, web search results) run at Anthropic: they are not calls for us.
        for block in content:
            if block.type == "tool_use":
                calls.append(RawCall(block.id, block.name, block.input))
            elif block.type == "text":
                text.append(block.text)
        return ParsedAnswer(calls, "".join(text), response.stop_reason)

    def stream_decoder(self) -> StreamDecoder:
        return _MessagesStreamDecoder()

    # --- conversation ----------------------------------------------------------------
    def tool_result_messages(self, response: Any, outputs: Sequence[ToolOutput]) -> list[Any]:
        assistant = {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in response.content]}
        # Every tool_result in ONE user message, before any text; a missing one is an HTTP 400.
        results = [
            {"type": "tool_result", "tool_use_id": o.call.id, "content": o.content, "is_error": o.is_error}
            for o in outputs
        ]
        return [assistant, {"role": "user", "content": results}]

    # --- backward --------------------------------------------------------------------
    def answer_json(self, calls: Sequence[BaseModel], *, model: str) -> dict[str, Any]:
        return {**self._message(model, "tool_use"), "content": [_tool_use(i, c) for i, c in enumerate(calls)]}

    def answer_sse(self, calls: Sequence[BaseModel], *, model: str) -> str:
        events: list[dict[str, Any]] = [{"type": "message_start", "message": self._message(model, None)}]
        for i, instance in enumerate(calls):
            block = _tool_use(i, instance)
            text = json.dumps(block.pop("input"))
            events.append({"type": "content_block_start", "index": i, "content_block": {**block, "input": {}}})
            for piece in halves(text):
                delta = {"type": "input_json_delta", "partial_json": piece}
                events.append({"type": "content_block_delta", "index": i, "delta": delta})
            events.append({"type": "content_block_stop", "index": i})
        events.append(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                "usage": {"output_tokens": 0},
            }
        )
        events.append({"type": "message_stop"})
        return sse(events, named=True)

    @staticmethod
    def _message(model: str, stop_reason: str | None) -> dict[str, Any]:
        return {
            "id": "msg_harness",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": 0, "output_tokens": 0},
        }


def _history(messages: Sequence[Any]) -> tuple[str, list[Any]]:
    """Chat messages -> (``system``, ``messages``); Anthropic's own messages pass through."""
    system: list[str] = []
    turns: list[Any] = []
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        role = message.get("role") if is_chat(message) else None
        if role in SYSTEM_ROLES:
            system.append(text_of(message["content"], where))
        elif role == "tool":
            result = {"type": "tool_result", "tool_use_id": message["tool_call_id"], "content": message["content"]}
            # Every tool_result of one assistant turn belongs in ONE user message.
            if turns and turns[-1].get("role") == "user" and _only_tool_results(turns[-1]):
                turns[-1] = {"role": "user", "content": [*turns[-1]["content"], result]}
            else:
                turns.append({"role": "user", "content": [result]})
        elif role == "assistant" and message.get("tool_calls"):
            text = text_of(message.get("content"), where)
            blocks: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
            for call_id, name, arguments in tool_calls_of(message, where):
                blocks.append({"type": "tool_use", "id": call_id, "name": name, "input": arguments})
            turns.append({"role": "assistant", "content": blocks})
        else:
            turns.append(message)  # user and assistant text have the same shape in both APIs
    return "\n\n".join(system), turns


def _thinking_enabled(thinking: Any) -> bool:
    return isinstance(thinking, dict) and thinking.get("type") not in (None, "disabled")


def _only_tool_results(turn: dict[str, Any]) -> bool:
    content = turn.get("content")
    return isinstance(content, list) and all(isinstance(b, dict) and b.get("type") == "tool_result" for b in content)


def _tool_use(index: int, instance: BaseModel) -> dict[str, Any]:
    name, arguments = call_arguments(instance)
    return {"type": "tool_use", "id": f"toolu_{index:02d}", "name": name, "input": arguments}


class _MessagesStreamDecoder(StreamDecoder):
    """A ``tool_use`` block opens a call; ``input_json_delta`` fragments fill it; ``content_block_stop`` ends it."""

    def __init__(self) -> None:
        super().__init__()
        self._open: dict[int, tuple[str, str, list[str]]] = {}

    def feed(self, event: Any) -> list[RawCall]:
        kind = event.type
        if kind == "content_block_start" and event.content_block.type == "tool_use":
            block = event.content_block
            self._open[event.index] = (block.id, block.name, [])
        elif kind == "content_block_delta":
            delta = event.delta
            if delta.type == "input_json_delta" and event.index in self._open:
                self._open[event.index][2].append(delta.partial_json)
            elif delta.type == "text_delta":
                self.text_parts.append(delta.text)
        elif kind == "content_block_stop" and event.index in self._open:
            call_id, name, parts = self._open.pop(event.index)
            return [RawCall(call_id, name, "".join(parts))]
        elif kind == "message_delta" and event.delta.stop_reason is not None:
            self.finish_reason = event.delta.stop_reason
        return []

    def finish(self) -> list[RawCall]:
        rest = [RawCall(i, n, "".join(p)) for i, n, p in self._open.values()]
        self._open.clear()
        return rest


PROVIDER = Anthropic()
