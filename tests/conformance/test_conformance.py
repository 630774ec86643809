"""harness's own adapter against the round-trip property: one test per (provider, feature) cell.

Parametrized by provider and feature so pytest-xdist spreads the cells over cores; each cell runs
under Hypothesis's derandomized ``ci`` profile. No cell may ``fail``; ``lossy`` and ``unsupported``
cells must say why, and the cells whose outcome follows from a documented provider limit are pinned.
"""

from __future__ import annotations

import json

import pytest

from harness.conformance import LIMITS, PROVIDERS, harness_adapter
from harness.conformance._property import Cell, CellRun
from harness.strategies import FEATURES

EXAMPLES = 30

#: Cells whose outcome a documented limit decides (see harness/conformance/_limits.py).
PINNED = {
    ("google", "string_length"): "lossy",
    ("vertexai", "string_pattern"): "lossy",
    ("openai+strict", "string_length"): "lossy",
    ("anthropic+strict", "integer_bounds"): "lossy",
    ("google", "literal_bool"): "unsupported",
    ("openai+strict", "dicts"): "unsupported",
}


@pytest.mark.parametrize("feature", FEATURES)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_harness_conforms(provider: str, feature: str) -> None:
    result = CellRun(harness_adapter, Cell(provider, feature)).run(EXAMPLES, seed=None)
    example = result.counterexample
    assert result.outcome != "fail", (
        f"{provider} x {feature}: {example.check if example else ''} failed: {example.error if example else ''}\n"
        f"{example.source if example else ''}\nsent: {json.dumps(example.schema if example else None)[:3000]}\n"
        f"answered: {json.dumps(example.wire if example else None)[:3000]}"
    )
    assert result.examples >= EXAMPLES or result.refused  # refused unions run no round trip
    if result.outcome in ("lossy", "unsupported"):
        assert result.reason
    if result.outcome == "lossy":
        assert result.source and any(limit.source in result.source for limit in LIMITS)
        # Each source once, in order, from the limits met; "source" is them joined, for older readers.
        known = [source for limit in LIMITS for source in getattr(limit, "sources", (limit.source,))]
        assert result.sources and set(result.sources) <= set(known)
        assert len(set(result.sources)) == len(result.sources)
        assert result.source == " ; ".join(result.sources)
    assert result.failure is None
    assert result.probes > 0 or result.outcome == "unsupported"  # "not looser" ran in every measured cell
    if (provider, feature) in PINNED:
        assert result.outcome == PINNED[provider, feature]
