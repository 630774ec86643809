"""harness.values: every drawn value is valid, the same seed draws the same value, draw 0 is the smallest.

The oracles are independent of the generator: ``jsonschema`` (Draft 2020-12, with the format checks its
2020-12 checker has here) for every schema, and the pydantic model itself, reading the value as JSON as
the client does, for the schemas pydantic made.
"""

from __future__ import annotations

import enum
import importlib
import ipaddress
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from typing import Annotated, Any, Literal

import jsonschema
import pytest
from pydantic import (
    UUID4,
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    IPvAnyAddress,
    SecretStr,
    StringConstraints,
    ValidationError,
)

from harness.errors import HarnessError, UnsupportedSchemaError
from harness.values import (
    HypothesisSource,
    RandomSource,
    Source,
    UnsatisfiableSchema,
    ValueGenerator,
    as_json_schema,
    values_for,
)

JSON = dict[str, Any]
DRAWS = 200


class Lowest(Source):
    """Every draw at its simplest: what Hypothesis shrinks toward."""

    def integer(self, lo: int, hi: int) -> int:
        return min(max(0, lo), hi)

    def floating(self, lo: float, hi: float) -> float:
        return min(max(0.0, lo), hi)


def validator(schema: JSON) -> jsonschema.protocols.Validator:
    """Draft 2020-12 unless ``$schema`` names another draft, with that draft's format checks.

    Not a bare ``FormatChecker()``: that one carries every draft's checks, draft 3's "time" (no offset) too.
    """
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid(check: jsonschema.protocols.Validator, value: Any, note: str) -> None:
    errors = list(check.iter_errors(value))
    assert not errors, f"{note}: {json.dumps(value, ensure_ascii=False)[:500]} -> {errors[0].message}"


def draws(schema: JSON, n: int = DRAWS, **kwargs: Any) -> Iterator[tuple[int, Any]]:
    for seed in range(n):
        yield seed, values_for(schema, RandomSource(seed), **kwargs)


# --- pydantic models: every field kind ---------------------------------------------------------


