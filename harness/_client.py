"""The provider-agnostic client: one request, validation of every call, retries that lose nothing."""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Coroutine,
    Generator,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, overload

import httpx2
import pydantic
from pydantic import BaseModel

from harness._toolset import ToolSet, toolset_for
from harness.errors import (
    HarnessError,
    IncompleteResponseError,
    MalformedResponseError,
    NoToolCallsError,
    ToolArgumentsError,
    ToolCallError,
    ToolCallsFailedError,
    UnknownToolError,
)
from harness.providers._base import ParsedAnswer, Provider, RawCall, StreamReader, ToolOutput, Usage
from harness.providers._schema import restore_omitted


@dataclass(frozen=True)
class ToolCall:
    """One validated call: the model instance plus what identifies it on the wire."""

    id: str | None
    name: str
    value: BaseModel
    raw: RawCall = field(repr=False)


@dataclass(frozen=True)
class ParallelToolsResponse:
    """What `ParallelToolsClient.create_with_response` returns.

    ``usage`` is the last attempt's, ``total_usage`` the sum over all ``attempts`` (``None`` where the
    provider reported none). With retries, ``calls`` may come from several answers; ``raw`` is the last.
    """

    calls: list[ToolCall]
    raw: Any
    provider: Provider = field(repr=False)
    usage: Usage | None = None
    total_usage: Usage | None = None
    attempts: int = 1

    @property
    def values(self) -> list[BaseModel]:
        return [call.value for call in self.calls]

    def tool_result_messages(self, outputs: Sequence[str] | Mapping[str, str]) -> list[Any]:
        """The assistant turn plus the provider's tool-result message(s), ready to append to ``messages``.

        ``outputs`` is one string per call, in call order, or a mapping from call id to string.
        """
        if isinstance(outputs, str):
            raise TypeError(
                f"outputs must be one string per call (a list of {len(self.calls)}) or a mapping from call id "
                "to string, not a single string"
            )
        if isinstance(outputs, Mapping):
            if any(c.id is None for c in self.calls):
                raise TypeError(
                    f"{self.provider.name} gave these calls no ids, so outputs cannot be keyed by call id; "
                    f"pass a list of {len(self.calls)} strings in call order"
                )
            missing = [c.id for c in self.calls if c.id not in outputs]
            if missing:
                raise KeyError(f"no output for call id(s) {missing}; every call needs an answer")
            texts = [outputs[c.id] for c in self.calls if c.id is not None]
        else:
            texts = list(outputs)
        if len(texts) != len(self.calls):
            raise ValueError(f"{len(self.calls)} calls need {len(self.calls)} outputs, got {len(texts)}")
        if self.attempts > 1:
            # The calls came from several answers: one assistant turn holding all of them, in chat shape,
            # which every adapter converts (the re-ask exchange stays out of the conversation).
            return _chat_turn(self.calls, texts)
        return self.provider.tool_result_messages(
            self.raw, [ToolOutput(call.raw, text) for call, text in zip(self.calls, texts, strict=True)]
        )


def _chat_turn(calls: Sequence[ToolCall], texts: Sequence[str]) -> list[Any]:
    ids = [call.id or f"call_{i}" for i, call in enumerate(calls)]
    assistant = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": i, "type": "function", "function": {"name": c.name, "arguments": _arguments_text(c.raw)}}
            for i, c in zip(ids, calls, strict=True)
        ],
    }
    results = [{"role": "tool", "tool_call_id": i, "content": t} for i, t in zip(ids, texts, strict=True)]
    return [assistant, *results]


def _arguments_text(call: RawCall) -> str:
    return call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)


@dataclass
class _Slot:
    """One place in the answer: the call that fills it and what validating it gave."""

    call: RawCall
    result: ToolCall | None = None
    error: ToolCallError | None = None


