"""The conformance runner catches the slips users make in hand-written clients.

Each defective adapter of :mod:`tests.conformance.raw_adapters` is a straightforward raw-SDK client with one
injected defect. Run through :func:`harness.conformance.run` on one (provider, feature) cell, it must come
out ``fail`` with a counterexample of at most three fields and of the failure kind its defect is, while its
defect-free twin passes the same cell.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from harness.conformance import CellResult, run
from tests.conformance import raw_adapters

#: Adapter calls per cell, and a fixed seed: every run draws the same examples.
EXAMPLES = 30
SEED = 0
#: The counterexample must be small enough to read at a glance.
MAX_FIELDS = 3
RAW_ADAPTERS = Path(raw_adapters.__file__)


def named(name: str) -> raw_adapters.RawAdapter:
    """The adapter ``raw_adapters.<name>``, as ``--adapter raw_adapters.py:<name>`` names it."""
    adapter = getattr(raw_adapters, name)
    assert isinstance(adapter, raw_adapters.RawAdapter)
    return adapter


class Case(NamedTuple):
    """A defective adapter, the cell that must catch it, the check that should fail there and the kind."""

    adapter: str
    provider: str
    feature: str
    check: str
    kind: str
    #: Whether the failing example was the streamed one (``None``: either).
    stream: bool | None = None

    @property
    def clean(self) -> str:
        """The defect-free adapter it is a copy of."""
        return named(self.adapter).api


CASES = (
    # values lost (a nullable field without a default is required: dropping its null makes pydantic raise)
    Case("openai_chat_drops_none", "openai", "nullable", "round trip", "crash"),
    Case("anthropic_messages_strips_strings", "anthropic", "strings", "round trip", "loses_data"),
    Case("gemini_truncates_floats", "google", "floats", "round trip", "loses_data"),
    # calls dropped
    Case("gemini_dedupes_calls", "vertexai", "repeated_calls", "round trip", "loses_data"),
    Case("openai_responses_drops_last_call", "openai-responses", "integers", "round trip", "loses_data"),
    # calls reordered
    Case("anthropic_messages_sorts_calls", "anthropic", "integers", "round trip", "loses_data"),
    # schemas loosened: pydantic still validates, so the adapter raises on the extra values (a retry, no loss)
    Case("gemini_drops_required", "google", "strings", "looser", "looser"),
    Case("openai_chat_drops_constraints", "openai", "string_length", "looser", "looser"),
    # streaming-only slips (keeping the first fragment of arguments leaves JSON the adapter cannot parse)
    Case("openai_responses_stream_drops_last", "openai-responses", "strings", "round trip", "loses_data", True),
    Case("anthropic_messages_stream_drops_last", "anthropic", "integers", "round trip", "loses_data", True),
    Case("openai_chat_stream_first_delta", "openai", "strings", "round trip", "crash", True),
)
#: Each defect-free adapter on every cell a defect is caught in.
CLEAN_CELLS = sorted({(case.clean, case.provider, case.feature) for case in CASES})
#: Features every defect-free adapter must pass on each provider it claims, schema passed as pydantic writes it.
SIMPLE_FEATURES = (
    "strings",
    "integers",
    "nullable",
    "omittable",
    "lists",
    "nested_models",
    "repeated_calls",
    "literal_strings",
)
API_PROVIDERS = [(api, provider) for api, providers in raw_adapters.APIS.items() for provider in providers]


def one_cell(adapter: Callable[..., Any], provider: str, feature: str) -> CellResult:
    report = run(adapter=adapter, providers=[provider], features=[feature], examples=EXAMPLES, seed=SEED)
    (result,) = report.results
    return result


def described(result: CellResult) -> str:
    example = result.counterexample
    if example is None:
        return f"{result.provider}/{result.feature}: {result.outcome} ({result.reason})"
    return (
        f"{result.provider}/{result.feature}: {result.outcome}, {example.check} check"
        f"{' (streamed)' if example.stream else ''}: {example.error}\n{example.source}\n"
        f"expected {json.dumps(example.expected)}\ngot {json.dumps(example.got)}"
    )


def field_count(source: str) -> int:
    """Fields declared in a counterexample's source: annotated names in its class bodies, ``ClassVar`` aside."""
    count = 0
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if isinstance(statement, ast.AnnAssign) and "ClassVar" not in ast.unparse(statement.annotation):
                    count += 1
    return count


def test_field_count_counts_every_model() -> None:
    source = (
        "class A(BaseModel):\n    model_config = ConfigDict(title='x')\n    a: int\n    b: str | None = None\n"
        "class B(BaseModel):\n    n: ClassVar[int] = 1\n    c: list[A]\n"
        "response_model = Iterable[A | B]\n"
    )
    assert field_count(source) == 3


