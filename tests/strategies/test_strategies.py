"""harness.strategies: drawn models are valid tools, instances round-trip, source() pastes back, failures shrink."""

from __future__ import annotations

import json
import keyword
import os
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from pydantic import BaseModel

from harness._toolset import tool_name, toolset_for, wire_arguments
from harness.strategies import FEATURES, UnionSchema, instances, model_source, models, union_schemas

FAST = settings(
    max_examples=int(os.environ.get("HARNESS_STRATEGIES_EXAMPLES", "10")),
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TOOL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]{0,63}")
PARAMS = [*FEATURES, None]


def _shape(value: Any) -> Any:
    """The Python type at every leaf of a ``model_dump()`` tree (containers keep their own type)."""
    if isinstance(value, dict):
        return (dict, [(key, _shape(item)) for key, item in value.items()])
    if isinstance(value, list | tuple):
        return (type(value), [_shape(item) for item in value])
    return type(value)


def assert_round_trips(instance: BaseModel) -> None:
    model = type(instance)
    back = model.model_validate_json(json.dumps(wire_arguments(instance)))
    assert back.model_dump_json(by_alias=True) == instance.model_dump_json(by_alias=True)
    assert _shape(back.model_dump()) == _shape(instance.model_dump())


def _exec(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "pasted"}
    # dont_inherit: this module's ``from __future__ import annotations`` must not turn the pasted
    # annotations into strings that pydantic would then resolve in a module that does not exist.
    exec(compile(source, "<source>", "exec", dont_inherit=True), namespace)
    return namespace


def _models_of(response_model: Any) -> list[type[BaseModel]]:
    return [tool.model for tool in toolset_for(response_model).tools]


def _feature_id(feature: str | None) -> str:
    return feature or "all"


# ------------------------------------------------------------------------------------------ per feature


def check_union(union: UnionSchema, requested: list[str] | None) -> None:
    """Tools are valid, every model exercises a requested feature, and source() pastes back."""
    names = [tool_name(model) for model in union.models]
    assert len(set(names)) == len(names)
    assert all(TOOL_NAME.fullmatch(name) for name in names), names
    assert union.features == (frozenset(requested) if requested is not None else frozenset(FEATURES))
    assert union.features_used <= union.features
    for model in union.models:
        schema = model.model_json_schema(by_alias=True)
        assert schema["type"] == "object" and "properties" in schema
        name = model.__name__
        assert name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("model_")
        assert all(not n.startswith("model_") and n.isidentifier() for n in model.model_fields)
    assert list(_models_of(union.response_model)) == list(union.models)
    if requested and requested != ["repeated_calls"]:
        for spec in union._specs:
            assert spec.used() & set(requested), union.source()

    pasted = _models_of(_exec(union.source())["response_model"])
    assert [m.__name__ for m in pasted] == [m.__name__ for m in union.models]
    for drawn, copy in zip(union.models, pasted, strict=True):
        assert copy.model_json_schema(by_alias=True) == drawn.model_json_schema(by_alias=True)
    assert repr(union).split("\n", 1)[1] == union.source()


@pytest.mark.parametrize("feature", PARAMS, ids=_feature_id)
def test_each_feature(feature: str | None) -> None:
    """Per feature (and for all of them): valid tools, pasteable source, instances that round-trip."""
    requested = None if feature is None else [feature]

    @FAST
    @given(st.data())
    def check(data: st.DataObject) -> None:
        union = data.draw(union_schemas(features=requested), label="union")
        check_union(union, requested)
        for instance in data.draw(instances(union), label="instances"):
            assert type(instance) in union.models
            assert_round_trips(instance)

    check()


def test_several_features_together() -> None:
    requested = ["nullable", "aliases", "str_enum", "lists", "recursive_models"]

    @FAST
    @given(st.data())
    def check(data: st.DataObject) -> None:
        union = data.draw(union_schemas(features=requested), label="union")
        check_union(union, requested)
        for instance in data.draw(instances(union), label="instances"):
            assert_round_trips(instance)

    check()


def test_source_has_only_the_imports_it_needs() -> None:
    @FAST
    @given(union_schemas(features=["nullable"]))
    def check(union: UnionSchema) -> None:
        source = union.source()
        assert "from typing import Iterable\n" in source
        assert "from pydantic import BaseModel\n" in source
        assert not re.search(r"datetime|uuid|decimal|enum", source)

    check()
    union = hypothesis.find(union_schemas(features=["datetime"]), lambda u: True)
    assert "from datetime import datetime" in union.source() and "uuid" not in union.source()


@FAST
@given(st.lists(models(), min_size=1, max_size=1), models(features=["recursive_models", "str_enum"]))
def test_model_source_renders_drawn_models(drawn: list[type[BaseModel]], other: type[BaseModel]) -> None:
    for model in [*drawn, other]:
        namespace = _exec(model_source(model))
        assert namespace[model.__name__].model_json_schema(by_alias=True) == model.model_json_schema(by_alias=True)
        assert "response_model" not in namespace


