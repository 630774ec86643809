"""Specs for generated models: each field type knows its annotation, its source text and its values.

A drawn model is a tree of small immutable specs (`ModelSpec`, `FieldSpec`, the ``_Type``
nodes). The same spec gives the annotation handed to `pydantic.create_model`, the source text of
`harness.strategies.model_source` and the drawer of its values, so the three cannot disagree.
Classes are cached by the spec's source text, which determines the class; value drawers by the source
and the spec itself, since one annotation (``int``) can be drawn in several ways.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum, StrEnum
from types import GenericAlias
from typing import Annotated, Any, ForwardRef, Literal, Optional, Union
from uuid import UUID

import hypothesis.strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy
from pydantic import BaseModel, ConfigDict, Field, create_model

Imports = frozenset[tuple[str, str]]
NO_IMPORTS: Imports = frozenset()


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

# ---------------------------------------------------------------------------------------------- values

_UTF8 = st.characters(codec="utf-8")  # no lone surrogates: every string is valid JSON text
HARD_STRINGS = (
    "",
    " ",
    " leading space",
    "trailing space ",
    "\ttab and\nnewline\r\n",
    "double \" quote, single ' quote, back\\slash",
    "naïve café",
    "e\u0301 combining acute",
    "emoji 🎉👩‍👩‍👧",
    "\U0001d518\U0001d52b\U0001d526 outside the BMP",
    "中文 العربية עברית",
    "zero\u200bwidth",
    "null",
    "true",
    "123",
    '{"json": [1]}',
)
_SAFE_INT = 2**53 - 1

# Values are drawn by *drawers*: plain functions of Hypothesis's ``draw`` that only ever draw from
# strategies built once, at import or once per class. Each choice (a list's length, a union member, whether
# a value is null or an optional field present) is one small integer or boolean draw whose simplest value is
# the simplest answer (shortest, first member, null, left out), so instances shrink as Hypothesis's own
# ``lists``/``one_of``/``fixed_dictionaries`` would, at a fraction of the cost: every strategy layer
# (``map``, ``one_of``, ``fixed_dictionaries``) costs a draw of its own.
Drawer = Callable[[DrawFn], Any]
_BOOLEAN = st.booleans()


@functools.lru_cache(maxsize=256)
def integers(low: int, high: int) -> SearchStrategy[int]:
    """``st.integers(low, high)``, built once per range."""
    return st.integers(low, high)


def just(value: Any) -> Drawer:
    return lambda draw: value


def of(strategy: SearchStrategy[Any]) -> Drawer:
    """Draw from one strategy (built once, by the caller)."""
    return lambda draw: draw(strategy)


def mapped(strategy: SearchStrategy[Any], pack: Callable[[Any], Any]) -> Drawer:
    return lambda draw: pack(draw(strategy))


def sampled(options: Iterable[Any]) -> Drawer:
    """One of ``options``; shrinks toward the first."""
    choices = tuple(options)
    if len(choices) == 1:
        return just(choices[0])
    index = integers(0, len(choices) - 1)
    return lambda draw: choices[draw(index)]


def one_of(*drawers: Drawer) -> Drawer:
    """One of ``drawers``' values; shrinks toward the first."""
    if len(drawers) == 1:
        return drawers[0]
    index = integers(0, len(drawers) - 1)
    return lambda draw: drawers[draw(index)](draw)


def nullable(drawer: Drawer) -> Drawer:
    """``None`` or a value (``st.none() | values``); shrinks toward ``None``."""
    return lambda draw: drawer(draw) if draw(_BOOLEAN) else None


def repeated(drawer: Drawer, low: int, high: int) -> Drawer:
    """A list of ``low`` to ``high`` values; shrinks toward ``low`` of them."""
    if low == high:
        return lambda draw: [drawer(draw) for _ in range(low)]
    count = integers(low, high)
    return lambda draw: [drawer(draw) for _ in range(draw(count))]


