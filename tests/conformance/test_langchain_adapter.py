"""LangChain's shipped adapter, through real conformance cells: the verdicts checked by hand in its source.

Runs where LangChain is installed (``.venv-langchain``; skipped in the project's venv). Each cell drives
LangChain's chat models over the runner's loopback socket, plain and streamed. The failures asserted
are LangChain's own, each read in its source:

- ``langchain_core.utils.function_calling._recursive_set_additional_properties_false`` (strict) sets
  ``additionalProperties: false`` on every schema that has the key, so a ``dict[str, X]`` field is sent
  as a closed object with no properties: strict decoding can only return ``{}`` (``loses_data``);
- ``langchain_google_genai._function_utils`` passes ``Literal[1, 2]`` / ``IntEnum`` values into
  ``google.genai.types.Schema.enum``, which takes strings only: pydantic raises before anything is sent
  (``crash``); a discriminated union's ``oneOf`` is declared ``{"type": "STRING"}`` (``loses_data``);
- the same strict helper walks ``anyOf`` but not ``oneOf``: a discriminated union's members lack
  ``additionalProperties: false``, which OpenAI's strict mode refuses (``rejected``).
"""

from __future__ import annotations

import pytest

from harness.conformance import run
from harness.conformance.langchain import adapter  # imports LangChain only when called

pytest.importorskip("langchain_core")
pytest.importorskip("langchain_openai")
pytest.importorskip("langchain_anthropic")
pytest.importorskip("langchain_google_genai")


def verdicts(providers: list[str], features: list[str], examples: int = 10) -> dict[tuple[str, str], str]:
    """(provider, feature) -> the outcome, or the failure kind of a failing cell."""
    report = run(adapter=adapter, providers=providers, features=features, examples=examples)
    assert {result.adapter for result in report.results} == {"langchain"}
    return {(r.provider, r.feature): r.failure or r.outcome for r in report.results}


def test_well_formed_calls_round_trip_on_every_chat_model() -> None:
    providers = ["openai", "openai-responses", "anthropic", "google", "vertexai", "anthropic+strict"]
    got = verdicts(providers, ["strings", "nested_models", "repeated_calls"])
    assert got == {cell: "pass" for cell in got}
    assert len(got) == 18


def test_gemini_int_enums_crash_before_sending() -> None:
    got = verdicts(["google", "vertexai"], ["int_enum", "literal_integers", "str_enum"])
    assert got == {
        ("google", "int_enum"): "crash",
        ("google", "literal_integers"): "crash",
        ("google", "str_enum"): "pass",
        ("vertexai", "int_enum"): "crash",
        ("vertexai", "literal_integers"): "crash",
        ("vertexai", "str_enum"): "pass",
    }


def test_gemini_discriminated_unions_and_recursion_are_declared_as_strings() -> None:
    got = verdicts(["google"], ["discriminated_unions", "recursive_models"])
    assert got == {("google", "discriminated_unions"): "loses_data", ("google", "recursive_models"): "loses_data"}


def test_strict_dicts_are_closed_empty_objects() -> None:
    """A non-empty dict is first drawn after ten examples (the first draws are ``{}``): 25 find it."""
    strict = ["openai+strict", "openai-responses+strict", "anthropic+strict"]
    got = verdicts([*strict, "openai"], ["dicts"], examples=25)
    assert got == {**{(p, "dicts"): "loses_data" for p in strict}, ("openai", "dicts"): "pass"}


def test_strict_discriminated_unions_are_refused_by_openai() -> None:
    got = verdicts(["openai+strict", "openai"], ["discriminated_unions"])
    assert got == {("openai+strict", "discriminated_unions"): "rejected", ("openai", "discriminated_unions"): "pass"}
