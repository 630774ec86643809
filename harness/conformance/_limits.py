"""The limits registry: what a provider cannot express, with the reason and where it is documented.

A sent schema that admits values the model rejects is a ``fail`` unless every rejection is listed here
for that provider: then the cell is ``lossy`` (the constraint travels in the description and pydantic
enforces it on the way back). Entries match pydantic's error types, so what is listed is exactly
what was observed. Like langchain-tests' explained ``xfail``, no opt-out goes without its source.
"""

from __future__ import annotations

import decimal
import functools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema
import referencing.exceptions

from harness.providers._compatible import PROFILES
from harness.values import as_json_schema

GEMINI_SCHEMA = "https://ai.google.dev/api/caching#Schema"
VERTEX_SCHEMA = "https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.cachedContents#Schema"
#: Both Schema references, and what they leave out, each its own source.
GEMINI_SOURCES = (
    GEMINI_SCHEMA,
    VERTEX_SCHEMA,
    "Schema fields: no minLength, maxLength, pattern, exclusive bounds or multipleOf for function parameters",
)
GEMINI_FORMATS = (
    GEMINI_SCHEMA,
    VERTEX_SCHEMA,
    "format: documented for NUMBER (float, double), INTEGER (int32, int64) and STRING (enum, date-time; Vertex AI: "
    "email, byte, etc.): other string formats are not enforced",
)
GEMINI_ENUMS = (
    "https://ai.google.dev/api/generate-content#FIELDS.response_json_schema",
    GEMINI_SCHEMA,
    "enum: 'for strings and numbers' (parametersJsonSchema); a list of strings for STRING or INTEGER (parameters): "
    "no boolean enum",
)
OPENAI_STRICT = ("https://platform.openai.com/docs/guides/structured-outputs#supported-schemas",)
ANTHROPIC_STRICT = ("https://docs.anthropic.com/en/docs/build-with-claude/structured-outputs#json-schema-limitations",)

#: pydantic's error for a Literal of booleans given the other boolean, as `._oracle.pydantic_reading`
#: names it: a boolean enum is a limit where a string enum is not.
BOOLEAN_LITERAL_ERROR = "literal_error:boolean"


@dataclass(frozen=True)
class Limit:
    """One thing a provider (in one mode) cannot express."""

    providers: frozenset[str]
    #: The JSON-schema keywords concerned.
    keywords: tuple[str, ...]
    #: pydantic error types a value breaking the lost constraint raises.
    errors: frozenset[str]
    reason: str
    #: Each one URL or one note, never several in one string.
    sources: tuple[str, ...]

    @property
    def source(self) -> str:
        """The sources as one string, for readers of the single ``source`` field."""
        return " ; ".join(self.sources)


def _limit(providers: str, keywords: str, errors: str, reason: str, sources: tuple[str, ...]) -> Limit:
    return Limit(frozenset(providers.split()), tuple(keywords.split()), frozenset(errors.split()), reason, sources)


_GOOGLE = "google vertexai"
_OPENAI_STRICT = "openai+strict openai-responses+strict"