def _tz(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


# Whole-minute offsets only: pydantic loses sub-minute offsets.
_TIMEZONES: Drawer = one_of(
    just(None),
    sampled([UTC, _tz(-5 * 60), _tz(5 * 60 + 30), _tz(14 * 60), _tz(-12 * 60), _tz(-3 * 60 - 30), _tz(-1)]),
    mapped(st.integers(-(24 * 60 - 1), 24 * 60 - 1), _tz),
)


def _with_timezone(strategy: SearchStrategy[Any]) -> Drawer:
    """Naive values of ``strategy`` given one of `_TIMEZONES` (fixed offsets: no imaginary times)."""
    return lambda draw: draw(strategy).replace(tzinfo=_TIMEZONES(draw))


_BASE_VALUES: dict[str, Drawer] = {
    "str": of(st.text("abcdefghijklmnopqrstuvwxyz", max_size=8)),
    "int": of(st.integers(-1000, 1000)),
    "float": mapped(st.integers(-4000, 4000), lambda n: n / 4),
    "bool": of(_BOOLEAN),
}

_SCALAR_VALUES: dict[str, Drawer] = {
    "strings": one_of(sampled(HARD_STRINGS), of(st.text(_UTF8, max_size=24))),
    "integers": one_of(
        of(st.integers(-_SAFE_INT, _SAFE_INT)),
        sampled([0, -1, _SAFE_INT, -_SAFE_INT, 2**31, -(2**31) - 1, 2**32]),
    ),
    "large_integers": one_of(
        of(st.integers(_SAFE_INT + 2, 2**64)),
        of(st.integers(-(2**64), -_SAFE_INT - 2)),
        sampled([2**63, -(2**100)]),
    ),
    "floats": one_of(
        of(st.floats(allow_nan=False, allow_infinity=False)),
        mapped(st.integers(-(2**20), 2**20), float),
        sampled([0.0, -0.0, 3.0, -1.5, 0.1, 1e300, -1e-300, 5e-324, 2.0**53, 1.7976931348623157e308]),
    ),
    "booleans": of(_BOOLEAN),
}
_SCALAR_TYPES = {"strings": "str", "integers": "int", "large_integers": "int", "floats": "float", "booleans": "bool"}

_FORMAT_VALUES: dict[str, Drawer] = {
    "date": of(st.dates()),
    "datetime": _with_timezone(st.datetimes()),
    "time": _with_timezone(st.times()),
    "timedelta": of(st.timedeltas(min_value=timedelta(days=-100_000), max_value=timedelta(days=100_000))),
    "uuid": of(st.uuids()),
    "decimal": one_of(
        of(st.decimals(min_value=-(10**12), max_value=10**12, places=2)),
        of(st.decimals(min_value=-(10**20), max_value=10**20, places=0)),
        sampled([Decimal(x) for x in ("0", "-0", "0.1", "123.4500", "1E+3", "1E-7", "-99999999999.999999")]),
    ),
}
_FORMAT_TYPES: dict[str, tuple[str, Any, Imports]] = {
    "date": ("date", date, frozenset({("datetime", "date")})),
    "datetime": ("datetime", datetime, frozenset({("datetime", "datetime")})),
    "time": ("time", time, frozenset({("datetime", "time")})),
    "timedelta": ("timedelta", timedelta, frozenset({("datetime", "timedelta")})),
    "uuid": ("UUID", UUID, frozenset({("uuid", "UUID")})),
    "decimal": ("Decimal", Decimal, frozenset({("decimal", "Decimal")})),
}
_PLAIN: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}


def render_value(value: Any) -> tuple[str, Imports] | None:
    """Python source for a default value, or None when there is no simple literal for it."""
    if isinstance(value, Enum):  # before str and int: StrEnum and IntEnum members are both
        return f"{type(value).__name__}.{value.name}", NO_IMPORTS
    if value is None or isinstance(value, bool | int | float | str):
        return repr(value), NO_IMPORTS
    if isinstance(value, datetime):
        args = [value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond]
        return _with_tz("datetime", args, value.tzinfo, ("datetime", "datetime"))
    if isinstance(value, date):
        return f"date({value.year}, {value.month}, {value.day})", frozenset({("datetime", "date")})
    if isinstance(value, time):
        args = [value.hour, value.minute, value.second, value.microsecond]
        return _with_tz("time", args, value.tzinfo, ("datetime", "time"))
    if isinstance(value, timedelta):
        text = f"timedelta(days={value.days}, seconds={value.seconds}, microseconds={value.microseconds})"
        return text, frozenset({("datetime", "timedelta")})
    if isinstance(value, UUID):
        return f"UUID({str(value)!r})", frozenset({("uuid", "UUID")})
    if isinstance(value, Decimal):
        return f"Decimal({str(value)!r})", frozenset({("decimal", "Decimal")})
    if isinstance(value, list | tuple):
        parts = [render_value(item) for item in value]
        if any(part is None for part in parts):
            return None
        texts = [part[0] for part in parts if part is not None]
        imports = frozenset().union(*(part[1] for part in parts if part is not None))
        if isinstance(value, list):
            return "[" + ", ".join(texts) + "]", imports
        return "(" + ", ".join(texts) + ("," if len(texts) == 1 else "") + ")", imports
    return None


