"""Adapters: the clients a conformance run measures, and how one is named on the command line.

An adapter is any callable ``adapter(spec, sdk_client, *, messages, response_model, stream, [strict])``
returning the parsed instances. ``specs`` and ``strict_specs`` attributes say what it claims; a
``refusals`` attribute names the exceptions that mean "this library cannot express that" (see
`refusal`). An adapter that names any of `ADAPTER_KEYWORDS` in its signature also gets it.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from harness.errors import ToolNameError, UnsupportedSchemaError
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
# A tool name the provider's rule forbids (a dot for OpenAI, say) is refused before sending, naming it.
harness_adapter.refusals = (ToolNameError,)  # type: ignore[attr-defined]


#: What an adapter may ask for by naming it in its signature, so no library needs private attributes to
#: be pointed at the runner: the async SDK client, the httpx2 transport, an httpx (v1) transport (``None``
#: without httpx), a loopback ``base_url`` with a dummy ``api_key``, and the spec's ``model`` name.
ADAPTER_KEYWORDS = ("async_sdk_client", "transport", "httpx_transport", "base_url", "api_key", "model")


def adapter_keywords(adapter: Callable[..., Any]) -> tuple[str, ...]:
    """The `ADAPTER_KEYWORDS` ``adapter``'s signature names explicitly (``**kwargs`` gets none, so
    the old signature runs unchanged); computed once per adapter."""
    try:
        return _named_keywords(adapter)
    except TypeError:  # an unhashable callable: not cached
        return _named_keywords.__wrapped__(adapter)


@functools.lru_cache(maxsize=64)
def _named_keywords(adapter: Callable[..., Any]) -> tuple[str, ...]:
    try:
        parameters = inspect.signature(adapter).parameters
    except (TypeError, ValueError):  # a builtin without a signature: the old interface
        return ()
    named = {
        name
        for name, parameter in parameters.items()
        if parameter.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    }
    return tuple(name for name in ADAPTER_KEYWORDS if name in named)


class AdapterRefusal(UnsupportedSchemaError):
    """An exception in an adapter's ``refusals``, raised before sending: read as ``unsupported``, with
    the library's own message as the reason (the original is the ``__cause__``)."""

    def __init__(self, error: BaseException) -> None:
        self.provider, self.tool_name, self.path, self.feature = "", "", "", type(error).__name__
        Exception.__init__(self, str(error) or type(error).__name__)


def refusal(adapter: Callable[..., Any], error: BaseException) -> AdapterRefusal | None:
    """``error`` as an `AdapterRefusal` when it is one of ``adapter.refusals``, else ``None``."""
    refusals = tuple(getattr(adapter, "refusals", ()))
    if refusals and isinstance(error, refusals) and not isinstance(error, UnsupportedSchemaError):
        refused = AdapterRefusal(error)
        refused.__cause__ = error
        return refused
    return None


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
    for refused in getattr(adapter, "refusals", ()):
        if not (isinstance(refused, type) and issubclass(refused, BaseException)):
            raise TypeError(f"adapter {adapter_name(adapter)}: refusals holds {refused!r}, not an exception type")
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