class Colour(enum.StrEnum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 3


class Address(BaseModel):
    street: str
    city: str = Field(min_length=1, max_length=40)
    postcode: str | None = Field(default=None, pattern=r"^\d{5}(-\d{4})?$")


class Person(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    name: str
    age: int = Field(ge=0, le=150)
    email: str | None = None
    address: Address
    previous: list[Address] = []
    nickname: str = Field(default="xx", alias="nickName", min_length=2, max_length=8)


class Numbers(BaseModel):
    small: int = Field(gt=-5, lt=5)
    ratio: float = Field(ge=0.5, le=2.5)
    step: float = Field(gt=0, multiple_of=0.25)
    sevens: int = Field(multiple_of=7, ge=-100, le=100)
    cents: float = Field(multiple_of=0.01, ge=0, le=1000)
    any_float: float
    any_int: int
    negative: float = Field(lt=0)
    tiny: float = Field(gt=0, lt=1e-300)
    int_or_float: int | float = 0


class Strings(BaseModel):
    code: str = Field(pattern=r"^[A-Z]{2}-\d{3,5}$")
    slug: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=30)
    word: str = Field(pattern=r"\w+", min_length=3, max_length=10)
    short: str = Field(max_length=3)
    long: str = Field(min_length=20)
    exact: str = Field(min_length=4, max_length=4)
    not_abc: str = Field(pattern=r"^[^abc\s]{2,4}$")
    alternatives: str = Field(pattern=r"^(foo|bar|baz)+$")
    colour: str = Field(pattern=r"^#?[0-9a-fA-F]{6}$")
    inside: str = Field(pattern=r"ab+c", max_length=12)


class Kinds(BaseModel):
    colour: Colour
    level: Level
    mode: Literal["fast", "slow"]
    n: Literal[1, 2, 3]
    flag: Literal[True]
    mixed: Literal["a", 1, False, None]
    maybe_colour: Colour | None = None


class Collections(BaseModel):
    tags: list[str]
    pair: tuple[int, str]
    triple: tuple[float, bool, Colour]
    variadic: tuple[int, ...]
    ids: set[int]
    names: frozenset[str]
    counts: dict[str, int]
    nested: dict[str, list[int]] = {}
    bounded: list[int] = Field(min_length=1, max_length=3)
    matrix: list[list[float]] = []
    anything: dict[str, Any] = {}
    raw: Any = None


class Times(BaseModel):
    at: datetime
    day: date
    clock: clock
    span: timedelta
    id: uuid.UUID
    id4: UUID4
    maybe: datetime | None = None


class Web(BaseModel):
    url: AnyUrl
    http: HttpUrl
    ip: IPvAnyAddress
    v4: ipaddress.IPv4Address
    v6: ipaddress.IPv6Address
    net: ipaddress.IPv4Network
    net6: ipaddress.IPv6Network
    iface: ipaddress.IPv4Interface
    secret: SecretStr
    blob: bytes


class Cat(BaseModel):
    kind: Literal["cat"] = "cat"
    lives: int = Field(ge=0, le=9)


class Dog(BaseModel):
    kind: Literal["dog"] = "dog"
    good: bool = True
    name: str


class Fish(BaseModel):
    kind: Literal["fish"]
    fresh: bool | None = None


class Pets(BaseModel):
    pet: Cat | Dog | Fish = Field(discriminator="kind")
    pets: list[Annotated[Cat | Dog, Field(discriminator="kind")]] = []
    plain: Cat | Dog
    scalar: int | str | None
    either: list[int] | dict[str, str]


class Node(BaseModel):
    value: int
    children: list[Node]
    next: Node | None = None


class Folder(BaseModel):
    name: str
    files: list[File] = []
    parent: Folder | None = None


class File(BaseModel):
    name: str
    folder: Folder | None = None


class Lit(BaseModel):
    op: Literal["lit"]
    value: float


class Add(BaseModel):
    op: Literal["add"]
    left: Expr
    right: Expr


Expr = Annotated[Lit | Add, Field(discriminator="op")]


class Calc(BaseModel):
    expr: Expr


class Optionals(BaseModel):
    required_nullable: int | None
    defaulted: int = 3
    optional: str | None = None
    factory: list[int] = Field(default_factory=list)
    nested: Address | None = None


class Money(BaseModel):
    amount: Decimal
    fee: Decimal = Field(default=Decimal(0), ge=0)


MODELS: list[type[BaseModel]] = [
    Person,
    Numbers,
    Strings,
    Kinds,
    Collections,
    Times,
    Web,
    Pets,
    Node,
    Folder,
    Calc,
    Optionals,
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_pydantic_models_accept_every_value(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()
    check = validator(schema)
    for seed, value in draws(schema):
        assert_valid(check, value, f"{model.__name__} seed {seed}")
        model.model_validate_json(json.dumps(value))


def test_decimal_strings_are_valid_for_the_schema_only() -> None:
    """pydantic's Decimal schema is ``number | string`` with no pattern: any string fits the schema.

    The generator follows the schema, so pydantic rejects the non-numeric strings; everything else passes.
    """
    schema = Money.model_json_schema()
    check = validator(schema)
    rejected = 0
    for seed, value in draws(schema):
        assert_valid(check, value, f"seed {seed}")
        try:
            Money.model_validate_json(json.dumps(value))
        except ValidationError as error:
            rejected += 1
            assert {e["type"] for e in error.errors()} == {"decimal_parsing"}
            assert all(isinstance(value[str(e["loc"][0])], str) for e in error.errors())
    assert 0 < rejected < DRAWS


def test_provider_dialects_of_the_models_get_valid_values() -> None:
    """The schemas the providers see (pydantic's, rewritten by each provider's rules) admit every value."""
    from harness._toolset import toolset_for
    from harness.providers import PREFIXES, get_provider

    checked = 0
    for prefix in PREFIXES:
        provider = get_provider(prefix)
        for strict in (False, True):
            if strict and provider.strict_rules is None:
                continue
            for model in MODELS:
                tool = toolset_for(list[model]).tools[0]  # type: ignore[valid-type]
                try:
                    schema = provider.schema_for(tool, strict=strict)
                except UnsupportedSchemaError:
                    continue
                check = validator(schema)
                for seed, value in draws(schema, 20):
                    assert_valid(check, value, f"{prefix} strict={strict} {model.__name__} seed {seed}")
                checked += 1
    assert checked > 20


# --- hand-written schemas ----------------------------------------------------------------------

FORMATS = [
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "uri",
    "uri-reference",
    "iri",
    "uuid",
    "ipv4",
    "ipv6",
    "json-pointer",
    "relative-json-pointer",
    "regex",
]

SCHEMAS: dict[str, JSON] = {
    "type list": {"type": ["string", "null"], "maxLength": 5},
    "type list of three": {"type": ["integer", "boolean", "null"], "minimum": 10},
    "no type": {"minimum": 3, "maxLength": 2},
    "empty schema": {},
    "true schema items": {"type": "array", "items": True, "maxItems": 4},
    "dict of schema": {
        "type": "object",
        "properties": {"id": {"type": "integer"}},
        "required": ["id"],
        "additionalProperties": {"type": "string", "format": "date"},
    },
    "closed object": {
        "type": "object",
        "properties": {"a": {"type": "boolean"}, "b": {"const": "x"}},
        "additionalProperties": False,
        "minProperties": 1,
    },
    "required but undeclared": {"type": "object", "required": ["free"], "maxProperties": 3},
    "many properties": {"type": "object", "additionalProperties": {"type": "null"}, "minProperties": 3},
    "prefixItems closed": {
        "type": "array",
        "prefixItems": [{"type": "integer"}, {"type": "string", "minLength": 1}],
        "items": False,
    },
    "prefixItems open": {
        "type": "array",
        "prefixItems": [{"const": "head"}],
        "items": {"type": "number"},
        "minItems": 3,
    },
    "draft-7 tuple": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "array",
        "items": [{"type": "null"}, {"type": "boolean"}],
        "additionalItems": False,
    },
    "uniqueItems small domain": {
        "type": "array",
        "items": {"enum": [1, 2, 3, 4, 5]},
        "minItems": 3,
        "uniqueItems": True,
    },
    "uniqueItems objects": {
        "type": "array",
        "items": {"type": "object", "properties": {"k": {"type": "boolean"}}, "required": ["k"]},
        "uniqueItems": True,
        "maxItems": 2,
    },
    "oneOf overlapping numbers": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
    "oneOf overlapping strings": {"oneOf": [{"type": "string", "maxLength": 3}, {"type": "string", "minLength": 2}]},
    "oneOf with siblings": {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "oneOf": [{"required": ["a"]}, {"required": ["b"]}],
    },
    "anyOf with an impossible branch": {"anyOf": [{"not": {}}, {"type": "integer", "maximum": -1}]},
    "optional impossible property": {
        "type": "object",
        "properties": {"never": {"if": {}}, "ok": {"type": "string"}},
        "required": ["ok"],
    },
    "allOf merge": {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "integer", "minimum": 0}}, "required": ["a"]},
            {"properties": {"a": {"maximum": 10}, "b": {"type": "string"}}, "required": ["b"]},
        ]
    },
    "allOf of one ref": {
        "$defs": {"Pos": {"type": "integer", "exclusiveMinimum": 0}},
        "allOf": [{"$ref": "#/$defs/Pos"}],
        "description": "a wrapped reference",
    },
    "ref with siblings": {
        "$defs": {"Str": {"type": "string"}},
        "$ref": "#/$defs/Str",
        "minLength": 3,
        "maxLength": 3,
    },
    "definitions": {
        "definitions": {"Leaf": {"type": "object", "properties": {"v": {"type": "integer"}}}},
        "type": "array",
        "items": {"$ref": "#/definitions/Leaf"},
    },
    "root recursion": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "kids": {"type": "array", "items": {"$ref": "#"}}},
        "required": ["name", "kids"],
    },
    "mixed enum": {"enum": ["a", 1, 2.5, True, None, [1, 2], {"k": "v"}]},
    "enum with type": {"type": "string", "enum": ["a", 1, "b", None]},
    "const object": {"const": {"nested": [1, {"x": None}]}},
    "numbers": {"type": "number", "exclusiveMinimum": -1.5, "exclusiveMaximum": 1e-3},
    "integer multiple": {"type": "integer", "multipleOf": 13, "minimum": 1000, "maximum": 2000},
    "float multiple": {"type": "number", "multipleOf": 0.1},
    "integer with float multiple": {"type": "integer", "multipleOf": 2.5},
    "draft-4 exclusive": {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "integer",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 3,
    },
    "int32": {"type": "integer", "format": "int32"},
    "big bounds": {"type": "integer", "minimum": 10**12},
    "pattern classes": {"type": "string", "pattern": r"^\d\w\s\D\W\S.$"},
    "pattern negated class": {"type": "string", "pattern": r"^[^\d\W]+$", "maxLength": 6},
    "pattern repeats": {"type": "string", "pattern": r"^(ab){2,3}c?d*?e{0,2}$"},
    "pattern unicode": {"type": "string", "pattern": "^[\u03b1-\u03c9]+[\u4e2d\u6587]$"},
    "pattern unanchored padded": {"type": "string", "pattern": "x", "minLength": 10},
    "pattern anchored start": {"type": "string", "pattern": "^id-", "minLength": 6, "maxLength": 8},
    "pattern with lengths": {"type": "string", "pattern": "^[a-z]+$", "minLength": 5, "maxLength": 7},
    "pattern boundary": {"type": "string", "pattern": r"^\w+\b"},
    **{f"format {name}": {"type": "string", "format": name} for name in FORMATS},
    "format and lengths": {"type": "string", "format": "email", "maxLength": 40},
    "pattern-keyed map": {"type": "object", "patternProperties": {"^x-[a-z]+$": {"type": "string", "maxLength": 4}}},
    "closed pattern-keyed map": {
        "type": "object",
        "patternProperties": {"^[A-Z]{2}$": {"type": "integer"}},
        "additionalProperties": False,
        "maxProperties": 3,
    },
    "named keys": {"type": "object", "propertyNames": {"pattern": "^[a-z]{1,5}$"}, "additionalProperties": True},
}


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_hand_written_schemas(name: str) -> None:
    schema = SCHEMAS[name]
    check = validator(schema)
    for seed, value in draws(schema):
        assert_valid(check, value, f"{name} seed {seed}")


