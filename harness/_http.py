"""What the in-memory transport and the cassette replay share: a body sent chunk by chunk."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator

import httpx2


class ChunkStream(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """A response body handed to a sync or an async client one chunk at a time, as it is read.

    A replayed stream is one event per chunk, so calls arrive one by one as they did live. Closing the
    response closes the chunks when they can be closed (a generator gets ``GeneratorExit``), so a test
    can see whether its client released a stream it left early.
    """

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if callable(close):
            close()

    async def aclose(self) -> None:
        self.close()