class _Turn:
    """One prepared request, the rules for reading its answer, and the state of its retries."""

    def __init__(
        self,
        provider: Provider,
        model: str,
        messages: Sequence[Any],
        response_model: Any,
        strict: bool,
        options: dict[str, Any],
        *,
        max_retries: int,
        validation_context: Any,
        stream: bool,
    ) -> None:
        self.provider = provider
        self.toolset: ToolSet = toolset_for(response_model)
        self.strict = strict
        self.messages = list(messages)
        self.tools = _declarations(provider, self.toolset, strict)
        self.model = model
        self.options = provider.stream_options(options) if stream else options
        self.validation_context = validation_context
        self.retries_left = max_retries
        self.reader: StreamReader = provider.stream_reader()
        self.calls_seen = 0
        self.slots: list[_Slot] = []
        self.attempts = 0
        self.usages: list[Usage] = []

    @property
    def request(self) -> dict[str, Any]:
        return self.provider.build_request(
            model=self.model, messages=self.messages, tools=self.tools, options=self.options
        )

    def validate(self, call: RawCall) -> ToolCall:
        provider = self.provider.name
        tool = self.toolset.by_name.get(call.name)
        if tool is None:
            raise UnknownToolError(
                provider=provider,
                tool_name=call.name,
                call_id=call.id,
                raw_arguments=call.arguments,
                known=self.toolset.names,
            )
        arguments = call.arguments
        try:
            if self.strict:
                decoded = json.loads(arguments) if isinstance(arguments, str) else arguments
                arguments = restore_omitted(decoded, tool.json_schema)
            text = arguments if isinstance(arguments, str) else json.dumps(arguments)
            # JSON mode everywhere: tuples, datetimes and strict models validate alike for every provider.
            value = tool.model.model_validate_json(text or "{}", context=self.validation_context)
        except RecursionError as exc:
            raise MalformedResponseError(
                provider=provider,
                problem="its arguments are nested too deeply to read",
                name=call.name,
                field="arguments",
            ) from exc
        except ValueError as exc:  # pydantic.ValidationError is a ValueError, and so is a json.loads failure
            if isinstance(exc, pydantic.ValidationError):
                errors = [dict(e) for e in exc.errors(include_url=False)]
            else:
                errors = [{"type": "json_invalid", "loc": (), "msg": str(exc)}]
            raise ToolArgumentsError(
                provider=provider, tool_name=call.name, call_id=call.id, raw_arguments=call.arguments, errors=errors
            ) from exc
        return ToolCall(call.id, call.name, value, call)

    def _slot(self, call: RawCall) -> _Slot:
        try:
            return _Slot(call, result=self.validate(call))
        except ToolCallError as exc:
            return _Slot(call, error=exc)

    def check_finish(self, finish_reason: str | None, calls_seen: int) -> None:
        if finish_reason in self.provider.incomplete_reasons:
            raise IncompleteResponseError(
                provider=self.provider.name, finish_reason=str(finish_reason), calls_seen=calls_seen
            )

    # --- plain answers, with retries ----------------------------------------------------------

    def settle(self, response: Any) -> ParallelToolsResponse | None:
        """The validated answer; or, while retries are left, None after adding the re-ask to the history."""
        with self.reading("the answer"):
            answer: ParsedAnswer = self.provider.read_response(response)
        self.attempts += 1
        if answer.usage is not None:
            self.usages.append(answer.usage)
        self.check_finish(answer.finish_reason, len(answer.calls))
        if not answer.calls:
            return self._text_only(response, answer)
        outputs = self._merge(answer.calls) if self.slots else self._first(answer.calls)
        failed = [slot for slot in self.slots if slot.error is not None]
        if not failed:
            return self._response(response, answer)
        if self.retries_left == 0:
            raise self._failure(response)
        self.retries_left -= 1
        self.messages += self.provider.tool_result_messages(response, self._with_reminder(outputs, failed))
        return None

    def _response(self, response: Any, answer: ParsedAnswer) -> ParallelToolsResponse:
        calls = [slot.result for slot in self.slots if slot.result is not None]
        total = functools.reduce(lambda a, b: a + b, self.usages) if self.usages else None
        return ParallelToolsResponse(calls, response, self.provider, answer.usage, total, self.attempts)

    def _failure(self, response: Any) -> ToolCallsFailedError:
        return ToolCallsFailedError(
            errors=[slot.error for slot in self.slots if slot.error is not None],
            calls=[slot.result for slot in self.slots if slot.result is not None],
            attempts=self.attempts,
            raw=response,
        )

    def _first(self, calls: list[RawCall]) -> list[ToolOutput]:
        self.slots = [self._slot(call) for call in calls]
        return [self._feedback(slot) for slot in self.slots]

    def _merge(self, calls: list[RawCall]) -> list[ToolOutput]:
        """Put a re-ask's calls in the places of the failed ones; valid calls already kept stay as they are.

        A correction goes to the first failed call of the same tool, else to the first call of an
        unknown tool. A repeat of a kept call is dropped; any other new call is kept at the end.
        """
        outputs = []
        filled: set[int] = set()  # slots this answer already filled: one correction each
        for call in calls:
            new = self._slot(call)
            kept = [s for s in self.slots if s.result is not None]
            if new.result is not None and any(
                s.result is not None and (s.result.name, s.result.value) == (new.result.name, new.result.value)
                for s in kept
            ):
                outputs.append(ToolOutput(call, "Already kept from your earlier answer; not repeated."))
                continue
            target = self._failed_slot_for(call.name, filled)
            if target is None:
                self.slots.append(new)
            else:
                target.call, target.result, target.error = new.call, new.result, new.error
                filled.add(id(target))
            outputs.append(self._feedback(new))
        return outputs

    def _failed_slot_for(self, name: str, filled: set[int]) -> _Slot | None:
        failed = [slot for slot in self.slots if slot.error is not None and id(slot) not in filled]
        same_tool = [s for s in failed if isinstance(s.error, ToolArgumentsError) and s.error.tool_name == name]
        unknown = [s for s in failed if isinstance(s.error, UnknownToolError)]
        candidates = same_tool or unknown
        return candidates[0] if candidates else None

    def _feedback(self, slot: _Slot) -> ToolOutput:
        error = slot.error
        if error is None:
            return ToolOutput(slot.call, "Valid; kept. Do not repeat this call.")
        if isinstance(error, UnknownToolError):
            text = (
                f"There is no tool named {error.tool_name!r}. The tools are: {', '.join(self.toolset.names)}. "
                "Call one of them instead, with arguments that fit its schema."
            )
        else:
            assert isinstance(error, ToolArgumentsError)
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e.get('loc', ())) or '(the arguments)'}: {e.get('msg', '')}"
                for e in error.errors
            )
            sent = _arguments_text(slot.call)
            text = f"The arguments for {error.tool_name} are invalid: {problems} (you sent {sent}). "
            text += f"Call {error.tool_name} again with corrected arguments."
        return ToolOutput(slot.call, text, is_error=True)

    def _with_reminder(self, outputs: list[ToolOutput], failed: list[_Slot]) -> list[ToolOutput]:
        """Failed calls this answer did not retry are named again, so the model knows what is still missing."""
        answered = {id(output.call) for output in outputs}
        waiting = [self._feedback(slot).content for slot in failed if id(slot.call) not in answered]
        if not waiting or not outputs:
            return outputs
        last = outputs[-1]
        note = " Still needed, from your earlier answer: " + " ".join(waiting)
        return [*outputs[:-1], ToolOutput(last.call, last.content + note, last.is_error)]

    def _text_only(self, response: Any, answer: ParsedAnswer) -> ParallelToolsResponse | None:
        failed = [slot for slot in self.slots if slot.error is not None]
        if self.retries_left == 0:
            if failed:
                raise self._failure(response)
            text = answer.text or answer.refusal
            raise NoToolCallsError(provider=self.provider.name, text=text, finish_reason=answer.finish_reason)
        self.retries_left -= 1
        request = f"This request needs tool calls: answer by calling the tools ({', '.join(self.toolset.names)}), "
        request += "not with text."
        if failed:
            request += " Still needed: " + " ".join(self._feedback(slot).content for slot in failed)
        said = answer.text or answer.refusal
        self.messages += [
            *([{"role": "assistant", "content": said}] if said else []),
            {"role": "user", "content": request},
        ]
        return None

    # --- streams ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def reading(self, what: str) -> Iterator[None]:
        """Any failure to read an answer inside is a `MalformedResponseError` (the original chained),
        except harness's own errors and the SDK's API errors, which pass as they are."""
        try:
            yield
        except HarnessError:
            raise
        except Exception as exc:
            if self.provider.is_api_error(exc):
                if (buried := _buried(exc)) is not None:
                    raise buried from exc
                if (typed := self.provider.typed_api_error(exc)) is not exc:
                    raise typed from exc  # an error event the provider names (Groq's tool_use_failed)
                raise
            if isinstance(exc, httpx2.TransportError):
                # The connection broke mid-answer: the answer is not whole, whatever came before.
                raise IncompleteResponseError(
                    provider=self.provider.name, finish_reason=None, calls_seen=self.calls_seen
                ) from exc
            raise self.provider.unreadable(exc, what) from exc

    @contextlib.contextmanager
    def sending(self) -> Iterator[None]:
        """The SDK call: a harness error raised beneath it (a cassette's, in the transport) is raised as
        itself, not as the SDK's connection error around it, so ``except HarnessError`` sees it."""
        try:
            yield
        except HarnessError:
            raise
        except Exception as exc:
            if (buried := _buried(exc)) is not None:
                raise buried from exc
            raise

    def stream_event(self, event: Any) -> list[BaseModel]:
        """Values of the calls this stream event completed."""
        with self.reading("a stream event"):
            calls = self.reader.feed(event)
        self.calls_seen += len(calls)
        return [self.validate(call).value for call in calls]

    def stream_end(self) -> list[BaseModel]:
        """Values of calls still open when the stream ended, once the end itself has been checked."""
        reader = self.reader
        if not reader.ended:
            # Cut before its finish event: a call may be missing, and an open one is cut, not bad JSON.
            raise IncompleteResponseError(provider=self.provider.name, finish_reason=None, calls_seen=self.calls_seen)
        self.check_finish(reader.finish_reason, self.calls_seen)
        with self.reading("the stream's end"):
            rest = reader.finish()
        self.calls_seen += len(rest)
        if self.calls_seen == 0:
            raise NoToolCallsError(
                provider=self.provider.name,
                text="".join(reader.text_parts) or "".join(reader.refusal_parts),
                finish_reason=reader.finish_reason,
            )
        return [self.validate(call).value for call in rest]


