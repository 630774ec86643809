"""A cassette's error reaches the harness caller as itself, for every spec, however the SDK wrapped it.

The Anthropic and OpenAI SDKs turn whatever their transport raises into ``APIConnectionError``; the
cassette raises in the transport, so without harness's unwrapping ``except harness.HarnessError`` would
miss "no cassette, record it with ..." and see a connection error that never happened.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx2
import pytest

import harness
from harness.recording import NoCassetteError, use_cassette
from harness.testing import sdk_client
from tests._seed import MESSAGES, RESPONSE_MODEL

SPECS = ("openai", "openai-responses", "anthropic", "google", "vertexai")


def unreachable(request: httpx2.Request) -> httpx2.Response:
    raise AssertionError(f"the cassette should have answered {request.url}")


def call(spec: str, *, stream: bool, is_async: bool) -> Any:
    sdk_prefix = "openai" if spec == "openai-responses" else spec
    client: Any = harness.from_provider(
        f"{spec}/test-model",
        client=sdk_client(sdk_prefix, transport=httpx2.MockTransport(unreachable), async_client=is_async),
        async_client=is_async,
    )
    if not is_async:
        return list(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=stream))

    async def run() -> list[Any]:
        if stream:
            return [
                value async for value in client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
            ]
        return list(await client.create(messages=MESSAGES, response_model=RESPONSE_MODEL))

    return asyncio.run(run())


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("spec", SPECS)
def test_no_cassette_is_a_no_cassette_error_for_every_spec(
    spec: str, stream: bool, is_async: bool, tmp_path: Path
) -> None:
    path = tmp_path / "never-recorded.yaml"
    with use_cassette(path, record_mode="none"), pytest.raises(harness.HarnessError) as info:
        call(spec, stream=stream, is_async=is_async)
    assert type(info.value) is NoCassetteError, repr(info.value)
    assert str(path) in str(info.value)
    assert not path.exists()
