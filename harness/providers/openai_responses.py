"""OpenAI Responses: ``POST /responses`` with flat function tools and ``function_call`` output items."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from harness._toolset import ToolSet
from harness.errors import ProviderError
from harness.providers import _fields, _openai
from harness.providers._answers import Where, get
from harness.providers._base import (
    DeclaredTool,
    ParsedAnswer,
    Provider,
    RawCall,
    ReceivedRequest,
    StreamReader,
    ToolOutput,
    Usage,
    WireAnswer,
    call_id,
    halves,
)
from harness.providers._messages import TextPart, is_chat, parts_of, text_of, tool_calls_of
from harness.providers._openai import OPENAI_STRICT_SCHEMAS, read_usage
from harness.providers._rejections import TOOL_NAMES, Rejection, RejectionRule


class OpenAIResponses(_openai.OpenAIEndpoint):
    @property
    def rejection_rules(self) -> tuple[RejectionRule, ...]:
        return (TOOL_NAMES, OPENAI_STRICT_SCHEMAS, CALL_OUTPUTS)

    name = "openai-responses"
    incomplete_reasons = frozenset({"max_output_tokens", "content_filter"})
    paths = (re.compile(r"(?:/v1)?/responses"),)  # with or without the SDK's /v1
    token_limit_reason = "max_output_tokens"
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

    def resource(self, client: Any) -> Any:
        return client.responses

    # --- reading the answer ----------------------------------------------------------
    def read_response(self, response: Any) -> ParsedAnswer:
        where = Where(self.name)
        if get(response, "output") is None:
            raise where.at("output").fault("the response has no output items")
        _check_status(response, where)
        items = _output(response, where)
        calls = [call for call in items.values() if isinstance(call, RawCall)]
        texts, refusals = _message_parts(response, where)
        usage = _usage(get(response, "usage"), where)
        return ParsedAnswer(calls, "".join(texts), _finish_reason(response, where), usage, "".join(refusals))

    def stream_reader(self) -> StreamReader:
        return _ResponsesStreamReader()

    # --- conversation ----------------------------------------------------------------
    def tool_result_messages(self, response: Any, outputs: Sequence[ToolOutput]) -> list[Any]:
        # As the SDK serialises a request: the API's field names (by alias), never Python ones such as async_.
        where = Where(self.name, "output")
        items = [_dumped(where.at(i).obj(item)) for i, item in enumerate(where.items(get(response, "output")))]
        for o in outputs:
            text = f"Error: {o.content}" if o.is_error else o.content
            items.append({"type": "function_call_output", "call_id": o.call.id, "output": text})
        return items

    # --- the emulator's side: reading a request --------------------------------------
    def read_request(self, body: Any, *, path: str) -> ReceivedRequest:
        body = _fields.obj(body, "body")
        raw_tools = _fields.array(body.get("tools"), "tools")
        tools = [_declared(tool, f"tools[{i}]") for i, tool in enumerate(raw_tools)]
        choice, named = _tool_choice(body.get("tool_choice"))
        continuation, prompt = _read_input(body.get("input"))
        return ReceivedRequest(
            # Optional here: a stored prompt (``prompt``) may name the model instead.
            model=_fields.string(body, "model"),
            tools=tools,
            tool_choice=choice,
            named_tool=named,
            parallel=_fields.flag(body, "parallel_tool_calls", True),
            stream=_fields.flag(body, "stream", False),
            max_tokens=_fields.count(body, "max_output_tokens"),
            continuation=continuation,
            prompt=prompt,
        )

    # --- writing an answer ---------------------------------------------------------
    sse_named = True

    def write_response(self, answer: WireAnswer, *, model: str) -> dict[str, Any]:
        return self._response(model, answer, _output_items(answer))

    def write_events(self, answer: WireAnswer, *, model: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [
            {"type": "response.created", "response": self._response(model, None, [])},
        ]
        items = _output_items(answer)
        for i, item in enumerate(items):
            if item["type"] == "message":
                text = item["content"][0]["text"]
                opening = {**item, "status": "in_progress", "content": []}
                events.append({"type": "response.output_item.added", "output_index": i, "item": opening})
                for piece in halves(text):
                    events.append(
                        {
                            "type": "response.output_text.delta",
                            "item_id": item["id"],
                            "output_index": i,
                            "content_index": 0,
                            "delta": piece,
                            "logprobs": [],
                        }
                    )
            else:
                text = item["arguments"]
                opening = {**item, "arguments": "", "status": "in_progress"}
                events.append({"type": "response.output_item.added", "output_index": i, "item": opening})
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
        final = self._response(model, answer, items)
        kind = {"completed": "response.completed", "incomplete": "response.incomplete"}[final["status"]]
        events.append({"type": kind, "response": final})
        for number, event in enumerate(events):
            event["sequence_number"] = number
        return events

    @staticmethod
    def _response(model: str, answer: WireAnswer | None, output: list[dict[str, Any]]) -> dict[str, Any]:
        """The response object; ``answer`` None is the opening one of a stream (in progress)."""
        status, details = "in_progress", None
        usage = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
        if answer is not None:
            reason = answer.finish_reason
            status = "completed" if reason in (None, "completed") else "incomplete"
            details = None if status == "completed" else {"reason": reason}
            counts = answer.usage
            usage = {
                "input_tokens": counts.input_tokens,
                "output_tokens": counts.output_tokens,
                "total_tokens": counts.total,
            }
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
            "incomplete_details": details,
            "instructions": None,
            "metadata": {},
            "temperature": None,
            "top_p": None,
            "usage": {
                **usage,
                "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                "output_tokens_details": {"reasoning_tokens": 0},
            },
        }


def _declared(tool: Any, where: str) -> DeclaredTool:
    tool = _fields.obj(tool, where)
    kind = _fields.required_string(tool, "type", where)
    if kind == "function":
        schema = _fields.schema(tool, "parameters", where)
        # Left out, strict is what the API makes of the schema: strict when the schema allows it.
        omitted = tool.get("strict") is None
        strict = _strict_compatible(schema) if omitted else _fields.flag(tool, "strict", False, where)
        return DeclaredTool(_fields.required_string(tool, "name", where), schema, strict=strict)
    if kind in ("custom", "namespace"):
        # Free-form input, or functions called under a namespace: declared, never called here.
        return DeclaredTool(_fields.required_string(tool, "name", where), None, kind="custom")
    # Built-in tools (web_search, file_search, mcp, code_interpreter, ...) run at OpenAI or beside it.
    return DeclaredTool(_builtin_name(tool, kind, where), None, kind="server")


def _builtin_name(tool: dict[str, Any], kind: str, where: str) -> str:
    """What a built-in tool is known by in a tool choice: an MCP server's label, else its type."""
    if kind == "mcp":
        return _fields.required_string(tool, "server_label", where)
    return kind


