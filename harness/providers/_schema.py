"""One JSON-schema walker; each provider contributes a `SchemaRules` value, not code.

The walker starts from pydantic's own schema (``model_json_schema(by_alias=True)``) and
rewrites it into the dialect a provider accepts.  Every rewrite is exact (``oneOf`` of
tagged branches -> ``anyOf``, ``const`` -> one-value ``enum``) or moves a keyword the
provider only ignores into the description, where pydantic still enforces it on the way
back.  Anything else raises `harness.errors.UnsupportedSchemaError` naming the
field path, the feature and the provider: type structure is never erased silently.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.errors import UnsupportedSchemaError

JSON = dict[str, Any]

# Keywords that only annotate; a provider that does not list them loses nothing when
# they move into the description.
_TYPING_KEYWORDS = frozenset({"type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const"})
_ANNOTATIONS = frozenset({"title", "default", "examples", "readOnly", "writeOnly", "deprecated", "$comment"})


@dataclass(frozen=True)
class SchemaRules:
    """What one provider (in one mode) accepts, as data."""

    provider: str
    #: Keywords the provider accepts; ``None`` accepts every keyword.
    allowed: frozenset[str] | None = None
    #: Value checks the provider ignores but pydantic enforces: moved into the description.
    described: frozenset[str] = frozenset()
    #: Keyword -> what it means, for keywords that must raise.
    unsupported: Mapping[str, str] = field(default_factory=dict)
    #: ``format`` values the provider accepts (``None``: all); others move into the description.
    formats: frozenset[str] | None = None
    const_as_enum: bool = False
    one_of_as_any_of: bool = False
    #: ``{"$ref": ..., "description": ...}`` -> ``{"anyOf": [{"$ref": ...}], "description": ...}``.
    no_ref_siblings: bool = False
    #: Types allowed as ``enum`` values (``None``: any).
    enum_types: tuple[type, ...] | None = None
    #: Every object gets ``additionalProperties: false``; ``dict[str, T]`` is then unsupported.
    closed_objects: bool = False
    #: Every property becomes required; omittable ones become nullable (OpenAI strict).
    all_required: bool = False
    #: ``"any"``, ``"none"``, or ``"breakable"``: every cycle of references passes through a field that
    #: can be omitted (see `_unbreakable_edges`).
    recursion: str = "any"
    #: Largest ``minItems`` the provider accepts; larger values move into the description.
    max_min_items: int | None = None
    #: Every schema must say what it is (a type, a reference, a union or an enum): ``Any`` is refused.
    typed: bool = False


@dataclass(frozen=True)
class _Walk:
    rules: SchemaRules
    tool: str
    defs: Mapping[str, JSON]
    recursive_edges: frozenset[tuple[str, str]]
    unbreakable_edges: frozenset[tuple[str, str]]


def transform_schema(schema: JSON, rules: SchemaRules, *, tool: str) -> JSON:
    """Rewrite pydantic's schema for ``tool`` into ``rules.provider``'s dialect."""
    schema = copy.deepcopy(schema)
    defs: dict[str, JSON] = schema.pop("$defs", {})
    _require_tags(schema, defs)
    root = _inline_root_ref(schema, defs)
    unbreakable = _unbreakable_edges(defs) if rules.recursion == "breakable" else frozenset()
    walk = _Walk(rules, tool, defs, _recursive_edges(defs), unbreakable)
    _check_cycles(walk, root, _root_def_name(schema))
    out = _node(walk, root, "", current_def=_root_def_name(schema))
    if defs:
        out["$defs"] = {name: _node(walk, d, f"<{name}>", current_def=name) for name, d in defs.items()}
    if out.get("type") != "object":
        raise UnsupportedSchemaError(
            provider=rules.provider, tool_name=tool, path="", feature="a non-object root schema"
        )
    return out


def restore_omitted(value: Any, schema: JSON, defs: Mapping[str, JSON] | None = None) -> Any:
    """Undo ``all_required``: ``null`` for a field the original schema lets one omit means its default.

    Walks ``value`` beside pydantic's original schema. The null becomes the default pydantic wrote
    into the schema, so the key stays present and a union of models still tells its branches apart;
    without a written default (``default_factory``) the key is dropped and pydantic fills it in.
    """
    defs = schema.get("$defs", {}) if defs is None else defs
    schema = resolve(schema, defs)
    if isinstance(value, dict) and "properties" in schema:
        required = set(schema.get("required", ()))
        props = schema["properties"]
        out = {}
        for key, item in value.items():
            sub = props.get(key)
            if sub is None:
                out[key] = item
            elif item is None and key not in required and not accepts_null(sub, defs):
                if sub.get("default") is not None:
                    out[key] = copy.deepcopy(sub["default"])
            else:
                out[key] = restore_omitted(item, sub, defs)
        return out
    if isinstance(value, dict) and isinstance(schema.get("additionalProperties"), dict):
        return {k: restore_omitted(v, schema["additionalProperties"], defs) for k, v in value.items()}
    if isinstance(value, list):
        if "prefixItems" in schema:
            return [restore_omitted(v, s, defs) for v, s in zip(value, schema["prefixItems"], strict=False)] + value[
                len(schema["prefixItems"]) :
            ]
        if isinstance(schema.get("items"), dict):
            return [restore_omitted(v, schema["items"], defs) for v in value]
    for key in ("anyOf", "oneOf"):
        if key in schema and isinstance(value, (dict, list)):
            for branch in schema[key]:
                if _shape_fits(value, resolve(branch, defs)):
                    return restore_omitted(value, branch, defs)
    return value


# --- the walk -----------------------------------------------------------------------------


def _node(walk: _Walk, schema: JSON, path: str, *, current_def: str | None) -> JSON:
    rules = walk.rules
    schema = _merge_single_all_of(schema)
    out: JSON = {}
    notes: dict[str, Any] = {}

    for key, value in schema.items():
        if key in rules.unsupported:
            _fail(walk, path, f"{rules.unsupported[key]} ({key})")
        if key == "properties":
            out[key] = {
                name: _node(walk, sub, f"{path}.{name}", current_def=current_def) for name, sub in value.items()
            }
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            suffix = {"items": "[]", "additionalProperties": "{}", "not": "!"}[key]
            out[key] = _node(walk, value, path + suffix, current_def=current_def)
        elif key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            out[key] = [
                _node(walk, sub, f"{path}[{i}]" if key == "prefixItems" else path, current_def=current_def)
                for i, sub in enumerate(value)
            ]
        else:
            out[key] = value

    if rules.one_of_as_any_of and "oneOf" in out:
        # pydantic emits oneOf only for tagged unions, whose branches exclude each other: anyOf is exact.
        out["anyOf"] = out.pop("oneOf")
        out.pop("discriminator", None)
    if rules.const_as_enum and "const" in out:
        out["enum"] = [out.pop("const")]
    if "enum" in out and rules.enum_types is not None:
        for item in out["enum"]:
            if isinstance(item, bool) or not isinstance(item, rules.enum_types):
                _fail(walk, path, f"an enum or Literal of {type(item).__name__} values ({item!r})")
    if rules.formats is not None and "format" in out and out["format"] not in rules.formats:
        notes["format"] = out.pop("format")
    if rules.typed and not _TYPING_KEYWORDS & out.keys():
        _fail(walk, path, "a value of any type (Any or object: the schema names no type)")
    if rules.max_min_items is not None and out.get("minItems", 0) > rules.max_min_items:
        notes["minItems"] = out.pop("minItems")
    _check_recursion(walk, out, path, current_def)
    if rules.closed_objects:
        _close_object(walk, out, path)
    if rules.all_required and "properties" in out:
        _require_all(out, notes)

    for key in list(out):
        if key in rules.described or (rules.allowed is not None and key not in rules.allowed):
            if key in rules.described or key in _ANNOTATIONS:
                value = out.pop(key)
                if key != "title":
                    notes[key] = value
            elif key == "discriminator":
                out.pop(key)  # only meaningful beside oneOf, which this provider does not take
            else:
                _fail(walk, path, f"the JSON-schema keyword {key!r}")
    if notes:
        out["description"] = _describe(out.get("description"), notes)
    if rules.no_ref_siblings and "$ref" in out and len(out) > 1:
        out = {"anyOf": [{"$ref": out.pop("$ref")}], **out}
    return out


def _require_all(out: JSON, notes: dict[str, Any]) -> None:
    required = set(out.get("required", ()))
    for name, sub in out["properties"].items():
        if name not in required:
            # An omittable field must still be sent; null stands for "use the default".
            if "default" in sub:
                sub["description"] = _describe(sub.get("description"), {"default": sub.pop("default")})
            out["properties"][name] = _nullable(sub)
    out["required"] = list(out["properties"])


def _nullable(schema: JSON) -> JSON:
    if accepts_null(schema, {}):
        return schema
    if "anyOf" in schema:
        return {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}
    if isinstance(schema.get("type"), str) and "enum" not in schema and "const" not in schema:
        return {**schema, "type": [schema["type"], "null"]}
    described = {k: schema[k] for k in ("description",) if k in schema}
    rest = {k: v for k, v in schema.items() if k != "description"}
    return {"anyOf": [rest, {"type": "null"}], **described}


def _close_object(walk: _Walk, out: JSON, path: str) -> None:
    if out.get("type") != "object":
        return
    extra = out.get("additionalProperties")
    if isinstance(extra, dict) or (extra is True and not out.get("properties")):
        _fail(walk, path, "a dict[str, T] field (an object with additionalProperties)")
    out["additionalProperties"] = False
    out.setdefault("properties", {})
    out.setdefault("required", [])


def _check_recursion(walk: _Walk, out: JSON, path: str, current_def: str | None) -> None:
    if walk.rules.recursion != "none" or current_def is None or "properties" not in out:
        return
    for name, sub in out["properties"].items():
        for target in _direct_refs(sub):
            if (current_def, target) in walk.recursive_edges:
                _fail(walk, f"{path}.{name}", f"a recursive model ({target})")


def _check_cycles(walk: _Walk, root: JSON, root_def: str | None) -> None:
    """Refuse a cycle of required references, at the first such reference in the root or the definitions."""
    if not walk.unbreakable_edges:
        return
    starts = [(root_def, root, "")] if root_def is not None else []
    starts += [(name, d, f"<{name}>") for name, d in walk.defs.items()]
    for start, schema, path in starts:
        for where, target in _required_refs(schema, path):
            if (start, target) in walk.unbreakable_edges:
                _fail(
                    walk,
                    where,
                    f"a recursive reference through required fields only ({target})",
                    hint="Gemini cuts recursion only at a field it may leave out: give one field on the cycle a "
                    "default (`| None` alone is not enough)",
                )


def _fail(walk: _Walk, path: str, feature: str, *, hint: str = "") -> None:
    raise UnsupportedSchemaError(
        provider=walk.rules.provider, tool_name=walk.tool, path=path, feature=feature, hint=hint
    )


def _describe(description: str | None, notes: Mapping[str, Any]) -> str:
    text = ", ".join(f"{k}={json.dumps(v, sort_keys=True, default=str)}" for k, v in notes.items())
    return f"{description} ({text})" if description else f"({text})"


# --- helpers on plain schemas -----------------------------------------------------------------


def _require_tags(schema: JSON, defs: Mapping[str, JSON]) -> None:
    """Make each discriminated union's tag required in its branches.

    pydantic marks a tag with a default (``kind: Literal["a"] = "a"``) omittable, but the union cannot
    pick a branch without it. The tag has one value, so requiring it excludes no valid instance.
    """
    for node in _nodes(schema, defs):
        discriminator = node.get("discriminator")
        tag = discriminator.get("propertyName") if isinstance(discriminator, dict) else None
        if not isinstance(tag, str):
            continue
        for branch in node.get("oneOf", ()):
            target = resolve(branch, defs) if isinstance(branch, dict) else {}
            if tag in target.get("properties", {}) and tag not in target.get("required", ()):
                target["required"] = [*target.get("required", ()), tag]


def _nodes(schema: JSON, defs: Mapping[str, JSON]) -> list[JSON]:
    """Every schema node in ``schema`` and ``defs``: property values are schemas, property names are not."""
    found: list[JSON] = []
    stack: list[Any] = [schema, *defs.values()]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        found.append(node)
        stack.extend((node.get("properties") or {}).values())
        stack.extend(node.get(key) for key in ("items", "additionalProperties", "not"))
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            stack.extend(node.get(key) or ())
    return found


def _merge_single_all_of(schema: JSON) -> JSON:
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict):
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        return {**all_of[0], **rest}
    return schema


def _inline_root_ref(schema: JSON, defs: Mapping[str, JSON]) -> JSON:
    name = _root_def_name(schema)
    if name is None:
        return schema
    rest = {k: v for k, v in schema.items() if k != "$ref"}
    return {**copy.deepcopy(defs[name]), **rest}


def _root_def_name(schema: JSON) -> str | None:
    ref = schema.get("$ref")
    return _def_name(ref) if isinstance(ref, str) else None


def _def_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _direct_refs(schema: Any) -> set[str]:
    """Definitions a field refers to without crossing into another model's properties."""
    found: set[str] = set()
    if isinstance(schema, dict):
        if isinstance(schema.get("$ref"), str):
            found.add(_def_name(schema["$ref"]))
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            for sub in schema.get(key, ()):
                found |= _direct_refs(sub)
        for key in ("items", "additionalProperties"):
            found |= _direct_refs(schema.get(key))
    return found


