"""The seed scenario every client test shares: weather in two cities and a search, as three parallel calls."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel

import harness.providers as _providers


class Weather(BaseModel):
    location: str
    units: Literal["imperial", "metric"]


class GoogleSearch(BaseModel):
    query: str


class Unrelated(BaseModel):
    x: int


RESPONSE_MODEL = Iterable[Weather | GoogleSearch]
USER = {"role": "user", "content": "What is the weather in toronto and dallas and who won the super bowl?"}
MESSAGES = [{"role": "system", "content": "You must always use tools"}, USER]
CALLS = [
    Weather(location="Toronto", units="metric"),
    Weather(location="Dallas", units="imperial"),
    GoogleSearch(query="who won the super bowl 2023"),
]
#: A 1x1 PNG, for image parts in a history.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def dumps(values: Iterable[BaseModel]) -> list[str]:
    """Type and JSON of each value: ``==`` on models would take 1, 1.0 and True alike."""
    return [f"{type(v).__name__}:{v.model_dump_json()}" for v in values]


#: The spec prefixes of the first-party APIs; the OpenAI-compatible servers (one Chat Completions module
#: with a profile each) are tested in tests/providers/test_compatible.py.
FIRST_PARTY_PREFIXES = tuple(p for p in _providers.PREFIXES if p not in _providers.COMPATIBLE_PREFIXES)