def _buried(exc: BaseException) -> HarnessError | None:
    """The harness error in ``exc``'s chain: the Anthropic and OpenAI SDKs wrap whatever their transport
    raised in ``APIConnectionError`` (and retry it first)."""
    seen: set[int] = set()
    cause = exc.__cause__ or exc.__context__
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, HarnessError):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


@functools.lru_cache(maxsize=256)
def _declarations(provider: Provider, toolset: ToolSet, strict: bool) -> list[dict[str, Any]]:
    """Tool declarations are built once per (provider, tools, strict): schema walks are not free.

    The list is shared between requests: request builders copy it into each request, never change it.
    """
    provider.check_names(toolset)
    return provider.tool_declarations(toolset, strict=strict)


_END = object()


class ToolCallStream(Iterator[Any]):
    """The iterator ``create(..., stream=True)`` returns: each call's value as soon as it is complete.

    The request is sent on the first ``next()``. ``close()`` (or leaving a ``with`` block) releases the
    HTTP response at once; ``usage`` is known once the stream has been read to its end.
    """

    def __init__(self, client: ParallelToolsClient, turn: _Turn) -> None:
        self._client = client
        self._turn = turn
        self._values = self._run()

    def _run(self) -> Generator[BaseModel, None, None]:
        turn, provider = self._turn, self._client.provider
        with turn.sending():
            sdk_stream = provider.send(self._client.client, turn.request, stream=True)
        events = iter(sdk_stream)
        try:
            while True:
                with turn.reading("the stream"):
                    event = next(events, _END)
                if event is _END:
                    break
                yield from turn.stream_event(event)
            yield from turn.stream_end()
        finally:
            close = getattr(sdk_stream, "close", None)
            if close is not None:
                close()

    def __next__(self) -> Any:
        return next(self._values)

    def close(self) -> None:
        self._values.close()

    def __enter__(self) -> ToolCallStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def usage(self) -> Usage | None:
        return self._turn.reader.usage if self._turn.reader.ended else None


