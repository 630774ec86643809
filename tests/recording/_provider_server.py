"""A loopback provider: answers every spec's endpoint with the seed calls, as the provider modules write them.

The SDKs reach it through their base-URL variables, so recording goes over a real socket, as it
does against a real provider. It keeps every request it got, and compresses JSON answers with gzip
when the client accepts it (as real APIs do), so cassettes are seen to store bodies decoded.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from harness import WireAnswer
from harness.emulator import base_url_environment
from harness.providers import get_provider
from harness.providers._base import sse
from tests._seed import CALLS


def spec_prefix(path: str) -> str:
    if path.endswith("/chat/completions"):
        return "openai"
    if path.endswith("/responses"):
        return "openai-responses"
    if "/messages" in path:
        return "anthropic"
    return "vertexai" if "/publishers/google/" in path else "google"


@dataclass
class ProviderServer:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)

    def environment(self) -> dict[str, str]:
        """Base-URL variables pointing every SDK here."""
        return base_url_environment(self.url)


@contextmanager
def provider_server() -> Iterator[ProviderServer]:
    server_state: dict[str, ProviderServer] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            path = self.path.split("?")[0]
            headers = {name.lower(): value for name, value in self.headers.items()}
            server_state["server"].requests.append({"path": self.path, "headers": headers, "body": body})
            provider = get_provider(spec_prefix(path))
            streamed = body.get("stream") is True or path.endswith(":streamGenerateContent")
            self.send_response(200)
            self.send_header("x-request-id", "req_12345")
            self.send_header("set-cookie", "session=abc123; Path=/")
            if streamed:
                self.send_header("content-type", "text/event-stream")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                for event in provider.write_events(WireAnswer.of(CALLS), model="m"):
                    chunk = sse([event], named=provider.sse_named).encode()
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    self.wfile.flush()
                if provider.sse_done is not None:
                    chunk = f"data: {provider.sse_done}\n\n".encode()
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
                return
            payload = json.dumps(provider.write_response(WireAnswer.of(CALLS), model="m")).encode()
            if "gzip" in (self.headers.get("accept-encoding") or ""):
                payload = gzip.compress(payload)
                self.send_header("content-encoding", "gzip")
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = ProviderServer(f"http://127.0.0.1:{httpd.server_address[1]}")
    server_state["server"] = state
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def main(argv: list[str]) -> int:
    """Run a command (``pytest --record-mode=...``) with every SDK pointed at a loopback provider."""
    import os
    import subprocess

    # Fake keys for the loopback provider: it checks none, and the cassettes redact them.
    keys = {"OPENAI_API_KEY": "loopback-openai", "ANTHROPIC_API_KEY": "loopback-anthropic"}
    keys["GOOGLE_API_KEY"] = "loopback-google"  # Vertex AI records in its API-key (express) form
    with provider_server() as server:
        environment = {**os.environ, **server.environment(), **keys}
        environment.pop("GOOGLE_CLOUD_PROJECT", None)
        return subprocess.call(argv, env=environment)


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