def test_oneof_overlap_is_resolved_by_the_value() -> None:
    # Every integer is also a number, so only numbers that are not integers match exactly one branch.
    values = [v for _, v in draws(SCHEMAS["oneOf overlapping numbers"])]
    assert all(isinstance(v, float) and not v.is_integer() for v in values)
    lengths = {len(v) for _, v in draws(SCHEMAS["oneOf overlapping strings"])}
    assert {0, 1, 4} <= lengths and not lengths & {2, 3}


def test_keys_follow_their_pattern_and_some_maps_are_not_empty() -> None:
    # The validator above checks every key against its pattern; here: the keys are really drawn.
    for name in ("pattern-keyed map", "closed pattern-keyed map", "named keys"):
        assert sum(bool(value) for _, value in draws(SCHEMAS[name])) >= DRAWS // 4, name

    # pydantic writes dict[Annotated[str, pattern], T] as patternProperties: its values validate too.
    class Labels(BaseModel):
        labels: dict[Annotated[str, StringConstraints(pattern=r"^[a-z]+$")], int]

    assert "patternProperties" in json.dumps(Labels.model_json_schema())
    for _, value in draws(Labels.model_json_schema()):
        Labels.model_validate(value)


def test_unavoidable_parts_are_avoided() -> None:
    assert all(isinstance(v, int) for _, v in draws(SCHEMAS["anyOf with an impossible branch"]))
    assert all("never" not in v for _, v in draws(SCHEMAS["optional impossible property"]))


