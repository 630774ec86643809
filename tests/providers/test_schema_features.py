"""Every schema feature x every provider: the emitted schema is accepted, round-trips, or raises.

For each (feature, provider) the adapter must either emit a schema in the provider's dialect
from which every valid instance round-trips unchanged through the real SDK, or raise
``UnsupportedSchemaError`` before any request, naming the provider, the field and the feature.
"""

from __future__ import annotations

import enum
import json
import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

import jsonschema
import pytest
from pydantic import MISSING, BaseModel, ConfigDict, Field, RootModel

import harness
from harness._toolset import tool_name, toolset_for
from harness.providers import get_provider
from harness.testing import MockProvider
from tests._seed import FIRST_PARTY_PREFIXES
from tests.providers._dialects import DIALECTS, declared_description, declared_schema, declared_strict, subschemas

JSON = dict[str, Any]

# --- one small model per feature ----------------------------------------------------------------


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    x: int
    note: str = ""


class Nested(BaseModel):
    inner: Inner
    label: str


class Point(BaseModel):
    x: float
    y: float


class Segment(BaseModel):
    start: Point
    end: Point
    via: list[Point] = []


class TreeNode(BaseModel):
    """Recursion only through omittable fields."""

    value: int
    children: list[TreeNode] = []
    link: TreeNode | None = None


class Chain(BaseModel):
    """Recursion through a required (nullable) field."""

    value: int
    next: Chain | None


class Cat(BaseModel):
    name: str
    lives: int = 9


class Dog(BaseModel):
    name: str
    good: bool = True


class Unions(BaseModel):
    value: int | str
    pet: Cat | Dog
    extra: float | list[int] | None = None


class Circle(BaseModel):
    kind: Literal["circle"] = "circle"
    radius: float


class Square(BaseModel):
    kind: Literal["square"]
    side: float
    filled: bool = False


Shape = Annotated[Circle | Square, Field(discriminator="kind")]


class Drawing(BaseModel):
    shape: Shape
    more: list[Shape] = []


class Optionals(BaseModel):
    required_nullable: int | None
    required_nullable_model: Inner | None
    omittable: int = 5
    omittable_nullable: str | None = None
    omittable_model: Inner | None = None
    from_factory: list[str] = Field(default_factory=list)
    null_is_a_value: int | None = 5  # null means None here, not "the default"


