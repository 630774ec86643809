"""A generator of strings that match a regular expression (the subset JSON Schema patterns use)."""

from __future__ import annotations

import bisect
import functools
import importlib
import math
import re
import unicodedata
from typing import Any

from harness.values._common import _REP_CAP
from harness.values._sources import Source
from harness.values._strings import _chars

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
