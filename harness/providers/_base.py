"""The one interface every provider module implements.

Each provider module holds all knowledge of one wire format, in both directions:

- forward: tool declarations and request (``build_request``), the SDK call (``send``), then
  *reading* the answer (``read_response``) or its stream (``stream_reader``) -> raw calls;
- backward: *writing* the answer a provider would send (``write_response``, ``write_events``,
  ``write_stream``) from wire-level content (`WireAnswer`: call names with raw JSON arguments,
  text, finish reason, usage). ``WireAnswer.of(instances)`` is the thin instance-level layer on top.
  The tests, ``harness.testing``, the emulator and the conformance report all write through it.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel

from harness._toolset import Tool, ToolSet, tool_name, wire_arguments
from harness.errors import MalformedResponseError, ToolNameError
from harness.providers._rejections import RejectionRule
from harness.providers._schema import SchemaRules, transform_schema


@dataclass(frozen=True)
class RawCall:
    """One tool call as read from the provider's answer, before validation."""

    id: str | None
    name: str
    #: JSON text (OpenAI) or an already-decoded object (Anthropic, Gemini).
    arguments: str | dict[str, Any]


@dataclass(frozen=True)
class Usage:
    """Token counts of one answer (or summed over attempts), with the provider's own usage object."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    #: The SDK's usage object; for a sum over attempts, the tuple of every attempt's.
    raw: Any = field(default=None, compare=False, repr=False)

    @property
    def total(self) -> int:
        """The total the provider reported, or input plus output where it reported none."""
        return self.total_tokens or self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        raws = (self.raw if isinstance(self.raw, tuple) else (self.raw,)) + (other.raw,)
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.total_tokens + other.total_tokens,
            tuple(r for r in raws if r is not None),
        )


def usage_of(raw: Any, input_field: str, output_field: str, total_field: str | None = None) -> Usage | None:
    """A `Usage` from an SDK usage object's fields (missing counts read as 0)."""
    if raw is None:
        return None
    input_tokens = getattr(raw, input_field, None) or 0
    output_tokens = getattr(raw, output_field, None) or 0
    total = getattr(raw, total_field, None) if total_field else None
    return Usage(input_tokens, output_tokens, total or input_tokens + output_tokens, raw)


@dataclass
class ParsedAnswer:
    """What `Provider.read_response` found in one answer."""

    calls: list[RawCall]
    text: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None
    #: The model's refusal, where the API reports one apart from text.
    refusal: str = ""


@dataclass(frozen=True)
class ToolOutput:
    """What the caller's code returned for one call, to send back to the provider."""

    call: RawCall
    content: str
    is_error: bool = False


class StreamReader(ABC):
    """Reads stream events into calls, each handed out as soon as its arguments are complete.

    ``ended`` turns true only on the event that closes the stream by the provider's protocol
    (a finish reason, ``message_stop``, ``response.completed``): a stream cut before it is incomplete.
    """

    def __init__(self) -> None:
        self.text_parts: list[str] = []
        self.refusal_parts: list[str] = []
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.ended = False

    @abstractmethod
    def feed(self, event: Any) -> list[RawCall]:
        """Take one SDK stream event; return the calls it completed."""

    def finish(self) -> list[RawCall]:
        """Return calls still open when a stream that ``ended`` closed."""
        return []


# --- the backward direction: what a provider would send --------------------------------------


@dataclass(frozen=True)
class WireCall:
    """One tool call to write: a name and raw JSON arguments, valid for the model or not."""

    name: str
    arguments: str = "{}"
    #: The call id; ``None`` lets the writer number calls in the provider's own id format.
    id: str | None = None

    @classmethod
    def of(cls, instance: BaseModel, *, id: str | None = None) -> WireCall:
        """The call that carries ``instance``, keyed as the tool schema declares (validation aliases); text is
        written as providers send it, UTF-8 rather than ``\\u`` escapes."""
        return cls(tool_name(type(instance)), json.dumps(wire_arguments(instance), ensure_ascii=False), id)


@dataclass(frozen=True)
class WireAnswer:
    """Wire-level content of one answer: calls, text, finish reason and usage.

    ``finish_reason`` is in the provider's own words (``"length"``, ``"max_tokens"``, ``"MAX_TOKENS"``);
    ``None`` writes the provider's normal reason: tool use when there are calls, a plain stop otherwise.
    """

    calls: Sequence[WireCall] = ()
    text: str = ""
    finish_reason: str | None = None
    usage: Usage = Usage()

    @classmethod
    def of(cls, instances: Iterable[BaseModel], **fields: Any) -> WireAnswer:
        """The answer carrying ``instances`` as parallel tool calls (the instance-level layer)."""
        return cls(calls=tuple(WireCall.of(instance) for instance in instances), **fields)


