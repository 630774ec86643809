"""The report's own false alarms: a Decimal's looseness named as it is, a JSON number compared by value,
and limits whose sources and reasons say exactly what they are."""

from __future__ import annotations

import json
import random
import re
from decimal import Decimal
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field, ValidationError

from harness._toolset import model_schema
from harness.conformance._limits import BOOLEAN_LITERAL_ERROR, LIMITS, PROVIDER_LOSSES, limits_for, looseness
from harness.conformance._oracle import difference, pydantic_reading
from harness.testing import MockProvider


class Price(BaseModel):
    name: str
    amount: Decimal


class Cents(BaseModel):
    amount: Decimal = Field(decimal_places=2)


def pydantic_takes(text: str) -> bool:
    try:
        Price.model_validate_json(json.dumps({"name": "n", "amount": text}))
    except ValidationError:
        return False
    return True


def test_pydantic_own_decimal_schema_is_looser_on_its_string_branch_and_the_reason_says_where() -> None:
    schema = Price.model_json_schema()
    assert schema["properties"]["amount"]["anyOf"] == [{"type": "number"}, {"type": "string"}]  # no pattern at all
    value = {"name": "ok", "amount": "ten"}
    _, errors = pydantic_reading(Price, value, schema)
    assert errors == ["decimal_parsing"]
    # The neighbouring plain string is not named: only the Decimal's string branch (beside a number) can be.
    assert (
        looseness(schema, value, errors)
        == 'properties.amount.anyOf[1] {"type": "string"} has no pattern: admits \'ten\''
    )


def test_the_number_branch_carries_no_decimal_places() -> None:
    value = {"amount": 1.234}
    _, errors = pydantic_reading(Cents, value, Cents.model_json_schema())
    assert errors == ["decimal_max_places"]
    assert looseness(model_schema(Cents), value, errors) == (
        'properties.amount.anyOf[0] {"type": "number"} (a Decimal\'s number branch) has no multipleOf, '
        "so no decimal places: admits 1.234"
    )


def test_a_present_keyword_is_named_with_its_value_and_an_unknown_error_names_nothing() -> None:
    schema = {"type": "object", "properties": {"xs": {"type": "array", "items": {"type": "string"}, "maxItems": 9}}}
    assert looseness(schema, {"xs": ["a", "b"]}, ["too_long"]) == 'properties.xs.maxItems 9 admits ["a", "b"]'
    assert looseness(schema, {"xs": []}, ["an_error_nobody_knows"]) == ""


def test_harness_decimal_pattern_admits_no_string_pydantic_rejects() -> None:
    pattern = re.compile(model_schema(Price)["properties"]["amount"]["anyOf"][1]["pattern"])
    rng = random.Random(13)
    alphabet = [*"0123456789+-.eE _", "\u0661", "\t", "\n", "i", "n", "f", "a", "N", "\u00a0"]
    texts = ["1.", ".5", "+.5", "1e5", "1E+3", "-0", "00", ".", "e5", "1e", "NaN", "Infinity", "1" * 400]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(20_000)]
    looser = [t for t in texts if pattern.search(t) and not pydantic_takes(t)]
    assert looser == []
    # Stricter only where pydantic never writes: it takes padded, underscored and non-ASCII digit spellings.
    assert all(pydantic_takes(t) and not pattern.search(t) for t in (" 1", "1_000", "\u0661"))
    # Every spelling pydantic writes is admitted.
    for amount in ("0", "-0", "0.1", "123.4500", "1E+3", "1E-7", "-99999999999.999999"):
        assert pattern.search(Price(name="n", amount=Decimal(amount)).model_dump(mode="json")["amount"])


def gemini_library_reading(value: dict[str, object]) -> list[Price]:
    """What a library on Gemini's SDK returns: the parsed ``args`` object validated as it is."""
    body = {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"functionCall": {"name": "Price", "args": value}}]},
                "finishReason": "STOP",
                "index": 0,
            }
        ]
    }
    sdk = MockProvider("google").answer_body(body).sdk_client()
    response = sdk.models.generate_content(model="gemini-2.5-flash", contents="price?")
    return [Price.model_validate(part.function_call.args) for part in response.candidates[0].content.parts]