def _with_tz(name: str, args: list[int], tz: Any, imp: tuple[str, str]) -> tuple[str, Imports]:
    imports = {imp}
    text = ", ".join(map(str, args))
    if tz is not None:
        imports.add(("datetime", "timezone"))
        if tz is UTC:
            text += ", tzinfo=timezone.utc"
        else:
            imports.add(("datetime", "timedelta"))
            offset = tz.utcoffset(None)
            text += f", tzinfo=timezone(timedelta(seconds={int(offset.total_seconds())}))"
    return f"{name}({text})", frozenset(imports)


# ---------------------------------------------------------------------------------------------- types


class _Type:
    """A field type: annotation, source text, values, and the features it exercises."""

    def src(self) -> str:
        raise NotImplementedError

    def imports(self) -> Imports:
        return NO_IMPORTS

    def deps(self) -> tuple[ClassSpec, ...]:
        """Generated classes (enums, models) this type names directly."""
        return ()

    def annotation(self) -> Any:
        raise NotImplementedError

    def drawer(self) -> Drawer:
        """Draws a value of this type; built once per type object (types are immutable)."""
        drawer: Drawer | None = self.__dict__.get("_drawer")
        if drawer is None:
            drawer = self._drawer()
            object.__setattr__(self, "_drawer", drawer)
        return drawer

    def _drawer(self) -> Drawer:
        raise NotImplementedError

    def used(self) -> frozenset[str]:
        return frozenset()

    def renderable(self) -> bool:
        """Whether values of this type have a literal for a default (no nested model instances)."""
        return True


@dataclass(frozen=True, eq=False)
class Base(_Type):
    """A plain str/int/float/bool with simple values: the inner type when no type feature is enabled."""

    kind: str

    def src(self) -> str:
        return self.kind

    def annotation(self) -> Any:
        return _PLAIN[self.kind]

    def _drawer(self) -> Drawer:
        return _BASE_VALUES[self.kind]


@dataclass(frozen=True, eq=False)
class Scalar(_Type):
    feature: str

    def src(self) -> str:
        return _SCALAR_TYPES[self.feature]

    def annotation(self) -> Any:
        return _PLAIN[_SCALAR_TYPES[self.feature]]

    def _drawer(self) -> Drawer:
        return _SCALAR_VALUES[self.feature]

    def used(self) -> frozenset[str]:
        return frozenset({self.feature})


@dataclass(frozen=True, eq=False)
class Format(_Type):
    feature: str

    def src(self) -> str:
        return _FORMAT_TYPES[self.feature][0]

    def imports(self) -> Imports:
        return _FORMAT_TYPES[self.feature][2]

    def annotation(self) -> Any:
        return _FORMAT_TYPES[self.feature][1]

    def _drawer(self) -> Drawer:
        return _FORMAT_VALUES[self.feature]

    def used(self) -> frozenset[str]:
        return frozenset({self.feature})


_ANNOTATED: Imports = frozenset({("typing", "Annotated")})


def _kwargs_src(kwargs: tuple[tuple[str, Any], ...]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in kwargs)


@dataclass(frozen=True, eq=False)
class Constrained(_Type):
    """``Annotated[base, Field(**kwargs)]`` with a drawer of valid values only."""

    feature: str
    kind: str
    kwargs: tuple[tuple[str, Any], ...]
    values: Drawer = field(repr=False)

    def src(self) -> str:
        return f"Annotated[{self.kind}, Field({_kwargs_src(self.kwargs)})]"

    def imports(self) -> Imports:
        return _ANNOTATED

    def annotation(self) -> Any:
        return Annotated[_PLAIN[self.kind], Field(**dict(self.kwargs))]

    def _drawer(self) -> Drawer:
        return self.values

    def used(self) -> frozenset[str]:
        return frozenset({self.feature})


