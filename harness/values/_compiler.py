"""Compiling a schema into nodes: references, merges of allOf, unions, and what cannot be drawn."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any
from urllib.parse import unquote

from harness.values._common import _FLOAT_MAX, _INT_MAX, _INT_MIN, _NO_MAX, JSON
from harness.values._formats import _FORMATS, _PLAIN_FORMATS
from harness.values._matcher import _Matcher
from harness.values._nodes import (
    _AnyValue,
    _Arr,
    _Bool,
    _Const,
    _Impossible,
    _Int,
    _Node,
    _Null,
    _Num,
    _Obj,
    _Ref,
    _Str,
    _Union,
)
from harness.values._numbers import _both_numbers, _is_multiple
from harness.values._regex import _compile_rx
from harness.values._strings import _json_type, _key
from harness.values._vocabulary import (
    _ANNOTATIONS,
    _ARRAY_KW,
    _KEYED,
    _NUMBER_FORMATS,
    _NUMBER_KW,
    _OBJECT_KW,
    _STRING_KW,
    _UNSUPPORTED,
    _esc,
    _is_assertion,
    _keyed_form,
)


class _Conflict(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Compiler:
    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.refs: dict[tuple[str, str], _Ref] = {}
        self.nodes: list[_Node] = []
        self.matcher = _Matcher(self.resolve)

    def root(self) -> _Node:
        return self.ref("#", {}, "#")

    def add(self, node: _Node) -> _Node:
        self.nodes.append(node)
        return node

    def impossible(self, ptr: str, reason: str) -> _Node:
        return self.add(_Impossible(ptr, reason))

    def resolve(self, ref: str) -> Any:
        """The schema a local JSON-pointer reference names; ``LookupError`` for any other."""
        if not ref.startswith("#"):
            raise LookupError(f"only local references (#/...) are supported, not {ref!r}")
        target = self.doc
        fragment = unquote(ref[1:])
        if fragment and not fragment.startswith("/"):
            raise LookupError(f"anchor references are not supported ({ref!r})")
        for token in fragment.split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(target, Mapping) and token in target:
                target = target[token]
            elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
                target = target[int(token)]
            else:
                raise LookupError(f"$ref {ref!r} names nothing in the schema")
        return target

    # -- references and recursion --

    def ref(self, ref: str, siblings: JSON, site: str) -> _Node:
        key = (ref, json.dumps(siblings, sort_keys=True, default=str) if siblings else "")
        node = self.refs.get(key)
        if node is not None:
            return node
        node = _Ref(site, ref)
        self.refs[key] = node
        self.add(node)
        try:
            target = self.resolve(ref)
        except LookupError as error:
            node.target = self.impossible(site, str(error))
            return node
        if siblings:
            try:
                merged = self.flatten({"allOf": [target, siblings]})
            except _Conflict as error:
                node.target = self.impossible(site, error.reason)
                return node
            node.target = self.node(merged, site)
        else:
            node.target = self.node(target, ref if ref.startswith("#/") or ref == "#" else site)
        return node

    def settle(self) -> None:
        """Mark references that can lead back to themselves, then compute every node's ``need``."""
        below = {id(ref): _refs_below(ref.target) for ref in self.refs.values()}
        for ref in self.refs.values():
            stack, seen = list(below[id(ref)]), set()
            while stack:
                other = stack.pop()
                if other is ref:
                    ref.cost = 1
                    break
                if id(other) not in seen:
                    seen.add(id(other))
                    stack.extend(below[id(other)])
        changed = True
        while changed:  # needs only fall, from inf, so this ends
            changed = False
            for node in self.nodes:
                need = node.settle()
                if need < node.need:
                    node.need = need
                    changed = True

    # -- one schema location --

    def node(self, schema: Any, ptr: str) -> _Node:
        if schema is True or (isinstance(schema, Mapping) and not any(map(_is_assertion, schema))):
            return self.add(_AnyValue(ptr))
        if schema is False:
            return self.impossible(ptr, "the schema `false` admits no value")
        if not isinstance(schema, Mapping):
            return self.impossible(ptr, f"not a schema: {schema!r}")
        for key, reason in _UNSUPPORTED.items():
            if key in schema and not (key in _KEYED and _keyed_form(schema)):
                return self.impossible(f"{ptr}/{key}", reason)
        if "allOf" in schema:
            return self.all_of(schema, ptr)
        if "$ref" in schema:
            if not isinstance(schema["$ref"], str):
                return self.impossible(f"{ptr}/$ref", "$ref must be a string")
            siblings = {k: v for k, v in schema.items() if k != "$ref" and _is_assertion(k)}
            return self.ref(schema["$ref"], siblings, ptr)
        if "anyOf" in schema or "oneOf" in schema:
            return self.union(schema, ptr)
        if "enum" in schema or "const" in schema:
            return self.enum(schema, ptr)
        return self.typed(schema, ptr)

    def all_of(self, schema: Mapping[str, Any], ptr: str) -> _Node:
        members = schema["allOf"]
        if not isinstance(members, list) or not members:
            return self.impossible(f"{ptr}/allOf", "allOf must be a non-empty list")
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        only = members[0] if len(members) == 1 else None
        if (
            isinstance(only, Mapping)
            and isinstance(only.get("$ref"), str)
            and not any(_is_assertion(k) for k in rest)
            and not any(_is_assertion(k) for k in only if k != "$ref")
        ):
            return self.ref(only["$ref"], {}, ptr)  # pydantic's wrapper for a described reference: stay lazy
        try:
            merged = self.flatten(schema)
        except _Conflict as error:
            return self.impossible(f"{ptr}/allOf", error.reason)
        return self.node(merged, ptr)

    def flatten(self, schema: Any, depth: int = 0) -> JSON:
        """``schema`` with its own ``allOf`` and ``$ref`` merged in (one level: nested schemas stay lazy)."""
        if depth > 16:
            raise _Conflict("allOf/$ref nest too deep to merge")
        if schema is True:
            return {}
        if not isinstance(schema, Mapping):
            raise _Conflict(
                "allOf has a member that admits nothing" if schema is False else "allOf member is not a schema"
            )
        out: JSON = {k: v for k, v in schema.items() if k not in ("allOf", "$ref")}
        parts: list[Any] = []
        if isinstance(schema.get("$ref"), str):
            try:
                parts.append(self.resolve(schema["$ref"]))
            except LookupError as error:
                raise _Conflict(str(error)) from None
        members = schema.get("allOf", [])
        if not isinstance(members, list):
            raise _Conflict("allOf must be a list")
        parts += members
        for part in parts:
            out = _merge(out, self.flatten(part, depth + 1))
        return out

    def union(self, schema: Mapping[str, Any], ptr: str) -> _Node:
        if "anyOf" in schema and "oneOf" in schema:
            return self.impossible(ptr, "anyOf and oneOf together are not supported")
        key = "anyOf" if "anyOf" in schema else "oneOf"
        branches = schema[key]
        if not isinstance(branches, list) or not branches:
            return self.impossible(f"{ptr}/{key}", f"{key} must be a non-empty list")
        siblings = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf") and _is_assertion(k)}
        discriminator = schema.get("discriminator")
        tag = discriminator.get("propertyName") if isinstance(discriminator, Mapping) else None
        schemas: list[Any] = []
        for branch in branches:
            if isinstance(tag, str) and isinstance(branch, Mapping):
                # pydantic leaves a defaulted tag optional, but it cannot pick the branch without it
                branch = {**branch, "required": [*branch.get("required", []), tag]}
            schemas.append({"allOf": [siblings, branch]} if siblings else branch)
        nodes = [self.node(s, f"{ptr}/{key}/{i}") for i, s in enumerate(schemas)]
        overlap = key == "oneOf" and len(nodes) > 1 and not self.disjoint(schemas)
        return self.add(_Union(ptr, nodes, schemas if overlap else None))

    def enum(self, schema: Mapping[str, Any], ptr: str) -> _Node:
        values = schema.get("enum")
        if values is not None and not isinstance(values, list):
            return self.impossible(f"{ptr}/enum", "enum must be a list")
        if "const" in schema:
            const = schema["const"]
            if values is not None and _key(const) not in {_key(v) for v in values}:
                return self.impossible(f"{ptr}/const", "const is not among the enum values")
            candidates = [const]
        else:
            assert values is not None
            if not values:
                return self.impossible(f"{ptr}/enum", "empty enum")
            candidates = list(values)
        siblings = {k: v for k, v in schema.items() if k not in ("enum", "const") and _is_assertion(k)}
        if siblings:
            # keep only the values the rest of the schema surely admits
            candidates = [v for v in candidates if self.matcher.check(v, siblings) is True]
            if not candidates:
                return self.impossible(ptr, "no enum/const value satisfies the rest of the schema")
        return self.add(_Const(ptr, candidates))

    def typed(self, schema: Mapping[str, Any], ptr: str) -> _Node:
        kind = schema.get("type")
        if kind is None:
            keys = schema.keys()
            fmt = schema.get("format")
            types = [
                name
                for name, words in (
                    ("object", _OBJECT_KW),
                    ("array", _ARRAY_KW),
                    ("string", _STRING_KW),
                    ("number", _NUMBER_KW),
                )
                if words & keys
            ]
            if isinstance(fmt, str):
                types.append("number" if fmt in _NUMBER_FORMATS else "string")
            types = list(dict.fromkeys(types))
            if not types:
                return self.add(_AnyValue(ptr))
        elif isinstance(kind, str):
            types = [kind]
        elif isinstance(kind, list) and kind and all(isinstance(t, str) for t in kind):
            types = list(dict.fromkeys(kind))
        else:
            return self.impossible(f"{ptr}/type", f"type must be a name or a non-empty list of names, not {kind!r}")
        nodes = [self.of_type(name, schema, ptr) for name in types]
        return nodes[0] if len(nodes) == 1 else self.add(_Union(ptr, nodes, None))

    def of_type(self, name: str, schema: Mapping[str, Any], ptr: str) -> _Node:
        if name == "null":
            return self.add(_Null(ptr))
        if name == "boolean":
            return self.add(_Bool(ptr))
        if name in ("integer", "number"):
            return self.number(schema, ptr, integer=name == "integer")
        if name == "string":
            return self.string(schema, ptr)
        if name == "array":
            return self.array(schema, ptr)
        if name == "object":
            return self.object(schema, ptr)
        return self.impossible(f"{ptr}/type", f"unknown type {name!r}")

    def number(self, schema: Mapping[str, Any], ptr: str, *, integer: bool) -> _Node:
        try:
            lo, lo_open, hi, hi_open = _bounds(schema)
        except _Conflict as error:
            return self.impossible(ptr, error.reason)
        fmt = schema.get("format")
        mult = schema.get("multipleOf")
        if mult is not None and (isinstance(mult, bool) or not isinstance(mult, int | float) or not mult > 0):
            return self.impossible(f"{ptr}/multipleOf", f"multipleOf must be a positive number, not {mult!r}")
        if integer:
            ilo = _INT_MIN if lo is None else (math.floor(lo) + 1 if lo_open else math.ceil(lo))
            ihi = _INT_MAX if hi is None else (math.ceil(hi) - 1 if hi_open else math.floor(hi))
            if fmt == "int32":
                ilo, ihi = max(ilo, -(2**31)), min(ihi, 2**31 - 1)
            if ilo > ihi:
                return self.impossible(ptr, f"no integer between the bounds ({_describe_bounds(schema)})")
            step, check = 1, None
            if mult is not None:
                exact = Fraction(repr(mult)) if isinstance(mult, float) else Fraction(mult)
                step = exact.numerator  # n is a multiple of p/q exactly when p divides n
                check = mult if isinstance(mult, float) and not mult.is_integer() else None
            klo, khi = -((-ilo) // step), ihi // step
            if klo > khi:
                return self.impossible(ptr, f"no multiple of {mult} between the bounds")
            return self.add(_Int(ptr, klo, khi, step, check))
        flo = -_FLOAT_MAX if lo is None else float(lo)
        fhi = _FLOAT_MAX if hi is None else float(hi)
        if lo_open:
            flo = math.nextafter(flo, math.inf)
        if hi_open:
            fhi = math.nextafter(fhi, -math.inf)
        if flo > fhi:
            return self.impossible(ptr, f"no number between the bounds ({_describe_bounds(schema)})")
        node = _Num(ptr, flo, fhi, mult)
        if mult is not None and node.klo > node.khi:
            return self.impossible(ptr, f"no multiple of {mult} between the bounds")
        return self.add(node)

    def string(self, schema: Mapping[str, Any], ptr: str) -> _Node:
        lo, hi = schema.get("minLength", 0), schema.get("maxLength", _NO_MAX)
        if not _is_count(lo) or not _is_count(hi):
            return self.impossible(ptr, "minLength/maxLength must be non-negative integers")
        if lo > hi:
            return self.impossible(ptr, f"minLength {lo} is above maxLength {hi}")
        fmt_name = schema.get("format")
        fmt = None
        if isinstance(fmt_name, str) and fmt_name not in _PLAIN_FORMATS:
            fmt = _FORMATS.get(fmt_name)
            if fmt is None:
                return self.impossible(f"{ptr}/format", f"format {fmt_name!r} is not supported")
        pattern = schema.get("pattern")
        rx = regex = None
        if pattern is not None:
            if not isinstance(pattern, str):
                return self.impossible(f"{ptr}/pattern", "pattern must be a string")
            try:
                regex = re.compile(pattern)
            except re.error as error:
                return self.impossible(f"{ptr}/pattern", f"pattern does not compile: {error}")
            compiled = _compile_rx(pattern)
            if isinstance(compiled, str):
                return self.impossible(f"{ptr}/pattern", compiled)
            rx = compiled
            if rx.root.minw > hi:
                return self.impossible(f"{ptr}/pattern", f"pattern needs {rx.root.minw} characters, maxLength is {hi}")
            if rx.root.maxw < lo and not (rx.prefix_ok or rx.suffix_ok):
                return self.impossible(
                    f"{ptr}/pattern", f"pattern matches at most {rx.root.maxw} characters, minLength is {lo}"
                )
        return self.add(_Str(ptr, lo, hi, rx if fmt is None else None, regex, fmt))

    def array(self, schema: Mapping[str, Any], ptr: str) -> _Node:
        prefix_schemas = schema.get("prefixItems", [])
        items = schema.get("items", True)
        prefix_key = "prefixItems"
        if isinstance(items, list):  # the draft-7 tuple form
            prefix_schemas, items, prefix_key = items, schema.get("additionalItems", True), "items"
        if not isinstance(prefix_schemas, list):
            return self.impossible(f"{ptr}/prefixItems", "prefixItems must be a list")
        lo, hi = schema.get("minItems", 0), schema.get("maxItems", _NO_MAX)
        if not _is_count(lo) or not _is_count(hi):
            return self.impossible(ptr, "minItems/maxItems must be non-negative integers")
        if lo > hi:
            return self.impossible(ptr, f"minItems {lo} is above maxItems {hi}")
        prefix = [self.node(s, f"{ptr}/{prefix_key}/{i}") for i, s in enumerate(prefix_schemas)]
        rest_key = "items" if prefix_key == "prefixItems" else "additionalItems"
        rest = None if items is False else self.node(items, f"{ptr}/{rest_key}")
        if rest is None and lo > len(prefix):
            return self.impossible(ptr, f"minItems {lo} but only {len(prefix)} items are allowed")
        return self.add(_Arr(ptr, prefix, rest, lo, hi, schema.get("uniqueItems") is True))

    def object(self, schema: Mapping[str, Any], ptr: str) -> _Node:
        properties = schema.get("properties", {})
        required = schema.get("required", [])
        if not isinstance(properties, Mapping) or not isinstance(required, list):
            return self.impossible(ptr, "properties must be an object and required a list")
        lo, hi = schema.get("minProperties", 0), schema.get("maxProperties", _NO_MAX)
        if not _is_count(lo) or not _is_count(hi):
            return self.impossible(ptr, "minProperties/maxProperties must be non-negative integers")
        additional = schema.get("additionalProperties")
        extra: _Node | None
        keys: _Node | None = None
        patterned = schema.get("patternProperties")
        if isinstance(patterned, Mapping) and patterned:  # one entry: `_keyed_form`
            ((pattern, additional),) = patterned.items()
            keys = self.node({"type": "string", "pattern": pattern}, f"{ptr}/patternProperties")
        if isinstance(schema.get("propertyNames"), Mapping):
            keys = self.node({"type": "string", **schema["propertyNames"]}, f"{ptr}/propertyNames")
        if additional is None or additional is True:
            extra = self.add(_AnyValue(f"{ptr}/additionalProperties"))
        elif additional is False:
            extra = None
        else:
            extra = self.node(additional, f"{ptr}/additionalProperties")
        # dict[str, T] and dict[str, Any] get a few random keys; a model's undeclared keys are left alone
        extra_random = isinstance(additional, Mapping) or (additional is True and not properties) or keys is not None
        order = list(properties)
        ordering = schema.get("propertyOrdering")
        if isinstance(ordering, list):
            order = [n for n in ordering if n in properties] + [n for n in order if n not in ordering]
        wanted = list(dict.fromkeys(r for r in required if isinstance(r, str)))
        props = []
        for name in order:
            sub_ptr = f"{ptr}/properties/{_esc(name)}"
            props.append((name, self.node(properties[name], sub_ptr), name in wanted, sub_ptr))
        for name in wanted:
            if name not in properties:
                if extra is None:
                    return self.impossible(f"{ptr}/required", f"{name!r} is required but additionalProperties is false")
                props.append((name, extra, True, f"{ptr}/additionalProperties"))
        if len(wanted) > hi:
            return self.impossible(ptr, f"{len(wanted)} required properties but maxProperties is {hi}")
        if lo > hi:
            return self.impossible(ptr, f"minProperties {lo} is above maxProperties {hi}")
        return self.add(_Obj(ptr, props, extra, extra_random, lo, hi, keys))

    # -- oneOf: can the branches be told apart without looking at the value? --

    def disjoint(self, schemas: list[Any]) -> bool:
        signatures = [self.signature(s) for s in schemas]
        return all(_apart(a, b) for i, a in enumerate(signatures) for b in signatures[i + 1 :])

    def signature(self, schema: Any) -> tuple[set[str] | None, list[Any] | None, dict[str, Any]]:
        """(types, possible values, required single-valued properties) of a branch, where known."""
        try:
            flat = self.flatten(schema)
        except _Conflict:
            return None, None, {}
        kind = flat.get("type")
        types = {kind} if isinstance(kind, str) else set(kind) if isinstance(kind, list) else None
        values = (
            [flat["const"]] if "const" in flat else flat.get("enum") if isinstance(flat.get("enum"), list) else None
        )
        if values is not None and types is None:
            types = {_json_type(v) for v in values}
        tags: dict[str, Any] = {}
        found = flat.get("properties")
        properties: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        for name in flat.get("required", []) if isinstance(flat.get("required"), list) else []:
            sub = properties.get(name)
            if isinstance(sub, Mapping) and isinstance(sub.get("$ref"), str):
                try:
                    sub = self.flatten(sub)
                except _Conflict:
                    continue
            if isinstance(sub, Mapping):
                if "const" in sub:
                    tags[name] = _key(sub["const"])
                elif isinstance(sub.get("enum"), list) and len(sub["enum"]) == 1:
                    tags[name] = _key(sub["enum"][0])
        return types, values, tags


def _refs_below(node: _Node) -> list[_Ref]:
    """The references reachable from ``node`` without passing through another reference."""
    found: list[_Ref] = []
    stack: list[_Node] = list(node.children()) if not isinstance(node, _Ref) else [node]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, _Ref):
            found.append(current)
        else:
            stack.extend(current.children())
    return found


