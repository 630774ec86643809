"""The JSON Schema keywords the generator knows: annotations, unsupported ones, each type's own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "example",
        "discriminator",
        "propertyOrdering",
        "$schema",
        "$id",
        "$anchor",
        "$comment",
        "$defs",
        "definitions",
        "readOnly",
        "writeOnly",
        "deprecated",
        "contentEncoding",
        "contentMediaType",
        "nullable",  # JSON Schema ignores it; the openapi dialect turns it into a null branch first
    }
)
_UNSUPPORTED = {
    "not": "`not` is not supported: the generator cannot aim outside a schema",
    "if": "if/then/else is not supported",
    "then": "if/then/else is not supported",
    "else": "if/then/else is not supported",
    "dependentRequired": "dependentRequired is not supported",
    "dependentSchemas": "dependentSchemas is not supported",
    "dependencies": "dependencies is not supported",
    "contains": "contains is not supported",
    "minContains": "minContains is not supported",
    "maxContains": "maxContains is not supported",
    "unevaluatedProperties": "unevaluatedProperties is not supported",
    "unevaluatedItems": "unevaluatedItems is not supported",
    "propertyNames": "propertyNames is not supported",
    "patternProperties": "patternProperties is not supported",
    "$dynamicRef": "$dynamicRef is not supported",
    "$recursiveRef": "$recursiveRef is not supported",
}
_OBJECT_KW = frozenset(
    {"properties", "required", "additionalProperties", "minProperties", "maxProperties", "propertyNames"}
)
#: Keywords that say what an object's keys look like, supported in the forms `_keyed_form` accepts.
_KEYED = frozenset({"propertyNames", "patternProperties"})
_NAME_KW = frozenset({"type", "pattern", "minLength", "maxLength", "format"})


def _keyed_form(schema: Mapping[str, Any]) -> bool:
    """A map whose keys follow one rule: ``propertyNames`` of string keywords only (pydantic's
    ``dict[Annotated[str, pattern], T]``), or one ``patternProperties`` entry standing for
    ``additionalProperties`` (no declared properties, no other extra keys). Other forms stay unsupported."""
    if schema.get("properties"):
        return False
    names, patterned = schema.get("propertyNames"), schema.get("patternProperties")
    if names is not None and not (isinstance(names, Mapping) and set(names) <= _NAME_KW):
        return False
    if patterned is not None:
        if names is not None or not isinstance(patterned, Mapping) or len(patterned) != 1:
            return False
        if schema.get("additionalProperties", False) is not False:
            return False
    return True


_ARRAY_KW = frozenset({"items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems"})
_STRING_KW = frozenset({"minLength", "maxLength", "pattern"})
_NUMBER_KW = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"})
_NUMBER_FORMATS = frozenset({"int32", "int64", "float", "double"})
# Keywords that restrict values: the ones a sibling of $ref/anyOf/enum must still be applied for.
_ASSERTIONS = frozenset(
    {"type", "enum", "const", "anyOf", "oneOf", "allOf", "$ref", "format"}
    | _OBJECT_KW
    | _ARRAY_KW
    | _STRING_KW
    | _NUMBER_KW
    | _UNSUPPORTED.keys()
)


def _is_assertion(key: str) -> bool:
    return key in _ASSERTIONS


def _esc(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
