"""Hypothesis strategies for tool models and their answers: the conformance check's inputs.

`union_schemas` draws a `UnionSchema`, several pydantic models with distinct tool names,
whose `UnionSchema.response_model` is ``Iterable[A | B | ...]``; `instances` draws a list
of instances of them, the parallel tool calls a provider would answer with. `models` draws single
models. Each field's annotation is drawn together with a strategy for its values, so every instance is
valid by construction and round-trips through JSON (see `FEATURES` for what can be exercised).

``UnionSchema.source()`` and `model_source` give pasteable Python for a drawn schema, which is also
what a Hypothesis failure report shows.

Features (``features=None`` enables all; given features are the only ones used, and every field of every
drawn model exercises one of them, or every model when only naming features are given):

- scalars with hard values: ``strings`` (unicode, emoji, combining marks, "", surrounding whitespace),
  ``integers`` (within +-(2**53 - 1)), ``large_integers`` (beyond 2**53: JSON doubles lose them),
  ``floats`` (finite only, whole numbers such as 3.0, -0.0, subnormals), ``booleans``;
- formats: ``date``, ``datetime`` (naive, Z and whole-minute offsets), ``time``, ``timedelta``, ``uuid``,
  ``decimal``;
- constraints: ``string_length``, ``string_pattern``, ``integer_bounds``, ``exclusive_bounds``,
  ``multiple_of``;
- choices: ``str_enum``, ``int_enum``, ``literal_strings``, ``literal_integers``, ``literal_bool``,
  ``literal_mixed``;
- containers: ``lists``, ``list_length``, ``dicts``, ``tuples``;
- structure: ``nested_models``, ``union_fields``, ``discriminated_unions``, ``recursive_models``;
- optionality: ``nullable`` (``T | None``, required), ``omittable`` (``T = default``),
  ``nullable_omittable`` (``T | None = None``), ``defaults`` (list and dict defaults and factories);
- naming: ``titled_models``, ``aliases``, ``keyword_names``, ``descriptions``;
- answers: ``repeated_calls`` (the same tool more than once in one answer).

Without a type feature enabled, fields are plain ``str``/``int``/``float``/``bool`` with simple values, so
a cell for one feature fails only because of that feature.
"""

from __future__ import annotations

from harness.strategies._core import UnionSchema, instances, model_source, models, union_schemas
from harness.strategies._features import FEATURES

__all__ = ["FEATURES", "UnionSchema", "instances", "model_source", "models", "union_schemas"]
