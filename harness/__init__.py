"""Parallel tool calls as validated pydantic models, on the official provider SDKs."""

from __future__ import annotations

import enum
from typing import Any

from harness._client import AsyncParallelToolsClient, ParallelToolsClient, ParallelToolsResponse, ToolCall
from harness.errors import (
    HarnessError,
    IncompleteResponseError,
    MalformedResponseError,
    NoToolCallsError,
    ProviderError,
    ToolArgumentsError,
    ToolCallError,
    ToolCallsFailedError,
    ToolNameError,
    UnknownToolError,
    UnsupportedSchemaError,
)
from harness.providers import PREFIXES, get_provider

__version__ = "0.1.0"


class Mode(enum.Enum):
    """How the answer is requested. Only parallel tool calls for now."""

    PARALLEL_TOOLS = "parallel_tools"


def from_provider(
    spec: str,
    *,
    client: Any = None,
    async_client: bool = False,
    mode: Mode = Mode.PARALLEL_TOOLS,
    **sdk_kwargs: Any,
) -> Any:
    """Build a client for ``"<provider>/<model>"``.

    Providers: ``openai`` (Chat Completions), ``openai-responses``, ``anthropic``, ``google``
    (Gemini API) and ``vertexai``. ``client`` is an SDK client you built; without it one is built
    from the environment as the SDK does, with ``sdk_kwargs``. ``strict=True`` makes OpenAI and
    Anthropic tools strict by default (``create(strict=...)`` overrides it per call).
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
        sdk = provider.default_client(async_client=async_client, **sdk_kwargs)
    else:
        if sdk_kwargs:
            raise TypeError(f"SDK keyword arguments {sorted(sdk_kwargs)} only apply when harness builds the client")
        sdk = provider.wrap_client(client, async_client=async_client)
    cls = AsyncParallelToolsClient if sdk.is_async else ParallelToolsClient
    return cls(provider, sdk.client, model, strict=strict)


__all__ = [
    "AsyncParallelToolsClient",
    "HarnessError",
    "IncompleteResponseError",
    "MalformedResponseError",
    "Mode",
    "NoToolCallsError",
    "ProviderError",
    "ParallelToolsClient",
    "ParallelToolsResponse",
    "ToolArgumentsError",
    "ToolCall",
    "ToolCallError",
    "ToolCallsFailedError",
    "ToolNameError",
    "UnknownToolError",
    "UnsupportedSchemaError",
    "from_provider",
]