class Color(enum.StrEnum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Enums(BaseModel):
    color: Color
    level: Level = Level.LOW
    palette: list[Color] = []
    maybe: Color | None = None


class Literals(BaseModel):
    mode: Literal["fast", "slow"]
    single: Literal["only"]
    count: Literal[1, 2, 3] = 1


class BoolLiterals(BaseModel):
    on: Literal[True]
    auto: Literal["auto", False] = "auto"


class Item(BaseModel):
    sku: str
    qty: int = 1


class Order(BaseModel):
    items: list[Item]
    backup: list[Item] | None = None


class Tuples(BaseModel):
    pair: tuple[int, str]
    triple: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rest: tuple[int, ...] = ()


class Sets(BaseModel):
    # Small ints only: their iteration order is stable, so dump text comparisons stay exact.
    ids: set[int]
    frozen: frozenset[int] = frozenset()
    labels: set[str] = set()


class Dicts(BaseModel):
    counts: dict[str, int]
    by_name: dict[str, Item] = {}


class Scalars(BaseModel):
    when: datetime
    day: date
    at: time
    uid: UUID
    amount: Decimal
    maybe_when: datetime | None = None


class Constraints(BaseModel):
    score: int = Field(ge=0, le=10)
    ratio: float = Field(gt=0, lt=1)
    name: str = Field(min_length=1, max_length=8)
    code: str = Field(pattern=r"^[A-Z]{3}$")
    tags: list[str] = Field(min_length=2, max_length=4)
    maybe: int | None = Field(default=None, ge=1)


class Aliased(BaseModel):
    full_name: str = Field(alias="fullName")
    user_id: int = Field(alias="user-id")
    nick: str | None = Field(default=None, alias="nickName")


class DescribedPart(BaseModel):
    """A component with a serial number."""

    serial: str = Field(description="Serial number as printed on the label.")


class Described(BaseModel):
    """Record one described thing."""

    name: str = Field(description="The display name.")
    part: DescribedPart = Field(description="The part it belongs to.")
    count: int = Field(default=0, description="How many of them.")


class AnyValues(BaseModel):
    payload: Any
    count: int
    extras: list[Any] = []


class Empty(BaseModel):
    """Ping the system."""


class KeywordNames(BaseModel):
    type: Literal["a", "b"]
    title: str
    strict: bool = False
    properties: list[str] = []
    required: int | None = None
    items: list[int] = []
    description: str = ""
    default: int = 0
    enum: str | None = None


# --- the feature table -----------------------------------------------------------------------------

STRICT_VARIANTS = (("openai", True), ("openai-responses", True), ("anthropic", True))


def iterable_of(model: type[BaseModel]) -> Any:
    """``Iterable[model]`` for a model chosen at run time."""
    return Iterable[model]  # type: ignore[valid-type]


# The APIs with a wire of their own: azure/ and anthropic-vertex/ declare tools as openai/ and anthropic/ do.
WIRES = tuple(p for p in FIRST_PARTY_PREFIXES if harness.providers.get_provider(p).wire == p)
VARIANTS = tuple((prefix, False) for prefix in WIRES) + STRICT_VARIANTS
OPENAI_STRICT = ("openai-strict", "openai-responses-strict")
GOOGLE = ("google", "vertexai")


def variant_id(variant: tuple[str, bool]) -> str:
    prefix, strict = variant
    return f"{prefix}-strict" if strict else prefix


@dataclass(frozen=True)
class Unsupported:
    """Expected UnsupportedSchemaError: the field named in the path and words naming the feature."""

    field: str
    feature: str  # a regular expression matched against the message


@dataclass(frozen=True)
class Feature:
    name: str
    model: type[BaseModel]
    instances: Callable[[], list[BaseModel]]
    #: Payloads (JSON-ready arguments) the emitted schema must reject: type structure kept.
    wrong: list[Any]
    unsupported: dict[str, Unsupported] = field(default_factory=dict)
    #: Why leaving unset defaults out cannot round-trip for this model (a known limit of the model itself).
    omission_ambiguous: str = ""


def _tree() -> list[BaseModel]:
    leaf = TreeNode(value=3)
    return [
        TreeNode(value=0),
        TreeNode(value=1, children=[TreeNode(value=2, children=[leaf])]),
        TreeNode(value=4, link=TreeNode(value=5, link=TreeNode(value=6, children=[leaf])), children=[leaf, leaf]),
    ]


FEATURES = [
    Feature(
        "nested",
        Nested,
        lambda: [Nested(inner=Inner(x=1), label="a"), Nested(inner=Inner(x=-2, note="n"), label="")],
        wrong=[{"inner": {"x": "one"}, "label": "a"}, {"inner": 1, "label": "a"}, {"inner": {"x": 1}}],
    ),
    Feature(
        "reused",
        Segment,
        lambda: [
            Segment(start=Point(x=0, y=0), end=Point(x=1.5, y=-2)),
            Segment(start=Point(x=0, y=0), end=Point(x=1, y=1), via=[Point(x=0.5, y=0.25)]),
        ],
        wrong=[{"start": {"x": 0, "y": 0}, "end": {"x": "far", "y": 0}}, {"start": {"x": 0, "y": 0}, "end": [1, 2]}],
    ),
    Feature(
        "recursive",
        TreeNode,
        _tree,
        wrong=[{"value": 1, "children": [{"value": "two"}]}, {"value": 1, "link": {"value": 2, "link": 3}}],
        unsupported={"anthropic-strict": Unsupported("children", r"recursi")},
    ),
    Feature(
        "recursive-required",
        Chain,
        lambda: [
            Chain(value=1, next=None),
            Chain(value=1, next=Chain(value=2, next=Chain(value=3, next=None))),
        ],
        wrong=[{"value": 1, "next": {"value": "x", "next": None}}, {"value": 1}],
        unsupported={
            "anthropic-strict": Unsupported("next", r"recursi"),
            "google": Unsupported("next", r"recursi.*required"),
            "vertexai": Unsupported("next", r"recursi.*required"),
        },
    ),
    Feature(
        "union",
        Unions,
        lambda: [
            Unions(value=1, pet=Cat(name="tom")),
            Unions(value="1", pet=Dog(name="rex"), extra=2.5),
            Unions(value=0, pet=Dog(name="fido", good=False), extra=[1, 2]),
        ],
        wrong=[{"value": [1], "pet": {"name": "tom"}}, {"value": 1, "pet": {"name": 3}}, {"value": 1, "pet": "cat"}],
        omission_ambiguous=(
            "Cat | Dog without a tag: once Dog's default is left out, {'name': 'rex'} fits both and pydantic's "
            "smart union picks Cat. Inherent to the model; a null (OpenAI strict) keeps the key and works."
        ),
    ),
    Feature(
        "discriminated-union",
        Drawing,
        lambda: [
            Drawing(shape=Circle(radius=1)),
            Drawing(shape=Square(kind="square", side=2), more=[Circle(radius=0.5), Square(kind="square", side=1)]),
            Drawing(shape=Square(kind="square", side=3, filled=True)),
        ],
        wrong=[
            {"shape": {"kind": "triangle", "side": 1}},
            {"shape": {"kind": "circle", "radius": "big"}},
            {"shape": {"side": 1}},
            {"shape": {"radius": 1}},  # the tag has a default, but the union needs it
        ],
    ),
    Feature(
        "optional-vs-default",
        Optionals,
        lambda: [
            Optionals(required_nullable=None, required_nullable_model=None),
            Optionals(
                required_nullable=1,
                required_nullable_model=Inner(x=2),
                omittable=7,
                omittable_nullable="x",
                omittable_model=Inner(x=1),
                from_factory=["a"],
                null_is_a_value=6,
            ),
            Optionals(required_nullable=0, required_nullable_model=None, omittable_nullable=None, null_is_a_value=None),
        ],
        wrong=[
            {"required_nullable_model": None},  # required-but-nullable fields may not be left out
            {"required_nullable": None},
            {"required_nullable": "one", "required_nullable_model": None},
            {"required_nullable": None, "required_nullable_model": None, "omittable": "five"},
            {"required_nullable": None, "required_nullable_model": {"x": "one"}},
        ],
    ),
    Feature(
        "enums",
        Enums,
        lambda: [
            Enums(color=Color.RED),
            Enums(color=Color.GREEN, level=Level.HIGH, palette=[Color.RED, Color.GREEN], maybe=Color.RED),
        ],
        wrong=[
            {"color": "purple"},
            {"color": "red", "level": 3},
            {"color": "red", "level": [1]},
            {"color": "red", "maybe": "blue"},
        ],
    ),
    Feature(
        "literals",
        Literals,
        lambda: [Literals(mode="fast", single="only"), Literals(mode="slow", single="only", count=3)],
        wrong=[
            {"mode": "fast", "single": "other"},
            {"mode": "medium", "single": "only"},
            {"mode": "fast", "single": "only", "count": 4},
        ],
    ),
    Feature(
        "bool-literals",
        BoolLiterals,
        lambda: [BoolLiterals(on=True), BoolLiterals(on=True, auto=False)],
        wrong=[{"on": False}, {"on": True, "auto": True}, {"on": "true"}],
        unsupported={
            "google": Unsupported("on", r"enum or Literal of bool"),
            "vertexai": Unsupported("on", r"enum or Literal of bool"),
        },
    ),
    Feature(
        "list-of-models",
        Order,
        lambda: [
            Order(items=[]),
            Order(items=[Item(sku="a"), Item(sku="b", qty=3)]),
            Order(items=[Item(sku="c")], backup=[Item(sku="d", qty=0)]),
        ],
        wrong=[{"items": [{"sku": 1}]}, {"items": {"sku": "a"}}, {"items": [{"sku": "a", "qty": "many"}]}],
    ),
    Feature(
        "tuples",
        Tuples,
        lambda: [Tuples(pair=(1, "a")), Tuples(pair=(-1, ""), triple=(1.5, 2, 3), rest=(1, 2, 3))],
        wrong=[{"pair": ["a", 1]}, {"pair": [1, "a", 3]}, {"pair": [1, "a"], "rest": ["x"]}],
        unsupported={
            "openai-strict": Unsupported("pair", r"tuple"),
            "openai-responses-strict": Unsupported("pair", r"tuple"),
            "anthropic-strict": Unsupported("pair", r"tuple"),
        },
    ),
    Feature(
        "sets",
        Sets,
        lambda: [Sets(ids=set()), Sets(ids={3, 1, 2}, frozen=frozenset({5}), labels={"x"})],
        wrong=[{"ids": ["a"]}, {"ids": 1}, {"ids": [], "labels": [1]}],
    ),
    Feature(
        "dicts",
        Dicts,
        lambda: [
            Dicts(counts={}),
            Dicts(counts={"a": 1, "b": 2}, by_name={"x": Item(sku="x", qty=2)}),
        ],
        wrong=[{"counts": {"a": "one"}}, {"counts": [1]}, {"counts": {}, "by_name": {"x": {"sku": 1}}}],
        unsupported={
            "openai-strict": Unsupported("counts", r"dict\[str, T\]"),
            "openai-responses-strict": Unsupported("counts", r"dict\[str, T\]"),
            "anthropic-strict": Unsupported("counts", r"dict\[str, T\]"),
        },
    ),
    Feature(
        "datetime-uuid-decimal",
        Scalars,
        lambda: [
            Scalars(
                when=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
                day=date(2024, 2, 29),
                at=time(23, 59, 59),
                uid=UUID("12345678-1234-5678-1234-567812345678"),
                amount=Decimal("1.50"),
            ),
            Scalars(
                when=datetime(1999, 12, 31, 23, 59, 59, 123456, tzinfo=timezone(timedelta(hours=2))),
                day=date(1970, 1, 1),
                at=time(0, 0),
                uid=UUID(int=0),
                amount=Decimal("-0.001"),
                maybe_when=datetime(2020, 5, 6),
            ),
        ],
        wrong=[
            {"when": 5, "day": "2024-01-01", "at": "00:00:00", "uid": "u", "amount": 1},
            {"when": "2024-01-01T00:00:00Z", "day": "2024-01-01", "at": "00:00:00", "uid": 5, "amount": 1},
            {"when": "2024-01-01T00:00:00Z", "day": "2024-01-01", "at": "00:00:00", "uid": "u", "amount": [1]},
        ],
    ),
    Feature(
        "constraints",
        Constraints,
        lambda: [
            Constraints(score=0, ratio=0.5, name="a", code="ABC", tags=["x", "y"]),
            Constraints(score=10, ratio=0.999, name="12345678", code="XYZ", tags=["a", "b", "c", "d"], maybe=1),
        ],
        wrong=[
            {"score": "high", "ratio": 0.5, "name": "a", "code": "ABC", "tags": ["x", "y"]},
            {"score": 1, "ratio": 0.5, "name": 7, "code": "ABC", "tags": ["x", "y"]},
            {"score": 1, "ratio": 0.5, "name": "a", "code": "ABC", "tags": "x,y"},
        ],
    ),
    Feature(
        "aliases",
        Aliased,
        lambda: [
            Aliased.model_validate({"fullName": "Ada Lovelace", "user-id": 1}),
            Aliased.model_validate({"fullName": "", "user-id": 2, "nickName": "ada"}),
        ],
        wrong=[
            {"fullName": 1, "user-id": 1},
            {"full_name": "Ada", "user_id": 1},
            {"fullName": "Ada", "user-id": "one"},
        ],
    ),
    Feature(
        "descriptions",
        Described,
        lambda: [
            Described(name="a", part=DescribedPart(serial="s1")),
            Described(name="b", part=DescribedPart(serial=""), count=2),
        ],
        wrong=[{"name": "a", "part": {"serial": 1}}, {"name": "a", "part": "s1"}],
    ),
    Feature(
        "any-values",
        AnyValues,
        lambda: [AnyValues(payload={"a": [1, None]}, count=1), AnyValues(payload="x", count=0, extras=[1, "b", None])],
        wrong=[{"payload": 1, "count": "one"}, {"payload": 1}, {"payload": 1, "count": 1, "extras": {}}],
        unsupported={
            "openai-strict": Unsupported("payload", r"any type"),
            "openai-responses-strict": Unsupported("payload", r"any type"),
        },
    ),
    Feature("empty-model", Empty, lambda: [Empty(), Empty()], wrong=[[], "ping", None]),
    Feature(
        "keyword-field-names",
        KeywordNames,
        lambda: [
            KeywordNames(type="a", title="t"),
            KeywordNames(
                type="b",
                title="",
                strict=True,
                properties=["p"],
                required=1,
                items=[1, 2],
                description="d",
                default=3,
                enum="e",
            ),
        ],
        wrong=[
            {"type": "c", "title": "t"},
            {"type": "a", "title": 1},
            {"type": "a", "title": "t", "properties": {"x": "y"}},
            {"type": "a", "title": "t", "strict": "maybe"},
            {"type": "a", "title": "t", "required": "no"},
        ],
    ),
]


def feature_named(name: str) -> Feature:
    return next(f for f in FEATURES if f.name == name)


def _cases(*, supported: bool, omitting: bool = False) -> list[Any]:
    cases = []
    for feature in FEATURES:
        for variant in VARIANTS:
            vid = variant_id(variant)
            if (vid in feature.unsupported) == supported:
                continue
            marks = []
            if omitting and feature.omission_ambiguous and vid not in OPENAI_STRICT:
                marks.append(pytest.mark.xfail(reason=feature.omission_ambiguous, strict=True))
            cases.append(pytest.param(feature, variant, id=f"{feature.name}-{vid}", marks=marks))
    return cases


SUPPORTED = _cases(supported=True)
SUPPORTED_OMITTING = _cases(supported=True, omitting=True)
UNSUPPORTED = _cases(supported=False)


# --- helpers -------------------------------------------------------------------------------------


def emitted(feature: Feature, variant: tuple[str, bool]) -> tuple[JSON, list[JSON]]:
    prefix, strict = variant
    provider = get_provider(prefix)
    declarations = provider.tool_declarations(toolset_for(iterable_of(feature.model)), strict=strict)
    return declared_schema(prefix, declarations), declarations


def dumped(instance: BaseModel) -> Any:
    return json.loads(instance.model_dump_json(by_alias=True))


def sends_nulls(variant: tuple[str, bool]) -> bool:
    """OpenAI strict makes every field required: an unset default arrives as null, not omitted."""
    return variant_id(variant) in OPENAI_STRICT


@dataclass(frozen=True)
class Unset:
    """A defaulted field left unset, where it sits in the dumped arguments."""

    path: tuple[str | int, ...]
    literal: bool  # a Literal field: its schema may be a constant, which is neither null nor omittable
    null_is_a_value: bool  # nullable with a non-null default: null means None, so a strict provider sends the value


def unset_defaults(instance: BaseModel, data: Any, path: tuple[str | int, ...] = ()) -> list[Unset]:
    found = []
    for name, info in type(instance).model_fields.items():
        key = info.alias or name
        if name not in instance.model_fields_set and not info.is_required():
            literal = typing.get_origin(info.annotation) is Literal
            nullable = type(None) in typing.get_args(info.annotation)
            found.append(Unset((*path, key), literal, nullable and info.default is not None))
        else:
            found += _unset_in(getattr(instance, name), data[key], (*path, key))
    return found


def _unset_in(value: Any, data: Any, path: tuple[str | int, ...]) -> list[Unset]:
    if isinstance(value, BaseModel):
        return unset_defaults(value, data, path)
    if isinstance(value, (list, tuple)) and isinstance(data, list):
        return [u for i, (v, d) in enumerate(zip(value, data, strict=True)) for u in _unset_in(v, d, (*path, i))]
    if isinstance(value, dict) and isinstance(data, dict):
        return [u for k in data for u in _unset_in(value[k], data[k], (*path, k))]
    return []


def as_sent(instance: BaseModel, variant: tuple[str, bool], validator: Any) -> tuple[Any, list[Unset]]:
    """The arguments a provider holding to the emitted schema may send for ``instance``.

    Each unset default becomes null (OpenAI strict) or is left out (every other dialect), wherever the
    emitted schema allows it. Returns the payload and the unset defaults that had to be sent as values.
    """
    payload = dumped(instance)
    kept = []
    for unset in unset_defaults(instance, payload):
        if sends_nulls(variant) and unset.null_is_a_value:
            continue
        *parents, key = unset.path
        holder = payload
        for step in parents:
            holder = holder[step]
        original = holder[key]
        if sends_nulls(variant):
            holder[key] = None
        else:
            del holder[key]
        if not validator.is_valid(payload):
            holder[key] = original
            kept.append(unset)
    return payload, kept


_WIRE_CLASSES: dict[str, type[RootModel[JSON]]] = {}


def wire(model: type[BaseModel], payload: JSON) -> BaseModel:
    """An instance whose tool name is ``model``'s and whose dump is exactly ``payload``."""
    name = tool_name(model)
    if name not in _WIRE_CLASSES:
        _WIRE_CLASSES[name] = type(name, (RootModel[JSON],), {"model_config": ConfigDict(title=name)})
    return _WIRE_CLASSES[name](payload)


def endpoint(prefix: str) -> tuple[MockProvider, Any]:
    """A harness client on the real SDK over a mock transport, and its endpoint."""
    wire_ = MockProvider(prefix)
    return wire_, wire_.client()


def run(variant: tuple[str, bool], model: type[BaseModel], calls: list[BaseModel], *, stream: bool) -> list[BaseModel]:
    prefix, strict = variant
    wire_, client = endpoint(prefix)
    wire_.answer(*calls)
    result = client.create(
        messages=[{"role": "user", "content": "go"}], response_model=iterable_of(model), stream=stream, strict=strict
    )
    values = list(result)
    assert len(wire_.requests) == 1
    assert tool_name(model) in wire_.requests[0].content.decode()  # the declaration went out
    return values


def dumps(values: list[BaseModel]) -> list[str]:
    return [v.model_dump_json(by_alias=True) for v in values]


# --- 1+2. the emitted schema is in the provider's dialect ------------------------------------------


@pytest.mark.parametrize(("feature", "variant"), SUPPORTED)
def test_emitted_schema_is_in_the_dialect(feature: Feature, variant: tuple[str, bool]) -> None:
    schema, declarations = emitted(feature, variant)
    problems = DIALECTS[variant](schema)
    assert not problems, "\n".join(problems) + "\n" + json.dumps(schema, indent=1)
    prefix, strict = variant
    # OpenAI always says which (Responses would otherwise try strict); Anthropic marks strict tools only.
    expected = strict if prefix.startswith("openai") else (True if strict else None)
    assert declared_strict(prefix, declarations) is expected


class Lists(BaseModel):
    """Array bounds: minItems 1 is the one strict tool use keeps; 2 and more move into the description."""

    some: list[Literal["a", "b"]] = Field(min_length=1)
    two: list[int] = Field(min_length=2)
    any_: list[Inner] = Field(default_factory=list, alias="any")


def sent_request(variant: tuple[str, bool], model: type[BaseModel], calls: list[BaseModel]) -> tuple[JSON, str]:
    """The body and path harness's own client sends (through the real SDK) for ``model``."""
    prefix, strict = variant
    wire_, client = endpoint(prefix)
    wire_.answer(*calls)
    list(client.create(messages=[{"role": "user", "content": "go"}], response_model=iterable_of(model), strict=strict))
    (request,) = wire_.requests
    return json.loads(request.content), request.url.path


def broken_rules(variant: tuple[str, bool], body: JSON, path: str) -> list[str]:
    provider = get_provider(variant[0])
    received = provider.read_request(body, path=path)
    broken = []
    for rule in provider.rejection_rules:
        rejection = rule.check(provider, body, received)
        if rejection is not None:
            broken.append(f"{rule.name}: {rejection.message}")
    return broken


@pytest.mark.parametrize(("feature", "variant"), SUPPORTED)
def test_sent_declarations_pass_the_providers_rejection_rules(feature: Feature, variant: tuple[str, bool]) -> None:
    """What the provider module says its API refuses (the emulator's 400s), harness's own client never sends."""
    body, path = sent_request(variant, feature.model, feature.instances())
    assert broken_rules(variant, body, path) == []


@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
def test_sent_array_bounds_pass_the_providers_rejection_rules(variant: tuple[str, bool]) -> None:
    instance = Lists.model_validate({"some": ["a"], "two": [1, 2]})
    body, path = sent_request(variant, Lists, [instance])
    assert broken_rules(variant, body, path) == []
    if variant == ("anthropic", True):
        properties = declared_schema("anthropic", body["tools"])["properties"]
        assert properties["some"]["minItems"] == 1 and "minItems" not in properties["two"]


@pytest.mark.parametrize(
    ("variant", "schema", "rule"),
    [
        (("anthropic", True), {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}}, "strict"),
        (("google", False), {"type": "object", "properties": {"on": {"type": "boolean", "enum": [True]}}}, "schemas"),
        (("vertexai", False), {"type": "array", "items": {"type": "string"}}, "schemas"),
    ],
    ids=["anthropic-strict-minimum", "google-bool-enum", "vertexai-array-root"],
)
def test_the_rules_see_what_harness_would_not_send(variant: tuple[str, bool], schema: JSON, rule: str) -> None:
    """The check above is not vacuous: the same request with a schema harness would never write is refused."""
    body, path = sent_request(variant, Empty, [Empty()])
    if variant[0] == "anthropic":
        body["tools"][0]["input_schema"] = schema
    else:
        (declaration,) = body["tools"][0]["functionDeclarations"]
        declaration["parametersJsonSchema"] = schema
    (broken,) = broken_rules(variant, body, path)
    assert rule in broken.partition(":")[0]