def _strict_compatible(schema: Any) -> bool:
    """Whether strict mode takes ``schema``: an object at the root, every object closed, every property required."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return False
    return _closed(schema)


def _closed(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return True
    if schema.get("type") == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        if schema.get("additionalProperties") is not False or set(properties) != set(schema.get("required") or ()):
            return False
    children: list[Any] = []
    for key in ("properties", "$defs", "definitions"):
        if isinstance(schema.get(key), dict):
            children += schema[key].values()
    for key in ("items", "anyOf"):
        value = schema.get(key)
        children += value if isinstance(value, list) else [value]
    return all(_closed(child) for child in children)


def _tool_choice(value: Any) -> tuple[str, str | None]:
    simple = _fields.simple_choice(value)
    if simple is not None:
        return simple, None
    choice = _fields.obj(value, "tool_choice")
    kind = _fields.required_string(choice, "type", "tool_choice")
    if kind == "allowed_tools":
        names = []
        for i, tool in enumerate(_fields.array(choice.get("tools"), "tool_choice.tools")):
            where = f"tool_choice.tools[{i}]"
            tool = _fields.obj(tool, where)
            tool_kind = _fields.required_string(tool, "type", where)
            if tool_kind in ("function", "custom"):
                names.append(_fields.required_string(tool, "name", where))
            else:
                names.append(_builtin_name(tool, tool_kind, where))
        return _fields.allowed_choice(choice.get("mode"), names, "tool_choice")
    if kind in ("function", "custom"):
        return "named", _fields.required_string(choice, "name", "tool_choice")
    # A built-in tool forced by its type (web_search_preview, file_search, ...) or an MCP server by its label.
    return "named", _builtin_name(choice, kind, "tool_choice")


def _read_input(value: Any) -> tuple[bool, str]:
    """(continuation, prompt) of ``input``: a string is one user message; items end with a tool's output or not."""
    if isinstance(value, str):
        return False, value
    items = _fields.array(value, "input")
    last = ""
    prompt = None
    for i, item in enumerate(items):
        item = _fields.obj(item, f"input[{i}]")
        kind = str(item.get("type") or "message")
        role = item.get("role")
        if kind == "message" and role == "user":
            prompt = (i, item)
        if kind != "message" or role not in ("system", "developer"):
            last = kind  # a system or developer message after the results still leaves them the last turn
    # Every output a client sends back for a call is a "..._output" item (function_call_output and kin).
    continuation = last.endswith("_output")
    if prompt is None:
        return continuation, ""
    i, item = prompt
    return continuation, _fields.text_of_content(item.get("content"), f"input[{i}]", ("input_text",))


