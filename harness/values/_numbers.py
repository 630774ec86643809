"""Number helpers: multiples and bounds, exact where floats are not."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any


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


def _both_numbers(a: Any, b: Any) -> bool:
    return all(isinstance(x, int | float) and not isinstance(x, bool) for x in (a, b))
