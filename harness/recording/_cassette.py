"""A vcrpy cassette made for LLM calls: indexed lookups, streams kept as streams, three clear failures.

`HarnessCassette` is a ``vcr.cassette.Cassette``: vcrpy still owns record modes, hooks,
persistence and the patching of every other HTTP library. For httpx2 (the transport of the openai,
anthropic and google-genai SDKs) it installs its own transport stubs instead of vcrpy's, because
vcrpy's read a streamed answer whole before handing it over and replay it as one chunk:

- recording, the client gets each chunk as it arrives; the interaction is stored when the answer
  ends, a stream as its list of events;
- replaying, a stream is sent back event by event, so calls still arrive as each completes.

Lookups use a `harness.recording._matching.RequestIndex`, not vcrpy's scan of every
recorded request, so replay costs the same at 10 interactions as at 1,000.
"""

from __future__ import annotations

import datetime
import gzip
import importlib.metadata
import json
import threading
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_from_bytes, unquote_to_bytes, urlsplit

import httpx2
from vcr.cassette import Cassette
from vcr.patch import (
    _Httpx2AsgiTransport_handle_async_request,
    _Httpx2AsyncHttpTransport_handle_async_request,
    _Httpx2HttpTransport_handle_request,
    _Httpx2MockTransport_handle_async_request,
    _Httpx2MockTransport_handle_request,
    _Httpx2WsgiTransport_handle_request,
)
from vcr.record_mode import RecordMode
from vcr.request import Request as VcrRequest

from harness._http import ChunkStream
from harness.recording._errors import AlreadyPlayedError, NoCassetteError, NoMatchError
from harness.recording._format import _COMPRESSED, _TOKEN, split_events  # the loader's own rules
from harness.recording._matching import RequestIndex, nearest, request_key, shown_path


@dataclass
class RecordingSettings:
    """What harness adds to a vcrpy cassette's own configuration."""

    #: Secret values (API keys from the environment) that never reach disk and never decide a match.
    secrets: Sequence[str] = ()
    #: Record answers with a non-2xx status too (by default only successes are kept).
    record_errors: bool = False
    #: The pytest node id, for the commands the errors suggest.
    test_id: str | None = None
    #: True once the test failed: its cassette is then not written.
    failed: Callable[[], bool] = field(default=lambda: False)
    #: Extra metadata to store (for example the emulator's seed and script).
    source: dict[str, Any] = field(default_factory=dict)