# --- requests as a provider receives them (the emulator's side) ---------------------------------


@dataclass(frozen=True)
class DeclaredTool:
    """One tool a request declares, as the provider would read it."""

    name: str
    #: The arguments' schema: JSON Schema, or for Gemini's ``parameters`` its OpenAPI subset.
    schema: dict[str, Any] | None
    #: ``"json-schema"`` or ``"openapi"`` (Gemini ``parameters``: upper-case types, ``nullable``).
    dialect: str = "json-schema"
    #: ``"function"`` tools are called; server and custom tools are accepted and never called.
    kind: str = "function"
    strict: bool = False


@dataclass(frozen=True)
class ReceivedRequest:
    """What a provider reads from a request body before answering it."""

    model: str | None
    tools: Sequence[DeclaredTool]
    #: ``"auto"``, ``"required"`` (any call), ``"none"`` or ``"named"`` (see ``named_tool``).
    tool_choice: str = "auto"
    named_tool: str | None = None
    parallel: bool = True
    stream: bool = False
    max_tokens: int | None = None
    #: The last turn holds tool results: an answer in text is fine.
    continuation: bool = False
    #: The text of the last user turn, for scripts that match on the prompt.
    prompt: str = ""


@dataclass(frozen=True)
class SDKClient:
    """An SDK client and whether its calls are coroutines."""

    client: Any
    is_async: bool


