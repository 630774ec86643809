"""Shared types, limits and the error every part of the generator raises."""

from __future__ import annotations

from typing import Any, TypeVar

from harness.errors import HarnessError

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
