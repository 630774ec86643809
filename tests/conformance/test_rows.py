"""Rows of a team's own models: what `model_rows` finds, how labels stay unique, and a fixed model's
round trips through `run` (its instances drawn from its own schema, shrinking to the smallest)."""

from __future__ import annotations

import pytest

from harness import HarnessError
from harness.conformance import model_rows, run
from harness.conformance._rows import ModelUnion, Row, unique
from harness.errors import ModelsError
from tests.conformance import other_tools, own_tools


def labels(rows: list[Row]) -> list[str]:
    return [row.feature for row in rows]


def union(row: Row) -> ModelUnion:
    assert row.union is not None, row.unconvertible
    return row.union


def test_a_module_gives_its_own_models_each_alone() -> None:
    rows = model_rows(own_tools)
    # Unit is imported (not defined there), Names is a RootModel: neither is a tool of this module.
    assert labels(rows) == ["model:GetWeather", "model:Search"]
    assert [row.models for row in rows] == [(own_tools.GetWeather,), (own_tools.Search,)]
    assert all(row.origin is None and row.unconvertible is None for row in rows)
    # The source a counterexample carries imports the models from where they are defined.
    assert "from tests.conformance.own_tools import GetWeather" in union(rows[0]).source()


def test_a_response_model_gives_each_model_and_the_union_as_a_whole() -> None:
    rows = model_rows("tests.conformance.own_tools:TOOLS")
    assert labels(rows) == ["model:GetWeather", "model:Search", "model:TOOLS"]
    assert union(rows[-1]).models == (own_tools.GetWeather, own_tools.Search)
    assert "response_model = Iterable[GetWeather | Search]" in union(rows[-1]).source()
    # A list of one model is one row: no union row repeats it.
    assert labels(model_rows(own_tools.ONLY_SEARCH)) == ["model:Search"]


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("tests.conformance.no_such_module", "--models tests.conformance.no_such_module: cannot import"),
        ("tests.conformance.own_tools:NOPE", "has no attribute NOPE"),
        ("tests.conformance.own_tools:NOT_MODELS", "'get_weather', which is not a pydantic model"),
        ("tests.conformance.own_tools:Names", "Names, a RootModel"),
        ("tests.conformance.__init__", "defines no pydantic model"),
    ],
)
def test_what_is_no_tool_model_is_a_typed_error_naming_it(target: str, words: str) -> None:
    with pytest.raises(ModelsError) as raised:
        model_rows(target)
    assert words in str(raised.value)
    assert isinstance(raised.value, HarnessError)


def test_two_rows_of_one_name_are_prefixed_with_their_module() -> None:
    rows = unique(model_rows(own_tools) + model_rows(other_tools))
    assert labels(rows) == [
        "model:GetWeather",
        "model:own_tools.Search",
        "model:Unit",
        "model:other_tools.Search",
    ]


def test_a_fixed_model_runs_as_a_row_on_harness_itself() -> None:
    rows = unique(model_rows("tests.conformance.own_tools:TOOLS"))
    report = run(providers=["openai", "google"], rows=rows, examples=10)
    outcomes = {(r.provider, r.feature): r.outcome for r in report.results}
    assert outcomes == {
        ("openai", "model:GetWeather"): "pass",
        ("openai", "model:Search"): "pass",
        ("openai", "model:TOOLS"): "pass",
        # Gemini's function schema has no string length bounds: registered, so lossy, not a fail.
        ("google", "model:GetWeather"): "lossy",
        ("google", "model:Search"): "pass",
        ("google", "model:TOOLS"): "lossy",
    }
    assert all(r.origin is None for r in report.results)
    assert all(r.examples >= 10 for r in report.results)


def test_rows_and_features_exclude_each_other() -> None:
    with pytest.raises(ValueError, match="exclude each other"):
        run(providers=["openai"], features=["strings"], rows=model_rows(own_tools))


def test_a_failure_on_a_fixed_model_shrinks_to_its_smallest_instance() -> None:
    # A client that strips whitespace from strings: the smallest instance it breaks is one Search call
    # whose query is one whitespace character, every optional field left at its default.
    report = run(
        adapter="tests.conformance.raw_adapters:anthropic_messages_strips_strings",
        providers=["anthropic"],
        rows=model_rows(own_tools.ONLY_SEARCH),
        examples=40,
    )
    (result,) = report.results
    assert (result.outcome, result.failure) == ("fail", "loses_data")
    example = result.counterexample
    assert example is not None
    (expected,) = example.expected
    assert expected == {"query": expected["query"], "limit": None, "language": None, "tags": []}
    assert len(expected["query"]) == 1 and expected["query"].isspace()
    assert example.got == [{**expected, "query": ""}]
    assert "from tests.conformance.own_tools import Search" in example.source
