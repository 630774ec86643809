"""Gemini's OpenAPI subset read as JSON Schema (`as_json_schema`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.values._common import JSON

_OPENAPI_KEYS = {
    "any_of": "anyOf",
    "min_items": "minItems",
    "max_items": "maxItems",
    "min_length": "minLength",
    "max_length": "maxLength",
    "min_properties": "minProperties",
    "max_properties": "maxProperties",
    "property_ordering": "propertyOrdering",
    "additional_properties": "additionalProperties",
    "ref": "$ref",
    "defs": "$defs",
}


def as_json_schema(schema: Any, *, dialect: str = "json-schema") -> Any:
    """``schema`` read as JSON Schema: a Gemini ``Schema`` (``dialect="openapi"``: upper-case types,
    ``nullable``, snake_case keys) converted, a JSON Schema returned as it is."""
    if dialect not in ("json-schema", "openapi"):
        raise ValueError(f"dialect must be 'json-schema' or 'openapi', not {dialect!r}")
    return _from_openapi(schema) if dialect == "openapi" else schema


def _from_openapi(schema: Any) -> Any:
    """The JSON-Schema reading of a Gemini ``Schema``: lower-case types, ``nullable`` as a null branch."""
    if not isinstance(schema, Mapping):
        return schema
    out: JSON = {}
    for raw_key, value in schema.items():
        key = _OPENAPI_KEYS.get(str(raw_key), str(raw_key))
        if key == "type" and isinstance(value, str):
            if value.upper() != "TYPE_UNSPECIFIED":
                out["type"] = value.lower()
        elif key in ("properties", "$defs") and isinstance(value, Mapping):
            out[key] = {name: _from_openapi(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = _from_openapi(value)
        elif key in ("anyOf", "oneOf", "allOf", "prefixItems") and isinstance(value, list):
            out[key] = [_from_openapi(sub) for sub in value]
        elif key == "$ref" and isinstance(value, str):
            out[key] = value.replace("#/defs/", "#/$defs/", 1)
        elif key == "format" and value == "enum":
            continue  # Gemini's marker for "this has an enum": no constraint of its own
        else:
            out[key] = value
    if out.get("type") in ("integer", "number") and isinstance(out.get("enum"), list):
        # Gemini writes an INTEGER enum as strings ("101"); the value itself is the number.
        out["enum"] = [_number_of(v) if isinstance(v, str) else v for v in out["enum"]]
    if out.pop("nullable", False) is True:
        annotations = {k: out.pop(k) for k in list(out) if k in ("title", "description", "$defs")}
        return {"anyOf": [out, {"type": "null"}], **annotations}
    return out


def _number_of(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text  # left as is: the type check then drops it from the enum