# --- Gemini's OpenAPI form ---------------------------------------------------------------------

# (OpenAPI schema, the JSON Schema it means): the right-hand side is written by hand as the oracle.
OPENAPI: dict[str, tuple[JSON, JSON]] = {
    "object": (
        {
            "type": "OBJECT",
            "properties": {
                "name": {"type": "STRING", "description": "who"},
                "age": {"type": "INTEGER", "minimum": 0, "maximum": 130},
                "score": {"type": "NUMBER", "format": "double", "nullable": True},
                "tags": {"type": "ARRAY", "items": {"type": "STRING"}, "minItems": 1, "maxItems": 3},
                "when": {"type": "STRING", "format": "date-time"},
                "mood": {"type": "STRING", "format": "enum", "enum": ["calm", "busy"]},
                "flag": {"type": "BOOLEAN", "nullable": True},
            },
            "required": ["name", "tags"],
            "propertyOrdering": ["tags", "name", "age"],
        },
        {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "age": {"type": "integer", "minimum": 0, "maximum": 130},
                "score": {"type": ["number", "null"]},
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
                "when": {"type": "string", "format": "date-time"},
                "mood": {"enum": ["calm", "busy"]},
                "flag": {"type": ["boolean", "null"]},
            },
            "required": ["name", "tags"],
        },
    ),
    "anyOf and nullable object": (
        {
            "type": "OBJECT",
            "properties": {
                "pick": {"anyOf": [{"type": "STRING"}, {"type": "INTEGER"}]},
                "inner": {
                    "type": "OBJECT",
                    "nullable": True,
                    "properties": {"x": {"type": "NUMBER"}},
                    "required": ["x"],
                },
            },
            "required": ["pick", "inner"],
        },
        {
            "type": "object",
            "properties": {
                "pick": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                "inner": {
                    "anyOf": [
                        {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]},
                        {"type": "null"},
                    ]
                },
            },
            "required": ["pick", "inner"],
        },
    ),
    "snake_case keys and refs": (
        {
            "type": "OBJECT",
            "defs": {"Pet": {"type": "OBJECT", "properties": {"name": {"type": "STRING", "max_length": 4}}}},
            "properties": {
                "pets": {"type": "ARRAY", "items": {"ref": "#/defs/Pet"}, "max_items": 2},
                "one": {"any_of": [{"type": "NULL"}, {"ref": "#/defs/Pet"}]},
            },
            "required": ["pets"],
            "property_ordering": ["pets", "one"],
        },
        {
            "$defs": {"Pet": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 4}}}},
            "type": "object",
            "properties": {
                "pets": {"type": "array", "items": {"$ref": "#/$defs/Pet"}, "maxItems": 2},
                "one": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/Pet"}]},
            },
            "required": ["pets"],
        },
    ),
    "integer enum as strings": (
        {"type": "INTEGER", "format": "enum", "enum": ["101", "201", "301"]},
        {"enum": [101, 201, 301]},
    ),
    "int32": ({"type": "INTEGER", "format": "int32"}, {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1}),
}


