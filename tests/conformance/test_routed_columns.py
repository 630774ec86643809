"""The routed APIs (Azure OpenAI, Claude on Vertex) as report columns: only when asked for, and each one
measured as its wire is, through its own SDK client, paths and limits."""

from __future__ import annotations

import pytest

from harness.conformance import ALL_PROVIDERS, PLAIN_PROVIDERS, PROVIDERS, run
from harness.conformance._adapters import harness_adapter
from harness.conformance._property import Cell, CellRun

ROUTED = (
    "azure",
    "azure+strict",
    "azure-responses",
    "azure-responses+strict",
    "anthropic-vertex",
    "anthropic-vertex+strict",
)
WIRE_OF = {"azure": "openai", "azure-responses": "openai-responses", "anthropic-vertex": "anthropic"}


def test_the_default_report_keeps_its_eight_columns() -> None:
    assert PROVIDERS == (
        "openai",
        "openai+strict",
        "openai-responses",
        "openai-responses+strict",
        "anthropic",
        "anthropic+strict",
        "google",
        "vertexai",
    )
    assert PLAIN_PROVIDERS == ("openai", "openai-responses", "anthropic", "google", "vertexai")
    assert set(ROUTED) <= set(ALL_PROVIDERS) and not set(ROUTED) & set(PROVIDERS)


def test_all_asks_for_every_column() -> None:
    report = run(providers=["all"], features=["strings"], examples=1)
    assert sorted({result.provider for result in report.results}) == sorted(ALL_PROVIDERS)


@pytest.mark.parametrize("feature", ["strings", "string_length", "integer_bounds", "dicts", "tuples"])
@pytest.mark.parametrize("provider", ROUTED)
def test_a_routed_column_measures_as_its_wire(provider: str, feature: str) -> None:
    prefix, plus, strict = provider.partition("+")
    routed = CellRun(harness_adapter, Cell(provider, feature)).run(10, seed=None)
    wire = CellRun(harness_adapter, Cell(WIRE_OF[prefix] + plus + strict, feature)).run(10, seed=None)
    assert routed.outcome != "fail"
    assert (routed.outcome, routed.sources) == (wire.outcome, wire.sources)