@pytest.mark.parametrize("number", [0.0, -0.0, 1.5e3, 1e-330, 12345678901234567890.123])
def test_a_json_number_carries_a_value_not_a_spelling(number: float) -> None:
    value = {"name": "n", "amount": number}
    expected, errors = pydantic_reading(Price, value, Price.model_json_schema())
    assert isinstance(expected, Price) and not errors
    got = gemini_library_reading(value)
    assert got[0].amount == expected.amount  # equal values ...
    if str(got[0].amount) != str(expected.amount):  # ... spelled apart: text alone would call it a loss
        assert difference([expected], got) is not None
    assert difference([expected], got, served=[value]) is None


def test_served_numbers_still_catch_changed_values_and_leaf_types() -> None:
    value = {"name": "n", "amount": 0.0}
    expected, _ = pydantic_reading(Price, value, Price.model_json_schema())
    assert expected is not None
    assert difference([expected], [Price(name="n", amount=Decimal("0.5"))], served=[value]) is not None
    assert difference([expected], [Price(name="m", amount=Decimal("0.0"))], served=[value]) is not None

    class Mixed(BaseModel):
        x: float | int | bool

    served = [{"x": 1}]
    one, _ = pydantic_reading(Mixed, served[0], Mixed.model_json_schema())
    assert isinstance(one, Mixed) and type(one.x) is int
    for other in (1.0, True):
        assert difference([one], [Mixed(x=other)], served=served) is not None


def test_limit_sources_are_one_url_or_one_note_each() -> None:
    for limit in (*LIMITS, *PROVIDER_LOSSES):
        assert limit.sources and limit.source == " ; ".join(limit.sources)
        for source in limit.sources:
            urls = re.findall(r"https?://", source)
            assert (urls == [] and " ; " not in source) or (source.startswith("https://") and " " not in source)


def test_limit_reasons_say_exactly_what_they_are() -> None:
    (pattern,) = limits_for("google", ["string_pattern_mismatch"]) or []
    assert "Decimal" not in pattern.reason and pattern.keywords == ("pattern",)
    (dec,) = limits_for("vertexai", ["decimal_parsing"]) or []
    assert "Decimal" in dec.reason and dec is not pattern
    assert limits_for("openai", ["decimal_parsing"]) is None  # elsewhere a Decimal's missing pattern is a fail


def test_a_boolean_literal_is_a_gemini_limit_and_a_string_literal_is_not() -> None:
    class Flag(BaseModel):
        on: Literal[True]
        side: Literal["left", "right"] = "left"

    schema = Flag.model_json_schema()
    assert pydantic_reading(Flag, {"on": False}, schema)[1] == [BOOLEAN_LITERAL_ERROR]
    assert pydantic_reading(Flag, {"on": True, "side": "up"}, schema)[1] == ["literal_error"]
    assert limits_for("google", [BOOLEAN_LITERAL_ERROR]) and limits_for("vertexai", [BOOLEAN_LITERAL_ERROR])
    assert limits_for("google", ["literal_error"]) is None
    assert limits_for("openai", [BOOLEAN_LITERAL_ERROR]) is None
    sent = {"type": "object", "properties": {"on": {"type": "boolean"}}, "required": ["on"]}
    assert (
        looseness(sent, {"on": False}, [BOOLEAN_LITERAL_ERROR])
        == 'properties.on {"type": "boolean"} has no enum/const: admits false'
    )


class Empty(BaseModel):
    pass


class Named(BaseModel):
    name: str


@pytest.mark.parametrize(
    ("prefix", "path", "body"),
    [
        ("google", "/v1beta/models/m:generateContent", {"tools": [{"functionDeclarations": [{"name": "{name}"}]}]}),
        ("openai", "/v1/chat/completions", {"tools": [{"type": "function", "function": {"name": "{name}"}}]}),
    ],
)
def test_a_function_without_parameters_declares_a_model_without_fields(
    prefix: str, path: str, body: dict[str, Any]
) -> None:
    """Gemini and Chat Completions declare a function taking nothing by leaving parameters out: not a fault for a
    model with no fields (a reduced counterexample often is one), still one for a model with fields."""
    from harness.conformance._declarations import declaration_problem
    from harness.conformance._endpoint import Exchange
    from harness.providers import get_provider

    provider = get_provider(prefix)
    for model, fault in ((Empty, False), (Named, True)):
        sent = json.loads(json.dumps(body).replace("{name}", model.__name__))
        sent |= {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]} if prefix == "google" else {}
        sent |= {"model": "m", "messages": [{"role": "user", "content": "hi"}]} if prefix == "openai" else {}
        exchange = Exchange(sent, path, provider.read_request(sent, path=path), None, False)
        problem = declaration_problem(provider, exchange, [model], strict=False)
        assert (problem is not None and "no parameter schema" in problem) is fault, problem