# --- 3. the emitted schema accepts every valid instance and keeps type structure --------------------


@pytest.mark.parametrize(("feature", "variant"), SUPPORTED)
def test_emitted_schema_accepts_valid_instances(feature: Feature, variant: tuple[str, bool]) -> None:
    schema, _ = emitted(feature, variant)
    validator = jsonschema.Draft202012Validator(schema)
    for instance in feature.instances():
        validator.validate(dumped(instance))  # every field present, defaults as values
        # Unset defaults may be sent as null (OpenAI strict) or left out (the rest), except Literal constants.
        _, kept = as_sent(instance, variant, validator)
        assert all(unset.literal for unset in kept), kept


@pytest.mark.parametrize(("feature", "variant"), SUPPORTED)
def test_emitted_schema_rejects_wrong_types(feature: Feature, variant: tuple[str, bool]) -> None:
    schema, _ = emitted(feature, variant)
    validator = jsonschema.Draft202012Validator(schema)
    for payload in feature.wrong:
        assert not validator.is_valid(payload), f"accepted {payload!r}:\n{json.dumps(schema, indent=1)}"
        # ... and pydantic agrees these are wrong, so the check is about the schema, not the test
        with pytest.raises(ValueError):
            feature.model.model_validate_json(json.dumps(payload))


