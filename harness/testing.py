"""Drive the official SDK clients in tests: no cassettes, no network, no keys.

Two helpers, both on an in-memory ``httpx2`` transport:

- `sdk_client` builds the official SDK client for a provider whose HTTP goes through a transport
  you give it (a dummy key, retries off, no credential lookup);
- `MockProvider` is one provider endpoint in memory: queue answers, point a client at it, then
  look at the requests it received.

Example:

```python
from harness.testing import MockProvider

endpoint = MockProvider("openai/gpt-4.1").answer(Weather(location="Oslo", units="metric"))
client = endpoint.client()
assert client.create(messages=messages, response_model=Iterable[Weather]) == [
    Weather(location="Oslo", units="metric")
]
assert endpoint.bodies[0]["tool_choice"] == "required"
```

Importing this module imports no SDK: each is imported when a client for it is built.
"""

from __future__ import annotations

import functools
import json
import ssl
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, Literal, overload

import httpx2
from pydantic import BaseModel

from harness import AsyncParallelToolsClient, ParallelToolsClient, from_provider
from harness._http import ChunkStream
from harness.providers import COMPATIBLE_PREFIXES, PREFIXES, get_provider
from harness.providers._base import Provider, Usage, WireAnswer
from harness.providers._compatible import PROFILES

__all__ = ["MockProvider", "UnexpectedRequestError", "sdk_client"]

#: Vertex AI needs a project and a location; these never leave the process.
VERTEX_PROJECT = "harness-test-project"
VERTEX_LOCATION = "us-central1"
#: Azure OpenAI's resource and API version for `sdk_client`; never reached.
AZURE_ENDPOINT = "https://harness-test.openai.azure.com"
AZURE_API_VERSION = "2024-10-21"
DEFAULT_MODEL = "test-model"


class UnexpectedRequestError(AssertionError):
    """A request reached a mock endpoint that had no answer for it.

    An ``AssertionError``, not a `harness.HarnessError`: it is the test's own setup that is wrong,
    so pytest reports it as a failed expectation, and code under test that handles harness errors
    (a fallback on ``ProviderError``, say) cannot swallow it as if the provider had answered. Note that
    the Anthropic SDK wraps every transport exception, this one included, in
    ``anthropic.APIConnectionError``; this error is then its ``__cause__``.
    """

    def __init__(self, message: str, *, provider: str, request: httpx2.Request) -> None:
        super().__init__(message)
        self.provider = provider
        self.request = request


def _split(spec_or_prefix: str) -> tuple[str, str]:
    """``"openai/gpt-4.1"`` -> ``("openai", "gpt-4.1")``; a bare prefix gets the default model."""
    prefix, _, model = spec_or_prefix.partition("/")
    if prefix not in PREFIXES:
        raise ValueError(f"unknown provider {prefix!r} in {spec_or_prefix!r}; expected one of {', '.join(PREFIXES)}")
    return prefix, model or DEFAULT_MODEL


@functools.cache
def _inert_ssl_context() -> ssl.SSLContext:
    # google-genai builds an SSL context for every httpx client it is not given and one for its websockets,
    # each loading the CA bundle (tens of milliseconds per genai.Client). Given both httpx clients and this
    # context, it loads nothing. The context trusts no certificate, so were it ever used to connect it
    # would refuse every server: nothing is verified less, and here nothing connects at all.
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _refusing_transport(prefix: str, why: str) -> httpx2.MockTransport:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise UnexpectedRequestError(
            f"{prefix}: {request.method} {request.url} has nowhere to go: {why}", provider=prefix, request=request
        )

    return httpx2.MockTransport(refuse)


def _async_keyword(async_client: bool, is_async: bool | None) -> bool:
    """``async_client``, or the old ``is_async`` where a caller still passes it (with a warning)."""
    if is_async is None:
        return async_client
    warnings.warn("is_async= is now async_client=, as in harness.from_provider", DeprecationWarning, stacklevel=3)
    return is_async


