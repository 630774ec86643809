"""A cassette the recorder writes always loads, and replays the header values the client read.

The server is a real one on a loopback socket, writing its header bytes itself: UTF-8, latin-1, bytes
no encoding decodes alike. The client is the real OpenAI SDK, read through harness and through the
SDK's raw response, live and replayed.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2
import pytest

import harness
from harness import WireAnswer
from harness.providers import get_provider
from harness.recording import use_cassette
from harness.recording._format import deserialize
from harness.testing import sdk_client
from tests._seed import CALLS, MESSAGES, RESPONSE_MODEL, dumps

BODY = json.dumps(get_provider("openai").write_response(WireAnswer.of(CALLS), model="gpt-4.1-mini")).encode()


@contextlib.contextmanager
def serving(header_lines: list[bytes], body: bytes = BODY, content_type: bytes = b"application/json") -> Iterator[str]:
    """An endpoint on loopback answering every request with ``body``, its headers ``header_lines`` byte for byte."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            head = [b"HTTP/1.1 200 OK", b"content-type: " + content_type, b"content-length: %d" % len(body)]
            self.wfile.write(b"\r\n".join([*head, *header_lines]) + b"\r\n\r\n" + body)
            self.wfile.flush()

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            self.do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def read(base_url: str, transport: httpx2.BaseTransport) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """What a client reads: the headers through the SDK's raw response, and the calls through harness."""
    sdk = sdk_client("openai", transport=transport, base_url=base_url)
    raw = sdk.chat.completions.with_raw_response.create(model="gpt-4.1-mini", messages=MESSAGES)
    headers = [(name, value) for name, value in raw.headers.multi_items() if name.startswith("x-")]
    client = harness.from_provider("openai/gpt-4.1-mini", client=sdk)
    calls = dumps(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL))
    return headers, calls, [raw.parse().model_dump_json()]


HEADERS = {
    "utf-8": [b"x-place: Z\xc3\xbcrich, caf\xc3\xa9 \xe2\x98\x95", b"x-plain: ascii"],
    "latin-1": [b"x-place: Z\xfcrich", b"x-other: caf\xe9"],
    "mixed, read as latin-1": [b"x-place: caf\xc3\xa9", b"x-other: \xe9t\xe9"],
    "several values": [b"x-place: \xc3\xa9", b"x-place: plain", b"x-place: \xc3\xbc"],
    "looks escaped": [b"x-place: %utf-8:caf%C3%A9", b"x-other: %utf-8:"],
    "percent and controls": [b"x-place: 100% \xc3\xa9\t%25 ~`!", b"x-other: \x7f\x01"],
}


@pytest.mark.parametrize("lines", HEADERS.values(), ids=HEADERS.keys())
def test_a_recorded_non_ascii_header_loads_and_replays_as_the_client_read_it(
    tmp_path: Path, lines: list[bytes]
) -> None:
    path = tmp_path / "headers.yaml"
    with serving(lines) as base_url:
        with use_cassette(path, record_mode="once"):
            live = read(base_url, httpx2.HTTPTransport())
        text = path.read_text(encoding="utf-8")
    deserialize(text)  # loads: a CassetteFormatError here is a recording that cannot be replayed
    assert live[0] and live[1] == dumps(CALLS)

    refusing = httpx2.MockTransport(lambda request: pytest.fail("replay reached the transport"))
    with use_cassette(path, record_mode="none"):
        replayed = read(base_url, refusing)
    assert replayed == live


def test_an_ascii_header_is_stored_as_sent(tmp_path: Path) -> None:
    path = tmp_path / "headers.yaml"
    with serving([b"x-plain: text, with=signs; and %20"]) as base_url, use_cassette(path, record_mode="once"):
        read(base_url, httpx2.HTTPTransport())
    assert "x-plain:\n      - text, with=signs; and %20\n" in path.read_text()


def test_a_non_ascii_value_is_stored_readably(tmp_path: Path) -> None:
    path = tmp_path / "headers.yaml"
    with serving([b"x-place: caf\xc3\xa9"]) as base_url, use_cassette(path, record_mode="once"):
        read(base_url, httpx2.HTTPTransport())
    assert "x-place:\n      - '%utf-8:caf%C3%A9'\n" in path.read_text()


