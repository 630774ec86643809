"""Smaller versions of a drawn union and the JSON values drawn for it, for reducing a counterexample.

Hypothesis shrinks the choices a test made. A union's models and the values drawn for them sit far
apart in those choices: dropping a field from a model shifts every value drawn after it, so a shrunk
counterexample can keep fields that play no part in the failure. These reductions work on the failing
example itself instead: each drops one model, one value or one field (with its key in the values), and
the caller keeps the first that still fails the same way, until none does (as delta debugging does).

Each reduction comes with a label naming what it drops (``("field", "A", "b")``) and is built only when
asked for: building a union costs a millisecond per model, and a caller that remembers which labels
failed to reproduce need not try (or build) them again after another reduction succeeded.
`simplifications` then makes the values themselves simpler, one leaf at a time.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

from harness.strategies._core import UnionSchema, _build
from harness.strategies._models import (
    DictType,
    DiscriminatedType,
    FieldSpec,
    ListType,
    LiteralType,
    ModelSpec,
    NestedType,
    TupleType,
    walk,
)

#: One value: the index of its model in the union, and its JSON (a tool call's arguments).
Value = tuple[int, Any]
#: A smaller (union, values), built when called.
Reduction = Callable[[], tuple[UnionSchema, list[Value]]]


def reductions(union: UnionSchema, values: Sequence[Value]) -> Iterator[tuple[Hashable, Reduction]]:
    """Each smaller (union, values) with its label, cheapest to try and biggest first: every model no value
    uses dropped at once, then one such model, then one value, then one field (nested models' too), then
    one member of a discriminated union. Values keep their order."""
    specs = list(union._specs)
    used = sorted({index for index, _ in values})
    if 1 < len(used) + 1 < len(specs):  # several unused models: drop them all in one try
        kept = [(used.index(i), value) for i, value in values]
        yield ("models", tuple(s.name for s in specs)), lambda: (_union(union, [specs[i] for i in used]), kept)
    for index in range(len(specs)):
        if index not in used and len(specs) > 1:
            shifted = [(i - (i > index), value) for i, value in values]
            yield ("model", specs[index].name), functools.partial(_dropped, union, specs, index, shifted)
    if len(values) > 1:
        for position in range(len(values)):
            rest = [*values[:position], *values[position + 1 :]]
            yield ("value", position, _key(values[position])), functools.partial(lambda rest: (union, rest), rest)
    for model in walk(specs):
        if not isinstance(model, ModelSpec):
            continue
        for field in model.fields:
            if not _is_tag(model, field, specs):
                yield ("field", model.name, field.name), functools.partial(_field_dropped, union, values, model, field)
    for model in walk(specs):
        if isinstance(model, ModelSpec):
            for field in model.fields:
                if isinstance(field.type, DiscriminatedType) and len(field.type.members) > 1:
                    for member in field.type.members:
                        label = ("member", model.name, field.name, member.name)
                        yield label, functools.partial(_member_dropped, union, values, model, field, member)


def simplifications(values: Sequence[Value]) -> Iterator[tuple[Hashable, list[Value]]]:
    """``values`` with one leaf made simpler, with a label: a string emptied or halved, a number zeroed, a
    list or a free-form object emptied, ``true`` made ``false``. Hypothesis would shrink the values too;
    the caller checks each against its model (a simpler value may not fit it)."""
    for position, (index, value) in enumerate(values):
        for path, simpler in _simpler(value):
            changed = [*values[:position], (index, simpler), *values[position + 1 :]]
            yield ("leaf", position, path, _key((index, simpler))), changed


def omissions(values: Sequence[Value]) -> Iterator[tuple[Hashable, list[Value]]]:
    """``values`` with one object key left out, outermost first, with a label: for a fixed model, whose
    fields cannot be dropped, the smallest instance is the one with the fewest optional fields present.
    The caller checks each against its model (a required key cannot go)."""
    for position, (index, value) in enumerate(values):
        for path, smaller in _omitted(value):
            changed = [*values[:position], (index, smaller), *values[position + 1 :]]
            yield ("omit", position, path, _key((index, smaller))), changed


def _omitted(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, the whole value without the key at ``path``), outermost first."""
    if isinstance(value, dict):
        for key in value:
            yield (*path, key), {k: v for k, v in value.items() if k != key}
    yield from _inside(value, path, _omitted)


def _inside(
    value: Any, path: tuple[Any, ...], changes: Callable[[Any, tuple[Any, ...]], Iterator[tuple[tuple[Any, ...], Any]]]
) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Each of ``changes`` to an item of ``value`` (a dict's or a list's), as the whole value with it changed."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        for inner, changed in changes(item, (*path, key)):
            copy = dict(value) if isinstance(value, dict) else list(value)
            copy[key] = changed
            yield inner, copy


def _simpler(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, the whole value with the leaf at ``path`` simpler), outermost first."""
    for simpler in _simpler_leaf(value):
        yield path, simpler
    yield from _inside(value, path, _simpler)


def _simpler_leaf(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return [False] if value else []
    if isinstance(value, str):
        half = len(value) // 2
        return [""] + ([value[:half], value[half:]] if half else []) if value else []
    if isinstance(value, (int, float)):
        return [0] if value else []
    if isinstance(value, list) and value:
        return [[]]
    return []


def _key(value: Value) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _dropped(
    union: UnionSchema, specs: list[ModelSpec], index: int, values: list[Value]
) -> tuple[UnionSchema, list[Value]]:
    return _union(union, specs[:index] + specs[index + 1 :]), values


def _field_dropped(
    union: UnionSchema, values: Sequence[Value], model: ModelSpec, field: FieldSpec
) -> tuple[UnionSchema, list[Value]]:
    specs = union._specs
    smaller = dataclasses.replace(model, fields=tuple(f for f in model.fields if f is not field))
    pruned = [(i, _without(specs[i], value, model, field)) for i, value in values]
    return _union(union, [_replaced(spec, model, smaller) for spec in specs]), pruned


def _member_dropped(
    union: UnionSchema, values: Sequence[Value], model: ModelSpec, field: FieldSpec, member: ModelSpec
) -> tuple[UnionSchema, list[Value]]:
    assert isinstance(field.type, DiscriminatedType)
    rest = tuple(m for m in field.type.members if m is not member)
    narrower = dataclasses.replace(field, type=dataclasses.replace(field.type, members=rest))
    smaller = dataclasses.replace(model, fields=tuple(narrower if f is field else f for f in model.fields))
    return _union(union, [_replaced(spec, model, smaller) for spec in union._specs]), list(values)


def _union(union: UnionSchema, specs: Sequence[ModelSpec]) -> UnionSchema:
    classes = tuple(_build(spec) for spec in specs)
    return UnionSchema(classes, union.features, tuple(specs), {}, union._explicit)


def _is_tag(model: ModelSpec, field: FieldSpec, specs: Sequence[ModelSpec]) -> bool:
    """Whether ``field`` is the discriminator of a discriminated union ``model`` is a member of."""
    return any(
        isinstance(f.type, DiscriminatedType) and f.type.tag == field.name and model in f.type.members
        for spec in walk(specs)
        if isinstance(spec, ModelSpec)
        for f in spec.fields
    )


def _replaced(node: Any, old: Any, new: Any) -> Any:
    """``node`` with ``old`` replaced by ``new`` wherever it occurs in its tree of frozen specs."""
    if node is old:
        return new
    if isinstance(node, tuple):
        items = tuple(_replaced(item, old, new) for item in node)
        return items if any(a is not b for a, b in zip(items, node, strict=True)) else node
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        changes = {}
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            replaced = _replaced(value, old, new)
            if replaced is not value:
                changes[f.name] = replaced
        return dataclasses.replace(node, **changes) if changes else node
    return node


def _without(node: Any, value: Any, model: ModelSpec, field: FieldSpec) -> Any:
    """``value`` (JSON of ``node``) without ``field``'s key wherever it holds a ``model``.

    Walks models, lists, tuples, dicts and discriminated unions; elsewhere (plain unions, recursion) the
    key stays, and pydantic ignores it as an extra key.
    """
    if isinstance(node, ModelSpec) and isinstance(value, dict):
        out = dict(value)
        for f in node.fields:
            if node is model and f is field:
                out.pop(f.key, None)
            elif f.key in out:
                out[f.key] = _without(f.type, out[f.key], model, field)
        return out
    if isinstance(node, NestedType):
        return _without(node.spec, value, model, field)
    if isinstance(node, ListType) and isinstance(value, list):
        return [_without(node.item, item, model, field) for item in value]
    if isinstance(node, TupleType) and isinstance(value, list):
        return [_without(t, item, model, field) for t, item in zip(node.items, value, strict=False)]
    if isinstance(node, DictType) and isinstance(value, dict):
        return {key: _without(node.value, item, model, field) for key, item in value.items()}
    if isinstance(node, DiscriminatedType) and isinstance(value, dict):
        for member in node.members:
            tag = next((f for f in member.fields if f.name == node.tag), None)
            if tag is not None and isinstance(tag.type, LiteralType) and value.get(tag.key) in tag.type.choices:
                return _without(member, value, model, field)
    return value
