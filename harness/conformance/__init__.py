"""Conformance: does a pydantic model survive the trip to each provider and back, through a client?

`run` measures an adapter (harness itself by default) cell by cell, one cell per provider and
feature of `harness.strategies`, and returns a `Report`; `write_report` writes it as
``report.json``, ``report.md`` and ``report.html``. ``harness conformance`` is the command line.
"""

from harness.conformance._adapters import harness_adapter, load_adapter
from harness.conformance._limits import LIMITS, PROVIDER_LOSSES, Limit
from harness.conformance._report import write_report
from harness.conformance._results import FAILURES, OUTCOMES, CellResult, Counterexample, Report
from harness.conformance._run import PROVIDERS, run

__all__ = [
    "FAILURES",
    "LIMITS",
    "OUTCOMES",
    "PROVIDERS",
    "PROVIDER_LOSSES",
    "CellResult",
    "Counterexample",
    "Limit",
    "Report",
    "harness_adapter",
    "load_adapter",
    "run",
    "write_report",
]
