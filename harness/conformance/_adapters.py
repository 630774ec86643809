"""Adapters: the clients a conformance run measures, and how one is named on the command line.

An adapter is any callable ``adapter(spec, sdk_client, *, messages, response_model, stream, [strict])``
returning the parsed instances. ``specs`` and ``strict_specs`` attributes say what it claims.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from harness.providers import PREFIXES, get_provider

#: The prefixes with a strict tool mode: those whose provider module declares strict schema rules.
STRICT_PREFIXES = tuple(prefix for prefix in PREFIXES if get_provider(prefix).strict_rules is not None)


def harness_adapter(
    spec: str,
    sdk_client: Any,
    *,
    messages: list[dict[str, Any]],
    response_model: Any,
    stream: bool,
    strict: bool = False,
) -> list[BaseModel]:
    """harness itself: ``from_provider(spec, client=sdk_client, strict=strict).create(...)``."""
    from harness import from_provider

    client = from_provider(spec, client=sdk_client, async_client=False, strict=strict)
    if stream:
        with client.create(messages=messages, response_model=response_model, stream=True) as calls:
            return list(calls)
    return client.create(messages=messages, response_model=response_model)


harness_adapter.specs = PREFIXES  # type: ignore[attr-defined]
harness_adapter.strict_specs = STRICT_PREFIXES  # type: ignore[attr-defined]


def adapter_name(adapter: Callable[..., Any]) -> str:
    """A short label for reports: ``harness`` for harness's own, else the adapter's qualified name."""
    if adapter is harness_adapter:
        return "harness"
    name = getattr(adapter, "name", None)
    if isinstance(name, str) and name:
        return name
    module = getattr(adapter, "__module__", "") or ""
    qualname = getattr(adapter, "__qualname__", type(adapter).__qualname__)
    return f"{module}:{qualname}" if module and not module.startswith("_harness_adapter_") else qualname


def claimed_specs(adapter: Callable[..., Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The prefixes an adapter claims, and those it can run strict (``specs``, ``strict_specs``)."""
    specs = tuple(getattr(adapter, "specs", PREFIXES))
    strict = tuple(getattr(adapter, "strict_specs", ()))
    for prefix in (*specs, *strict):
        if prefix not in PREFIXES:
            raise ValueError(f"adapter {adapter_name(adapter)} claims unknown provider {prefix!r}; known: {PREFIXES}")
    return specs, strict


@functools.cache
def load_adapter(reference: str) -> Callable[..., Any]:
    """``"package.module:name"`` or ``"path/to/file.py:name"`` -> the adapter it names.

    Loaded once per process: the command checks the reference before the run, which names it again.
    """
    target, sep, name = reference.rpartition(":")
    if not sep or not target or not name:
        raise ValueError(f"--adapter takes 'module:name' or 'path/to/file.py:name'; got {reference!r}")
    if target.endswith(".py") or "/" in target or "\\" in target:
        path = Path(target)
        if not path.is_file():
            raise FileNotFoundError(f"--adapter {reference}: no file {path}")
        module_name = f"_harness_adapter_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"--adapter {reference}: cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        sys.path.insert(0, str(path.resolve().parent))  # so the file can import its neighbours
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    try:
        adapter = getattr(module, name)
    except AttributeError:
        raise AttributeError(f"--adapter {reference}: {target} has no attribute {name!r}") from None
    if not callable(adapter):
        raise TypeError(f"--adapter {reference}: {name} is a {type(adapter).__name__}, not a callable")
    claimed_specs(adapter)
    return adapter  # type: ignore[no-any-return]