def _all_refs(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        found = {_def_name(schema["$ref"])} if isinstance(schema.get("$ref"), str) else set()
        for value in schema.values():
            found |= _all_refs(value)
        return found
    if isinstance(schema, list):
        return set().union(*(_all_refs(v) for v in schema)) if schema else set()
    return set()


def _recursive_edges(defs: Mapping[str, JSON]) -> frozenset[tuple[str, str]]:
    """Edges (a, b) between definitions where b can reach a again: the edges that close a cycle."""
    return _cycle_edges({name: _all_refs(d) & defs.keys() for name, d in defs.items()})


def _unbreakable_edges(defs: Mapping[str, JSON]) -> frozenset[tuple[str, str]]:
    """Edges on a cycle of definitions that no instance can leave: every step on it is required.

    Gemini unrolls a recursive schema a few levels deep and then cuts it by leaving a field out, so
    a cycle is fine as long as one field on it may be omitted (``A.b: B`` required with
    ``B.a: A | None = None`` is accepted). Only leaving a field out counts: its documentation says
    nullable is not sufficient, and a reference through a required field's list items, dict values
    or union branches (``T | None``, ``list[T]``, ``dict[str, T]``, a recursive type alias) stays in
    the schema however deep it is unrolled, so those steps count as required too.
    """
    names = defs.keys()
    return _cycle_edges({name: {t for _, t in _required_refs(d, "")} & names for name, d in defs.items()})


def _required_refs(schema: Any, path: str) -> list[tuple[str, str]]:
    """``(path, definition)`` of each reference reached from ``schema`` through required fields only."""
    if not isinstance(schema, dict):
        return []
    found = [(path, _def_name(schema["$ref"]))] if isinstance(schema.get("$ref"), str) else []
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, ()):
            found += _required_refs(sub, path)
    for i, sub in enumerate(schema.get("prefixItems", ())):
        found += _required_refs(sub, f"{path}[{i}]")
    found += _required_refs(schema.get("items"), f"{path}[]")
    found += _required_refs(schema.get("additionalProperties"), f"{path}{{}}")
    required = set(schema.get("required", ()))
    for name, sub in (schema.get("properties") or {}).items():
        if name in required:
            found += _required_refs(sub, f"{path}.{name}")
    return found


