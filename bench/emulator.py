"""Benchmark: the provider emulator's requests per second over loopback, against a bare Starlette app.

Each contender runs under uvicorn in a background thread on a loopback port, as ``harness.emulator.serve``
runs the emulator, and is called by one keep-alive ``httpx2.Client``, one request at a time:

- ``emulator``: ``harness.emulator.create_app(seed=0)``; every request declares three function tools
  (``Weather``, ``GoogleSearch`` and ``Booking``, whose fields carry a pattern, ranges and list bounds) and
  asks ``question {i}`` with a new ``i``, so each answer draws new calls (up to three, in parallel) with
  arguments generated from the schemas;
- ``bare``: a Starlette app that reads the request body and returns a fixed body: a median-sized answer
  the emulator gave to the same kind of request (as ``JSONResponse``, or streamed one event per chunk).

Both get exactly the same requests, so the client's work is the same; the difference is the server's.
Rows: OpenAI Chat Completions, Anthropic Messages and Gemini ``generateContent``, each plain and streamed.
In every row the two contenders alternate in interleaved rounds (order shuffled each round); requests/s
are medians, the ratio is the median of the per-round ratios.

One deviation from ``serve``: the listener is made with ``proto=IPPROTO_TCP``. asyncio sets TCP_NODELAY on
accepted connections only when the listener says TCP; ``serve``'s ``socket.socket(AF_INET, SOCK_STREAM)``
does not, so uvicorn's separate writes of headers and body meet Nagle and the client's delayed ACK: about
40 ms per response, whatever the app. A last line measures ``serve`` as shipped against this.

Usage: ``python bench/emulator.py [--rounds N] [--number N] [--profile ROW]``
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import pstats
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from typing import Annotated, Any

import httpx2
import uvicorn
from _common import GoogleSearch, Timings, Weather, in_rounds, timed
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

import harness
from harness.emulator import create_app, serve

TARGET = 0.70  # emulator requests/s over the bare app's, at least
ROW_HEADER = "x-bench-row"
HEADERS = {"authorization": "Bearer test-key", "x-api-key": "test-key", "x-goog-api-key": "test-key"}
SYSTEM = "You must always use tools"
#: Requests whose answers are checked (and whose median-sized body the bare app returns), per row.
CHECKED = 25


class Booking(BaseModel):
    code: Annotated[str, Field(pattern=r"^[A-Z]{3}-[0-9]{4}$")]
    nights: Annotated[int, Field(ge=1, le=30)]
    guests: Annotated[list[Annotated[str, Field(min_length=2, max_length=12)]], Field(min_length=1, max_length=4)]
    rate: Annotated[float, Field(gt=0, le=1000)]


MODELS: dict[str, type[BaseModel]] = {model.__name__: model for model in (Weather, GoogleSearch, Booking)}
SCHEMAS = {name: model.model_json_schema() for name, model in MODELS.items()}


def question(i: int) -> str:
    return f"question {i}: what is the weather in toronto and dallas, who won the super bowl, and book me a room?"


def openai_body(i: int, stream: bool) -> dict[str, Any]:
    tools = [{"type": "function", "function": {"name": n, "parameters": s}} for n, s in SCHEMAS.items()]
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question(i)}]
    return {"model": "gpt-4.1-mini", "messages": messages, "tools": tools, "stream": stream}


def anthropic_body(i: int, stream: bool) -> dict[str, Any]:
    tools = [{"name": n, "input_schema": s} for n, s in SCHEMAS.items()]
    messages = [{"role": "user", "content": question(i)}]
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "system": SYSTEM,
        "messages": messages,
        "tools": tools,
        "stream": stream,
    }


def gemini_body(i: int, stream: bool) -> dict[str, Any]:
    declarations = [{"name": n, "parametersJsonSchema": s} for n, s in SCHEMAS.items()]
    return {
        "systemInstruction": {"parts": [{"text": SYSTEM}]},
        "contents": [{"role": "user", "parts": [{"text": question(i)}]}],
        "tools": [{"functionDeclarations": declarations}],
    }


def openai_calls(body: Any) -> list[tuple[str, Any]]:
    calls = body["choices"][0]["message"]["tool_calls"] or []
    return [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls]


def anthropic_calls(body: Any) -> list[tuple[str, Any]]:
    return [(c["name"], c["input"]) for c in body["content"] if c["type"] == "tool_use"]


def gemini_calls(body: Any) -> list[tuple[str, Any]]:
    parts = body["candidates"][0]["content"]["parts"]
    return [(p["functionCall"]["name"], p["functionCall"]["args"]) for p in parts if "functionCall" in p]


@dataclass(frozen=True)
class Api:
    label: str
    path: str
    stream_path: str
    body: Callable[[int, bool], dict[str, Any]]
    #: Once per call in a plain answer and in a stream alike (compact JSON).
    marker: bytes
    #: The calls of a plain answer, as (name, arguments).
    calls: Callable[[Any], list[tuple[str, Any]]]


@dataclass(frozen=True)
class Row:
    name: str
    api: Api
    stream: bool

    @property
    def label(self) -> str:
        return f"{self.api.label}, streamed" if self.stream else self.api.label

    @property
    def path(self) -> str:
        return self.api.stream_path if self.stream else self.api.path

    def request(self, i: int) -> bytes:
        return json.dumps(self.api.body(i, self.stream)).encode()

    def post(self, client: httpx2.Client, i: int) -> httpx2.Response:
        """The request, with the row's name in a header (the bare app answers by it; the emulator ignores it)."""
        response = client.post(self.path, content=self.request(i), headers={ROW_HEADER: self.name})
        response.raise_for_status()
        return response


