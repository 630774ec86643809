"""OpenAI Chat Completions: ``POST /chat/completions`` with ``tools`` of type ``function``."""

from __future__ import annotations

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


class OpenAIChat(_openai.OpenAIProvider):
    name = "openai"
    incomplete_reasons = frozenset({"length", "content_filter"})

    # --- request ---------------------------------------------------------------------
    def tool_declarations(self, toolset: ToolSet, *, strict: bool) -> list[dict[str, Any]]:
        return [
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": self.schema_for(tool, strict=strict),
                    "strict": strict,
                },
            }
            for tool in toolset.tools
        ]

    def build_request(
        self, *, model: str, messages: Sequence[Any], tools: list[dict[str, Any]], options: dict[str, Any]
    ) -> dict[str, Any]:
        # "required" forces at least one call and still allows several in one answer.
        return {"model": model, "messages": list(messages), "tools": tools, "tool_choice": "required", **options}

    def send(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any:
        return client.chat.completions.create(**request, stream=stream)

    async def send_async(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any:
        return await client.chat.completions.create(**request, stream=stream)

    # --- answer ----------------------------------------------------------------------
    def parse_answer(self, response: Any) -> ParsedAnswer:
        if not getattr(response, "choices", None):
            raise MalformedResponseError(provider=self.name, problem="the completion has no choices")
        choice = response.choices[0]
        message = choice.message
        calls = [
            RawCall(call.id, call.function.name, call.function.arguments)
            for call in message.tool_calls or ()
            if call.type == "function"
        ]
        text = message.content or getattr(message, "refusal", None) or ""
        return ParsedAnswer(calls, text, choice.finish_reason)

    def stream_decoder(self) -> StreamDecoder:
        return _ChatStreamDecoder()

    # --- conversation ----------------------------------------------------------------
    def tool_result_messages(self, response: Any, outputs: Sequence[ToolOutput]) -> list[Any]:
        # Rebuilt from the fields a request message takes: response-only fields (annotations) are refused.
        message = response.choices[0].message
        calls = [
            {"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments}}
            for c in message.tool_calls or ()
            if c.type == "function"
        ]
        assistant = {"role": "assistant", "content": message.content, "tool_calls": calls}
        results = [
            {
                "role": "tool",
                "tool_call_id": output.call.id,
                "content": f"Error: {output.content}" if output.is_error else output.content,
            }
            for output in outputs
        ]
        return [assistant, *results]

    # --- backward --------------------------------------------------------------------
    def answer_json(self, calls: Sequence[BaseModel], *, model: str) -> dict[str, Any]:
        tool_calls = []
        for i, instance in enumerate(calls):
            name, arguments = call_arguments(instance)
            tool_calls.append(
                {"id": f"call_{i}", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
            )
        return {
            "id": "chatcmpl-harness",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": None, "refusal": None, "tool_calls": tool_calls},
                    "logprobs": None,
                    "finish_reason": "tool_calls",
                }
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }

    def answer_sse(self, calls: Sequence[BaseModel], *, model: str) -> str:
        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            return {
                "id": "chatcmpl-harness",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
            }

        events = [chunk({"role": "assistant", "content": None})]
        for i, instance in enumerate(calls):
            name, arguments = call_arguments(instance)
            text = json.dumps(arguments)
            head = {"index": i, "id": f"call_{i}", "type": "function", "function": {"name": name, "arguments": ""}}
            events.append(chunk({"tool_calls": [head]}))
            for piece in halves(text):
                events.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}))
        events.append(chunk({}, "tool_calls"))
        return sse(events, done="[DONE]")


class _ChatStreamDecoder(StreamDecoder):
    """Deltas carry ``index``; ``id`` and ``name`` come only in each call's first fragment."""

    def __init__(self) -> None:
        super().__init__()
        self._open: dict[int, tuple[str | None, str, list[str]]] = {}

    def feed(self, event: Any) -> list[RawCall]:
        done: list[RawCall] = []
        for choice in event.choices or ():
            if choice.index != 0:
                continue
            delta = choice.delta
            if delta is not None:
                if delta.content:
                    self.text_parts.append(delta.content)
                for fragment in delta.tool_calls or ():
                    if fragment.index not in self._open:
                        # A new index means every lower one is complete.
                        done += self._close(below=fragment.index)
                        function = fragment.function
                        self._open[fragment.index] = (fragment.id, (function and function.name) or "", [])
                    if fragment.function is not None and fragment.function.arguments:
                        self._open[fragment.index][2].append(fragment.function.arguments)
            if choice.finish_reason is not None:
                self.finish_reason = choice.finish_reason
                done += self._close()
        return done

    def finish(self) -> list[RawCall]:
        return self._close()

    def _close(self, *, below: int | None = None) -> list[RawCall]:
        closed = []
        for index in sorted(i for i in self._open if below is None or i < below):
            call_id, name, parts = self._open.pop(index)
            closed.append(RawCall(call_id, name, "".join(parts)))
        return closed


PROVIDER = OpenAIChat()