def _output_items(answer: WireAnswer) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if answer.text:
        content = [{"type": "output_text", "text": answer.text, "annotations": []}]
        items.append(
            {"type": "message", "id": "msg_harness", "role": "assistant", "status": "completed", "content": content}
        )
    for i, call in enumerate(answer.calls):
        items.append(
            {
                "type": "function_call",
                "id": f"fc_{i:02d}",
                "call_id": call_id(call, i, "call_{:02d}"),
                "name": call.name,
                "arguments": call.arguments,
                "status": "completed",
            }
        )
    return items


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
            for id_, name, arguments in tool_calls_of(message, where):
                call = {"type": "function_call", "call_id": id_, "name": name, "arguments": json.dumps(arguments)}
                items.append(call)
        elif role == "user" and _chat_parts(message.get("content")):
            items.append({"role": role, "content": _input_parts(message["content"], where)})
        elif role is not None and _chat_parts(message.get("content")):
            # Chat text parts are {"type": "text"}; here they are input_text, or output_text from the assistant.
            kind = "output_text" if role == "assistant" else "input_text"
            items.append({"role": role, "content": [{"type": kind, "text": text_of(message["content"], where)}]})
        else:
            # {"role", "content": str}, or content parts of the Responses API's own, is a valid input item as it is.
            items.append(message)
    return items


def _chat_parts(content: Any) -> bool:
    """Content in chat's part shapes (``text``, ``image_url``), not the Responses API's own (``input_text``...)."""
    return isinstance(content, list) and any(
        isinstance(p, dict) and p.get("type") in ("text", "image_url") for p in content
    )


def _input_parts(content: Any, where: str) -> list[dict[str, Any]]:
    """Chat text and ``image_url`` parts of a user message -> ``input_text`` and ``input_image`` parts."""
    parts: list[dict[str, Any]] = []
    for part in parts_of(content, where):
        if isinstance(part, TextPart):
            parts.append({"type": "input_text", "text": part.text})
        else:
            url = part.url if part.url is not None else f"data:{part.media_type};base64,{part.data}"
            parts.append({"type": "input_image", "image_url": url, "detail": part.detail or "auto"})
    return parts


def _output(response: Any, where: Where) -> dict[int, RawCall | None]:
    """Each output item by its position: its function call, or ``None`` for an item of another kind."""
    where = where.at("output")
    return {i: _function_call(item, where.at(i).call(i)) for i, item in enumerate(where.items(get(response, "output")))}


def _function_call(value: Any, where: Where) -> RawCall | None:
    """The call an output item holds; ``None`` for other kinds (messages, reasoning, built-in tools)."""
    item = where.obj(value)
    if where.at("type").required_text(get(item, "type")) != "function_call":
        return None
    name = where.at("name").required_text(get(item, "name"))
    where = where.call(where.index, name)
    # call_id, not id, pairs a call with its function_call_output.
    id_ = where.at("call_id").optional_text(get(item, "call_id"))
    return RawCall(id_, name, where.at("arguments").required_text(get(item, "arguments")))


def _dumped(item: Any) -> Any:
    """An output item as an input item: the API's field names (by alias), never Python ones such as async_."""
    return dict(item) if isinstance(item, Mapping) else item.model_dump(by_alias=True, exclude_none=True)


def _finish_reason(response: Any, where: Where) -> str | None:
    status = where.at("status").optional_text(get(response, "status"))
    details = where.at("incomplete_details").optional_obj(get(response, "incomplete_details"))
    if status == "incomplete" and details is not None:
        return where.at("incomplete_details").at("reason").optional_text(get(details, "reason")) or status
    return status


def _check_status(response: Any, where: Where) -> None:
    """A failed or cancelled response is a failure, whatever output it holds."""
    status = where.at("status").optional_text(get(response, "status"))
    if status in ("failed", "cancelled"):
        raise ProviderError(provider="openai-responses", status=str(status), error=get(response, "error"))