def test_an_in_process_answer_with_a_non_ascii_header_records_and_replays(tmp_path: Path) -> None:
    """An httpx2.MockTransport handler can hand the client any str: its recording loads and replays too."""
    path = tmp_path / "mock.yaml"
    headers = [(b"x-place", "Zürich".encode()), (b"x-line", b"one\ntwo"), (b"x bad", b"no HTTP server sends this name")]
    live = httpx2.MockTransport(lambda request: httpx2.Response(200, content=BODY, headers=headers))
    with use_cassette(path, record_mode="once"):
        recorded = read("https://api.example.test/v1", live)
    stored = deserialize(path.read_text())["interactions"][0]["response"]["headers"]
    assert "x bad" not in stored  # dropped, by the rule: a cassette holds what an HTTP server can send
    with use_cassette(path, record_mode="none"):
        assert read("https://api.example.test/v1", httpx2.MockTransport(lambda r: httpx2.Response(500))) == recorded
    assert ("x-place", "Zürich") in recorded[0]


def test_a_body_sent_compressed_without_saying_so_loads_and_replays_byte_for_byte(tmp_path: Path) -> None:
    """A gzip file served as it is (no content-encoding): the client read gzip bytes, and reads them again."""
    path = tmp_path / "file.yaml"
    archive = gzip.compress(b'{"prompt": "hi"}\n')
    with serving([], archive, b"application/octet-stream") as base_url, use_cassette(path, record_mode="once"):
        live = sdk_client("openai", transport=httpx2.HTTPTransport(), base_url=base_url).files.content("file-1")
        recorded = live.content
    deserialize(path.read_text())
    refusing = httpx2.MockTransport(lambda request: pytest.fail("replay reached the transport"))
    with use_cassette(path, record_mode="none"):
        replayed = sdk_client("openai", transport=refusing, base_url=base_url).files.content("file-1").content
    assert recorded == replayed == archive


def test_a_stream_under_a_capitalized_content_type_is_stored_as_events(tmp_path: Path) -> None:
    """Media types are case-insensitive: the recorder says stream where the loader does."""
    path = tmp_path / "stream.yaml"
    stream = get_provider("openai").write_stream(WireAnswer.of(CALLS), model="gpt-4.1-mini").encode()

    def calls(base_url: str, transport: httpx2.BaseTransport) -> list[str]:
        client = harness.from_provider(
            "openai/gpt-4.1-mini", client=sdk_client("openai", transport=transport, base_url=base_url)
        )
        return dumps(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True))

    with serving([], stream, b"Text/Event-Stream; charset=utf-8") as base_url, use_cassette(path, record_mode="once"):
        live = calls(base_url, httpx2.HTTPTransport())
    events = deserialize(path.read_text())["interactions"][0]["response"]["body"]["events"]
    assert len(events) == stream.count(b"\n\n")
    refusing = httpx2.MockTransport(lambda request: pytest.fail("replay reached the transport"))
    with use_cassette(path, record_mode="none"):
        assert calls(base_url, refusing) == live == dumps(CALLS)


def test_a_non_ascii_request_header_is_stored_so_the_cassette_loads(tmp_path: Path) -> None:
    """A client can send header bytes too (httpx2 takes bytes): the request the cassette shows loads, and matches."""
    path = tmp_path / "request.yaml"
    sent = httpx2.Headers([(b"x-user", "José".encode())])
    answering = httpx2.MockTransport(lambda request: httpx2.Response(200, json={"user": request.headers["x-user"]}))
    with use_cassette(path, record_mode="once"), httpx2.Client(transport=answering) as client:
        live = client.post("https://api.example.test/v1/x", json={"a": 1}, headers=sent).json()
    stored = deserialize(path.read_text())["interactions"][0]["request"]["headers"]
    assert stored["x-user"] == ["%utf-8:Jos%C3%A9"]
    refusing = httpx2.MockTransport(lambda request: pytest.fail("replay reached the transport"))
    with use_cassette(path, record_mode="none"), httpx2.Client(transport=refusing) as client:
        assert (
            client.post("https://api.example.test/v1/x", json={"a": 1}, headers=sent).json() == live == {"user": "José"}
        )
