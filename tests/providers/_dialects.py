"""Independent checkers for the JSON-schema dialect each provider accepts.

Written from /work/shared/notes/providers.md and the providers' documentation, not from the
harness's ``SchemaRules``: a rule that is wrong in the harness must not be wrong here too.

Each checker takes the emitted tool schema and returns a list of problems (empty: accepted).
Every checker walks schema *values* (under ``properties``, ``items``, ``anyOf``, ...), never
property names, so a field called ``type`` or ``properties`` is just a name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import jsonschema

JSON = dict[str, Any]
Checker = Callable[[JSON], list[str]]

# Keywords whose value is one schema / a list of schemas / a name -> schema mapping.
_ONE = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
_MANY = ("anyOf", "oneOf", "allOf", "prefixItems")
_NAMED = ("properties", "$defs", "definitions", "patternProperties", "dependentSchemas")


def subschemas(schema: JSON, path: str = "#") -> Iterator[tuple[str, JSON]]:
    """Every schema node, with a JSON-pointer-ish path: the root, definitions, properties, items, ..."""
    yield path, schema
    for key in _ONE:
        value = schema.get(key)
        if isinstance(value, dict):
            yield from subschemas(value, f"{path}/{key}")
    for key in _MANY:
        for i, value in enumerate(schema.get(key) or ()):
            yield from subschemas(value, f"{path}/{key}/{i}")
    for key in _NAMED:
        for name, value in (schema.get(key) or {}).items():
            yield from subschemas(value, f"{path}/{key}/{name}")


def _is_object(node: JSON) -> bool:
    kind = node.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind) or "properties" in node


def _valid_json_schema(schema: JSON) -> list[str]:
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return [f"not a valid 2020-12 schema: {exc.message}"]
    return []


def _object_root(schema: JSON) -> list[str]:
    return [] if schema.get("type") == "object" else [f"root must be type object, got {schema.get('type')!r}"]


def _local_refs(schema: JSON) -> list[str]:
    """Every $ref must point into this schema's $defs (or be the root)."""
    problems = []
    defs = schema.get("$defs", {})
    for path, node in subschemas(schema):
        ref = node.get("$ref")
        if ref is None:
            continue
        if ref != "#" and not (ref.startswith("#/$defs/") and ref.removeprefix("#/$defs/") in defs):
            problems.append(f"{path}: dangling $ref {ref!r}")
    return problems


# --- the recursion graph ----------------------------------------------------------------------


def _refs_under(node: Any, *, cross_properties: bool) -> set[str]:
    """Names of the definitions referenced under ``node`` (``#`` is the root)."""
    found: set[str] = set()
    if not isinstance(node, dict):
        return found
    ref = node.get("$ref")
    if isinstance(ref, str):
        found.add("#" if ref == "#" else ref.rsplit("/", 1)[-1])
    for key in _ONE:
        found |= _refs_under(node.get(key), cross_properties=cross_properties)
    for key in _MANY:
        for sub in node.get(key) or ():
            found |= _refs_under(sub, cross_properties=cross_properties)
    if cross_properties:
        for sub in (node.get("properties") or {}).values():
            found |= _refs_under(sub, cross_properties=True)
    return found


def _definitions(schema: JSON) -> dict[str, JSON]:
    nodes = dict(schema.get("$defs", {}))
    nodes["#"] = {k: v for k, v in schema.items() if k != "$defs"}
    return nodes


def _edges(schema: JSON) -> list[tuple[str, str, str, bool]]:
    """(from definition, property, to definition, property is required), through nested inline objects too."""
    edges = []
    for name, node in _definitions(schema).items():
        for path, sub in subschemas(node, "#" if name == "#" else f"#/$defs/{name}"):
            required = set(sub.get("required", ()))
            for prop, prop_schema in (sub.get("properties") or {}).items():
                for target in _refs_under(prop_schema, cross_properties=False):
                    edges.append((name, f"{path}/properties/{prop}", target, prop in required))
    return edges


def _reaches(schema: JSON) -> dict[str, set[str]]:
    nodes = _definitions(schema)
    graph = {name: _refs_under(node, cross_properties=True) for name, node in nodes.items()}
    reach: dict[str, set[str]] = {}
    for start in graph:
        seen: set[str] = set()
        stack = list(graph[start])
        while stack:
            item = stack.pop()
            if item not in seen:
                seen.add(item)
                stack.extend(graph.get(item, ()))
        reach[start] = seen
    return reach


def recursive_edges(schema: JSON) -> list[tuple[str, str, str, bool]]:
    """The property edges that lie on a reference cycle."""
    reach = _reaches(schema)
    return [edge for edge in _edges(schema) if edge[0] in reach.get(edge[2], set())]


# --- per provider ------------------------------------------------------------------------------


def check_any_json_schema(schema: JSON) -> list[str]:
    """OpenAI non-strict and Anthropic non-strict: the schema is a JSON-schema hint, any keyword goes."""
    return _valid_json_schema(schema) + _object_root(schema) + _local_refs(schema)


# OpenAI structured outputs (strict): the supported subset.
_OPENAI_STRICT_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "anyOf",
        "enum",
        "const",
        "$ref",
        "$defs",
        "description",
        "title",
        "pattern",
        "format",  # strings
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",  # numbers
        "minItems",
        "maxItems",  # arrays
    }
)
_OPENAI_FORMATS = frozenset({"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"})