GEMINI = "/v1beta/models/gemini-2.5-flash"
APIS = {
    "openai": Api(
        "OpenAI chat.completions",
        "/v1/chat/completions",
        "/v1/chat/completions",
        openai_body,
        b'"type":"function"',
        openai_calls,
    ),
    "anthropic": Api(
        "Anthropic messages", "/v1/messages", "/v1/messages", anthropic_body, b'"type":"tool_use"', anthropic_calls
    ),
    "google": Api(
        "Gemini generateContent",
        f"{GEMINI}:generateContent",
        f"{GEMINI}:streamGenerateContent?alt=sse",
        gemini_body,
        b'"functionCall"',
        gemini_calls,
    ),
}
ROWS = {row.name: row for key, api in APIS.items() for row in (Row(key, api, False), Row(f"{key}-stream", api, True))}


@contextmanager
def served(app: Starlette, *, profiler: cProfile.Profile | None = None) -> Iterator[str]:
    """``app`` under uvicorn in a background thread, as ``harness.emulator.serve`` runs it, on a TCP listener."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # see the docstring
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))

    def run() -> None:
        if profiler is not None:
            profiler.enable()  # this thread only: the server's side of every request
        try:
            server.run(sockets=[listener])
        finally:
            if profiler is not None:
                profiler.disable()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def bare_app(answers: dict[str, bytes]) -> Starlette:
    """Answers each row (named in ROW_HEADER) with its fixed answer: parsed once and re-serialized per
    request, as ``JSONResponse``, or streamed as the same SSE frames, one per chunk."""
    parsed = {name: json.loads(body) for name, body in answers.items() if not ROWS[name].stream}
    frames = {
        name: [f + b"\n\n" for f in body.split(b"\n\n") if f] for name, body in answers.items() if ROWS[name].stream
    }

    async def chunks(name: str) -> Any:
        for frame in frames[name]:
            yield frame

    async def handle(request: Request) -> Response:
        await request.body()
        name = request.headers[ROW_HEADER]
        if name in frames:
            return StreamingResponse(chunks(name), media_type="text/event-stream")
        return JSONResponse(parsed[name])

    return Starlette(routes=[Route("/{path:path}", handle, methods=["POST"])])


def new_client(url: str) -> httpx2.Client:
    return httpx2.Client(base_url=url, headers={**HEADERS, "content-type": "application/json"}, timeout=30)


def poster(client: httpx2.Client, row: Row, numbers: Iterator[int]) -> Callable[[], None]:
    def post() -> None:
        row.post(client, next(numbers))

    return post


def check(client: httpx2.Client, row: Row, numbers: Iterator[int]) -> tuple[bytes, float]:
    """Answers to CHECKED new requests, checked; the median-sized one and the mean number of calls."""
    answers = []
    for _ in range(CHECKED):
        answers.append(row.post(client, next(numbers)).content)
    counts = [answer.count(row.api.marker) for answer in answers]
    assert all(counts), f"{row.label}: an answer without tool calls"
    if not row.stream:
        for answer in answers:
            for name, arguments in row.api.calls(json.loads(answer)):
                MODELS[name].model_validate(arguments)  # the arguments fit the declared schema
    return sorted(answers, key=len)[len(answers) // 2], statistics.mean(counts)


def interleaved(sides: dict[str, Callable[[], None]], *, rounds: int, number: int) -> Timings:
    """Seconds per request for each contender, in interleaved rounds (``Timings.rate`` gives requests/s)."""
    for post in sides.values():  # warm up: connections, caches
        for _ in range(5):
            post()
    return in_rounds({name: timed(post, number) for name, post in sides.items()}, rounds)


def as_shipped(number: int) -> tuple[float, float]:
    """Requests/s of OpenAI requests to ``harness.emulator.serve()`` itself, and to the same app via ``served``."""
    row, numbers = ROWS["openai"], itertools.count(10**9)

    def rate(url: str) -> float:
        with new_client(url) as client:
            post = poster(client, row, numbers)
            post()
            start = time.perf_counter()
            for _ in range(number):
                post()
            return number / (time.perf_counter() - start)

    with serve(seed=0) as running:
        shipped = rate(running.url)
    with served(create_app(seed=0)) as url:
        return shipped, rate(url)


def verdict(ratio: float) -> str:
    return "PASS" if ratio >= TARGET else "MISS"


def profile(name: str, requests: int = 2000) -> None:
    """cProfile the server thread of each contender over ``requests`` requests of one row."""
    row, numbers = ROWS[name], itertools.count()
    ours, theirs = cProfile.Profile(), cProfile.Profile()
    with served(create_app(seed=0), profiler=ours) as url, new_client(url) as client:
        body, _ = check(client, row, numbers)
        post = poster(client, row, numbers)
        start = time.perf_counter()
        for _ in range(requests):
            post()
        emulator = (time.perf_counter() - start) / requests
    with served(bare_app({name: body}), profiler=theirs) as url, new_client(url) as client:
        post = poster(client, row, numbers)
        start = time.perf_counter()
        for _ in range(requests):
            post()
        floor = (time.perf_counter() - start) / requests
    print(f"{row.label}, {requests} requests, profiled: emulator {emulator * 1e6:.0f} us, bare {floor * 1e6:.0f} us")
    for label, profiler in (("emulator", ours), ("bare", theirs)):
        print(f"\n=== {label}: the server thread (epoll waits are the client's turn) ===")
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("tottime").print_stats(25)
    # The emulator's own functions, and the pydantic ones its provider modules call, by cumulative time.
    stats = pstats.Stats(ours).sort_stats("cumulative")
    stats.print_stats(r"/harness/|pydantic/alias", 40)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40, help="interleaved rounds per row (median is reported)")
    parser.add_argument("--number", type=int, default=25, help="requests per contender per round")
    parser.add_argument("--profile", choices=list(ROWS), help="profile both servers on one row instead")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile)
        return 0

    print(
        f"harness {harness.__version__}: starlette {version('starlette')}, uvicorn {uvicorn.__version__}, "
        f"httpx2 {httpx2.__version__}; Python {sys.version.split()[0]}"
    )
    print(
        f"loopback, one keep-alive httpx2.Client per contender, 3 tools declared, a new question per request; "
        f"median of {args.rounds} interleaved rounds x {args.number} requests"
    )
    results: dict[str, Timings] = {}
    numbers = itertools.count()
    with served(create_app(seed=0)) as emulator_url, new_client(emulator_url) as emulator:
        bodies: dict[str, bytes] = {}
        calls: dict[str, float] = {}
        for name, row in ROWS.items():
            bodies[name], calls[name] = check(emulator, row, numbers)
        with served(bare_app(bodies)) as bare_url, new_client(bare_url) as bare:
            for name, row in ROWS.items():
                if row.stream:
                    assert row.post(bare, 0).content == bodies[name], f"{name}: the bare app's frames differ"
                sides = {"emulator": poster(emulator, row, numbers), "bare": poster(bare, row, numbers)}
                results[name] = interleaved(sides, rounds=args.rounds, number=args.number)
                print(
                    f"  {name:<17} emulator {results[name].rate('emulator'):7.0f} req/s   "
                    f"bare {results[name].rate('bare'):7.0f} req/s   "
                    f"({calls[name]:.1f} calls per answer, bare body {len(bodies[name])} B)",
                    flush=True,
                )
    shipped, listener = as_shipped(number=20)

    print()
    print(f"| request | emulator req/s | bare Starlette req/s | emulator / bare (≥ {TARGET:.0%}) |")
    print("| --- | --- | --- | --- |")
    for name, times in results.items():
        ratio = times.ratio("bare", "emulator")
        print(
            f"| {ROWS[name].label} | {times.rate('emulator'):.0f} | {times.rate('bare'):.0f} | "
            f"{ratio:.1%} {verdict(ratio)} |"
        )
    missed = [name for name, times in results.items() if times.ratio("bare", "emulator") < TARGET]
    if missed:
        print(f"\nunder the {TARGET:.0%} target: {', '.join(missed)} (profile with --profile {missed[0]})")
    print(
        f"\nharness.emulator.serve() as shipped, 20 OpenAI requests: {shipped:.1f} req/s, against {listener:.0f} req/s "
        f"for the same app on a TCP_NODELAY listener ({shipped / listener:.0%})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