LIMITS: tuple[Limit, ...] = (
    _limit(
        _GOOGLE,
        "minLength maxLength",
        "string_too_short string_too_long",
        "Gemini's function schema has no string length bounds",
        GEMINI_SOURCES,
    ),
    _limit(_GOOGLE, "pattern", "string_pattern_mismatch", "Gemini's function schema has no pattern", GEMINI_SOURCES),
    _limit(
        _GOOGLE,
        "pattern",
        "decimal_parsing",
        "Gemini's function schema has no pattern, so a Decimal's string branch admits any string",
        GEMINI_SOURCES,
    ),
    _limit(
        _GOOGLE,
        "format",
        "date_from_datetime_parsing time_parsing time_delta_parsing uuid_parsing url_parsing url_scheme",
        "Gemini's function schema documents no date, time, duration, uuid or uri format for strings (only enum "
        "and date-time): the format is not enforced",
        GEMINI_FORMATS,
    ),
    _limit(
        _GOOGLE,
        "enum const",
        BOOLEAN_LITERAL_ERROR,
        "Gemini's function schema takes enums of strings and numbers only: a Literal of booleans is a plain boolean",
        GEMINI_ENUMS,
    ),
    _limit(
        _GOOGLE,
        "exclusiveMinimum exclusiveMaximum",
        "greater_than less_than",
        "Gemini's function schema has inclusive bounds only",
        GEMINI_SOURCES,
    ),
    _limit(_GOOGLE, "multipleOf", "multiple_of", "Gemini's function schema has no multipleOf", GEMINI_SOURCES),
    _limit(
        _OPENAI_STRICT,
        "minLength maxLength",
        "string_too_short string_too_long",
        "strict structured outputs take no string length bounds",
        OPENAI_STRICT,
    ),
    _limit(
        _OPENAI_STRICT,
        "format",
        "url_parsing url_scheme",
        "strict structured outputs take the formats date-time, time, date, duration, email, hostname, ipv4, ipv6 "
        "and uuid only: a uri is not enforced",
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
    # The OpenAI-compatible servers' strict modes, from their profiles (harness/providers/_compatible.py).
    *(
        _limit(f"{profile.prefix}+strict", keywords, errors, reason, (profile.sources["strict"],))
        for profile in PROFILES.values()
        for keywords, errors, reason in profile.strict_limits
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
        ("https://protobuf.dev/reference/protobuf/google.protobuf/#value", "number_value is a double"),
    ),
)


def limits_for(provider: str, errors: Iterable[str]) -> list[Limit] | None:
    """The entries that explain every error type for ``provider``, or ``None`` if one is not listed.

    An API routed elsewhere has its wire's limits (``azure+strict`` those of ``openai+strict``)."""
    from harness.providers import get_provider

    prefix, strict, _ = provider.partition("+")
    provider = get_provider(prefix).wire + strict + _
    found: list[Limit] = []
    for error in errors:
        entry = next((limit for limit in LIMITS if provider in limit.providers and error in limit.errors), None)
        if entry is None:
            return None
        if entry not in found:
            found.append(entry)
    return found


#: For each pydantic error type: the sent-schema keywords that would have refused such a value, and the kind
#: of JSON value that can raise it ("string", "number", "scalar", "array", "object").
_REFUSED_BY: dict[str, tuple[tuple[str, ...], str]] = {
    "string_pattern_mismatch": (("pattern",), "string"),
    "decimal_parsing": (("pattern",), "string"),
    "string_too_short": (("minLength",), "string"),
    "string_too_long": (("maxLength",), "string"),
    "date_from_datetime_parsing": (("format",), "string"),
    "datetime_from_date_parsing": (("format",), "string"),
    "time_parsing": (("format",), "string"),
    "time_delta_parsing": (("format",), "string"),
    "uuid_parsing": (("format",), "string"),
    "url_parsing": (("format",), "string"),
    "url_scheme": (("format",), "string"),
    "greater_than": (("exclusiveMinimum",), "number"),
    "greater_than_equal": (("minimum",), "number"),
    "less_than": (("exclusiveMaximum",), "number"),
    "less_than_equal": (("maximum",), "number"),
    "multiple_of": (("multipleOf",), "number"),
    "finite_number": (("maximum", "minimum"), "number"),
    # JSON Schema has no digit counts: on a Decimal's number branch only multipleOf and bounds come near.
    "decimal_max_places": (("multipleOf",), "number"),
    "decimal_max_digits": (("multipleOf", "maximum", "minimum"), "number"),
    "decimal_whole_digits": (("maximum", "minimum"), "number"),
    "literal_error": (("enum", "const"), "scalar"),
    BOOLEAN_LITERAL_ERROR: (("enum", "const"), "scalar"),
    "enum": (("enum", "const"), "scalar"),
    "too_short": (("minItems",), "array"),
    "too_long": (("maxItems",), "array"),
    "extra_forbidden": (("additionalProperties",), "object"),
    "missing": (("required",), "object"),
}


def looseness(schema: Mapping[str, Any], value: Any, errors: Sequence[str], *, dialect: str = "json-schema") -> str:
    """What in the sent ``schema`` let ``value`` through although pydantic rejects it with ``errors``: the
    keyword, where it stands and its value (``properties.price.anyOf[1].pattern '^...$' admits '1.'``),
    for a ``looser`` failure's reason; ``""`` when it cannot tell.

    ``value`` is walked beside the schema (through ``$ref`` and into the ``anyOf`` branch that admits
    it); the first part of it that could raise one of ``errors`` names the schema node that admitted it.
    """
    document = as_json_schema(dict(schema), dialect=dialect)
    if not isinstance(document, dict):
        return ""
    defs = {**document.get("definitions", {}), **document.get("$defs", {})}
    places = list(_admitted(document, value, "", defs, 0, ()))
    for error in errors:
        keywords, kind = _REFUSED_BY.get(error, ((), ""))
        found = [(path, node, part) for path, node, part, union in places if _could_raise(error, kind, part, union)]
        if keywords and found:
            path, node, part = found[0]
            return _named(path, node, keywords, part)
    return ""


def _admitted(
    node: Any, value: Any, path: str, defs: Mapping[str, Any], depth: int, union: Sequence[Any]
) -> Iterator[tuple[str, Any, Any, Sequence[Any]]]:
    """``(path, schema node, part of value, the union the node is a branch of)`` for ``value`` and each part
    of it, the innermost node first."""
    if depth > 64 or not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.rsplit("/", 1)[-1] in defs:
        name = ref.rsplit("/", 1)[-1]
        yield from _admitted(defs[name], value, f"$defs.{name}", defs, depth + 1, union)
        return
    for key in ("anyOf", "oneOf"):
        found = node.get(key)
        branches: list[Any] = found if isinstance(found, list) else []
        for i, branch in enumerate(branches):
            if _admits(branch, value, defs):
                yield from _admitted(branch, value, _join(path, f"{key}[{i}]"), defs, depth + 1, branches)
                break
    if isinstance(value, dict):
        properties = node.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        extra = node.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                yield from _admitted(properties[key], item, _join(path, f"properties.{key}"), defs, depth + 1, ())
            elif isinstance(extra, dict):
                yield from _admitted(extra, item, _join(path, "additionalProperties"), defs, depth + 1, ())
    elif isinstance(value, list):
        positions = node.get("prefixItems")
        positions = positions if isinstance(positions, list) else []
        for i, item in enumerate(value):
            sub, where = (positions[i], f"prefixItems[{i}]") if i < len(positions) else (node.get("items"), "items")
            yield from _admitted(sub, item, _join(path, where), defs, depth + 1, ())
    if "anyOf" not in node and "oneOf" not in node:
        yield path, node, value, union


def _admits(branch: Any, value: Any, defs: Mapping[str, Any]) -> bool:
    document = {**branch, "$defs": dict(defs)} if isinstance(branch, dict) else branch
    try:
        return bool(_validator(json.dumps(document, sort_keys=True, default=str)).is_valid(value))
    except (jsonschema.exceptions.SchemaError, jsonschema.exceptions.UnknownType, referencing.exceptions.Unresolvable):
        return False


@functools.lru_cache(maxsize=256)
def _validator(text: str) -> Any:
    schema = json.loads(text)
    return jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)(schema)


