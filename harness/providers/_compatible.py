"""The OpenAI-compatible servers: one profile per server, read by the Chat Completions module.

Groq, OpenRouter, DeepSeek, xAI, Mistral, Together, Ollama and vLLM speak the Chat Completions wire
with differences that matter for tool calls. Each difference is data in `PROFILES`, with its source;
`harness.providers.openai_chat` reads the table, and no other module names a server. Adding a server
is one `CompatibleProfile` here (and a line in the tests' table).

This module imports no SDK: ``harness.providers`` reads `PROFILES` to list the spec prefixes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from harness.errors import MissingKeyError, StrictModeError
from harness.providers._openai import STRICT_RULES as OPENAI_STRICT
from harness.providers._schema import SchemaRules


@dataclass(frozen=True)
class IdRule:
    """A server's rule for tool-call ids, which ids harness writes back in a continuation follow."""

    pattern: re.Pattern[str]
    #: The rule in words, for documentation and errors.
    words: str
    alphabet: str
    length: int
    #: How the emulator numbers calls (``str.format`` of the call's position); must match ``pattern``.
    template: str

    def conform(self, call_id: str | None, position: int) -> str:
        """``call_id`` if it follows the rule, else an id that does, the same for the same input."""
        if call_id is not None and self.pattern.fullmatch(call_id):
            return call_id
        digest = int.from_bytes(hashlib.sha256(f"{position}:{call_id}".encode()).digest(), "big")
        chars = []
        for _ in range(self.length):
            digest, digit = divmod(digest, len(self.alphabet))
            chars.append(self.alphabet[digit])
        return "".join(chars)


_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class CompatibleProfile:
    """What one OpenAI-compatible server does differently from OpenAI's own Chat Completions API."""

    #: The spec prefix (``groq`` in ``groq/llama-3.3-70b-versatile``).
    prefix: str
    #: The server's documented OpenAI-compatible base URL.
    base_url: str
    #: The environment variable that overrides ``base_url``.
    base_url_variable: str
    #: The environment variable holding the key; ``None`` for a server that takes none.
    key_variable: str | None
    #: ``False``: without the variable a placeholder key is sent (servers that check none).
    key_required: bool = True
    #: The key sent when there is none (the SDK refuses to build a client without one).
    placeholder_key: str = "harness-no-key"
    #: Schema rules of the server's strict tool mode; ``None``: strict is not offered.
    strict_rules: SchemaRules | None = None
    #: A strict request goes to this base URL, and a client for strict must have this path suffix.
    strict_base_url: str | None = None
    strict_path: str | None = None
    #: The server's tool-call id rule, if it has one.
    id_rule: IdRule | None = None
    #: Stream quirks: every call whole in one chunk; the opening and the arguments as two fragments of
    #: the same ``index`` in one chunk. The reader takes both from every server; the writer writes the server's.
    whole_calls_in_one_chunk: bool = False
    same_index_fragments: bool = False
    #: The ``error.code`` of a 400 meaning the server's own check of the model's call failed, quoting it in
    #: ``error.failed_generation``.
    tool_use_failed_code: str | None = None
    #: What strict mode cannot express, for the conformance report's limits registry: (JSON-schema keywords,
    #: pydantic error types a value breaking the lost constraint raises, the reason); source: ``sources["strict"]``.
    strict_limits: tuple[tuple[str, str, str], ...] = ()
    #: A real model name the conformance report asks for by default.
    model: str = "default-model"
    #: Fact -> where it comes from: each value one documentation URL or one note (``<fact>_note``), never both.
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def emulator_path(self) -> re.Pattern[str]:
        """The path the emulator serves this server at: ``/<prefix>`` then the server's own path."""
        roots = [urlsplit(self.base_url).path.rstrip("/")]
        if self.strict_path is not None:
            roots.append(self.strict_path)
        alternatives = "|".join(re.escape(root) for root in roots if root)
        return re.compile(rf"/{re.escape(self.prefix)}(?:{alternatives})?/chat/completions")

    def client_kwargs(self, sdk_kwargs: dict[str, Any], *, strict: bool) -> dict[str, Any]:
        """``openai.OpenAI`` keyword arguments: base URL and key from the environment unless given."""
        kwargs = dict(sdk_kwargs)
        if kwargs.get("base_url") is None:
            default = self.strict_base_url if strict and self.strict_base_url else self.base_url
            kwargs["base_url"] = os.environ.get(self.base_url_variable) or default
        if kwargs.get("api_key") is None:
            # Always said outright: the SDK would otherwise send OPENAI_API_KEY to another company's server.
            key = os.environ.get(self.key_variable) if self.key_variable else None
            if not key and self.key_required:
                raise MissingKeyError(
                    f"{self.prefix}: set {self.key_variable} to your {self.prefix} API key (or pass api_key=...)",
                    provider=self.prefix,
                    variable=self.key_variable,
                )
            kwargs["api_key"] = key or self.placeholder_key
        return kwargs

    def check_client(self, client: Any, *, strict: bool) -> None:
        """Refuse up front a client that cannot serve ``strict`` (DeepSeek: strict lives under ``/beta``)."""
        if not strict or self.strict_path is None:
            return
        path = urlsplit(str(client.base_url)).path.rstrip("/")
        if not path.endswith(self.strict_path):
            raise StrictModeError(
                f"{self.prefix}: strict tools are served only under the {self.strict_path} base URL "
                f"({self.strict_base_url}); this client's base URL is {client.base_url}. "
                f"Point the client (or {self.base_url_variable}) at it, or drop strict=True"
            )


