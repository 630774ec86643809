"""What the hostile-input tests share: places in a JSON document, serving a body to a real SDK, how many examples.

``HARNESS_FUZZ_EXAMPLES=4000 pytest -m fuzz`` (``make fuzz``) runs every fuzz test that long; the suite
runs each with the few hundred examples it names.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from harness.testing import MockProvider
from tests._seed import RESPONSE_MODEL, USER, dumps

Path = tuple[str | int, ...]


def examples(default: int) -> int:
    """``max_examples`` for a fuzz test: ``default``, or ``HARNESS_FUZZ_EXAMPLES`` for a long run."""
    return int(os.environ.get("HARNESS_FUZZ_EXAMPLES") or default)


def places(node: Any, path: Path = ()) -> list[Path]:
    """Every place in a JSON document (a key of an object, an index of an array), the document itself excluded."""
    found: list[Path] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        found.append((*path, key))
        found += places(value, (*path, key))
    return found


def served(
    prefix: str,
    content: bytes | list[bytes],
    *,
    stream: bool,
    is_async: bool = False,
    response_model: Any = RESPONSE_MODEL,
    **create_kwargs: Any,
) -> list[str]:
    """The calls harness hands back (type and JSON of each) when ``content`` is the provider's answer.

    ``content`` is the body, or for a stream the chunks it arrives in; whatever the client raises is raised.
    """
    wire = MockProvider(prefix)
    if stream:
        wire.answer_chunks(content if isinstance(content, list) else [content])
    else:
        wire.answer_body(b"".join(content) if isinstance(content, list) else content)
    if not is_async:
        client = wire.client()
        return dumps(client.create(messages=[USER], response_model=response_model, stream=stream, **create_kwargs))
    async_client = wire.client(async_client=True)

    async def collect() -> list[str]:
        if stream:
            calls = async_client.create(messages=[USER], response_model=response_model, stream=True, **create_kwargs)
            return dumps([value async for value in calls])
        return dumps(await async_client.create(messages=[USER], response_model=response_model, **create_kwargs))

    return asyncio.run(collect())
