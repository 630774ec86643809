"""Spec prefix -> provider adapter. Modules load lazily, so ``import harness`` pulls in no SDK."""

from __future__ import annotations

import importlib

from harness.providers._base import Provider
from harness.providers._compatible import PROFILES

_MODULES = {
    "openai": ("harness.providers.openai_chat", "PROVIDER"),
    "openai-responses": ("harness.providers.openai_responses", "PROVIDER"),
    "anthropic": ("harness.providers.anthropic", "PROVIDER"),
    "google": ("harness.providers.google", "GEMINI"),
    "vertexai": ("harness.providers.google", "VERTEX"),
    # The OpenAI-compatible servers (groq, openrouter, ...): one Chat Completions adapter each.
    **{prefix: ("harness.providers.openai_chat", "COMPATIBLE") for prefix in PROFILES},
    "azure": ("harness.providers.azure", "CHAT"),
    "azure-responses": ("harness.providers.azure", "RESPONSES"),
    "anthropic-vertex": ("harness.providers.anthropic_vertex", "PROVIDER"),
}

PREFIXES = tuple(_MODULES)
#: The OpenAI-compatible servers among them (the conformance report shows them only when asked).
COMPATIBLE_PREFIXES = tuple(PROFILES)


def get_provider(prefix: str) -> Provider:
    """The adapter for a spec prefix such as ``"anthropic"``."""
    try:
        module_name, attribute = _MODULES[prefix]
    except KeyError:
        raise ValueError(f"unknown provider {prefix!r}; expected one of {', '.join(PREFIXES)}") from None
    found = getattr(importlib.import_module(module_name), attribute)
    provider: Provider = found[prefix] if isinstance(found, dict) else found
    return provider


__all__ = ["COMPATIBLE_PREFIXES", "PREFIXES", "Provider", "get_provider"]