def test_model_source_rejects_models_it_did_not_draw() -> None:
    class Mine(BaseModel):
        a: int

    with pytest.raises(ValueError, match="not drawn"):
        model_source(Mine)


def test_a_recursive_source_rebuilds_its_forward_references() -> None:
    union = hypothesis.find(
        union_schemas(features=["recursive_models"]), lambda u: "Branch0" in u.source() and "'Node0'" in u.source()
    )
    assert "Node0.model_rebuild()" in union.source()
    namespace = _exec(union.source())
    branch, node = namespace["Branch0"].model_json_schema(), namespace["Node0"].model_json_schema()
    assert branch["$defs"]["Branch0"] == node["$defs"]["Branch0"]
    assert node["$defs"]["Branch0"]["properties"]["nodes"]["items"] == {"$ref": "#/$defs/Node0"}


# ------------------------------------------------------------------------------------------ instances


def test_each_model_at_most_once_without_repeated_calls() -> None:
    @FAST
    @given(st.data())
    def check(data: st.DataObject) -> None:
        union = data.draw(union_schemas(features=["nullable", "lists"]))
        drawn = data.draw(instances(union, min_size=0, max_size=10))
        kinds = [type(x) for x in drawn]
        assert len(set(kinds)) == len(kinds) <= len(union.models)

    check()


def test_repeated_calls_repeat_a_model() -> None:
    @FAST
    @given(st.data())
    def check(data: st.DataObject) -> None:
        union = data.draw(union_schemas(features=["repeated_calls"]))
        drawn = data.draw(instances(union, max_size=5))
        assert 2 <= len(drawn) <= 5
        assert len({type(x) for x in drawn}) < len(drawn)

    check()


def test_instances_shrink_toward_fewer_and_the_first_model() -> None:
    union = hypothesis.find(union_schemas(min_models=3, max_models=3, features=["integers"]), lambda u: True)
    assert hypothesis.find(instances(union, min_size=0), lambda xs: True) == []
    (one,) = hypothesis.find(instances(union), lambda xs: True)
    assert type(one) is union.models[0]


