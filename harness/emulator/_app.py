"""The emulator as an ASGI app: every spec's endpoints, answered and rejected like the real APIs.

The provider modules do all the provider-specific work: which paths they serve, where the key goes,
reading the request, writing the answer or the stream, writing the error. This module only routes,
applies the rejection registry, scripts and faults, and frames the response.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from harness.emulator._answers import decide
from harness.emulator._faults import Fault, fault_named
from harness.emulator._rules import rejection_for
from harness.emulator._script import Rule, Script
from harness.providers import PREFIXES, get_provider
from harness.providers._base import DeclaredTool, Provider, WireAnswer, WireCall, halves, sse

FAULT_HEADER = "x-harness-fault"
NOTE_HEADER = "x-harness-emulator"
#: On every answer: cassettes recorded against the emulator say so, with its seed and script.
SOURCE_HEADER = "x-harness-emulator-source"
#: On an answer the emulator served although the user's script is wrong for the request.
WARNING_HEADER = "x-harness-warning"

_log = logging.getLogger("harness.emulator")


@dataclass
class EmulatorState:
    """What one emulator holds: its seed, its script, and the requests it has answered."""

    seed: int = 0
    script: Script | None = None
    #: The latest requests answered (bounded: a long recording session must not grow without end).
    requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=1000))


def create_app(*, seed: int = 0, script: Script | None = None) -> Starlette:
    """The emulator's ASGI app; ``app.state.emulator`` is its `EmulatorState`."""
    state = EmulatorState(seed, script)

    async def handle(request: Request) -> Response:
        response = await _handle(state, request)
        script = state.script.source if state.script else None
        response.headers[SOURCE_HEADER] = json.dumps({"seed": state.seed, "script": script})
        return response

    app = Starlette(routes=[Route("/{path:path}", handle, methods=["POST"])])
    app.state.emulator = state
    return app


def route(path: str) -> str | None:
    """The spec prefix whose API serves ``path``."""
    for prefix in PREFIXES:
        if get_provider(prefix).serves(path):
            return prefix
    return None


async def _handle(state: EmulatorState, request: Request) -> Response:
    path = request.url.path
    prefix = route(path)
    if prefix is None:
        return JSONResponse({"error": {"message": f"the harness emulator serves no API at {path}"}}, status_code=404)
    provider = get_provider(prefix)
    if not provider.api_key_present(dict(request.headers), dict(request.query_params)):
        status, error = provider.missing_key_error()
        return JSONResponse(error, status_code=status)
    raw = await request.body()
    try:
        body = json.loads(raw)
        received = provider.read_request(body, path=path)
    except ValueError as exc:
        return _error(provider, 400, f"Invalid request body: {exc}")
    state.requests.append({"prefix": prefix, "path": path, "body": body})
    rejection = rejection_for(prefix, provider, body, received)
    if rejection is not None:
        response = _error(provider, rejection.status, rejection.message, param=rejection.param)
        response.headers[NOTE_HEADER] = f"rejected by rule: {rejection.rule}"
        return response

    rule = state.script.rule_for(received.prompt) if state.script else None
    fault: Fault | None = rule.fault if rule is not None else None
    if FAULT_HEADER in request.headers:
        try:
            fault = fault_named(request.headers[FAULT_HEADER])
        except ValueError as exc:
            return _error(provider, 400, f"{FAULT_HEADER}: {exc}")
    if fault is not None and fault.name == "slow":
        await asyncio.sleep(fault.argument if fault.argument is not None else 1.0)
    if fault is not None and (failure := _failure(provider, prefix, fault)) is not None:
        return failure

    # The request as cassettes match it, from the body already parsed: the same request, the same answer.
    key = f"POST {path}\n{json.dumps(body, sort_keys=True, separators=(',', ':'))}"
    decision = decide(
        received,
        seed=state.seed,
        key=key,
        rule=rule,
        token_limit_reason=provider.token_limit_reason,
        input_size=len(raw),
    )
    answer = decision.answer
    if fault is not None and fault.name == "max_tokens":
        answer = WireAnswer(answer.calls[:1], answer.text, provider.token_limit_reason, answer.usage)
    if fault is not None and fault.name == "content_filter":
        answer = WireAnswer((), "", "content_filter", answer.usage)
    malformed = fault is not None and fault.name == "malformed_arguments" and bool(answer.calls)
    if malformed:
        answer = _with_first_call(answer, halves(answer.calls[0].arguments)[0])
    headers = {NOTE_HEADER: "; ".join(decision.notes)} if decision.notes else {}
    warnings = _undeclared_calls(rule, received.tools, path) if rule is not None else []
    for warning in warnings:
        _log.warning("harness emulator: %s", warning)
    if warnings:
        # Header values are Latin-1: a tool name beyond it is sent escaped.
        headers[WARNING_HEADER] = "; ".join(warnings).encode("ascii", "backslashreplace").decode()
    model = received.model or "harness-emulator"
    try:
        body = None if received.stream else provider.write_response(answer, model=model)
        events = provider.write_events(answer, model=model) if received.stream else []
    except ValueError:
        if not malformed:
            raise
        # This answer carries arguments as a JSON object, never as text: a model cut short sends half of them.
        answer = _with_first_call(answer, _half_object(answer.calls[0].arguments))
        body = None if received.stream else provider.write_response(answer, model=model)
        events = provider.write_events(answer, model=model) if received.stream else []
    if body is not None:
        return JSONResponse(body, headers=headers)
    cut = fault is not None and fault.name == "cut_stream"
    chunks = _cut(events, answer) if cut else events
    return StreamingResponse(_frames(provider, chunks, done=not cut), media_type="text/event-stream", headers=headers)


