"""``from_provider``: the one entry point that builds a client for a spec."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Literal, overload

from harness._client import AsyncParallelToolsClient, ParallelToolsClient
from harness.providers import PREFIXES, get_provider

if TYPE_CHECKING:
    import anthropic
    import openai


class Mode(enum.Enum):
    """How the answer is requested. Only parallel tool calls for now."""

    PARALLEL_TOOLS = "parallel_tools"


@overload
def from_provider(
    spec: str,
    *,
    client: openai.AsyncOpenAI | anthropic.AsyncAnthropic,
    async_client: Literal[True] | None = None,
    mode: Mode = Mode.PARALLEL_TOOLS,
    **sdk_kwargs: Any,
) -> AsyncParallelToolsClient: ...


@overload
def from_provider(
    spec: str,
    *,
    client: Any = None,
    async_client: Literal[True],
    mode: Mode = Mode.PARALLEL_TOOLS,
    **sdk_kwargs: Any,
) -> AsyncParallelToolsClient: ...


@overload
def from_provider(
    spec: str,
    *,
    client: Any = None,
    async_client: Literal[False] | None = None,
    mode: Mode = Mode.PARALLEL_TOOLS,
    **sdk_kwargs: Any,
) -> ParallelToolsClient: ...


@overload
def from_provider(
    spec: str,
    *,
    client: Any = None,
    async_client: bool | None = None,
    mode: Mode = Mode.PARALLEL_TOOLS,
    **sdk_kwargs: Any,
) -> ParallelToolsClient | AsyncParallelToolsClient: ...


def from_provider(
    spec: str,
    *,
    client: Any = None,
    async_client: bool | None = None,
    mode: Mode = Mode.PARALLEL_TOOLS,
    **sdk_kwargs: Any,
) -> ParallelToolsClient | AsyncParallelToolsClient:
    """Build a client for ``"<provider>/<model>"``.

    Providers: ``openai`` (Chat Completions), ``openai-responses``, ``anthropic``, ``google``
    (Gemini API), ``vertexai``, and the OpenAI-compatible servers ``groq``, ``openrouter``, ``deepseek``,
    ``xai``, ``mistral``, ``together``, ``ollama`` and ``vllm`` (each from its own key and base-URL
    variables, see docs/providers/compatible.md). The spec splits at its first ``/``: the model name may
    hold more. ``client`` is an SDK client you built; without it one is built
    from the environment as the SDK does, with ``sdk_kwargs``. ``async_client`` left out follows the
    SDK client (``AsyncOpenAI`` and ``AsyncAnthropic`` are async; a ``genai.Client`` serves both, sync
    by default); said, it must agree with the client. ``strict=True`` makes OpenAI and Anthropic tools
    strict by default (``create(strict=...)`` overrides it per call).
    """
    if mode is not Mode.PARALLEL_TOOLS:
        raise ValueError(f"unsupported mode {mode!r}; only Mode.PARALLEL_TOOLS exists")
    prefix, sep, model = spec.partition("/")
    if not sep or not model:
        raise ValueError(
            f"spec must look like 'provider/model' with provider one of {', '.join(PREFIXES)}; got {spec!r}"
        )
    provider = get_provider(prefix)
    strict = bool(sdk_kwargs.pop("strict", False))
    if strict and provider.strict_rules is None:
        raise TypeError(f"{provider.name} has no strict tool mode; drop strict=True")
    if client is None:
        sdk = provider.default_client(
            async_client=bool(async_client), **provider.client_kwargs(sdk_kwargs, strict=strict)
        )
    else:
        if sdk_kwargs:
            raise TypeError(f"SDK keyword arguments {sorted(sdk_kwargs)} only apply when harness builds the client")
        sdk = provider.wrap_client(client, async_client=bool(async_client))
        if async_client is not None and sdk.is_async != async_client:
            kind = "an async" if sdk.is_async else "a sync"
            raise TypeError(
                f"async_client={async_client} but client is {kind} {type(client).__qualname__}; "
                f"pass {'an async' if async_client else 'a sync'} SDK client, or leave async_client out"
            )
    provider.check_client(sdk.client, strict=strict)
    if sdk.is_async:
        return AsyncParallelToolsClient(provider, sdk.client, model, strict=strict)
    return ParallelToolsClient(provider, sdk.client, model, strict=strict)
