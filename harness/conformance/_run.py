"""``run()``: every (provider, feature) cell an adapter claims, in one process or several."""

from __future__ import annotations

import concurrent.futures
import contextlib
import importlib.metadata
import multiprocessing
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import harness
from harness.conformance._adapters import (
    STRICT_PREFIXES,
    adapter_name,
    claimed_specs,
    harness_adapter,
    load_adapter,
)
from harness.conformance._endpoint import check_model_names, current_models, use_models
from harness.conformance._property import Cell, CellRun, unclaimed
from harness.conformance._results import CellResult, Report
from harness.conformance._rows import Row, fixed_unions
from harness.providers import COMPATIBLE_PREFIXES, PREFIXES, get_provider

#: Every provider the report knows: each API, and each strict mode as a provider of its own. ``--providers all``.
ALL_PROVIDERS: tuple[str, ...] = tuple(
    label
    for prefix in PREFIXES
    for label in (prefix, f"{prefix}+strict")
    if label == prefix or prefix in STRICT_PREFIXES
)
#: The report's default columns: the APIs with a wire of their own (and their strict modes), so its time
#: stays comparable; the OpenAI-compatible servers and the APIs routed elsewhere (``azure``,
#: ``anthropic-vertex``) come only when asked for (``--providers``, or ``--providers all``).
PROVIDERS: tuple[str, ...] = tuple(
    label
    for label in ALL_PROVIDERS
    if label.partition("+")[0] not in COMPATIBLE_PREFIXES
    and get_provider(label.removesuffix("+strict")).wire == label.removesuffix("+strict")
)


def expand_providers(providers: Sequence[str]) -> list[str]:
    """``"all"`` among the providers stands for every one the report knows, in order."""
    expanded: list[str] = []
    for provider in providers:
        for label in ALL_PROVIDERS if provider == "all" else (provider,):
            if label not in expanded:
                expanded.append(label)
    return expanded


def run(
    *,
    adapter: Callable[..., Any] | str | None = None,
    providers: Sequence[str] | None = None,
    features: Sequence[str] | None = None,
    examples: int = 100,
    seed: int | None = None,
    jobs: int = 1,
    models: Mapping[str, str] | None = None,
    rows: Sequence[Row] | None = None,
    on_result: Callable[[CellResult], None] | None = None,
) -> Report:
    """Run the round-trip property for every (provider, feature) cell and return the report.

    ``adapter`` is a callable, a ``"module:name"`` or ``"file.py:name"`` reference, or ``None`` for
    harness itself. ``examples`` is the number of round trips per cell (adapter calls). ``seed``
    ``None`` runs derandomized: the same examples every time. ``jobs`` > 1 spreads cells over processes.
    ``models`` (prefix -> name) replaces the default model names the adapter is asked for
    (``DEFAULT_MODELS``); the spec it gets is ``prefix/name``. ``on_result`` is called with each cell's
    result as it is done (a progress bar, say). ``rows`` (from `model_rows` or `schema_rows`) replaces the
    features with the user's own models: a fixed union per row, whose instances alone are drawn.
    """
    from harness.strategies import FEATURES

    reference = adapter if isinstance(adapter, str) else None
    function = harness_adapter if adapter is None else load_adapter(adapter) if isinstance(adapter, str) else adapter
    named = getattr(function, "name", None)  # an adapter may name itself ("instructor")
    label = named if isinstance(named, str) and named else reference or adapter_name(function)
    providers = list(PROVIDERS if providers is None else expand_providers(providers))
    if rows is not None and features is not None:
        raise ValueError("rows and features exclude each other: a report is on drawn features or on given models")
    features = list(FEATURES if features is None else features) if rows is None else [row.feature for row in rows]
    check_arguments(
        providers=providers, features=features if rows is None else [], examples=examples, jobs=jobs, models=models
    )
    by_feature = {row.feature: row for row in rows or ()}
    if len(by_feature) < len(rows or ()):
        raise ValueError("two rows share a label: pass the rows through unique() first")
    with _models(models or {}), fixed_unions(by_feature):
        report = _run(function, reference, label, providers, features, examples, seed, jobs, on_result, by_feature)
    for result in report.results:
        row = by_feature.get(result.feature)
        result.origin = row.origin if row is not None else None
    return report


@contextlib.contextmanager
def _models(models: Mapping[str, str]) -> Iterator[None]:
    """The run's model names, and the process's previous ones back after it."""
    previous = use_models(models)
    try:
        yield
    finally:
        use_models(previous)


