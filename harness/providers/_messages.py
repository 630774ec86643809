"""Reading OpenAI chat-shaped messages, which every adapter converts into its own history format.

A chat message is a dict with ``role`` and ``content`` (plus ``tool_calls`` on an assistant turn and
``tool_call_id`` on a ``tool`` turn). Anything else is taken to be already in the provider's own shape
and passes through unchanged, so the output of ``tool_result_messages`` can be appended as it is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
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


@dataclass(frozen=True)
class TextPart:
    text: str


@dataclass(frozen=True)
class ImagePart:
    """An ``image_url`` part: a URL to fetch, or inline base64 ``data`` read from a data URL."""

    url: str | None = None
    media_type: str | None = None
    data: str | None = None
    detail: str | None = None


_DATA_URL = re.compile(r"data:(?P<media_type>[\w.+-]+/[\w.+-]+)?(?P<params>(;[^;,]*)*),(?P<data>.*)", re.DOTALL)


def parts_of(content: Any, where: str) -> list[TextPart | ImagePart]:
    """Text and image parts of a chat content: a string, or a list of ``text`` and ``image_url`` parts."""
    if content is None:
        return []
    if isinstance(content, str):
        return [TextPart(content)]
    if not isinstance(content, list):
        raise TypeError(f"{where}: expected a string or a list of content parts, got {content!r:.200}")
    parts: list[TextPart | ImagePart] = []
    for i, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            parts.append(TextPart(part["text"]))
        elif kind == "image_url":
            parts.append(_image_part(part.get("image_url"), f"{where}.content[{i}]"))
        else:
            raise TypeError(f"{where}.content[{i}]: expected a text or image_url part, got {part!r:.200}")
    return parts


def has_images(content: Any) -> bool:
    return isinstance(content, list) and any(isinstance(p, dict) and p.get("type") == "image_url" for p in content)


def _image_part(image_url: Any, where: str) -> ImagePart:
    if isinstance(image_url, str):
        url, detail = image_url, None
    elif isinstance(image_url, dict) and isinstance(image_url.get("url"), str):
        url, detail = image_url["url"], image_url.get("detail")
    else:
        raise TypeError(f"{where}: image_url needs a url string, got {image_url!r:.200}")
    if not url.startswith("data:"):
        return ImagePart(url=url, detail=detail)
    match = _DATA_URL.fullmatch(url)
    if match is None or ";base64" not in match["params"]:
        raise ValueError(f"{where}: only base64 data URLs (data:<media type>;base64,<data>) are supported")
    return ImagePart(media_type=match["media_type"] or "application/octet-stream", data=match["data"], detail=detail)
