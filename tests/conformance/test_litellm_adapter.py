"""litellm 1.110's adapter through the real runner: its round trips over the loopback socket, and the
defects the audit must find in litellm's own schema translation, each with its kind.

Runs only where litellm is installed (``.venv-litellm``, docs/audit-environments.md); skipped elsewhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm's import: no price list fetched
litellm = pytest.importorskip("litellm")

from harness.conformance import run  # noqa: E402
from harness.conformance.litellm_adapter import adapter  # noqa: E402


def _cells(**arguments: Any) -> dict[tuple[str, str], Any]:
    report = run(adapter=adapter, **arguments)
    return {(result.provider, result.feature): result for result in report.results}


def test_round_trips_pass_plain_and_streamed_on_each_provider() -> None:
    """Over the loopback socket, answered as each provider would; streamed answers joined by
    ``stream_chunk_builder``: every call back, in order, exact."""
    cells = _cells(providers=["openai", "anthropic", "google"], features=["strings", "nullable"], examples=10)
    assert {key: result.outcome for key, result in cells.items()} == {
        (provider, feature): "pass"
        for provider in ("openai", "anthropic", "google")
        for feature in ("strings", "nullable")
    }
    assert all(result.adapter == "litellm" for result in cells.values())


def test_gemini_declares_a_mixed_literal_and_tuple_items_as_objects() -> None:
    """``Literal["a", 1]`` loses its enum (not all strings) and, typeless, becomes an object;
    ``tuple[str]`` loses ``prefixItems`` and its items default to an object: values the model accepts
    break the schema sent."""
    cells = _cells(providers=["google"], features=["literal_mixed", "tuples"], examples=10)
    mixed, tuples = (_sent_field(cells["google", feature]) for feature in ("literal_mixed", "tuples"))
    assert mixed["type"] == "object" and "enum" not in mixed
    assert tuples["type"] == "array" and tuples["items"] == {"type": "object"} and "prefixItems" not in tuples


def _sent_field(result: Any) -> Any:
    """A reduced counterexample's one field, as litellm declared it to Gemini; the cell must have lost data."""
    assert (result.outcome, result.failure, result.counterexample.check) == ("fail", "loses_data", "stricter")
    (declared,) = result.counterexample.schema[0]["function_declarations"]
    (field,) = declared["parameters"]["properties"].values()
    return field


def test_gemini_turns_an_empty_string_enum_member_into_null() -> None:
    """``_fix_enum_empty_strings`` replaces ``""`` by ``None`` in every enum: the member ``""`` can no
    longer be sent."""
    result = _cells(providers=["google"], features=["str_enum"], examples=40)["google", "str_enum"]
    enum = _sent_field(result)["enum"]
    assert None in enum and "" not in enum


def test_anthropic_strict_is_dropped() -> None:
    """``"strict": true`` on the OpenAI function tool never reaches Anthropic's tool: the strict cell
    is rejected, whatever the model."""
    result = _cells(providers=["anthropic+strict"], features=["strings"], examples=10)["anthropic+strict", "strings"]
    assert (result.outcome, result.failure) == ("fail", "rejected")
    assert "not declared strict" in result.counterexample.error
    (tool,) = result.counterexample.schema
    assert "strict" not in tool


def test_the_adapter_is_labelled_and_imports_litellm_only_when_called() -> None:
    assert (adapter.name, adapter.packages) == ("litellm", ("litellm",))  # type: ignore[attr-defined]
    assert tuple(adapter.refusals) == (litellm.UnsupportedParamsError,)  # type: ignore[attr-defined]
    code = "import sys, harness.conformance.litellm_adapter as m; print('litellm' in sys.modules, m.adapter.specs)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split(" ", 1) == ["False", "('openai', 'anthropic', 'google')\n"]
