"""The feature catalogue: every name ``features=`` accepts, grouped by where it acts."""

from __future__ import annotations

from collections.abc import Collection

from hypothesis.errors import InvalidArgument

# A leaf feature is a field type on its own (``datetime``, ``Literal["a", 1]``, ``int | str``).
SCALARS = ("strings", "integers", "large_integers", "floats", "booleans")
FORMATS = ("date", "datetime", "time", "timedelta", "uuid", "decimal")
CONSTRAINTS = ("string_length", "string_pattern", "integer_bounds", "exclusive_bounds", "multiple_of")
CHOICES = ("str_enum", "int_enum", "literal_strings", "literal_integers", "literal_bool", "literal_mixed")
# A wrapper feature builds a type around inner types (``list[T]``, a nested model of several fields).
CONTAINERS = ("lists", "list_length", "dicts", "tuples")
STRUCTURE = ("nested_models", "union_fields", "discriminated_unions", "recursive_models")
# Optionality says whether a field is required, nullable or has a default.
OPTIONALITY = ("nullable", "omittable", "nullable_omittable", "defaults")
# Model-level features change names and documentation, not types.
NAMING = ("titled_models", "aliases", "keyword_names", "descriptions")
# Answer-level features act on the list of instances, not on the models.
ANSWER = ("repeated_calls",)

FEATURES: tuple[str, ...] = (
    *SCALARS,
    *FORMATS,
    *CONSTRAINTS,
    *CHOICES,
    *CONTAINERS,
    *STRUCTURE,
    *OPTIONALITY,
    *NAMING,
    *ANSWER,
)

LEAF = frozenset((*SCALARS, *FORMATS, *CONSTRAINTS, *CHOICES, "union_fields"))
WRAPPER = frozenset(
    ("lists", "list_length", "dicts", "tuples", "nested_models", "discriminated_unions", "recursive_models")
)
FIELD_LEVEL = LEAF | WRAPPER | frozenset(OPTIONALITY)
MODEL_LEVEL = frozenset(NAMING)

assert len(set(FEATURES)) == len(FEATURES)
assert FIELD_LEVEL | MODEL_LEVEL | frozenset(ANSWER) == frozenset(FEATURES)


def resolve(features: Collection[str] | None) -> frozenset[str]:
    """The enabled set for ``features=``: all of them for ``None``; raises InvalidArgument on a bad value."""
    if features is None:
        return frozenset(FEATURES)
    if isinstance(features, str | bytes) or not isinstance(features, Collection):
        raise InvalidArgument(
            f"features={features!r} must be a collection of feature names such as ['nullable'], or None for all"
        )
    unknown = [name for name in features if name not in FEATURES]
    if unknown:
        raise InvalidArgument(
            f"features={list(features)!r} contains unknown feature name(s) {unknown!r}; "
            f"valid names are {', '.join(FEATURES)}"
        )
    return frozenset(features)


def in_order(features: Collection[str]) -> list[str]:
    """``features`` in catalogue order (for reprs and deterministic draws)."""
    return [name for name in FEATURES if name in features]