@pytest.mark.parametrize(("feature", "variant"), SUPPORTED)
def test_descriptions_survive(feature: Feature, variant: tuple[str, bool]) -> None:
    """Every description pydantic wrote still reaches the provider (tool description or schema)."""
    schema, declarations = emitted(feature, variant)
    source = feature.model.model_json_schema(by_alias=True)
    wanted = {node["description"] for _, node in subschemas(source) if isinstance(node.get("description"), str)}
    texts = [declared_description(variant[0], declarations)]
    texts += [node["description"] for _, node in subschemas(schema) if isinstance(node.get("description"), str)]
    for text in wanted:
        assert any(text in t for t in texts), f"lost description {text!r}"


VALUE_CHECKS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "format",
    "default",
)


@pytest.mark.parametrize(("feature", "variant"), SUPPORTED)
def test_dropped_value_checks_move_into_descriptions(feature: Feature, variant: tuple[str, bool]) -> None:
    """A bound, pattern, format or default the provider does not take is still told to the model, in words."""
    schema, _ = emitted(feature, variant)
    source = toolset_for(iterable_of(feature.model)).tools[0].json_schema
    kept = [(k, json.dumps(v, sort_keys=True)) for _, node in subschemas(schema) for k, v in node.items()]
    texts = [node["description"] for _, node in subschemas(schema) if isinstance(node.get("description"), str)]
    for _, node in subschemas(source):
        for key in VALUE_CHECKS:
            if key not in node:
                continue
            value = json.dumps(node[key], sort_keys=True)
            if (key, value) not in kept:
                assert any(key in text and value in text for text in texts), f"{key}={value} silently dropped"