def _undeclared_calls(rule: Rule, tools: Sequence[DeclaredTool], path: str) -> list[str]:
    """What is wrong with a scripted answer for this request: each call of a tool it does not declare.

    The emulator serves the answer as scripted (it is what the user asked for), but the client will
    refuse the call as an unknown tool, so it says where the script is wrong.
    """
    declared = [tool.name for tool in tools if tool.kind == "function"]
    offered = f"it declares {', '.join(declared)}" if declared else "it declares no function tool"
    return [
        f"{rule.where or 'a script rule'} calls {call.name}, which the request to {path} does not declare "
        f"({offered}); the client will refuse it as an unknown tool"
        for call in rule.calls
        if call.name not in declared
    ]


def _with_first_call(answer: WireAnswer, arguments: str) -> WireAnswer:
    first = answer.calls[0]
    calls = (WireCall(first.name, arguments, first.id), *answer.calls[1:])
    return WireAnswer(calls, answer.text, answer.finish_reason, answer.usage)


def _half_object(broken: str) -> str:
    """The keys of a cut JSON object that arrived whole, as an object (at least one key short)."""
    for end in range(len(broken), 0, -1):
        try:
            value = json.loads(broken[:end].rstrip(", \n") + "}")
        except ValueError:
            continue
        if isinstance(value, dict):
            return json.dumps(dict(list(value.items())[:-1]) if value else {"": None})
    return "{}"


def _failure(provider: Provider, prefix: str, fault: Fault) -> Response | None:
    if fault.name == "rate_limit":
        seconds = fault.argument if fault.argument is not None else 1.0
        response = _error(provider, 429, "Rate limit reached (harness emulator fault).")
        response.headers["retry-after"] = f"{seconds:g}"
        return response
    if fault.name == "server_error":
        return _error(provider, 500, "The server had an error while processing your request (harness emulator fault).")
    if fault.name == "overloaded":
        status = 529 if prefix == "anthropic" else 503
        return _error(provider, status, "Overloaded (harness emulator fault).")
    if fault.name == "tool_use_failed":
        message = "Failed to call a function. Please adjust your prompt. See 'failed_generation' for more details."
        body = provider.write_error(400, message, kind="tool_use_failed")
        if body.get("error", {}).get("code") == "tool_use_failed":
            return JSONResponse(body, status_code=400)
        return _error(provider, 400, f"fault tool_use_failed: {prefix} does not check the model's calls itself")
    return None


def _error(provider: Provider, status: int, message: str, *, param: str | None = None) -> JSONResponse:
    return JSONResponse(provider.write_error(status, message, param=param), status_code=status)


def _cut(events: list[dict[str, Any]], answer: WireAnswer) -> list[dict[str, Any]]:
    """The events up to the first half of the first call's arguments (its whole event where calls come
    whole, as Gemini's do), with no finish event after them."""
    if not answer.calls:
        return events[: max(1, len(events) // 2)]
    first = answer.calls[0]
    piece = json.dumps(halves(first.arguments)[0])[1:-1]
    for marker in (piece, first.name):
        for i, event in enumerate(events):
            if marker and marker in json.dumps(event):
                return events[: i + 1]
    return events[:1]


async def _frames(provider: Provider, events: list[dict[str, Any]], *, done: bool) -> AsyncIterator[bytes]:
    for event in events:
        yield sse([event], named=provider.sse_named).encode()
    if done and provider.sse_done is not None:
        yield sse([], done=provider.sse_done).encode()
