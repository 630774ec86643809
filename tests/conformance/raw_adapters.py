"""Conformance adapters written straight on the official SDKs, and copies of them with one defect each.

These are the clients a user writes without harness: declare each model as a function tool from
``model_json_schema()``, force a tool call, read the calls back (from the response, or by accumulating a
stream), and validate each call's arguments with pydantic. Nothing here imports harness's client or
providers, so a conformance run measures these clients and nothing of harness.

One adapter per API, each a callable with the runner's signature and a ``specs`` attribute:

- :data:`openai_chat`: Chat Completions (``chat.completions.create``, tools of type ``function``,
  ``tool_choice="required"``, ``parallel_tool_calls=True``; a stream is accumulated by ``delta.tool_calls``
  index);
- :data:`openai_responses`: the Responses API (``responses.create``, ``function_call`` output items; a stream
  is read from ``response.output_item.added`` and ``response.function_call_arguments.delta`` events);
- :data:`anthropic_messages`: Messages (``messages.create`` with ``input_schema`` tools and
  ``tool_choice={"type": "any"}``; a stream is accumulated from ``input_json_delta`` fragments);
- :data:`gemini`: ``models.generate_content`` (and ``generate_content_stream``) with
  ``FunctionDeclaration(parameters_json_schema=...)`` and mode ``ANY``; serves ``google`` and ``vertexai``.

Schemas are sent as pydantic writes them: OpenAI (non-strict) and Anthropic take full JSON Schema, and
Gemini's ``parameters_json_schema`` takes JSON Schema too.

:func:`make_adapter` builds any of them with one defect from :data:`DEFECTS` injected, the kinds of slip
users make: values lost, calls dropped or reordered, schemas loosened, and slips that only happen when
streaming. Module-level names such as :data:`openai_chat_drops_none` spread them over the APIs, so each can
be run from the command line::

    harness conformance --adapter tests/conformance/raw_adapters.py:openai_chat_drops_none --providers openai

This file is loaded by path as well as imported: it imports nothing from ``tests``.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, get_args, get_origin

from pydantic import BaseModel

from harness import UnsupportedSchemaError

__all__ = [
    "APIS",
    "DEFECTS",
    "RawAdapter",
    "anthropic_messages",
    "anthropic_messages_sorts_calls",
    "anthropic_messages_stream_drops_last",
    "anthropic_messages_strips_strings",
    "gemini",
    "gemini_dedupes_calls",
    "gemini_drops_required",
    "gemini_truncates_floats",
    "make_adapter",
    "openai_chat",
    "openai_chat_drops_constraints",
    "openai_chat_drops_none",
    "openai_chat_stream_first_delta",
    "openai_responses",
    "openai_responses_drops_last_call",
    "openai_responses_stream_drops_last",
]

#: Each API and the runner's provider prefixes it serves.
APIS: dict[str, tuple[str, ...]] = {
    "openai_chat": ("openai",),
    "openai_responses": ("openai-responses",),
    "anthropic_messages": ("anthropic",),
    "gemini": ("google", "vertexai"),
}

#: Each defect, and the user's slip it imitates.
DEFECTS: dict[str, str] = {
    # --- values lost
    "drops_none": "drops keys whose value is None before validating, to 'let the defaults apply'",
    "strips_strings": "strips leading and trailing whitespace from every string value, to 'clean up' model output",
    "truncates_floats": "decodes arguments with json.loads(parse_float=...) turning every float into an int "
    "(meant for integer ids), so 2.5 arrives as 2",
    # --- calls dropped
    "dedupes_calls": "keeps only the first call of each tool name, as if repeated calls were retries",
    "drops_last_call": "drops the last call: an off-by-one slice (calls[:-1]) meant to skip a trailing text item",
    # --- calls reordered
    "sorts_calls": "returns the calls sorted by tool name (grouped per tool) instead of in the order sent",
    # --- schemas loosened
    "drops_required": "sends every schema without 'required' (copied from a draft that made all fields optional), "
    "still validating with pydantic",
    "drops_constraints": "sends every schema without its value constraints (lengths, bounds, pattern, multipleOf, "
    "item counts), still validating with pydantic",
    # --- streaming-only slips
    "stream_drops_last": "streaming only: hands out a call when the next call opens and never flushes the one still "
    "open when the stream ends, so the last call is lost",
    "stream_first_delta": "streaming only: keeps each call's first arguments fragment instead of appending the rest",
}

#: Anthropic requires ``max_tokens``; the runner's answers are far below it.
ANTHROPIC_MAX_TOKENS = 4096

#: The value constraints ``drops_constraints`` leaves out.
_CONSTRAINTS = frozenset(
    {
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
    }
)
#: Keys whose value maps names to schemas (not a schema itself), and keys whose value is data, not schema.
_SCHEMA_MAPS = frozenset({"properties", "$defs", "definitions", "patternProperties", "dependentSchemas"})
_DATA = frozenset({"default", "enum", "const", "examples"})


class Tool(NamedTuple):
    """One model as a function tool: its name, description and JSON schema, and the model to validate with."""

    name: str
    description: str | None
    schema: dict[str, Any]
    model: type[BaseModel]


class Call(NamedTuple):
    """One tool call as read from the answer: the tool's name and its arguments as JSON text."""

    name: str
    arguments: str