class HarnessCassette(Cassette):  # type: ignore[misc]  # vcrpy is untyped
    """A vcrpy cassette with an index, stream-faithful httpx2 stubs and harness's error messages."""

    custom_patches: tuple[Any, ...]
    _metadata: dict[str, Any]

    def __init__(self, path: str, *, settings: RecordingSettings | None = None, **kwargs: Any) -> None:
        skip = tuple({*kwargs.pop("skip_patchers", ()), "httpx2"})
        super().__init__(path, skip_patchers=skip, **kwargs)
        self.settings = settings or RecordingSettings()
        self.custom_patches = (*tuple(self.custom_patches), *_httpx2_patches(self))
        self._index = RequestIndex()
        self._keys: list[str] = []
        self._lock = threading.RLock()

    # --- storing -------------------------------------------------------------------------------

    def append(self, request: Any, response: Any) -> None:
        with self._lock:
            before = len(self.data)
            super().append(request, response)
            for position in range(before, len(self.data)):
                stored = self.data[position][0]
                key = self._key(stored)
                self._keys.append(key)
                self._index.add(key, position)

    def _key(self, request: Any) -> str:
        return request_key(request.method, request.uri, request.body, self.settings.secrets)

    def _save(self, force: bool = False) -> None:
        if self.settings.failed():
            return  # a failed test's answers are not trusted: the cassette stays as it was
        super()._save(force=force)

    def _persist(self, cassette_dict: Any) -> None:
        self._metadata = {**self._metadata, **self._recording_metadata(cassette_dict)}
        super()._persist(cassette_dict)

    def _recording_metadata(self, cassette_dict: Any) -> dict[str, Any]:
        hosts = sorted({urlsplit(r.uri).netloc for r in cassette_dict["requests"]})
        versions = {}
        for name in ("harness", "openai", "anthropic", "google-genai"):
            try:
                versions[name] = importlib.metadata.version(name if name != "harness" else _DISTRIBUTION)
            except importlib.metadata.PackageNotFoundError:
                continue
        recorded_at = datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()
        metadata = {"recorded_at": recorded_at, "hosts": hosts, "versions": versions, **self.settings.source}
        emulated = [_emulator_source(r) for r in cassette_dict["responses"]]
        if any(emulated) and "source" not in metadata:
            metadata["source"] = {"emulator": next(e for e in emulated if e)}
        return metadata

    # --- playing -------------------------------------------------------------------------------

    def answer_for(self, request: Any) -> Any | None:
        """The recorded response for ``request``, or ``None`` when it is to be recorded.

        Raises `NoCassetteError`, `NoMatchError` or `AlreadyPlayedError` when
        the record mode forbids recording it.
        """
        with self._lock:
            key = self._key(request)
            if key not in self._index and self._before_record_request is not None:
                filtered = self._before_record_request(request)  # the user's hooks may rewrite what is stored
                key = self._key(filtered) if filtered else key
            recorded = list(self._index.positions(key))
            # As vcrpy: a cassette being written for the first time plays nothing back (each repeat is recorded).
            if self.record_mode != RecordMode.ALL and (self.rewound or self.allow_playback_repeats):
                for position in recorded:
                    if self.play_counts[position] == 0 or self.allow_playback_repeats:
                        if self.play_counts[position] == 0 and position < self._loaded_count:
                            self._played_interactions.append(self.data[position])
                        self.play_counts[position] += 1
                        return self.data[position][1]
            if not self.write_protected:
                return None
            line = f"{request.method} {shown_path(request.uri)}"
            mode = str(getattr(self.record_mode, "value", self.record_mode))
            if not self.rewound:
                raise NoCassetteError(
                    path=self._path, record_mode=mode, request_line=line, test_id=self.settings.test_id
                )
            if recorded:
                raise AlreadyPlayedError(path=self._path, request_line=line, times=len(recorded))
            miss = nearest(key, self._keys)
            near = None
            diffs: list[str] = []
            if miss is not None:
                stored = self.data[miss[0]][0]
                near, diffs = f"{stored.method} {shown_path(stored.uri)} (interaction {miss[0]})", miss[1]
            raise NoMatchError(
                path=self._path,
                record_mode=mode,
                request_line=line,
                nearest=near,
                differences=diffs,
                test_id=self.settings.test_id,
            )

    def unplayed(self) -> list[str]:
        """The loaded interactions this test never played, as request lines."""
        return [
            f"{request.method} {shown_path(request.uri)} (interaction {position})"
            for position, (request, _) in enumerate(self.data[: self._loaded_count])
            if self.play_counts[position] == 0
        ]


_DISTRIBUTION = "parallel-tools-harness"


def _emulator_source(response: dict[str, Any]) -> dict[str, Any] | None:
    """The seed and script the harness emulator says it answered with (its ``x-harness-emulator-source``)."""
    for name, values in (response.get("headers") or {}).items():
        if name.lower() == "x-harness-emulator-source" and values:
            try:
                source = json.loads(replayed_header(values[0]))
            except ValueError:
                return None
            return source if isinstance(source, dict) else None
    return None


# --- the httpx2 transport stubs -------------------------------------------------------------------


