"""Reading SDK answers: field readers every provider's ``read_response`` and stream reader uses.

The SDKs build their response objects without validation, so a field may hold any JSON value (or an SDK
object where a string was expected). These readers take a field as it comes and either return it in the
type the reader needs or raise `harness.errors.MalformedResponseError` naming the provider, the
call (``index``, ``name``) and the field. They know JSON and SDK objects, not any provider: the
counterpart of `harness.providers._fields`, which reads request bodies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.errors import MalformedResponseError
from harness.providers._fields import json_type


def get(value: Any, key: str) -> Any:
    """``value.key`` of an SDK object or ``value[key]`` of a mapping; ``None`` when absent."""
    if isinstance(value, Mapping):
        return value.get(key)
    return getattr(value, key, None)


def kind(value: Any) -> str:
    """The JSON type of a value in words; an SDK object reads as an object."""
    if value is not None and not isinstance(value, str | int | float | bool | list | tuple | Mapping):
        return "an object"
    return json_type(list(value) if isinstance(value, tuple) else value)


@dataclass(frozen=True)
class Where:
    """A place in one provider's answer: the field path, and the call it belongs to if any.

    ``where.at("function")`` is the place one level down; every reader raises for the place it reads.
    """

    provider: str
    field: str = ""
    index: int | None = None
    name: str | None = None

    def at(self, key: str | int) -> Where:
        field = f"{self.field}[{key}]" if isinstance(key, int) else (f"{self.field}.{key}" if self.field else key)
        return Where(self.provider, field, self.index, self.name)

    def call(self, index: int | None, name: str | None = None) -> Where:
        """The same place, known to belong to call ``index`` (named ``name``)."""
        return Where(self.provider, self.field, index, name if name is not None else self.name)

    def fault(self, problem: str) -> MalformedResponseError:
        return MalformedResponseError(
            provider=self.provider, problem=problem, index=self.index, name=self.name, field=self.field or None
        )

    # --- the readers ----------------------------------------------------------------------------

    def obj(self, value: Any) -> Any:
        """An object (an SDK object or a mapping); ``None`` and every other JSON type are faults."""
        if value is None or isinstance(value, str | int | float | bool | list | tuple):
            raise self.fault(f"expected an object, got {kind(value)}")
        return value

    def optional_obj(self, value: Any) -> Any:
        """An object, or ``None`` where the field may be absent."""
        return None if value is None else self.obj(value)

    def items(self, value: Any) -> list[Any]:
        """An array; absent (``None``) reads as empty."""
        if value is None:
            return []
        if not isinstance(value, list | tuple):
            raise self.fault(f"expected an array, got {kind(value)}")
        return list(value)

    def text(self, value: Any) -> str:
        """A string; absent (``None``) reads as empty."""
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fault(f"expected a string, got {kind(value)}")
        return value

    def required_text(self, value: Any) -> str:
        if value is None:
            raise self.fault("required, got null or nothing")
        return self.text(value)

    def optional_text(self, value: Any) -> str | None:
        return None if value is None else self.text(value)

    def index_of(self, value: Any) -> int:
        """A position (``index``, ``output_index``): a non-negative integer."""
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fault(f"expected a non-negative integer, got {_short(value)}")
        return value

    def count(self, value: Any) -> int:
        """A token count: a non-negative integer of any size; absent reads as 0."""
        if value is None:
            return 0
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fault(f"expected a non-negative integer count, got {_short(value)}")
        return value

    def arguments(self, value: Any) -> str | dict[str, Any]:
        """A call's arguments: JSON text or an already-decoded object (a mapping)."""
        if isinstance(value, str):
            return value
        if isinstance(value, Mapping):
            return dict(value)
        raise self.fault(f"expected arguments as JSON text or an object, got {kind(value)}")


def _short(value: Any) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:60] + "..."
