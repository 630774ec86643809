"""`check_models` and `model_cells`: a team's own tool models checked from its test suite.

`check_models` runs the report on the models (each alone, and a union as a whole) against the providers
and fails with every failing cell's smallest counterexample. `model_cells` splits the same work into one
test item per provider and model, so pytest-xdist spreads a large catalogue over processes and machines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from harness.conformance._results import FAILURES, Report
from harness.conformance._rows import Row, model_rows, unique
from harness.conformance._run import ALL_PROVIDERS, run
from harness.errors import ModelsError

#: The five plain specs (no strict mode): what `check_models` checks when not told.
PLAIN_PROVIDERS: tuple[str, ...] = ("openai", "openai-responses", "anthropic", "google", "vertexai")


def check_models(
    models: Any,
    *,
    providers: Sequence[str] = PLAIN_PROVIDERS,
    examples: int = 50,
    adapter: Callable[..., Any] | str | None = None,
    fail_on: Sequence[str] = FAILURES,
    seed: int | None = None,
    jobs: int = 1,
) -> Report:
    """Check that each of ``models`` survives the trip to each provider and back; return the `Report`.

    ``models`` is what ``harness conformance --models`` takes: a module (its own `BaseModel` subclasses),
    a list or tuple of models, or a response model such as ``Iterable[Weather | Search]``. Each model is a
    row of its own, and a union of several is one more. ``adapter`` is the client measured (harness's own
    by default): a callable or a ``"module:name"`` reference, as for `run`.

    Raises `AssertionError` when a cell fails with one of the ``fail_on`` kinds (all four by default),
    naming for each the provider, the model, the kind and the smallest counterexample: the source, the
    schema sent, the answer served, what was expected and what came back. ``lossy``, ``unsupported`` and
    ``unconvertible`` cells do not fail it: they are in the report returned.
    """
    rows = unique(model_rows(models))
    return _checked(rows, providers, examples=examples, adapter=adapter, fail_on=fail_on, seed=seed, jobs=jobs)


@dataclass(frozen=True)
class ModelCell:
    """One provider and one row of `model_cells`: a test item's work. Its `id` is ``<provider>-<Name>``."""

    provider: str
    row: Row

    @property
    def id(self) -> str:
        return f"{self.provider}-{self.row.feature.removeprefix('model:')}"

    def check(
        self,
        *,
        examples: int = 50,
        adapter: Callable[..., Any] | str | None = None,
        fail_on: Sequence[str] = FAILURES,
        seed: int | None = None,
    ) -> Report:
        """Run this one cell; `AssertionError` as `check_models` raises it when it fails."""
        return _checked([self.row], [self.provider], examples=examples, adapter=adapter, fail_on=fail_on, seed=seed)

    def __str__(self) -> str:
        return self.id


def model_cells(models: Any, *, providers: Sequence[str] = PLAIN_PROVIDERS) -> list[Any]:
    """One ``pytest.param`` per provider and row of ``models`` (what `check_models` takes), with the id
    ``<provider>-<Name>``; each holds a `ModelCell` to `check`:

        @pytest.mark.parametrize("cell", model_cells(myapp.tools.TOOLS))
        def test_tool_survives(cell):
            cell.check(examples=50)

    The rows are built (and schemas converted) once per process, at collection.
    """
    import pytest

    _check_providers(providers)
    rows = unique(model_rows(models))
    cells = [ModelCell(provider, row) for row in rows for provider in providers]
    return [pytest.param(cell, id=cell.id) for cell in cells]


def _checked(
    rows: Sequence[Row],
    providers: Sequence[str],
    *,
    examples: int,
    adapter: Callable[..., Any] | str | None,
    fail_on: Sequence[str],
    seed: int | None,
    jobs: int = 1,
) -> Report:
    _check_providers(providers)
    for kind in fail_on:
        if kind not in FAILURES:
            raise ModelsError(f"fail_on: unknown kind {kind!r}; expected some of {', '.join(FAILURES)}")
    report = run(adapter=adapter, providers=providers, rows=rows, examples=examples, seed=seed, jobs=jobs)
    failing = report.failing(tuple(fail_on))
    if failing:
        raise AssertionError(failure_message(report, failing))
    return report


def failure_message(report: Report, failing: Sequence[Any]) -> str:
    """Every failing cell: provider, model, kind, and the smallest counterexample, as Markdown."""
    from harness.conformance._report import _md_failure

    head = f"{len(failing)} of {len(report.results)} cells failed:"
    lines = [head, ""]
    for result in failing:  # each headed "### ❌ <provider> · model:<Name> (<adapter>): <kind>"
        lines += _md_failure(result)
    return "\n".join(lines)


def _check_providers(providers: Sequence[str]) -> None:
    if isinstance(providers, str):
        raise ModelsError(f"providers is a list of names, not the string {providers!r}")
    for provider in providers:
        if provider not in ALL_PROVIDERS:
            raise ModelsError(f"unknown provider {provider!r}; expected some of {', '.join(ALL_PROVIDERS)}")
