"""The provider-agnostic client: one request, validation of every call, retries."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Awaitable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

import pydantic
from pydantic import BaseModel

from harness._toolset import ToolSet, toolset_for
from harness.errors import (
    IncompleteResponseError,
    NoToolCallsError,
    ToolArgumentsError,
    ToolCallError,
    UnknownToolError,
)
from harness.providers._base import ParsedAnswer, Provider, RawCall, StreamDecoder, ToolOutput
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
    """What :meth:`ParallelToolsClient.create_with_response` returns."""

    calls: list[ToolCall]
    raw: Any
    provider: Provider = field(repr=False)

    @property
    def values(self) -> list[BaseModel]:
        return [call.value for call in self.calls]

    def tool_result_messages(self, outputs: Sequence[str] | Mapping[str, str]) -> list[Any]:
        """The assistant turn plus the provider's tool-result message(s), ready to append to ``messages``.

        ``outputs`` is one string per call, in call order, or a mapping from call id to string.
        """
        if isinstance(outputs, Mapping):
            missing = [c.id for c in self.calls if c.id not in outputs]
            if missing:
                raise KeyError(f"no output for call id(s) {missing}; every call needs an answer")
            texts = [outputs[c.id] for c in self.calls if c.id is not None]
        else:
            texts = list(outputs)
        if len(texts) != len(self.calls):
            raise ValueError(f"{len(self.calls)} calls need {len(self.calls)} outputs, got {len(texts)}")
        return self.provider.tool_result_messages(
            self.raw, [ToolOutput(call.raw, text) for call, text in zip(self.calls, texts, strict=True)]
        )


class _Turn:
    """One prepared request and the rules for reading its answer."""

    def __init__(
        self,
        provider: Provider,
        model: str,
        messages: Sequence[Any],
        response_model: Any,
        strict: bool,
        options: dict[str, Any],
    ) -> None:
        self.provider = provider
        self.toolset: ToolSet = toolset_for(response_model)
        self.strict = strict
        self.messages = list(messages)
        self.tools = _declarations(provider, self.toolset, strict)
        self.model = model
        self.options = options
        self.retries_left = 0
        self.decoder: StreamDecoder = provider.stream_decoder()
        self.calls_seen = 0

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
            value = tool.model.model_validate_json(text or "{}")
        except ValueError as exc:  # pydantic.ValidationError is a ValueError, and so is a json.loads failure
            if isinstance(exc, pydantic.ValidationError):
                errors = [dict(e) for e in exc.errors(include_url=False)]
            else:
                errors = [{"type": "json_invalid", "loc": (), "msg": str(exc)}]
            raise ToolArgumentsError(
                provider=provider, tool_name=call.name, call_id=call.id, raw_arguments=call.arguments, errors=errors
            ) from exc
        return ToolCall(call.id, call.name, value, call)

    def check_finish(self, finish_reason: str | None, calls_seen: int) -> None:
        if finish_reason in self.provider.incomplete_reasons:
            raise IncompleteResponseError(
                provider=self.provider.name, finish_reason=str(finish_reason), calls_seen=calls_seen
            )

    def read(self, response: Any) -> list[ToolCall]:
        answer: ParsedAnswer = self.provider.parse_answer(response)
        self.check_finish(answer.finish_reason, len(answer.calls))
        if not answer.calls:
            raise NoToolCallsError(provider=self.provider.name, text=answer.text, finish_reason=answer.finish_reason)
        # Validate every call before handing out any; keep the first error, report them all on retry.
        results: list[ToolCall] = []
        errors: list[tuple[RawCall, ToolCallError]] = []
        for call in answer.calls:
            try:
                results.append(self.validate(call))
            except ToolCallError as exc:
                errors.append((call, exc))
        if errors:
            raise _FailedCalls(answer.calls, errors)
        return results

    def settle(self, response: Any) -> ParallelToolsResponse | None:
        """The validated answer; or, while retries are left, None after adding the re-ask to the history."""
        try:
            return ParallelToolsResponse(self.read(response), response, self.provider)
        except _FailedCalls as failure:
            if self.retries_left == 0:
                raise failure.errors[0][1] from None
            self.retries_left -= 1
            self.retry_with(response, failure)
            return None

    def retry_with(self, response: Any, failure: _FailedCalls) -> None:
        """Answer every call id: the failures with their error, the others with a request to repeat them."""
        bad = {id(call): exc for call, exc in failure.errors}
        outputs = [
            ToolOutput(call, f"{bad[id(call)]}. Call {call.name} again with corrected arguments.", is_error=True)
            if id(call) in bad
            else ToolOutput(call, "Valid. Repeat this call unchanged together with the corrected calls.")
            for call in failure.calls
        ]
        self.messages += self.provider.tool_result_messages(response, outputs)

    def stream_event(self, event: Any) -> list[BaseModel]:
        """Values of the calls this stream event completed."""
        calls = self.decoder.feed(event)
        self.calls_seen += len(calls)
        return [self.validate(call).value for call in calls]

    def stream_end(self) -> list[BaseModel]:
        """Values of calls still open when the stream ended, once the end itself has been checked."""
        rest = self.decoder.finish()
        self.calls_seen += len(rest)
        self.check_finish(self.decoder.finish_reason, self.calls_seen)
        if self.calls_seen == 0:
            raise NoToolCallsError(
                provider=self.provider.name,
                text="".join(self.decoder.text_parts),
                finish_reason=self.decoder.finish_reason,
            )
        return [self.validate(call).value for call in rest]


@functools.lru_cache(maxsize=256)
def _declarations(provider: Provider, toolset: ToolSet, strict: bool) -> list[dict[str, Any]]:
    """Tool declarations are built once per (provider, tools, strict): schema walks are not free."""
    provider.check_names(toolset)
    return provider.tool_declarations(toolset, strict=strict)


class _FailedCalls(Exception):
    def __init__(self, calls: list[RawCall], errors: list[tuple[RawCall, ToolCallError]]) -> None:
        self.calls = calls
        self.errors = errors
        super().__init__(str(errors[0][1]))


class _ClientBase:
    def __init__(self, provider: Provider, sdk_client: Any, model: str, *, strict: bool = False) -> None:
        self.provider = provider
        self.client = sdk_client
        self.model = model
        self.strict = strict

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.provider.name}/{self.model})"

    def _turn(
        self, messages: Sequence[Any], response_model: Any, max_retries: int, stream: bool, options: dict[str, Any]
    ) -> _Turn:
        if "stream" in options:
            raise TypeError("create_with_response() does not stream; use create(..., stream=True)")
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        if stream and max_retries:
            # Calls already handed out cannot be taken back, so a streamed answer is never re-asked.
            raise ValueError("max_retries needs stream=False: streamed calls are handed out as they arrive")
        strict = bool(options.pop("strict", self.strict))
        turn = _Turn(self.provider, self.model, messages, response_model, strict, options)
        turn.retries_left = max_retries
        return turn


class ParallelToolsClient(_ClientBase):
    """Sync client returned by :func:`harness.from_provider`."""

    @overload
    def create(
        self,
        *,
        messages: Sequence[Any],
        response_model: Any,
        stream: Literal[False] = False,
        max_retries: int = 0,
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
        **provider_kwargs: Any,
    ) -> Iterator[Any]: ...

    def create(
        self,
        *,
        messages: Sequence[Any],
        response_model: Any,
        stream: bool = False,
        max_retries: int = 0,
        **provider_kwargs: Any,
    ) -> list[Any] | Iterator[Any]:
        """Return the validated calls in the provider's order (a list), or an iterator with ``stream=True``."""
        if stream:
            turn = self._turn(messages, response_model, max_retries, True, provider_kwargs)
            return self._stream(turn)
        return self.create_with_response(
            messages=messages, response_model=response_model, max_retries=max_retries, **provider_kwargs
        ).values

    def create_with_response(
        self, *, messages: Sequence[Any], response_model: Any, max_retries: int = 0, **provider_kwargs: Any
    ) -> ParallelToolsResponse:
        """Like :meth:`create`, plus the raw SDK response, call ids and tool names."""
        turn = self._turn(messages, response_model, max_retries, False, provider_kwargs)
        while True:
            if (result := turn.settle(self.provider.send(self.client, turn.request, stream=False))) is not None:
                return result

    def _stream(self, turn: _Turn) -> Iterator[BaseModel]:
        for event in self.provider.send(self.client, turn.request, stream=True):
            yield from turn.stream_event(event)
        yield from turn.stream_end()