# --- 4. round trip through the real SDK ---------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
@pytest.mark.parametrize(("feature", "variant"), SUPPORTED)
def test_round_trip(feature: Feature, variant: tuple[str, bool], stream: bool) -> None:
    instances = feature.instances()
    values = run(variant, feature.model, instances, stream=stream)
    assert [type(v) for v in values] == [type(i) for i in instances]
    assert dumps(values) == dumps(instances)


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
@pytest.mark.parametrize(("feature", "variant"), SUPPORTED_OMITTING)
def test_unset_defaults_round_trip(feature: Feature, variant: tuple[str, bool], stream: bool) -> None:
    """Unset defaults as the provider sends them (null in OpenAI strict, omitted elsewhere) come back as defaults."""
    schema, _ = emitted(feature, variant)
    validator = jsonschema.Draft202012Validator(schema)
    instances = feature.instances()
    calls = [wire(feature.model, as_sent(i, variant, validator)[0]) for i in instances]
    values = run(variant, feature.model, calls, stream=stream)
    assert [type(v) for v in values] == [type(i) for i in instances]
    assert dumps(values) == dumps(instances)


def test_as_sent_really_sends_nulls_or_omits() -> None:
    """Guard for the test above: unset defaults really are null or missing in what is served."""
    instance = Optionals(required_nullable=1, required_nullable_model=None)
    nulls = {"omittable": None, "omittable_nullable": None, "omittable_model": None, "from_factory": None}
    for variant in (*STRICT_VARIANTS, ("google", False)):
        validator = jsonschema.Draft202012Validator(emitted(feature_named("optional-vs-default"), variant)[0])
        payload, kept = as_sent(instance, variant, validator)
        assert kept == []
        required = {"required_nullable": 1, "required_nullable_model": None}
        assert payload == ({**required, **nulls, "null_is_a_value": 5} if sends_nulls(variant) else required)
    # the defaulted discriminator tag is a constant: sent as its value everywhere
    drawing = feature_named("discriminated-union")
    for variant in (("openai", True), ("anthropic", False)):
        validator = jsonschema.Draft202012Validator(emitted(drawing, variant)[0])
        payload, kept = as_sent(Drawing(shape=Circle(radius=1)), variant, validator)
        assert kept == [Unset(("shape", "kind"), literal=True, null_is_a_value=False)]
        assert payload["shape"] == {"kind": "circle", "radius": 1.0}