@dataclass(frozen=True, eq=False)
class EnumSpec:
    name: str
    base: str  # "Enum", "StrEnum" or "IntEnum"
    members: tuple[tuple[str, str | int], ...]


@dataclass(frozen=True, eq=False)
class EnumType(_Type):
    feature: str
    spec: EnumSpec

    def src(self) -> str:
        return self.spec.name

    def deps(self) -> tuple[ClassSpec, ...]:
        return (self.spec,)

    def annotation(self) -> Any:
        return build_class(self.spec)

    def _drawer(self) -> Drawer:
        return sampled(typing.cast(type[Enum], build_class(self.spec)))

    def used(self) -> frozenset[str]:
        return frozenset({self.feature})


@dataclass(frozen=True, eq=False)
class LiteralType(_Type):
    feature: str | None
    choices: tuple[str | int | bool, ...]

    def src(self) -> str:
        return f"Literal[{', '.join(map(repr, self.choices))}]"

    def imports(self) -> Imports:
        return frozenset({("typing", "Literal")})

    def annotation(self) -> Any:
        return Literal[self.choices]

    def _drawer(self) -> Drawer:
        return sampled(self.choices)

    def used(self) -> frozenset[str]:
        return frozenset({self.feature}) if self.feature else frozenset()


@dataclass(frozen=True, eq=False)
class UnionType(_Type):
    """``A | B`` over members of distinct JSON types, so pydantic's smart mode picks the member back."""

    members: tuple[_Type, ...]

    def src(self) -> str:
        return " | ".join(member.src() for member in self.members)

    def imports(self) -> Imports:
        return frozenset().union(*(member.imports() for member in self.members))

    def annotation(self) -> Any:
        return Union[tuple(member.annotation() for member in self.members)]  # noqa: UP007

    def _drawer(self) -> Drawer:
        return one_of(*(member.drawer() for member in self.members))

    def used(self) -> frozenset[str]:
        return frozenset({"union_fields"}).union(*(member.used() for member in self.members))


@dataclass(frozen=True, eq=False)
class ListType(_Type):
    item: _Type
    feature: str | None = "lists"
    min_length: int | None = None
    max_length: int | None = None

    def _bounds(self) -> tuple[tuple[str, Any], ...]:
        pairs = (("min_length", self.min_length), ("max_length", self.max_length))
        return tuple((key, value) for key, value in pairs if value is not None)

    def src(self) -> str:
        inner = f"list[{self.item.src()}]"
        return f"Annotated[{inner}, Field({_kwargs_src(self._bounds())})]" if self._bounds() else inner

    def imports(self) -> Imports:
        return self.item.imports() | (_ANNOTATED if self._bounds() else NO_IMPORTS)

    def deps(self) -> tuple[ClassSpec, ...]:
        return self.item.deps()

    def annotation(self) -> Any:
        inner = GenericAlias(list, (self.item.annotation(),))
        return Annotated[inner, Field(**dict(self._bounds()))] if self._bounds() else inner

    def _drawer(self) -> Drawer:
        low = self.min_length or 0
        high = self.max_length if self.max_length is not None else max(low, 3)
        return repeated(self.item.drawer(), low, high)

    def used(self) -> frozenset[str]:
        own = frozenset({self.feature}) if self.feature else frozenset()
        return own | self.item.used()

    def renderable(self) -> bool:
        return self.item.renderable()


_DICT_KEYS = one_of(
    of(st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=6)),
    sampled(["", " ", "key with spaces", "ключ", "🔑", "with.dot", "$ref", "type", "1"]),
    of(st.text(_UTF8, max_size=8)),
)
_DICT_SIZE = integers(0, 3)


@dataclass(frozen=True, eq=False)
class DictType(_Type):
    value: _Type
    feature: str | None = "dicts"

    def src(self) -> str:
        return f"dict[str, {self.value.src()}]"

    def imports(self) -> Imports:
        return self.value.imports()

    def deps(self) -> tuple[ClassSpec, ...]:
        return self.value.deps()

    def annotation(self) -> Any:
        return GenericAlias(dict, (str, self.value.annotation()))

    def _drawer(self) -> Drawer:
        value = self.value.drawer()
        # Up to three entries; a repeated key overwrites (st.dictionaries would draw another key).
        return lambda draw: {_DICT_KEYS(draw): value(draw) for _ in range(draw(_DICT_SIZE))}

    def used(self) -> frozenset[str]:
        own = frozenset({self.feature}) if self.feature else frozenset()
        return own | self.value.used()

    def renderable(self) -> bool:
        return False  # a dict default is always ``default_factory=dict``