@pytest.mark.parametrize("name", list(OPENAPI))
def test_openapi_dialect(name: str) -> None:
    openapi, meaning = OPENAPI[name]
    check = validator(meaning)
    for seed, value in draws(openapi, dialect="openapi"):
        assert_valid(check, value, f"{name} seed {seed}")


def test_openapi_nullable_gives_nulls_and_ordering_orders_keys() -> None:
    openapi = OPENAPI["object"][0]
    values = [v for _, v in draws(openapi, dialect="openapi")]
    assert any(v.get("score", 0) is None for v in values)
    assert all(list(v)[:2] == ["tags", "name"] for v in values)


def test_as_json_schema_reads_a_gemini_schema_as_json_schema() -> None:
    openapi, meaning = OPENAPI["snake_case keys and refs"]
    converted = as_json_schema(openapi, dialect="openapi")
    assert (converted["$defs"], converted["properties"]) == (meaning["$defs"], meaning["properties"])
    check = validator(converted)
    for seed, value in draws(openapi, dialect="openapi"):
        assert_valid(check, value, f"seed {seed}")
    assert as_json_schema(meaning) is meaning  # JSON Schema is already what it is
    with pytest.raises(ValueError, match="dialect must be 'json-schema' or 'openapi', not 'openapi3'"):
        as_json_schema(openapi, dialect="openapi3")


# --- same seed, same value ---------------------------------------------------------------------

_SOME_SCHEMAS = [m.model_json_schema() for m in MODELS] + list(SCHEMAS.values())


def test_same_seed_same_value_and_seeds_differ() -> None:
    for schema in _SOME_SCHEMAS:
        first = [json.dumps(values_for(schema, RandomSource(seed))) for seed in range(20)]
        again = [json.dumps(values_for(schema, RandomSource(seed))) for seed in range(20)]
        assert first == again
        fresh = ValueGenerator(json.loads(json.dumps(schema)))  # not the cached one
        assert [json.dumps(fresh.draw(RandomSource(seed))) for seed in range(20)] == first
    assert len({json.dumps(values_for(Person.model_json_schema(), RandomSource(s))) for s in range(20)}) == 20
    assert values_for({"type": "integer"}, RandomSource("a name")) == values_for(
        {"type": "integer"}, RandomSource("a name")
    )


