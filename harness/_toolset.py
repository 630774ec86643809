"""``response_model`` -> the set of tools sent to the provider."""

from __future__ import annotations

import collections.abc
import functools
import itertools
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from pydantic import AliasChoices, AliasPath, BaseModel
from pydantic.fields import FieldInfo
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from harness.errors import ToolNameError

ACCEPTED_FORMS = "Iterable[A | B], Iterable[Union[A, B]], Iterable[A] or list[A | B] of pydantic models"


@dataclass(frozen=True)
class Tool:
    """One pydantic model offered to the provider as a function tool."""

    name: str
    model: type[BaseModel]
    description: str
    json_schema: dict[str, Any] = field(repr=False, hash=False, compare=False)


@dataclass(frozen=True)
class ToolSet:
    tools: tuple[Tool, ...]

    @functools.cached_property
    def by_name(self) -> dict[str, Tool]:
        return {tool.name: tool for tool in self.tools}

    @property
    def names(self) -> list[str]:
        return [tool.name for tool in self.tools]


class _ToolJsonSchema(GenerateJsonSchema):
    """pydantic's JSON schema, with the string pattern its ``Decimal`` validation enforces.

    pydantic writes ``Decimal`` as ``number | string`` with no pattern, so a provider may answer ``""``
    or ``"ten"``, which validation then rejects: the schema sent would be looser than the model.
    ``build_decimal_pattern`` is pydantic's own pattern for the strings it accepts (``max_digits`` and
    ``decimal_places`` included).
    """

    def get_decimal_pattern(self, schema: core_schema.DecimalSchema) -> str | None:
        return self.build_decimal_pattern(schema)


def model_schema(model: type[BaseModel]) -> JsonSchemaValue:
    """The JSON schema a tool declares for ``model``: pydantic's, keyed by alias, with decimal patterns."""
    return model.model_json_schema(by_alias=True, schema_generator=_ToolJsonSchema)


def tool_name(model: type[BaseModel]) -> str:
    """The name sent on the wire, which is also the dispatch key."""
    title = model.model_config.get("title")
    return title if isinstance(title, str) and title else model.__name__


def toolset_for(response_model: Any) -> ToolSet:
    """The tools for ``Iterable[A | B]`` and friends, built once per ``response_model``."""
    try:
        return _cached_toolset(response_model)
    except TypeError as exc:
        if "unhashable" not in str(exc):
            raise
        raise TypeError(f"response_model must be {ACCEPTED_FORMS}; got {response_model!r:.200}") from None


@functools.lru_cache(maxsize=256)
def _cached_toolset(response_model: Any) -> ToolSet:
    models = _models_in(response_model)
    tools: list[Tool] = []
    seen: dict[str, type[BaseModel]] = {}
    for model in models:
        name = tool_name(model)
        if name in seen:
            raise ToolNameError(
                f"{_qualified(seen[name])} and {_qualified(model)} both use the tool name {name!r}; "
                "give one a distinct model_config['title']"
            )
        seen[name] = model
        schema = model_schema(model)
        description = schema.pop("description", None) or ""
        schema.pop("title", None)
        tools.append(Tool(name=name, model=model, description=description, json_schema=schema))
    return ToolSet(tuple(tools))


def _qualified(model: type[BaseModel]) -> str:
    """``module.Qualname``, so two classes of one name in different modules can be told apart."""
    return f"{model.__module__}.{model.__qualname__}"


def wire_arguments(instance: BaseModel) -> dict[str, Any]:
    """The JSON arguments a provider would send for ``instance``, as the tool schema declares them.

    The tool schema names fields by their *validation* aliases, so that is what a provider sends and
    what validation reads back: a ``serialization_alias`` must not leak into the arguments. Values are
    pydantic's JSON-mode serialization (``round_trip``), re-keyed field by field, nested models included.
    """
    dumped = instance.model_dump(mode="json", round_trip=True)
    rekeyed = _rekeyed(instance, dumped)
    if not isinstance(rekeyed, dict):
        raise TypeError(f"{type(instance).__qualname__} does not serialize to a JSON object: {dumped!r:.200}")
    return rekeyed


def _rekeyed(value: Any, dumped: Any) -> Any:
    """``dumped`` (keyed by field names) re-keyed by validation aliases, walking ``value`` beside it."""
    if isinstance(value, BaseModel) and isinstance(dumped, dict):
        fields = type(value).model_fields
        out: dict[str, Any] = {}
        for key, item in dumped.items():
            if key in fields:
                _put(out, _validation_path(key, fields[key]), _rekeyed(getattr(value, key), item))
            elif key not in type(value).model_computed_fields:  # computed fields are output only
                out[key] = item  # extra="allow" values
        return out
    if isinstance(value, (list, tuple, set, frozenset)) and isinstance(dumped, list):
        return [_rekeyed(v, d) for v, d in zip(value, dumped, strict=False)]
    if isinstance(value, dict) and isinstance(dumped, dict) and len(value) == len(dumped):
        return {key: _rekeyed(v, d) for v, (key, d) in zip(value.values(), dumped.items(), strict=True)}
    return dumped


def _validation_path(name: str, info: FieldInfo) -> list[str | int]:
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        alias = alias.choices[0]  # the one the JSON schema declares
    if isinstance(alias, AliasPath):
        return list(alias.path)
    return [alias if isinstance(alias, str) else info.alias or name]


def _put(target: dict[str, Any], path: list[str | int], value: Any) -> None:
    node: Any = target
    for step, following in itertools.pairwise(path):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(step, int):
            node.extend([None] * (step + 1 - len(node)))
            node[step] = empty if node[step] is None else node[step]
            node = node[step]
        else:
            node = node.setdefault(step, empty)
    last = path[-1]
    if isinstance(last, int):
        node.extend([None] * (last + 1 - len(node)))
    node[last] = value


def _models_in(response_model: Any) -> list[type[BaseModel]]:
    origin = typing.get_origin(response_model)
    args = typing.get_args(response_model)
    if origin not in (collections.abc.Iterable, list) or len(args) != 1:
        raise TypeError(f"response_model must be {ACCEPTED_FORMS}; got {response_model!r}")
    (inner,) = args
    members = typing.get_args(inner) if typing.get_origin(inner) in (typing.Union, types.UnionType) else (inner,)
    models: list[type[BaseModel]] = []
    for member in members:
        if not (isinstance(member, type) and issubclass(member, BaseModel)):
            raise TypeError(
                f"response_model must be {ACCEPTED_FORMS}; {member!r} in {response_model!r} is not a pydantic model"
            )
        if member not in models:
            models.append(member)
    return models
