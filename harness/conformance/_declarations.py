"""Steps 1 and 2: the declarations the adapter sent, against the provider's rules and against the model.

Step 1 applies the provider module's own rejection rules (each with its documented source), then what
every provider demands of a function tool: one per model under its tool name, an object root, a
well-formed schema, and ``strict`` where the cell is strict. Step 2 checks the schema is not stricter
than the model: every instance's arguments validate against it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import jsonschema
import referencing.exceptions
from pydantic import BaseModel

from harness._toolset import tool_name, wire_arguments
from harness.conformance._endpoint import Exchange
from harness.providers import Provider
from harness.providers._base import DeclaredTool
from harness.providers._schema import accepts_null, resolve
from harness.values import as_json_schema

JSON = dict[str, Any]


def declaration_problem(
    provider: Provider, exchange: Exchange, models: Sequence[type[BaseModel]], *, strict: bool
) -> str | None:
    """Why the request breaks the provider's documented rules, or ``None``."""
    received = exchange.received
    if received is None:
        return f"{provider.name} cannot read the request: {exchange.error}"
    for rule in provider.rejection_rules:
        rejection = rule.check(provider, exchange.body, received)
        if rejection is not None:
            return f"{provider.name} refuses the request ({rule.name}; {rule.source}): {rejection.message}"
    tools = {tool.name: tool for tool in received.tools if tool.kind == "function"}
    for model in models:
        name = tool_name(model)
        tool = tools.get(name)
        if tool is None:
            return f"no function tool named {name!r} (for {model.__qualname__}); declared: {sorted(tools)}"
        problem = _schema_problem(tool, model)
        if problem:
            return f"tool {name!r}: {problem}"
        if strict and not tool.strict:
            return f"tool {name!r} is not declared strict in a strict cell"
    return None


def json_schema_of(tool: DeclaredTool) -> JSON:
    """The tool's schema as JSON Schema (Gemini's OpenAPI ``parameters`` converted)."""
    schema = tool.schema or {}
    converted: JSON = as_json_schema(schema, dialect=tool.dialect)
    return converted


def _schema_problem(tool: DeclaredTool, model: type[BaseModel]) -> str | None:
    if tool.schema is None:
        # No parameters is how Gemini and Chat Completions declare a function taking none: only a model
        # with fields needs a schema (a provider that demands one refuses the request by its own rules).
        return "no parameter schema" if model.model_fields else None
    schema = json_schema_of(tool)
    if schema.get("type") != "object":
        return f"the schema's root is not an object: {json.dumps(schema)[:200]}"
    return None


def stricter_problem(exchange: Exchange, instances: Sequence[BaseModel]) -> str | None:
    """The first instance whose arguments the sent schema rejects, or ``None``."""
    assert exchange.received is not None
    validators = {
        tool.name: _validator(json.dumps(json_schema_of(tool), sort_keys=True))
        for tool in exchange.received.tools
        if tool.kind == "function"
    }
    for i, instance in enumerate(instances):
        name = tool_name(type(instance))
        validator = validators[name]
        schema = validator.schema  # parsed once, with the validator (cached by the schema's text)
        defs = schema.get("$defs", {}) if isinstance(schema, Mapping) else {}
        arguments = absent_as_null(wire_arguments(instance), schema, defs)
        try:
            error = jsonschema.exceptions.best_match(validator.iter_errors(arguments))
        except (jsonschema.exceptions.UnknownType, referencing.exceptions.Unresolvable) as broken:
            return f"the schema sent for {name!r} is not a valid JSON schema: {broken}"
        if error is not None:
            where = "/".join(map(str, error.absolute_path)) or "(root)"
            return (
                f"the schema sent for {name!r} is stricter than the model: instance {i} "
                f"({json.dumps(arguments, ensure_ascii=False)[:300]}) breaks it at {where}: {error.message[:300]}"
            )
    return None


def absent_as_null(value: Any, schema: Any, defs: dict[str, Any]) -> Any:
    """``value`` with ``null`` for each key it leaves out that the sent schema requires and lets be null:
    how a provider following that schema (OpenAI strict: every key required, an omittable one nullable)
    says "absent". The round trip then checks the client reads that null back as absent."""
    if not isinstance(schema, dict):
        return value
    schema = resolve(schema, defs)
    if isinstance(value, dict) and isinstance(schema.get("properties"), dict):
        properties = schema["properties"]
        out = {key: absent_as_null(item, properties.get(key), defs) for key, item in value.items()}
        for key in schema.get("required", ()):
            if key not in out and key in properties and accepts_null(properties[key], defs):
                out[key] = None
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [absent_as_null(item, schema["items"], defs) for item in value]
    for branches in (schema.get("anyOf"), schema.get("oneOf")):
        if isinstance(branches, list) and isinstance(value, dict):
            objects = [b for b in branches if isinstance(b, dict) and resolve(b, defs).get("type") == "object"]
            if len(objects) == 1:
                return absent_as_null(value, objects[0], defs)
    return value


@functools.lru_cache(maxsize=1024)
def _validator(schema_text: str) -> jsonschema.protocols.Validator:
    schema = json.loads(schema_text)
    # No meta-schema check (12 ms a schema): a malformed keyword fails validation below, naming itself.
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema)
