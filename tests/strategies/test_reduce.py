"""Reductions of a drawn union and its values (what the conformance runner uses to make counterexamples
smaller than Hypothesis's shrinking leaves them): each is smaller, pasteable, and its values still fit."""

from __future__ import annotations

import ast
import json
from typing import Any

import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness._toolset import wire_arguments
from harness.strategies import UnionSchema, instances, union_schemas
from harness.strategies._reduce import reductions, simplifications
from tests.strategies.test_strategies import FAST, _exec

STRUCTURED = ["nested_models", "discriminated_unions", "lists", "tuples", "dicts", "aliases", "defaults", "nullable"]


def _fields(union: UnionSchema) -> int:
    classes = [node for node in ast.walk(ast.parse(union.source())) if isinstance(node, ast.ClassDef)]
    return sum(isinstance(statement, ast.AnnAssign) for cls in classes for statement in cls.body)


def _size(union: UnionSchema, values: list[tuple[int, Any]]) -> int:
    return len(union.models) + len(values) + _fields(union)


@pytest.mark.parametrize("feature", STRUCTURED)
def test_each_reduction_is_smaller_pasteable_and_keeps_its_values_valid(feature: str) -> None:
    @settings(FAST, max_examples=5)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        union = data.draw(union_schemas(max_models=3, features=[feature]), label="union")
        calls = data.draw(instances(union), label="calls")
        values = [(union.models.index(type(call)), wire_arguments(call)) for call in calls]
        size = _size(union, values)
        labels = []
        for label, reduction in reductions(union, values):
            labels.append(label)
            smaller, pruned = reduction()
            assert _size(smaller, pruned) < size
            pasted = _exec(smaller.source())
            assert all(model.__name__ in pasted for model in smaller.models)
            for index, value in pruned:
                model = smaller.models[index]
                try:
                    instance = model.model_validate_json(json.dumps(value))
                except pydantic.ValidationError as error:
                    # Only dropping a discriminated union's member can leave a value with nowhere to go.
                    assert {e["type"] for e in error.errors()} == {"union_tag_invalid"}, error
                    continue
                # The dropped field's key went with it: nothing is left for pydantic to ignore.
                assert wire_arguments(instance) == value
        # A label names one reduction: the runner tries each once, so two must never share one.
        assert len(labels) == len(set(labels))

    check()


@settings(FAST, max_examples=20)
@given(st.data())
def test_each_simplification_changes_one_leaf_to_a_simpler_one(data: st.DataObject) -> None:
    union = data.draw(union_schemas(max_models=2, features=["strings"]), label="union")
    calls = data.draw(instances(union), label="calls")
    values = [(union.models.index(type(call)), wire_arguments(call)) for call in calls]
    for label, simpler in simplifications(values):
        assert len(simpler) == len(values)
        changed = [(before, after) for before, after in zip(values, simpler, strict=True) if before != after]
        assert len(changed) == 1, label
        (index, before), (index_after, after) = changed[0]
        assert index == index_after
        assert len(json.dumps(after)) < len(json.dumps(before))
