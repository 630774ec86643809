"""The public strategies: models(), union_schemas(), instances(), and the UnionSchema they share."""

from __future__ import annotations

import functools
import typing
import weakref
from collections.abc import Callable, Collection, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

import hypothesis.strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import DrawFn, SearchStrategy
from pydantic import BaseModel

from harness.strategies import _features
from harness.strategies._draw import TOOL_NAMES, Ctx, draw_model, number, pick, tool_names
from harness.strategies._models import Drawer, ModelSpec, build_class, model_values, trim
from harness.strategies._source import check_names, module_source

# Drawn classes -> their specs, so model_source() can render them. Weak: it keeps no class alive.
_SPECS: weakref.WeakKeyDictionary[type[BaseModel], ModelSpec] = weakref.WeakKeyDictionary()


def _check_int(name: str, value: object, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidArgument(f"{name}={value!r} must be an integer")
    if value < minimum:
        raise InvalidArgument(f"{name}={value!r} must be at least {minimum}")
    return value


def _check_range(low_name: str, low: object, high_name: str, high: object, minimum: int) -> tuple[int, int]:
    """Both bounds as integers of at least ``minimum``, in order; else InvalidArgument naming the argument."""
    checked_low, checked_high = _check_int(low_name, low, minimum), _check_int(high_name, high, minimum)
    if checked_low > checked_high:
        raise InvalidArgument(f"{low_name}={low!r} must not be greater than {high_name}={high!r}")
    return checked_low, checked_high


P = ParamSpec("P")
T = TypeVar("T")


def _key(value: object) -> Hashable:
    """``value`` as part of a cache key, told apart by type (``True`` is not ``1``); TypeError when not plain."""
    if type(value) in (int, str, type(None)):
        return type(value), value
    if isinstance(value, list | tuple | set | frozenset) and all(type(item) is str for item in value):
        return type(value), tuple(value)
    if isinstance(value, UnionSchema):
        return id(value)  # only ever a key in the union's own cache, which lives as long as it does
    raise TypeError(value)


def _reused(factory: Callable[P, SearchStrategy[T]]) -> Callable[P, SearchStrategy[T]]:
    """The same strategy object for the same plain arguments.

    Hypothesis validates every new strategy object and computes its properties before the first draw from
    it, which costs more than drawing a union; the conformance runner asks for ``union_schemas(...)`` and
    ``instances(union, ...)`` afresh in every example. Strategies for a union are kept on the union.
    Arguments that are not plain values (invalid ones included) get a new strategy, as before.
    """
    shared: dict[Hashable, SearchStrategy[T]] = {}

    @functools.wraps(factory)
    def reused(*args: P.args, **kwargs: P.kwargs) -> SearchStrategy[T]:
        try:
            key = (tuple(map(_key, args)), tuple(sorted((name, _key(value)) for name, value in kwargs.items())))
        except TypeError:
            return factory(*args, **kwargs)
        cache = shared
        if args and isinstance(args[0], UnionSchema):
            cache = args[0].__dict__.setdefault("_strategies", {})
        elif len(cache) > 256:
            cache.clear()
        strategy = cache.get(key)
        if strategy is None:
            strategy = cache[key] = factory(*args, **kwargs)
        return strategy

    return reused


def _build(spec: ModelSpec) -> type[BaseModel]:
    cls: type[BaseModel] = build_class(spec)
    _SPECS[cls] = spec
    return cls


@dataclass(frozen=True, repr=False)
class UnionSchema:
    """A union of drawn tool models, and what it takes to draw answers for it.

    ``models`` have distinct tool names; ``features`` is the enabled set the union was drawn with (all of
    them for ``features=None``); `features_used` says which of them the models actually exercise.
    """

    models: tuple[type[BaseModel], ...]
    features: frozenset[str]
    _specs: tuple[ModelSpec, ...] = field(default=(), compare=False)
    _values: Mapping[type[BaseModel], Drawer] = field(default_factory=dict, compare=False)  # draws instances
    _explicit: bool = field(default=False, compare=False)  # features were given (each model must use one)

    @property
    def response_model(self) -> Any:
        """``Iterable[A | B | ...]`` (``Iterable[A]`` for a single model)."""
        return typing.Iterable[typing.Union[self.models]]  # type: ignore[name-defined]  # noqa: UP007

    @property
    def features_used(self) -> frozenset[str]:
        """The features the models exercise (a subset of `features`; ``repeated_calls`` is added
        when it is enabled, since it acts on answers)."""
        used = frozenset().union(*(spec.used() for spec in self._specs))
        return used | (self.features & {"repeated_calls"})

    def source(self) -> str:
        """Pasteable Python: imports, enums, nested models, the models, then ``response_model = ...``."""
        return module_source(self._specs)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis (and IPython) print the source too, not the dataclass fields."""
        printer.text(repr(self))

    def __repr__(self) -> str:
        if not self._specs:
            return f"UnionSchema(models=({', '.join(m.__name__ for m in self.models)},), ...)"
        shown = _features.in_order(self.features) if self._explicit else None
        header = f"# UnionSchema(features={shown!r})"
        return module_source(self._specs, header=header)


@st.composite
def models(
    draw: DrawFn, *, features: Collection[str] | None = None, min_fields: int = 1, max_fields: int = 4
) -> type[BaseModel]:
    """Pydantic models usable as tools, with ``min_fields`` to ``max_fields`` fields.

    With ``features`` given, only those features are used and every field exercises at least one of them
    (or, when only naming features are given, the model does). ``features=None`` enables all of
    `FEATURES`. The class name comes from a small word list; helper classes are ``Item0``,
    ``Colour0``, ``Level0``, ``Cat0``, ``Node0``... `model_source` renders a drawn model as code.

    Shrinks toward ``min_fields`` fields of plain types, no optionality and no naming features.
    """
    enabled = _features.resolve(features)
    low, high = _check_range("min_fields", min_fields, "max_fields", max_fields, 0)
    ctx = Ctx(enabled, require=features is not None)
    trim()
    name = pick(draw, TOOL_NAMES)
    return _build(draw_model(draw, ctx, name, low, high))


@_reused
@st.composite
def union_schemas(
    draw: DrawFn, min_models: int = 1, max_models: int = 4, *, features: Collection[str] | None = None
) -> UnionSchema:
    """A `UnionSchema` of ``min_models`` to ``max_models`` tool models, each of one to four fields.

    Models are named ``Weather``, ``Search``, ``Booking``... in order; ``features`` works as in
    `models`. Shrinks toward ``min_models`` models, then as `models` does, so a failure
    shrinks to one model with the fewest and simplest fields that still fail.
    """
    enabled = _features.resolve(features)
    low, high = _check_range("min_models", min_models, "max_models", max_models, 1)
    ctx = Ctx(enabled, require=features is not None)
    trim()
    count = number(draw, low, high)
    specs = tuple(draw_model(draw, ctx, name, 1, 4) for name in tool_names(count))
    classes = tuple(_build(spec) for spec in specs)
    values = {cls: model_values(spec) for cls, spec in zip(classes, specs, strict=True)}
    return UnionSchema(classes, enabled, specs, values, features is not None)


@_reused
@st.composite
def instances(draw: DrawFn, union: UnionSchema, *, min_size: int = 1, max_size: int = 4) -> list[BaseModel]:
    """A list of ``min_size`` to ``max_size`` instances of the union's models, in any order.

    Each model appears at most once unless ``repeated_calls`` is enabled (then ``min_size`` and
    ``max_size`` are capped at the number of models). When ``repeated_calls`` was asked for explicitly
    and ``max_size >= 2``, every list calls some model twice. Shrinks toward fewer instances, the first
    model first, and the simplest values.
    """
    if not isinstance(union, UnionSchema) or not union._values:
        raise InvalidArgument(f"union={union!r:.200} must be a UnionSchema drawn from union_schemas()")
    low, high = _check_range("min_size", min_size, "max_size", max_size, 0)
    count = len(union.models)
    chosen: list[int]
    if "repeated_calls" not in union.features:
        # A length, then an index per instance among the models left: drawn like this (not as one index
        # into a table of every list), the choices stay valid when a shrunk union has fewer models.
        remaining = list(range(count))
        size = number(draw, min(low, count), min(high, count))
        chosen = [remaining.pop(number(draw, 0, len(remaining) - 1)) for _ in range(size)]
    elif union._explicit and high >= 2:
        size = number(draw, max(low - 1, 1), high - 1)
        chosen = [number(draw, 0, count - 1) for _ in range(size)]
        chosen.append(chosen[number(draw, 0, len(chosen) - 1)])
    else:
        size = number(draw, low, high)
        chosen = [number(draw, 0, count - 1) for _ in range(size)]
    return [union._values[union.models[i]](draw) for i in chosen]


def model_source(*models: type[BaseModel]) -> str:
    """Pasteable source for models drawn by `models` or `union_schemas`.

    Raises ValueError for a model that was not drawn here, or for two drawn classes sharing a name.
    """
    specs: list[ModelSpec] = []
    for model in models:
        spec = _SPECS.get(model) if isinstance(model, type) else None
        if spec is None:
            raise ValueError(f"{model!r} was not drawn by harness.strategies.models() or union_schemas()")
        specs.append(spec)
    check_names(specs)
    return module_source(specs, response_model=False)