class _Partial:
    """A streamed call being assembled: its name and the argument fragments seen so far."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self.fragments: list[str] = []

    def add(self, fragment: str, *, first_only: bool) -> None:
        if fragment and not (first_only and self.fragments):
            self.fragments.append(fragment)

    def call(self) -> Call:
        return Call(self.name, "".join(self.fragments))


# --- the adapter ---------------------------------------------------------------------------------------


class RawAdapter:
    """A raw-SDK client for one API, with at most one injected defect; called as the runner calls an adapter."""

    strict_specs: tuple[str, ...] = ()

    def __init__(self, api: str, *, defect: str | None = None, name: str | None = None) -> None:
        if api not in APIS:
            raise ValueError(f"unknown api {api!r}; expected one of {', '.join(APIS)}")
        if defect is not None and defect not in DEFECTS:
            raise ValueError(f"unknown defect {defect!r}; expected one of {', '.join(DEFECTS)}")
        if defect == "stream_first_delta" and api == "gemini":
            raise ValueError("gemini streams each call whole, in one part: it has no fragments to lose")
        self.api = api
        self.defect = defect
        self.specs = APIS[api]
        self.name = name or (api if defect is None else f"{api}_{defect}")
        self.__doc__ = f"Raw {api} client" + (f" that {DEFECTS[defect]}." if defect else ", no defect.")

    def __repr__(self) -> str:
        return f"RawAdapter({self.api!r}, defect={self.defect!r})"

    def __call__(
        self,
        spec: str,
        sdk_client: Any,
        *,
        messages: list[dict[str, Any]],
        response_model: Any,
        stream: bool,
        strict: bool = False,
    ) -> list[BaseModel]:
        prefix, _, model = spec.partition("/")
        tools = self.tools(response_model)
        if strict:
            raise UnsupportedSchemaError(
                provider=prefix, tool_name=tools[0].name, path="", feature="strict mode", hint="not implemented"
            )
        send = _SENDERS[self.api]
        calls = send(sdk_client, model, messages, tools, stream=stream, defect=self.defect if stream else None)
        return self.validate(calls, tools)

    def tools(self, response_model: Any) -> list[Tool]:
        """Each model of ``Iterable[A | B | ...]`` as a tool, its schema as pydantic writes it (or loosened)."""
        tools = []
        for model in _models(response_model):
            schema = model.model_json_schema(by_alias=True)
            if self.defect == "drops_required":
                schema = _without(schema, frozenset({"required"}))
            elif self.defect == "drops_constraints":
                schema = _without(schema, _CONSTRAINTS)
            name = model.model_config.get("title") or model.__name__
            tools.append(Tool(name, schema.get("description"), schema, model))
        names = [tool.name for tool in tools]
        if len(set(names)) != len(names):
            raise ValueError(f"two models share a tool name: {names}")
        return tools

    def validate(self, calls: list[Call], tools: list[Tool]) -> list[BaseModel]:
        """Each call's arguments validated by its tool's model, in the order of the calls."""
        if self.defect == "dedupes_calls":
            first: dict[str, Call] = {}
            for call in calls:
                first.setdefault(call.name, call)
            calls = list(first.values())
        elif self.defect == "drops_last_call":
            calls = calls[:-1]
        elif self.defect == "sorts_calls":
            calls = sorted(calls, key=lambda call: call.name)
        by_name = {tool.name: tool.model for tool in tools}
        values = []
        for call in calls:
            model = by_name.get(call.name)
            if model is None:
                raise ValueError(f"the answer calls {call.name!r}, which is not one of {sorted(by_name)}")
            values.append(model.model_validate_json(self._arguments(call.arguments)))
        return values

    def _arguments(self, text: str) -> str:
        text = text or "{}"
        if self.defect == "drops_none":
            arguments = json.loads(text)
            if isinstance(arguments, dict):
                arguments = {key: value for key, value in arguments.items() if value is not None}
            return json.dumps(arguments)
        if self.defect == "strips_strings":
            return json.dumps(_stripped(json.loads(text)))
        if self.defect == "truncates_floats":
            return json.dumps(json.loads(text, parse_float=lambda number: int(float(number))))
        return text


def make_adapter(api: str, *, defect: str | None = None) -> RawAdapter:
    """The raw client for ``api`` (a key of :data:`APIS`), with ``defect`` (a key of :data:`DEFECTS`) injected."""
    return RawAdapter(api, defect=defect)


# --- response_model and schemas ------------------------------------------------------------------------


def _models(response_model: Any) -> list[type[BaseModel]]:
    """``Iterable[A | B]`` -> ``[A, B]``."""
    if get_origin(response_model) not in (Iterable, typing.Iterable) or len(get_args(response_model)) != 1:
        raise TypeError(f"response_model must be Iterable[A | B | ...], got {response_model!r}")
    (item,) = get_args(response_model)
    members = get_args(item) if get_origin(item) in (typing.Union, types.UnionType) else (item,)
    for member in members:
        if not (isinstance(member, type) and issubclass(member, BaseModel)):
            raise TypeError(f"response_model members must be pydantic models, got {member!r}")
    return list(members)


def _without(schema: Any, keywords: frozenset[str]) -> Any:
    """``schema`` with ``keywords`` removed from every subschema (property names and data values untouched)."""
    if isinstance(schema, list):
        return [_without(item, keywords) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in keywords:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _without(sub, keywords) for name, sub in value.items()}
        elif key in _DATA:
            out[key] = value
        else:
            out[key] = _without(value, keywords)
    return out


def _stripped(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [_stripped(item) for item in value]
    if isinstance(value, dict):
        return {key: _stripped(item) for key, item in value.items()}
    return value


def _finish(partials: dict[Any, _Partial], defect: str | None) -> list[Call]:
    """The calls assembled from a stream, in the order they opened.

    With ``stream_drops_last`` a call is handed out only when the next one opens: the one still open at the
    end of the stream is never flushed.
    """
    calls = [partial.call() for partial in partials.values()]
    return calls[:-1] if defect == "stream_drops_last" else calls


# --- one sender per API: request, then the calls read back ---------------------------------------------

Sender = Callable[..., list[Call]]


def _send_openai_chat(
    client: Any, model: str, messages: list[dict[str, Any]], tools: list[Tool], *, stream: bool, defect: str | None
) -> list[Call]:
    declared = [
        {
            "type": "function",
            "function": {
                "name": tool.name,
                **({"description": tool.description} if tool.description else {}),
                "parameters": tool.schema,
            },
        }
        for tool in tools
    ]
    request = {
        "model": model,
        "messages": messages,
        "tools": declared,
        "tool_choice": "required",
        "parallel_tool_calls": True,
    }
    if not stream:
        completion = client.chat.completions.create(**request)
        message = completion.choices[0].message
        return [Call(c.function.name, c.function.arguments) for c in message.tool_calls or () if c.type == "function"]
    partials: dict[int, _Partial] = {}
    with client.chat.completions.create(**request, stream=True) as chunks:
        for chunk in chunks:
            for choice in chunk.choices:
                for delta in choice.delta.tool_calls or ():
                    partial = partials.setdefault(delta.index, _Partial())
                    if delta.function is not None:
                        partial.name = partial.name or delta.function.name or ""
                        partial.add(delta.function.arguments or "", first_only=defect == "stream_first_delta")
    return _finish(partials, defect)


def _send_openai_responses(
    client: Any, model: str, messages: list[dict[str, Any]], tools: list[Tool], *, stream: bool, defect: str | None
) -> list[Call]:
    declared = [
        {
            "type": "function",
            "name": tool.name,
            **({"description": tool.description} if tool.description else {}),
            "parameters": tool.schema,
            "strict": False,
        }
        for tool in tools
    ]
    request = {
        "model": model,
        "input": messages,
        "tools": declared,
        "tool_choice": "required",
        "parallel_tool_calls": True,
    }
    if not stream:
        response = client.responses.create(**request)
        return [Call(item.name, item.arguments) for item in response.output if item.type == "function_call"]
    partials: dict[int, _Partial] = {}
    with client.responses.create(**request, stream=True) as events:
        for event in events:
            if event.type == "response.output_item.added" and event.item.type == "function_call":
                partials[event.output_index] = _Partial(event.item.name)
            elif event.type == "response.function_call_arguments.delta" and event.output_index in partials:
                partials[event.output_index].add(event.delta, first_only=defect == "stream_first_delta")
    return _finish(partials, defect)


def _send_anthropic_messages(
    client: Any, model: str, messages: list[dict[str, Any]], tools: list[Tool], *, stream: bool, defect: str | None
) -> list[Call]:
    declared = [
        {
            "name": tool.name,
            **({"description": tool.description} if tool.description else {}),
            "input_schema": tool.schema,
        }
        for tool in tools
    ]
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    request: dict[str, Any] = {
        "model": model,
        "max_tokens": ANTHROPIC_MAX_TOKENS,
        "messages": [m for m in messages if m["role"] != "system"],
        "tools": declared,
        "tool_choice": {"type": "any"},
    }
    if system:
        request["system"] = system
    if not stream:
        message = client.messages.create(**request)
        return [Call(block.name, json.dumps(block.input)) for block in message.content if block.type == "tool_use"]
    partials: dict[int, _Partial] = {}
    with client.messages.create(**request, stream=True) as events:
        for event in events:
            if event.type == "content_block_start" and event.content_block.type == "tool_use":
                partials[event.index] = _Partial(event.content_block.name)
            elif (
                event.type == "content_block_delta"
                and event.delta.type == "input_json_delta"
                and event.index in partials
            ):
                partials[event.index].add(event.delta.partial_json, first_only=defect == "stream_first_delta")
    return _finish(partials, defect)


def _send_gemini(
    client: Any, model: str, messages: list[dict[str, Any]], tools: list[Tool], *, stream: bool, defect: str | None
) -> list[Call]:
    from google.genai import types as genai

    declarations = [
        genai.FunctionDeclaration(name=tool.name, description=tool.description, parameters_json_schema=tool.schema)
        for tool in tools
    ]
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    contents = [
        genai.Content(role="model" if m["role"] == "assistant" else "user", parts=[genai.Part(text=m["content"])])
        for m in messages
        if m["role"] != "system"
    ]
    config = genai.GenerateContentConfig(
        system_instruction=system or None,
        tools=[genai.Tool(function_declarations=declarations)],
        tool_config=genai.ToolConfig(
            function_calling_config=genai.FunctionCallingConfig(mode=genai.FunctionCallingConfigMode.ANY)
        ),
    )
    if not stream:
        response = client.models.generate_content(model=model, contents=contents, config=config)
        return [Call(c.name or "", json.dumps(c.args or {})) for c in response.function_calls or ()]
    # Each chunk carries whole calls: one partial per call, in the order they arrive.
    partials: dict[int, _Partial] = {}
    for chunk in client.models.generate_content_stream(model=model, contents=contents, config=config):
        for function_call in chunk.function_calls or ():
            partial = partials[len(partials)] = _Partial(function_call.name or "")
            partial.add(json.dumps(function_call.args or {}), first_only=False)
    return _finish(partials, defect)


_SENDERS: dict[str, Sender] = {
    "openai_chat": _send_openai_chat,
    "openai_responses": _send_openai_responses,
    "anthropic_messages": _send_anthropic_messages,
    "gemini": _send_gemini,
}


# --- the adapters, by name, for --adapter path/to/raw_adapters.py:NAME ---------------------------------

openai_chat = make_adapter("openai_chat")
openai_responses = make_adapter("openai_responses")
anthropic_messages = make_adapter("anthropic_messages")
gemini = make_adapter("gemini")

# values lost
openai_chat_drops_none = make_adapter("openai_chat", defect="drops_none")
anthropic_messages_strips_strings = make_adapter("anthropic_messages", defect="strips_strings")
gemini_truncates_floats = make_adapter("gemini", defect="truncates_floats")
# calls dropped
gemini_dedupes_calls = make_adapter("gemini", defect="dedupes_calls")
openai_responses_drops_last_call = make_adapter("openai_responses", defect="drops_last_call")
# calls reordered
anthropic_messages_sorts_calls = make_adapter("anthropic_messages", defect="sorts_calls")
# schemas loosened
gemini_drops_required = make_adapter("gemini", defect="drops_required")
openai_chat_drops_constraints = make_adapter("openai_chat", defect="drops_constraints")
# streaming-only slips
openai_responses_stream_drops_last = make_adapter("openai_responses", defect="stream_drops_last")
anthropic_messages_stream_drops_last = make_adapter("anthropic_messages", defect="stream_drops_last")
openai_chat_stream_first_delta = make_adapter("openai_chat", defect="stream_first_delta")
