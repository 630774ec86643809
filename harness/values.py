"""Values valid against a JSON schema: the provider emulator's arguments and the conformance report's examples.

`values_for` turns a schema (JSON Schema as the providers take it, or Gemini's OpenAPI subset with
``dialect="openapi"``) into one JSON value the schema admits. It never guesses: what it cannot generate
with certainty (``not``, ``if``/``then``/``else``, a lookahead in a ``pattern``, a contradictory ``allOf``,
a recursion with no way out within ``max_depth``) raises `UnsatisfiableSchema`, naming the schema
location, unless the schema leaves a way around it (another ``anyOf`` branch, an optional property that is
then always left out, an empty list).

Draws and shrinking
-------------------
Every decision is one draw from a `Source`: `RandomSource` for seeded, repeatable draws (the
same seed and schema give the same value), `HypothesisSource` inside a Hypothesis test. A draw at
its lowest takes the simplest option: the first ``anyOf``/``oneOf`` branch or ``enum`` value, an optional
property left out, the shortest string or list the bounds allow, the number nearest 0, plain lowercase
letters. A source that always answers lowest therefore gives the smallest value (required properties
only, empty lists, ``0``, ``""``), and Hypothesis, which shrinks every draw toward its lowest, shrinks a
failing example the same way: optional properties disappear, lists and strings get shorter, numbers move
toward 0, unions toward their first branch.

Over many draws the values include the hard cases: empty strings, non-ASCII text and emoji, leading and
trailing whitespace, negative and very large numbers, whole-number floats (``3.0``), ``null`` wherever
allowed, dates on 29 February, timezone offsets other than ``Z``. Lengths count code points, as JSON
Schema does.
"""

from __future__ import annotations

import base64
import bisect
import functools
import importlib
import ipaddress
import json
import math
import random
import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from fractions import Fraction
from typing import Any, NoReturn, TypeVar
from urllib.parse import unquote
from uuid import UUID

from harness.errors import HarnessError

__all__ = [
    "HypothesisSource",
    "RandomSource",
    "Source",
    "UnsatisfiableSchema",
    "ValueGenerator",
    "as_json_schema",
    "values_for",
]

T = TypeVar("T")
JSON = dict[str, Any]

_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
_FLOAT_MAX = 1.7976931348623157e308
_NO_MAX = 2**31  # "no maxLength/maxItems": soft caps keep values small anyway
_TRIES = 20  # attempts before a draw gives up (pattern vs. length, oneOf overlap, uniqueness)
_REP_CAP = 5  # extra repetitions an unbounded regex quantifier may take beyond its minimum
_LIST_CAPS = (4, 3, 2, 1, 0)  # extra list items beyond minItems, by recursion depth: recursion thins out