@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
def test_moved_bounds_are_still_enforced(variant: tuple[str, bool]) -> None:
    """Bounds a provider only reads in the description are still checked by pydantic on the way back."""
    base = dumped(feature_named("constraints").instances()[0])
    for change in (
        {"score": 11},
        {"ratio": 1.0},
        {"name": ""},
        {"name": "123456789"},
        {"code": "abc"},
        {"tags": ["x"]},
    ):
        with pytest.raises(harness.ToolCallsFailedError):
            run(variant, Constraints, [wire(Constraints, {**base, **change})], stream=False)


# --- 5. what the provider cannot represent raises before any request ------------------------------------


# The name in the message is the provider the caller picked, even where two share one dialect.
PROVIDER_NAMED = {prefix: prefix for prefix in ("openai", "openai-responses", "anthropic", "google", "vertexai")}


@pytest.mark.parametrize(("feature", "variant"), UNSUPPORTED)
def test_unsupported_raises_before_any_request(feature: Feature, variant: tuple[str, bool]) -> None:
    prefix, strict = variant
    expected = feature.unsupported[variant_id(variant)]
    provider = get_provider(prefix)
    with pytest.raises(harness.UnsupportedSchemaError) as declared:
        provider.tool_declarations(toolset_for(iterable_of(feature.model)), strict=strict)

    silent, client = endpoint(prefix)  # no answers queued: any request fails the test
    for stream in (False, True):
        with pytest.raises(harness.UnsupportedSchemaError) as raised:
            result = client.create(
                messages=[{"role": "user", "content": "go"}],
                response_model=iterable_of(feature.model),
                stream=stream,
                strict=strict,
            )
            list(result)
        assert silent.requests == []
        message = str(raised.value)
        assert message == str(declared.value)
        rules = provider.strict_rules if strict else provider.rules
        assert rules is not None
        assert raised.value.provider == rules.provider
        assert message.startswith(f"{PROVIDER_NAMED[prefix]}{' (strict)' if strict else ''} cannot represent"), message
        assert ("strict" in message) == strict, message
        assert re.search(rf"\b{re.escape(expected.field)}\b", raised.value.path), raised.value.path
        assert re.search(rf"\b{re.escape(expected.field)}\b", message), message
        assert re.search(expected.feature, message, re.IGNORECASE), message
        assert tool_name(feature.model) in message, message


