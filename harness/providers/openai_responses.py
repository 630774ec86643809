"""OpenAI Responses: ``POST /responses`` with flat function tools and ``function_call`` output items."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from harness._toolset import ToolSet
from harness.errors import MalformedResponseError
from harness.providers import _openai
from harness.providers._base import (
    ParsedAnswer,
    RawCall,
    StreamDecoder,
    ToolOutput,
    call_arguments,
    halves,
    sse,
)
from harness.providers._messages import is_chat, text_of, tool_calls_of


class OpenAIResponses(_openai.OpenAIProvider):
    name = "openai-responses"
    incomplete_reasons = frozenset({"max_output_tokens", "content_filter"})
    # Same dialect as Chat Completions; errors name the API the caller picked.
    rules = dataclasses.replace(_openai.RULES, provider="openai-responses")
    strict_rules = dataclasses.replace(_openai.STRICT_RULES, provider="openai-responses (strict)")

    # --- request ---------------------------------------------------------------------
    def tool_declarations(self, toolset: ToolSet, *, strict: bool) -> list[dict[str, Any]]:
        return [
            {
                "type": "function",
                "name": tool.name,
                "description": tool.description,
                "parameters": self.schema_for(tool, strict=strict),
                # Omitting strict lets the API try to make the schema strict: always say which.
                "strict": strict,
            }
            for tool in toolset.tools
        ]

    def build_request(
        self, *, model: str, messages: Sequence[Any], tools: list[dict[str, Any]], options: dict[str, Any]
    ) -> dict[str, Any]:
        return {"model": model, "input": _input_items(messages), "tools": tools, "tool_choice": "required", **options}

    def send(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any:
        return client.responses.create(**request, stream=stream)

    async def send_async(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any:
        return await client.responses.create(**request, stream=stream)

    # --- answer ----------------------------------------------------------------------
    def parse_answer(self, response: Any) -> ParsedAnswer:
        output = getattr(response, "output", None)
        if output is None:
            raise MalformedResponseError(provider=self.name, problem="the response has no output items")
        calls = [_raw_call(item) for item in output if item.type == "function_call"]
        text = "".join(
            part.text
            for item in output
            if item.type == "message"
            for part in item.content or ()
            if getattr(part, "type", None) == "output_text"
        )
        return ParsedAnswer(calls, text, _finish_reason(response))

    def stream_decoder(self) -> StreamDecoder:
        return _ResponsesStreamDecoder()

    # --- conversation ----------------------------------------------------------------
    def tool_result_messages(self, response: Any, outputs: Sequence[ToolOutput]) -> list[Any]:
        items: list[Any] = [item.model_dump(exclude_none=True) for item in response.output]
        for o in outputs:
            text = f"Error: {o.content}" if o.is_error else o.content
            items.append({"type": "function_call_output", "call_id": o.call.id, "output": text})
        return items

    # --- backward --------------------------------------------------------------------
    def answer_json(self, calls: Sequence[BaseModel], *, model: str) -> dict[str, Any]:
        return self._response(model, "completed", [_function_call(i, c) for i, c in enumerate(calls)])

    def answer_sse(self, calls: Sequence[BaseModel], *, model: str) -> str:
        events: list[dict[str, Any]] = [
            {"type": "response.created", "response": self._response(model, "in_progress", [])}
        ]
        items = []
        for i, instance in enumerate(calls):
            item = _function_call(i, instance)
            items.append(item)
            text = item["arguments"]
            events.append(
                {
                    "type": "response.output_item.added",
                    "output_index": i,
                    "item": {**item, "arguments": "", "status": "in_progress"},
                }
            )
            for piece in halves(text):
                events.append(
                    {
                        "type": "response.function_call_arguments.delta",
                        "item_id": item["id"],
                        "output_index": i,
                        "delta": piece,
                    }
                )
            events.append(
                {
                    "type": "response.function_call_arguments.done",
                    "item_id": item["id"],
                    "output_index": i,
                    "arguments": text,
                }
            )
            events.append({"type": "response.output_item.done", "output_index": i, "item": item})
        events.append({"type": "response.completed", "response": self._response(model, "completed", items)})
        for number, event in enumerate(events):
            event["sequence_number"] = number
        return sse(events, named=True)

    @staticmethod
    def _response(model: str, status: str, output: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": "resp_harness",
            "object": "response",
            "created_at": 0,
            "model": model,
            "status": status,
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": "required",
            "tools": [],
            "error": None,
            "incomplete_details": None,
            "instructions": None,
            "metadata": {},
            "temperature": None,
            "top_p": None,
            "usage": {
                "input_tokens": 0,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": 0,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 0,
            },
        }


def _input_items(messages: Sequence[Any]) -> list[Any]:
    """Chat messages -> input items; items of the Responses API's own (with a ``type``) pass through."""
    items: list[Any] = []
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        role = message.get("role") if is_chat(message) and "type" not in message else None
        if role == "tool":
            output = text_of(message["content"], where)
            items.append({"type": "function_call_output", "call_id": message["tool_call_id"], "output": output})
        elif role == "assistant" and message.get("tool_calls"):
            text = text_of(message.get("content"), where)
            if text:
                items.append({"role": "assistant", "content": text})
            for call_id, name, arguments in tool_calls_of(message, where):
                call = {"type": "function_call", "call_id": call_id, "name": name, "arguments": json.dumps(arguments)}
                items.append(call)
        elif role is not None and isinstance(message.get("content"), list):
            # Chat text parts are {"type": "text"}; here they are input_text, or output_text from the assistant.
            kind = "output_text" if role == "assistant" else "input_text"
            items.append({"role": role, "content": [{"type": kind, "text": text_of(message["content"], where)}]})
        else:
            items.append(message)  # {"role", "content": str} is a valid input item as it is
    return items


def _function_call(index: int, instance: BaseModel) -> dict[str, Any]:
    name, arguments = call_arguments(instance)
    return {
        "type": "function_call",
        "id": f"fc_{index:02d}",
        "call_id": f"call_{index:02d}",
        "name": name,
        "arguments": json.dumps(arguments),
        "status": "completed",
    }


def _raw_call(item: Any) -> RawCall:
    # call_id, not id, pairs a call with its function_call_output.
    return RawCall(item.call_id, item.name, item.arguments)


def _finish_reason(response: Any) -> str | None:
    details = getattr(response, "incomplete_details", None)
    if getattr(response, "status", None) == "incomplete" and details is not None:
        return str(details.reason)
    return getattr(response, "status", None)


class _ResponsesStreamDecoder(StreamDecoder):
    """``response.output_item.done`` carries each finished ``function_call`` item whole.

    The closing ``response.completed`` event lists every output item again; a call it holds that no
    ``output_item.done`` announced is handed out then, so no call is lost to a dropped event.
    """

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[str] = set()

    def feed(self, event: Any) -> list[RawCall]:
        kind = event.type
        if kind == "response.output_item.done" and event.item.type == "function_call":
            return self._new([event.item])
        if kind == "response.output_text.delta":
            self.text_parts.append(event.delta)
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            self.finish_reason = _finish_reason(event.response)
            return self._new([item for item in event.response.output or () if item.type == "function_call"])
        return []

    def _new(self, items: list[Any]) -> list[RawCall]:
        fresh = [item for item in items if item.call_id not in self._seen]
        self._seen.update(item.call_id for item in fresh)
        return [_raw_call(item) for item in fresh]


PROVIDER = OpenAIResponses()