def test_same_seed_same_value_in_other_processes() -> None:
    """No set or hash order leaks into the draws: other hash seeds give the same values."""
    schema = Collections.model_json_schema()
    script = (
        "import json, sys; from harness.values import values_for, RandomSource; "
        "schema = json.loads(sys.stdin.read()); "
        "print(json.dumps([values_for(schema, RandomSource(s)) for s in range(30)]))"
    )
    here = json.dumps([values_for(schema, RandomSource(s)) for s in range(30)])
    for hash_seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps(schema),
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        assert done.stdout.strip() == here


# --- the smallest value ------------------------------------------------------------------------


def lowest(model: type[BaseModel]) -> Any:
    return values_for(model.model_json_schema(), Lowest())


def test_draw_zero_gives_the_smallest_value() -> None:
    assert lowest(Person) == {"name": "", "age": 0, "address": {"street": "", "city": "a"}}
    assert lowest(Optionals) == {"required_nullable": 0}
    assert lowest(Node) == {"value": 0, "children": []}
    assert lowest(Folder) == {"name": ""}
    assert lowest(Calc) == {"expr": {"op": "lit", "value": 0}}
    assert lowest(Kinds) == {"colour": "red", "level": 1, "mode": "fast", "n": 1, "flag": True, "mixed": "a"}
    assert lowest(Pets) == {
        "pet": {"kind": "cat", "lives": 0},  # the tag is sent although pydantic's schema lets it default
        "plain": {"lives": 0},
        "scalar": 0,
        "either": [],
    }
    assert lowest(Collections) == {
        "tags": [],
        "pair": [0, ""],
        "triple": [0, False, "red"],
        "variadic": [],
        "ids": [],
        "names": [],
        "counts": {},
        "bounded": [0],
    }
    assert lowest(Times) == {
        "at": "1970-01-01T00:00:00Z",
        "day": "1970-01-01",
        "clock": "00:00:00Z",
        "span": "P0D",
        "id": "00000000-0000-4000-8000-000000000000",
        "id4": "00000000-0000-4000-8000-000000000000",
    }
    assert lowest(Strings)["code"] == "AA-000"
    assert values_for({"type": "string", "minLength": 3}, Lowest()) == "aaa"
    assert values_for({"type": "number", "minimum": 2.5}, Lowest()) == 3
    assert values_for({"type": "integer", "maximum": -7}, Lowest()) == -7
    for model in MODELS:  # the smallest value is valid too
        model.model_validate_json(json.dumps(lowest(model)))


# --- hard values -------------------------------------------------------------------------------


def test_hard_values_show_up() -> None:
    schema = {
        "type": "object",
        "properties": {
            "text": {"type": "string"},
            "number": {"type": "number"},
            "count": {"type": "integer"},
            "maybe": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "when": {"type": "string", "format": "date-time"},
        },
        "required": ["text", "number", "count", "maybe", "when"],
    }
    values = [v for _, v in draws(schema, 400)]
    texts = [v["text"] for v in values]
    numbers = [v["number"] for v in values] + [v["count"] for v in values]
    found: dict[str, Callable[[], bool]] = {
        "empty string": lambda: "" in texts,
        "non-ASCII": lambda: any(not t.isascii() for t in texts),
        "emoji": lambda: any(any(ord(c) > 0xFFFF for c in t) for t in texts),
        "leading or trailing whitespace": lambda: any(t and t != t.strip() for t in texts),
        "negative number": lambda: any(n < 0 for n in numbers),
        "whole-number float": lambda: any(isinstance(n, float) and n.is_integer() for n in numbers),
        "fractional float": lambda: any(isinstance(n, float) and not n.is_integer() for n in numbers),
        "huge integer": lambda: any(isinstance(n, int) and abs(n) > 2**53 for n in numbers),
        "huge float": lambda: any(isinstance(n, float) and abs(n) > 1e100 for n in numbers),
        "null": lambda: any(v["maybe"] is None for v in values),
        "offset other than Z": lambda: any(v["when"][-6] in "+-" for v in values),
        "29 February": lambda: any("-02-29T" in v["when"] for v in values),
    }
    missing = [name for name, seen in found.items() if not seen()]
    assert not missing


