"""Anthropic Messages: ``POST /v1/messages`` with ``tools`` and ``tool_use`` content blocks."""

from __future__ import annotations

import contextlib
import inspect
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from harness._toolset import ToolSet
from harness.providers import _fields as _read
from harness.providers._answers import Where, get
from harness.providers._base import (
    DeclaredTool,
    ParsedAnswer,
    Provider,
    RawCall,
    ReceivedRequest,
    SDKClient,
    StreamReader,
    ToolOutput,
    Usage,
    WireAnswer,
    call_id,
    halves,
)
from harness.providers._messages import (
    SYSTEM_ROLES,
    ImagePart,
    TextPart,
    has_images,
    is_chat,
    parts_of,
    text_of,
    tool_calls_of,
)
from harness.providers._rejections import TOOL_NAMES, Rejection, RejectionRule
from harness.providers._schema import SchemaRules

DEFAULT_MAX_TOKENS = 4096
MAX_STRICT_TOOLS = 20
#: Strict tool use's supported JSON-schema keywords, as its documentation lists them ("JSON Schema limitations"
#: in https://docs.anthropic.com/en/docs/build-with-claude/structured-outputs); the API refuses others.
STRICT_KEYWORDS = frozenset(
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
        "definitions",
        "description",
        "title",
        "default",
        "pattern",
        "format",
        "minItems",
    }
)
#: The string formats strict tool use supports (same page).
STRICT_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"}
)
#: Error type by HTTP status, as the API names them; other 4xx are invalid requests, other 5xx API errors.
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


