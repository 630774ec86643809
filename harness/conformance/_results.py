"""What a conformance run found: one `CellResult` per (provider, feature) cell, and the `Report`.

``Report.to_json()`` is the pinned ``report.json`` shape; the writers in ``_report`` render the same
data as Markdown and HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

Outcome = Literal["pass", "lossy", "unsupported", "unconvertible", "fail"]
#: A cell's verdict: the round trip holds; holds but loses what the provider documents it loses; is not
#: measured because the adapter (or provider) refuses it up front; is not measured because the row's
#: schema did not become a pydantic model faithfully (``--schemas``); breaks (see `FAILURES`).
OUTCOMES: tuple[Outcome, ...] = ("pass", "lossy", "unsupported", "unconvertible", "fail")

Status = Literal["ok", "install_failed", "import_failed"]
#: How a client's environment (its venv) came out: ready, or why its column is missing.
STATUSES: tuple[Status, ...] = ("ok", "install_failed", "import_failed")

Failure = Literal["loses_data", "rejected", "crash", "looser"]
#: What a failing cell found, worst first: a value that cannot arrive (or arrives changed); a declaration
#: the provider refuses; the adapter raising where it should have answered; a schema looser than the model
#: whose extra values the adapter refuses on the way back (a retry at run time, not a loss).
FAILURES: tuple[Failure, ...] = ("loses_data", "rejected", "crash", "looser")


def worst(kinds: list[Failure]) -> Failure:
    """The worst of ``kinds`` in the order of `FAILURES`."""
    return min(kinds, key=FAILURES.index)


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without the keys ``cls`` does not know: a report written by a newer harness still loads."""
    names = {f.name for f in fields(cls)}
    return {key: value for key, value in data.items() if key in names}


@dataclass
class Counterexample:
    """The smallest failing example found in a cell (shrunk by Hypothesis, then reduced by the runner),
    as the user needs it to reproduce it."""

    #: Pasteable Python source of the shrunk models, ending in ``response_model = Iterable[...]``.
    source: str
    #: The tool declarations the adapter sent, as the provider received them.
    schema: list[dict[str, Any]]
    #: The answer served (the provider's JSON body, or the list of stream events).
    wire: Any
    #: What the adapter should have returned: each instance's ``model_dump(mode="json", by_alias=True)``.
    expected: list[Any]
    #: What it returned, dumped the same way; ``None`` when it raised or was never called.
    got: list[Any] | None
    #: What went wrong, in words (the check that failed, or the exception and its message).
    error: str | None
    stream: bool
    #: Which check failed: ``"declarations"``, ``"stricter"``, ``"looser"`` or ``"round trip"``.
    check: str = "round trip"
    #: What kind of failure it is (one of `FAILURES`).
    kind: Failure = "loses_data"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Counterexample:
        return cls(**_known(cls, data))


@dataclass
class CellResult:
    provider: str
    feature: str
    #: Round trips run in this cell (adapter calls, plain and streamed).
    examples: int
    outcome: Outcome
    counterexample: Counterexample | None = None
    #: For ``lossy``, ``unsupported`` and ``unconvertible``: why (the limits registry, the adapter's refusal,
    #: the keyword the conversion could not keep).
    reason: str | None = None
    #: Where the reason is documented, for ``lossy`` cells: `sources` joined by `` ; `` (for readers
    #: of report.json written before ``sources``).
    source: str | None = None
    #: Each place the reason is documented (a URL, or a note such as a recorded API answer), in order.
    sources: list[str] = field(default_factory=list)
    #: Unions the adapter refused up front (``UnsupportedSchemaError``).
    refused: int = 0
    seconds: float = 0.0
    adapter: str = "harness"
    #: For a cell that fails on a streamed answer: its outcome over plain answers alone.
    plain_outcome: Outcome | None = None
    #: The failure kind of a ``fail`` cell (one of `FAILURES`), ``None`` for every other outcome.
    failure: Failure | None = None
    #: Values drawn from the sent schema and served (the "not looser" check), and draws that
    #: `harness.values` could not make from it (``UnsatisfiableSchema``): nothing served.
    probes: int = 0
    undrawable: int = 0
    #: Where a ``model:`` row's schema came from, ``"<file>[#<index>]"`` (``--schemas``); ``None`` for a
    #: feature row and for a model given as a class.
    origin: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CellResult:
        data = _known(cls, data)
        example = data.pop("counterexample", None)
        return cls(**data, counterexample=Counterexample.from_json(example) if example else None)


@dataclass
class Report:
    results: list[CellResult]
    #: How the run was made: adapter, seed, examples asked per cell, providers, features, duration.
    adapter: str = "harness"
    seed: int | None = None
    examples: int = 100
    providers: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    seconds: float = 0.0
    harness_version: str = ""
    #: Each client's environment by label: ``{"status": ..., "packages": {name: version}, "error": ...}``.
    environments: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        data = _known(cls, data)
        results = [CellResult.from_json(item) for item in data.pop("results")]
        environments = {label: environment(entry) for label, entry in (data.pop("environments", None) or {}).items()}
        return cls(results=results, environments=environments, **data)

    @property
    def failed(self) -> list[CellResult]:
        return [result for result in self.results if result.outcome == "fail"]

    def failing(self, kinds: Sequence[str] = FAILURES) -> list[CellResult]:
        """The failing cells whose kind is one of ``kinds``; one without a kind (a report written before
        kinds) only when all are asked for."""
        every = set(kinds) >= set(FAILURES)
        return [result for result in self.failed if result.failure in kinds or (result.failure is None and every)]


def environment(data: Any, *, label: bool = False) -> dict[str, Any]:
    """``data`` checked as one environment entry (and its ``label`` when asked): ValueError saying what is
    wrong. Unknown keys are dropped, as everywhere in a report."""
    if not isinstance(data, dict):
        raise ValueError(f"an environment is a JSON object, not {type(data).__name__}")
    if label and not (isinstance(data.get("label"), str) and data["label"]):
        raise ValueError(f"an environment needs a non-empty string label, not {data.get('label')!r}")
    if data.get("status") not in STATUSES:
        raise ValueError(f"environment status {data.get('status')!r}; expected one of {', '.join(STATUSES)}")
    packages = data.get("packages") or {}
    if isinstance(packages, dict):  # a distribution recorded as null is one the environment does not hold
        packages = {name: version for name, version in packages.items() if version is not None}
    if not isinstance(packages, dict) or not all(isinstance(v, str) for v in (*packages, *packages.values())):
        raise ValueError(f"environment packages must map names to version strings, not {packages!r}")
    error = data.get("error")
    if error is not None and not isinstance(error, str):
        raise ValueError(f"environment error must be null or a string, not {error!r}")
    return {"status": data["status"], "packages": dict(packages), "error": error}


def merge_environments(*groups: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Environments by label, later groups winning: a label's packages are joined, its status and error
    are the last group's."""
    merged: dict[str, dict[str, Any]] = {}
    for group in groups:
        for label, entry in group.items():
            packages = {**merged.get(label, {}).get("packages", {}), **entry["packages"]}
            merged[label] = {**entry, "packages": packages}
    return merged
