"""Real SDK clients on an ``httpx2.MockTransport`` that serves queued wire answers and records requests."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2
from pydantic import BaseModel

import harness
from harness.providers import get_provider
from harness.providers._base import WireAnswer

PREFIXES = ("openai", "openai-responses", "anthropic", "google", "vertexai")
TEST_KEY = "test-key"  # a test fixture, not a secret


def sse_response(text: str) -> httpx2.Response:
    return httpx2.Response(200, text=text, headers={"content-type": "text/event-stream"})


@dataclass
class Wire:
    """One provider's endpoint: answers are served in order; every request body is kept."""

    prefix: str
    answers: list[httpx2.Response] = field(default_factory=list)
    requests: list[httpx2.Request] = field(default_factory=list)

    @property
    def provider(self) -> Any:
        return get_provider(self.prefix)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]

    def answer_calls(self, calls: Sequence[BaseModel], *, stream: bool = False) -> Wire:
        return self.answer(WireAnswer.of(calls), stream=stream)

    def answer(self, answer: WireAnswer, *, stream: bool = False) -> Wire:
        """Serve ``answer`` as the provider writes it, as JSON or as a stream."""
        if stream:
            self.answers.append(sse_response(self.provider.write_stream(answer, model="m")))
        else:
            self.answers.append(httpx2.Response(200, json=self.provider.write_response(answer, model="m")))
        return self

    def answer_json(self, body: dict[str, Any]) -> Wire:
        self.answers.append(httpx2.Response(200, json=body))
        return self

    def answer_chunks(self, chunks: Iterator[bytes]) -> Wire:
        self.answers.append(httpx2.Response(200, content=chunks, headers={"content-type": "text/event-stream"}))
        return self

    def _handle(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        assert self.answers, f"unexpected request to {request.url}"
        return self.answers.pop(0)

    async def _handle_async(self, request: httpx2.Request) -> httpx2.Response:
        return self._handle(request)

    def sdk_client(self, *, is_async: bool = False) -> Any:
        if is_async:
            return self._sdk_client(httpx2.AsyncClient(transport=httpx2.MockTransport(self._handle_async)), True)
        return self._sdk_client(httpx2.Client(transport=httpx2.MockTransport(self._handle)), False)

    def _sdk_client(self, http: Any, is_async: bool) -> Any:
        if self.prefix.startswith("openai"):
            import openai

            return (openai.AsyncOpenAI if is_async else openai.OpenAI)(api_key=TEST_KEY, http_client=http)
        if self.prefix == "anthropic":
            import anthropic

            return (anthropic.AsyncAnthropic if is_async else anthropic.Anthropic)(api_key=TEST_KEY, http_client=http)
        from google import genai
        from google.genai import types

        options = types.HttpOptions(httpx_async_client=http) if is_async else types.HttpOptions(httpx_client=http)
        return genai.Client(api_key=TEST_KEY, vertexai=self.prefix == "vertexai", http_options=options)

    def client(self, *, is_async: bool = False, model: str = "m", **kwargs: Any) -> Any:
        return harness.from_provider(
            f"{self.prefix}/{model}", client=self.sdk_client(is_async=is_async), async_client=is_async, **kwargs
        )
