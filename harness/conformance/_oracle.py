"""What the adapter must return: pydantic's own answer, compared byte for byte and type for type.

pydantic's ``==`` treats ``1``, ``1.0`` and ``True`` alike and compares aware datetimes by instant, so
instances are compared by ``model_dump_json(by_alias=True)`` text and by the Python type at every leaf.
A JSON number carries a value, not a spelling: where a value was served as a number, a client handed a
parsed object (Gemini's SDK) may read ``0.0`` as ``Decimal("0.0")`` where pydantic reads the text as
``Decimal("0")``; there the values are compared, not their text.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from harness._toolset import wire_arguments
from harness.conformance._limits import BOOLEAN_LITERAL_ERROR

JSON = dict[str, Any]


def dumped(instance: Any) -> Any:
    """An instance as JSON for a report (anything else as its repr)."""
    if isinstance(instance, BaseModel):
        return instance.model_dump(mode="json", by_alias=True)
    return repr(instance)


def difference(expected: Sequence[BaseModel], got: Any, *, served: Sequence[Any] | None = None) -> str | None:
    """Why ``got`` is not exactly ``expected`` (count, order, class, JSON text, leaf types), or ``None``.

    ``served`` is the JSON arguments each expected instance was read from (a probe's value): where they
    hold a number, the two readings need only be equal in value. Without it (a round trip serves each
    instance's own arguments) the text must match exactly.
    """
    if not isinstance(got, (list, tuple)):
        return f"returned a {type(got).__name__}, not a list of instances"
    if len(got) != len(expected):
        return f"returned {len(got)} instances for {len(expected)} calls"
    for i, (want, have) in enumerate(zip(expected, got, strict=True)):
        if type(have) is not type(want):
            where = "another position" if any(type(e) is type(have) for e in expected) else "no call"
            return f"item {i}: a {type(have).__qualname__} (from {where}) where a {type(want).__qualname__} was sent"
        want_text, have_text = want.model_dump_json(by_alias=True), have.model_dump_json(by_alias=True)
        if want_text != have_text and not (
            served is not None and _same_numbers(wire_arguments(want), wire_arguments(have), served[i])
        ):
            return f"item {i}: {have_text} where {want_text} was sent"
        leaf = _leaf_difference(want.model_dump(), have.model_dump(), f"item {i}")
        if leaf:
            return leaf
    return None


def _same_numbers(want: Any, have: Any, served: Any) -> bool:
    """Whether ``want`` and ``have`` (JSON, keyed as ``served`` is) differ only in how numbers served as JSON
    numbers are spelled: ``"0"`` and ``"0.0"`` for a Decimal read from ``0.0``."""
    if isinstance(served, (int, float)) and not isinstance(served, bool):
        if want == have:
            return True
        if isinstance(want, bool) or isinstance(have, bool) or type(want) is not type(have):
            return False  # the leaf types must still agree
        try:
            return decimal.Decimal(str(want)) == decimal.Decimal(str(have))
        except (decimal.InvalidOperation, ValueError):
            return False
    if isinstance(served, dict) and isinstance(want, dict) and isinstance(have, dict):
        return want.keys() == have.keys() and all(_same_numbers(want[key], have[key], served.get(key)) for key in want)
    if isinstance(served, list) and isinstance(want, list) and isinstance(have, list):
        return len(want) == len(have) == len(served) and all(
            _same_numbers(a, b, s) for a, b, s in zip(want, have, served, strict=True)
        )
    return bool(want == have)


def _leaf_difference(want: Any, have: Any, path: str) -> str | None:
    if type(want) is not type(have):
        return f"{path}: {have!r} is a {type(have).__name__} where a {type(want).__name__} ({want!r}) was sent"
    if isinstance(want, dict):
        for key in want:
            found = _leaf_difference(want[key], have.get(key), f"{path}.{key}")
            if found:
                return found
    elif isinstance(want, (list, tuple)):
        for i, (a, b) in enumerate(zip(want, have, strict=False)):
            found = _leaf_difference(a, b, f"{path}[{i}]")
            if found:
                return found
    return None


def pydantic_reading(model: type[BaseModel], value: Any, original_schema: JSON) -> tuple[BaseModel | None, list[str]]:
    """What pydantic makes of ``value`` as a tool's JSON arguments: the instance, or its error types.

    A null in a field the model may omit but not set to null reads as "omitted" first: strict modes
    make every field required and send such nulls.
    """
    value = omitted_nulls_dropped(value, original_schema, original_schema.get("$defs", {}))
    try:
        return model.model_validate_json(json.dumps(value)), []
    except ValidationError as error:
        return None, sorted({_error_type(e) for e in error.errors()})


def _error_type(error: Any) -> str:
    """pydantic's error type; a Literal of booleans given the other one is told apart (a Gemini limit)."""
    if error["type"] == "literal_error" and isinstance(error.get("input"), bool):
        return BOOLEAN_LITERAL_ERROR
    return str(error["type"])


def omitted_nulls_dropped(value: Any, schema: JSON, defs: Mapping[str, JSON]) -> Any:
    """``value`` without the nulls of omittable, non-nullable properties, walked beside pydantic's schema."""
    schema = _resolved(schema, defs)
    if isinstance(value, dict):
        properties = schema.get("properties")
        if isinstance(properties, dict):
            required = set(schema.get("required", ()))
            out = {}
            for key, item in value.items():
                sub = properties.get(key)
                if sub is None:
                    out[key] = item
                elif item is None and key not in required and not _admits_null(sub, defs):
                    continue
                else:
                    out[key] = omitted_nulls_dropped(item, sub, defs)
            return out
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            return {key: omitted_nulls_dropped(item, extra, defs) for key, item in value.items()}
    if isinstance(value, list):
        positions = schema.get("prefixItems")
        if isinstance(positions, list):
            return [omitted_nulls_dropped(v, s, defs) for v, s in zip(value, positions, strict=False)] + value[
                len(positions) :
            ]
        if isinstance(schema.get("items"), dict):
            return [omitted_nulls_dropped(v, schema["items"], defs) for v in value]
    branches = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(branches, list) and isinstance(value, (dict, list)):
        # The branch whose declared properties cover the value (a tag's const must match) is the one read.
        for branch in branches:
            resolved = _resolved(branch, defs)
            if _covers(resolved, value):
                return omitted_nulls_dropped(value, resolved, defs)
    return value


def _covers(schema: JSON, value: Any) -> bool:
    if isinstance(value, list):
        return schema.get("type") == "array"
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not set(value) <= set(properties):
        return schema.get("type") == "object" and not isinstance(properties, dict)
    for key, sub in properties.items():
        if key in value and isinstance(sub, dict) and "const" in sub and value[key] != sub["const"]:
            return False
    return True


def _resolved(schema: JSON, defs: Mapping[str, JSON]) -> JSON:
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        schema = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
    if isinstance(schema, dict) and isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        return {**_resolved(schema["allOf"][0], defs), **rest}
    return schema


def _admits_null(schema: JSON, defs: Mapping[str, JSON]) -> bool:
    schema = _resolved(schema, defs)
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if None in schema.get("enum", ()) or ("const" in schema and schema["const"] is None):
        return True
    return any(_admits_null(s, defs) for s in (*schema.get("anyOf", ()), *schema.get("oneOf", ())))