class AsyncToolCallStream(AsyncIterator[Any]):
    """What ``create(..., stream=True)`` returns on the async client: an async iterator of the calls' values.

    Iterate it at once (``async for value in client.create(..., stream=True)``), or await it first, as
    the OpenAI and Anthropic SDKs' streaming calls are awaited (``stream = await client.create(...,
    stream=True)``): awaiting sends the request and waits for the response to begin, so an HTTP error
    is raised there, and gives back the same stream. Unawaited, the request is sent on the first
    ``__anext__``. ``await close()`` or ``async with`` releases the response.
    """

    def __init__(self, client: AsyncParallelToolsClient, turn: _Turn) -> None:
        self._client = client
        self._turn = turn
        self._sdk_stream: Any = None  # the SDK's stream, once the request is sent
        self._started = False
        self._values = self._run()

    async def _send(self) -> Any:
        if self._sdk_stream is None:
            with self._turn.sending():
                self._sdk_stream = await self._client.provider.send_async(
                    self._client.client, self._turn.request, stream=True
                )
        return self._sdk_stream

    async def _run(self) -> AsyncGenerator[BaseModel, None]:
        turn = self._turn
        sdk_stream = await self._send()
        events = aiter(sdk_stream)
        try:
            while True:
                with turn.reading("the stream"):
                    event = await anext(events, _END)
                if event is _END:
                    break
                for value in turn.stream_event(event):
                    yield value
            for value in turn.stream_end():
                yield value
        finally:
            await _close_async(sdk_stream)

    def __await__(self) -> Generator[Any, None, AsyncToolCallStream]:
        return self._opened().__await__()

    async def _opened(self) -> AsyncToolCallStream:
        if not self._started:
            await self._send()
        return self

    def __aiter__(self) -> AsyncToolCallStream:
        return self

    async def __anext__(self) -> Any:
        self._started = True
        return await self._values.__anext__()

    async def close(self) -> None:
        if not self._started and self._sdk_stream is not None:
            await _close_async(self._sdk_stream)  # awaited, never iterated: the generator holds nothing yet
        await self._values.aclose()

    aclose = close

    async def __aenter__(self) -> AsyncToolCallStream:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def usage(self) -> Usage | None:
        return self._turn.reader.usage if self._turn.reader.ended else None


