"""What a user writes: nothing to configure, recorded answers replayed with no keys and no network."""

from collections.abc import Iterable
from typing import Literal

import pytest
from pydantic import BaseModel


class Weather(BaseModel):
    location: str
    units: Literal["imperial", "metric"]


class GoogleSearch(BaseModel):
    query: str


MESSAGES = [
    {"role": "system", "content": "You must always use tools"},
    {"role": "user", "content": "What is the weather in toronto and dallas and who won the super bowl?"},
]


@pytest.mark.providers(
    "openai/gpt-4.1-mini",
    "openai-responses/gpt-4.1-mini",
    "anthropic/claude-sonnet-5",
    "google/gemini-2.5-flash",
    "vertexai/gemini-2.5-flash",
)
def test_weather_and_search(parallel_client):
    calls = parallel_client.create(messages=MESSAGES, response_model=Iterable[Weather | GoogleSearch])
    assert {type(c) for c in calls} == {Weather, GoogleSearch}
    streamed = list(
        parallel_client.create(messages=MESSAGES, response_model=Iterable[Weather | GoogleSearch], stream=True)
    )
    assert streamed == calls


def test_the_package_ships_its_type_marker():
    from importlib.resources import files

    assert files("harness").joinpath("py.typed").is_file()