# --- the servers ------------------------------------------------------------------------------

# DeepSeek's strict mode: OpenAI's subset, with fewer string formats and no length or item-count bounds.
# https://api-docs.deepseek.com/guides/function_calling (strict mode, beta)
assert OPENAI_STRICT.allowed is not None  # strict modes list what they take
_DEEPSEEK_STRICT = dataclasses.replace(
    OPENAI_STRICT,
    provider="deepseek (strict)",
    allowed=OPENAI_STRICT.allowed - {"minItems", "maxItems"},
    described=OPENAI_STRICT.described | {"minItems", "maxItems"},
    formats=frozenset({"email", "hostname", "ipv4", "ipv6", "uuid"}),
)

_MISTRAL_IDS = IdRule(
    pattern=re.compile(r"[A-Za-z0-9]{9}"),
    words="exactly 9 characters of a-z, A-Z and 0-9",
    alphabet=_ALPHANUMERIC,
    length=9,
    template="call{:05d}",
)

PROFILES: dict[str, CompatibleProfile] = {
    profile.prefix: profile
    for profile in (
        CompatibleProfile(
            "groq",
            "https://api.groq.com/openai/v1",
            "GROQ_BASE_URL",
            "GROQ_API_KEY",
            whole_calls_in_one_chunk=True,
            tool_use_failed_code="tool_use_failed",
            model="llama-3.3-70b-versatile",
            sources={
                "base_url": "https://console.groq.com/docs/openai",
                "whole_calls_in_one_chunk": "observed in recorded Groq streams: each tool call arrives whole, "
                "id, name and arguments in one delta",
                "tool_use_failed": "https://console.groq.com/docs/tool-use",
                "tool_use_failed_note": (
                    "a 400 with code tool_use_failed and failed_generation when the model's call fails the "
                    "server's check"
                ),
            },
        ),
        CompatibleProfile(
            "openrouter",
            "https://openrouter.ai/api/v1",
            "OPENROUTER_BASE_URL",
            "OPENROUTER_API_KEY",
            model="openai/gpt-4.1-mini",
            sources={
                "base_url": "https://openrouter.ai/docs/quickstart",
                "no_arguments": "observed: a call to a tool that takes no arguments carries no 'arguments'",
                "tools_as_prompt": "https://openrouter.ai/docs/features/tool-calling",
                "tools_as_prompt_note": (
                    "routing picks providers that support tools; models without native tools may get them "
                    "through a prompt"
                ),
            },
        ),
        CompatibleProfile(
            "deepseek",
            "https://api.deepseek.com",
            "DEEPSEEK_BASE_URL",
            "DEEPSEEK_API_KEY",
            strict_rules=_DEEPSEEK_STRICT,
            strict_base_url="https://api.deepseek.com/beta",
            strict_path="/beta",
            strict_limits=(
                (
                    "minLength maxLength",
                    "string_too_short string_too_long",
                    "strict mode takes no string length bounds",
                ),
                ("minItems maxItems", "too_short too_long", "strict mode takes no array length bounds"),
                ("uniqueItems", "set_type too_short", "strict mode takes no uniqueItems"),
                (
                    "format",
                    "date_parsing date_from_datetime_parsing datetime_parsing datetime_from_date_parsing "
                    "time_parsing time_delta_parsing url_parsing url_scheme",
                    "strict mode takes the string formats email, hostname, ipv4, ipv6 and uuid only: dates, times, "
                    "durations and uris are not enforced",
                ),
            ),
            model="deepseek-chat",
            sources={
                "base_url": "https://api-docs.deepseek.com/",
                "strict": "https://api-docs.deepseek.com/guides/function_calling",
                "strict_note": (
                    "strict mode: base URL https://api.deepseek.com/beta; string formats email, hostname, ipv4, "
                    "ipv6, uuid only"
                ),
            },
        ),
        CompatibleProfile(
            "xai",
            "https://api.x.ai/v1",
            "XAI_BASE_URL",
            "XAI_API_KEY",
            model="grok-4",
            sources={"base_url": "https://docs.x.ai/docs/api-reference"},
        ),
        CompatibleProfile(
            "mistral",
            "https://api.mistral.ai/v1",
            "MISTRAL_BASE_URL",
            "MISTRAL_API_KEY",
            id_rule=_MISTRAL_IDS,
            whole_calls_in_one_chunk=True,
            model="mistral-large-latest",
            sources={
                "base_url": "https://docs.mistral.ai/api/",
                "id_rule": "https://docs.mistral.ai/capabilities/function_calling/",
                "id_rule_note": "tool_call_id: 9 characters a-z, A-Z, 0-9; the API refuses other ids in a continuation",
                "no_type": "observed: Mistral's tool calls carry no 'type'",
                "whole_calls_in_one_chunk": "observed: a streamed call arrives whole in the last chunk",
            },
        ),
        CompatibleProfile(
            "together",
            "https://api.together.xyz/v1",
            "TOGETHER_BASE_URL",
            "TOGETHER_API_KEY",
            model="meta-llama/Llama-3.3-70B-Instruct-Turbo",
            sources={"base_url": "https://docs.together.ai/docs/openai-api-compatibility"},
        ),
        CompatibleProfile(
            "ollama",
            "http://localhost:11434/v1",
            "OLLAMA_BASE_URL",
            None,
            key_required=False,
            placeholder_key="ollama",
            model="llama3.1",
            sources={
                "base_url": "https://github.com/ollama/ollama/blob/main/docs/openai.md",
                "base_url_note": "api_key required by the SDK but ignored",
            },
        ),
        CompatibleProfile(
            "vllm",
            "http://localhost:8000/v1",
            "VLLM_BASE_URL",
            "VLLM_API_KEY",
            key_required=False,
            placeholder_key="EMPTY",
            same_index_fragments=True,
            model="Qwen/Qwen3-8B",
            sources={
                "base_url": "https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html",
                "base_url_note": "--api-key is optional; VLLM_API_KEY",
                "same_index_fragments": "reported by users of other clients: two fragments with the same index "
                "in one chunk (the opening, then the arguments)",
            },
        ),
    )
}

#: Environment variables holding these servers' keys (redacted from recordings by default).
KEY_VARIABLES: tuple[str, ...] = tuple(p.key_variable for p in PROFILES.values() if p.key_variable)