def _is_kind(part: Any, kind: str) -> bool:
    """Whether ``part`` is the kind of JSON value (``_REFUSED_BY``) an error can be raised on."""
    if kind == "scalar":
        return not isinstance(part, (dict, list))
    if kind == "number":
        return isinstance(part, (int, float)) and not isinstance(part, bool)
    return isinstance(part, {"string": str, "array": list, "object": dict}.get(kind, ()))


def _could_raise(error: str, kind: str, part: Any, union: Sequence[Any]) -> bool:
    """Whether ``part`` can be what pydantic rejected with ``error`` (so a valid neighbour is not named)."""
    if not _is_kind(part, kind):
        return False
    if error == "decimal_parsing":
        # A Decimal is the string branch beside a number branch; its value is no decimal number.
        if not any(isinstance(b, dict) and b.get("type") == "number" for b in union):
            return False
        try:
            return not decimal.Decimal(part.strip().replace("_", "")).is_finite()
        except (decimal.InvalidOperation, ValueError):
            return True
    if error == BOOLEAN_LITERAL_ERROR:
        return isinstance(part, bool)
    return True


def _named(path: str, node: Any, keywords: tuple[str, ...], part: Any) -> str:
    where = path or "(root)"
    admits = f"admits {_short(part)}"
    for keyword in keywords:
        if isinstance(node, dict) and keyword in node:
            return f"{_join(path, keyword)} {_short(node[keyword])} {admits}"
    names = "/".join(keywords)
    kind = node.get("type") if isinstance(node, dict) else None
    if kind == "number" and keywords[0] == "multipleOf":
        return f"{where} {_short(node)} (a Decimal's number branch) has no {names}, so no decimal places: {admits}"
    return f"{where} {_short(node)} has no {names}: {admits}"


def _join(path: str, step: str) -> str:
    return f"{path}.{step}" if path else step


def _short(value: Any) -> str:
    text = (
        json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        if not isinstance(value, str)
        else repr(value)
    )
    return text if len(text) <= 120 else text[:117] + "..."