class AsyncParallelToolsClient(_ClientBase):
    """Async client: ``await create(...)`` returns a list; ``create(..., stream=True)`` is an async iterator."""

    @overload
    def create(
        self,
        *,
        messages: Sequence[Any],
        response_model: Any,
        stream: Literal[False] = False,
        max_retries: int = 0,
        **provider_kwargs: Any,
    ) -> Awaitable[list[Any]]: ...

    @overload
    def create(
        self,
        *,
        messages: Sequence[Any],
        response_model: Any,
        stream: Literal[True],
        max_retries: int = 0,
        **provider_kwargs: Any,
    ) -> AsyncIterator[Any]: ...

    def create(
        self,
        *,
        messages: Sequence[Any],
        response_model: Any,
        stream: bool = False,
        max_retries: int = 0,
        **provider_kwargs: Any,
    ) -> Awaitable[list[Any]] | AsyncIterator[Any]:
        """``await create(...)`` gives the list of calls; with ``stream=True``, iterate with ``async for``."""
        if stream:
            turn = self._turn(messages, response_model, max_retries, True, provider_kwargs)
            return self._stream(turn)
        return self._values(
            self.create_with_response(
                messages=messages, response_model=response_model, max_retries=max_retries, **provider_kwargs
            )
        )

    @staticmethod
    async def _values(pending: Awaitable[ParallelToolsResponse]) -> list[Any]:
        return (await pending).values

    async def create_with_response(
        self, *, messages: Sequence[Any], response_model: Any, max_retries: int = 0, **provider_kwargs: Any
    ) -> ParallelToolsResponse:
        turn = self._turn(messages, response_model, max_retries, False, provider_kwargs)
        while True:
            response = await self.provider.send_async(self.client, turn.request, stream=False)
            if (result := turn.settle(response)) is not None:
                return result

    async def _stream(self, turn: _Turn) -> AsyncIterator[BaseModel]:
        async for event in await self.provider.send_async(self.client, turn.request, stream=True):
            for value in turn.stream_event(event):
                yield value
        for value in turn.stream_end():
            yield value