def _httpx2_patches(cassette: HarnessCassette) -> list[tuple[Any, str, Any]]:
    def sync_stub(original: Callable[..., httpx2.Response]) -> Callable[..., httpx2.Response]:
        def handle_request(transport: Any, request: httpx2.Request) -> httpx2.Response:
            body = request.read()
            vcr_request = VcrRequest(request.method, str(request.url), body, _stored_headers(request.headers))
            recorded = cassette.answer_for(vcr_request)
            if recorded is not None:
                return _replayed(recorded)
            response = original(transport, request)
            return _recording(cassette, vcr_request, response)

        return handle_request

    def async_stub(original: Callable[..., Any]) -> Callable[..., Any]:
        async def handle_async_request(transport: Any, request: httpx2.Request) -> httpx2.Response:
            body = await request.aread()
            vcr_request = VcrRequest(request.method, str(request.url), body, _stored_headers(request.headers))
            recorded = cassette.answer_for(vcr_request)
            if recorded is not None:
                return _replayed(recorded)
            response = await original(transport, request)
            return _recording(cassette, vcr_request, response)

        return handle_async_request

    return [
        (httpx2.HTTPTransport, "handle_request", sync_stub(_Httpx2HttpTransport_handle_request)),
        (httpx2.MockTransport, "handle_request", sync_stub(_Httpx2MockTransport_handle_request)),
        (httpx2.WSGITransport, "handle_request", sync_stub(_Httpx2WsgiTransport_handle_request)),
        (httpx2.AsyncHTTPTransport, "handle_async_request", async_stub(_Httpx2AsyncHttpTransport_handle_async_request)),
        (httpx2.MockTransport, "handle_async_request", async_stub(_Httpx2MockTransport_handle_async_request)),
        (httpx2.ASGITransport, "handle_async_request", async_stub(_Httpx2AsgiTransport_handle_async_request)),
    ]


#: Headers about the bytes on the wire, not the body the client read: bodies are stored and replayed decoded.
_FRAMING = ("content-encoding", "content-length", "transfer-encoding")


def _replayed(recorded: dict[str, Any]) -> httpx2.Response:
    body = recorded["body"]
    events = body.get("events")
    raw = body.get("string") or b""
    chunks = [event.encode("utf-8") for event in events] if events is not None else [_bytes(raw)]
    headers = [
        (name.encode("ascii"), replayed_header(value))
        for name, values in recorded["headers"].items()
        if name.lower() not in _FRAMING
        for value in values
    ]
    message = recorded["status"].get("message")
    extensions = {"reason_phrase": message.encode("ascii", "replace")} if message else None
    return httpx2.Response(
        recorded["status"]["code"], headers=headers, stream=ChunkStream(chunks), extensions=extensions
    )


#: What starts a header value stored escaped: the text the client read, as UTF-8, percent-encoded.
ESCAPED = "%utf-8:"
_PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


def stored_header(value: str) -> str:
    """A header value as a cassette keeps it: ASCII on one line, what the loader accepts.

    Servers send other bytes too (UTF-8 or latin-1 text), which httpx2 decodes for the client and cannot
    send back as text. Such a value is stored as `ESCAPED` and the percent-encoded UTF-8 of what the
    client read (``caf%C3%A9``); so is an ASCII value that starts like one, so every stored value
    reads back as itself.
    """
    if value.isascii() and not any(c in value for c in "\r\n\0") and not value.startswith(ESCAPED):
        return value
    return ESCAPED + quote_from_bytes(value.encode("utf-8"), safe=_PRINTABLE)


def replayed_header(value: str) -> bytes:
    """A stored header value as replay hands it to httpx2: an escaped one as the UTF-8 it stands for.

    Every non-ASCII value replayed is UTF-8, so httpx2 decodes them all as UTF-8 and the client reads
    the text it read when recording, whatever encoding the server had used (latin-1 comes back as the
    UTF-8 of the same text).
    """
    return unquote_to_bytes(value.removeprefix(ESCAPED)) if value.startswith(ESCAPED) else value.encode("utf-8")


def _stored_headers(headers: httpx2.Headers) -> dict[str, str]:
    """A request's headers as vcrpy holds them (one value per name), each as `stored_header` keeps it."""
    return {name: stored_header(value) for name, value in headers.items() if _TOKEN.fullmatch(name)}


