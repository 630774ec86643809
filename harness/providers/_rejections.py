"""What a provider's API rejects: each rule with its status, message and where that behaviour is documented.

Each provider module lists its own rules (``Provider.rejection_rules``); the emulator applies them.
A rule must never reject what the real API accepts: every recorded real request passes all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.providers._base import Provider, ReceivedRequest


@dataclass(frozen=True)
class Rejection:
    """A 400 (or other status) to answer in the provider's own error shape."""

    status: int
    message: str
    param: str | None = None
    rule: str = ""


Check = Callable[["Provider", dict[str, Any], "ReceivedRequest"], "Rejection | None"]


@dataclass(frozen=True)
class RejectionRule:
    """One thing the API refuses; ``source`` is a documentation link or the text of a recorded API error."""

    name: str
    source: str
    check: Check


def _tool_names(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    for i, tool in enumerate(received.tools):
        if tool.kind == "function" and not provider.tool_name_pattern.fullmatch(tool.name):
            return Rejection(
                400,
                f"Invalid 'tools[{i}]' function name {tool.name!r}: it must match {provider.tool_name_rule}.",
                param=f"tools[{i}].name",
            )
    return None


TOOL_NAMES = RejectionRule(
    "tool name pattern",
    "https://platform.openai.com/docs/api-reference/chat/create#chat-create-tools ; "
    "https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use ; "
    "https://ai.google.dev/api/caching#FunctionDeclaration",
    _tool_names,
)
