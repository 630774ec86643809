"""What both sides of the benchmark share: the workload and the timing loop.

Imports nothing but pydantic, so it loads in the project venv and in the instructor venv alike.
"""

from __future__ import annotations

import gc
import random
import statistics
import timeit
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
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


@dataclass
class Timings:
    """Seconds per call for each side, one sample per round."""

    samples: dict[str, list[float]]

    def median(self, name: str) -> float:
        return statistics.median(self.samples[name])

    def rate(self, name: str) -> float:
        return 1 / self.median(name)

    def ratio(self, name: str, base: str) -> float:
        """Time of ``name`` over ``base``: the median of the per-round ratios (side by side, same load)."""
        return statistics.median(x / y for x, y in zip(self.samples[name], self.samples[base], strict=True))


def in_rounds(sides: Mapping[str, Callable[[], float]], rounds: int) -> Timings:
    """One sample of each side per round, in an order shuffled every round; each side returns its seconds."""
    gc.collect()
    gc.freeze()  # what exists now is never garbage: keep the per-sample collections below cheap
    samples: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    rng = random.Random(0)
    for _ in range(rounds):
        rng.shuffle(names)
        for name in names:
            gc.collect()
            samples[name].append(sides[name]())
    return Timings(samples)


def timed(fn: Callable[[], object], number: int) -> Callable[[], float]:
    """A sampler: seconds per call of ``fn`` over ``number`` calls."""
    return lambda: timeit.timeit(fn, number=number) / number


def interleaved(sides: dict[str, Callable[[], object]], *, rounds: int, number: int) -> dict[str, float]:
    """Median seconds per call for each side, timed in alternating rounds (order shuffled per round)."""
    for fn in sides.values():  # warm up: imports, caches, first-call costs
        for _ in range(3):
            fn()
    timings = in_rounds({name: timed(fn, number) for name, fn in sides.items()}, rounds)
    return {name: timings.median(name) for name in sides}


def print_profile(fn: Callable[[], object], calls: int) -> None:
    """cProfile ``calls`` calls of ``fn``; print the top entries by own and by cumulative time."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)