async def _close_async(sdk_stream: Any) -> None:
    close = getattr(sdk_stream, "aclose", None) or getattr(sdk_stream, "close", None)
    if close is not None:
        result = close()
        if inspect.isawaitable(result):
            await result


class _ClientBase:
    def __init__(self, provider: Provider, sdk_client: Any, model: str, *, strict: bool = False) -> None:
        self.provider = provider
        self.client = sdk_client
        self.model = model
        self.strict = strict

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.provider.name}/{self.model})"

    def _turn(
        self,
        messages: Sequence[Any],
        response_model: Any,
        max_retries: int,
        stream: bool,
        options: dict[str, Any],
    ) -> _Turn:
        if "stream" in options:
            raise TypeError("create_with_response() does not stream; use create(..., stream=True)")
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        if stream and max_retries:
            # Calls already handed out cannot be taken back, so a streamed answer is never re-asked.
            raise ValueError("max_retries needs stream=False: streamed calls are handed out as they arrive")
        strict = bool(options.pop("strict", self.strict))
        context = options.pop("validation_context", None)
        model = options.pop("model", self.model)
        return _Turn(
            self.provider,
            model,
            messages,
            response_model,
            strict,
            options,
            max_retries=max_retries,
            validation_context=context,
            stream=stream,
        )


