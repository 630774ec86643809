"""Secrets never reach disk: what a cassette keeps of headers, URIs and bodies.

Before an interaction is written:

- the values of secret headers (``authorization``, ``x-api-key``, cookies, organization ids...) become
  ``REDACTED``; the header itself stays, so a reviewer sees what was sent;
- a ``key=`` query parameter (the Gemini API's key) becomes ``key=REDACTED``;
- every secret value (the API keys in the environment, and any configured variable) becomes
  ``REDACTED`` wherever it appears: URI, header values, request and response bodies, SSE events;
- headers that change on every recording (dates, request ids, rate-limit counters, SDK and platform
  telemetry) are dropped, so a re-recorded cassette's diff shows what really changed.

Secrets are replaced as plain text, the same way `harness.recording._matching` reads recorded
bodies, so a recorded request still matches the live one it came from. A key is a run of letters,
digits, ``-`` and ``_``: inside a JSON string its replacement is still a JSON string.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from harness.providers._compatible import KEY_VARIABLES as COMPATIBLE_KEY_VARIABLES

REDACTED = "REDACTED"

#: Headers whose values are secrets (compared in lower case).
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "openai-organization",
        "openai-project",
        "anthropic-organization-id",
        "cookie",
        "set-cookie",
    }
)

#: The environment variables the provider SDKs read their keys from.
KEY_VARIABLES = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    *COMPATIBLE_KEY_VARIABLES,  # GROQ_API_KEY, OPENROUTER_API_KEY, ... (harness/providers/_compatible.py)
)

#: Shorter values are not treated as secrets: replacing ``abc`` everywhere would mangle every body
#: (``"role": "assistant"`` holds plenty of short strings), and nothing that short is a real key.
MIN_SECRET_LENGTH = 8

# Headers that differ on every run and say nothing about the exchange. Request side: SDK and platform
# telemetry and what the HTTP client adds by itself. Response side: ids, dates, rate-limit counters,
# timings and transport boilerplate. ``content-encoding`` is not here: bodies are stored decoded and
# the recorder removes it together with the encoding.
_DROPPED_REQUEST = frozenset(
    {"user-agent", "x-goog-api-client", "accept-encoding", "connection", "content-length", "host", "accept"}
)
_DROPPED_REQUEST_PREFIXES = ("x-stainless-",)
_DROPPED_RESPONSE = frozenset(
    {
        "date",
        "x-request-id",
        "request-id",
        "openai-processing-ms",
        "server",
        "server-timing",
        "via",
        "alt-svc",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "strict-transport-security",
        "x-content-type-options",
        "x-frame-options",
        "x-xss-protection",
        "vary",
        "x-cloud-trace-context",
    }
)
_DROPPED_RESPONSE_PREFIXES = ("cf-", "x-ratelimit-", "anthropic-ratelimit-", "x-envoy-")

_KEY_PARAMETER = re.compile(r"(^|&)(key=)[^&]+")

Side = Literal["request", "response"]


def secret_values(extra_variables: Iterable[str] = ()) -> list[str]:
    """The current values of the key variables and of ``extra_variables``: what must not be written.

    Empty values and values under `MIN_SECRET_LENGTH` characters are left out. Longest first, so
    a secret that contains another is replaced whole.
    """
    values: list[str] = []
    for name in (*KEY_VARIABLES, *extra_variables):
        value = os.environ.get(name, "").strip()
        if len(value) >= MIN_SECRET_LENGTH and value not in values:
            values.append(value)
    return sorted(values, key=len, reverse=True)


def is_dropped_header(name: str, side: Side) -> bool:
    """Whether a header is noise that is not recorded on this side of the exchange."""
    lowered = name.lower()
    if side == "request":
        return lowered in _DROPPED_REQUEST or lowered.startswith(_DROPPED_REQUEST_PREFIXES)
    return lowered in _DROPPED_RESPONSE or lowered.startswith(_DROPPED_RESPONSE_PREFIXES)


def redact_headers(headers: Mapping[str, Any], secrets: Sequence[str], *, side: Side) -> dict[str, Any]:
    """Headers without the noisy ones, secret headers' values as ``REDACTED``, secrets replaced in the rest.

    A value keeps its shape: a list of values stays a list, a single value stays single.
    """
    ordered = _longest_first(secrets)
    cleaned: dict[str, Any] = {}
    for name, value in headers.items():
        if is_dropped_header(name, side):
            continue
        if name.lower() in SECRET_HEADERS:
            cleaned[name] = [REDACTED for _ in value] if isinstance(value, list) else REDACTED
        else:
            cleaned[name] = _scrub(value, ordered)
    return cleaned


def redact_uri(uri: str, secrets: Sequence[str] = ()) -> str:
    """``uri`` with its ``key=`` query parameter and any secret value replaced by ``REDACTED``."""
    base, question, rest = uri.partition("?")
    if question:
        query, hash_sign, fragment = rest.partition("#")
        uri = base + question + _KEY_PARAMETER.sub(rf"\1\2{REDACTED}", query) + hash_sign + fragment
    return _scrub_text(uri, _longest_first(secrets))


def redact_interaction(interaction: Mapping[str, Any], secrets: Sequence[str]) -> dict[str, Any]:
    """A cleaned copy of one vcrpy interaction (``{"request": ..., "response": ...}``); the input is untouched."""
    ordered = _longest_first(secrets)
    cleaned: dict[str, Any] = copy.deepcopy(dict(interaction))
    request = cleaned.get("request")
    if isinstance(request, dict):
        if isinstance(request.get("uri"), str):
            request["uri"] = redact_uri(request["uri"], ordered)
        if isinstance(request.get("headers"), Mapping):
            request["headers"] = redact_headers(request["headers"], ordered, side="request")
        if "body" in request:
            request["body"] = _scrub(request["body"], ordered)
    response = cleaned.get("response")
    if isinstance(response, dict):
        if isinstance(response.get("headers"), Mapping):
            response["headers"] = redact_headers(response["headers"], ordered, side="response")
        if "body" in response:
            # ``{"string": ..., "events": [...]}``: both hold the same text, both are scrubbed.
            response["body"] = _scrub(response["body"], ordered)
    return cleaned


def redact_document(data: Mapping[str, Any], secrets: Sequence[str]) -> dict[str, Any]:
    """A vcrpy cassette dict with every interaction cleaned, and secret values gone from its metadata."""
    cleaned = {key: value for key, value in data.items() if key != "interactions"}
    if "metadata" in cleaned:
        cleaned["metadata"] = _scrub(cleaned["metadata"], _longest_first(secrets))  # a new copy
    cleaned["interactions"] = [redact_interaction(interaction, secrets) for interaction in data.get("interactions", ())]
    return cleaned


def _scrub(value: Any, secrets: Sequence[str]) -> Any:
    """``value`` with every secret replaced, through strings, bytes, lists and dicts (keys included).

    ``secrets`` come from `_longest_first`.
    """
    if isinstance(value, str):
        return _scrub_text(value, secrets)
    if isinstance(value, bytes):
        return _scrub_bytes(value, secrets)
    if isinstance(value, list):
        return [_scrub(item, secrets) for item in value]
    if isinstance(value, dict):
        return {_scrub(key, secrets): _scrub(item, secrets) for key, item in value.items()}
    return value


def _scrub_text(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def _scrub_bytes(raw: bytes, secrets: Sequence[str]) -> bytes:
    # Byte-wise, so a body that is not UTF-8 (an image, a compressed blob) comes back byte for byte.
    for secret in secrets:
        raw = raw.replace(secret.encode("utf-8"), REDACTED.encode("ascii"))
    return raw


def _longest_first(secrets: Iterable[str]) -> tuple[str, ...]:
    # Empty strings would "match" everywhere; a secret inside another must not leave the longer one's tail.
    return tuple(sorted((secret for secret in secrets if secret), key=len, reverse=True))