class Provider(ABC):
    """A provider adapter. Adapters hold no per-request state: one instance serves every client."""

    name: str
    #: Tool names the provider accepts, and the rule in words for error messages.
    tool_name_pattern: ClassVar[re.Pattern[str]]
    tool_name_rule: ClassVar[str]
    #: Finish reasons meaning the answer was cut short or broken.
    incomplete_reasons: ClassVar[frozenset[str]]
    rules: SchemaRules
    strict_rules: ClassVar[SchemaRules | None] = None

    # --- clients -----------------------------------------------------------------------
    @abstractmethod
    def default_client(self, *, async_client: bool, **sdk_kwargs: Any) -> SDKClient:
        """Build an SDK client from the environment, as the SDK itself does."""

    @abstractmethod
    def wrap_client(self, client: Any, *, async_client: bool) -> SDKClient:
        """Accept a client the user built; reject one of another SDK."""

    def client_kwargs(self, sdk_kwargs: dict[str, Any], *, strict: bool) -> dict[str, Any]:
        """The SDK keyword arguments `default_client` gets (a provider may add a base URL or key)."""
        return sdk_kwargs

    def check_client(self, client: Any, *, strict: bool) -> None:
        """Refuse up front an SDK client that cannot serve these settings; any will do by default."""
        return None

    # --- forward: request --------------------------------------------------------------
    def schema_for(self, tool: Tool, *, strict: bool) -> dict[str, Any]:
        rules = self.rules
        if strict:
            if self.strict_rules is None:
                raise TypeError(f"{self.name} has no strict tool mode; drop strict=True")
            rules = self.strict_rules
        return transform_schema(tool.json_schema, rules, tool=tool.name)

    def check_names(self, toolset: ToolSet) -> None:
        for tool in toolset.tools:
            if not self.tool_name_pattern.fullmatch(tool.name):
                raise ToolNameError(
                    f"tool name {tool.name!r} (from {tool.model.__qualname__}) breaks {self.name}'s rule: "
                    f"{self.tool_name_rule}; set model_config['title'] to a valid name"
                )

    @abstractmethod
    def tool_declarations(self, toolset: ToolSet, *, strict: bool) -> list[dict[str, Any]]:
        """The provider's ``tools`` entries for ``toolset``."""

    @abstractmethod
    def build_request(
        self, *, model: str, messages: Sequence[Any], tools: list[dict[str, Any]], options: dict[str, Any]
    ) -> dict[str, Any]:
        """Keyword arguments for the SDK call; ``options`` are the caller's provider kwargs."""

    def stream_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """The caller's provider kwargs for a streamed request (a provider may ask for more, such as usage)."""
        return options

    @abstractmethod
    def send(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any: ...

    @abstractmethod
    async def send_async(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any: ...

    # --- forward: reading the answer ----------------------------------------------------
    @abstractmethod
    def read_response(self, response: Any) -> ParsedAnswer:
        """Calls, text, finish reason and usage of an SDK response; a failed answer raises ``ProviderError``."""

    @abstractmethod
    def stream_reader(self) -> StreamReader: ...

    def is_api_error(self, exc: BaseException) -> bool:
        """Whether ``exc`` is the SDK's own API error (an HTTP status, a connection failure, an error event):
        those reach the caller as they are. Every other failure to read an answer is a malformed answer."""
        return False

    def typed_api_error(self, exc: Exception) -> Exception:
        """The harness error an SDK API error means, where the provider gives it a meaning; else ``exc``."""
        return exc

    def unreadable(self, exc: BaseException, what: str) -> MalformedResponseError:
        """The typed error for an answer the SDK (or a reader) could not read; ``exc`` becomes its cause."""
        if isinstance(exc, RecursionError):
            problem = "it is nested too deeply to read"
        else:
            problem = f"{type(exc).__name__}: {str(exc)[:300]}"
        error = MalformedResponseError(provider=self.name, problem=f"{what} could not be read ({problem})")
        error.__cause__ = exc
        return error

    # --- conversation ------------------------------------------------------------------
    @abstractmethod
    def tool_result_messages(self, response: Any, outputs: Sequence[ToolOutput]) -> list[Any]:
        """The assistant turn holding the calls, then the results in the shape the provider demands."""

    # --- the emulator's side: reading a request, writing an error ------------------------
    @property
    def rejection_rules(self) -> tuple[RejectionRule, ...]:
        """What this API refuses, each rule with its source; the emulator answers them with ``write_error``."""
        return ()

    #: URL paths this API serves, as regular expressions matched against the whole path.
    paths: tuple[re.Pattern[str], ...] = ()
    #: The finish reason that means "stopped at the token limit", in the provider's words.
    token_limit_reason: str = "length"

    @property
    def wire(self) -> str:
        """The prefix whose wire format this API speaks: its own, or the one it routes elsewhere
        (``azure`` speaks ``openai``'s, ``anthropic-vertex`` ``anthropic``'s)."""
        return self.name

    def serves(self, path: str) -> bool:
        return any(pattern.fullmatch(path) for pattern in self.paths)

    @abstractmethod
    def api_key_present(self, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
        """Whether the request carries a key where the provider reads one (any value will do)."""

    @abstractmethod
    def read_request(self, body: dict[str, Any], *, path: str) -> ReceivedRequest:
        """Tools, tool choice, streaming and limits of a request body sent to ``path``."""

    @abstractmethod
    def write_error(self, status: int, message: str, *, kind: str | None = None, param: str | None = None) -> Any:
        """The error body the provider sends with ``status`` (its own shape and type names)."""

    @abstractmethod
    def missing_key_error(self) -> tuple[int, Any]:
        """The status and body the provider answers a request without a key with."""

    # --- backward: writing an answer ---------------------------------------------------
    #: How the stream is framed: ``event:`` lines from each event's ``type``, and a closing ``data:`` line.
    sse_named: ClassVar[bool] = False
    sse_done: ClassVar[str | None] = None

    @abstractmethod
    def write_response(self, answer: WireAnswer, *, model: str) -> dict[str, Any]:
        """The JSON body the provider would send for ``answer``."""

    @abstractmethod
    def write_events(self, answer: WireAnswer, *, model: str) -> list[dict[str, Any]]:
        """The stream events the provider would send for ``answer``, each argument string in pieces."""

    def write_stream(self, answer: WireAnswer, *, model: str) -> str:
        """The ``text/event-stream`` body the provider would send for ``answer``."""
        return sse(self.write_events(answer, model=model), named=self.sse_named, done=self.sse_done)


def sse(events: Sequence[Any], *, named: bool = False, done: str | None = None) -> str:
    """Serialize events as server-sent events; ``named`` adds an ``event:`` line from ``type``."""
    lines = []
    for event in events:
        prefix = f"event: {event['type']}\n" if named else ""
        lines.append(f"{prefix}data: {json.dumps(event, separators=(',', ':'))}\n\n")
    if done is not None:
        lines.append(f"data: {done}\n\n")
    return "".join(lines)


def halves(text: str) -> tuple[str, str]:
    """Arguments in two fragments, as streaming APIs send them, so accumulation is always exercised."""
    middle = len(text) // 2
    return text[:middle], text[middle:]


def call_id(call: WireCall, index: int, template: str) -> str:
    """The call's own id, or the provider-shaped one ``template`` makes from its position."""
    return call.id if call.id is not None else template.format(index)
