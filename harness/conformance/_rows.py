"""The rows of a report on a team's own tool models: each model alone, and a named union as a whole.

A feature row draws a new union for every example; a model row is fixed, and only its instances are
drawn: from the model's own JSON schema with `harness.values`, through Hypothesis, each value then
validated by the model. So a failure shrinks as the generator's draws do: toward the fewest optional
fields present, the shortest strings and lists, numbers near 0 (see `harness.values`).

A row is labelled ``model:<Name>`` (its tool name) and a union row ``model:<ATTR>``; `unique` prefixes
rows that would share a label with their file stem (or module). A row that cannot be measured (a schema
that did not convert faithfully) carries its reason and no union: every provider's result for it is
``unconvertible``.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import sys
import types
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, RootModel, ValidationError

from harness._toolset import tool_name
from harness.errors import ModelsError
from harness.strategies import UnionSchema
from harness.values import HypothesisSource, RandomSource, UnsatisfiableSchema, ValueGenerator, values_for

#: Values tried per draw before an instance is given up on (a value the schema admits but the model's own
#: validators refuse, such as an e-mail address pydantic's checker does not take).
_TRIES = 5
#: Seeded draws that must give one instance before a row is measured at all.
_PROBES = 20


@dataclass(frozen=True, repr=False)
class ModelUnion(UnionSchema):
    """A fixed union of the user's models; `source` is the code that defines them."""

    text: str = ""

    def source(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"ModelUnion({', '.join(tool_name(m) for m in self.models)})"


@dataclass
class Row:
    """One row of the report: ``feature`` is its label (``"model:GetWeather"``)."""

    feature: str
    #: The models to measure; ``None`` for a row that is not measured (see `unconvertible`).
    union: ModelUnion | None
    #: Where the row came from: ``"<file>[#<index>]"`` for a schema, ``None`` for a model.
    origin: str | None = None
    #: Why the row cannot be measured (the conversion's keyword at fault), when it cannot.
    unconvertible: str | None = None
    #: What a label is prefixed with when two rows would share it (a file stem, a module's last part).
    stem: str = ""
    models: tuple[type[BaseModel], ...] = field(default=())


#: The fixed unions of the rows being run, by label: set by `fixed_unions`, inherited by forked workers.
_FIXED: dict[str, ModelUnion] = {}


@contextlib.contextmanager
def fixed_unions(rows: Mapping[str, Row]) -> Iterator[None]:
    """The rows' unions findable by label (`fixed_union`) while a run lasts."""
    previous = dict(_FIXED)
    _FIXED.update({label: row.union for label, row in rows.items() if row.union is not None})
    try:
        yield
    finally:
        _FIXED.clear()
        _FIXED.update(previous)


def fixed_union(feature: str) -> ModelUnion | None:
    """The fixed union of the row labelled ``feature`` in the current run; ``None`` for a feature row."""
    return _FIXED.get(feature)


def union_of(models: Sequence[type[BaseModel]], source: str) -> ModelUnion:
    """The fixed union of ``models``, drawing each model's instances from its own schema."""
    return ModelUnion(tuple(models), frozenset(), (), {model: _drawer(model) for model in models}, False, source)


def measured(feature: str, models: Sequence[type[BaseModel]], source: str, *, origin: str | None, stem: str) -> Row:
    """A row for ``models``, or an unmeasured one saying why no instance of one of them can be drawn."""
    for model in models:
        problem = undrawable(model)
        if problem:
            return Row(feature, None, origin, problem, stem, tuple(models))
    return Row(feature, union_of(models, source), origin, None, stem, tuple(models))


def model_rows(target: Any) -> list[Row]:
    """The rows for what ``--models`` and `check_models` take: a module (its own `BaseModel` subclasses,
    each alone), ``"module"`` or ``"module:ATTR"``, a list or tuple of models, or ``Iterable[A | B]`` (each
    model alone, and the whole as one more row when it holds several). `ModelsError` for anything else."""
    label = "(all)"
    if isinstance(target, str):
        target, label = _resolve(target)
    if isinstance(target, types.ModuleType):
        found = own_models(target)
        if not found:
            raise ModelsError(f"module {target.__name__} defines no pydantic model (a BaseModel subclass)")
        stem = target.__name__.rpartition(".")[2]
        return [_single(model, stem) for model in found]
    found = models_of(target, what=label)
    if label == "(all)":  # given the object: named as its models' module names it, where it does
        label = _name_in(sys.modules.get(found[0].__module__), target) or label
    stem = _module_stem(found[0])
    rows = [_single(model, _module_stem(model)) for model in found]
    if len(found) > 1:
        rows.append(measured(f"model:{label}", found, _import_source(found), origin=None, stem=stem))
    return rows


def own_models(module: types.ModuleType) -> list[type[BaseModel]]:
    """The module's own tool models, in definition order: `BaseModel` subclasses defined there (not
    imported), neither `RootModel`s (no object to call a tool with) nor unparametrised generics."""
    found = []
    for value in vars(module).values():
        if not (isinstance(value, type) and issubclass(value, BaseModel)) or value.__module__ != module.__name__:
            continue
        if issubclass(value, RootModel) or value.__pydantic_generic_metadata__["parameters"]:
            continue
        found.append(value)
    return found


def models_of(value: Any, *, what: str) -> list[type[BaseModel]]:
    """The models in a list or tuple of models, a model, ``A | B``, or ``Iterable[A | B]`` / ``list[...]``."""
    origin = typing.get_origin(value)
    if origin in (typing.Union, types.UnionType):
        members: Iterable[Any] = typing.get_args(value)
    elif origin is not None and isinstance(origin, type) and issubclass(origin, Iterable):
        (inner,) = typing.get_args(value) or (None,)
        return models_of(inner, what=what)
    elif isinstance(value, (list, tuple)):
        members = value
    else:
        members = [value]
    found = list(dict.fromkeys(members))
    for member in found:
        if not (isinstance(member, type) and issubclass(member, BaseModel)):
            raise ModelsError(f"{what} holds {member!r:.100}, which is not a pydantic model (a BaseModel subclass)")
        if issubclass(member, RootModel):
            raise ModelsError(f"{what} holds {member.__name__}, a RootModel: a tool's arguments are an object")
    if not found:
        raise ModelsError(f"{what} holds no models")
    return found


def unique(rows: list[Row]) -> list[Row]:
    """``rows`` with every label that two rows would share prefixed with each one's stem
    (``model:<stem>.<Name>``), and a number after that where the stems are the same too."""
    for _ in range(2):
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.feature] = counts.get(row.feature, 0) + 1
        clashing = {label for label, count in counts.items() if count > 1}
        if not clashing:
            return rows
        for row in rows:
            if row.feature in clashing and row.stem:
                row.feature = f"model:{row.stem}.{row.feature.removeprefix('model:')}"
                row.stem = ""
    seen: dict[str, int] = {}
    for row in rows:
        seen[row.feature] = seen.get(row.feature, 0) + 1
        if seen[row.feature] > 1:
            row.feature = f"{row.feature}#{seen[row.feature]}"
    return rows