class Anthropic(Provider):
    @property
    def rejection_rules(self) -> tuple[RejectionRule, ...]:
        return (TOOL_NAMES, *ANTHROPIC_REJECTIONS)

    name = "anthropic"
    #: Paths served, matched whole against the URL path (the SDK may add ``?beta=true``, a query).
    paths = (re.compile(r"/v1/messages"),)
    token_limit_reason = "max_tokens"
    tool_name_pattern = re.compile(r"[a-zA-Z0-9_-]{1,64}")
    tool_name_rule = "1 to 64 of a-z, A-Z, 0-9, '_' and '-'"
    incomplete_reasons = frozenset({"max_tokens", "model_context_window_exceeded"})
    # input_schema is JSON Schema 2020-12 and taken as a guide: pydantic's schema goes as it is.
    rules = SchemaRules(provider="anthropic")
    # Strict tool use is grammar-constrained: closed objects, no recursion, no numeric or length bounds,
    # minItems 0 or 1 only, no other array constraints; the documented keywords and formats above.
    strict_rules = SchemaRules(
        provider="anthropic (strict)",
        allowed=STRICT_KEYWORDS,
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
        formats=STRICT_FORMATS,
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
        budget = _thinking_budget(options.get("thinking"))
        if budget is not None:
            # The API requires max_tokens > budget_tokens (thinking counts inside max_tokens): refuse here, clearly.
            max_tokens = options.get("max_tokens")
            if max_tokens is None:
                request["max_tokens"] = budget + DEFAULT_MAX_TOKENS
            elif isinstance(max_tokens, int) and max_tokens <= budget:
                raise ValueError(
                    f"anthropic needs max_tokens above thinking's budget_tokens: max_tokens={max_tokens} is not "
                    f"more than budget_tokens={budget}; raise max_tokens or lower the budget"
                )
        return request

    def send(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any:
        """A plain answer is received, then decoded apart: a body the SDK cannot decode is a malformed answer."""
        if stream:
            return client.messages.create(**request, stream=True)
        raw = client.messages.with_raw_response.create(**request, stream=False)
        with self._decoding():
            return raw.parse()

    async def send_async(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any:
        if stream:
            return await client.messages.create(**request, stream=True)
        raw = await client.messages.with_raw_response.create(**request, stream=False)
        with self._decoding():
            return await raw.parse()

    @contextlib.contextmanager
    def _decoding(self) -> Iterator[None]:
        """The SDK's own failure to decode a received body (not JSON, not UTF-8, too deep) is the answer's fault."""
        try:
            yield
        except Exception as exc:
            if self.is_api_error(exc):
                raise
            raise self.unreadable(exc, "the answer") from exc

    def is_api_error(self, exc: BaseException) -> bool:
        import anthropic

        return isinstance(exc, anthropic.APIError)

    # --- reading the answer ----------------------------------------------------------
    def read_response(self, response: Any) -> ParsedAnswer:
        where = Where(self.name)
        message = where.obj(response)
        content = where.at("content")
        if get(message, "content") is None:
            raise content.fault("the message has no content")
        calls: list[RawCall] = []
        text: list[str] = []
        # Server tools (server_tool_use, web search results) run at Anthropic: they are not calls for us.
        for i, raw in enumerate(content.items(get(message, "content"))):
            block = content.at(i)
            kind = block.at("type").required_text(get(block.obj(raw), "type"))
            if kind == "tool_use":
                calls.append(_tool_use(raw, block.call(len(calls))))
            elif kind == "text":
                text.append(block.at("text").required_text(get(raw, "text")))
        stop_reason = where.at("stop_reason").optional_text(get(message, "stop_reason"))
        return ParsedAnswer(calls, "".join(text), stop_reason, _usage(get(message, "usage"), where.at("usage")))

    def stream_reader(self) -> StreamReader:
        return _MessagesStreamReader()

    # --- conversation ----------------------------------------------------------------
    def tool_result_messages(self, response: Any, outputs: Sequence[ToolOutput]) -> list[Any]:
        assistant = {
            "role": "assistant",
            "content": [_dumped(block) for block in get(response, "content")],
        }
        # Every tool_result in ONE user message, before any text; a missing one is an HTTP 400.
        results = [
            {"type": "tool_result", "tool_use_id": o.call.id, "content": o.content, "is_error": o.is_error}
            for o in outputs
        ]
        return [assistant, {"role": "user", "content": results}]

    # --- the emulator's side: reading a request, writing an error --------------------
    def read_request(self, body: Any, *, path: str) -> ReceivedRequest:
        body = _read.obj(body, "body")
        raw_tools = _read.array(body.get("tools"), "tools")
        tools = [self._declared(tool, f"tools[{i}]") for i, tool in enumerate(raw_tools)]
        choice, named, parallel = _tool_choice(body.get("tool_choice"))
        messages = [_read.obj(m, f"messages[{i}]") for i, m in enumerate(_read.array(body.get("messages"), "messages"))]
        if not messages:
            raise ValueError("messages: required, at least one message")
        return ReceivedRequest(
            model=_read.required_string(body, "model"),
            tools=tools,
            tool_choice=choice,
            named_tool=named,
            parallel=parallel,
            stream=_read.flag(body, "stream", False),
            max_tokens=_read.count(body, "max_tokens"),
            continuation=_continuation(messages),
            prompt=_prompt(messages),
        )

    def _declared(self, tool: Any, where: str) -> DeclaredTool:
        tool = _read.obj(tool, where)
        kind = _read.string(tool, "type", where)
        if kind not in (None, "custom"):
            # Anthropic-defined tools (web_search_..., code_execution_..., bash_..., text_editor_...) come
            # with a versioned type and no schema: declared, never called here.
            return DeclaredTool(_read.string(tool, "name", where) or kind, None, kind="server")
        schema = _read.schema(tool, "input_schema", where)
        if schema is None:
            raise ValueError(f"{where}.input_schema: required")
        strict = _read.flag(tool, "strict", False, where)
        return DeclaredTool(_read.required_string(tool, "name", where), schema, strict=strict)

    def write_error(
        self, status: int, message: str, *, kind: str | None = None, param: str | None = None
    ) -> dict[str, Any]:
        # No field for the parameter: the API names it in the message.
        type_ = kind or ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
        return {"type": "error", "error": {"type": type_, "message": message}, "request_id": "req_harness"}

    def api_key_present(self, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
        """The SDK sends ``Authorization: Bearer``; the API takes ``x-api-key`` too."""
        api_key = next((v for k, v in headers.items() if k.lower() == "x-api-key"), "")
        return bool(api_key.strip()) or _read.bearer_token(headers) is not None

    def missing_key_error(self) -> tuple[int, dict[str, Any]]:
        """The status and body the API answers a request without a key with."""
        return 401, self.write_error(401, "x-api-key header is required")

    # --- writing an answer ---------------------------------------------------------
    sse_named = True

    def write_response(self, answer: WireAnswer, *, model: str) -> dict[str, Any]:
        blocks = _blocks(answer)
        for block in blocks:
            if block["type"] == "tool_use":
                block["input"] = _json_object(block["input"], block["name"])
        return {**self._message(model, _stop_reason(answer), answer), "content": blocks}

    def write_events(self, answer: WireAnswer, *, model: str) -> list[dict[str, Any]]:
        start = self._message(model, None, answer)
        start["usage"] = {**start["usage"], "output_tokens": 0}
        events: list[dict[str, Any]] = [{"type": "message_start", "message": start}]
        for i, block in enumerate(_blocks(answer)):
            if block["type"] == "text":
                events.append({"type": "content_block_start", "index": i, "content_block": {**block, "text": ""}})
                deltas = [{"type": "text_delta", "text": piece} for piece in halves(block["text"])]
            else:
                opening = {**block, "input": {}}
                events.append({"type": "content_block_start", "index": i, "content_block": opening})
                deltas = [{"type": "input_json_delta", "partial_json": piece} for piece in halves(block["input"])]
            events += [{"type": "content_block_delta", "index": i, "delta": delta} for delta in deltas]
            events.append({"type": "content_block_stop", "index": i})
        events.append(
            {
                "type": "message_delta",
                "delta": {"stop_reason": _stop_reason(answer), "stop_sequence": None},
                "usage": {"output_tokens": answer.usage.output_tokens},
            }
        )
        events.append({"type": "message_stop"})
        return events

    @staticmethod
    def _message(model: str, stop_reason: str | None, answer: WireAnswer) -> dict[str, Any]:
        return {
            "id": "msg_harness",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": answer.usage.input_tokens, "output_tokens": answer.usage.output_tokens},
        }


def _tool_choice(value: Any) -> tuple[str, str | None, bool]:
    """(choice, named tool, parallel) of ``tool_choice``: absent is auto, parallel calls allowed."""
    if value is None:
        return "auto", None, True
    choice = _read.obj(value, "tool_choice")
    kind = choice.get("type")
    parallel = not _read.flag(choice, "disable_parallel_tool_use", False, "tool_choice")
    if kind == "tool":
        return "named", _read.required_string(choice, "name", "tool_choice"), parallel
    names = {"auto": "auto", "any": "required", "none": "none"}
    if kind not in names:
        raise ValueError(f"tool_choice.type: expected 'auto', 'any', 'tool' or 'none', got {kind!r:.50}")
    return names[kind], None, parallel


def _tool_results(message: dict[str, Any], index: int) -> list[dict[str, Any]]:
    """The ``tool_result`` blocks of a message."""
    content = message.get("content")
    if isinstance(content, str):
        return []
    blocks = [
        _read.obj(b, f"messages[{index}].content[{i}]")
        for i, b in enumerate(_read.array(content, f"messages[{index}].content"))
    ]
    return [block for block in blocks if block.get("type") == "tool_result"]


def _continuation(messages: list[dict[str, Any]]) -> bool:
    """Whether the last turn is a user message of tool results.

    A system message after the results (a ``tool_addition``, say) still leaves them the last turn.
    """
    for index in reversed(range(len(messages))):
        role = messages[index].get("role")
        if role != "system":
            return role == "user" and bool(_tool_results(messages[index], index))
    return False


def _prompt(messages: list[dict[str, Any]]) -> str:
    """The text of the last user message that is not only tool results (those answer the model, not ask it)."""
    for index in reversed(range(len(messages))):
        message = messages[index]
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, list) and content and len(_tool_results(message, index)) == len(content):
            continue
        return _read.text_of_content(content, f"messages[{index}]", ("text",))
    return ""


def _blocks(answer: WireAnswer) -> list[dict[str, Any]]:
    """Content blocks with each call's input still as JSON text."""
    blocks: list[dict[str, Any]] = [{"type": "text", "text": answer.text}] if answer.text else []
    for i, call in enumerate(answer.calls):
        blocks.append(
            {"type": "tool_use", "id": call_id(call, i, "toolu_{:02d}"), "name": call.name, "input": call.arguments}
        )
    return blocks


def _json_object(arguments: str, name: str) -> Any:
    """A ``tool_use`` block's ``input`` is a JSON object on the wire, not text."""
    try:
        return json.loads(arguments)
    except ValueError as exc:
        raise ValueError(
            f"anthropic answers carry {name}'s input as a JSON object; {arguments!r:.200} is not JSON"
        ) from exc


def _stop_reason(answer: WireAnswer) -> str:
    return answer.finish_reason or ("tool_use" if answer.calls else "end_turn")


def _tool_use(block: Any, where: Where) -> RawCall:
    """A ``tool_use`` block as a call: a string id and name, and ``input`` a JSON object."""
    id_, name, where = _call_head(block, where)
    arguments = where.at("input")
    return RawCall(id_, name, arguments.arguments(arguments.obj(get(block, "input"))))


def _call_head(block: Any, where: Where) -> tuple[str, str, Where]:
    """A ``tool_use`` block's id and name, and the place ``where`` now known to be that named call."""
    name = where.at("name").required_text(get(block, "name"))
    where = where.call(where.index, name)
    return where.at("id").required_text(get(block, "id")), name, where


def _dumped(block: Any) -> Any:
    """A content block as the request takes it back (an SDK object dumped, a mapping as it is)."""
    return block.model_dump(by_alias=True, exclude_none=True) if isinstance(block, BaseModel) else dict(block)


#: Counts Anthropic reports apart from ``input_tokens``: the prompt tokens written to and read from the cache.
CACHED_COUNTS = ("cache_creation_input_tokens", "cache_read_input_tokens")


def _usage(raw: Any, where: Where) -> Usage | None:
    """Input counts cached tokens too, as OpenAI's and Gemini's do: Anthropic reports them apart."""
    usage = where.optional_obj(raw)
    if usage is None:
        return None
    inputs = sum(where.at(name).count(get(usage, name)) for name in ("input_tokens", *CACHED_COUNTS))
    outputs = where.at("output_tokens").count(get(usage, "output_tokens"))
    return Usage(inputs, outputs, inputs + outputs, raw)


def _history(messages: Sequence[Any]) -> tuple[str | list[dict[str, Any]], list[Any]]:
    """Chat messages -> (``system``, ``messages``); Anthropic's own messages pass through."""
    system: list[str | list[dict[str, Any]]] = []
    turns: list[Any] = []
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        role = message.get("role") if is_chat(message) else None
        if role in SYSTEM_ROLES:
            system.append(_system_content(message["content"], where))
        elif role == "tool":
            content = message["content"]
            if has_images(content):
                content = _content_blocks(content, where)
            result = {"type": "tool_result", "tool_use_id": message["tool_call_id"], "content": content}
            # Every tool_result of one assistant turn belongs in ONE user message.
            if turns and turns[-1].get("role") == "user" and _only_tool_results(turns[-1]):
                turns[-1] = {"role": "user", "content": [*turns[-1]["content"], result]}
            else:
                turns.append({"role": "user", "content": [result]})
        elif role == "assistant" and message.get("tool_calls"):
            text = text_of(message.get("content"), where)
            blocks: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
            for id_, name, arguments in tool_calls_of(message, where):
                blocks.append({"type": "tool_use", "id": id_, "name": name, "input": arguments})
            turns.append({"role": "assistant", "content": blocks})
        elif role == "user" and has_images(message["content"]):
            turns.append({"role": "user", "content": _content_blocks(message["content"], where)})
        else:
            turns.append(message)  # user and assistant text have the same shape in both APIs
    return _joined_system(system), turns


def _system_content(content: Any, where: str) -> str | list[dict[str, Any]]:
    """Text blocks stay blocks (``system`` takes them, ``cache_control`` and all); anything else must be text."""
    if isinstance(content, list) and content and all(isinstance(p, dict) and p.get("type") == "text" for p in content):
        return [dict(p) for p in content]
    return text_of(content, where)


def _joined_system(system: list[str | list[dict[str, Any]]]) -> str | list[dict[str, Any]]:
    """One string while every system message is a string; else one list of text blocks, in order."""
    if all(isinstance(s, str) for s in system):
        return "\n\n".join(s for s in system if isinstance(s, str))
    blocks: list[dict[str, Any]] = []
    for s in system:
        if isinstance(s, list):
            blocks += s
        elif s:  # the API refuses empty text blocks
            blocks.append({"type": "text", "text": s})
    return blocks


def _content_blocks(content: list[Any], where: str) -> list[dict[str, Any]]:
    """Chat text and ``image_url`` parts -> Anthropic ``text`` and ``image`` blocks."""
    blocks: list[dict[str, Any]] = []
    for raw, part in zip(content, parts_of(content, where), strict=True):
        if isinstance(part, TextPart):
            blocks.append(dict(raw))  # a chat text part is an Anthropic text block already (cache_control kept)
        else:
            blocks.append({"type": "image", "source": _image_source(part)})
    return blocks


def _image_source(part: ImagePart) -> dict[str, Any]:
    # Anthropic has no ``detail``: it is dropped.
    if part.url is not None:
        return {"type": "url", "url": part.url}
    return {"type": "base64", "media_type": part.media_type, "data": part.data}


def _thinking_enabled(thinking: Any) -> bool:
    return isinstance(thinking, dict) and thinking.get("type") not in (None, "disabled")


def _thinking_budget(thinking: Any) -> int | None:
    """``budget_tokens`` of enabled extended thinking (adaptive thinking has none)."""
    if not _thinking_enabled(thinking):
        return None
    budget = thinking.get("budget_tokens")
    return budget if isinstance(budget, int) else None


def _only_tool_results(turn: dict[str, Any]) -> bool:
    content = turn.get("content")
    return isinstance(content, list) and all(isinstance(b, dict) and b.get("type") == "tool_result" for b in content)


class _MessagesStreamReader(StreamReader):
    """A ``tool_use`` block opens a call; ``input_json_delta`` fragments fill it; ``content_block_stop`` ends it.

    Every block is tracked from its start to its stop, so a delta or stop for a block never started
    (or started twice) is a malformed stream rather than a call dropped. Usage comes in two parts:
    input tokens in ``message_start``, the output count in ``message_delta``.
    """

    def __init__(self) -> None:
        super().__init__()
        self._blocks: dict[int, Where] = {}  # open blocks by index: where each is (its call, for tool_use)
        self._open: dict[int, tuple[str, str, list[str]]] = {}
        self._calls = 0
        self._next = 0  # the index the next content block must have
        self._usage_start: Usage | None = None

    def feed(self, event: Any) -> list[RawCall]:
        where = Where(PROVIDER.name)
        kind = where.at("type").required_text(get(where.obj(event), "type"))
        if kind == "message_start":
            message = where.at("message")
            self._usage_start = _usage(get(message.obj(get(event, "message")), "usage"), message.at("usage"))
        elif kind == "content_block_start":
            self._start(event, where)
        elif kind == "content_block_delta":
            self._delta(event, self._started(event, where))
        elif kind == "content_block_stop":
            index = where.at("index").index_of(get(event, "index"))
            self._started(event, where)
            del self._blocks[index]
            if index in self._open:
                id_, name, parts = self._open.pop(index)
                return [RawCall(id_, name, "".join(parts))]
        elif kind == "message_delta":
            delta = where.at("delta")
            stop_reason = delta.at("stop_reason").optional_text(get(delta.obj(get(event, "delta")), "stop_reason"))
            if stop_reason is not None:
                self.finish_reason = stop_reason
            self.usage = self._merged_usage(get(event, "usage"), where.at("usage"))
        elif kind == "message_stop":
            self.ended = True
        return []

    def _start(self, event: Any, where: Where) -> None:
        index = where.at("index").index_of(get(event, "index"))
        if index in self._blocks:
            raise where.at("index").fault(f"content block {index} started again before it stopped")
        if self._blocks:  # blocks stream one at a time: an open one missed its stop
            raise where.at("index").fault(f"content block {index} started while block {min(self._blocks)} is open")
        if index != self._next:  # blocks are numbered as they come: a gap is a block lost
            raise where.at("index").fault(f"content block {index} started, expected {self._next}")
        self._next += 1
        block = where.at("content_block")
        kind = block.at("type").required_text(get(block.obj(get(event, "content_block")), "type"))
        if kind == "tool_use":  # its input arrives in deltas
            id_, name, block = _call_head(get(event, "content_block"), block.call(self._calls))
            self._calls += 1
            self._open[index] = (id_, name, [])
        self._blocks[index] = block

    def _started(self, event: Any, where: Where) -> Where:
        """Where the open block this event belongs to was started (with its call, for a ``tool_use`` block)."""
        index = where.at("index").index_of(get(event, "index"))
        if index not in self._blocks:
            raise where.at("index").fault(f"{get(event, 'type')} for content block {index}, which is not open")
        started = self._blocks[index]
        return where.call(started.index, started.name)

    def _delta(self, event: Any, where: Where) -> None:
        delta = where.at("delta")
        kind = delta.at("type").required_text(get(delta.obj(get(event, "delta")), "type"))
        index = get(event, "index")
        if kind == "input_json_delta" and index in self._open:  # server_tool_use input is not ours
            self._open[index][2].append(
                delta.at("partial_json").required_text(get(get(event, "delta"), "partial_json"))
            )
        elif kind == "text_delta":
            self.text_parts.append(delta.at("text").required_text(get(get(event, "delta"), "text")))

    def _merged_usage(self, delta_usage: Any, where: Where) -> Usage | None:
        start = self._usage_start
        end = _usage(delta_usage, where)
        if start is None or end is None:
            return end or start
        # message_delta may repeat the input counts; message_start always has them.
        inputs = end.input_tokens if get(delta_usage, "input_tokens") else start.input_tokens
        return Usage(inputs, end.output_tokens, inputs + end.output_tokens, delta_usage)

    def finish(self) -> list[RawCall]:
        rest = [RawCall(i, n, "".join(p)) for i, n, p in self._open.values()]
        self._open.clear()
        return rest


# --- what the API rejects (the emulator answers these with the provider's own error) ----------


def _anthropic_max_tokens(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    if "max_tokens" not in body:
        return Rejection(400, "max_tokens: Field required", param="max_tokens")
    return None


def _anthropic_strict_count(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    strict = [tool.name for tool in received.tools if tool.strict]
    if len(strict) > 20:
        return Rejection(400, f"tools: at most 20 tools may use strict mode; this request has {len(strict)}")
    return None


def _anthropic_tool_results(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    messages = body.get("messages") or []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        uses = [str(b.get("id")) for b in _message_blocks(message) if b.get("type") == "tool_use"]
        if not uses:
            continue
        following = messages[i + 1] if i + 1 < len(messages) else None
        if following is None:
            continue  # a prefilled assistant turn ends the conversation: answered by the model
        results = {b.get("tool_use_id") for b in _message_blocks(following) if b.get("type") == "tool_result"}
        missing = [use for use in uses if use not in results]
        if missing:
            return Rejection(
                400,
                f"messages.{i + 1}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                f"{', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` block in the "
                "next message.",
            )
    return None


def _message_blocks(message: Any) -> Sequence[dict[str, Any]]:
    content = message.get("content") if isinstance(message, dict) else None
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _anthropic_strict_schemas(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    """What strict tool use documents as unsupported, in the first strict function tool that has it."""
    for i, tool in enumerate(received.tools):
        if tool.kind != "function" or not tool.strict or tool.schema is None:
            continue
        problem = _strict_problem(tool.schema)
        if problem is not None:
            where, message = problem
            return Rejection(400, f"tools.{i}.custom.input_schema{where}: {message}", param=f"tools.{i}.input_schema")
    return None


def _strict_problem(schema: dict[str, Any]) -> tuple[str, str] | None:
    """(where in the schema, what is wrong) for the first unsupported feature, or None."""
    for path, node in _strict_nodes(schema, ""):
        kind = node.get("type")
        what = f"For '{kind}' type, property" if isinstance(kind, str) else "Property"
        for keyword in node:
            if keyword not in STRICT_KEYWORDS:
                return path, f"{what} '{keyword}' is not supported"
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            return path, f"External references are not supported: '$ref' must point into this schema, got {ref!r}"
        if any(isinstance(branch, dict) and "$ref" in branch for branch in node.get("allOf") or ()):
            return path, "'allOf' with '$ref' is not supported"
        if _has_type(node, "object") and node.get("additionalProperties") is not False:
            return path, "For 'object' type, 'additionalProperties' must be explicitly set to false"
        min_items = node.get("minItems")
        if isinstance(min_items, int) and not isinstance(min_items, bool) and min_items > 1:
            return path, f"For 'array' type, 'minItems' values other than 0 and 1 are not supported, got {min_items}"
        form = node.get("format")
        if isinstance(form, str) and form not in STRICT_FORMATS:
            return path, f"Format '{form}' is not supported; supported formats: {', '.join(sorted(STRICT_FORMATS))}"
        complex_values = [v for v in node.get("enum") or () if isinstance(v, (dict, list))]
        if complex_values:
            return path, f"Enum values must be strings, numbers, booleans or null, got {json.dumps(complex_values[0])}"
    cycle = _recursive_definition(schema)
    if cycle is not None:
        where = "" if cycle == "#" else "." + cycle.removeprefix("#/").replace("/", ".")
        return where, f"Recursive schemas are not supported: {cycle!r} refers back to itself"
    return None


def _has_type(node: dict[str, Any], name: str) -> bool:
    kind = node.get("type")
    return kind == name or (isinstance(kind, list) and name in kind)


#: Keywords holding one schema, a list of schemas, or a mapping of names to schemas.
_ONE_SCHEMA = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames")
_SCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")
_SCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties", "dependentSchemas")


def _strict_nodes(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema in ``node`` with its dotted path (values under ``properties``, never property names)."""
    if not isinstance(node, dict):
        return
    yield path, node
    for key in _ONE_SCHEMA:
        yield from _strict_nodes(node.get(key), f"{path}.{key}")
    for key in _SCHEMA_LISTS:
        value = node.get(key)
        for j, sub in enumerate(value if isinstance(value, list) else ()):
            yield from _strict_nodes(sub, f"{path}.{key}.{j}")
    for key in _SCHEMA_MAPS:
        value = node.get(key)
        for name, sub in (value if isinstance(value, dict) else {}).items():
            yield from _strict_nodes(sub, f"{path}.{key}.{name}")


def _recursive_definition(schema: dict[str, Any]) -> str | None:
    """The first reference (``#`` or ``#/$defs/<name>``) that can reach itself again through references."""
    # The root's own definitions are nodes of their own: the root refers to them only where it uses them.
    targets = {"#": {k: v for k, v in schema.items() if k not in ("$defs", "definitions")}}
    for key in ("$defs", "definitions"):
        defs = schema.get(key)
        for name, sub in (defs if isinstance(defs, dict) else {}).items():
            if isinstance(sub, dict):
                targets[f"#/{key}/{name}"] = sub
    graph = {
        ref: {node["$ref"] for _, node in _strict_nodes(sub, "") if isinstance(node.get("$ref"), str)} & targets.keys()
        for ref, sub in targets.items()
    }
    for start in graph:
        seen: set[str] = set()
        stack = list(graph[start])
        while stack:
            ref = stack.pop()
            if ref == start:
                return start
            if ref not in seen:
                seen.add(ref)
                stack.extend(graph.get(ref, ()))
    return None


ANTHROPIC_REJECTIONS = (
    RejectionRule("anthropic requires max_tokens", "https://docs.anthropic.com/en/api/messages", _anthropic_max_tokens),
    RejectionRule(
        "anthropic strict tool count",
        "https://docs.anthropic.com/en/docs/build-with-claude/structured-outputs (at most 20 strict tools)",
        _anthropic_strict_count,
    ),
    RejectionRule(
        "anthropic strict schema subset",
        "https://docs.anthropic.com/en/docs/build-with-claude/structured-outputs#json-schema-limitations "
        "(supported keywords and formats, additionalProperties false, minItems 0 or 1, no recursive schemas, "
        "no external $ref, no allOf with $ref, no complex enum values)",
        _anthropic_strict_schemas,
    ),
    RejectionRule(
        "anthropic tool_result right after tool_use",
        "https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use"
        "#handling-tool-use-and-tool-result-content-blocks",
        _anthropic_tool_results,
    ),
)


PROVIDER = Anthropic()
