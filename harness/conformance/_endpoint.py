"""The provider's side of a round trip: an in-memory endpoint that serves one prepared answer.

The runner stands where the provider would. It reads each request as the provider would
(``Provider.read_request``) and answers with a `harness.WireAnswer` written by the provider's
own writers, as JSON or as a ``text/event-stream`` according to the request.

One endpoint answers through every door a library may need: the SDK clients (sync and async) on an
``httpx2`` transport, an ``httpx`` (v1) transport for libraries still on httpx, and a loopback socket on
127.0.0.1 for libraries that take only a ``base_url`` and an ``api_key``. Each door serves the same answer
and records the same `Exchange`.
"""

from __future__ import annotations

import atexit
import functools
import http.server
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2

from harness.providers import PREFIXES, Provider, get_provider
from harness.providers._base import ReceivedRequest, WireAnswer, sse
from harness.providers._compatible import PROFILES
from harness.testing import sdk_client

#: The model each provider's adapter is asked for by default: real names, because a library may behave
#: differently for a model it does not know (pydantic-ai drops Anthropic ``strict`` for one).
DEFAULT_MODELS: dict[str, str] = {
    "openai": "gpt-4.1-mini",
    "openai-responses": "gpt-4.1-mini",
    "anthropic": "claude-sonnet-4-5",
    "google": "gemini-2.5-flash",
    "vertexai": "gemini-2.5-flash",
    **{prefix: profile.model for prefix, profile in PROFILES.items()},
    "azure": "gpt-4.1-mini",
    "azure-responses": "gpt-4.1-mini",
    "anthropic-vertex": "claude-sonnet-4-5",
}
#: A dummy key for libraries that insist on one; nothing checks it.
API_KEY = "harness-conformance"
#: The API root each SDK puts before its paths, after the loopback's ``http://127.0.0.1:PORT``.
_API_ROOTS = {
    "openai": "/v1",
    "openai-responses": "/v1",
    # The compatible servers' own paths (DeepSeek's /beta, which serves strict and non-strict alike).
    **{prefix: urlsplit(p.strict_base_url or p.base_url).path for prefix, p in PROFILES.items()},
}

_models: dict[str, str] = dict(DEFAULT_MODELS)


def use_models(models: Mapping[str, str]) -> dict[str, str]:
    """Ask adapters for ``models`` (prefix -> name; the others keep theirs); returns the previous set."""
    check_model_names(models)
    previous = dict(_models)
    _models.update(models)
    return previous


def check_model_names(models: Mapping[str, str]) -> None:
    """ValueError for a model of an unknown provider, or a name that is empty or holds whitespace."""
    for prefix, name in models.items():
        if prefix not in PREFIXES:
            raise ValueError(f"--model: unknown provider {prefix!r}; expected one of {', '.join(PREFIXES)}")
        if not name or any(character.isspace() for character in name):
            raise ValueError(f"--model: {prefix}={name!r} is not a model name")


def current_models() -> dict[str, str]:
    return dict(_models)


@dataclass(frozen=True)
class Exchange:
    """One request the adapter sent and what it was answered."""

    body: dict[str, Any]
    path: str
    #: ``None`` when the provider could not read the request (see ``error``).
    received: ReceivedRequest | None
    #: The answer as served: the JSON body, or the list of stream events.
    wire: Any
    stream: bool
    #: Why the provider refused to read the request (it was answered with a 400).
    error: str | None = None


class Endpoint:
    """One provider endpoint; `serve` sets the answer every following request gets."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.provider: Provider = get_provider(prefix)
        self.exchanges: list[Exchange] = []
        self._answer = WireAnswer()
        self.transport = httpx2.MockTransport(self._handle)
        self.sdk_client = sdk_client(prefix, transport=self.transport)

    @property
    def model(self) -> str:
        return _models[self.prefix]

    @property
    def spec(self) -> str:
        """What an adapter is asked for: ``prefix/model``."""
        return f"{self.prefix}/{self.model}"

    def serve(self, answer: WireAnswer) -> None:
        """Answer the next requests with ``answer``; forget earlier exchanges."""
        self._answer = answer
        self.exchanges = []

    def keyword(self, name: str) -> Any:
        """The value of an adapter's optional keyword argument ``name`` (see ``ADAPTER_KEYWORDS``)."""
        if name == "model":
            return self.model
        if name == "api_key":
            return API_KEY
        return getattr(self, name)

    # --- the doors, built the first time an adapter names one -----------------------------------
    @functools.cached_property
    def async_sdk_client(self) -> Any:
        return sdk_client(self.prefix, transport=self.transport, async_client=True)

    @functools.cached_property
    def httpx_transport(self) -> Any:
        """An ``httpx`` (v1) transport serving the same answers; ``None`` when httpx is not installed."""
        try:
            import httpx  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            return None

        def handle(request: Any) -> Any:
            status, headers, content = self.respond(request.url.path, request.read())
            return httpx.Response(status, content=content, headers=headers)

        return httpx.MockTransport(handle)

    @functools.cached_property
    def base_url(self) -> str:
        """The API root on a loopback socket (127.0.0.1, an ephemeral port) serving the same answers."""
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _loopback_handler(self))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name=f"conformance-{self.prefix}", daemon=True).start()
        atexit.register(server.shutdown)
        host, port = server.server_address[:2]
        return f"http://{host!s}:{port}{_API_ROOTS.get(self.prefix, '')}"

    # --- answering ---------------------------------------------------------------------------
    def _handle(self, request: httpx2.Request) -> httpx2.Response:
        status, headers, content = self.respond(request.url.path, request.read())
        return httpx2.Response(status, content=content, headers=headers)

    def respond(self, path: str, content: bytes) -> tuple[int, dict[str, str], bytes]:
        """A request's path and body -> the status, headers and body served; the exchange is recorded."""
        body = json.loads(content) if content else {}
        try:
            received = self.provider.read_request(body, path=path)
        except (ValueError, TypeError) as error:
            self.exchanges.append(Exchange(body, path, None, None, False, f"{type(error).__name__}: {error}"))
            return 400, _JSON, json.dumps(self.provider.write_error(400, str(error))).encode()
        if received.stream:
            events = self.provider.write_events(self._answer, model=self.model)
            self.exchanges.append(Exchange(body, path, received, events, True))
            text = sse(events, named=self.provider.sse_named, done=self.provider.sse_done)
            return 200, {"content-type": "text/event-stream"}, text.encode()
        wire = self.provider.write_response(self._answer, model=self.model)
        self.exchanges.append(Exchange(body, path, received, wire, False))
        return 200, _JSON, json.dumps(wire).encode()


_JSON = {"content-type": "application/json"}


def _loopback_handler(endpoint: Endpoint) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        """Every request to the loopback socket, answered by the endpoint as the in-memory doors are."""

        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            content = self.rfile.read(int(self.headers.get("content-length") or 0))
            status, headers, body = endpoint.respond(self.path.split("?", 1)[0], content)
            self.send_response(status)
            for name, value in {**headers, "content-length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST

        def log_message(self, format: str, *args: Any) -> None:  # the base class names it so
            """Quiet: a run's requests are its exchanges, not lines on stderr."""

    return Handler
