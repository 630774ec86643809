"""Drawing model specs: every choice is one Hypothesis draw whose simplest value is the simplest model.

Shrinking: field counts shrink toward the minimum, each choice toward the first option listed here
(a plain base type before a feature type, no optionality before optionality, shallow before nested), so a
failing model shrinks toward one field of the simplest type that still fails.
"""

from __future__ import annotations

import functools
import keyword
import math
from collections.abc import Callable
from typing import Any, TypeVar

import hypothesis.strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from harness.strategies import _features as F
from harness.strategies._models import (
    Base,
    Constrained,
    DictType,
    DiscriminatedType,
    EnumSpec,
    EnumType,
    FieldSpec,
    Format,
    ListType,
    LiteralType,
    ModelSpec,
    NestedType,
    RecursiveSpec,
    RecursiveType,
    RefType,
    Scalar,
    TupleType,
    UnionType,
    _Type,
    integers,
    of,
    render_value,
    repeated,
    sampled,
)

# Wrapper features nest at most this deep below a top-level field.
MAX_DEPTH = 2

TOOL_NAMES = (
    "Weather",
    "Search",
    "Booking",
    "Invoice",
    "Order",
    "Ticket",
    "Payment",
    "Reminder",
    "Contact",
    "Flight",
    "Recipe",
    "Review",
    "Shipment",
    "Meeting",
    "Account",
    "Message",
    "Product",
    "Translation",
    "Calendar",
    "Playlist",
)

# JSON property names that look like JSON Schema keywords or Python keywords (the latter via an alias).
KEYWORD_NAMES = (
    "type",
    "class",
    "properties",
    "from",
    "required",
    "items",
    "import",
    "enum",
    "format",
    "return",
    "title",
    "default",
    "lambda",
    "description",
    "id",
    "None",
    "const",
    "null",
    "anyOf",
    "in",
    "additionalProperties",
    "def",
)
ALIAS_STYLES: tuple[Callable[[str], str], ...] = (
    lambda name: f"{name}Value",
    lambda name: f"{name}-id",
    lambda name: f"x.{name}",
    lambda name: name.upper(),
    lambda name: f"1{name}",
    lambda name: f"_{name}_",
)
# Tool names valid for every provider: [a-zA-Z_][a-zA-Z0-9_-]{0,63}, never a capitalised word (the class names).
TITLE_STYLES: tuple[Callable[[str], str], ...] = (
    lambda name: f"get_{name.lower()}",
    lambda name: f"{name.lower()}-v2",
    lambda name: f"{name}_Tool",
    lambda name: f"_{name.lower()}",
    lambda name: name.upper(),
)
DESCRIPTIONS = (
    "A plain description.",
    "Température en °C — \"double\" and 'single' quotes",
    "Line one.\nLine two with a \\backslash.",
    "Emoji 🎉, combining e\u0301, and 中文",
    "Braces {like} {{json}} and <b>markup</b> & ampersands",
    "   Leading and trailing spaces   ",
    "\"\"\"Triple quotes\"\"\" and '''more'''",
)

