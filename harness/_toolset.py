"""``response_model`` -> the set of tools sent to the provider."""

from __future__ import annotations

import collections.abc
import functools
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

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
                f"{seen[name].__qualname__} and {model.__qualname__} both use the tool name {name!r}; "
                "give one a distinct model_config['title']"
            )
        seen[name] = model
        schema = model.model_json_schema(by_alias=True)
        description = schema.pop("description", None) or ""
        schema.pop("title", None)
        tools.append(Tool(name=name, model=model, description=description, json_schema=schema))
    return ToolSet(tuple(tools))


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