def test_lengths_count_code_points() -> None:
    schema = {"type": "string", "minLength": 2, "maxLength": 2}
    values = [v for _, v in draws(schema, 300)]
    assert all(len(v) == 2 for v in values)
    assert any(len(v.encode("utf-16-le")) > 4 for v in values)  # an emoji counts once


# --- what cannot be generated ------------------------------------------------------------------

DEFS_LOOP = {
    "$defs": {"N": {"type": "object", "properties": {"n": {"$ref": "#/$defs/N"}}, "required": ["n"]}},
    "$ref": "#/$defs/N",
}

UNSATISFIABLE: list[tuple[str, JSON, str, str]] = [
    ("not", {"not": {"type": "string"}}, "#/not", "not"),
    (
        "if in a required property",
        {"type": "object", "properties": {"a": {"if": {}, "then": {}}}, "required": ["a"]},
        "#/properties/a/if",
        "if/then/else",
    ),
    ("minimum above maximum", {"type": "integer", "minimum": 5, "maximum": 3}, "#", "lower bound"),
    ("exclusive bounds meet", {"type": "number", "exclusiveMinimum": 1, "maximum": 1}, "#", "lower bound"),
    ("minLength above maxLength", {"type": "string", "minLength": 5, "maxLength": 2}, "#", "minLength"),
    ("minItems above maxItems", {"type": "array", "minItems": 3, "maxItems": 1}, "#", "minItems"),
    ("empty enum", {"enum": []}, "#/enum", "empty enum"),
    ("const outside enum", {"const": 1, "enum": [2]}, "#/const", "const"),
    ("enum outside type", {"type": "string", "enum": [1, 2]}, "#", "enum"),
    ("backreference", {"type": "string", "pattern": r"(a)\1"}, "#/pattern", "backreference"),
    ("lookahead", {"type": "string", "pattern": r"^(?=a)\w+"}, "#/pattern", "lookahead"),
    ("bad regex", {"type": "string", "pattern": "(unclosed"}, "#/pattern", "does not compile"),
    ("pattern too long", {"type": "string", "pattern": "^a{5}$", "maxLength": 3}, "#/pattern", "maxLength"),
    ("pattern too short", {"type": "string", "pattern": "^a{2}$", "minLength": 3}, "#/pattern", "minLength"),
    ("contradictory allOf", {"allOf": [{"type": "string"}, {"type": "integer"}]}, "#/allOf", "contradictory"),
    ("unmergeable allOf", {"allOf": [{"pattern": "a"}, {"pattern": "b"}]}, "#/allOf", "pattern"),
    ("recursion without end", DEFS_LOOP, "#/$defs/N/properties/n", "cannot end"),
    (
        "required but closed",
        {"type": "object", "required": ["x"], "additionalProperties": False},
        "#/required",
        "additionalProperties",
    ),
    ("no branch", {"anyOf": [{"not": {}}, {"type": "integer", "minimum": 2, "maximum": 1}]}, "#", "no branch"),
    ("unsupported format", {"type": "string", "format": "json-string"}, "#/format", "json-string"),
    ("false", {"type": "object", "properties": {"a": False}, "required": ["a"]}, "#/properties/a", "false"),
    ("dangling ref", {"$ref": "#/$defs/Missing"}, "#", "names nothing"),
    (
        "pattern keys beside properties",
        {"type": "object", "properties": {"a": {}}, "patternProperties": {"^x": {}}},
        "#/patternProperties",
        "not supported",
    ),
    (
        "two key patterns",
        {"type": "object", "patternProperties": {"^x": {}, "^y": {}}},
        "#/patternProperties",
        "not supported",
    ),
    ("remote ref", {"$ref": "https://example.com/schema"}, "#", "local"),
    ("no multiple in range", {"type": "integer", "multipleOf": 10, "minimum": 1, "maximum": 9}, "#", "multiple"),
]


