"""Compiled nodes: one per schema location, each drawing its values from a `Source`."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from harness.values._common import (
    _FLOAT_MAX,
    _INT_MAX,
    _INT_MIN,
    _LIST_CAPS,
    _NO_MAX,
    _TRIES,
    JSON,
    UnsatisfiableSchema,
)
from harness.values._matcher import _Matcher
from harness.values._numbers import _ceil_div, _floor_div, _is_multiple
from harness.values._regex import _Rx
from harness.values._sources import Source
from harness.values._strings import _copy, _key, _plain


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


_NO_MATCHER = _Matcher(lambda ref: {})
_ANY_NUMBER = _Num("#", -_FLOAT_MAX, _FLOAT_MAX, None)