def _apart(
    a: tuple[set[str] | None, list[Any] | None, dict[str, Any]],
    b: tuple[set[str] | None, list[Any] | None, dict[str, Any]],
) -> bool:
    types_a, values_a, tags_a = a
    types_b, values_b, tags_b = b
    if types_a is not None and types_b is not None:
        widen = {"integer": {"integer", "number"}, "number": {"integer", "number"}}
        if not any(widen.get(t, {t}) & types_b for t in types_a):
            return True
    if values_a is not None and values_b is not None and not {_key(v) for v in values_a} & {_key(v) for v in values_b}:
        return True
    if types_a == {"object"} and types_b == {"object"}:
        return any(tags_a[name] != tags_b[name] for name in tags_a.keys() & tags_b.keys())
    return False


def _merge(a: JSON, b: JSON) -> JSON:
    """Both schemas at once (``allOf``), for the keywords that combine simply; ``_Conflict`` otherwise."""
    out = dict(a)
    for key, value in b.items():
        if key not in out or key in _ANNOTATIONS or not _is_assertion(key):
            out.setdefault(key, value)
            continue
        mine = out[key]
        if _key(mine) == _key(value):
            continue
        if key == "type":
            ta = mine if isinstance(mine, list) else [mine]
            tb = value if isinstance(value, list) else [value]
            # in ta's order (a set would reorder the draws from one process to the next)
            kept = list(dict.fromkeys(t if t in tb else "integer" for t in ta if t in tb or _number_pair(t, tb)))
            if not kept:
                raise _Conflict(f"contradictory types {mine!r} and {value!r}")
            out[key] = kept[0] if len(kept) == 1 else kept
        elif key in ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties") and _both_numbers(
            mine, value
        ):
            out[key] = max(mine, value)
        elif key in ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties") and _both_numbers(
            mine, value
        ):
            out[key] = min(mine, value)
        elif key == "required" and isinstance(mine, list) and isinstance(value, list):
            out[key] = list(dict.fromkeys([*mine, *value]))
        elif key == "enum" and isinstance(mine, list) and isinstance(value, list):
            keep = {_key(v) for v in value}
            out[key] = [v for v in mine if _key(v) in keep]
        elif key == "properties" and isinstance(mine, Mapping) and isinstance(value, Mapping):
            props = dict(mine)
            for name, sub in value.items():
                props[name] = {"allOf": [props[name], sub]} if name in props else sub
            out[key] = props
        elif key in ("items", "additionalProperties") and isinstance(mine, Mapping) and isinstance(value, Mapping):
            out[key] = {"allOf": [mine, value]}
        elif key == "uniqueItems":
            out[key] = bool(mine) or bool(value)
        elif key == "multipleOf" and _both_numbers(mine, value):
            big, small = max(mine, value), min(mine, value)
            if not _is_multiple(big, small):
                raise _Conflict(f"cannot merge multipleOf {mine} and {value}")
            out[key] = big
        else:
            raise _Conflict(f"cannot merge two different {key!r} ({mine!r} and {value!r})")
    for closed, other in ((a, b), (b, a)):
        # one side's additionalProperties would judge the other side's properties: too subtle to merge
        if closed.get("additionalProperties", True) is not True:
            declared = closed.get("properties", {})
            names = [*other.get("properties", {}), *other.get("required", [])]
            if any(name not in declared for name in names):
                raise _Conflict(
                    "cannot merge objects when one restricts additionalProperties and the other adds properties"
                )
    return out


