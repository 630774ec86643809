"""What OpenAI's two APIs (Chat Completions and Responses) share: clients, names, schema rules."""

from __future__ import annotations

import re
from abc import ABC
from typing import Any

from harness.providers._base import Provider, SDKClient
from harness.providers._schema import SchemaRules

TOOL_NAME_PATTERN = re.compile(r"[a-zA-Z0-9_-]{1,64}")
TOOL_NAME_RULE = "1 to 64 of a-z, A-Z, 0-9, '_' and '-'"

# Non-strict: the schema is a hint the API does not enforce, so pydantic's schema goes as it is.
RULES = SchemaRules(provider="openai")

# Strict (structured outputs) accepts a subset of JSON schema; see docs/providers/openai.md.
STRICT_RULES = SchemaRules(
    provider="openai (strict)",
    allowed=frozenset(
        {
            "type",
            "properties",
            "required",
            "additionalProperties",
            "items",
            "anyOf",
            "enum",
            "const",
            "$ref",
            "$defs",
            "description",
            "title",
            "pattern",
            "format",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "minItems",
            "maxItems",
        }
    ),
    described=frozenset(
        {"minLength", "maxLength", "uniqueItems", "default", "examples", "minProperties", "maxProperties"}
    ),
    unsupported={
        "prefixItems": "a tuple (fixed positions in an array)",
        "allOf": "an intersection of schemas",
        "not": "a negated schema",
        "if": "a conditional schema",
        "patternProperties": "pattern-keyed properties",
    },
    formats=frozenset({"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"}),
    one_of_as_any_of=True,
    no_ref_siblings=True,
    closed_objects=True,
    all_required=True,
    typed=True,
)


class OpenAIProvider(Provider, ABC):
    """Clients, tool names and schema rules shared by Chat Completions and Responses."""

    tool_name_pattern = TOOL_NAME_PATTERN
    tool_name_rule = TOOL_NAME_RULE
    rules = RULES
    strict_rules = STRICT_RULES

    def default_client(self, *, async_client: bool, **sdk_kwargs: Any) -> SDKClient:
        import openai

        if async_client:
            return SDKClient(openai.AsyncOpenAI(**sdk_kwargs), is_async=True)
        return SDKClient(openai.OpenAI(**sdk_kwargs), is_async=False)

    def wrap_client(self, client: Any, *, async_client: bool) -> SDKClient:
        import openai

        if isinstance(client, openai.AsyncOpenAI):
            return SDKClient(client, is_async=True)
        if isinstance(client, openai.OpenAI):
            return SDKClient(client, is_async=False)
        raise TypeError(
            f"{self.name} needs an openai.OpenAI or openai.AsyncOpenAI client, got {type(client).__qualname__}"
        )
