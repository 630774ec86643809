"""A provider emulator: answers and rejects like the real APIs, offline, with no keys.

``harness emulate`` serves it on a loopback port; the ``harness_emulator`` fixture runs it for a test
session. Point an SDK at it with its base-URL variable (``OPENAI_BASE_URL``, ``ANTHROPIC_BASE_URL``,
``GOOGLE_GEMINI_BASE_URL``, ``GOOGLE_VERTEX_BASE_URL``).
"""

from __future__ import annotations

import errno
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.emulator._app import EmulatorState, create_app
from harness.emulator._faults import FAULTS
from harness.emulator._script import Script, ScriptError, load_script, parse_script
from harness.errors import HarnessError
from harness.providers._compatible import PROFILES


class EmulatorAddressError(HarnessError, OSError):
    """The emulator cannot listen on the address asked for: the port is taken, say. Names host, port and why."""

    def __init__(self, host: str, port: int, error: OSError) -> None:
        self.host = host
        self.port = port
        why = error.strerror or str(error)
        if error.errno == errno.EADDRINUSE:
            why = f"port {port} is taken (another emulator?); choose another port, or port 0 for a free one"
        elif error.errno == errno.EADDRNOTAVAIL:
            why = f"{host} is not an address of this machine"
        super().__init__(f"the harness emulator cannot listen on {host}:{port}: {why}")
        self.errno = error.errno


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
        # The OpenAI-compatible servers, each under /<prefix> and its own path (GROQ_BASE_URL, ...).
        **{p.base_url_variable: f"{url}/{p.prefix}{urlsplit(p.base_url).path}" for p in PROFILES.values()},
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
    listener = _listen(host, port)
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
        yield RunningEmulator(_url(host, listener), app.state.emulator)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def run(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    seed: int = 0,
    script: Any = None,
    ready: Callable[[RunningEmulator], None] | None = None,
) -> None:
    """Serve in the foreground (``harness emulate``) until interrupted.

    ``ready`` is called once the port is bound, before serving, with the emulator (its ``url`` holds
    the port actually bound, which ``port=0`` leaves to the system). `EmulatorAddressError` is raised
    before that when the address cannot be had.
    """
    import uvicorn

    if isinstance(script, (str, Path)):
        script = load_script(script)
    app = create_app(seed=seed, script=script)
    listener = _listen(host, port)
    try:
        if ready is not None:
            ready(RunningEmulator(_url(host, listener), app.state.emulator))  # connections wait in the backlog
        uvicorn.Server(uvicorn.Config(app, log_level="info", lifespan="off")).run(sockets=[listener])
    except KeyboardInterrupt:  # uvicorn stops on Ctrl-C, then raises it again: stopped is what was asked
        pass
    finally:
        listener.close()


def _listen(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``(host, port)``; `EmulatorAddressError` if it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP said outright: asyncio sets TCP_NODELAY on accepted connections only for a socket that
    # says it is TCP, and without it every keep-alive answer waits ~40 ms on a delayed ACK.
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(2048)  # at once: a client told the URL before the server loop starts waits, not refused
    except OSError as error:
        listener.close()
        raise EmulatorAddressError(host, port, error) from None
    return listener


def _url(host: str, listener: socket.socket) -> str:
    bound = listener.getsockname()[1]
    return f"http://[{host}]:{bound}" if ":" in host else f"http://{host}:{bound}"


__all__ = [
    "FAULTS",
    "EmulatorAddressError",
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