def _number_pair(name: str, names: list[str]) -> bool:
    """``name`` and one of ``names`` are integer and number: they meet in the integers."""
    return (name == "integer" and "number" in names) or (name == "number" and "integer" in names)


def _is_count(n: Any) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and n >= 0


def _bounds(schema: Mapping[str, Any]) -> tuple[float | None, bool, float | None, bool]:
    """(lower, lower exclusive, upper, upper exclusive); the draft-4 boolean ``exclusiveMinimum`` too."""
    bounds: list[tuple[float | None, bool]] = []
    for plain, exclusive, pick in (("minimum", "exclusiveMinimum", max), ("maximum", "exclusiveMaximum", min)):
        value, open_ = schema.get(plain), False
        ex = schema.get(exclusive)
        for v in (value, None if isinstance(ex, bool) else ex):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)):
                raise _Conflict(f"{plain}/{exclusive} must be finite numbers")
        if ex is True:
            open_ = value is not None
        elif ex is not None and ex is not False and (value is None or pick(value, ex) == ex):
            value, open_ = ex, True
        bounds.append((value, open_))
    (lo, lo_open), (hi, hi_open) = bounds
    if lo is not None and hi is not None and (lo > hi or (lo == hi and (lo_open or hi_open))):
        raise _Conflict(f"the lower bound {lo} is not below the upper bound {hi}")
    return lo, lo_open, hi, hi_open


def _describe_bounds(schema: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={schema[k]}" for k in sorted(_NUMBER_KW) if k in schema)
