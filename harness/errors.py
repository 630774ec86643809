"""Every error the harness raises derives from `HarnessError`."""

from __future__ import annotations

from typing import Any


class HarnessError(Exception):
    """Base class for all harness errors."""


class UnsupportedSchemaError(HarnessError, TypeError):
    """A model uses a schema feature the provider cannot represent faithfully.

    Raised before any request is sent, naming the field path, the feature and the provider.
    """

    def __init__(self, *, provider: str, tool_name: str, path: str, feature: str, hint: str = "") -> None:
        self.provider = provider
        self.tool_name = tool_name
        self.path = path
        self.feature = feature
        message = f"{provider} cannot represent {feature} at {tool_name}{path or ''}"
        if hint:
            message += f": {hint}"
        super().__init__(message)


class ToolCallError(HarnessError):
    """A tool call in the provider's answer that cannot become a model instance."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        tool_name: str,
        call_id: str | None,
        raw_arguments: Any,
    ) -> None:
        self.provider = provider
        self.tool_name = tool_name
        self.call_id = call_id
        self.raw_arguments = raw_arguments
        super().__init__(message)


class UnknownToolError(ToolCallError):
    """The provider called a tool that is not in ``response_model``."""

    def __init__(
        self, *, provider: str, tool_name: str, call_id: str | None, raw_arguments: Any, known: list[str]
    ) -> None:
        self.known = known
        super().__init__(
            f"{provider} called unknown tool {tool_name!r} (call id {call_id!r}); "
            f"response_model declares {', '.join(map(repr, known))}",
            provider=provider,
            tool_name=tool_name,
            call_id=call_id,
            raw_arguments=raw_arguments,
        )


class ToolArgumentsError(ToolCallError):
    """A call's arguments are not valid JSON or fail validation against its model."""

    def __init__(
        self,
        *,
        provider: str,
        tool_name: str,
        call_id: str | None,
        raw_arguments: Any,
        errors: list[dict[str, Any]],
    ) -> None:
        self.errors = errors
        details = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())) or '<root>'}: {e.get('msg', '')}" for e in errors
        )
        super().__init__(
            f"{provider} call {call_id!r} to {tool_name!r} has invalid arguments ({details}); "
            f"raw arguments: {_clip(raw_arguments)}",
            provider=provider,
            tool_name=tool_name,
            call_id=call_id,
            raw_arguments=raw_arguments,
        )


class NoToolCallsError(HarnessError):
    """The provider answered without calling any tool."""

    def __init__(self, *, provider: str, text: str, finish_reason: str | None) -> None:
        self.provider = provider
        self.text = text
        self.finish_reason = finish_reason
        quoted = _clip(text) if text else "<no text>"
        super().__init__(
            f"{provider} answered without tool calls (finish reason {finish_reason!r}); its text: {quoted}"
        )


class IncompleteResponseError(HarnessError):
    """The answer is not whole: the provider stopped early (token limit, malformed call) or its stream was cut.

    Some calls may be missing or cut; ``calls_seen`` counts those that arrived complete (a stream has
    already handed them out). ``finish_reason`` is ``None`` when a stream ended before its finish event.
    """

    def __init__(self, *, provider: str, finish_reason: str | None, calls_seen: int) -> None:
        self.provider = provider
        self.finish_reason = finish_reason
        self.calls_seen = calls_seen
        if finish_reason is None:
            message = (
                f"{provider} stream ended before its finish event, after {calls_seen} complete tool call(s); "
                "the answer is incomplete (the connection was cut, or the stream is not whole)"
            )
        else:
            message = (
                f"{provider} stopped with finish reason {finish_reason!r} after {calls_seen} tool call(s); "
                "the answer is incomplete (raise the token limit or simplify the request)"
            )
        super().__init__(message)


class ContentFilterError(IncompleteResponseError):
    """The provider's content filter stopped the answer (finish reason ``content_filter``).

    ``categories`` names the filters that fired (``"violence"``, ``"jailbreak"``), as the provider's
    ``content_filter_results`` reported them; empty when it named none.
    """

    def __init__(self, *, provider: str, categories: tuple[str, ...], calls_seen: int) -> None:
        super().__init__(provider=provider, finish_reason="content_filter", calls_seen=calls_seen)
        self.categories = categories
        named = ", ".join(categories) if categories else "no category named"
        self.args = (
            f"{provider}'s content filter stopped the answer ({named}) after {calls_seen} tool call(s); "
            "the answer is incomplete",
        )


class ProviderSetupError(HarnessError, ValueError):
    """A client cannot be built from the environment: ``variables`` names what is missing."""

    def __init__(self, *, provider: str, variables: tuple[str, ...], hint: str = "") -> None:
        self.provider = provider
        self.variables = variables
        super().__init__(
            f"{provider} needs {', '.join(variables)} set in the environment{hint}; or pass client= an SDK client"
        )


