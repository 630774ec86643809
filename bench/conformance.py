"""Benchmark: conformance round trips per second per provider, and the default report's wall time.

Runs the default report, as ``harness conformance`` does (harness's own adapter, every provider x every
feature, ``--examples`` round trips per cell, ``--jobs`` processes), then prints per provider the round
trips run and the seconds its cells took (summed cell times, so the rate is per process), and the wall
time of the whole report. Targets on a 2-core machine: at least 300 round trips per second per provider,
and the default report (100 examples) under 60 seconds.

A round trip is one adapter call: a request read by the in-memory provider, an answer written by its
writers (plain or streamed), the adapter's result compared with pydantic's; each example adds the
schema draw (``pydantic.create_model``) and its instances. Shrinking never runs here: harness passes.

Usage: ``python bench/conformance.py [--examples N] [--jobs N] [--providers P,Q,...] [--profile PROVIDER]``
(``--providers openai,openai-responses,anthropic,google,vertexai``: the five specs without strict modes).
"""

from __future__ import annotations

import argparse
import collections
import time

from _common import print_profile

from harness.conformance import PROVIDERS, harness_adapter, run
from harness.conformance._property import Cell, CellRun
from harness.strategies import FEATURES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--providers", help="comma-separated providers (default: all of them)")
    parser.add_argument("--profile", choices=PROVIDERS, help="profile one provider's cells instead")
    arguments = parser.parse_args()
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