def undrawable(model: type[BaseModel]) -> str | None:
    """Why no instance of ``model`` can be drawn from its own schema, or ``None`` when one can."""
    schema = model.model_json_schema(by_alias=True)
    problem = "no value drawn from its schema validates"
    for seed in range(_PROBES):
        try:
            value = values_for(schema, RandomSource(f"{tool_name(model)}:{seed}"))
        except UnsatisfiableSchema as error:
            return f"no value can be drawn from {tool_name(model)}'s schema: {error}"
        try:
            model.model_validate_json(json.dumps(value))
        except ValidationError as error:
            problem = f"no value drawn from {tool_name(model)}'s schema validates: {first_error(error)}"
            continue
        return None
    return problem


def _drawer(model: type[BaseModel]) -> Any:
    schema = model.model_json_schema(by_alias=True)

    @functools.cache
    def generator() -> ValueGenerator:  # compiled at the first draw (`measured` has checked it compiles)
        return ValueGenerator(schema)

    def draw(draw_fn: Any) -> BaseModel:
        source = HypothesisSource(draw_fn)
        for _ in range(_TRIES):
            value = generator().draw(source)
            try:
                return model.model_validate_json(json.dumps(value))
            except ValidationError:
                continue
        importlib.import_module("hypothesis").reject()
        raise AssertionError("unreachable: reject() raises")

    return draw


def first_error(error: ValidationError) -> str:
    """``loc: msg`` of pydantic's first error, for a reason in a report."""
    item = error.errors()[0]
    where = ".".join(str(part) for part in item["loc"]) or "the value"
    return f"{where}: {item['msg']}"


def _single(model: type[BaseModel], stem: str) -> Row:
    return measured(f"model:{tool_name(model)}", [model], _import_source([model]), origin=None, stem=stem)


def _name_in(module: types.ModuleType | None, value: Any) -> str | None:
    for name, bound in vars(module).items() if module is not None else ():
        if bound is value and not name.startswith("_"):
            return name
    return None


def _module_stem(model: type[BaseModel]) -> str:
    return model.__module__.rpartition(".")[2]


def _import_source(models: Sequence[type[BaseModel]]) -> str:
    """Source that imports ``models`` where they are defined, then ``response_model = Iterable[...]``."""
    lines = ["from collections.abc import Iterable", ""]
    for model in models:
        lines.append(f"from {model.__module__} import {model.__qualname__.partition('.')[0]}")
    names = " | ".join(model.__qualname__ for model in models)
    lines += ["", f"response_model = Iterable[{names}]"]
    return "\n".join(lines) + "\n"


def _resolve(reference: str) -> tuple[Any, str]:
    """The module, or the module's attribute, that ``"module"`` or ``"module:ATTR"`` names, with a label."""
    module_name, _, attribute = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ModelsError(f"--models {reference}: cannot import {module_name}: {error}") from error
    except Exception as error:  # the user's module raising on import
        raise ModelsError(
            f"--models {reference}: importing {module_name} raised {type(error).__name__}: {error}"
        ) from error
    if not attribute:
        return module, module_name
    value: Any = module
    for part in attribute.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            raise ModelsError(f"--models {reference}: {module_name} has no attribute {attribute}") from None
    return value, attribute