STR_ENUMS: tuple[tuple[tuple[str, str | int], ...], ...] = (
    (("RED", "red"), ("GREEN", "green"), ("BLUE", "blue")),
    (("EMPTY", ""), ("PADDED", " padded "), ("UNICODE", "naïve ☕")),
    (("LOWER", "a"), ("UPPER", "A")),
    (("YES", "yes"), ("NO", "no"), ("MAYBE", "maybe?")),
)
INT_ENUMS: tuple[tuple[tuple[str, str | int], ...], ...] = (
    (("ONE", 1), ("TWO", 2), ("THREE", 3)),
    (("ZERO", 0), ("MINUS_ONE", -1), ("BIG", 2**31)),
    (("LOW", 10), ("HIGH", 20)),
)
LITERALS: dict[str, tuple[tuple[str | int | bool, ...], ...]] = {
    "literal_strings": (("a", "b"), ("on", "off", "auto"), ("",), ("with space", "naïve 🙂"), ("null", "true")),
    "literal_integers": ((1, 2, 3), (0,), (-1, 1), (2**31, -(2**31))),
    "literal_bool": ((True,), (False,), (True, False)),
    "literal_mixed": (("a", 1), ("auto", 0, -1), ("1", 1), ("none", 2)),
}
# Union members of distinct JSON types (never int with float, never str with a format), so pydantic's
# smart mode picks the same member back from JSON.
UNIONS = (
    ("int", "str"),
    ("str", "int"),
    ("bool", "str"),
    ("str", "list[int]"),
    ("int", "list[str]"),
    ("bool", "int"),
    ("float", "str"),
    ("str", "bool", "int"),
    ("float", "bool"),
)
STRING_LENGTHS = ((1, 10), (0, 3), (2, 2), (1, None), (None, 8), (0, 64))
PATTERNS = (
    r"^[a-z]{2,5}$",
    r"^[A-Z]{3}-[0-9]{4}$",
    r"^\+?[0-9]{7,12}$",
    r"^[a-z0-9._-]{1,8}@[a-z]{1,8}\.[a-z]{2,3}$",
    r"^(red|green|blue)$",
)
INTEGER_BOUNDS = ((0, 10), (-5, 5), (1, None), (None, -1), (-(2**31), 2**31 - 1), (100, 100))
EXCLUSIVE_BOUNDS: tuple[tuple[str, float | None, float | None], ...] = (
    ("int", 0, 10),
    ("int", -100, 0),
    ("float", 0.0, 1.0),
    ("float", -1.5, 2.5),
    ("int", 0, None),
    ("float", None, 0.0),
)
MULTIPLES: tuple[tuple[str, int | float], ...] = (("int", 2), ("int", 5), ("float", 0.5), ("int", 3), ("float", 0.25))
LIST_LENGTHS = ((1, 3), (0, 2), (2, 2), (1, None))
_SPAN = 10**6  # how far an open bound reaches
_BASE_KINDS = ("str", "int", "float", "bool")
_BOOLEANS = st.booleans()
T = TypeVar("T")

# Every choice of a leaf type is a ready-made, immutable type object (shared by every drawn model), so its
# value drawer is built once; the tables above stay the readable source of truth.
_BASES = {kind: Base(kind) for kind in _BASE_KINDS}
_BASE_TYPES = tuple(_BASES.values())


def pick(draw: DrawFn, options: tuple[T, ...]) -> T:
    """One of ``options`` (one integer draw, none for a single option); shrinks toward the first."""
    if len(options) == 1:
        return options[0]
    return options[draw(integers(0, len(options) - 1))]


def number(draw: DrawFn, low: int, high: int) -> int:
    """An integer from ``low`` to ``high``, shrinking toward ``low`` (no draw when there is no choice)."""
    return low if low == high else draw(integers(low, high))


def _letters(i: int) -> str:
    return chr(ord("a") + i) if i < 26 else f"f{i}"


class Ctx:
    """The enabled features of one draw, and counters that name its helper classes uniquely."""

    def __init__(self, enabled: frozenset[str], *, require: bool) -> None:
        self.enabled = enabled
        self.require = require  # features were given: every field (or model) must exercise one
        self.leaves = tuple(f for f in F.FEATURES if f in enabled and f in F.LEAF)
        self.wrappers = tuple(f for f in F.FEATURES if f in enabled and f in F.WRAPPER)
        self.optionality: tuple[str | None, ...] = tuple(f for f in F.OPTIONALITY if f in enabled)
        self.model_level = tuple(f for f in F.NAMING if f in enabled)
        self.field_level = bool(self.leaves or self.wrappers or self.optionality)
        self._counters: dict[str, int] = {}

    def number(self, kind: str) -> int:
        n = self._counters.get(kind, 0)
        self._counters[kind] = n + 1
        return n


# ---------------------------------------------------------------------------------------------- types


_Choice = _Type | tuple[str, str]  # a base type, or ("leaf" or "wrapper", feature)


