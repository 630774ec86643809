"""The cassette engine on its own: what is stored, what replays, and how streams and secrets are kept."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import brotli
import httpx2
import pytest
import zstandard

import harness
from harness import WireAnswer
from harness.providers import get_provider
from harness.recording import NoMatchError, use_cassette
from harness.recording._cassette import decode_body
from harness.testing import sdk_client
from tests._seed import CALLS, MESSAGES, RESPONSE_MODEL, dumps

URL = "https://api.example.test/v1/chat/completions"


def json_answers(*bodies: dict[str, Any]) -> httpx2.MockTransport:
    """A transport answering the n-th request with the n-th body."""
    queue = list(bodies)
    return httpx2.MockTransport(lambda request: httpx2.Response(200, json=queue.pop(0)))


def test_a_stream_is_stored_as_events_and_replayed_one_event_per_chunk(tmp_path: Path) -> None:
    text = get_provider("anthropic").write_stream(WireAnswer.of(CALLS), model="m")
    events = [e for e in text.split("\n\n") if e.strip()]
    headers = {"content-type": "text/event-stream"}
    live = httpx2.MockTransport(lambda request: httpx2.Response(200, text=text, headers=headers))
    path = tmp_path / "stream.yaml"
    with use_cassette(path, record_mode="once"), httpx2.Client(transport=live) as client:
        client.post(URL, json={"stream": True}).read()
    stored = path.read_text()
    assert stored.count("event: content_block_delta") == 6 and "sse:" in stored

    with (
        use_cassette(path, record_mode="none"),
        httpx2.Client(transport=json_answers()) as client,
        client.stream("POST", URL, json={"stream": True}) as response,
    ):
        chunks = list(response.iter_raw())
    assert len(chunks) == len(events)
    assert b"".join(chunks).decode() == text


def test_the_recording_client_gets_each_event_as_it_arrives(tmp_path: Path) -> None:
    """The server holds back the rest until the client has read the first event: a buffering recorder would hang."""
    first_read = threading.Event()
    waited: list[bool] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for i, event in enumerate([b"data: one\n\n", b"data: two\n\n"]):
                if i:
                    waited.append(first_read.wait(timeout=5))
                self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1/stream"
        with (
            use_cassette(tmp_path / "live.yaml", record_mode="once"),
            httpx2.Client() as client,
            client.stream("POST", url, json={}) as response,
        ):
            lines = response.iter_lines()
            assert next(lines) == "data: one"
            first_read.set()
            assert [line for line in lines if line] == ["data: two"]
    finally:
        server.shutdown()
        server.server_close()
    assert waited == [True], "the recorder held the first event back"
    assert "- 'data: one'\n      - 'data: two'" in (tmp_path / "live.yaml").read_text()


def test_concurrent_identical_requests_replay_each_recorded_answer_once(tmp_path: Path) -> None:
    answers = [{"n": i} for i in range(3)]
    path = tmp_path / "gather.yaml"
    with use_cassette(path, record_mode="once"), httpx2.Client(transport=json_answers(*answers)) as client:
        for _ in answers:
            client.post(URL, json={"same": True})

    async def gather() -> list[Any]:
        async with httpx2.AsyncClient(transport=httpx2.MockTransport(lambda r: httpx2.Response(500))) as client:
            responses = await asyncio.gather(*(client.post(URL, json={"same": True}) for _ in answers))
        return [r.json() for r in responses]

    with use_cassette(path, record_mode="none"):
        replayed = asyncio.run(gather())
    assert sorted(r["n"] for r in replayed) == [0, 1, 2]
    with use_cassette(path, record_mode="none"), httpx2.Client(transport=json_answers()) as client:
        assert [client.post(URL, json={"same": True}).json() for _ in answers] == answers  # in recorded order


def test_a_key_in_a_body_never_reaches_disk_and_still_matches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk-proj-" + "FAKEbodykey0" * 4  # a fake key for this test only
    monkeypatch.setenv("OPENAI_API_KEY", key)
    path = tmp_path / "body.yaml"
    with use_cassette(path, record_mode="once"), httpx2.Client(transport=json_answers({"ok": key})) as client:
        client.post(URL, json={"user": key, "q": 1}, headers={"openai-organization": "org-123456789"})
    stored = path.read_text()
    assert key not in stored and "org-123456789" not in stored
    assert stored.count("REDACTED") == 3

    monkeypatch.setenv("OPENAI_API_KEY", "harness-replay-key")
    with use_cassette(path, record_mode="none"), httpx2.Client(transport=json_answers()) as client:
        assert client.post(URL, json={"user": "harness-replay-key", "q": 1}).json() == {"ok": "REDACTED"}


def test_the_host_is_stored_but_not_matched(tmp_path: Path) -> None:
    path = tmp_path / "host.yaml"
    with use_cassette(path, record_mode="once"), httpx2.Client(transport=json_answers({"a": 1})) as client:
        client.post("http://127.0.0.1:8765/v1/chat/completions?x=1", json={"q": 1})
    assert "uri: http://127.0.0.1:8765/v1/chat/completions?x=1" in path.read_text()
    with use_cassette(path, record_mode="none"), httpx2.Client(transport=json_answers()) as client:
        assert client.post("https://api.openai.com/v1/chat/completions?x=1", json={"q": 1}).json() == {"a": 1}


def test_only_successes_are_recorded_unless_asked(tmp_path: Path) -> None:
    failing = httpx2.MockTransport(lambda request: httpx2.Response(429, json={"error": {"message": "slow down"}}))
    with use_cassette(tmp_path / "a.yaml", record_mode="once"), httpx2.Client(transport=failing) as client:
        assert client.post(URL, json={}).status_code == 429
    assert not (tmp_path / "a.yaml").exists()
    with (
        use_cassette(tmp_path / "b.yaml", record_mode="once", record_errors=True),
        httpx2.Client(transport=failing) as client,
    ):
        client.post(URL, json={})
    assert "code: 429" in (tmp_path / "b.yaml").read_text()


def test_a_cassette_says_when_and_against_what_it_was_recorded(tmp_path: Path) -> None:
    path = tmp_path / "meta.yaml"
    with use_cassette(path, record_mode="once"), httpx2.Client(transport=json_answers({"a": 1})) as client:
        client.post(URL, json={})
    text = path.read_text()
    assert "recorded_at:" in text and "- api.example.test" in text
    assert "parallel-tools-harness" not in text and "harness: 0.1.0" in text and "openai: " in text


def test_the_sdk_replays_plain_and_streamed_answers(tmp_path: Path) -> None:
    provider = get_provider("openai-responses")

    def serve(request: httpx2.Request) -> httpx2.Response:
        if json.loads(request.content).get("stream"):
            text = provider.write_stream(WireAnswer.of(CALLS), model="m")
            return httpx2.Response(200, text=text, headers={"content-type": "text/event-stream"})
        return httpx2.Response(200, json=provider.write_response(WireAnswer.of(CALLS), model="m"))

    path = tmp_path / "sdk.yaml"
    for mode, transport in (("once", httpx2.MockTransport(serve)), ("none", json_answers())):
        with use_cassette(path, record_mode=mode):
            client = harness.from_provider("openai-responses/m", client=sdk_client("openai", transport=transport))
            assert dumps(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)) == dumps(CALLS)
            streamed = client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
            assert dumps(streamed) == dumps(CALLS)
    with use_cassette(path, record_mode="none"):
        client = harness.from_provider("openai-responses/m", client=sdk_client("openai", transport=json_answers()))
        with pytest.raises(NoMatchError, match=r"\$\.input\[0\]\.content: recorded"):
            client.create(messages=[{"role": "user", "content": "else"}], response_model=RESPONSE_MODEL)


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda raw: zlib.compress(raw)[2:-4]),  # raw deflate, as some servers send it
        ("br", brotli.compress),
        ("zstd", lambda raw: zstandard.ZstdCompressor().compress(raw)),
        ("gzip, br", lambda raw: brotli.compress(gzip.compress(raw))),
    ],
)
def test_compressed_bodies_are_stored_decoded(encoding: str, encode: Any) -> None:
    assert decode_body(encode(b'{"a": 1}'), encoding) == b'{"a": 1}'


@pytest.mark.parametrize(
    ("recorded", "replayed"),
    [
        ("http://127.0.0.1:8765/groq/openai/v1/chat/completions", "https://api.groq.com/openai/v1/chat/completions"),
        ("http://localhost:8000/v1/chat/completions", "https://vllm.internal/serving/v1/chat/completions"),
        ("http://127.0.0.1:8765/openrouter/api/v1/chat/completions", "https://openrouter.ai/api/v1/chat/completions"),
        ("http://127.0.0.1:8765/v1/messages", "https://api.anthropic.com/v1/messages"),
        ("http://127.0.0.1:8765/v1/responses", "https://api.openai.com/v1/responses"),
    ],
)
def test_what_a_base_url_puts_before_the_route_is_not_matched(recorded: str, replayed: str) -> None:
    from harness.recording._matching import canonical_path

    assert canonical_path(recorded) == canonical_path(replayed)


def test_the_route_itself_and_geminis_model_path_are_matched() -> None:
    from harness.recording._matching import canonical_path

    assert canonical_path("https://h/v1/chat/completions") != canonical_path("https://h/v1/responses")
    assert canonical_path("https://h/v1/messages/count_tokens") == "/messages/count_tokens"
    gemini = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
    assert canonical_path(gemini) == "/v1beta/models/gemini-2.5-flash:generateContent"
