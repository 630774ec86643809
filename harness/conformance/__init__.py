"""Conformance: does a pydantic model survive the trip to each provider and back, through a client?

`run` measures an adapter (harness itself by default) cell by cell, one cell per provider and
feature of `harness.strategies`, and returns a `Report`; `write_report` writes it as
``report.json``, ``report.md`` and ``report.html``. ``harness conformance`` is the command line.

On a team's own tool models rather than drawn features: `check_models` (from a test: raises on a
failing cell), `model_cells` (one pytest item per provider and model), and `model_rows` / `schema_rows`
(the rows `run` takes, from models or from JSON Schema files).
"""

from harness.conformance._adapters import harness_adapter, load_adapter
from harness.conformance._check import PLAIN_PROVIDERS, ModelCell, check_models, model_cells
from harness.conformance._limits import LIMITS, PROVIDER_LOSSES, Limit
from harness.conformance._report import write_report
from harness.conformance._results import FAILURES, OUTCOMES, CellResult, Counterexample, Report
from harness.conformance._rows import Row, model_rows
from harness.conformance._run import ALL_PROVIDERS, PROVIDERS, run
from harness.conformance._schemas import schema_rows

__all__ = [
    "ALL_PROVIDERS",
    "FAILURES",
    "LIMITS",
    "OUTCOMES",
    "PLAIN_PROVIDERS",
    "PROVIDERS",
    "PROVIDER_LOSSES",
    "CellResult",
    "Counterexample",
    "Limit",
    "ModelCell",
    "Report",
    "Row",
    "check_models",
    "harness_adapter",
    "load_adapter",
    "model_cells",
    "model_rows",
    "run",
    "schema_rows",
    "write_report",
]