@functools.lru_cache(maxsize=256)
def _type_choices(base: bool, leaves: tuple[str, ...], wrappers: tuple[str, ...]) -> tuple[_Choice, ...]:
    """Every choice of `draw_type` in one table, for one draw instead of two.

    Groups come simplest first (plain base types, leaf features, wrapper features) and each group fills
    the same share of the table (its entries repeated), so each is as likely as it was when the group was
    drawn first and then a member of it.
    """
    groups: list[tuple[_Choice, ...]] = []
    if base:
        groups.append(_BASE_TYPES)
    groups += [tuple((kind, f) for f in features) for kind, features in (("leaf", leaves), ("wrapper", wrappers))]
    groups = [group for group in groups if group]
    share = math.lcm(*(len(group) for group in groups))
    return tuple(choice for group in groups for choice in group for _ in range(share // len(group)))


def draw_type(draw: DrawFn, ctx: Ctx, depth: int, required: bool) -> _Type:
    """A field type; with ``required`` it exercises at least one enabled type feature."""
    base = not required or not (ctx.leaves or ctx.wrappers)
    wrap = depth < MAX_DEPTH or (required and not ctx.leaves)
    choice = pick(draw, _type_choices(base, ctx.leaves, ctx.wrappers if wrap else ()))
    if isinstance(choice, _Type):
        return choice
    kind, feature = choice
    if kind == "leaf":
        return _LEAVES[feature](draw, ctx, feature)
    return _WRAPPERS[feature](draw, ctx, depth)


_SCALARS = {feature: Scalar(feature) for feature in F.SCALARS}
_FORMATS = {feature: Format(feature) for feature in F.FORMATS}


def _scalar(draw: DrawFn, ctx: Ctx, feature: str) -> _Type:
    return _SCALARS[feature]


def _format(draw: DrawFn, ctx: Ctx, feature: str) -> _Type:
    return _FORMATS[feature]


_UTF8 = st.characters(codec="utf-8")
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_UPPER = _LOWER.upper()
_DIGITS = "0123456789"


def _joined(*parts: str | SearchStrategy[str]) -> Callable[[DrawFn], str]:
    """Literal text and drawn text, concatenated: the values of a simple pattern, one draw per part."""
    return lambda draw: "".join(part if isinstance(part, str) else draw(part) for part in parts)


# Values of each of PATTERNS, written out (st.from_regex costs a draw per character): test_strategies
# checks that every drawn value matches its pattern.
PATTERN_VALUES: dict[str, Callable[[DrawFn], str]] = {
    r"^[a-z]{2,5}$": of(st.text(_LOWER, min_size=2, max_size=5)),
    r"^[A-Z]{3}-[0-9]{4}$": _joined(
        st.text(_UPPER, min_size=3, max_size=3), "-", st.text(_DIGITS, min_size=4, max_size=4)
    ),
    r"^\+?[0-9]{7,12}$": _joined(st.sampled_from(("", "+")), st.text(_DIGITS, min_size=7, max_size=12)),
    r"^[a-z0-9._-]{1,8}@[a-z]{1,8}\.[a-z]{2,3}$": _joined(
        st.text(_LOWER + _DIGITS + "._-", min_size=1, max_size=8),
        "@",
        st.text(_LOWER, min_size=1, max_size=8),
        ".",
        st.text(_LOWER, min_size=2, max_size=3),
    ),
    r"^(red|green|blue)$": sampled(("red", "green", "blue")),
}
assert tuple(PATTERN_VALUES) == PATTERNS


def _string_length_type(low: int | None, high: int | None) -> Constrained:
    kwargs = tuple((k, v) for k, v in (("min_length", low), ("max_length", high)) if v is not None)
    strategy = st.text(_UTF8, min_size=low or 0, max_size=high if high is not None else (low or 0) + 12)
    return Constrained("string_length", "str", kwargs, of(strategy))


def _integer_bounds_type(low: int | None, high: int | None) -> Constrained:
    kwargs = tuple((k, v) for k, v in (("ge", low), ("le", high)) if v is not None)
    low_v = low if low is not None else (high or 0) - _SPAN
    high_v = high if high is not None else low_v + _SPAN
    return Constrained("integer_bounds", "int", kwargs, of(st.integers(low_v, high_v)))


def _exclusive_bounds_type(kind: str, low: float | None, high: float | None) -> Constrained:
    kwargs = tuple((k, v) for k, v in (("gt", low), ("lt", high)) if v is not None)
    strategy: SearchStrategy[Any]
    if kind == "int":
        low_i = int(low) + 1 if low is not None else int(high or 0) - _SPAN
        high_i = int(high) - 1 if high is not None else low_i + _SPAN
        strategy = st.integers(low_i, high_i)
    else:
        strategy = st.floats(
            min_value=low if low is not None else (high or 0) - _SPAN,
            max_value=high if high is not None else (low or 0) + _SPAN,
            exclude_min=low is not None,
            exclude_max=high is not None,
            allow_nan=False,
            allow_infinity=False,
        )
    return Constrained("exclusive_bounds", kind, kwargs, of(strategy))


def _multiple_of_type(kind: str, step: float) -> Constrained:
    # Exact binary fractions times small integers: pydantic's float check has no rounding trouble.
    steps = st.integers(-10_000, 10_000)
    return Constrained("multiple_of", kind, (("multiple_of", step),), lambda draw: draw(steps) * step)


_CONSTRAINED: dict[str, tuple[Constrained, ...]] = {
    "string_length": tuple(_string_length_type(low, high) for low, high in STRING_LENGTHS),
    "string_pattern": tuple(
        Constrained("string_pattern", "str", (("pattern", p),), values) for p, values in PATTERN_VALUES.items()
    ),
    "integer_bounds": tuple(_integer_bounds_type(low, high) for low, high in INTEGER_BOUNDS),
    "exclusive_bounds": tuple(_exclusive_bounds_type(*bounds) for bounds in EXCLUSIVE_BOUNDS),
    "multiple_of": tuple(_multiple_of_type(kind, step) for kind, step in MULTIPLES),
}


def _constrained(draw: DrawFn, ctx: Ctx, feature: str) -> _Type:
    return pick(draw, _CONSTRAINED[feature])


def _enum(draw: DrawFn, ctx: Ctx, feature: str) -> _Type:
    if feature == "str_enum":
        members, base = pick(draw, STR_ENUMS), pick(draw, ("Enum", "StrEnum"))
        name = f"Colour{ctx.number('Colour')}"
    else:
        members, base = pick(draw, INT_ENUMS), pick(draw, ("IntEnum", "Enum"))
        name = f"Level{ctx.number('Level')}"
    return EnumType(feature, EnumSpec(name, base, members))


_LITERALS = {feature: tuple(LiteralType(feature, choices) for choices in LITERALS[feature]) for feature in LITERALS}


def _literal(draw: DrawFn, ctx: Ctx, feature: str) -> _Type:
    return pick(draw, _LITERALS[feature])


def _union_type(kinds: tuple[str, ...]) -> UnionType:
    members: list[_Type] = []
    for kind in kinds:
        members.append(ListType(_BASES[kind[5:-1]], feature=None) if kind.startswith("list[") else _BASES[kind])
    return UnionType(tuple(members))


_UNIONS = tuple(_union_type(kinds) for kinds in UNIONS)


def _union(draw: DrawFn, ctx: Ctx, feature: str) -> _Type:
    return pick(draw, _UNIONS)


_LEAVES: dict[str, Callable[[DrawFn, Ctx, str], _Type]] = {
    **dict.fromkeys(F.SCALARS, _scalar),
    **dict.fromkeys(F.FORMATS, _format),
    **dict.fromkeys(_CONSTRAINED, _constrained),
    "str_enum": _enum,
    "int_enum": _enum,
    **dict.fromkeys(("literal_strings", "literal_integers", "literal_bool", "literal_mixed"), _literal),
    "union_fields": _union,
}


def _lists(draw: DrawFn, ctx: Ctx, depth: int) -> _Type:
    return ListType(draw_type(draw, ctx, depth + 1, False))


def _list_length(draw: DrawFn, ctx: Ctx, depth: int) -> _Type:
    low, high = pick(draw, LIST_LENGTHS)
    return ListType(draw_type(draw, ctx, depth + 1, False), "list_length", low, high)


def _dicts(draw: DrawFn, ctx: Ctx, depth: int) -> _Type:
    return DictType(draw_type(draw, ctx, depth + 1, False))


def _tuples(draw: DrawFn, ctx: Ctx, depth: int) -> _Type:
    size = number(draw, 1, 3)
    return TupleType(tuple(draw_type(draw, ctx, depth + 1, False) for _ in range(size)))


def _nested(draw: DrawFn, ctx: Ctx, depth: int) -> _Type:
    name = f"Item{ctx.number('Item')}"
    size = number(draw, 1, 3)
    fields = tuple(draw_field(draw, ctx, depth + 1, _letters(i), False) for i in range(size))
    return NestedType(ModelSpec(name, fields))


_ANIMALS = tuple((animal, LiteralType(None, (animal.lower(),))) for animal in ("Cat", "Dog", "Bird"))


def _discriminated(draw: DrawFn, ctx: Ctx, depth: int) -> _Type:
    n = ctx.number("Variant")
    members = []
    for animal, tag_type in _ANIMALS[: number(draw, 2, 3)]:
        tag = FieldSpec("kind", tag_type)
        size = number(draw, 0, 2)
        rest = tuple(draw_field(draw, ctx, depth + 1, _letters(i), False) for i in range(size))
        members.append(ModelSpec(f"{animal}{n}", (tag, *rest)))
    return DiscriminatedType(tuple(members), "kind")


def _recursive(draw: DrawFn, ctx: Ctx, depth: int) -> _Type:
    n = ctx.number("Node")
    name, branch_name = f"Node{n}", f"Branch{n}"
    # Simplest first: a required field that recurses is what some providers refuse (Gemini), so it is not
    # the shape every failure shrinks to.
    shape = pick(draw, ("optional", "list_default", "list", "mutual"))
    value = FieldSpec("value", draw_type(draw, ctx, depth + 1, False))
    branch = None
    children = ListType(RefType(name, False), feature=None)
    if shape == "list":
        ref = FieldSpec("children", children)
    elif shape == "list_default":
        ref = FieldSpec("children", children, factory="list")
    elif shape == "optional":
        ref = FieldSpec("next", RefType(name, True), default=None)
    else:
        ref = FieldSpec("branch", RefType(branch_name, True), default=None)
        branch = ModelSpec(branch_name, (FieldSpec("nodes", ListType(RefType(name, False), feature=None)),))
    return RecursiveType(RecursiveSpec(ModelSpec(name, (value, ref)), branch, shape))


_WRAPPERS: dict[str, Callable[[DrawFn, Ctx, int], _Type]] = {
    "lists": _lists,
    "list_length": _list_length,
    "dicts": _dicts,
    "tuples": _tuples,
    "nested_models": _nested,
    "discriminated_unions": _discriminated,
    "recursive_models": _recursive,
}

# ---------------------------------------------------------------------------------------------- fields


def draw_field(draw: DrawFn, ctx: Ctx, depth: int, name: str, required: bool) -> FieldSpec:
    """One field; with ``required`` its optionality or its type exercises an enabled feature."""
    optionality: str | None = None
    if ctx.optionality:
        must = required and not (ctx.leaves or ctx.wrappers)
        optionality = pick(draw, ctx.optionality if must else (None, *ctx.optionality))
    type_ = draw_type(draw, ctx, depth, required and optionality is None)
    if optionality == "nullable_omittable":
        return FieldSpec(name, type_, optionality, default=None)
    if optionality == "omittable":
        if not type_.renderable():
            type_ = pick(draw, _BASE_TYPES)
        default = type_.drawer()(draw)
        assert render_value(default) is not None, default
        return FieldSpec(name, type_, optionality, default=default)
    if optionality == "defaults":
        form = pick(draw, ("list_factory", "dict_factory", "list_value"))
        if form == "dict_factory":
            return FieldSpec(name, DictType(type_, feature=None), optionality, factory="dict")
        list_type = ListType(type_, feature=None)
        if form == "list_value" and type_.renderable():
            default = repeated(type_.drawer(), 1, 2)(draw)
            return FieldSpec(name, list_type, optionality, default=default)
        return FieldSpec(name, list_type, optionality, factory="list")
    return FieldSpec(name, type_, optionality)


# ---------------------------------------------------------------------------------------------- models


def draw_model(draw: DrawFn, ctx: Ctx, name: str, min_fields: int, max_fields: int) -> ModelSpec:
    """A top-level tool model named ``name``."""
    chosen: set[str] = set()
    if ctx.model_level:
        if ctx.require and not ctx.field_level:
            first = pick(draw, ctx.model_level)
            chosen = {first} | {f for f in ctx.model_level if f != first and draw(_BOOLEANS)}
        else:
            chosen = {f for f in ctx.model_level if draw(_BOOLEANS)}
    size = number(draw, min_fields, max_fields)
    names: list[tuple[str, str | None]] = [(_letters(i), None) for i in range(size)]
    if "keyword_names" in chosen:
        remaining = list(KEYWORD_NAMES)  # distinct words, shrinking toward the first ones
        words = [remaining.pop(number(draw, 0, len(remaining) - 1)) for _ in range(min(size, len(KEYWORD_NAMES)))]
        count = len(words)
        names[:count] = [(f"{w}_", w) if keyword.iskeyword(w) else (w, None) for w in words]
    fields: list[FieldSpec] = []
    for field_name, keyword_alias in names:
        spec = draw_field(draw, ctx, 0, field_name, ctx.require)
        alias = keyword_alias
        if alias is None and "aliases" in chosen:
            alias = pick(draw, ALIAS_STYLES)(field_name)
        description = pick(draw, DESCRIPTIONS) if "descriptions" in chosen else None
        fields.append(FieldSpec(spec.name, spec.type, spec.optionality, spec.default, spec.factory, alias, description))
    title = pick(draw, TITLE_STYLES)(name) if "titled_models" in chosen else None
    doc = pick(draw, DESCRIPTIONS) if "descriptions" in chosen else None
    return ModelSpec(name, tuple(fields), title, doc, frozenset(chosen))


def tool_names(count: int) -> list[str]:
    return [TOOL_NAMES[i] if i < len(TOOL_NAMES) else f"Tool{i}" for i in range(count)]
