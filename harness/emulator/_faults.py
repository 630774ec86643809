"""Faults on demand: the failures downstream code must handle, each in the provider's own shape.

Asked for by a script rule (``fault: rate_limit``) or a request header (``x-harness-fault: slow=2``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: name -> what it does; ``argument`` is the number after ``=`` (seconds, or a status).
FAULTS = {
    "rate_limit": "429 with retry-after (argument: seconds to wait, default 1)",
    "server_error": "500 in the provider's error body",
    "overloaded": "Anthropic's 529 overloaded_error (503 UNAVAILABLE for Google, 503 for OpenAI)",
    "cut_stream": "a stream cut in the middle of the first call's arguments, with no finish event",
    "max_tokens": "the answer stops at the token limit (length, max_tokens, MAX_TOKENS, max_output_tokens)",
    "malformed_arguments": "the first call's arguments are cut JSON",
    "slow": "the first byte waits (argument: seconds, default 1)",
    "content_filter": "the answer stops at the provider's content filter (finish reason content_filter; Azure also "
    "names the filtered category, hate, as its content_filter_results do)",
    "tool_use_failed": "a server's own refusal of the model's call (Groq's 400 tool_use_failed with failed_generation)",
}


@dataclass(frozen=True)
class Fault:
    name: str
    argument: float | None = None


def fault_named(spec: Any) -> Fault:
    """A fault from ``"name"``, ``"name=2"`` or ``{"name": ..., "seconds": ...}``."""
    if isinstance(spec, dict):
        name = str(spec.get("name", ""))
        argument = spec.get("seconds", spec.get("argument"))
    else:
        name, _, raw = str(spec).partition("=")
        argument = raw or None
    name = name.strip()
    if name not in FAULTS:
        raise ValueError(f"unknown fault {name!r}; faults: {', '.join(FAULTS)}")
    try:
        value = float(argument) if argument is not None else None
    except (TypeError, ValueError):
        raise ValueError(f"fault {name}: {argument!r} is not a number") from None
    return Fault(name, value)
