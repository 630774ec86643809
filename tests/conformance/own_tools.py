"""A team's own tool models, as `harness conformance --models` and `check_models` find them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field, RootModel

from tests.conformance.other_tools import Unit  # imported: not one of this module's tools


class GetWeather(BaseModel):
    """Current weather for a city."""

    city: str = Field(min_length=1)
    unit: Unit | None = None


class Search(BaseModel):
    """Search the web."""

    query: str
    limit: int | None = Field(default=None, ge=1, le=50)
    language: Literal["en", "fr", "de"] | None = None
    tags: list[str] = []


class Names(RootModel[list[str]]):
    """A RootModel is no tool: a tool's arguments are an object."""


TOOLS = Iterable[GetWeather | Search]
ONLY_SEARCH = [Search]
NOT_MODELS = [Search, "get_weather"]
