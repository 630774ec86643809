"""The provider's side of a round trip: an in-memory endpoint that serves one prepared answer.

The runner stands where the provider would. It reads each request as the provider would
(``Provider.read_request``) and answers with a :class:`~harness.WireAnswer` written by the provider's
own writers, as JSON or as a ``text/event-stream`` according to the request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx2

from harness.providers import Provider, get_provider
from harness.providers._base import ReceivedRequest, WireAnswer, sse
from harness.testing import sdk_client

MODEL = "conformance-model"


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
    """One provider endpoint; :meth:`serve` sets the answer every following request gets."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.provider: Provider = get_provider(prefix)
        self.exchanges: list[Exchange] = []
        self._answer = WireAnswer()
        self.sdk_client = sdk_client(prefix, transport=httpx2.MockTransport(self._handle))

    def serve(self, answer: WireAnswer) -> None:
        """Answer the next requests with ``answer``; forget earlier exchanges."""
        self._answer = answer
        self.exchanges = []

    def _handle(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content) if request.content else {}
        path = request.url.path
        try:
            received = self.provider.read_request(body, path=path)
        except (ValueError, TypeError) as error:
            self.exchanges.append(Exchange(body, path, None, None, False, f"{type(error).__name__}: {error}"))
            return httpx2.Response(400, json=self.provider.write_error(400, str(error)))
        if received.stream:
            events = self.provider.write_events(self._answer, model=MODEL)
            self.exchanges.append(Exchange(body, path, received, events, True))
            text = sse(events, named=self.provider.sse_named, done=self.provider.sse_done)
            return httpx2.Response(200, content=text.encode(), headers={"content-type": "text/event-stream"})
        wire = self.provider.write_response(self._answer, model=MODEL)
        self.exchanges.append(Exchange(body, path, received, wire, False))
        return httpx2.Response(200, json=wire)