def _message_parts(response: Any, where: Where) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    refusals: list[str] = []
    for i, item in enumerate(where.at("output").items(get(response, "output"))):
        at = where.at("output").at(i)
        if get(item, "type") != "message":
            continue
        for j, value in enumerate(at.at("content").items(get(item, "content"))):
            part = at.at("content").at(j).obj(value)
            kind = at.at("content").at(j).at("type").required_text(get(part, "type"))
            if kind in ("output_text", "refusal"):
                key = "text" if kind == "output_text" else "refusal"
                text = at.at("content").at(j).at(key).required_text(get(part, key))
                (texts if kind == "output_text" else refusals).append(text)
    return texts, refusals


def _usage(raw: Any, where: Where) -> Usage | None:
    return read_usage(raw, where.at("usage"), "input_tokens", "output_tokens")


class _ResponsesStreamReader(StreamReader):
    """``response.output_item.done`` carries each finished ``function_call`` item whole.

    Calls are known by their output index, as in a plain answer: call ids may repeat or be missing. The
    closing ``response.completed`` event lists every output item again; a call it holds that no
    ``output_item.done`` announced is handed out then, so no call is lost to a dropped event, and a
    call it holds differently from the one handed out is malformed. An ``error`` event or a
    ``response.failed`` ends the stream with a `ProviderError`.
    """

    def __init__(self) -> None:
        super().__init__()
        self._handed_out: dict[int, RawCall] = {}

    def feed(self, event: Any) -> list[RawCall]:
        where = Where("openai-responses")
        event = where.obj(event)
        kind = where.at("type").required_text(get(event, "type"))
        if kind == "response.output_item.done":
            index = where.at("output_index").index_of(get(event, "output_index"))
            call = _function_call(get(event, "item"), where.at("item").call(index))
            return self._new({index: call}) if call is not None else []
        if kind in ("response.output_text.delta", "response.refusal.delta"):
            parts = self.text_parts if kind == "response.output_text.delta" else self.refusal_parts
            parts.append(where.at("delta").required_text(get(event, "delta")))
        elif kind == "error":
            error = {"code": get(event, "code"), "message": get(event, "message")}
            raise ProviderError(provider="openai-responses", status="error", error=error)
        elif kind in ("response.failed", "response.cancelled"):
            status = kind.removeprefix("response.")
            response = where.at("response").optional_obj(get(event, "response"))
            raise ProviderError(provider="openai-responses", status=status, error=get(response, "error"))
        elif kind in ("response.completed", "response.incomplete"):
            response = where.at("response").obj(get(event, "response"))
            self.ended = True
            self.finish_reason = _finish_reason(response, where.at("response"))
            self.usage = _usage(get(response, "usage"), where.at("response"))
            return self._final(_output(response, where.at("response")), where.at("response").at("output"))
        return []

    def _new(self, calls: dict[int, RawCall]) -> list[RawCall]:
        fresh = {index: call for index, call in calls.items() if index not in self._handed_out}
        for index, call in calls.items():
            if self._handed_out.get(index, call) != call:
                raise (
                    Where("openai-responses", "output_index")
                    .call(index, call.name)
                    .fault(f"two different calls at one output index: {self._handed_out[index]} and {call}")
                )
        self._handed_out.update(fresh)
        return list(fresh.values())

    def _final(self, output: dict[int, RawCall | None], where: Where) -> list[RawCall]:
        """The calls of the final output not handed out yet, once it agrees with those that were."""
        if output:  # the final response lists every output item again; each call handed out must be there
            for index, call in self._handed_out.items():
                if output.get(index) != call:
                    raise (
                        where.at(index)
                        .call(index, call.name)
                        .fault(f"the final response does not hold the call streamed at output index {index}")
                    )
        late = {index: call for index, call in output.items() if call is not None and index not in self._handed_out}
        if late and self._handed_out and min(late) < max(self._handed_out):
            # Handed out now, it would come after calls that follow it in the answer: the order is lost.
            index = min(late)
            raise (
                where.at(index)
                .call(index, late[index].name)
                .fault(
                    "a call the stream never completed, before calls it did: handed out now, it would be out of order"
                )
            )
        return self._new(late)


# --- what the API rejects (the emulator answers these with the provider's own error) ----------


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


CALL_OUTPUTS = RejectionRule(
    "responses function_call_output needs its call",
    "recorded API error: 'No tool call found for function call output with call_id ...'",
    _responses_call_outputs,
)


PROVIDER = OpenAIResponses()
