"""The seed scenario replayed from this project's own cassettes (``cassettes/``), through the pytest plugin.

Recorded through the emulator from ``cassettes/seed.yaml``; re-record with
``harness emulate --port 0 --script cassettes/seed.yaml -- pytest --record-mode=rewrite tests/test_seed_cassettes.py``.
"""

from __future__ import annotations

import pytest

from harness import AsyncParallelToolsClient, ParallelToolsClient
from tests._seed import CALLS, MESSAGES, RESPONSE_MODEL, dumps

SPECS = (
    "openai/gpt-4.1-mini",
    "openai-responses/gpt-4.1-mini",
    "anthropic/claude-sonnet-5",
    "google/gemini-2.5-flash",
    "vertexai/gemini-2.5-flash",
)


@pytest.mark.providers(*SPECS)
def test_weather_in_toronto_and_dallas_and_who_won_the_super_bowl(parallel_client: ParallelToolsClient) -> None:
    assert dumps(parallel_client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)) == dumps(CALLS)
    streamed = parallel_client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
    assert dumps(streamed) == dumps(CALLS)


@pytest.mark.anyio
@pytest.mark.providers("anthropic/claude-sonnet-5", "google/gemini-2.5-flash")
async def test_the_async_client_replays_too(parallel_async_client: AsyncParallelToolsClient) -> None:
    client = parallel_async_client
    assert dumps(await client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)) == dumps(CALLS)
    streamed = [v async for v in client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)]
    assert dumps(streamed) == dumps(CALLS)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