@pytest.mark.parametrize(("name", "schema", "path", "reason"), UNSATISFIABLE, ids=[u[0] for u in UNSATISFIABLE])
def test_unsatisfiable_schemas_raise_naming_the_path(name: str, schema: JSON, path: str, reason: str) -> None:
    with pytest.raises(UnsatisfiableSchema) as caught:
        values_for(schema, RandomSource(0))
    assert caught.value.path == path
    assert reason in caught.value.reason
    assert isinstance(caught.value, HarnessError) and isinstance(caught.value, ValueError)
    assert path in str(caught.value)


def test_recursion_deeper_than_max_depth_raises() -> None:
    schema = Node.model_json_schema()
    with pytest.raises(UnsatisfiableSchema, match="max_depth=0"):
        values_for(schema, RandomSource(0), max_depth=0)
    assert values_for(schema, RandomSource(0), max_depth=1)["children"] == []
    chain: JSON = {
        "$defs": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}, "required": ["b"]},
            "B": {"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}},
        },
        "$ref": "#/$defs/A",
    }
    check = validator(chain)
    for max_depth in (2, 3, 6):
        for _, value in draws(chain, 50, max_depth=max_depth):
            assert_valid(check, value, f"max_depth {max_depth}")
            depth = 0
            while isinstance(value, dict) and value:
                value, depth = next(iter(value.values())), depth + 1
            assert depth <= 2 * max_depth


def test_draws_that_cannot_succeed_raise() -> None:
    schema = {"type": "array", "items": {"type": "boolean"}, "minItems": 3, "uniqueItems": True}
    with pytest.raises(UnsatisfiableSchema, match="distinct"):
        for seed in range(20):
            values_for(schema, RandomSource(seed))


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="dialect"):
        values_for({}, RandomSource(0), dialect="swagger")
    with pytest.raises(ValueError, match="empty range"):
        RandomSource(0).integer(2, 1)


# --- Hypothesis --------------------------------------------------------------------------------


def test_hypothesis_source_draws_valid_values_and_shrinks() -> None:
    hypothesis: Any = pytest.importorskip("hypothesis")
    st: Any = importlib.import_module("hypothesis.strategies")
    schema = Person.model_json_schema()
    check = validator(schema)
    settings = hypothesis.settings(max_examples=150, database=None, deadline=None)

    def body(data: Any) -> None:
        value = values_for(schema, HypothesisSource(data))
        assert_valid(check, value, "hypothesis")
        Person.model_validate_json(json.dumps(value))

    hypothesis.given(st.data())(settings(body))()

    values = st.composite(lambda draw: values_for(schema, HypothesisSource(draw)))()
    smallest = hypothesis.find(values, lambda v: len(v.get("previous", [])) >= 2, settings=settings)
    minimal = {
        "name": "",
        "age": 0,
        "address": {"street": "", "city": "a"},
        "previous": [{"street": "", "city": "a"}, {"street": "", "city": "a"}],
    }
    # Shrinking is a search, and Hypothesis's CI profile searches differently: the promise is a value at or
    # next to the smallest (an optional field may stay, at its own smallest), never a large one.
    assert len(smallest["previous"]) == 2 and (smallest["name"], smallest["age"]) == ("", 0)
    assert len(json.dumps(smallest)) <= len(json.dumps(minimal)) + 40, smallest
    negative = hypothesis.find(
        st.composite(lambda draw: values_for({"type": "integer"}, HypothesisSource(draw)))(),
        lambda v: v < -10,
        settings=settings,
    )
    assert negative == -11


def test_hypothesis_source_without_hypothesis(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def no_hypothesis(name: str, package: str | None = None) -> Any:
        if name.startswith("hypothesis"):
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", no_hypothesis)
    with pytest.raises(ImportError, match="pip install hypothesis"):
        HypothesisSource(object())


# --- speed (printed, not asserted) -------------------------------------------------------------


def test_speed(capsys: pytest.CaptureFixture[str]) -> None:
    schema = Person.model_json_schema()
    generator = ValueGenerator(schema)
    n = 3000
    start = time.perf_counter()
    for seed in range(n):
        generator.draw(RandomSource(seed))
    compiled = n / (time.perf_counter() - start)
    start = time.perf_counter()
    for seed in range(n):
        values_for(schema, RandomSource(seed))
    cached = n / (time.perf_counter() - start)
    with capsys.disabled():
        print(f"\nvalues_for on Person: {cached:,.0f} values/s ({compiled:,.0f}/s from a ValueGenerator)")