class UnsatisfiableSchema(HarnessError, ValueError):
    """The generator cannot produce a value the schema admits, or cannot be sure a value is valid.

    ``path`` is the JSON pointer of the schema location (``#/$defs/Node/properties/next``), ``reason``
    says what is wrong there.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot generate a value for {path}: {reason}")


# --- sources of draws ----------------------------------------------------------------------------


class Source(ABC):
    """Where the generator's decisions come from; every decision goes through these methods.

    Each method's simplest answer is the one nearest 0 (``integer``/``floating``), 0 (``index``) or
    ``False`` (``boolean``), and the generator maps that answer to its simplest option. ``integer`` and
    ``floating`` draw values (numbers, lengths) and may favour small and boundary values, as Hypothesis
    does; ``index`` picks among options. A subclass implements ``integer`` and ``floating``; the others
    derive from ``integer`` unless overridden.
    """

    @abstractmethod
    def integer(self, lo: int, hi: int) -> int:
        """An integer with ``lo <= n <= hi`` (``lo <= hi``); simplest: the one nearest 0."""

    @abstractmethod
    def floating(self, lo: float, hi: float) -> float:
        """A finite float with ``lo <= x <= hi`` (both finite, ``lo <= hi``); simplest: the one nearest 0."""

    def index(self, n: int) -> int:
        """One of ``n`` options, ``0 <= i < n`` (``n >= 1``), none favoured; simplest: 0."""
        return self.integer(0, n - 1) if n > 1 else 0

    def boolean(self) -> bool:
        """A coin; simplest: ``False``."""
        return self.index(2) == 1

    def choice(self, options: Sequence[T]) -> T:
        """One of ``options`` (not empty); simplest: the first."""
        return options[self.index(len(options))]

    def reject(self, path: str, reason: str) -> NoReturn:
        """Give up on this draw: the schema is satisfiable in principle but these draws found no value."""
        raise UnsatisfiableSchema(path, reason)


class RandomSource(Source):
    """Seeded draws from `random.Random`: the same seed gives the same decisions in every process.

    Like Hypothesis, it favours the values that break things: ``integer`` and ``floating`` often give a
    bound, 0, a small number, a whole-number float or an extreme magnitude rather than a uniform draw.
    """

    def __init__(self, seed: int | str) -> None:
        self._rng = random.Random(seed)
        self._random = self._rng.random

    def integer(self, lo: int, hi: int) -> int:
        if lo > hi:
            raise ValueError(f"empty range {lo}..{hi}")
        mode = self._random()
        if mode < 0.15:
            edges = [x for x in (lo, hi, lo + 1, hi - 1, 0, -1, 1) if lo <= x <= hi]
            return edges[self.index(len(edges))]
        if mode < 0.5:
            lo, hi = _window(lo, hi, -8, 64)
        elif mode < 0.75:
            lo, hi = _window(lo, hi, -(10**6), 10**6)
        return self._uniform(lo, hi)

    def floating(self, lo: float, hi: float) -> float:
        if lo > hi:
            raise ValueError(f"empty range {lo}..{hi}")
        mode = self._random()
        if mode < 0.15:
            edges = [x for x in (lo, hi, 0.0, -0.0, 0.5, -1.5, 0.1, 5e-324, _FLOAT_MAX, -_FLOAT_MAX) if lo <= x <= hi]
            return edges[self.index(len(edges))]
        if mode < 0.35:  # a whole number
            whole_lo, whole_hi = max(math.ceil(lo), -(2**53)), min(math.floor(hi), 2**53)
            if whole_lo <= whole_hi:
                return float(self.integer(whole_lo, whole_hi))
        elif mode < 0.55:  # any magnitude, 1e-300 to 1e300
            x = math.pow(10.0, self._random() * 600 - 300)
            x = -x if self._random() < 0.5 else x
            if lo <= x <= hi:
                return x
        a, b = max(lo, -1e6), min(hi, 1e6)
        if a > b:
            a, b = lo, hi
        u = self._random()
        x = a + (b - a) * u
        if not math.isfinite(x):  # b - a overflows for ranges spanning most of the float line
            x = a * (1 - u) + b * u
        return min(max(x, a), b)

    def index(self, n: int) -> int:
        return int(self._random() * n) if n < 1 << 30 else self._rng.randrange(n)

    def boolean(self) -> bool:
        return self._random() < 0.5

    def _uniform(self, lo: int, hi: int) -> int:
        span = hi - lo
        if span < 1 << 30:  # one float draw is exact enough here and much faster than randint
            return lo + int(self._random() * (span + 1))
        return self._rng.randint(lo, hi)


def _window(lo: int, hi: int, a: int, b: int) -> tuple[int, int]:
    """``[a, b]`` within ``[lo, hi]``; when they do not meet, the stretch of ``[lo, hi]`` nearest it."""
    x, y = max(lo, a), min(hi, b)
    if x <= y:
        return x, y
    return (lo, min(hi, lo + (b - a))) if lo > b else (max(lo, hi - (b - a)), hi)


class HypothesisSource(Source):
    """Draws from Hypothesis, so failing examples shrink: ``values_for(schema, HypothesisSource(data))``.

    ``data`` is the object of ``st.data()`` or the ``draw`` function of an ``@st.composite`` strategy.
    Every decision is one ``st.integers``/``st.floats``/``st.booleans`` draw, which Hypothesis shrinks
    toward 0 (or the bound nearest it) and ``False``: toward the generator's simplest choice (see the
    module docstring). A draw the generator gives up on calls ``hypothesis.reject()``. Hypothesis is not
    a dependency of harness; it is imported here, when the source is made.
    """

    def __init__(self, data: Any) -> None:
        try:
            self._st: Any = importlib.import_module("hypothesis.strategies")
            self._hypothesis: Any = importlib.import_module("hypothesis")
        except ImportError as error:
            raise ImportError(
                "HypothesisSource needs the hypothesis package, which harness does not install: pip install hypothesis"
            ) from error
        self._draw: Callable[[Any], Any] = data.draw if hasattr(data, "draw") else data

    def integer(self, lo: int, hi: int) -> int:
        return int(self._draw(self._st.integers(lo, hi)))

    def floating(self, lo: float, hi: float) -> float:
        return float(self._draw(self._st.floats(lo, hi, allow_nan=False, allow_infinity=False)))

    def boolean(self) -> bool:
        return bool(self._draw(self._st.booleans()))

    def reject(self, path: str, reason: str) -> NoReturn:
        self._hypothesis.reject()
        raise UnsatisfiableSchema(path, reason)  # not reached: reject() raises


# --- the public entry points ---------------------------------------------------------------------


def values_for(
    schema: Mapping[str, Any] | bool,
    source: Source,
    *,
    dialect: str = "json-schema",
    max_depth: int = 6,
) -> Any:
    """A JSON value (dicts, lists, str, int, float, bool, None) valid against ``schema``.

    ``dialect`` is ``"json-schema"`` or ``"openapi"`` (Gemini's ``parameters``: upper-case types,
    ``nullable``, ``ref``/``defs``, snake_case keys accepted). ``max_depth`` bounds recursion: how many
    times one path through the value may pass a reference that can lead back to itself (nesting that is
    not recursive is not limited). Raises `UnsatisfiableSchema` for what cannot be generated.
    The compiled schema is cached, so drawing many values from one schema is cheap.
    """
    return _generator(schema, dialect, max_depth).draw(source)


class ValueGenerator:
    """``schema`` compiled once, to draw many values from; `values_for` keeps a cache of these.

    Raises `UnsatisfiableSchema` here when no value can be generated at all.
    """

    def __init__(self, schema: Mapping[str, Any] | bool, *, dialect: str = "json-schema", max_depth: int = 6) -> None:
        if max_depth < 0:
            raise ValueError("max_depth must be >= 0")
        doc = as_json_schema(schema, dialect=dialect)
        compiler = _Compiler(doc)
        self._root = compiler.root()
        compiler.settle()
        self._matcher = compiler.matcher
        self._max_depth = max_depth
        if self._root.need > max_depth:
            raise _blame(self._root, "#", max_depth, set())

    def draw(self, source: Source) -> Any:
        return self._root.draw(_Ctx(source, self._max_depth, self._matcher), self._max_depth)


def _generator(schema: Mapping[str, Any] | bool, dialect: str, max_depth: int) -> ValueGenerator:
    try:
        key = json.dumps(schema, allow_nan=False)  # key order kept: it orders the draws
    except (TypeError, ValueError):
        return ValueGenerator(schema, dialect=dialect, max_depth=max_depth)
    return _cached_generator(key, dialect, max_depth)


@functools.lru_cache(maxsize=256)
def _cached_generator(key: str, dialect: str, max_depth: int) -> ValueGenerator:
    return ValueGenerator(json.loads(key), dialect=dialect, max_depth=max_depth)


# --- schema vocabulary ---------------------------------------------------------------------------

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


# --- Gemini's OpenAPI subset -> JSON Schema ------------------------------------------------------

_OPENAPI_KEYS = {
    "any_of": "anyOf",
    "min_items": "minItems",
    "max_items": "maxItems",
    "min_length": "minLength",
    "max_length": "maxLength",
    "min_properties": "minProperties",
    "max_properties": "maxProperties",
    "property_ordering": "propertyOrdering",
    "additional_properties": "additionalProperties",
    "ref": "$ref",
    "defs": "$defs",
}


def as_json_schema(schema: Any, *, dialect: str = "json-schema") -> Any:
    """``schema`` read as JSON Schema: a Gemini ``Schema`` (``dialect="openapi"``: upper-case types,
    ``nullable``, snake_case keys) converted, a JSON Schema returned as it is."""
    if dialect not in ("json-schema", "openapi"):
        raise ValueError(f"dialect must be 'json-schema' or 'openapi', not {dialect!r}")
    return _from_openapi(schema) if dialect == "openapi" else schema


def _from_openapi(schema: Any) -> Any:
    """The JSON-Schema reading of a Gemini ``Schema``: lower-case types, ``nullable`` as a null branch."""
    if not isinstance(schema, Mapping):
        return schema
    out: JSON = {}
    for raw_key, value in schema.items():
        key = _OPENAPI_KEYS.get(str(raw_key), str(raw_key))
        if key == "type" and isinstance(value, str):
            if value.upper() != "TYPE_UNSPECIFIED":
                out["type"] = value.lower()
        elif key in ("properties", "$defs") and isinstance(value, Mapping):
            out[key] = {name: _from_openapi(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = _from_openapi(value)
        elif key in ("anyOf", "oneOf", "allOf", "prefixItems") and isinstance(value, list):
            out[key] = [_from_openapi(sub) for sub in value]
        elif key == "$ref" and isinstance(value, str):
            out[key] = value.replace("#/defs/", "#/$defs/", 1)
        elif key == "format" and value == "enum":
            continue  # Gemini's marker for "this has an enum": no constraint of its own
        else:
            out[key] = value
    if out.get("type") in ("integer", "number") and isinstance(out.get("enum"), list):
        # Gemini writes an INTEGER enum as strings ("101"); the value itself is the number.
        out["enum"] = [_number_of(v) if isinstance(v, str) else v for v in out["enum"]]
    if out.pop("nullable", False) is True:
        annotations = {k: out.pop(k) for k in list(out) if k in ("title", "description", "$defs")}
        return {"anyOf": [out, {"type": "null"}], **annotations}
    return out


def _number_of(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text  # left as is: the type check then drops it from the enum


# --- compiled nodes ------------------------------------------------------------------------------


class _Ctx:
    __slots__ = ("matcher", "max_depth", "src")

    def __init__(self, src: Source, max_depth: int, matcher: _Matcher) -> None:
        self.src = src
        self.max_depth = max_depth
        self.matcher = matcher


class _Node:
    """One schema location, compiled. ``need``: how many recursive references its smallest value passes
    through (``inf``: it admits nothing the generator can make); ``draw(ctx, r)`` makes a value passing
    through at most ``r`` of them, and is only called when ``need <= r``."""

    __slots__ = ("need", "ptr")

    def __init__(self, ptr: str, need: float = 0.0) -> None:
        self.ptr = ptr
        self.need = need

    def children(self) -> Sequence[_Node]:
        return ()

    def settle(self) -> float:
        return self.need

    def draw(self, ctx: _Ctx, r: int) -> Any:
        raise NotImplementedError


class _Impossible(_Node):
    __slots__ = ("reason",)

    def __init__(self, ptr: str, reason: str) -> None:
        super().__init__(ptr, math.inf)
        self.reason = reason

    def draw(self, ctx: _Ctx, r: int) -> Any:
        ctx.src.reject(self.ptr, self.reason)


class _AnyValue(_Node):
    __slots__ = ()

    def draw(self, ctx: _Ctx, r: int) -> Any:
        return _any_value(ctx.src, 0)


class _Null(_Node):
    __slots__ = ()

    def draw(self, ctx: _Ctx, r: int) -> Any:
        return None


class _Bool(_Node):
    __slots__ = ()

    def draw(self, ctx: _Ctx, r: int) -> Any:
        return ctx.src.boolean()


class _Const(_Node):
    __slots__ = ("values",)

    def __init__(self, ptr: str, values: list[Any]) -> None:
        super().__init__(ptr)
        self.values = values

    def draw(self, ctx: _Ctx, r: int) -> Any:
        return _copy(ctx.src.choice(self.values))


class _Int(_Node):
    """Integers ``k * step`` for ``klo <= k <= khi``; ``check`` is a float multipleOf to verify against."""

    __slots__ = ("check", "khi", "klo", "step")

    def __init__(self, ptr: str, klo: int, khi: int, step: int, check: float | None) -> None:
        super().__init__(ptr)
        self.klo, self.khi, self.step, self.check = klo, khi, step, check

    def draw(self, ctx: _Ctx, r: int) -> Any:
        src = ctx.src
        for _ in range(_TRIES):
            value = src.integer(self.klo, self.khi) * self.step
            if self.check is None or _is_multiple(value, self.check):
                return value
        if self.klo <= 0 <= self.khi:
            return 0
        src.reject(self.ptr, f"no multiple of {self.check} found in range")


class _Num(_Node):
    """Numbers in ``[lo, hi]`` (exclusive bounds already moved inward); ints and whole floats among them."""

    __slots__ = ("hi", "ihi", "ilo", "khi", "klo", "lo", "mult")

    def __init__(self, ptr: str, lo: float, hi: float, mult: float | None) -> None:
        super().__init__(ptr)
        self.lo, self.hi, self.mult = lo, hi, mult
        self.ilo, self.ihi = max(math.ceil(lo), _INT_MIN), min(math.floor(hi), _INT_MAX)
        self.klo = self.khi = 0
        if mult is not None:  # multiples k * mult; an open end reaches 2**53 multiples past the other end or 0
            self.klo, self.khi = _ceil_div(lo, mult), _floor_div(hi, mult)
            if lo <= -_FLOAT_MAX:
                self.klo = max(self.klo, min(self.khi, 0) - 2**53)
            if hi >= _FLOAT_MAX:
                self.khi = min(self.khi, max(self.klo, 0) + 2**53)

    def draw(self, ctx: _Ctx, r: int) -> Any:
        src, lo, hi = ctx.src, self.lo, self.hi
        if self.mult is not None:
            for _ in range(_TRIES):
                value = src.integer(self.klo, self.khi) * self.mult
                if lo <= value <= hi and _is_multiple(value, self.mult):
                    return value
            if lo <= 0 <= hi:
                return 0
            src.reject(self.ptr, f"no multiple of {self.mult} found in range")
        if src.index(3) == 0 and self.ilo <= self.ihi:  # an int: the simplest kind of number
            return src.integer(self.ilo, self.ihi)
        return src.floating(lo, hi)


class _Str(_Node):
    __slots__ = ("fmt", "hi", "lo", "regex", "rx")

    def __init__(
        self,
        ptr: str,
        lo: int,
        hi: int,
        rx: _Rx | None,
        regex: re.Pattern[str] | None,
        fmt: Callable[[Source], str] | None,
    ) -> None:
        super().__init__(ptr)
        self.lo, self.hi, self.rx, self.regex, self.fmt = lo, hi, rx, regex, fmt

    def draw(self, ctx: _Ctx, r: int) -> Any:
        src = ctx.src
        if self.fmt is None and self.rx is None:
            return _plain(src, self.lo, self.hi)
        for _ in range(_TRIES):
            if self.fmt is not None:
                text = self.fmt(src)
            else:
                assert self.rx is not None
                text = self.rx.generate(src, self.lo, self.hi)
            if self.lo <= len(text) <= self.hi and (self.regex is None or self.regex.search(text)):
                return text
        what = "a formatted string" if self.fmt is not None else "a string matching the pattern"
        src.reject(self.ptr, f"found no {what} of {self.lo} to {self.hi} characters in {_TRIES} tries")


class _Arr(_Node):
    __slots__ = ("items", "max_items", "min_items", "prefix", "unique")

    def __init__(
        self, ptr: str, prefix: list[_Node], items: _Node | None, min_items: int, max_items: int, unique: bool
    ) -> None:
        super().__init__(ptr, math.inf)
        self.prefix, self.items = prefix, items
        self.min_items, self.max_items, self.unique = min_items, max_items, unique

    def children(self) -> Sequence[_Node]:
        return [*self.prefix, self.items] if self.items is not None else self.prefix

    def settle(self) -> float:
        needs = [node.need for node in self.prefix[: self.min_items]]
        if self.min_items > len(self.prefix):
            needs.append(self.items.need if self.items is not None else math.inf)
        return max(needs, default=0.0)

    def _longest(self, r: int) -> int:
        """How many items can be drawn within recursion budget ``r``."""
        for i, node in enumerate(self.prefix):
            if node.need > r:
                return i
        return _NO_MAX if self.items is not None and self.items.need <= r else len(self.prefix)

    def draw(self, ctx: _Ctx, r: int) -> Any:
        src, lo = ctx.src, self.min_items
        hi = min(self.max_items, self._longest(r))
        if hi - lo > 8:  # keep lists short unless the bounds are tight
            hi = lo + _LIST_CAPS[min(ctx.max_depth - r, len(_LIST_CAPS) - 1)]
        n = src.integer(lo, hi)
        out: list[Any] = []
        seen: set[Any] = set()
        for i in range(n):
            node = self.prefix[i] if i < len(self.prefix) else self.items
            assert node is not None
            value = node.draw(ctx, r)
            if self.unique:
                for _ in range(_TRIES):
                    key = _key(value)
                    if key not in seen:
                        seen.add(key)
                        break
                    value = node.draw(ctx, r)
                else:
                    if len(out) >= lo:
                        return out  # a shorter list is still valid
                    src.reject(self.ptr, f"found no {lo} distinct items in {_TRIES} tries each")
            out.append(value)
        return out


class _Obj(_Node):
    __slots__ = ("extra", "extra_random", "keys", "max_props", "min_props", "names", "props", "required")

    def __init__(
        self,
        ptr: str,
        props: list[tuple[str, _Node, bool, str]],
        extra: _Node | None,
        extra_random: bool,
        min_props: int,
        max_props: int,
        keys: _Node | None = None,
    ) -> None:
        super().__init__(ptr, math.inf)
        self.props = props  # (name, node, required, pointer) in output order
        self.extra, self.extra_random = extra, extra_random
        self.keys = keys  # what an extra key looks like (propertyNames, a patternProperties pattern)
        self.min_props, self.max_props = min_props, max_props
        self.names = frozenset(name for name, *_ in props)
        self.required = sum(1 for _, _, req, _ in props if req)

    def children(self) -> Sequence[_Node]:
        nodes = [node for _, node, _, _ in self.props]
        nodes += [self.extra] if self.extra is not None else []
        return [*nodes, self.keys] if self.keys is not None else nodes

    def settle(self) -> float:
        need = max((node.need for _, node, req, _ in self.props if req), default=0.0)
        short = self.min_props - self.required
        if short > 0:
            optional = sorted(node.need for _, node, req, _ in self.props if not req)
            if self.extra is not None:
                optional += [self.extra.need] * short
                optional.sort()
            need = max(need, optional[short - 1] if len(optional) >= short else math.inf)
        return need

    def draw(self, ctx: _Ctx, r: int) -> Any:
        src = ctx.src
        out: JSON = {}
        room = self.max_props - self.required
        for name, node, req, _ in self.props:
            if req:
                out[name] = node.draw(ctx, r)
            elif room > 0 and node.need <= r and src.boolean():
                out[name] = node.draw(ctx, r)
                room -= 1
        extra = self.extra
        if self.extra_random and extra is not None and room > 0 and extra.need <= r:
            cap = _LIST_CAPS[min(ctx.max_depth - r, len(_LIST_CAPS) - 1)]
            for _ in range(min(room, src.integer(0, cap))):
                key = self.keys.draw(ctx, r) if self.keys is not None else _plain(src, 0, 8)
                if key not in out and key not in self.names:
                    out[key] = extra.draw(ctx, r)
        if len(out) < self.min_props:
            self._fill(ctx, r, out)
        return out

    def _fill(self, ctx: _Ctx, r: int, out: JSON) -> None:
        for name, node, _, _ in self.props:
            if len(out) >= self.min_props:
                return
            if name not in out and node.need <= r:
                out[name] = node.draw(ctx, r)
        extra = self.extra
        if extra is not None and extra.need <= r:
            for _ in range(_TRIES * self.min_props):
                if len(out) >= self.min_props:
                    return
                key = _plain(ctx.src, 1, 12)
                if key not in out and key not in self.names:
                    out[key] = extra.draw(ctx, r)
        if len(out) < self.min_props:
            ctx.src.reject(self.ptr, f"found no {self.min_props} properties")


class _Union(_Node):
    """``anyOf``/``oneOf``/a type list. ``schemas`` are set for a ``oneOf`` whose branches may overlap:
    each value is then checked against the other branches."""

    __slots__ = ("branches", "schemas")

    def __init__(self, ptr: str, branches: list[_Node], schemas: list[Any] | None) -> None:
        super().__init__(ptr, math.inf)
        self.branches, self.schemas = branches, schemas

    def children(self) -> Sequence[_Node]:
        return self.branches

    def settle(self) -> float:
        return min(node.need for node in self.branches)

    def draw(self, ctx: _Ctx, r: int) -> Any:
        src = ctx.src
        usable = [i for i, node in enumerate(self.branches) if node.need <= r]
        if self.schemas is None:
            return self.branches[src.choice(usable)].draw(ctx, r)
        misses = [0] * len(self.branches)
        for _ in range(_TRIES * 3):
            # Take turns: a branch inside another one (integer inside number) never wins, the others must.
            fewest = min(misses[j] for j in usable)
            i = src.choice([j for j in usable if misses[j] == fewest])
            value = self.branches[i].draw(ctx, r)
            if all(ctx.matcher.check(value, s) is False for j, s in enumerate(self.schemas) if j != i):
                return value
            misses[i] += 1
        src.reject(self.ptr, f"oneOf: every value drawn in {_TRIES * 3} tries also matched another branch")


class _Ref(_Node):
    __slots__ = ("cost", "ref", "target")

    def __init__(self, ptr: str, ref: str) -> None:
        super().__init__(ptr, math.inf)
        self.ref = ref
        self.target: _Node = _Impossible(ptr, "unresolved")
        self.cost = 0  # 1 when the reference can lead back to itself

    def children(self) -> Sequence[_Node]:
        return (self.target,)

    def settle(self) -> float:
        return self.target.need + self.cost

    def draw(self, ctx: _Ctx, r: int) -> Any:
        return self.target.draw(ctx, r - self.cost)


def _blame(node: _Node, site: str, max_depth: int, seen: set[int]) -> UnsatisfiableSchema:
    """Why ``node`` (reached at schema location ``site``) has no value within ``max_depth``."""
    if isinstance(node, _Impossible):
        return UnsatisfiableSchema(node.ptr, node.reason)
    if math.isfinite(node.need):
        return UnsatisfiableSchema(
            site,
            f"its smallest value nests {int(node.need)} recursive references, more than max_depth={max_depth}",
        )
    if isinstance(node, _Ref):
        if id(node) in seen:
            return UnsatisfiableSchema(
                site, f"recursive reference {node.ref} cannot end: every value it admits holds another one"
            )
        seen.add(id(node))
        return _blame(node.target, node.ref if node.cost == 0 or site == "#" else site, max_depth, seen)
    if isinstance(node, _Obj):
        for _, sub, req, ptr in node.props:
            if req and not math.isfinite(sub.need):
                return _blame(sub, ptr, max_depth, seen)
        return UnsatisfiableSchema(node.ptr, f"cannot reach minProperties={node.min_props}")
    if isinstance(node, _Arr):
        for i in range(node.min_items):
            item = node.prefix[i] if i < len(node.prefix) else node.items
            if item is not None and not math.isfinite(item.need):
                where = f"{node.ptr}/prefixItems/{i}" if i < len(node.prefix) else f"{node.ptr}/items"
                return _blame(item, where, max_depth, seen)
    if isinstance(node, _Union):
        reasons = [_blame(sub, sub.ptr, max_depth, set(seen)) for sub in node.branches]
        if len(reasons) == 1:
            return reasons[0]
        detail = "; ".join(f"{e.path}: {e.reason}" for e in reasons)
        return UnsatisfiableSchema(node.ptr, f"no branch can be generated ({detail})")
    return UnsatisfiableSchema(node.ptr, "admits no value the generator can make")


# --- compiling a schema --------------------------------------------------------------------------


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


def _both_numbers(a: Any, b: Any) -> bool:
    return all(isinstance(x, int | float) and not isinstance(x, bool) for x in (a, b))


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


# --- numbers -------------------------------------------------------------------------------------


def _ceil_div(x: float, m: float) -> int:
    return math.ceil(Fraction(x) / Fraction(m))  # exact: x / m may overflow or round


def _floor_div(x: float, m: float) -> int:
    return math.floor(Fraction(x) / Fraction(m))


def _is_multiple(value: float, mult: float) -> bool:
    """``value`` is a multiple of ``mult`` both by jsonschema's float test and by a remainder test (pydantic's)."""
    if isinstance(value, int) and isinstance(mult, int):
        return value % mult == 0
    if isinstance(mult, float):
        quotient = value / mult
        if not math.isfinite(quotient):
            return (Fraction(value) / Fraction(mult)).denominator == 1
        if int(quotient) != quotient:
            return False
    elif value % mult:
        return False
    rem = math.fmod(value, mult)
    tolerance = abs(value) / 1e9
    return abs(rem) <= tolerance or abs(abs(rem) - abs(mult)) <= tolerance


# --- strings -------------------------------------------------------------------------------------

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_ASCII = _LOWER + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_NON_ASCII = "éüßçñøåÆœΩλπΣЖяЩ中文字日本語한국עבعربي😀🎉🚀🤖🧪\u0301\u200b\u00a0\u3000"
_POOLS = (_LOWER, _ASCII, _ASCII + _NON_ASCII, _NON_ASCII + " \t\n")
_PADS = "  \t\n\u00a0"


def _plain(src: Source, lo: int, hi: int) -> str:
    n = src.integer(lo, min(hi, lo + 16))
    if n == 0:
        return ""
    chars = _chars(src, n)
    pad = src.index(12) - 8  # one string in four: 1 leading, 2 trailing, 3 both whitespace
    if pad > 0 and pad & 1:
        chars[0] = src.choice(_PADS)
    if pad > 0 and pad & 2:
        chars[-1] = src.choice(_PADS)
    return "".join(chars)


def _chars(src: Source, n: int) -> list[str]:
    pool = _POOLS[src.index(len(_POOLS))]
    size = len(pool)
    return [pool[src.index(size)] for _ in range(n)]


def _any_value(src: Source, level: int) -> Any:
    kind = src.index(7 if level < 2 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return src.boolean()
    if kind == 2:
        return src.integer(_INT_MIN, _INT_MAX)
    if kind == 3:
        return _ANY_NUMBER.draw(_Ctx(src, 0, _NO_MATCHER), 0)
    if kind == 4:
        return _plain(src, 0, _NO_MAX)
    if kind == 5:
        return [_any_value(src, level + 1) for _ in range(src.integer(0, 3))]
    out: JSON = {}
    for _ in range(src.integer(0, 3)):
        out[_plain(src, 0, 8)] = _any_value(src, level + 1)
    return out


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _key(value: Any) -> Any:
    """A hashable form under JSON equality: ``1 == 1.0``, ``true != 1``."""
    if isinstance(value, bool) or value is None:
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, list):
        return ("l", tuple(_key(v) for v in value))
    if isinstance(value, dict):
        return ("o", frozenset((k, _key(v)) for k, v in value.items()))
    return ("?", repr(value))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


# --- regular expressions -------------------------------------------------------------------------
# A pattern is parsed with Python's own regex parser (re._parser, once sre_parse) into a small tree
# of literals, character sets, sequences, alternations and repeats, each knowing its shortest and
# longest match, so repeat counts can aim at the length bounds. Every result is still checked with
# re.search, which is what jsonschema and pydantic run.

_sre: Any = importlib.import_module("re._parser")

_LIT, _SET, _SEQ, _ALT, _REP = range(5)


class _CharSet:
    """Code point ranges, drawn uniformly by one integer draw (simplest: the first range's first)."""

    __slots__ = ("ends", "ranges", "total")

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        self.ranges = ranges
        self.ends: list[int] = []
        total = 0
        for lo, hi in ranges:
            total += hi - lo + 1
            self.ends.append(total)
        self.total = total

    def pick(self, src: Source) -> str:
        n = src.index(self.total)
        i = bisect.bisect_right(self.ends, n)
        lo = self.ranges[i][0]
        return chr(lo + n - (self.ends[i - 1] if i else 0))


class _RxNode:
    __slots__ = ("arg", "kind", "maxw", "minw")

    def __init__(self, kind: int, arg: Any, minw: float, maxw: float) -> None:
        self.kind, self.arg, self.minw, self.maxw = kind, arg, minw, maxw


class _Rx:
    __slots__ = ("prefix_ok", "root", "suffix_ok")

    def __init__(self, root: _RxNode, prefix_ok: bool, suffix_ok: bool) -> None:
        # An unanchored pattern matches inside a longer string: padding may go where no anchor is.
        self.root, self.prefix_ok, self.suffix_ok = root, prefix_ok, suffix_ok

    def generate(self, src: Source, lo: int, hi: int) -> str:
        out: list[str] = []
        _rx_gen(self.root, src, lo, hi, out)
        if self.prefix_ok or self.suffix_ok:
            n = min(max(lo - len(out), 0) + src.index(4), hi - len(out))
            if n > 0:
                pad = _chars(src, n)
                out = out + pad if self.suffix_ok else pad + out
        return "".join(out)


class _RxError(Exception):
    pass


@functools.lru_cache(maxsize=512)
def _compile_rx(pattern: str) -> _Rx | str:
    """The pattern's generator, or why it cannot have one."""
    try:
        parsed = _sre.parse(pattern)
        anchors: set[str] = set()
        root = _rx_seq(list(parsed), parsed.state.flags, anchors)
    except (_RxError, re.error) as error:
        return str(error)
    starts = {"AT_BEGINNING", "AT_BEGINNING_STRING"}
    ends = {"AT_END", "AT_END_STRING"}
    return _Rx(root, not anchors & starts, not anchors & ends)


def _rx_seq(items: list[Any], flags: int, anchors: set[str]) -> _RxNode:
    nodes = [_rx_item(op, av, flags, anchors) for op, av in items]
    nodes = [n for n in nodes if not (n.kind == _SEQ and not n.arg)]  # drop zero-width anchors
    if len(nodes) == 1:
        return nodes[0]
    return _RxNode(_SEQ, nodes, sum(n.minw for n in nodes), sum(n.maxw for n in nodes))


def _rx_item(op: Any, av: Any, flags: int, anchors: set[str]) -> _RxNode:
    name = op.name
    if name == "LITERAL":
        return _RxNode(_LIT, chr(av), 1, 1)
    if name in ("NOT_LITERAL", "ANY", "IN"):
        if name == "NOT_LITERAL":
            chars = [c for c in _UNIVERSE if c != chr(av)]
        elif name == "ANY":
            chars = [c for c in _UNIVERSE if c != "\n" or flags & re.DOTALL]
        else:
            charset = _class_set(av)
            if charset is not None:
                return _RxNode(_SET, charset, 1, 1)
            chars = [c for c in _UNIVERSE if _in_class(c, av)]
        if not chars:
            raise _RxError("a character class that matches no character the generator uses")
        return _RxNode(_SET, _CharSet(_ranges_of(chars)), 1, 1)
    if name == "BRANCH":
        branches = [_rx_seq(list(b), flags, anchors) for b in av[1]]
        return _RxNode(_ALT, branches, min(b.minw for b in branches), max(b.maxw for b in branches))
    if name == "SUBPATTERN":
        return _rx_seq(list(av[3]), flags, anchors)
    if name == "ATOMIC_GROUP":
        return _rx_seq(list(av), flags, anchors)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        lo, hi, sub_items = av
        sub = _rx_seq(list(sub_items), flags, anchors)
        top = math.inf if hi == _sre.MAXREPEAT else hi
        maxw = 0 if sub.maxw == 0 else sub.maxw * top
        return _RxNode(_REP, (lo, top, sub), lo * sub.minw, maxw)
    if name == "AT":
        anchors.add(av.name)
        return _RxNode(_SEQ, [], 0, 0)
    if name in ("ASSERT", "ASSERT_NOT"):
        raise _RxError("lookahead/lookbehind assertions are not supported")
    if name in ("GROUPREF", "GROUPREF_EXISTS"):
        raise _RxError("backreferences are not supported")
    raise _RxError(f"the regex construct {name} is not supported")


def _rx_gen(node: _RxNode, src: Source, lo: float, hi: float, out: list[str]) -> None:
    """Append a match of ``node`` to ``out``, aiming at ``lo`` to ``hi`` characters."""
    kind = node.kind
    if kind == _LIT:
        out.append(node.arg)
    elif kind == _SET:
        out.append(node.arg.pick(src))
    elif kind == _SEQ:
        _rx_run(node.arg, src, lo, hi, out)
    elif kind == _ALT:
        fits = [b for b in node.arg if b.minw <= hi and b.maxw >= lo] or node.arg
        _rx_gen(src.choice(fits), src, lo, hi, out)
    else:
        low, top, sub = node.arg
        a, b = sub.minw, sub.maxw
        cmin, cmax = float(low), top
        if a > 0 and math.isfinite(hi):
            cmax = min(cmax, hi // a)
        if lo > 0 and 0 < b < math.inf:
            cmin = max(cmin, math.ceil(lo / b))
        cmax = min(cmax, max(cmin, low + _REP_CAP))
        fewest = int(max(low, min(cmin, cmax)))  # never below the quantifier's own minimum
        count = src.integer(fewest, int(max(fewest, cmax)))
        _rx_run([sub] * count, src, lo, hi, out)


def _rx_run(nodes: list[_RxNode], src: Source, lo: float, hi: float, out: list[str]) -> None:
    """Each node in turn, aiming at the share of ``lo..hi`` that the nodes after it leave."""
    start = len(out)
    rest_min, rest_max = [0.0] * (len(nodes) + 1), [0.0] * (len(nodes) + 1)
    for i in range(len(nodes) - 1, -1, -1):
        rest_min[i] = rest_min[i + 1] + nodes[i].minw
        rest_max[i] = rest_max[i + 1] + nodes[i].maxw
    for i, node in enumerate(nodes):
        done = len(out) - start
        node_lo = max(node.minw, lo - done - rest_max[i + 1])
        node_hi = min(node.maxw, hi - done - rest_min[i + 1])
        _rx_gen(node, src, node_lo, max(node_lo, node_hi), out)


def _ranges_of(chars: list[str]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for c in chars:
        cp = ord(c)
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return ranges


_CATEGORY_RANGES = {
    "CATEGORY_DIGIT": [(0x30, 0x39)],
    "CATEGORY_WORD": [(0x61, 0x7A), (0x41, 0x5A), (0x30, 0x39), (0x5F, 0x5F)],
    "CATEGORY_SPACE": [(0x20, 0x20), (0x09, 0x0D)],
}


def _class_set(items: list[Any]) -> _CharSet | None:
    """A positive class of literals, ranges and \\d \\w \\s as ranges; ``None`` when it needs the universe."""
    ranges: list[tuple[int, int]] = []
    for op, av in items:
        name = op.name
        if name == "LITERAL":
            ranges.append((av, av))
        elif name == "RANGE":
            ranges.append(av)
        elif name == "CATEGORY" and av.name in _CATEGORY_RANGES:
            ranges += _CATEGORY_RANGES[av.name]  # ASCII only: ECMA-262's \d \w, a subset of Python's
        else:
            return None
    clean: list[tuple[int, int]] = []
    for lo, hi in ranges:  # no lone surrogates: they cannot be encoded
        if lo <= 0xDFFF and hi >= 0xD800:
            clean += [r for r in ((lo, 0xD7FF), (0xE000, hi)) if r[0] <= r[1]]
        else:
            clean.append((lo, hi))
    return _CharSet(clean) if clean else None


def _in_class(c: str, items: list[Any]) -> bool:
    """``c`` is in the class by Python's Unicode rules and by ECMA-262's ASCII \\d \\w, so both agree."""
    negate = False
    hit_py = hit_ascii = False
    for op, av in items:
        name = op.name
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            hit_py = hit_ascii = hit_py or c == chr(av)
        elif name == "RANGE":
            hit_py = hit_ascii = hit_py or av[0] <= ord(c) <= av[1]
        elif name == "CATEGORY":
            py, ascii_ = _category(c, av.name)
            hit_py, hit_ascii = hit_py or py, hit_ascii or ascii_
        else:
            raise _RxError(f"the character class item {name} is not supported")
    return (not hit_py and not hit_ascii) if negate else (hit_py and hit_ascii)


def _category(c: str, name: str) -> tuple[bool, bool]:
    negated = "_NOT_" in name
    base = name.replace("_NOT_", "_")
    if base == "CATEGORY_DIGIT":
        py, ascii_ = unicodedata.category(c) == "Nd", "0" <= c <= "9"
    elif base == "CATEGORY_WORD":
        py, ascii_ = c.isalnum() or c == "_", c.isascii() and (c.isalnum() or c == "_")
    elif base == "CATEGORY_SPACE":
        py, ascii_ = c.isspace(), c in " \t\n\r\x0b\x0c"
    else:
        raise _RxError(f"the category {name} is not supported")
    return (not py, not ascii_) if negated else (py, ascii_)


# What a negated class or "." draws from: ASCII first, then a spread of scripts, symbols and emoji.
_UNIVERSE = [
    chr(cp)
    for lo, hi in (
        (0x61, 0x7A),
        (0x41, 0x5A),
        (0x30, 0x39),
        (0x20, 0x2F),
        (0x3A, 0x40),
        (0x5B, 0x60),
        (0x7B, 0x7E),
        (0x09, 0x0A),
        (0xA0, 0x17F),
        (0x391, 0x3A1),
        (0x3B1, 0x3C9),
        (0x410, 0x44F),
        (0x5D0, 0x5EA),
        (0x4E00, 0x4E3F),
        (0x2013, 0x2014),
        (0x20AC, 0x20AC),
        (0x1F600, 0x1F64F),
    )
    for cp in range(lo, hi + 1)
]


# --- formats -------------------------------------------------------------------------------------
# Each makes strings valid for the format and accepted by the pydantic type that emits it
# (datetime, date, time, timedelta, UUID, IPv4Address, AnyUrl/HttpUrl, ...).

_TLDS = ("com", "org", "net", "io", "dev")
_LABEL = "abcdefghijklmnopqrstuvwxyz0123456789"
_SEGMENT = _LABEL + "-._~"


def _label(src: Source, longest: int = 10) -> str:
    n = src.integer(1, longest)
    chars = [_LABEL[src.index(len(_LABEL))] for _ in range(n)]
    if n > 2 and src.index(4) == 3:
        chars[src.integer(1, n - 2)] = "-"
    return "".join(chars)


def _hostname(src: Source) -> str:
    return ".".join([*(_label(src) for _ in range(src.integer(1, 3))), src.choice(_TLDS)])


def _idn_hostname(src: Source) -> str:
    if src.index(3) == 2:
        return f"{src.choice(('bücher', 'münchen', 'пример', 'δοκιμή'))}.{src.choice(_TLDS)}"
    return _hostname(src)


def _email(src: Source) -> str:
    local = _label(src, 12).replace("-", src.choice(("-", ".", "+", "_")))
    return f"{local}@{_hostname(src)}"


def _name_email(src: Source) -> str:
    return f"{_label(src).capitalize()} <{_email(src)}>"


def _segment(src: Source) -> str:
    chars = [_SEGMENT[src.index(len(_SEGMENT))] for _ in range(src.integer(1, 8))]
    if src.index(6) == 5:
        chars.append("%C3%A9")  # a percent-encoded é
    return "".join(chars)


def _uri(src: Source) -> str:
    host = _hostname(src) if src.index(5) < 4 else _ipv4(src)
    port = f":{src.integer(1, 65535)}" if src.index(4) == 3 else ""
    path = "".join("/" + _segment(src) for _ in range(src.integer(0, 3)))
    query = f"?{_segment(src)}={_segment(src)}" if src.index(3) == 2 else ""
    fragment = f"#{_segment(src)}" if src.index(4) == 3 else ""
    return f"{src.choice(('https', 'http'))}://{host}{port}{path}{query}{fragment}"


def _uri_reference(src: Source) -> str:
    kind = src.index(3)
    if kind == 0:
        return _uri(src)
    path = "/".join(_segment(src) for _ in range(src.integer(1, 3)))
    return f"/{path}" if kind == 1 else f"{path}?{_segment(src)}"


def _year(src: Source) -> int:
    return src.integer(1970, 2038) if src.index(3) < 2 else src.integer(1, 9999)


def _days_in(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _date(src: Source) -> str:
    if src.index(6) == 5:  # 29 February
        year = src.choice((1972, 2000, 2024, 2096, 2400))
        return f"{year:04d}-02-29"
    year, month = _year(src), src.integer(1, 12)
    return f"{year:04d}-{month:02d}-{src.integer(1, _days_in(year, month)):02d}"


def _time(src: Source) -> str:
    text = f"{src.integer(0, 23):02d}:{src.integer(0, 59):02d}:{src.integer(0, 59):02d}"
    digits = src.index(3)  # none, milliseconds or microseconds
    if digits:
        width = 3 * digits
        text += f".{src.integer(0, 10**width - 1):0{width}d}"
    kind = src.index(3)
    if kind == 0:
        return text + "Z"
    sign = "-" if src.boolean() else "+"
    minutes = src.choice((0, 30, 45, 59)) if kind == 2 else 0
    return f"{text}{sign}{src.integer(0, 23):02d}:{minutes:02d}"


def _date_time(src: Source) -> str:
    return f"{_date(src)}T{_time(src)}"


def _duration(src: Source) -> str:
    """RFC 3339's duration grammar (units in a run, no fractions), which pydantic's timedelta reads too."""

    def number() -> int:
        return src.integer(0, 99) if src.index(4) < 3 else src.integer(0, 9999)

    def run(units: str) -> str:
        start = src.index(len(units))
        stop = src.integer(start + 1, len(units))
        return "".join(f"{number()}{u}" for u in units[start:stop])

    kind = src.index(3)
    if kind == 2:
        return f"P{number()}W"
    if kind == 1:
        return "PT" + run("HMS")
    text = "P" + _date_run(src, number)
    if src.index(3) == 2:
        text += "T" + run("HMS")
    return text


def _date_run(src: Source, number: Callable[[], int]) -> str:
    # dur-date is D, M[D] or Y[M[D]]: a run ending anywhere but starting at Y, M or D; simplest "0D"
    start = ("D", "M", "Y")[src.index(3)]
    units = {"D": "D", "M": "MD", "Y": "YMD"}[start]
    stop = src.integer(1, len(units))
    return "".join(f"{number()}{u}" for u in units[:stop])


def _uuid(version: int) -> Callable[[Source], str]:
    def make(src: Source) -> str:
        n = src.index(2**128)
        n = (n & ~(0xF << 76)) | (version << 76)  # version nibble
        n = (n & ~(0xC << 60)) | (0x8 << 60)  # RFC 4122 variant
        return str(UUID(int=n))

    return make


def _ipv4(src: Source) -> str:
    return ".".join(str(src.integer(0, 255)) for _ in range(4))


def _ipv6(src: Source) -> str:
    kind = src.index(3)
    if kind == 0:
        return str(ipaddress.IPv6Address(src.integer(0, 0xFFFF)))  # "::", "::1", ...
    if kind == 1:
        return str(ipaddress.IPv6Address(src.index(2**128)))
    return str(ipaddress.IPv6Address((0xFFFF << 32) | src.integer(0, 2**32 - 1)))  # IPv4-mapped


def _ip_any(src: Source) -> str:
    return _ipv6(src) if src.boolean() else _ipv4(src)


def _network(version: int, interface: bool) -> Callable[[Source], str]:
    bits = 32 if version == 4 else 128

    def make(src: Source) -> str:
        prefix = src.integer(0, bits)
        address = src.index(2**bits)
        if interface:
            if version == 4:
                return str(ipaddress.IPv4Interface((address, prefix)))
            return str(ipaddress.IPv6Interface((address, prefix)))
        mask = ((1 << bits) - 1) ^ ((1 << (bits - prefix)) - 1)
        if version == 4:
            return str(ipaddress.IPv4Network((address & mask, prefix)))
        return str(ipaddress.IPv6Network((address & mask, prefix)))

    return make


def _network_any(interface: bool) -> Callable[[Source], str]:
    v4, v6 = _network(4, interface), _network(6, interface)
    return lambda src: v6(src) if src.boolean() else v4(src)


def _json_pointer(src: Source) -> str:
    tokens = ["".join(src.choice("ab~/0") for _ in range(src.integer(0, 3))) for _ in range(src.integer(0, 3))]
    return "".join("/" + _esc(t) for t in tokens)


def _relative_json_pointer(src: Source) -> str:
    return f"{src.integer(0, 3)}{'#' if src.index(3) == 2 else _json_pointer(src)}"


def _base64(urlsafe: bool) -> Callable[[Source], str]:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return lambda src: encode(bytes(src.integer(0, 255) for _ in range(src.integer(0, 12)))).decode("ascii")


_REGEXES = ("", ".*", "^[a-z]+$", "\\d{2,4}", "(ab|cd)*", "[^\\s]+")

_FORMATS: dict[str, Callable[[Source], str]] = {
    "date-time": _date_time,
    "date": _date,
    "time": _time,
    "duration": _duration,
    "email": _email,
    "idn-email": _email,
    "name-email": _name_email,
    "hostname": _hostname,
    "idn-hostname": _idn_hostname,
    "uri": _uri,
    "iri": _uri,
    "uri-reference": _uri_reference,
    "iri-reference": _uri_reference,
    "uuid": _uuid(4),
    **{f"uuid{v}": _uuid(v) for v in range(1, 9)},
    "ipv4": _ipv4,
    "ipv6": _ipv6,
    "ipvanyaddress": _ip_any,
    "ipv4network": _network(4, False),
    "ipv6network": _network(6, False),
    "ipvanynetwork": _network_any(False),
    "ipv4interface": _network(4, True),
    "ipv6interface": _network(6, True),
    "ipvanyinterface": _network_any(True),
    "json-pointer": _json_pointer,
    "relative-json-pointer": _relative_json_pointer,
    "regex": lambda src: src.choice(_REGEXES),
    "byte": _base64(False),
    "base64": _base64(False),
    "base64url": _base64(True),
}
# Formats any string satisfies (pydantic's bytes, SecretStr, Path; OpenAPI's password).
_PLAIN_FORMATS = frozenset({"binary", "password", "path", "text"})


# --- a small validator, for oneOf overlap and enum filtering ------------------------------------


class _Matcher:
    """Checks a value against a schema: ``True``, ``False``, or ``None`` when it cannot tell."""

    def __init__(self, resolve: Callable[[str], Any]) -> None:
        self.resolve = resolve

    def check(self, value: Any, schema: Any, depth: int = 0) -> bool | None:
        if schema is True:
            return True
        if schema is False:
            return False
        if not isinstance(schema, Mapping) or depth > 64:
            return None
        result: bool | None = True
        for key, arg in schema.items():
            outcome = self.keyword(key, arg, value, schema, depth + 1)
            if outcome is False:
                return False
            if outcome is None:
                result = None
        return result

    def keyword(self, key: str, arg: Any, value: Any, schema: Mapping[str, Any], depth: int) -> bool | None:
        if key == "type":
            names = [arg] if isinstance(arg, str) else arg
            return any(_has_type(value, n) for n in names) if isinstance(names, list) else None
        if key == "enum":
            return _key(value) in {_key(v) for v in arg} if isinstance(arg, list) else None
        if key == "const":
            return bool(_key(value) == _key(arg))
        if key == "$ref":
            try:
                return self.check(value, self.resolve(arg), depth)
            except LookupError:
                return None
        if key in ("allOf", "anyOf", "oneOf"):
            if not isinstance(arg, list):
                return None
            outcomes = [self.check(value, s, depth) for s in arg]
            if key == "allOf":
                return _all(outcomes)
            if key == "anyOf":
                return True if True in outcomes else (False if None not in outcomes else None)
            return None if None in outcomes else outcomes.count(True) == 1
        if key in _UNSUPPORTED:
            return None
        if isinstance(value, dict):
            return self.object_keyword(key, arg, value, schema, depth)
        if isinstance(value, list):
            return self.array_keyword(key, arg, value, schema, depth)
        if isinstance(value, str):
            return _string_keyword(key, arg, value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _number_keyword(key, arg, value, schema)
        return True

    def object_keyword(self, key: str, arg: Any, value: JSON, schema: Mapping[str, Any], depth: int) -> bool | None:
        if key == "properties" and isinstance(arg, Mapping):
            return _all([self.check(value[n], s, depth) for n, s in arg.items() if n in value])
        if key == "required" and isinstance(arg, list):
            return all(n in value for n in arg)
        if key == "additionalProperties":
            if "patternProperties" in schema:
                return None
            declared = schema.get("properties", {})
            return _all([self.check(v, arg, depth) for n, v in value.items() if n not in declared])
        if key == "minProperties":
            return bool(len(value) >= arg)
        if key == "maxProperties":
            return bool(len(value) <= arg)
        return True

    def array_keyword(self, key: str, arg: Any, value: list[Any], schema: Mapping[str, Any], depth: int) -> bool | None:
        if key == "prefixItems" and isinstance(arg, list):
            return _all([self.check(v, s, depth) for v, s in zip(value, arg, strict=False)])
        if key == "items":
            if isinstance(arg, list):
                return None
            prefix = schema.get("prefixItems")
            rest = value[len(prefix) :] if isinstance(prefix, list) else value
            return _all([self.check(v, arg, depth) for v in rest])
        if key == "minItems":
            return bool(len(value) >= arg)
        if key == "maxItems":
            return bool(len(value) <= arg)
        if key == "uniqueItems":
            return not arg or len({_key(v) for v in value}) == len(value)
        return True


def _all(outcomes: list[bool | None]) -> bool | None:
    return False if False in outcomes else (None if None in outcomes else True)


def _has_type(value: Any, name: str) -> bool:
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return _json_type(value) == name


def _string_keyword(key: str, arg: Any, value: str) -> bool | None:
    if key == "minLength":
        return bool(len(value) >= arg)
    if key == "maxLength":
        return bool(len(value) <= arg)
    if key == "pattern":
        try:
            return re.search(arg, value) is not None
        except (re.error, TypeError):
            return None
    if key == "format":
        return _format_ok(arg, value)
    return True


def _format_ok(name: Any, value: str) -> bool | None:
    if name in _PLAIN_FORMATS:
        return True
    try:
        if name == "date":
            return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)) and bool(date.fromisoformat(value))
        if name == "date-time":
            return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})", value)) and bool(
                datetime.fromisoformat(value)
            )
        if name == "uuid":
            return bool(UUID(value)) and all(value[i] == "-" for i in (8, 13, 18, 23))
        if name == "ipv4":
            return bool(ipaddress.IPv4Address(value))
        if name == "ipv6":
            return bool(ipaddress.IPv6Address(value))
        if name == "email":
            return "@" in value
    except (ValueError, IndexError):
        return False
    return None


def _number_keyword(key: str, arg: Any, value: float, schema: Mapping[str, Any]) -> bool | None:
    if key in _NUMBER_KW and isinstance(arg, bool):
        return True  # a draft-4 boolean exclusive bound: read beside minimum/maximum
    if key in _NUMBER_KW and not _both_numbers(arg, value):
        return None
    if key == "minimum":
        return bool(value > arg if schema.get("exclusiveMinimum") is True else value >= arg)
    if key == "maximum":
        return bool(value < arg if schema.get("exclusiveMaximum") is True else value <= arg)
    if key == "exclusiveMinimum":
        return bool(value > arg)
    if key == "exclusiveMaximum":
        return bool(value < arg)
    if key == "multipleOf":
        return _is_multiple(value, arg)
    return True


_NO_MATCHER = _Matcher(lambda ref: {})
_ANY_NUMBER = _Num("#", -_FLOAT_MAX, _FLOAT_MAX, None)
