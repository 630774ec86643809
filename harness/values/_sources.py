"""Sources of draws: seeded (`RandomSource`) or Hypothesis's (`HypothesisSource`), each decision one draw."""

from __future__ import annotations

import importlib
import math
import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from harness.values._common import _FLOAT_MAX, T, UnsatisfiableSchema


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