def sdk_client(
    prefix: str,
    *,
    transport: httpx2.BaseTransport | httpx2.AsyncBaseTransport | None = None,
    async_client: bool = False,
    api_key: str = "test-key",
    base_url: str | None = None,
    is_async: bool | None = None,
) -> Any:
    """The official SDK client for ``prefix`` (or a spec such as ``"openai/gpt-4.1"``), on ``transport``.

    ``openai``, ``openai-responses`` and the OpenAI-compatible servers (``groq``, ...; on their own base URL)
    give ``openai.OpenAI`` (``AsyncOpenAI`` with ``async_client``, the word `harness.from_provider` uses),
    ``azure`` and ``azure-responses`` give ``openai.AzureOpenAI`` (``AsyncAzureOpenAI``) on the dated API,
    ``anthropic-vertex`` ``anthropic.AnthropicVertex`` (``AsyncAnthropicVertex``) with a fixed token,
    ``anthropic`` gives ``anthropic.Anthropic`` (``AsyncAnthropic``), ``google`` and ``vertexai`` a
    ``genai.Client`` (it serves both; ``async_client`` only checks the transport can serve async requests).
    ``is_async`` is the old name of ``async_client``, still taken.
    The key is a dummy; Vertex AI gets a fixed project, location and access token (``api_key``), so no
    credential is looked up and no token is requested. SDK retries are off, so a test sees an error at once.
    Without ``transport`` every request fails with `UnexpectedRequestError`: nothing reaches
    the network.

    Example:

    ```python
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, json=body))
    client = harness.from_provider("anthropic/claude-sonnet-5", client=sdk_client("anthropic", transport=transport))
    ```
    """
    is_async = _async_keyword(async_client, is_async)
    prefix, _ = _split(prefix)
    if transport is None:
        transport = _refusing_transport(prefix, "sdk_client() was given no transport")
    if not isinstance(transport, httpx2.AsyncBaseTransport if is_async else httpx2.BaseTransport):
        kind = "an async" if is_async else "a sync"
        raise TypeError(f"{type(transport).__qualname__} cannot serve {kind} client; pass an httpx2.MockTransport")

    if prefix == "anthropic":
        import anthropic

        if is_async:
            return anthropic.AsyncAnthropic(
                api_key=api_key, base_url=base_url, http_client=_async_http(prefix, transport), max_retries=0
            )
        return anthropic.Anthropic(
            api_key=api_key, base_url=base_url, http_client=_sync_http(prefix, transport), max_retries=0
        )
    if prefix in COMPATIBLE_PREFIXES and base_url is None:
        # The server's own base URL (DeepSeek's /beta, which serves strict and non-strict requests alike).
        profile = PROFILES[prefix]
        base_url = profile.strict_base_url or profile.base_url
    if prefix == "anthropic-vertex":
        import anthropic

        # A fixed access token (``api_key``): no Google credential is looked up, no token is requested.
        vertex: dict[str, Any] = {
            "region": VERTEX_LOCATION,
            "project_id": VERTEX_PROJECT,
            "access_token": api_key,
            "base_url": base_url,
        }
        if is_async:
            return anthropic.AsyncAnthropicVertex(**vertex, http_client=_async_http(prefix, transport), max_retries=0)
        return anthropic.AnthropicVertex(**vertex, http_client=_sync_http(prefix, transport), max_retries=0)
    if prefix in ("azure", "azure-responses"):
        import openai

        # The dated API: the deployment in the path, ``api-version`` in the query, the key in ``api-key``.
        azure: dict[str, Any] = {
            "azure_endpoint": base_url or AZURE_ENDPOINT,
            "api_key": api_key,
            "api_version": AZURE_API_VERSION,
        }
        if is_async:
            return openai.AsyncAzureOpenAI(**azure, http_client=_async_http(prefix, transport), max_retries=0)
        return openai.AzureOpenAI(**azure, http_client=_sync_http(prefix, transport), max_retries=0)
    if prefix in ("openai", "openai-responses", *COMPATIBLE_PREFIXES):
        import openai

        if is_async:
            return openai.AsyncOpenAI(
                api_key=api_key, base_url=base_url, http_client=_async_http(prefix, transport), max_retries=0
            )
        return openai.OpenAI(
            api_key=api_key, base_url=base_url, http_client=_sync_http(prefix, transport), max_retries=0
        )

    from google import genai
    from google.genai import types

    # One genai.Client serves sync and async calls: give it both httpx clients, or it builds the missing
    # one (slow, see _inert_ssl_context) or, for async, falls back to aiohttp, which no httpx2 transport
    # reaches. google-genai does not retry unless HttpOptions.retry_options says so.
    options = types.HttpOptions(
        base_url=base_url,
        httpx_client=_sync_http(prefix, transport),
        httpx_async_client=_async_http(prefix, transport),
        # Only read for websockets (the Live API), which never connect here.
        async_client_args={"ssl": _inert_ssl_context()},
    )
    if prefix == "google":
        return genai.Client(vertexai=False, api_key=api_key, http_options=options)
    from google.oauth2.credentials import Credentials

    credentials = Credentials(api_key)  # type: ignore[no-untyped-call]  # a fixed token, never refreshed
    return genai.Client(
        vertexai=True, project=VERTEX_PROJECT, location=VERTEX_LOCATION, credentials=credentials, http_options=options
    )