def check_openai_strict(schema: JSON) -> list[str]:
    problems = check_any_json_schema(schema)
    for path, node in subschemas(schema):
        for key in node:
            if key not in _OPENAI_STRICT_KEYWORDS:
                problems.append(f"{path}: keyword {key!r} is not in OpenAI's strict subset")
        if "$ref" in node and len(node) > 1:
            problems.append(f"{path}: sibling keywords beside $ref: {sorted(set(node) - {'$ref'})}")
        if "format" in node and node["format"] not in _OPENAI_FORMATS:
            problems.append(f"{path}: format {node['format']!r} not supported")
        if _is_object(node):
            if node.get("additionalProperties") is not False:
                problems.append(f"{path}: object without additionalProperties: false")
            properties = node.get("properties", {})
            if sorted(node.get("required", [])) != sorted(properties):
                problems.append(f"{path}: not every property is required")
    if "anyOf" in schema:
        problems.append("root must not be anyOf")
    return problems


# Anthropic strict tool use: documented supported keywords; bounds and length limits are not taken.
_ANTHROPIC_STRICT_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "anyOf",
        "allOf",
        "enum",
        "const",
        "$ref",
        "$defs",
        "definitions",
        "description",
        "title",
        "default",
        "pattern",
        "format",
        "minItems",
    }
)
_ANTHROPIC_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"}
)


def check_anthropic_strict(schema: JSON) -> list[str]:
    problems = check_any_json_schema(schema)
    for path, node in subschemas(schema):
        for key in node:
            if key not in _ANTHROPIC_STRICT_KEYWORDS:
                problems.append(f"{path}: keyword {key!r} is not supported by Anthropic strict tools")
        if node.get("minItems", 0) > 1:
            problems.append(f"{path}: minItems {node['minItems']} (only 0 or 1)")
        if "format" in node and node["format"] not in _ANTHROPIC_FORMATS:
            problems.append(f"{path}: format {node['format']!r} not supported")
        for value in node.get("enum", ()):
            if isinstance(value, (dict, list)):
                problems.append(f"{path}: complex enum value {value!r}")
        if _is_object(node) and node.get("additionalProperties") is not False:
            problems.append(f"{path}: object without additionalProperties: false")
    problems += [f"{path}: recursive reference to {target}" for _, path, target, _ in recursive_edges(schema)]
    return problems


# Gemini / Vertex parameters_json_schema: the keywords the API documents (SDK docstring of response_json_schema).
_GEMINI_KEYWORDS = frozenset(
    {
        "$id",
        "$defs",
        "$ref",
        "$anchor",
        "type",
        "format",
        "title",
        "description",
        "enum",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
        "anyOf",
        "oneOf",
        "properties",
        "additionalProperties",
        "required",
        "propertyOrdering",
    }
)


def check_gemini(schema: JSON) -> list[str]:
    problems = check_any_json_schema(schema)
    for path, node in subschemas(schema):
        for key in node:
            if key not in _GEMINI_KEYWORDS:
                problems.append(f"{path}: keyword {key!r} is not taken by Gemini")
        if "$ref" in node and any(not k.startswith("$") for k in node):
            problems.append(f"{path}: non-$ keywords beside $ref: {sorted(k for k in node if not k.startswith('$'))}")
        for value in node.get("enum", ()):
            # "enum (for strings and numbers)"
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                problems.append(f"{path}: enum value {value!r} is not a string or number")
    # "Cyclic references ... may only be used within non-required properties (nullable is not sufficient)."
    problems += [
        f"{path}: recursive reference to {target} in a required property"
        for _, path, target, required in recursive_edges(schema)
        if required
    ]
    return problems


DIALECTS: dict[tuple[str, bool], Checker] = {
    ("openai", False): check_any_json_schema,
    ("openai-responses", False): check_any_json_schema,
    ("anthropic", False): check_any_json_schema,
    ("google", False): check_gemini,
    ("vertexai", False): check_gemini,
    ("openai", True): check_openai_strict,
    ("openai-responses", True): check_openai_strict,
    ("anthropic", True): check_anthropic_strict,
}


def declared_schema(prefix: str, declarations: list[JSON]) -> JSON:
    """The one tool's parameter schema inside each provider's declaration shape."""
    if prefix == "openai":
        (declaration,) = declarations
        assert declaration["type"] == "function"
        schema: JSON = declaration["function"]["parameters"]
    elif prefix == "openai-responses":
        (declaration,) = declarations
        assert declaration["type"] == "function"
        schema = declaration["parameters"]
    elif prefix == "anthropic":
        (declaration,) = declarations
        schema = declaration["input_schema"]
    else:
        (tool,) = declarations
        (declaration,) = tool["function_declarations"]
        schema = declaration["parameters_json_schema"]
    return schema


def declared_description(prefix: str, declarations: list[JSON]) -> str:
    if prefix == "openai":
        text: str = declarations[0]["function"]["description"]
    elif prefix in ("openai-responses", "anthropic"):
        text = declarations[0]["description"]
    else:
        text = declarations[0]["function_declarations"][0]["description"]
    return text


def declared_strict(prefix: str, declarations: list[JSON]) -> bool | None:
    if prefix == "openai":
        flag: bool | None = declarations[0]["function"].get("strict")
    elif prefix in ("openai-responses", "anthropic"):
        flag = declarations[0].get("strict")
    else:
        flag = None
    return flag
