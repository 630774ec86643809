"""Gemini's documented schema rules: an ARRAY in ``parameters`` must say what its items are; nothing the API
is documented to take is refused (formats, and arrays without items in ``parametersJsonSchema``)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.providers import get_provider

PATH = {"google": "/v1beta/models/m:generateContent", "vertexai": "/v1beta1/publishers/google/models/m:generateContent"}


def refusals(prefix: str, key: str, schema: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(message, param) of each of ``prefix``'s rules a one-tool request declaring ``schema`` breaks."""
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "tools": [{"functionDeclarations": [{"name": "t", "description": "d", key: schema}]}],
    }
    provider = get_provider(prefix)
    received = provider.read_request(body, path=PATH[prefix])
    found = (rule.check(provider, body, received) for rule in provider.rejection_rules)
    return [(r.message, r.param) for r in found if r is not None]


def obj(**properties: Any) -> dict[str, Any]:
    return {"type": "OBJECT", "properties": properties}


@pytest.mark.parametrize("prefix", ["google", "vertexai"])
@pytest.mark.parametrize(
    ("schema", "param"),
    [
        (obj(rows={"type": "ARRAY"}), "parameters.properties[rows].items"),
        (obj(rows={"type": "array", "items": {"type": "ARRAY"}}), "parameters.properties[rows].items.items"),
        (obj(p={"any_of": [{"type": "OBJECT"}, {"type": "ARRAY"}]}), "parameters.properties[p].any_of[1].items"),
    ],
)
def test_an_array_without_items_in_parameters_is_refused_as_the_api_does(
    prefix: str, schema: dict[str, Any], param: str
) -> None:
    ((message, where),) = refusals(prefix, "parameters", schema)
    assert where == f"tools[0].functionDeclarations[0].{param}"
    assert message == f"* GenerateContentRequest.{where}: missing field."


@pytest.mark.parametrize("prefix", ["google", "vertexai"])
def test_what_the_api_takes_is_not_refused(prefix: str) -> None:
    # parametersJsonSchema is JSON Schema: an array without items is any list, and no refusal is on record.
    assert refusals(prefix, "parametersJsonSchema", {"type": "object", "properties": {"xs": {"type": "array"}}}) == []
    # Formats beyond the documented ones are taken, only not enforced (a limit, not a rule).
    for fmt in ("uuid", "date", "duration", "email", "date-time"):
        assert refusals(prefix, "parameters", obj(s={"type": "STRING", "format": fmt})) == []
    assert refusals(prefix, "parameters", obj(xs={"type": "ARRAY", "items": {"type": "STRING"}})) == []
    # A boolean enum stays refused in both fields, as before.
    assert refusals(prefix, "parametersJsonSchema", {"type": "object", "properties": {"b": {"enum": [True]}}})
