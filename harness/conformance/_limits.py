"""The limits registry: what a provider cannot express, with the reason and where it is documented.

A sent schema that admits values the model rejects is a ``fail`` unless every rejection is listed here
for that provider: then the cell is ``lossy`` (the constraint travels in the description and pydantic
enforces it on the way back). Entries match pydantic's error types, so what is listed is exactly
what was observed. Like langchain-tests' explained ``xfail``, no opt-out goes without its source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GEMINI_SCHEMA = (
    "https://ai.google.dev/api/caching#Schema (Schema fields: no minLength, maxLength, pattern, exclusive "
    "bounds or multipleOf for function parameters); "
    "https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.cachedContents#Schema"
)
OPENAI_STRICT = "https://platform.openai.com/docs/guides/structured-outputs#supported-schemas"
ANTHROPIC_STRICT = "https://docs.anthropic.com/en/docs/build-with-claude/structured-outputs#json-schema-limitations"


@dataclass(frozen=True)
class Limit:
    """One thing a provider (in one mode) cannot express."""

    providers: frozenset[str]
    #: The JSON-schema keywords concerned.
    keywords: tuple[str, ...]
    #: pydantic error types a value breaking the lost constraint raises.
    errors: frozenset[str]
    reason: str
    source: str


def _limit(providers: str, keywords: str, errors: str, reason: str, source: str) -> Limit:
    return Limit(frozenset(providers.split()), tuple(keywords.split()), frozenset(errors.split()), reason, source)


_GOOGLE = "google vertexai"
_OPENAI_STRICT = "openai+strict openai-responses+strict"

LIMITS: tuple[Limit, ...] = (
    _limit(
        _GOOGLE,
        "minLength maxLength",
        "string_too_short string_too_long",
        "Gemini's function schema has no string length bounds",
        GEMINI_SCHEMA,
    ),
    _limit(
        _GOOGLE,
        "pattern",
        "string_pattern_mismatch decimal_parsing",
        "Gemini's function schema has no pattern (a Decimal's string form included)",
        GEMINI_SCHEMA,
    ),
    _limit(
        _GOOGLE,
        "exclusiveMinimum exclusiveMaximum",
        "greater_than less_than",
        "Gemini's function schema has inclusive bounds only",
        GEMINI_SCHEMA,
    ),
    _limit(_GOOGLE, "multipleOf", "multiple_of", "Gemini's function schema has no multipleOf", GEMINI_SCHEMA),
    _limit(
        _OPENAI_STRICT,
        "minLength maxLength",
        "string_too_short string_too_long",
        "strict structured outputs take no string length bounds",
        OPENAI_STRICT,
    ),
    _limit(
        _OPENAI_STRICT,
        "uniqueItems",
        "set_type too_short",
        "strict structured outputs take no uniqueItems",
        OPENAI_STRICT,
    ),
    _limit(
        "anthropic+strict",
        "minimum maximum exclusiveMinimum exclusiveMaximum",
        "greater_than greater_than_equal less_than less_than_equal",
        "strict tool use takes no numeric bounds",
        ANTHROPIC_STRICT,
    ),
    _limit("anthropic+strict", "multipleOf", "multiple_of", "strict tool use takes no multipleOf", ANTHROPIC_STRICT),
    _limit(
        "anthropic+strict",
        "minLength maxLength",
        "string_too_short string_too_long",
        "strict tool use takes no string length bounds",
        ANTHROPIC_STRICT,
    ),
    _limit(
        "anthropic+strict",
        "minItems maxItems",
        "too_short too_long",
        "strict tool use takes minItems of 0 or 1 only, and no maxItems",
        ANTHROPIC_STRICT,
    ),
)

#: Losses inside the provider itself, which a run over HTTP cannot see; listed for the report's readers.
PROVIDER_LOSSES: tuple[Limit, ...] = (
    _limit(
        _GOOGLE,
        "integer",
        "",
        "Gemini decodes function-call arguments as protobuf Struct values (doubles): integers beyond 2**53 "
        "come back rounded",
        "https://protobuf.dev/reference/protobuf/google.protobuf/#value (number_value is a double)",
    ),
)


def limits_for(provider: str, errors: Iterable[str]) -> list[Limit] | None:
    """The entries that explain every error type for ``provider``, or ``None`` if one is not listed."""
    found: list[Limit] = []
    for error in errors:
        entry = next((limit for limit in LIMITS if provider in limit.providers and error in limit.errors), None)
        if entry is None:
            return None
        if entry not in found:
            found.append(entry)
    return found


def looseness(schema: Mapping[str, Any], value: Any, errors: Sequence[str], *, dialect: str = "json-schema") -> str:
    """What in the sent ``schema`` let ``value`` through although pydantic rejects it with ``errors``: the
    keyword, where it stands and its value (``properties.price.anyOf[1].pattern '^...$' admits '1.'``),
    for a ``looser`` failure's reason; ``""`` when it cannot tell."""
    return ""
