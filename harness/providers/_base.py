"""The one interface every provider module implements.

Each provider module holds all knowledge of one wire format, in both directions:

- forward: tool declarations and request (``build_request``), the SDK call (``send``),
  the answer (``parse_answer``) or its stream (``StreamDecoder``) -> raw calls;
- backward: model instances -> the answer that would carry them as parallel tool calls
  (``answer_json`` and ``answer_sse``), used by the tests, the emulator and the conformance report.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel

from harness._toolset import Tool, ToolSet, tool_name
from harness.errors import ToolNameError
from harness.providers._schema import SchemaRules, transform_schema


@dataclass(frozen=True)
class RawCall:
    """One tool call as the provider sent it, before validation."""

    id: str | None
    name: str
    #: JSON text (OpenAI) or an already-decoded object (Anthropic, Gemini).
    arguments: str | dict[str, Any]


@dataclass
class ParsedAnswer:
    calls: list[RawCall]
    text: str = ""
    finish_reason: str | None = None


@dataclass(frozen=True)
class ToolOutput:
    """What the caller's code returned for one call, to send back to the provider."""

    call: RawCall
    content: str
    is_error: bool = False


class StreamDecoder(ABC):
    """Turns stream events into calls, each handed out as soon as its arguments are complete."""

    def __init__(self) -> None:
        self.text_parts: list[str] = []
        self.finish_reason: str | None = None

    @abstractmethod
    def feed(self, event: Any) -> list[RawCall]:
        """Take one SDK stream event; return the calls it completed."""

    def finish(self) -> list[RawCall]:
        """Return calls still open when the stream ended."""
        return []


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

    @abstractmethod
    def send(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any: ...

    @abstractmethod
    async def send_async(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any: ...

    # --- forward: answer ---------------------------------------------------------------
    @abstractmethod
    def parse_answer(self, response: Any) -> ParsedAnswer: ...

    @abstractmethod
    def stream_decoder(self) -> StreamDecoder: ...

    # --- conversation ------------------------------------------------------------------
    @abstractmethod
    def tool_result_messages(self, response: Any, outputs: Sequence[ToolOutput]) -> list[Any]:
        """The assistant turn holding the calls, then the results in the shape the provider demands."""

    # --- backward ----------------------------------------------------------------------
    @abstractmethod
    def answer_json(self, calls: Sequence[BaseModel], *, model: str) -> dict[str, Any]:
        """The JSON answer that carries ``calls`` as parallel tool calls."""

    @abstractmethod
    def answer_sse(self, calls: Sequence[BaseModel], *, model: str) -> str:
        """The ``text/event-stream`` body that carries ``calls`` as parallel tool calls."""


def call_arguments(instance: BaseModel) -> tuple[str, dict[str, Any]]:
    """Tool name and JSON-ready arguments for an instance (aliases, JSON-mode values)."""
    return tool_name(type(instance)), json.loads(instance.model_dump_json(by_alias=True))


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