def test_instances_are_drawn_from_strategies_kept_on_the_union(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.strategies import _models

    # Both finds shrink through many unions: a cache of 256 could drop the first one's classes in between.
    monkeypatch.setattr(_models, "_CACHE_SIZE", 100_000)
    first = hypothesis.find(union_schemas(features=["str_enum"]), lambda u: True)
    again = hypothesis.find(union_schemas(features=["str_enum"]), lambda u: True)
    assert first.models == again.models  # same spec, same cached classes
    with pytest.raises(InvalidArgument, match="UnionSchema drawn from union_schemas"):
        hypothesis.find(instances(UnionSchema(first.models, first.features)), lambda xs: True)


def test_instances_are_of_the_union_classes_when_the_caches_are_emptied(monkeypatch: pytest.MonkeyPatch) -> None:
    """Classes and drawers are cached by source text and dropped together: a drawer never validates into a
    class (or a nested class) that the union's models do not use."""
    from harness.strategies import _models

    monkeypatch.setattr(_models, "_CACHE_SIZE", 3)
    requested = ["nested_models", "str_enum", "discriminated_unions", "recursive_models"]

    @settings(FAST, max_examples=30)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        union = data.draw(union_schemas(features=requested), label="union")
        for instance in data.draw(instances(union), label="instances"):
            assert type(instance) in union.models
            assert_round_trips(instance)

    check()


def test_values_depend_on_the_feature_not_on_earlier_draws_of_the_same_class() -> None:
    """``a: int`` is one class for ``integers`` and ``large_integers``; its values must still come from the
    feature that drew it, whatever was drawn before in the process (else draws depend on history, which
    Hypothesis reports as flaky and which hides what a cell should test)."""

    def one_int_field(union: UnionSchema) -> bool:
        return len(union.models) == 1 and list(union.models[0].model_fields) == ["a"]

    small = hypothesis.find(union_schemas(features=["integers"]), one_int_field, settings=settings(database=None))
    hypothesis.find(instances(small), lambda xs: True)  # the drawer for this class is now cached
    large = hypothesis.find(union_schemas(features=["large_integers"]), one_int_field, settings=settings(database=None))
    assert large.models == small.models  # the same source, so the same cached class

    def beyond_2_53(calls: list[BaseModel]) -> bool:
        return bool(abs(calls[0].model_dump()["a"]) > 2**53)

    assert beyond_2_53(hypothesis.find(instances(large), beyond_2_53, settings=settings(database=None)))
    with pytest.raises(hypothesis.errors.NoSuchExample):
        hypothesis.find(instances(small), beyond_2_53, settings=settings(database=None))


# ------------------------------------------------------------------------------------------ shrinking


def _has_nullable_field(union: UnionSchema) -> bool:
    return any(spec.optionality in ("nullable", "nullable_omittable") for s in union._specs for spec in s.fields)


def test_a_nullable_field_shrinks_to_one_small_model() -> None:
    union = hypothesis.find(union_schemas(), _has_nullable_field, settings=settings(database=None))
    assert len(union.models) == 1
    assert len(union.models[0].model_fields) <= 2


def test_a_none_value_failure_shrinks_to_one_model() -> None:
    @settings(database=None, deadline=None, derandomize=True, max_examples=200, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def no_none_anywhere(data: st.DataObject) -> None:
        union = data.draw(union_schemas(), label="union")
        for instance in data.draw(instances(union), label="instances"):
            assert None not in instance.model_dump().values()

    with pytest.raises(AssertionError) as failure:
        no_none_anywhere()
    notes = "\n".join(getattr(failure.value, "__notes__", []))
    shown = notes.split("union:", 1)[1].split("Draw 2", 1)[0] if "union:" in notes else notes
    assert shown.count("(BaseModel):") == 1, notes
    assert "response_model = Iterable[Weather]" in shown


def test_a_nullable_feature_shrinks_to_one_field() -> None:
    union = hypothesis.find(union_schemas(features=["nullable"]), lambda u: True)
    assert len(union.models) == 1 and len(union.models[0].model_fields) == 1
    assert union.source().count(" | None") == 1


# ------------------------------------------------------------------------------------------ arguments


@pytest.mark.parametrize(
    ("strategy", "message"),
    [
        (lambda: union_schemas(features=["nullable", "nulable"]), r"unknown feature name\(s\) \['nulable'\].*strings"),
        (lambda: union_schemas(features="nullable"), "must be a collection of feature names"),
        (lambda: union_schemas(min_models=3, max_models=2), "min_models=3 must not be greater than max_models=2"),
        (lambda: union_schemas(min_models=0), "min_models=0 must be at least 1"),
        (lambda: union_schemas(max_models=1.5), r"max_models=1\.5 must be an integer"),  # type: ignore[arg-type]
        (lambda: models(min_fields=-1), "min_fields=-1 must be at least 0"),
        (lambda: models(min_fields=5, max_fields=2), "min_fields=5 must not be greater than max_fields=2"),
        (lambda: models(features=["bogus"]), "valid names are"),
    ],
)
def test_invalid_arguments_are_reported_when_drawn(strategy: Callable[[], Any], message: str) -> None:
    built = strategy()  # building never raises
    with pytest.raises(InvalidArgument, match=message):
        hypothesis.find(built, lambda _: True)


def test_invalid_instance_sizes() -> None:
    union = hypothesis.find(union_schemas(), lambda u: True)
    with pytest.raises(InvalidArgument, match="min_size=2 must not be greater than max_size=1"):
        hypothesis.find(instances(union, min_size=2, max_size=1), lambda _: True)


def test_reprs_show_how_strategies_were_built() -> None:
    assert repr(union_schemas(max_models=2, features=["nullable"])) == (
        "union_schemas(max_models=2, features=['nullable'])"
    )
    assert repr(models(features=["lists"], max_fields=2)) == "models(features=['lists'], max_fields=2)"
    union = hypothesis.find(union_schemas(features=["nullable"]), lambda u: True)
    assert repr(union).startswith("# UnionSchema(features=['nullable'])\n")


def test_features_catalogue() -> None:
    assert len(FEATURES) >= 25 and len(set(FEATURES)) == len(FEATURES)
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", name) for name in FEATURES)


def test_importing_has_no_side_effects() -> None:
    # Hypothesis picks its own profile ("ci" when the CI variable is set);
    # importing harness.strategies must leave that choice alone.
    profile = "import hypothesis; print(hypothesis.settings.get_current_profile_name())"
    code = (
        "import sys, harness; import harness.strategies as s; "
        "assert s.FEATURES; assert 'harness.conformance' not in sys.modules; " + profile
    )
    with_harness = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    without = subprocess.run([sys.executable, "-c", profile], capture_output=True, text=True, check=True)
    assert with_harness.stdout.strip() == without.stdout.strip() != ""


def test_pattern_values_match_their_patterns() -> None:
    from harness.strategies._draw import PATTERN_VALUES, PATTERNS

    assert tuple(PATTERN_VALUES) == PATTERNS

    @st.composite
    def drawn(draw: st.DrawFn) -> list[tuple[str, str]]:
        return [(pattern, values(draw)) for pattern, values in PATTERN_VALUES.items()]

    @FAST
    @given(drawn())
    def check(pairs: list[tuple[str, str]]) -> None:
        for pattern, value in pairs:
            assert re.fullmatch(pattern, value), (pattern, value)

    check()