@dataclass(frozen=True, eq=False)
class TupleType(_Type):
    items: tuple[_Type, ...]

    def src(self) -> str:
        return f"tuple[{', '.join(item.src() for item in self.items)}]"

    def imports(self) -> Imports:
        return frozenset().union(*(item.imports() for item in self.items))

    def deps(self) -> tuple[ClassSpec, ...]:
        return tuple(dep for item in self.items for dep in item.deps())

    def annotation(self) -> Any:
        return GenericAlias(tuple, tuple(item.annotation() for item in self.items))

    def _drawer(self) -> Drawer:
        items = tuple(item.drawer() for item in self.items)
        return lambda draw: tuple([item(draw) for item in items])

    def used(self) -> frozenset[str]:
        return frozenset({"tuples"}).union(*(item.used() for item in self.items))

    def renderable(self) -> bool:
        return all(item.renderable() for item in self.items)


class _ClassType(_Type):
    """A field whose type is a generated class, named in the source by the class's name."""

    spec: ModelSpec | RecursiveSpec

    def src(self) -> str:
        return self.spec.name

    def deps(self) -> tuple[ClassSpec, ...]:
        return (self.spec,)

    def annotation(self) -> Any:
        return build_class(self.spec)

    def renderable(self) -> bool:
        return False


@dataclass(frozen=True, eq=False)
class NestedType(_ClassType):
    spec: ModelSpec

    def _drawer(self) -> Drawer:
        return model_values(self.spec)

    def used(self) -> frozenset[str]:
        return frozenset({"nested_models"}) | self.spec.used()


@dataclass(frozen=True, eq=False)
class DiscriminatedType(_Type):
    """``Annotated[A | B, Field(discriminator=tag)]``; every member has ``tag: Literal["..."]``."""

    members: tuple[ModelSpec, ...]
    tag: str

    def src(self) -> str:
        return f"Annotated[{' | '.join(m.name for m in self.members)}, Field(discriminator={self.tag!r})]"

    def imports(self) -> Imports:
        return _ANNOTATED

    def deps(self) -> tuple[ClassSpec, ...]:
        return self.members

    def annotation(self) -> Any:
        members = tuple(build_class(m) for m in self.members)
        return Annotated[Union[members], Field(discriminator=self.tag)]  # noqa: UP007

    def _drawer(self) -> Drawer:
        return one_of(*(model_values(m) for m in self.members))

    def used(self) -> frozenset[str]:
        return frozenset({"discriminated_unions"}).union(*(m.used() for m in self.members))

    def renderable(self) -> bool:
        return False


@dataclass(frozen=True, eq=False)
class RefType(_Type):
    """A forward reference inside a recursive group: ``'Node0'`` or ``Optional['Node0']``."""

    name: str
    optional: bool

    def src(self) -> str:
        return f"Optional[{self.name!r}]" if self.optional else repr(self.name)

    def imports(self) -> Imports:
        return frozenset({("typing", "Optional")}) if self.optional else NO_IMPORTS

    def annotation(self) -> Any:
        return Optional[ForwardRef(self.name)] if self.optional else self.name  # noqa: UP045

    def _drawer(self) -> Drawer:
        raise AssertionError("recursive values are drawn by RecursiveSpec")

    def renderable(self) -> bool:
        return False


# Depth of generated recursive values; each level holds at most two children.
RECURSION_DEPTH = 3