def test_table_covers_every_feature_and_provider() -> None:
    assert len(SUPPORTED) + len(UNSUPPORTED) == len(FEATURES) * len(VARIANTS)
    for feature in FEATURES:
        assert set(feature.unsupported) <= {variant_id(v) for v in VARIANTS}, feature.name
        instances = feature.instances()
        assert instances and all(type(i) is feature.model for i in instances)
        assert feature.wrong


# --- the checkers themselves are not vacuous -------------------------------------------------------------

RAW_PROBLEMS = [
    ("discriminated-union", ("google", False), ["keyword 'const'", "keyword 'discriminator'", "keyword 'default'"]),
    ("discriminated-union", ("openai", True), ["keyword 'oneOf'", "additionalProperties: false", "not every property"]),
    ("discriminated-union", ("anthropic", True), ["keyword 'oneOf'", "additionalProperties: false"]),
    ("recursive", ("anthropic", True), ["recursive reference to TreeNode"]),
    (
        "recursive-required",
        ("google", False),
        ["#/$defs/Chain/properties/next: recursive reference to Chain in a required"],
    ),
    ("bool-literals", ("google", False), ["enum value False"]),
    ("tuples", ("openai", True), ["keyword 'prefixItems'"]),
    ("tuples", ("anthropic", True), ["keyword 'prefixItems'", "minItems 2"]),
    ("dicts", ("anthropic", True), ["#/properties/counts: object without additionalProperties: false"]),
    ("descriptions", ("google", False), ["#/properties/part: non-$ keywords beside $ref"]),
    ("descriptions", ("openai", True), ["#/properties/part: sibling keywords beside $ref"]),
    ("constraints", ("anthropic", True), ["keyword 'maximum'", "keyword 'minLength'", "minItems 2"]),
    ("datetime-uuid-decimal", ("openai", True), ["keyword 'default'"]),
]


