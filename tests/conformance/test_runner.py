"""The runner's own bookkeeping: what a failing cell costs, and a cell whose values cannot be drawn.

Both drive defective or altered copies of the raw-SDK adapters of :mod:`tests.conformance.raw_adapters`
through :func:`harness.conformance.run`, counting the adapter's calls: a count does not depend on the
machine, as seconds do.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.conformance import CellResult, run
from tests.conformance import raw_adapters

EXAMPLES = 30
SEED = 0


class Counting(raw_adapters.RawAdapter):
    """A raw adapter that counts its calls."""

    calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return super().__call__(*args, **kwargs)


class NeverKey(Counting):
    """Sends each schema with ``not: {required: [...]}`` at its root: every instance still validates
    against it, but :mod:`harness.values` draws nothing from a ``not``."""

    def tools(self, response_model: Any) -> list[raw_adapters.Tool]:
        never = {"not": {"required": ["never_sent"]}}
        return [tool._replace(schema={**tool.schema, **never}) for tool in super().tools(response_model)]


def one_cell(adapter: raw_adapters.RawAdapter, provider: str, feature: str) -> CellResult:
    (result,) = run(adapter=adapter, providers=[provider], features=[feature], examples=EXAMPLES, seed=SEED).results
    return result


@pytest.mark.parametrize(
    ("api", "defect", "provider", "feature"),
    [
        ("anthropic_messages", "sorts_calls", "anthropic", "integers"),  # 584 calls before the runner shrank alone
        ("gemini", "truncates_floats", "google", "floats"),
        ("openai_responses", "stream_drops_last", "openai-responses", "strings"),  # with the plain replay
    ],
)
def test_a_failing_cell_costs_at_most_twice_a_passing_one(api: str, defect: str, provider: str, feature: str) -> None:
    clean, defective = Counting(api), Counting(api, defect=defect)
    assert one_cell(clean, provider, feature).outcome == "pass"
    result = one_cell(defective, provider, feature)
    assert result.outcome == "fail"
    assert defective.calls <= 2 * clean.calls, (defective.calls, clean.calls)


def test_a_cell_whose_values_cannot_be_drawn_does_not_pass() -> None:
    adapter = NeverKey("openai_chat")
    result = one_cell(adapter, "openai", "strings")
    assert (result.probes, result.outcome) == (0, "unsupported")
    assert result.undrawable > 0 and result.examples >= EXAMPLES - result.undrawable
    assert result.reason is not None
    assert "not-looser check never ran" in result.reason and "`not` is not supported" in result.reason


def test_probes_are_counted_where_values_can_be_drawn() -> None:
    result = one_cell(Counting("openai_chat"), "openai", "strings")
    assert result.outcome == "pass" and result.probes > 0 and result.undrawable == 0
