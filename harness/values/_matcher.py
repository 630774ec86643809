"""A small validator, for oneOf overlap and enum filtering: True, False, or None when it cannot tell."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from harness.values._common import JSON
from harness.values._formats import _PLAIN_FORMATS
from harness.values._numbers import _both_numbers, _is_multiple
from harness.values._strings import _json_type, _key
from harness.values._vocabulary import _NUMBER_KW, _UNSUPPORTED


class _Matcher:
    """Checks a value against a schema: ``True``, ``False``, or ``None`` when it cannot tell."""

    def __init__(self, resolve: Callable[[str], Any]) -> None:
        self.resolve = resolve

    def check(self, value: Any, schema: Any, depth: int = 0) -> bool | None:
        if schema is True:
            return True
        if schema is False:
            return False
        if not isinstance(schema, Mapping) or depth > 64:
            return None
        result: bool | None = True
        for key, arg in schema.items():
            outcome = self.keyword(key, arg, value, schema, depth + 1)
            if outcome is False:
                return False
            if outcome is None:
                result = None
        return result

    def keyword(self, key: str, arg: Any, value: Any, schema: Mapping[str, Any], depth: int) -> bool | None:
        if key == "type":
            names = [arg] if isinstance(arg, str) else arg
            return any(_has_type(value, n) for n in names) if isinstance(names, list) else None
        if key == "enum":
            return _key(value) in {_key(v) for v in arg} if isinstance(arg, list) else None
        if key == "const":
            return bool(_key(value) == _key(arg))
        if key == "$ref":
            try:
                return self.check(value, self.resolve(arg), depth)
            except LookupError:
                return None
        if key in ("allOf", "anyOf", "oneOf"):
            if not isinstance(arg, list):
                return None
            outcomes = [self.check(value, s, depth) for s in arg]
            if key == "allOf":
                return _all(outcomes)
            if key == "anyOf":
                return True if True in outcomes else (False if None not in outcomes else None)
            return None if None in outcomes else outcomes.count(True) == 1
        if key in _UNSUPPORTED:
            return None
        if isinstance(value, dict):
            return self.object_keyword(key, arg, value, schema, depth)
        if isinstance(value, list):
            return self.array_keyword(key, arg, value, schema, depth)
        if isinstance(value, str):
            return _string_keyword(key, arg, value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _number_keyword(key, arg, value, schema)
        return True

    def object_keyword(self, key: str, arg: Any, value: JSON, schema: Mapping[str, Any], depth: int) -> bool | None:
        if key == "properties" and isinstance(arg, Mapping):
            return _all([self.check(value[n], s, depth) for n, s in arg.items() if n in value])
        if key == "required" and isinstance(arg, list):
            return all(n in value for n in arg)
        if key == "additionalProperties":
            if "patternProperties" in schema:
                return None
            declared = schema.get("properties", {})
            return _all([self.check(v, arg, depth) for n, v in value.items() if n not in declared])
        if key == "minProperties":
            return bool(len(value) >= arg)
        if key == "maxProperties":
            return bool(len(value) <= arg)
        return True

    def array_keyword(self, key: str, arg: Any, value: list[Any], schema: Mapping[str, Any], depth: int) -> bool | None:
        if key == "prefixItems" and isinstance(arg, list):
            return _all([self.check(v, s, depth) for v, s in zip(value, arg, strict=False)])
        if key == "items":
            if isinstance(arg, list):
                return None
            prefix = schema.get("prefixItems")
            rest = value[len(prefix) :] if isinstance(prefix, list) else value
            return _all([self.check(v, arg, depth) for v in rest])
        if key == "minItems":
            return bool(len(value) >= arg)
        if key == "maxItems":
            return bool(len(value) <= arg)
        if key == "uniqueItems":
            return not arg or len({_key(v) for v in value}) == len(value)
        return True


def _all(outcomes: list[bool | None]) -> bool | None:
    return False if False in outcomes else (None if None in outcomes else True)


def _has_type(value: Any, name: str) -> bool:
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return _json_type(value) == name


def _string_keyword(key: str, arg: Any, value: str) -> bool | None:
    if key == "minLength":
        return bool(len(value) >= arg)
    if key == "maxLength":
        return bool(len(value) <= arg)
    if key == "pattern":
        try:
            return re.search(arg, value) is not None
        except (re.error, TypeError):
            return None
    if key == "format":
        return _format_ok(arg, value)
    return True


def _format_ok(name: Any, value: str) -> bool | None:
    if name in _PLAIN_FORMATS:
        return True
    try:
        if name == "date":
            return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)) and bool(date.fromisoformat(value))
        if name == "date-time":
            return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})", value)) and bool(
                datetime.fromisoformat(value)
            )
        if name == "uuid":
            return bool(UUID(value)) and all(value[i] == "-" for i in (8, 13, 18, 23))
        if name == "ipv4":
            return bool(ipaddress.IPv4Address(value))
        if name == "ipv6":
            return bool(ipaddress.IPv6Address(value))
        if name == "email":
            return "@" in value
    except (ValueError, IndexError):
        return False
    return None


def _number_keyword(key: str, arg: Any, value: float, schema: Mapping[str, Any]) -> bool | None:
    if key in _NUMBER_KW and isinstance(arg, bool):
        return True  # a draft-4 boolean exclusive bound: read beside minimum/maximum
    if key in _NUMBER_KW and not _both_numbers(arg, value):
        return None
    if key == "minimum":
        return bool(value > arg if schema.get("exclusiveMinimum") is True else value >= arg)
    if key == "maximum":
        return bool(value < arg if schema.get("exclusiveMaximum") is True else value <= arg)
    if key == "exclusiveMinimum":
        return bool(value > arg)
    if key == "exclusiveMaximum":
        return bool(value < arg)
    if key == "multipleOf":
        return _is_multiple(value, arg)
    return True