def _sync_http(prefix: str, transport: httpx2.BaseTransport | httpx2.AsyncBaseTransport) -> httpx2.Client:
    """An httpx2 client on ``transport``; on one refusing every request if ``transport`` is async only."""
    if not isinstance(transport, httpx2.BaseTransport):
        transport = _refusing_transport(prefix, f"{type(transport).__qualname__} serves async requests only")
    return httpx2.Client(transport=transport)


def _async_http(prefix: str, transport: httpx2.BaseTransport | httpx2.AsyncBaseTransport) -> httpx2.AsyncClient:
    """An async httpx2 client on ``transport``; on one refusing every request if ``transport`` is sync only."""
    if not isinstance(transport, httpx2.AsyncBaseTransport):
        transport = _refusing_transport(prefix, f"{type(transport).__qualname__} serves sync requests only")
    return httpx2.AsyncClient(transport=transport)


class MockProvider:
    """One provider endpoint in memory: queued answers are served in order; every request is kept.

    ``spec_or_prefix`` is a prefix (``"anthropic"``) or a spec (``"anthropic/claude-sonnet-5"``); the model
    is what `client` asks for (``"test-model"`` when not given). An answer queued with
    `answer` or `answer_wire` is written as the provider would send it, as JSON or as a
    ``text/event-stream`` according to the request (``"stream": true`` in an OpenAI or Anthropic body, a
    ``:streamGenerateContent`` path for Gemini and Vertex AI), so one queued answer serves ``create()``
    and ``create(stream=True)`` alike. A request with nothing queued raises `UnexpectedRequestError`.

    Example:

    ```python
    endpoint = MockProvider("anthropic").answer(Weather(location="Oslo", units="metric"))
    endpoint.answer_body({"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}, status=529)
    client = endpoint.client()
    client.create(messages=messages, response_model=Iterable[Weather])  # -> [Weather(...)]
    client.create(messages=messages, response_model=Iterable[Weather])  # raises anthropic.OverloadedError
    assert len(endpoint.requests) == 2
    ```
    """

    def __init__(self, spec_or_prefix: str) -> None:
        self.prefix, self.model = _split(spec_or_prefix)
        #: The provider adapter that writes the answers (``write_response``, ``write_stream``).
        self.provider: Provider = get_provider(self.prefix)
        #: Every request received, in order, answered or not.
        self.requests: list[httpx2.Request] = []
        self._queue: list[WireAnswer | httpx2.Response] = []
        # A plain handler: httpx2.MockTransport calls it for sync and async clients alike.
        self.transport = httpx2.MockTransport(self._handle)

    def __repr__(self) -> str:
        return f"MockProvider({self.prefix}/{self.model}: {len(self._queue)} queued, {len(self.requests)} seen)"

    @property
    def bodies(self) -> list[dict[str, Any]]:
        """The JSON body of each request, in order (``{}`` for a request without a body)."""
        return [json.loads(request.content) if request.content else {} for request in self.requests]

    # --- queueing answers --------------------------------------------------------------------

    def answer(
        self, *instances: BaseModel, text: str = "", finish_reason: str | None = None, usage: Usage | None = None
    ) -> MockProvider:
        """Queue an answer carrying ``instances`` as parallel tool calls (none: a text-only answer)."""
        return self.answer_wire(
            WireAnswer.of(
                instances, text=text, finish_reason=finish_reason, usage=usage if usage is not None else Usage()
            )
        )

    def answer_wire(self, answer: WireAnswer) -> MockProvider:
        """Queue a wire-level answer: calls with raw JSON arguments (valid or not), text, finish reason, usage."""
        self._queue.append(answer)
        return self

    def answer_body(
        self, body: dict[str, Any] | str | bytes, *, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> MockProvider:
        """Queue a raw body, served as it is to any request: an error body with ``status=429``, say.

        A dict is sent as JSON; ``str`` and ``bytes`` as given, as ``application/json`` unless
        ``headers`` name another content type.
        """
        content = json.dumps(body).encode() if isinstance(body, dict) else body
        response_headers = httpx2.Headers(headers)
        response_headers.setdefault("content-type", "application/json")
        self._queue.append(httpx2.Response(status, headers=response_headers, content=content))
        return self

    def answer_chunks(self, chunks: Iterable[bytes]) -> MockProvider:
        """Queue a ``text/event-stream`` body, sent chunk by chunk as the client reads it.

        ``chunks`` is read lazily (a generator sees how far the client got), and closed, when it has
        a ``close()`` method, when the client closes the response.
        """
        self._queue.append(
            httpx2.Response(200, stream=ChunkStream(chunks), headers={"content-type": "text/event-stream"})
        )
        return self

    # --- clients -----------------------------------------------------------------------------

    def sdk_client(self, *, async_client: bool = False, is_async: bool | None = None) -> Any:
        """The official SDK client for this endpoint (see `sdk_client`; ``is_async`` is the old name)."""
        return sdk_client(self.prefix, transport=self.transport, async_client=_async_keyword(async_client, is_async))

    @overload
    def client(
        self, *, async_client: Literal[False] = False, is_async: None = None, **from_provider_kwargs: Any
    ) -> ParallelToolsClient: ...

    @overload
    def client(
        self, *, async_client: Literal[True], is_async: None = None, **from_provider_kwargs: Any
    ) -> AsyncParallelToolsClient: ...

    @overload
    def client(
        self, *, async_client: bool = False, is_async: bool | None = None, **from_provider_kwargs: Any
    ) -> ParallelToolsClient | AsyncParallelToolsClient: ...

    def client(
        self, *, async_client: bool = False, is_async: bool | None = None, **from_provider_kwargs: Any
    ) -> ParallelToolsClient | AsyncParallelToolsClient:
        """A harness client for ``"<prefix>/<model>"`` on this endpoint; keywords go to ``from_provider``
        (``async_client`` as there; ``is_async`` is its old name)."""
        async_client = _async_keyword(async_client, is_async)
        return from_provider(
            f"{self.prefix}/{self.model}",
            client=self.sdk_client(async_client=async_client),
            async_client=async_client,
            **from_provider_kwargs,
        )

    # --- serving -----------------------------------------------------------------------------

    def _wants_stream(self, request: httpx2.Request) -> bool:
        if self.prefix in ("google", "vertexai"):
            return request.url.path.endswith(":streamGenerateContent")
        try:
            body = json.loads(request.content)
        except ValueError:
            return False
        return isinstance(body, dict) and body.get("stream") is True

    def _handle(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if not self._queue:
            raise UnexpectedRequestError(
                f"{self.prefix}: no answer queued for {request.method} {request.url} "
                f"(request {len(self.requests)}; queue one with answer(), answer_wire(), answer_body() "
                "or answer_chunks())",
                provider=self.prefix,
                request=request,
            )
        queued = self._queue.pop(0)
        if isinstance(queued, httpx2.Response):
            return queued
        if self._wants_stream(request):
            text = self.provider.write_stream(queued, model=self.model)
            return httpx2.Response(200, content=text.encode(), headers={"content-type": "text/event-stream"})
        return httpx2.Response(200, json=self.provider.write_response(queued, model=self.model))