def _bytes(raw: str | bytes) -> bytes:
    return raw.encode("utf-8") if isinstance(raw, str) else raw


class _Tee(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """Hands each chunk of a live answer to the client as it arrives, and keeps a copy to record.

    If the client stops reading early, the rest is still read on close, so the cassette holds the
    whole answer (a cut one would replay as an incomplete stream).
    """

    def __init__(self, stream: Any, on_end: Callable[[bytes], None]) -> None:
        self._stream = stream
        self._on_end = on_end
        self._parts: list[bytes] = []
        self._ended = False
        self._iterator: Any = None

    def __iter__(self) -> Iterator[bytes]:
        self._iterator = iter(self._stream)
        for chunk in self._iterator:
            self._parts.append(chunk)
            yield chunk
        self._end()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self._iterator = self._stream.__aiter__()
        async for chunk in self._iterator:
            self._parts.append(chunk)
            yield chunk
        self._end()

    def close(self) -> None:
        if not self._ended:
            for chunk in self._iterator if self._iterator is not None else iter(self._stream):
                self._parts.append(chunk)
            self._end()
        self._stream.close()

    async def aclose(self) -> None:
        if not self._ended:
            iterator = self._iterator if self._iterator is not None else self._stream.__aiter__()
            async for chunk in iterator:
                self._parts.append(chunk)
            self._end()
        await self._stream.aclose()

    def _end(self) -> None:
        if not self._ended:
            self._ended = True
            self._on_end(b"".join(self._parts))


def _recording(cassette: HarnessCassette, request: Any, response: httpx2.Response) -> httpx2.Response:
    """``response`` as the client gets it, stored once read whole (a non-2xx one only with ``record_errors``).

    What is stored is what the loader reads back: header values as `stored_header` keeps them,
    and no header whose name is not an HTTP token (only an in-process handler can make one; no HTTP
    server can send it).
    """

    def record(raw: bytes, *, decoded: bool = False) -> None:
        if not 200 <= response.status_code < 300 and not cassette.settings.record_errors:
            return
        body = raw if decoded else decode_body(raw, response.headers.get("content-encoding", ""))
        headers: dict[str, list[str]] = {}
        for name, value in response.headers.multi_items():
            if name.lower() not in _FRAMING and _TOKEN.fullmatch(name):
                headers.setdefault(name, []).append(stored_header(value))
        if body.startswith(_COMPRESSED):  # sent compressed without saying so: the client read these very bytes
            headers["content-encoding"] = ["identity"]  # which tells the loader they are stored as sent
        stored: dict[str, Any] = {
            "status": {"code": response.status_code, "message": response.reason_phrase},
            "headers": headers,
            "body": {"string": body},
        }
        if any(v.lower().startswith("text/event-stream") for v in response.headers.get_list("content-type")):
            stored["body"]["events"] = split_events(body.decode("utf-8", "replace"))
        cassette.append(request, stored)

    try:
        content = response.content  # built in memory (a MockTransport handler): already read and decoded
    except httpx2.ResponseNotRead:
        response.stream = _Tee(response.stream, record)
    else:
        record(content, decoded=True)
    return response


def decode_body(raw: bytes, encoding: str) -> bytes:
    """The body without its content encoding: cassettes store what the client reads."""
    for coding in reversed([c.strip().lower() for c in encoding.split(",") if c.strip()]):
        if coding == "gzip":
            raw = gzip.decompress(raw)
        elif coding == "deflate":
            try:
                raw = zlib.decompress(raw)
            except zlib.error:  # raw deflate without the zlib header, as some servers send
                raw = zlib.decompress(raw, -zlib.MAX_WBITS)
        elif coding == "br":
            import brotli

            raw = brotli.decompress(raw)
        elif coding == "zstd":
            import zstandard

            raw = zstandard.ZstdDecompressor().decompressobj().decompress(raw)
        elif coding != "identity":
            raise ValueError(f"cannot record a body with content-encoding {coding!r}")
    return raw
