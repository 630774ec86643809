"""A provider emulator: answers and rejects like the real APIs, offline, with no keys.

``harness emulate`` serves it on a loopback port; the ``harness_emulator`` fixture runs it for a test
session. Point an SDK at it with its base-URL variable (``OPENAI_BASE_URL``, ``ANTHROPIC_BASE_URL``,
``GOOGLE_GEMINI_BASE_URL``, ``GOOGLE_VERTEX_BASE_URL``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.emulator._app import EmulatorState, create_app
from harness.emulator._faults import FAULTS
from harness.emulator._script import Script, ScriptError, load_script, parse_script


@dataclass
class RunningEmulator:
    """An emulator serving on ``url``; ``state`` holds its seed, script and the requests it answered."""

    url: str
    state: EmulatorState

    def environment(self) -> dict[str, str]:
        """Base-URL variables pointing every SDK here."""
        return base_url_environment(self.url)


def base_url_environment(url: str) -> dict[str, str]:
    """The SDKs' base-URL variables, all pointing at a server on ``url``."""
    return {
        "OPENAI_BASE_URL": f"{url}/v1",
        "ANTHROPIC_BASE_URL": url,
        "GOOGLE_GEMINI_BASE_URL": url,
        "GOOGLE_VERTEX_BASE_URL": url,
    }


@contextmanager
def serve(
    *, host: str = "127.0.0.1", port: int = 0, seed: int = 0, script: Script | str | Path | None = None
) -> Iterator[RunningEmulator]:
    """Run the emulator with uvicorn in a background thread (subprocesses reach it too) until exit."""
    import uvicorn

    if isinstance(script, (str, Path)):
        script = load_script(script)
    app = create_app(seed=seed, script=script)
    # IPPROTO_TCP said outright: asyncio sets TCP_NODELAY on accepted connections only for a socket that
    # says it is TCP, and without it every keep-alive answer waits ~40 ms on a delayed ACK.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the harness emulator did not start")
        time.sleep(0.01)
    try:
        yield RunningEmulator(f"http://{host}:{listener.getsockname()[1]}", app.state.emulator)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def run(*, host: str, port: int, seed: int, script: Any = None) -> None:
    """Serve in the foreground (``harness emulate``) until interrupted."""
    import uvicorn

    if isinstance(script, (str, Path)):
        script = load_script(script)
    uvicorn.run(create_app(seed=seed, script=script), host=host, port=port, log_level="info")


__all__ = [
    "FAULTS",
    "EmulatorState",
    "RunningEmulator",
    "base_url_environment",
    "Script",
    "ScriptError",
    "create_app",
    "load_script",
    "parse_script",
    "run",
    "serve",
]
