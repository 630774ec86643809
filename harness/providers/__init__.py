"""Spec prefix -> provider adapter. Modules load lazily, so ``import harness`` pulls in no SDK."""

from __future__ import annotations

import importlib

from harness.providers._base import Provider

_MODULES = {
    "openai": ("harness.providers.openai_chat", "PROVIDER"),
    "openai-responses": ("harness.providers.openai_responses", "PROVIDER"),
    "anthropic": ("harness.providers.anthropic", "PROVIDER"),
    "google": ("harness.providers.google", "GEMINI"),
    "vertexai": ("harness.providers.google", "VERTEX"),
    "azure": ("harness.providers.azure", "CHAT"),
    "azure-responses": ("harness.providers.azure", "RESPONSES"),
    "anthropic-vertex": ("harness.providers.anthropic_vertex", "PROVIDER"),
}

PREFIXES = tuple(_MODULES)


def get_provider(prefix: str) -> Provider:
    """The adapter for a spec prefix such as ``"anthropic"``."""
    try:
        module_name, attribute = _MODULES[prefix]
    except KeyError:
        raise ValueError(f"unknown provider {prefix!r}; expected one of {', '.join(PREFIXES)}") from None
    provider: Provider = getattr(importlib.import_module(module_name), attribute)
    return provider


__all__ = ["PREFIXES", "Provider", "get_provider"]