@dataclass(frozen=True, eq=False)
class RecursiveSpec:
    """Self or mutual recursion with a way out.

    ``shape`` is ``"optional"`` (``next: Optional['Node0'] = None``), ``"list_default"``
    (``children: list['Node0'] = Field(default_factory=list)``), ``"list"`` (the same, required; possibly
    empty) or ``"mutual"`` (``branch: Optional['Branch0'] = None`` and ``Branch0.nodes: list[Node0]``).
    """

    node: ModelSpec
    branch: ModelSpec | None
    shape: str

    @property
    def name(self) -> str:
        return self.node.name

    def values(self) -> Drawer:
        """Nodes up to `RECURSION_DEPTH` levels deep (built once per class, see `model_values`)."""
        return typing.cast(Drawer, _VALUES.get(values_key(self), self._make_values))

    def _make_values(self) -> Drawer:
        node_cls = build_class(self)
        *plain, ref = self.node.fields  # the recursive field comes last
        validate_node = node_cls.model_validate
        validate_branch: Callable[[Any], Any] | None = None
        branch_key = "nodes"
        if self.branch is not None:  # the class built with the group, resolved by model_rebuild
            validate_branch = typing.get_args(node_cls.model_fields[ref.name].annotation)[0].model_validate
            branch_key = self.branch.fields[0].key
        fields = _fields_drawer(plain)
        children = integers(0, 2)
        shape, key = self.shape, ref.key

        def node(draw: DrawFn, depth: int) -> Any:
            data = fields(draw)
            if shape in ("list", "list_default"):  # always written: empty at the deepest level
                data[key] = [node(draw, depth - 1) for _ in range(draw(children))] if depth else []
            elif depth and draw(_BOOLEAN):  # the optional field is left out first
                if not draw(_BOOLEAN):
                    data[key] = None
                elif validate_branch is None:
                    data[key] = node(draw, depth - 1)
                else:
                    nodes = [node(draw, depth - 1) for _ in range(draw(children))]
                    data[key] = validate_branch({branch_key: nodes})
            return validate_node(data)

        return lambda draw: node(draw, RECURSION_DEPTH)

    def used(self) -> frozenset[str]:
        return frozenset({"recursive_models"}) | self.node.used()


@dataclass(frozen=True, eq=False)
class RecursiveType(_ClassType):
    spec: RecursiveSpec

    def _drawer(self) -> Drawer:
        return self.spec.values()

    def used(self) -> frozenset[str]:
        return self.spec.used()


# ---------------------------------------------------------------------------------------------- models


@dataclass(frozen=True, eq=False)
class FieldSpec:
    name: str
    type: _Type
    optionality: str | None = None  # nullable, omittable, nullable_omittable or defaults
    default: Any = MISSING
    factory: str | None = None  # "list" or "dict" (``default_factory``)
    alias: str | None = None
    description: str | None = None

    @property
    def key(self) -> str:
        """The JSON property name (validation alias)."""
        return self.alias or self.name

    @property
    def nullable(self) -> bool:
        return self.optionality in ("nullable", "nullable_omittable")

    def annotation(self) -> Any:
        inner = self.type.annotation()
        return Optional[inner] if self.nullable else inner  # noqa: UP045

    def src(self) -> str:
        inner = self.type.src()
        return f"{inner} | None" if self.nullable else inner

    def field_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.default is not MISSING:
            kwargs["default"] = self.default
        if self.factory is not None:
            kwargs["default_factory"] = {"list": list, "dict": dict}[self.factory]
        if self.alias is not None:
            kwargs["alias"] = self.alias
        if self.description is not None:
            kwargs["description"] = self.description
        return kwargs

    def used(self) -> frozenset[str]:
        own = frozenset({self.optionality}) if self.optionality else frozenset()
        return own | self.type.used()


@dataclass(frozen=True, eq=False)
class ModelSpec:
    name: str
    fields: tuple[FieldSpec, ...]
    title: str | None = None
    doc: str | None = None
    extra_features: frozenset[str] = frozenset()  # the model-level (naming) features applied

    def used(self) -> frozenset[str]:
        return self.extra_features.union(*(f.used() for f in self.fields))


ClassSpec = EnumSpec | ModelSpec | RecursiveSpec

# ---------------------------------------------------------------------------------------------- building

_CACHE_SIZE = 2048


class _Cache:
    """Values by key (`spec_key` for classes, `values_key` for drawers), emptied all at once
    by `trim`, never one entry at a time.

    A class names the classes it depends on, and a drawer validates into the classes of its time: dropping
    one entry would let a rebuilt class meet a drawer (or a parent class) holding its predecessor, and
    instances of a class that is not the union's own.
    """

    def __init__(self) -> None:
        self._items: dict[str, Any] = {}

    def get(self, key: str, make: Callable[[], Any]) -> Any:
        try:
            return self._items[key]
        except KeyError:
            value = self._items[key] = make()
            return value

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        self._items.clear()


_CLASSES = _Cache()
_VALUES = _Cache()


def trim() -> None:
    """Empty the class and drawer caches together once they are full: called before each top-level draw,
    so no draw ever mixes classes (or drawers) from before and after."""
    if len(_CLASSES) > _CACHE_SIZE or len(_VALUES) > _CACHE_SIZE:
        _CLASSES.clear()
        _VALUES.clear()


