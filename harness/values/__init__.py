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

The package, a module a part: `_sources` (draws), `_api` (the entry points), `_vocabulary` (keywords),
`_openapi` (Gemini's dialect), `_compiler` (schema to nodes), `_nodes` (drawing), `_numbers`,
`_strings`, `_regex` (pattern strings), `_formats` and `_matcher` (a small validator for oneOf overlap and
enum filtering).
"""

from harness.values._api import ValueGenerator, values_for
from harness.values._common import UnsatisfiableSchema
from harness.values._openapi import as_json_schema
from harness.values._sources import HypothesisSource, RandomSource, Source

__all__ = [
    "HypothesisSource",
    "RandomSource",
    "Source",
    "UnsatisfiableSchema",
    "ValueGenerator",
    "as_json_schema",
    "values_for",
]
