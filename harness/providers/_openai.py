"""What OpenAI's two APIs (Chat Completions and Responses) share: clients, names, schema rules."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from typing import Any

from harness.providers._answers import Where, get
from harness.providers._base import Provider, ReceivedRequest, SDKClient, Usage
from harness.providers._fields import bearer_token
from harness.providers._rejections import Rejection, RejectionRule
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

    #: The SDK clients `wrap_client` takes, in words, for its error.
    client_kinds = "an openai.OpenAI or openai.AsyncOpenAI client"

    def wrap_client(self, client: Any, *, async_client: bool) -> SDKClient:
        import openai

        if isinstance(client, openai.AsyncOpenAI):
            return SDKClient(client, is_async=True)
        if isinstance(client, openai.OpenAI):
            return SDKClient(client, is_async=False)
        raise TypeError(f"{self.name} needs {self.client_kinds}, got {type(client).__qualname__}")

    def is_api_error(self, exc: BaseException) -> bool:
        import openai

        return isinstance(exc, openai.APIError)

    # --- sending: the HTTP exchange apart from decoding its answer -----------------------
    @abstractmethod
    def resource(self, client: Any) -> Any:
        """The SDK resource whose ``create`` this API calls (``client.chat.completions``, ``client.responses``)."""

    def send(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any:
        return self.decoded(self.resource(client).with_raw_response.create(**request, stream=stream))

    async def send_async(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any:
        return self.decoded(await self.resource(client).with_raw_response.create(**request, stream=stream))

    def decoded(self, raw: Any) -> Any:
        """The SDK object of a raw answer (a stream for ``stream=True``, decoded as it is read).

        A body the SDK cannot decode (cut, empty, not UTF-8, nested too deeply, an integer too long) is a
        malformed answer, not the SDK's ``JSONDecodeError`` or ``RecursionError``; request errors (bad
        keyword arguments) and the SDK's API errors are raised before this and pass as they are.
        """
        try:
            return raw.parse()
        except Exception as exc:
            if self.is_api_error(exc):
                raise
            raise self.unreadable(exc, "the answer") from exc


def read_usage(raw: Any, where: Where, input_field: str, output_field: str) -> Usage | None:
    """Token counts of a usage object; absent usage is ``None``, a count that is not a count is malformed."""
    if raw is None:
        return None
    usage = where.obj(raw)
    input_tokens, output_tokens, total = (
        where.at(name).count(get(usage, name)) for name in (input_field, output_field, "total_tokens")
    )
    return Usage(input_tokens, output_tokens, total or input_tokens + output_tokens, usage)


# --- the emulator's side: what both APIs share in requests and errors ----------------------------

#: (type, code) by HTTP status, as the API sends them; other 4xx are invalid requests, other 5xx server errors.
ERROR_TYPES: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    429: ("requests", "rate_limit_exceeded"),
}
#: A ``kind`` that names a code rather than a type takes the type the API pairs it with.
ERROR_KINDS: dict[str, tuple[str, str | None]] = {
    "invalid_api_key": ("invalid_request_error", "invalid_api_key"),
    "model_not_found": ("invalid_request_error", "model_not_found"),
    "context_length_exceeded": ("invalid_request_error", "context_length_exceeded"),
    "rate_limit_exceeded": ("requests", "rate_limit_exceeded"),
    "requests": ("requests", "rate_limit_exceeded"),
    "tokens": ("tokens", "rate_limit_exceeded"),
    "insufficient_quota": ("insufficient_quota", "insufficient_quota"),
}
MISSING_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer "
    "auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from "
    "https://platform.openai.com/account/api-keys."
)


class OpenAIEndpoint(OpenAIProvider, ABC):
    """Errors and keys of both APIs: ``{"error": {message, type, param, code}}``, ``Authorization: Bearer``."""

    def write_error(
        self, status: int, message: str, *, kind: str | None = None, param: str | None = None
    ) -> dict[str, Any]:
        if kind is not None:
            type_, code = ERROR_KINDS.get(kind, (kind, None))
        else:
            type_, code = ERROR_TYPES.get(status, ("server_error" if status >= 500 else "invalid_request_error", None))
        return {"error": {"message": message, "type": type_, "param": param, "code": code}}

    def api_key_present(self, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
        """``Authorization: Bearer <key>``; the API reads no key from the query."""
        return bearer_token(headers) is not None

    def missing_key_error(self) -> tuple[int, dict[str, Any]]:
        """The status and body the API answers a request without a key with."""
        error = self.write_error(401, MISSING_KEY)
        error["error"]["code"] = None  # no key is not a wrong key
        return 401, error


# --- what the API rejects (the emulator answers these with the provider's own error) ----------


#: Structured outputs' documented limits: properties in total, object nesting, enum values in total.
_OPENAI_STRICT_LIMITS = (5000, 10, 1000)


_OPENAI_STRICT_UNSUPPORTED = (
    "allOf",
    "not",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "prefixItems",
)


def _openai_strict_schemas(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    for tool in received.tools:
        if tool.kind != "function" or not tool.strict or tool.schema is None:
            continue
        nodes = list(_schema_nodes(tool.schema, ()))
        properties = sum(len(node.get("properties") or {}) for _, node in nodes)
        depth = max(sum(1 for step in path if step == "properties") for path, _ in nodes)
        enums = sum(len(node.get("enum") or ()) for _, node in nodes)
        counts = (properties, depth + 1, enums)
        for count, limit, what in zip(
            counts, _OPENAI_STRICT_LIMITS, ("properties", "levels of nesting", "enum values"), strict=True
        ):
            if count > limit:
                return Rejection(
                    400,
                    f"Invalid schema for function '{tool.name}': a strict schema may have at most {limit} {what}, "
                    f"this one has {count}.",
                    param="tools",
                )
        for path, node in nodes:
            where = f"context=({', '.join(repr(p) for p in path)})"
            for keyword in _OPENAI_STRICT_UNSUPPORTED:
                if keyword in node:
                    return Rejection(
                        400,
                        f"Invalid schema for function '{tool.name}': In {where}, '{keyword}' is not permitted.",
                        param="tools",
                    )
            if node.get("type") == "object" or "properties" in node:
                if node.get("additionalProperties") is not False:
                    return Rejection(
                        400,
                        f"Invalid schema for function '{tool.name}': In {where}, 'additionalProperties' is required "
                        "to be supplied and to be false.",
                        param="tools",
                    )
                missing = [name for name in node.get("properties", {}) if name not in node.get("required", ())]
                if missing:
                    return Rejection(
                        400,
                        f"Invalid schema for function '{tool.name}': In {where}, 'required' is required to be "
                        f"supplied and to be an array including every key in properties. Missing '{missing[0]}'.",
                        param="tools",
                    )
    return None


def _schema_nodes(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    if not isinstance(node, dict):
        return
    yield path, node
    for name, sub in (node.get("properties") or {}).items():
        yield from _schema_nodes(sub, (*path, "properties", name))
    for key in ("items", "additionalProperties"):
        yield from _schema_nodes(node.get(key), (*path, key))
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for i, sub in enumerate(node.get(key) or ()):
            yield from _schema_nodes(sub, (*path, key, str(i)))
    for key in ("$defs", "definitions"):
        for name, sub in (node.get(key) or {}).items():
            yield from _schema_nodes(sub, (*path, key, name))


OPENAI_STRICT_SCHEMAS = RejectionRule(
    "openai strict schema subset",
    "https://platform.openai.com/docs/guides/structured-outputs#supported-schemas",
    _openai_strict_schemas,
)
