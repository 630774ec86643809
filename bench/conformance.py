"""Benchmark: conformance round trips per second per provider, and the default report's wall time.

Runs the default report, as ``harness conformance`` does (harness's own adapter, every provider x every
feature, ``--examples`` round trips per cell, ``--jobs`` processes), then prints per provider the round
trips run and the seconds its cells took (summed cell times, so the rate is per process), and the wall
time of the whole report. Targets on a 2-core machine: at least 300 round trips per second per provider,
and the default report (100 examples) under 60 seconds.

A round trip is one adapter call: a request read by the in-memory provider, an answer written by its
writers (plain or streamed), the adapter's result compared with pydantic's; each example adds the
schema draw (``pydantic.create_model``) and its instances. Shrinking never runs here: harness passes.

``--failing`` measures instead what a failing cell costs (shrinking, reduction, the plain replay): for a
few (provider, feature) cells, in one process, the seconds of harness's passing cell and of the same cell
run by a defective raw-SDK adapter of ``tests/conformance/raw_adapters.py``, at the same ``--examples``,
and their ratio (target: at most 2), with the counterexample's field count (target: at most 3). The
adapter calls each made are printed too, and their ratio: the raw adapters are much faster than the
clients people measure (LangChain, litellm), for which the calls are the cost.

Usage: ``python bench/conformance.py [--examples N] [--jobs N] [--providers P,Q,...] [--profile PROVIDER]
[--failing]`` (``--providers openai,openai-responses,anthropic,google,vertexai``: the five specs without
strict modes).
"""

from __future__ import annotations

import argparse
import ast
import collections
import sys
import time
from pathlib import Path
from typing import Any

from _common import print_profile

from harness.conformance import PROVIDERS, CellResult, harness_adapter, run
from harness.conformance._property import Cell, CellRun
from harness.strategies import FEATURES

#: (defective adapter of tests/conformance/raw_adapters.py, provider, feature): one per failure kind and API.
FAILING_CELLS = (
    ("openai_chat_drops_none", "openai", "nullable"),
    ("gemini_truncates_floats", "google", "floats"),
    ("anthropic_messages_sorts_calls", "anthropic", "integers"),
    ("openai_responses_stream_drops_last", "openai-responses", "strings"),
    ("openai_chat_drops_constraints", "openai", "string_length"),
    ("gemini_drops_required", "google", "strings"),
)


def failing(examples: int) -> None:
    """Each failing cell's seconds beside harness's passing cell for the same provider and feature."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: its tests/ package
    from tests.conformance import raw_adapters

    CellRun(harness_adapter, Cell("openai", "strings")).run(examples, None)  # warm imports and caches
    print(
        f"{'cell':<30}{'harness s':>10}{'failing s':>10}{'ratio':>7}{'calls':>7}{'calls':>7}{'ratio':>7}"
        f"  {'fields':>6}  adapter (kind)"
    )
    ratios, call_ratios = [], []
    for name, provider, feature in FAILING_CELLS:
        cell = Cell(provider, feature)
        own, defective = _Counted(harness_adapter), _Counted(getattr(raw_adapters, name))
        passing, passing_seconds = _timed(own, cell, examples)
        assert passing.outcome != "fail", passing
        failed, failed_seconds = _timed(defective, cell, examples)
        example = failed.counterexample
        fields = _fields(example.source) if example else 0
        kind = getattr(failed, "failure", None) or (example.check if example else failed.outcome)
        ratio, call_ratio = failed_seconds / passing_seconds, defective.calls / own.calls
        ratios.append(ratio)
        call_ratios.append(call_ratio)
        print(
            f"{provider + ' ' + feature:<30}{passing_seconds:>10.2f}{failed_seconds:>10.2f}{ratio:>7.2f}"
            f"{own.calls:>7}{defective.calls:>7}{call_ratio:>7.2f}  {fields:>6}  {name} ({kind})"
        )
    print(
        f"{examples} examples per cell; worst ratio {max(ratios):.2f} in seconds, {max(call_ratios):.2f} in adapter "
        "calls (target: 2)"
    )


class _Counted:
    """An adapter that counts its calls, claiming what the adapter it wraps claims."""

    def __init__(self, adapter: Any) -> None:
        self.adapter, self.calls = adapter, 0
        self.specs = getattr(adapter, "specs", None) or ()
        self.strict_specs = getattr(adapter, "strict_specs", ())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.adapter(*args, **kwargs)


def _timed(adapter: Any, cell: Cell, examples: int) -> tuple[CellResult, float]:
    """The cell's result and its wall time, everything included (a result's ``seconds`` may leave out work
    done after it was measured)."""
    started = time.perf_counter()
    result = CellRun(adapter, cell).run(examples, None)
    return result, time.perf_counter() - started


def _fields(source: str) -> int:
    """Fields declared in a counterexample's source (annotated names in class bodies, ``ClassVar`` aside)."""
    return sum(
        isinstance(statement, ast.AnnAssign) and "ClassVar" not in ast.unparse(statement.annotation)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ClassDef)
        for statement in node.body
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--providers", help="comma-separated providers (default: all of them)")
    parser.add_argument("--profile", choices=PROVIDERS, help="profile one provider's cells instead")
    parser.add_argument("--failing", action="store_true", help="a failing cell's cost against a passing one's")
    arguments = parser.parse_args()
    if arguments.failing:
        failing(arguments.examples)
        return
    if arguments.profile:
        profiled = [Cell(arguments.profile, feature) for feature in FEATURES]
        print_profile(lambda: [CellRun(harness_adapter, cell).run(arguments.examples, None) for cell in profiled], 1)
        return

    started = time.perf_counter()
    providers = arguments.providers.split(",") if arguments.providers else None
    report = run(providers=providers, examples=arguments.examples, jobs=arguments.jobs)
    wall = time.perf_counter() - started
    trips: collections.Counter[str] = collections.Counter()
    seconds: collections.defaultdict[str, float] = collections.defaultdict(float)
    outcomes: collections.Counter[str] = collections.Counter()
    for result in report.results:
        trips[result.provider] += result.examples
        seconds[result.provider] += result.seconds
        outcomes[result.outcome] += 1
    print(f"{'provider':<26}{'round trips':>12}{'seconds':>10}{'per second':>12}")
    for provider in report.providers:
        rate = trips[provider] / seconds[provider] if seconds[provider] else 0.0
        print(f"{provider:<26}{trips[provider]:>12}{seconds[provider]:>10.1f}{rate:>12.0f}")
    cells = len(report.results)
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
    which = "report" if providers else "default report"
    print(
        f"{which}: {len(report.providers)} providers x {len(report.features)} features = {cells} cells, "
        f"{arguments.examples} examples each, {arguments.jobs} processes: {wall:.1f} s wall ({summary})"
    )


if __name__ == "__main__":
    main()
