"""`check_models` and `model_cells` from a team's test suite: green on harness, an AssertionError naming
each failing cell's provider, model, kind and counterexample on a client with a known defect, and one
pytest item per provider and model that pytest-xdist can spread."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from harness.cli import EXIT_OK, EXIT_USAGE, main
from harness.conformance import PLAIN_PROVIDERS, check_models, model_cells
from harness.errors import ModelsError
from tests.conformance import own_tools

pytest_plugins = ("pytester",)
STRIPS = "tests.conformance.raw_adapters:anthropic_messages_strips_strings"


def test_check_models_passes_on_harness_and_returns_the_report() -> None:
    report = check_models(own_tools.TOOLS, providers=["openai", "anthropic"], examples=10)
    assert {(r.provider, r.feature) for r in report.results} == {
        (provider, label)
        for provider in ("openai", "anthropic")
        for label in ("model:GetWeather", "model:Search", "model:TOOLS")
    }
    assert all(r.outcome == "pass" for r in report.results)


def test_lossy_cells_do_not_fail_check_models() -> None:
    report = check_models([own_tools.GetWeather], providers=["google"], examples=10)
    assert [r.outcome for r in report.results] == ["lossy"]  # Gemini has no string length bounds


def test_a_defective_client_fails_with_every_failing_cell_and_its_counterexample() -> None:
    with pytest.raises(AssertionError) as raised:
        check_models(own_tools, providers=["anthropic"], adapter=STRIPS, examples=30)
    message = str(raised.value)
    assert message.startswith("2 of 2 cells failed:")
    for model in ("GetWeather", "Search"):
        assert f"### ❌ anthropic · model:{model} (anthropic_messages_strips_strings): loses_data" in message
    for part in ("**Python source**", "from tests.conformance.own_tools import Search", "**Schema sent**"):
        assert part in message
    assert '"input_schema": {' in message  # the tool declaration as Anthropic received it
    assert "**Expected**" in message and "**Got**" in message


def test_fail_on_narrows_what_fails_and_bad_arguments_are_typed_errors() -> None:
    report = check_models([own_tools.Search], providers=["anthropic"], adapter=STRIPS, examples=20, fail_on=["crash"])
    assert [r.failure for r in report.results] == ["loses_data"]  # reported, not raised
    with pytest.raises(ModelsError, match="unknown kind 'lost'"):
        check_models([own_tools.Search], providers=["anthropic"], fail_on=["lost"])
    with pytest.raises(ModelsError, match="unknown provider 'antropic'"):
        check_models([own_tools.Search], providers=["antropic"])
    with pytest.raises(ModelsError, match="not the string 'openai'"):
        check_models([own_tools.Search], providers="openai")


def test_model_cells_give_one_id_per_provider_and_model() -> None:
    params = model_cells(own_tools.TOOLS)
    ids = [param.id for param in params]
    assert ids == [f"{p}-{m}" for m in ("GetWeather", "Search", "TOOLS") for p in PLAIN_PROVIDERS]
    assert ids[0] == "openai-GetWeather"


def test_a_downstream_suite_runs_one_item_per_cell_over_two_workers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        mytools=textwrap.dedent(
            """
            from pydantic import BaseModel

            class Weather(BaseModel):
                city: str

            class Search(BaseModel):
                query: str
                limit: int | None = None

            TOOLS = [Weather, Search]
            """
        ),
        test_tools=textwrap.dedent(
            f"""
            import pytest
            import mytools
            from harness.conformance import check_models, model_cells

            @pytest.mark.parametrize("cell", model_cells(mytools.TOOLS, providers=["openai", "anthropic"]))
            def test_each_tool(cell):
                cell.check(examples=5)

            @pytest.mark.parametrize("cell", model_cells(mytools.TOOLS, providers=["anthropic"]))
            def test_each_tool_through_a_client_that_strips(cell):
                cell.check(examples=60, adapter={STRIPS!r})

            def test_all_at_once():
                check_models(mytools.TOOLS, providers=["openai"], examples=5)
            """
        ),
    )
    pytester.syspathinsert()
    root = Path(__file__).resolve().parents[2]
    result = pytester.runpytest_subprocess(
        "-n",
        "2",
        "-p",
        "no:cacheprovider",
        "-v",
        "--rootdir",
        str(pytester.path),
        "--import-mode=append",
        "-o",
        f"pythonpath={root}",
    )
    result.assert_outcomes(passed=7, failed=3)
    out = result.stdout.str()
    for item in ("openai-Weather", "anthropic-Weather", "openai-Search", "anthropic-Search", "anthropic-TOOLS"):
        assert f"test_each_tool[{item}] PASSED" in out or f"PASSED test_tools.py::test_each_tool[{item}]" in out
    assert "test_each_tool_through_a_client_that_strips[anthropic-Search]" in out
    assert "loses_data" in out


def test_the_command_takes_models_and_schemas_but_not_with_features(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["conformance", "--providers", "openai", "--examples", "5", "--jobs", "1", "--out", str(tmp_path)]
    assert main([*common, "--models", "tests.conformance.own_tools:TOOLS"]) == EXIT_OK
    data = json.loads((tmp_path / "report.json").read_text())
    assert [(r["feature"], r["outcome"], r["origin"]) for r in data["results"]] == [
        ("model:GetWeather", "pass", None),
        ("model:Search", "pass", None),
        ("model:TOOLS", "pass", None),
    ]
    schemas = Path(__file__).parent.parent / "data" / "schemas"
    assert main([*common, "--schemas", str(schemas / "crm.json"), str(schemas / "broken.json")]) == EXIT_OK
    data = json.loads((tmp_path / "report.json").read_text())
    assert [(r["feature"], r["outcome"], r["origin"]) for r in data["results"]] == [
        ("model:create_contact", "pass", f"{schemas}/crm.json#0"),
        ("model:tag_contact", "pass", f"{schemas}/crm.json#1"),
        ("model:broken", "unconvertible", f"{schemas}/broken.json"),
    ]
    assert "## Unconvertible schemas" in (tmp_path / "report.md").read_text()
    capsys.readouterr()
    assert main([*common, "--models", "tests.conformance.own_tools", "--features", "strings"]) == EXIT_USAGE
    assert "--features: not allowed with argument --models" in capsys.readouterr().err
    assert main([*common, "--models", "tests.conformance.nowhere"]) == EXIT_USAGE
    assert "--models tests.conformance.nowhere: cannot import" in capsys.readouterr().err
