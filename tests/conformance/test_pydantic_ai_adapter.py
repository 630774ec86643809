"""pydantic-ai's shipped adapter, run for real through the conformance runner (in ``.venv-pydantic-ai``).

Each verdict below was checked against pydantic-ai 2.68's source: the defects are the library's, not the
adapter's. Skipped where pydantic-ai is not installed (the project's own venv).
"""

from __future__ import annotations

import pytest

pytest.importorskip("pydantic_ai")

from harness.conformance import run
from harness.conformance.pydantic_ai import adapter


def verdicts(
    providers: list[str], features: list[str], examples: int = 10
) -> dict[tuple[str, str], tuple[str, str | None]]:
    report = run(adapter=adapter, providers=providers, features=features, examples=examples)
    return {(r.provider, r.feature): (r.outcome, r.failure) for r in report.results}


def test_plain_strict_and_streamed_calls_pass_on_every_provider() -> None:
    """Every provider's column, plain and strict, through pydantic-ai's own model classes."""
    providers = ["openai", "openai+strict", "openai-responses", "anthropic", "anthropic+strict", "google", "vertexai"]
    got = verdicts(providers, ["strings", "repeated_calls"])
    assert got == {(p, f): ("pass", None) for p in providers for f in ("strings", "repeated_calls")}


def test_strict_dicts_are_declared_closed_and_lose_data() -> None:
    """``Tool(strict=True)`` declares ``dict[str, str]`` as ``additionalProperties: false`` with no properties
    (profiles/openai.py ``_transform_object``; Anthropic through its SDK's ``transform_schema``): only
    ``{}`` can arrive. The first ten round trips draw empty dicts only, so the cell needs 30 to see it."""
    got = verdicts(["openai+strict", "anthropic+strict", "openai"], ["dicts"], examples=30)
    assert got == {
        ("openai+strict", "dicts"): ("fail", "loses_data"),
        ("anthropic+strict", "dicts"): ("fail", "loses_data"),
        ("openai", "dicts"): ("pass", None),  # strict=None: a dict is not strict-compatible, sent non-strict
    }


def test_gemini_declarations() -> None:
    """GoogleJsonSchemaTransformer turns ``const: true`` into a boolean ``enum`` (Gemini's enums are strings
    and numbers: rejected) and moves every string ``format`` into the description, ``date-time`` too,
    which Gemini keeps (looser: pydantic rejects what the schema then admits)."""
    got = verdicts(["google", "vertexai"], ["literal_bool", "datetime"])
    assert got == {
        ("google", "literal_bool"): ("fail", "rejected"),
        ("vertexai", "literal_bool"): ("fail", "rejected"),
        ("google", "datetime"): ("fail", "looser"),
        ("vertexai", "datetime"): ("fail", "looser"),
    }


def test_anthropic_strict_recursion_is_refused_before_sending() -> None:
    """pydantic-ai's documented refusal (``ModelRequestRejectedError`` before sending, for a strict schema
    past Anthropic's limits) reads unsupported; the same class raised after sending would stay a failure."""
    report = run(adapter=adapter, providers=["anthropic+strict"], features=["recursive_models"], examples=10)
    (result,) = report.results
    assert (result.outcome, result.failure) == ("unsupported", None)
    assert "recursive schema" in (result.reason or "")
