"""Azure OpenAI: the OpenAI wire (Chat Completions and Responses) with Azure's routes, key and quirks.

Nothing here re-reads or re-writes the OpenAI wire: `AzureChat` and `AzureResponses` are the two
OpenAI adapters with what Azure does differently, as data (`ROUTES`) and small overrides:

- clients: with ``OPENAI_API_VERSION`` set, ``openai.AzureOpenAI`` on the dated API
  (``/openai/deployments/{deployment}/chat/completions?api-version=...``, ``/openai/responses?api-version=...``);
  without it, ``openai.OpenAI`` on the v1 API (``{endpoint}/openai/v1/``), where the model is the deployment;
- the key goes in an ``api-key`` header (``AZURE_OPENAI_API_KEY``), or an Entra token provider is given;
- streams open with a chunk whose ``choices`` is empty (``prompt_filter_results``) and carry content-filter
  chunks with no ``delta``; a ``content_filter`` stop is a `ContentFilterError` naming the categories.

Strict tools (structured outputs) are taken from API version 2024-08-01-preview on, and on the v1 API.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.errors import ContentFilterError, ProviderSetupError
from harness.providers import _openai
from harness.providers._answers import Where, get
from harness.providers._base import ParsedAnswer, RawCall, SDKClient, StreamReader, WireAnswer
from harness.providers._fields import bearer_token
from harness.providers.openai_chat import OpenAIChat, _ChatStreamReader
from harness.providers.openai_responses import OpenAIResponses

ENDPOINT = "AZURE_OPENAI_ENDPOINT"
API_KEY = "AZURE_OPENAI_API_KEY"
API_VERSION = "OPENAI_API_VERSION"
#: The header Azure reads the key from.
KEY_HEADER = "api-key"


@dataclass(frozen=True)
class Routes:
    """Where one Azure API is served: the dated path (with ``api-version``) and the v1 path."""

    dated: str
    v1: str

    def patterns(self) -> tuple[re.Pattern[str]]:
        return (re.compile(f"{self.dated}|{self.v1}"),)


#: The URL paths of each API, as regular expressions matched against the whole path.
ROUTES = {
    "azure": Routes(r"/openai/deployments/[^/]+/chat/completions", r"/openai/v1/chat/completions"),
    "azure-responses": Routes(r"/openai/responses", r"/openai/v1/responses"),
}

#: What Azure answers a request without a key (HTTP 401), in its own error shape.
MISSING_KEY = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an "
    "active subscription and use a correct regional API endpoint for your resource."
)


class _Azure(_openai.OpenAIEndpoint):
    """What both Azure APIs share: clients from the environment, the ``api-key`` header."""

    def default_client(self, *, async_client: bool, **sdk_kwargs: Any) -> SDKClient:
        import openai

        endpoint = sdk_kwargs.pop("azure_endpoint", None) or os.environ.get(ENDPOINT)
        token_provider = sdk_kwargs.pop("azure_ad_token_provider", None)
        api_key = sdk_kwargs.pop("api_key", None) or (None if token_provider else os.environ.get(API_KEY))
        version = sdk_kwargs.pop("api_version", None) or os.environ.get(API_VERSION)
        missing = tuple(
            name
            for name, value in (
                (ENDPOINT, endpoint or sdk_kwargs.get("base_url")),
                (API_KEY, api_key or token_provider),
            )
            if not value
        )
        if missing:
            raise ProviderSetupError(
                provider=self.name,
                variables=missing,
                hint=f" (and {API_VERSION} for the dated API; without it the v1 API is used)",
            )
        if version:
            credential = {"azure_ad_token_provider": token_provider} if token_provider else {"api_key": api_key}
            if sdk_kwargs.get("base_url") is None:
                sdk_kwargs["azure_endpoint"] = endpoint
            else:
                sdk_kwargs.pop("azure_endpoint", None)
            azure = openai.AsyncAzureOpenAI if async_client else openai.AzureOpenAI
            return SDKClient(azure(api_version=version, **credential, **sdk_kwargs), is_async=async_client)
        base_url = sdk_kwargs.pop("base_url", None) or f"{str(endpoint).rstrip('/')}/openai/v1/"
        headers = dict(sdk_kwargs.pop("default_headers", None) or {})
        if api_key:
            headers.setdefault(KEY_HEADER, api_key)
        plain = openai.AsyncOpenAI if async_client else openai.OpenAI
        client = plain(base_url=base_url, api_key=api_key or token_provider, default_headers=headers, **sdk_kwargs)
        return SDKClient(client, is_async=async_client)

    client_kinds = "an openai.AzureOpenAI or AsyncAzureOpenAI client (or openai.OpenAI on the v1 API)"

    def api_key_present(self, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
        """``api-key: <key>``, or ``Authorization: Bearer`` (an Entra token, or the key on the v1 API)."""
        key = next((v for k, v in headers.items() if k.lower() == KEY_HEADER), "")
        return bool(key.strip()) or bearer_token(headers) is not None

    def missing_key_error(self) -> tuple[int, dict[str, Any]]:
        return 401, {"error": {"code": "401", "message": MISSING_KEY}}


#: The ``content_filter_results`` the emulator writes for its content-filter fault: one category filtered.
FILTERED = {
    "hate": {"filtered": True, "severity": "high"},
    "self_harm": {"filtered": False, "severity": "safe"},
    "sexual": {"filtered": False, "severity": "safe"},
    "violence": {"filtered": False, "severity": "safe"},
}


def filter_categories(results: Any) -> tuple[str, ...]:
    """The categories a ``content_filter_results`` object reports as filtered, in its order."""
    if not isinstance(results, Mapping):
        results = getattr(results, "model_extra", None) or getattr(results, "__dict__", None) or {}
    return tuple(name for name, verdict in results.items() if get(verdict, "filtered") is True)


class AzureChat(_Azure, OpenAIChat):
    """Azure OpenAI Chat Completions (``azure/<deployment>``)."""

    name = "azure"
    paths = ROUTES["azure"].patterns()

    @property
    def wire(self) -> str:
        return "openai"

    rules = dataclasses.replace(_openai.RULES, provider="azure")
    strict_rules = dataclasses.replace(_openai.STRICT_RULES, provider="azure (strict)")

    def write_response(self, answer: WireAnswer, *, model: str) -> dict[str, Any]:
        body = super().write_response(answer, model=model)
        if answer.finish_reason == "content_filter":  # what Azure says of a filtered answer
            for choice in body.get("choices", ()):
                choice["content_filter_results"] = dict(FILTERED)
        return body

    def write_events(self, answer: WireAnswer, *, model: str) -> list[dict[str, Any]]:
        events = super().write_events(answer, model=model)
        if answer.finish_reason == "content_filter":
            for event in events:
                for choice in event.get("choices", ()) if isinstance(event, dict) else ():
                    if choice.get("finish_reason") == "content_filter":
                        choice["content_filter_results"] = dict(FILTERED)
        return events

    def read_response(self, response: Any) -> ParsedAnswer:
        answer = super().read_response(response)
        if answer.finish_reason == "content_filter":
            choice = get(response, "choices")[0]
            categories = filter_categories(get(choice, "content_filter_results"))
            raise ContentFilterError(provider=self.name, categories=categories, calls_seen=len(answer.calls))
        return answer

    def stream_reader(self) -> StreamReader:
        return _AzureStreamReader(self.name)


class _AzureStreamReader(_ChatStreamReader):
    """Chat chunks, plus what Azure adds: a first chunk with no choices (the prompt's filter results),
    choices with ``content_filter_results`` and no ``delta`` (read as nothing), and a ``content_filter``
    stop raised as `ContentFilterError` with the categories the filter named."""

    def __init__(self, provider: str) -> None:
        super().__init__()
        self._provider = provider
        self._categories: tuple[str, ...] = ()
        self._seen = 0

    def feed(self, event: Any) -> list[RawCall]:
        where = Where(self._provider, "choices")
        for item in where.items(get(where.obj(event), "choices")):
            categories = filter_categories(get(item, "content_filter_results"))
            self._categories = self._categories + tuple(c for c in categories if c not in self._categories)
        done = super().feed(event)
        self._seen += len(done)
        if self.finish_reason == "content_filter":
            raise ContentFilterError(provider=self._provider, categories=self._categories, calls_seen=self._seen)
        return done


class AzureResponses(_Azure, OpenAIResponses):
    """Azure OpenAI Responses (``azure-responses/<deployment>``)."""

    name = "azure-responses"
    paths = ROUTES["azure-responses"].patterns()

    @property
    def wire(self) -> str:
        return "openai-responses"

    rules = dataclasses.replace(_openai.RULES, provider="azure-responses")
    strict_rules = dataclasses.replace(_openai.STRICT_RULES, provider="azure-responses (strict)")


CHAT = AzureChat()
RESPONSES = AzureResponses()
