"""What both sides of the benchmark share: the workload and the timing loop.

Imports nothing but pydantic, so it loads in the project venv and in the instructor venv alike.
"""

from __future__ import annotations

import gc
import random
import statistics
import timeit
from collections.abc import Callable, Iterable
from typing import Literal

from pydantic import BaseModel


class Weather(BaseModel):
    location: str
    units: Literal["imperial", "metric"]


class GoogleSearch(BaseModel):
    query: str


RESPONSE_MODEL = Iterable[Weather | GoogleSearch]

MESSAGES = [
    {"role": "system", "content": "You must always use tools"},
    {"role": "user", "content": "What is the weather in ten cities, and search for each?"},
]

CITIES = ["Toronto", "Dallas", "Paris", "Lagos", "Lima"]

#: The ten calls every answer carries, in order.
CALLS: list[BaseModel] = [
    model
    for city in CITIES
    for model in (
        Weather(location=city, units="metric" if city != "Dallas" else "imperial"),
        GoogleSearch(query=f"events in {city} this week"),
    )
]


def interleaved(sides: dict[str, Callable[[], object]], *, rounds: int, number: int) -> dict[str, float]:
    """Median seconds per call for each side, timed in alternating rounds (order shuffled per round)."""
    for fn in sides.values():  # warm up: imports, caches, first-call costs
        for _ in range(3):
            fn()
    gc.collect()
    gc.freeze()  # what exists now is never garbage: keep the per-sample collections below cheap
    samples: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    rng = random.Random(0)
    for _ in range(rounds):
        rng.shuffle(names)
        for name in names:
            gc.collect()
            samples[name].append(timeit.timeit(sides[name], number=number) / number)
    return {name: statistics.median(times) for name, times in samples.items()}