def spec_key(spec: ClassSpec) -> str:
    """The source text of ``spec`` and its dependencies, computed once per spec object."""
    key: str | None = spec.__dict__.get("_key")
    if key is None:
        from harness.strategies._source import class_key

        key = class_key(spec)
        object.__setattr__(spec, "_key", key)
    return key


def values_key(spec: ModelSpec | RecursiveSpec) -> str:
    """What a drawer for ``spec`` depends on: its source, and how each field's values are drawn.

    The source alone is not enough: ``a: int`` is the same class whether its values come from the
    ``integers`` or the ``large_integers`` feature, and a drawer cached under the source would then draw
    what an earlier example asked for. Computed once per spec object.
    """
    key: str | None = spec.__dict__.get("_values_key")
    if key is None:
        key = f"{spec_key(spec)}\n# drawn as {spec!r}"
        object.__setattr__(spec, "_values_key", key)
    return key


def build_class(spec: ClassSpec) -> Any:
    """The class for ``spec``, built once per distinct source text."""
    return _CLASSES.get(spec_key(spec), lambda: _make_class(spec))


def _make_class(spec: ClassSpec) -> Any:
    if isinstance(spec, EnumSpec):
        bases: dict[str, type[Enum]] = {"Enum": Enum, "StrEnum": StrEnum, "IntEnum": IntEnum}
        functional: Any = bases[spec.base]  # the functional API: Enum("Colour0", [("RED", "red"), ...])
        return functional(spec.name, list(spec.members))
    if isinstance(spec, ModelSpec):
        return _create(spec)
    node = _create(spec.node)
    namespace: dict[str, Any] = {spec.node.name: node}
    if spec.branch is not None:
        namespace[spec.branch.name] = _create(spec.branch)
    for cls in namespace.values():
        cls.model_rebuild(force=True, _types_namespace=namespace)
    return node


def _create(spec: ModelSpec) -> type[BaseModel]:
    fields: dict[str, Any] = {f.name: (f.annotation(), Field(**f.field_kwargs())) for f in spec.fields}
    config = ConfigDict(title=spec.title) if spec.title is not None else None
    model: type[BaseModel] = create_model(spec.name, __config__=config, __doc__=spec.doc, __module__=__name__, **fields)
    return model


def field_values(spec: FieldSpec) -> Drawer:
    values = spec.type.drawer()
    return nullable(values) if spec.nullable else values


def _fields_drawer(fields: Iterable[FieldSpec]) -> Callable[[DrawFn], dict[str, Any]]:
    """The JSON object of ``fields``: required ones in order, then each optional one left out or drawn."""
    required = tuple((f.key, field_values(f)) for f in fields if f.default is MISSING and f.factory is None)
    optional = tuple((f.key, field_values(f)) for f in fields if f.default is not MISSING or f.factory is not None)
    if not optional:
        return lambda draw: {key: values(draw) for key, values in required}

    def draw_fields(draw: DrawFn) -> dict[str, Any]:
        data = {key: values(draw) for key, values in required}
        for key, values in optional:
            if draw(_BOOLEAN):  # left out first, so optional fields shrink away
                data[key] = values(draw)
        return data

    return draw_fields


def model_values(spec: ModelSpec) -> Drawer:
    """Draws instances of the class for ``spec``; built once per class."""

    def make() -> Drawer:
        validate = build_class(spec).model_validate
        fields = _fields_drawer(spec.fields)
        return lambda draw: validate(fields(draw))

    return typing.cast(Drawer, _VALUES.get(values_key(spec), make))


def walk(specs: Iterable[ClassSpec]) -> list[ClassSpec]:
    """Every class spec reachable from ``specs``, dependencies before dependents, each name once."""
    out: dict[str, ClassSpec] = {}

    def visit(spec: ClassSpec) -> None:
        if spec.name in out:
            return
        models = [spec] if isinstance(spec, ModelSpec) else []
        if isinstance(spec, RecursiveSpec):
            models = [spec.node] + ([spec.branch] if spec.branch else [])
        for model in models:
            for f in model.fields:
                for dep in f.type.deps():
                    visit(dep)
        out[spec.name] = spec

    for spec in specs:
        visit(spec)
    return list(out.values())
