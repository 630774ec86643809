"""Reading JSON request bodies: field readers every provider's ``read_request`` uses.

They know JSON, not any provider. A field of the wrong JSON type is a ``ValueError`` naming the field,
which the emulator answers with a 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The non-empty token of an ``Authorization: Bearer`` header (header names in any case)."""
    for name, value in headers.items():
        if name.lower() == "authorization":
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}


def json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), "a number" if isinstance(value, int | float) else type(value).__name__)


def at(where: str, key: str) -> str:
    """The field path of ``key`` inside ``where`` (``tools[0].function.name``)."""
    return f"{where}.{key}" if where else key


def obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected an object, got {json_type(value)}")
    return value


def array(value: Any, where: str) -> list[Any]:
    """An array field; absent (``None``) reads as empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected an array, got {json_type(value)}")
    return value


def string(body: dict[str, Any], key: str, where: str = "") -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{at(where, key)}: expected a string, got {json_type(value)}")
    return value


def required_string(body: dict[str, Any], key: str, where: str = "") -> str:
    value = string(body, key, where)
    if value is None:
        raise ValueError(f"{at(where, key)}: required")
    return value


def flag(body: dict[str, Any], key: str, default: bool, where: str = "") -> bool:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ValueError(f"{at(where, key)}: expected a boolean, got {json_type(value)}")
    return value


def count(body: dict[str, Any], key: str, where: str = "") -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{at(where, key)}: expected a positive integer, got {value!r:.50}")
    return value


def schema(tool: dict[str, Any], key: str, where: str) -> dict[str, Any] | None:
    value = tool.get(key)
    return None if value is None else obj(value, at(where, key))


def simple_choice(value: Any) -> str | None:
    """``"auto"``, ``"required"`` and ``"none"`` as they are, absent as auto; ``None`` for an object."""
    if value is None:
        return "auto"
    if isinstance(value, str):
        if value not in ("auto", "required", "none"):
            raise ValueError(f"tool_choice: expected 'auto', 'required', 'none' or an object, got {value!r:.50}")
        return value
    return None


def allowed_choice(mode: Any, names: list[str], where: str) -> tuple[str, str | None]:
    """``allowed_tools``: one tool that must be called is a named choice; a wider set keeps only its mode.

    ReceivedRequest has no field for a set of allowed tools, so a set of several is read as its mode alone.
    """
    if mode not in ("auto", "required"):
        raise ValueError(f"{where}.mode: expected 'auto' or 'required', got {mode!r:.50}")
    if not names:
        raise ValueError(f"{where}.tools: expected at least one tool")
    if mode == "required" and len(names) == 1:
        return "named", names[0]
    return str(mode), None


def text_of_content(content: Any, where: str, kinds: tuple[str, ...]) -> str:
    """The text of a message's content: a string, or its parts of a text type (``kinds``)."""
    if isinstance(content, str):
        return content
    texts: list[str] = []
    for i, part in enumerate(array(content, f"{where}.content")):
        part = obj(part, f"{where}.content[{i}]")
        if part.get("type") in kinds and isinstance(part.get("text"), str):
            texts.append(part["text"])
    return "".join(texts)