def _run(
    function: Callable[..., Any],
    reference: str | None,
    label: str,
    providers: list[str],
    features: list[str],
    examples: int,
    seed: int | None,
    jobs: int,
    on_result: Callable[[CellResult], None] | None,
    rows: Mapping[str, Row],
) -> Report:
    specs, strict_specs = claimed_specs(function)
    started = time.perf_counter()
    results: dict[Cell, CellResult] = {}
    todo: list[Cell] = []
    for feature in features:
        for provider in providers:
            cell = Cell(provider, feature)
            why = _unclaimed_reason(cell, specs, strict_specs, label)
            row = rows.get(feature)
            if row is not None and row.unconvertible is not None:
                results[cell] = CellResult(provider, feature, 0, "unconvertible", reason=row.unconvertible)
                results[cell].adapter = label
                if on_result is not None:
                    on_result(results[cell])
            elif why:
                results[cell] = unclaimed(cell, why)
                results[cell].adapter = label
                if on_result is not None:
                    on_result(results[cell])
            else:
                todo.append(cell)
    for result in _results(function, reference, todo, examples=examples, seed=seed, jobs=jobs):
        result.adapter = label
        results[Cell(result.provider, result.feature)] = result
        if on_result is not None:
            on_result(result)
    return Report(
        results=[results[Cell(p, f)] for f in features for p in providers],
        adapter=label,
        seed=seed,
        examples=examples,
        providers=providers,
        features=features,
        seconds=round(time.perf_counter() - started, 2),
        harness_version=harness.__version__,
        environments={label: own_environment(function)},
    )


#: The distributions every run records beside the adapter's own: they decide what the SDKs send and read.
_PACKAGES = ("pydantic", "openai", "anthropic", "google-genai")


def own_environment(adapter: Callable[..., Any]) -> dict[str, Any]:
    """This process's environment: harness, pydantic and the SDKs, and the library the adapter measures: the
    distributions its ``packages`` attribute names (``("instructor",)``), else its top-level package's."""
    packages = {"harness": harness.__version__}
    top = (getattr(adapter, "__module__", None) or "").partition(".")[0]
    named = getattr(adapter, "packages", None)
    if named is not None:
        library = list(named)
    else:
        library = importlib.metadata.packages_distributions().get(top, []) if top != "harness" else []
    names = [*_PACKAGES, *library]
    for name in dict.fromkeys(names):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            packages[name] = importlib.metadata.version(name)
    return {"status": "ok", "packages": packages, "error": None}


def check_arguments(
    *,
    providers: Sequence[str],
    features: Sequence[str],
    examples: int,
    jobs: int,
    models: Mapping[str, str] | None = None,
) -> None:
    """ValueError naming the first unknown provider or feature, a count below one, or a model for an
    unknown provider or one that is no name."""
    from harness.strategies import FEATURES

    check_model_names(models or {})
    for provider in providers:
        if provider not in ALL_PROVIDERS and provider != "all":
            raise ValueError(f"unknown provider {provider!r}; expected some of all, {', '.join(ALL_PROVIDERS)}")
    for feature in features:
        if feature not in FEATURES:
            raise ValueError(f"unknown feature {feature!r}; expected some of {', '.join(FEATURES)}")
    if examples < 1:
        raise ValueError(f"examples must be at least 1, not {examples}")
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")


def _unclaimed_reason(cell: Cell, specs: Sequence[str], strict_specs: Sequence[str], label: str) -> str | None:
    if cell.prefix not in specs:
        return f"{label} does not claim {cell.prefix} (its specs: {', '.join(specs) or 'none'})"
    if cell.strict and cell.prefix not in strict_specs:
        if cell.prefix not in STRICT_PREFIXES:
            return f"{cell.prefix} has no strict mode"
        return f"{label} has no strict mode for {cell.prefix}"
    return None


def _results(
    function: Callable[..., Any],
    reference: str | None,
    cells: list[Cell],
    *,
    examples: int,
    seed: int | None,
    jobs: int,
) -> Iterator[CellResult]:
    fork = "fork" in multiprocessing.get_all_start_methods()
    if jobs == 1 or len(cells) <= 1 or (not fork and any(cell.feature.startswith("model:") for cell in cells)):
        # (A model row's union lives in this process: a spawned worker could not see it.)
        for cell in cells:
            yield CellRun(function, cell).run(examples, seed)
        return
    # Cells go to workers by reference where there is one, so a file-loaded adapter is re-imported there.
    target: Callable[..., Any] | str = reference if reference is not None else function
    context = multiprocessing.get_context("fork" if fork else None)
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        models = current_models()
        futures = [pool.submit(_run_cell, target, cell, examples, seed, models) for cell in cells]
        for future in concurrent.futures.as_completed(futures):
            yield future.result()


def _run_cell(
    target: Callable[..., Any] | str, cell: Cell, examples: int, seed: int | None, models: dict[str, str]
) -> CellResult:
    function = load_adapter(target) if isinstance(target, str) else target
    use_models(models)  # a worker asks for the parent's model names, forked or spawned
    return CellRun(function, cell).run(examples, seed)


__all__ = ["ALL_PROVIDERS", "PROVIDERS", "expand_providers", "run"]