class ProviderError(HarnessError):
    """The provider answered that the request failed (a ``failed`` or ``cancelled`` response, an error event)."""

    def __init__(self, *, provider: str, status: str, error: Any = None) -> None:
        self.provider = provider
        self.status = status
        self.error = error
        detail = f": {_clip(_error_text(error))}" if error is not None else " (it gave no error)"
        super().__init__(f"{provider} answered with status {status!r}{detail}")


class ToolCallsFailedError(ToolCallError):
    """Calls still invalid after the last attempt: every one of them, not only the first.

    ``errors`` holds one `ToolCallError` per failing call (``ToolArgumentsError`` with its
    pydantic errors, or ``UnknownToolError``), in the answer's order; ``calls`` the valid calls;
    ``attempts`` how many answers were read; ``raw`` the last raw SDK response. ``tool_name``,
    ``call_id`` and ``raw_arguments`` are the first failing call's.
    """

    def __init__(self, *, errors: list[ToolCallError], calls: list[Any], attempts: int, raw: Any) -> None:
        self.errors = errors
        self.calls = calls
        self.attempts = attempts
        self.raw = raw
        first = errors[0]
        lines = "\n".join(f"  - {error}" for error in errors)
        super().__init__(
            f"{first.provider}: {len(errors)} tool call(s) still invalid after {attempts} attempt(s) "
            f"({len(calls)} valid):\n{lines}",
            provider=first.provider,
            tool_name=first.tool_name,
            call_id=first.call_id,
            raw_arguments=first.raw_arguments,
        )

    @property
    def last_response(self) -> Any:
        return self.raw


def _error_text(error: Any) -> str:
    if isinstance(error, str):
        return error
    fields = {name: getattr(error, name, None) for name in ("code", "message")}
    if isinstance(error, dict):
        fields = {name: error.get(name) for name in ("code", "message")}
    if fields["message"] is None:
        return repr(error)
    return f"{fields['message']} (code {fields['code']!r})" if fields["code"] else str(fields["message"])


class MalformedResponseError(HarnessError):
    """The provider's answer does not have the wire shape the provider documents.

    ``index`` and ``name`` identify the tool call at fault (its position in the answer and its tool name),
    ``field`` the wire field (``"choices[0].message.tool_calls[1].function.arguments"``); each is ``None``
    where it is not known, as when the SDK could not decode the body at all. The SDK's own failure, where
    there was one, is the ``__cause__``.
    """

    def __init__(
        self,
        *,
        provider: str,
        problem: str,
        index: int | None = None,
        name: str | None = None,
        field: str | None = None,
    ) -> None:
        self.provider = provider
        self.problem = problem
        self.index = index
        self.name = name
        self.field = field
        where = []
        if index is not None or name is not None:
            call = "tool call" + (f" {index}" if index is not None else "")
            where.append(call + (f" ({name!r})" if name is not None else ""))
        if field is not None:
            where.append(f"field {field}")
        super().__init__(f"malformed {provider} answer" + (f" at {', '.join(where)}" if where else "") + f": {problem}")


def _clip(value: Any, limit: int = 500) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


class ToolNameError(HarnessError, ValueError):
    """A tool name breaks the provider's naming rule, or two models share one name."""


class ModelsError(HarnessError, ValueError):
    """What `check_models`, ``--models`` or ``--schemas`` was given holds no tool models or cannot be read
    (a module that does not import, an attribute that is no model, a path that does not exist, the
    ``[schemas]`` extra missing): names the target and what is wrong with it."""


class MissingKeyError(HarnessError, ValueError):
    """No API key for a provider that needs one: ``variable`` names the environment variable to set."""

    def __init__(self, message: str, *, provider: str, variable: str | None) -> None:
        self.provider = provider
        self.variable = variable
        super().__init__(message)


class StrictModeError(HarnessError, TypeError):
    """``strict=True`` with a client that cannot serve strict tools (DeepSeek's outside its ``/beta`` URL)."""


class ToolUseFailedError(ProviderError):
    """The server checked the model's tool call itself and refused it (Groq's 400 ``tool_use_failed``).

    ``failed_generation`` is the model's output as the server quotes it; ``error`` the server's error object.
    """

    def __init__(self, *, provider: str, failed_generation: str, error: Any = None) -> None:
        self.failed_generation = failed_generation
        super().__init__(provider=provider, status="tool_use_failed", error=error)
        self.args = (f"{self.args[0]}; the model's output was: {_clip(failed_generation)}",)

    def __str__(self) -> str:
        return str(self.args[0])