@pytest.mark.parametrize(
    ("name", "variant", "expected"), RAW_PROBLEMS, ids=[f"{n}-{variant_id(v)}" for n, v, _ in RAW_PROBLEMS]
)
def test_checkers_flag_pydantic_raw_schema(name: str, variant: tuple[str, bool], expected: list[str]) -> None:
    """Guard for the dialect checkers: pydantic's untransformed schema breaks the strict dialects."""
    raw = toolset_for(iterable_of(feature_named(name).model)).tools[0].json_schema
    problems = "\n".join(DIALECTS[variant](raw))
    for text in expected:
        assert text in problems, problems


def test_checkers_read_field_names_as_names() -> None:
    """Fields called type, title, properties, required, items, enum, default are not keywords to a checker."""
    raw = toolset_for(Iterable[KeywordNames]).tools[0].json_schema
    for variant in (("google", False), ("openai", True)):
        problems = DIALECTS[variant](raw)
        assert problems
        assert all("keyword 'default'" in p or "#: " in p for p in problems), problems


class Flagged(BaseModel):
    """A constant that may be left out with no default to stand for it (pydantic's MISSING sentinel)."""

    name: str
    flag: Literal[True] | MISSING = MISSING
    level: Literal["low", "high"] | MISSING = MISSING


@pytest.mark.parametrize("variant", STRICT_VARIANTS, ids=variant_id)
def test_a_constant_that_may_be_omitted_can_be_sent_as_null_in_strict_mode(variant: tuple[str, bool]) -> None:
    """Strict mode requires every key: an omittable const or enum must admit null, or it can never be omitted."""
    schema = declared_schema(
        variant[0], get_provider(variant[0]).tool_declarations(toolset_for(Iterable[Flagged]), strict=True)
    )
    validator = jsonschema.Draft202012Validator(schema)
    if sends_nulls(variant):
        assert validator.is_valid({"name": "a", "flag": None, "level": None})
    (value,) = run(variant, Flagged, [wire(Flagged, {"name": "a", "flag": None, "level": None})], stream=False)
    assert value.model_dump(exclude_unset=True) == {"name": "a"}
    (value,) = run(variant, Flagged, [wire(Flagged, {"name": "a", "flag": True, "level": "low"})], stream=True)
    assert value.model_dump() == {"name": "a", "flag": True, "level": "low"}


@pytest.mark.parametrize(
    ("schema", "admits"),
    [
        ({"type": ["string", "null"]}, True),
        ({"const": None}, True),
        ({"enum": ["a", None]}, True),
        ({"anyOf": [{"type": "integer"}, {"type": "null"}]}, True),
        ({"$ref": "#/$defs/Maybe"}, True),
        ({"const": True, "type": ["boolean", "null"]}, False),  # the const refuses null, whatever the type says
        ({"enum": ["a", None], "type": "string"}, False),  # the type refuses it
        ({"type": "string"}, False),
    ],
)
def test_what_admits_null_follows_type_const_enum_and_branches(schema: JSON, admits: bool) -> None:
    from harness.providers._schema import accepts_null

    defs = {"Maybe": {"anyOf": [{"type": "string"}, {"type": "null"}]}}
    assert accepts_null(schema, defs) is admits
    assert jsonschema.Draft202012Validator({**schema, "$defs": defs}).is_valid(None) is admits  # the oracle agrees