class ParallelToolsClient(_ClientBase):
    """Sync client returned by `harness.from_provider`."""

    @overload
    def create(
        self,
        *,
        messages: Sequence[Any],
        response_model: Any,
        stream: Literal[False] = False,
        max_retries: int = 0,
        validation_context: Any = None,
        **provider_kwargs: Any,
    ) -> list[Any]: ...

    @overload
    def create(
        self,
        *,
        messages: Sequence[Any],
        response_model: Any,
        stream: Literal[True],
        max_retries: int = 0,
        validation_context: Any = None,
        **provider_kwargs: Any,
    ) -> ToolCallStream: ...

    @overload
    def create(
        self,
        *,
        messages: Sequence[Any],
        response_model: Any,
        stream: bool,
        max_retries: int = 0,
        validation_context: Any = None,
        **provider_kwargs: Any,
    ) -> list[Any] | ToolCallStream: ...

    def create(
        self,
        *,
        messages: Sequence[Any],
        response_model: Any,
        stream: bool = False,
        max_retries: int = 0,
        validation_context: Any = None,
        **provider_kwargs: Any,
    ) -> list[Any] | ToolCallStream:
        """Return the validated calls in the provider's order (a list), or a `ToolCallStream`.

        ``validation_context`` reaches pydantic validators as ``info.context``.
        """
        if stream:
            options = {**provider_kwargs, "validation_context": validation_context}
            return ToolCallStream(self, self._turn(messages, response_model, max_retries, True, options))
        return self.create_with_response(
            messages=messages,
            response_model=response_model,
            max_retries=max_retries,
            validation_context=validation_context,
            **provider_kwargs,
        ).values

    def create_with_response(
        self,
        *,
        messages: Sequence[Any],
        response_model: Any,
        max_retries: int = 0,
        validation_context: Any = None,
        **provider_kwargs: Any,
    ) -> ParallelToolsResponse:
        """Like `create`, plus the raw SDK response, call ids, tool names, usage and attempts."""
        options = {**provider_kwargs, "validation_context": validation_context}
        turn = self._turn(messages, response_model, max_retries, False, options)
        while True:
            with turn.sending():
                response = self.provider.send(self.client, turn.request, stream=False)
            if (result := turn.settle(response)) is not None:
                return result


class AsyncParallelToolsClient(_ClientBase):
    """Async client: ``await create(...)`` returns a list; ``create(..., stream=True)`` is an async iterator.

    The stream can be awaited first, as the SDKs' streaming calls are: ``stream = await create(...,
    stream=True)``, then ``async for value in stream``.
    """

    @overload
    def create(
        self,
        *,
        messages: Sequence[Any],
        response_model: Any,
        stream: Literal[False] = False,
        max_retries: int = 0,
        validation_context: Any = None,
        **provider_kwargs: Any,
    ) -> Coroutine[Any, Any, list[Any]]: ...

    @overload
    def create(
        self,
        *,
        messages: Sequence[Any],
        response_model: Any,
        stream: Literal[True],
        max_retries: int = 0,
        validation_context: Any = None,
        **provider_kwargs: Any,
    ) -> AsyncToolCallStream: ...

    @overload
    def create(
        self,
        *,
        messages: Sequence[Any],
        response_model: Any,
        stream: bool,
        max_retries: int = 0,
        validation_context: Any = None,
        **provider_kwargs: Any,
    ) -> Coroutine[Any, Any, list[Any]] | AsyncToolCallStream: ...

    def create(
        self,
        *,
        messages: Sequence[Any],
        response_model: Any,
        stream: bool = False,
        max_retries: int = 0,
        validation_context: Any = None,
        **provider_kwargs: Any,
    ) -> Coroutine[Any, Any, list[Any]] | AsyncToolCallStream:
        """``await create(...)`` gives the list of calls; with ``stream=True``, iterate with ``async for``.

        ``async for value in create(..., stream=True)`` and ``async for value in await create(...,
        stream=True)`` both work: awaiting it sends the request first (see `AsyncToolCallStream`).
        """
        if stream:
            options = {**provider_kwargs, "validation_context": validation_context}
            return AsyncToolCallStream(self, self._turn(messages, response_model, max_retries, True, options))
        return self._values(
            self.create_with_response(
                messages=messages,
                response_model=response_model,
                max_retries=max_retries,
                validation_context=validation_context,
                **provider_kwargs,
            )
        )

    @staticmethod
    async def _values(pending: Awaitable[ParallelToolsResponse]) -> list[Any]:
        return (await pending).values

    async def create_with_response(
        self,
        *,
        messages: Sequence[Any],
        response_model: Any,
        max_retries: int = 0,
        validation_context: Any = None,
        **provider_kwargs: Any,
    ) -> ParallelToolsResponse:
        options = {**provider_kwargs, "validation_context": validation_context}
        turn = self._turn(messages, response_model, max_retries, False, options)
        while True:
            with turn.sending():
                response = await self.provider.send_async(self.client, turn.request, stream=False)
            if (result := turn.settle(response)) is not None:
                return result
