"""Parallel tool calls as validated pydantic models, on the official provider SDKs.

``import harness`` is cheap: the client, pydantic and the SDKs load on first use of a name, so the
pytest plugin costs a test run nothing until a test needs it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from harness.errors import (
    ContentFilterError,
    HarnessError,
    IncompleteResponseError,
    MalformedResponseError,
    MissingKeyError,
    ModelsError,
    NoToolCallsError,
    ProviderError,
    ProviderSetupError,
    StrictModeError,
    ToolArgumentsError,
    ToolCallError,
    ToolCallsFailedError,
    ToolNameError,
    ToolUseFailedError,
    UnknownToolError,
    UnsupportedSchemaError,
)

if TYPE_CHECKING:
    from harness._api import Mode, from_provider
    from harness._client import (
        AsyncParallelToolsClient,
        AsyncToolCallStream,
        ParallelToolsClient,
        ParallelToolsResponse,
        ToolCall,
        ToolCallStream,
    )
    from harness.providers import PREFIXES
    from harness.providers._base import Usage, WireAnswer, WireCall

__version__ = "0.1.0"

_LAZY = {
    "Mode": "harness._api",
    "from_provider": "harness._api",
    "AsyncParallelToolsClient": "harness._client",
    "AsyncToolCallStream": "harness._client",
    "ParallelToolsClient": "harness._client",
    "ParallelToolsResponse": "harness._client",
    "ToolCall": "harness._client",
    "ToolCallStream": "harness._client",
    "PREFIXES": "harness.providers",
    "Usage": "harness.providers._base",
    "WireAnswer": "harness.providers._base",
    "WireCall": "harness.providers._base",
}


_SUBMODULES = frozenset({"conformance", "emulator", "providers", "recording", "strategies", "testing", "values"})


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"harness.{name}")
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'harness' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "AsyncParallelToolsClient",
    "AsyncToolCallStream",
    "HarnessError",
    "IncompleteResponseError",
    "ContentFilterError",
    "ProviderSetupError",
    "MalformedResponseError",
    "MissingKeyError",
    "Mode",
    "NoToolCallsError",
    "PREFIXES",
    "ProviderError",
    "ParallelToolsClient",
    "StrictModeError",
    "ParallelToolsResponse",
    "ToolArgumentsError",
    "ToolCall",
    "ToolCallError",
    "ToolCallsFailedError",
    "ToolCallStream",
    "ToolNameError",
    "ToolUseFailedError",
    "ModelsError",
    "UnknownToolError",
    "UnsupportedSchemaError",
    "Usage",
    "WireAnswer",
    "WireCall",
    "from_provider",
]
