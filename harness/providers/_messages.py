"""Reading OpenAI chat-shaped messages, which every adapter converts into its own history format.

A chat message is a dict with ``role`` and ``content`` (plus ``tool_calls`` on an assistant turn and
``tool_call_id`` on a ``tool`` turn). Anything else is taken to be already in the provider's own shape
and passes through unchanged, so the output of ``tool_result_messages`` can be appended as it is.
"""

from __future__ import annotations

import json
from typing import Any

SYSTEM_ROLES = ("system", "developer")


def is_chat(message: Any) -> bool:
    return isinstance(message, dict) and "role" in message and ("content" in message or "tool_calls" in message)


def text_of(content: Any, where: str) -> str:
    """The text of a string content or a list of ``{"type": "text"}`` parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(p, dict) and p.get("type") == "text" for p in content):
        return "".join(p["text"] for p in content)
    raise TypeError(f"{where}: expected text content (a string or text parts), got {content!r:.200}")


def tool_calls_of(message: dict[str, Any], where: str) -> list[tuple[str, str, dict[str, Any]]]:
    """``(id, name, arguments)`` for each call of a chat assistant turn."""
    calls = []
    for i, call in enumerate(message.get("tool_calls") or ()):
        function = call.get("function", {})
        arguments = function.get("arguments") or "{}"
        try:
            decoded = json.loads(arguments) if isinstance(arguments, str) else arguments
        except ValueError as exc:
            raise ValueError(f"{where}.tool_calls[{i}]: arguments are not JSON ({exc})") from None
        calls.append((call.get("id", ""), function.get("name", ""), decoded))
    return calls