@pytest.mark.parametrize(("api", "provider"), API_PROVIDERS, ids=[provider for _, provider in API_PROVIDERS])
def test_defect_free_adapter_passes_the_simple_features(api: str, provider: str) -> None:
    report = run(
        adapter=raw_adapters.make_adapter(api),
        providers=[provider],
        features=SIMPLE_FEATURES,
        examples=EXAMPLES,
        seed=SEED,
    )
    assert [result.feature for result in report.results] == list(SIMPLE_FEATURES)
    failing = [described(result) for result in report.results if result.outcome != "pass"]
    assert not failing, "\n\n".join(failing)


@pytest.mark.parametrize(("api", "provider", "feature"), CLEAN_CELLS, ids=["-".join(cell) for cell in CLEAN_CELLS])
def test_defect_free_adapter_passes(api: str, provider: str, feature: str) -> None:
    result = one_cell(raw_adapters.make_adapter(api), provider, feature)
    assert result.outcome in ("pass", "lossy"), described(result)


@pytest.mark.parametrize("case", CASES, ids=[case.adapter for case in CASES])
def test_defect_fails_its_cell_with_a_small_counterexample(case: Case) -> None:
    assert (case.clean, case.provider, case.feature) in CLEAN_CELLS  # its twin passes the same cell
    result = one_cell(named(case.adapter), case.provider, case.feature)
    assert result.outcome == "fail", described(result)
    example = result.counterexample
    assert example is not None
    assert field_count(example.source) <= MAX_FIELDS, described(result)
    assert example.check == case.check, described(result)
    assert result.failure == example.kind == case.kind, described(result)
    if case.stream is not None:
        assert example.stream is case.stream, described(result)
        # Plain answers alone pass: the counterexample replayed plain, then a few plain examples.
        assert result.plain_outcome == "pass", described(result)


def test_a_counterexample_keeps_only_the_field_that_fails() -> None:
    """Hypothesis's shrinking alone once left three float fields here, two of them 0.0 (which truncation
    keeps): the runner drops every model, call and field that plays no part in the failure."""
    result = one_cell(named("gemini_truncates_floats"), "google", "floats")
    assert result.outcome == "fail" and result.counterexample is not None, described(result)
    assert field_count(result.counterexample.source) == 1, described(result)


def test_the_worst_kind_of_one_example_is_the_cell_s() -> None:
    """A strict cell an adapter declares non-strict is ``rejected``; with calls dropped as well, in the
    same answers, the cell is ``loses_data``: the worse of the two."""
    clean = _ignoring_strict(raw_adapters.openai_responses)
    result = one_cell(clean, "openai-responses+strict", "integers")
    assert (result.outcome, result.failure) == ("fail", "rejected"), described(result)
    assert result.counterexample is not None and result.counterexample.check == "declarations"
    both = _ignoring_strict(named("openai_responses_drops_last_call"))
    result = one_cell(both, "openai-responses+strict", "integers")
    assert (result.outcome, result.failure) == ("fail", "loses_data"), described(result)
    assert result.counterexample is not None and result.counterexample.kind == "loses_data"
    assert field_count(result.counterexample.source) <= MAX_FIELDS, described(result)


def _ignoring_strict(adapter: raw_adapters.RawAdapter) -> Callable[..., Any]:
    """``adapter`` claiming a strict mode it does not implement: it sends its usual, non-strict tools."""

    def claims_strict(spec: str, sdk_client: Any, *, strict: bool = False, **kwargs: Any) -> Any:
        return adapter(spec, sdk_client, **kwargs)

    claims_strict.specs = adapter.specs  # type: ignore[attr-defined]
    claims_strict.strict_specs = adapter.specs  # type: ignore[attr-defined]
    return claims_strict


def test_every_defect_is_caught_somewhere() -> None:
    assert {named(case.adapter).defect for case in CASES} == set(raw_adapters.DEFECTS)


def test_command_line_runs_a_defective_adapter_from_its_file(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "harness",
        "conformance",
        "--adapter",
        f"{RAW_ADAPTERS}:openai_chat_drops_none",
        "--providers",
        "openai",
        "--features",
        "nullable",
        "--examples",
        str(EXAMPLES),
        "--out",
        str(tmp_path),
    ]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    # A third-party adapter's failures are findings, not the tool's own error.
    assert finished.returncode == 0, finished.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    (cell,) = report["results"]
    assert (cell["provider"], cell["feature"], cell["outcome"]) == ("openai", "nullable", "fail")
    assert field_count(cell["counterexample"]["source"]) <= MAX_FIELDS
