"""The public entry points: `values_for` and `ValueGenerator`, over compiled (and cached) schemas."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from harness.values._compiler import _Compiler
from harness.values._nodes import _blame, _Ctx
from harness.values._openapi import as_json_schema
from harness.values._sources import Source


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