def _cycle_edges(graph: Mapping[str, set[str]]) -> frozenset[tuple[str, str]]:
    """Edges (a, b) of ``graph`` where b can reach a again."""
    reach: dict[str, set[str]] = {}
    for start in graph:
        seen: set[str] = set()
        stack = list(graph[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(graph.get(node, ()))
        reach[start] = seen
    return frozenset((a, b) for a, targets in graph.items() for b in targets if a in reach.get(b, set()))


def resolve(schema: JSON, defs: Mapping[str, JSON]) -> JSON:
    """``schema`` with its ``$ref`` (and a lone ``allOf``) followed into ``defs``."""
    schema = _merge_single_all_of(schema)
    while isinstance(schema.get("$ref"), str):
        schema = _merge_single_all_of(defs.get(_def_name(schema["$ref"]), {}))
    return schema


def accepts_null(schema: Any, defs: Mapping[str, JSON]) -> bool:
    """Whether ``schema`` (a node of a document whose definitions are ``defs``) admits ``null``: its type
    allows null and its ``const`` or ``enum``, where it has one, holds null; or one of its branches does."""
    if not isinstance(schema, dict):
        return False
    schema = resolve(schema, defs) if defs else schema
    kind = schema.get("type")
    typed = kind == "null" or (isinstance(kind, list) and "null" in kind)
    if "const" in schema:
        own = schema["const"] is None and (typed or kind is None)
    elif isinstance(schema.get("enum"), list):
        own = None in schema["enum"] and (typed or kind is None)
    else:
        own = typed
    return own or any(accepts_null(s, defs) for s in [*schema.get("anyOf", ()), *schema.get("oneOf", ())])


def _shape_fits(value: Any, schema: JSON) -> bool:
    kind = schema.get("type")
    if isinstance(value, dict):
        if kind not in (None, "object") or not isinstance(schema.get("properties"), dict):
            return kind == "object"
        return set(value) <= set(schema["properties"]) and all(
            value.get(k) == (s.get("const", value.get(k))) for k, s in schema["properties"].items() if k in value
        )
    return kind == "array"
