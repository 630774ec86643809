"""Benchmark: replaying recorded answers, harness cassettes against the in-memory floor and against vcrpy.

One harness client (``openai/gpt-4.1-mini``, ``Iterable[Weather | GoogleSearch]``) on an SDK client over an
in-memory ``httpx2.MockTransport`` that always answers the seed's three parallel calls. For each cassette
size N (``--sizes``), N distinct requests (``question {i}``) are recorded once, by harness and by vcrpy,
into a temporary folder; then, in interleaved rounds, the same ``create()`` for the middle interaction is
timed three ways:

- ``floor``: outside any cassette, answered by the MockTransport itself;
- ``harness``: inside ``harness.recording.use_cassette(record_mode="none", allow_playback_repeats=True)``,
  answered from the cassette (harness's stubs replace the MockTransport's handler);
- ``vcrpy``: inside a plain ``vcr.VCR`` cassette as pytest-recording users set it up with body matching
  (``match_on`` the default six plus ``body``, YAML serializer, ``allow_playback_repeats=True``).

Each cassette is loaded once; each sample installs its patches, as entering it does, and times only the
calls. vcrpy's cost grows with N (it compares the request with every recorded one, bodies included), so
where a side is much slower it times fewer calls per round. Then:

- loading: the time to enter each kind of cassette (read, parse, index) at the largest N (1,000 by default);
- start-up: ``pytest --collect-only -q`` on an empty suite with harness's plugin against ``-p no:harness``
  (pytest-recording alone), as alternating subprocesses.

Usage: ``python bench/replay.py [--rounds N] [--number N] [--sizes 10,100,1000] [--load-rounds N]
[--startup-runs N] [--profile N]``
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx2
import vcr
from _common import RESPONSE_MODEL, GoogleSearch, Timings, Weather, in_rounds, print_profile
from pydantic import BaseModel
from vcr.patch import CassettePatcherBuilder

import harness
import harness.testing
from harness import WireAnswer
from harness.providers import get_provider
from harness.recording import use_cassette

SPEC = "openai/gpt-4.1-mini"
REPLAY_TARGET = 1.15
STARTUP_TARGET = 1.10
#: The seed answer: weather in two cities and a search, as three parallel calls.
CALLS: list[BaseModel] = [
    Weather(location="Toronto", units="metric"),
    Weather(location="Dallas", units="imperial"),
    GoogleSearch(query="who won the super bowl 2023"),
]
#: What pytest-recording users typically add to vcrpy's default matching.
VCR_MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")

#: Seconds per call, timed over ``number`` calls.
Sample = Callable[[int], float]


def messages(i: int) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "You must always use tools"},
        {
            "role": "user",
            "content": f"question {i}: what is the weather in toronto and dallas, who won the super bowl?",
        },
    ]


def make_client() -> harness.ParallelToolsClient:
    """A harness client whose MockTransport answers every request with the same bytes, serialized once."""
    prefix, _, model = SPEC.partition("/")
    body = json.dumps(get_provider(prefix).write_response(WireAnswer.of(CALLS), model=model)).encode()
    headers = {"content-type": "application/json"}
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, content=body, headers=headers))
    sdk = harness.testing.sdk_client(prefix, transport=transport)
    return harness.from_provider(SPEC, client=sdk, async_client=False)


def caller(client: harness.ParallelToolsClient, i: int) -> Callable[[], object]:
    def call() -> object:
        return client.create(messages=messages(i), response_model=RESPONSE_MODEL)

    return call


def harness_cassette(path: Path) -> AbstractContextManager[Any]:
    cassette: AbstractContextManager[Any] = use_cassette(path, record_mode="none", allow_playback_repeats=True)
    return cassette


def vcrpy_cassette(path: Path) -> AbstractContextManager[Any]:
    # vcrpy takes allow_playback_repeats per cassette, not on VCR().
    vcr_config = vcr.VCR(record_mode="none", match_on=VCR_MATCH_ON)
    cassette: AbstractContextManager[Any] = vcr_config.use_cassette(str(path), allow_playback_repeats=True)
    return cassette


def record(folder: Path, client: harness.ParallelToolsClient, n: int) -> tuple[Path, Path]:
    """Record N distinct requests into a harness cassette and a vcrpy one; return their paths."""
    ours, theirs = folder / f"harness-{n}.yaml", folder / f"vcrpy-{n}.yaml"
    with use_cassette(ours, record_mode="once"):
        for i in range(n):
            caller(client, i)()
    # Matching does not change what is written: recording with vcrpy's default matchers avoids the
    # quadratic body comparisons (minutes at 1,000) that recording with body matching would cost.
    with vcr.VCR(record_mode="once").use_cassette(str(theirs)):
        for i in range(n):
            caller(client, i)()
    return ours, theirs


def bare(fn: Callable[[], object]) -> Sample:
    def sample(number: int) -> float:
        return timeit.timeit(fn, number=number) / number

    return sample


def loaded(enter: Callable[[], AbstractContextManager[Any]]) -> Any:
    """The cassette object, read, parsed and indexed once (entering its context; leaving it saves nothing)."""
    with enter() as cassette:
        return cassette


@contextmanager
def patches(cassette: Any) -> Iterator[None]:
    """The cassette's patches, as entering its context installs them, without loading it again."""
    with ExitStack() as stack:
        for patcher in CassettePatcherBuilder(cassette).build():
            stack.enter_context(patcher)
        yield


def patched(cassette: Any, fn: Callable[[], object]) -> Sample:
    def sample(number: int) -> float:
        with patches(cassette):
            return timeit.timeit(fn, number=number) / number

    return sample


def interleaved(sides: dict[str, Sample], *, rounds: int, number: int) -> tuple[Timings, dict[str, int]]:
    """Seconds per call for each side, in interleaved rounds; and how many calls each sample timed.

    A side more than twice as slow as the fastest times fewer calls per round (at least one), so that
    every sample lasts about as long: vcrpy at 1,000 interactions takes a good part of a second a call.
    """
    warm = {name: sample(2) for name, sample in sides.items()}  # warm up: imports, caches, first-call costs
    fastest = min(warm.values())
    counts = {
        name: number if seconds <= 2 * fastest else max(1, round(number * fastest / seconds))
        for name, seconds in warm.items()
    }
    bound = {name: functools.partial(sample, counts[name]) for name, sample in sides.items()}
    return in_rounds(bound, rounds), counts


def measure_replay(
    client: harness.ParallelToolsClient, paths: tuple[Path, Path], n: int, *, rounds: int, number: int
) -> tuple[Timings, dict[str, int]]:
    call = caller(client, n // 2)
    ours, theirs = loaded(lambda: harness_cassette(paths[0])), loaded(lambda: vcrpy_cassette(paths[1]))
    for cassette in (ours, theirs):
        assert len(cassette.data) == n, f"{cassette._path}: {len(cassette.data)} interactions, not {n}"
        with patches(cassette):  # the MockTransport answers the same: check the cassette did
            played = cassette.play_counts[n // 2]
            assert call() == CALLS, f"{cassette._path}: the replayed answer is not the seed's three calls"
            assert cassette.play_counts[n // 2] == played + 1, f"{cassette._path}: interaction {n // 2} not played"
    sides = {"floor": bare(call), "harness": patched(ours, call), "vcrpy": patched(theirs, call)}
    return interleaved(sides, rounds=rounds, number=number)


def entering(make: Callable[[], AbstractContextManager[Any]]) -> Callable[[], float]:
    """Seconds to enter a fresh cassette context (read, parse, index, patch); leaving it is not timed."""

    def sample() -> float:
        with ExitStack() as stack:
            start = time.perf_counter()
            stack.enter_context(make())
            return time.perf_counter() - start

    return sample


def measure_load(paths: tuple[Path, Path], rounds: int) -> Timings:
    sides = {
        "harness": entering(lambda: harness_cassette(paths[0])),
        "vcrpy": entering(lambda: vcrpy_cassette(paths[1])),
    }
    for sample in sides.values():  # warm up
        sample()
    return in_rounds(sides, rounds)


def measure_startup(runs: int) -> Timings:
    """Wall time of ``pytest --collect-only -q`` on an empty suite, with and without harness's plugin."""
    pytest_script = Path(sys.executable).with_name("pytest")
    command = [str(pytest_script)] if pytest_script.exists() else [sys.executable, "-m", "pytest"]
    command += ["--collect-only", "-q", "-p", "no:cacheprovider"]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    with tempfile.TemporaryDirectory(prefix="harness-startup-") as folder:
        (Path(folder) / "test_empty.py").write_text("")
        (Path(folder) / "pytest.ini").write_text("[pytest]\n")

        def run(argv: list[str]) -> Callable[[], float]:
            def sample() -> float:
                start = time.perf_counter()
                done = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, check=False)
                elapsed = time.perf_counter() - start
                if done.returncode not in (0, 5):  # 5: no tests collected
                    raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stdout}{done.stderr}")
                return elapsed

            return sample

        sides = {"harness": run(command), "pytest-recording": run([*command, "-p", "no:harness"])}
        for sample in sides.values():  # warm up: bytecode and file caches
            sample()
        return in_rounds(sides, runs)


def verdict(ratio: float, target: float) -> str:
    return "PASS" if ratio <= target else "MISS"


def profile(n: int, calls: int = 2000) -> None:
    """cProfile ``calls`` replayed creates from a harness cassette of ``n`` interactions."""
    client = make_client()
    with tempfile.TemporaryDirectory(prefix="harness-replay-") as folder:
        paths = record(Path(folder), client, n)
        call = caller(client, n // 2)
        with harness_cassette(paths[0]):
            assert call() == CALLS
            print_profile(call, calls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=25, help="interleaved rounds per side (median is reported)")
    parser.add_argument("--number", type=int, default=10, help="calls per round")
    parser.add_argument(
        "--sizes", type=lambda text: [int(n) for n in text.split(",")], default=[10, 100, 1000], help="cassette sizes"
    )
    parser.add_argument("--load-rounds", type=int, default=5, help="loads per side (each takes seconds at 1,000)")
    parser.add_argument("--startup-runs", type=int, default=15, help="pytest start-ups per side")
    parser.add_argument("--profile", type=int, metavar="N", help="profile harness replay at N interactions instead")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile)
        return 0

    print(
        f"harness {harness.__version__}: vcrpy {vcr.__version__}, pytest-recording {version('pytest-recording')}, "
        f"pytest {version('pytest')}, httpx2 {httpx2.__version__}; Python {sys.version.split()[0]}"
    )
    print(
        f"{SPEC}, 3 parallel calls per answer, the middle interaction replayed; {args.rounds} interleaved rounds "
        f"x {args.number} calls: times are medians, ratios medians of the per-round ratios "
        "(on a shared machine the times drift between rows; the ratios are what is comparable)"
    )
    client = make_client()
    replay: dict[int, Timings] = {}
    with tempfile.TemporaryDirectory(prefix="harness-replay-") as folder:
        paths: dict[int, tuple[Path, Path]] = {}
        for n in args.sizes:
            paths[n] = record(Path(folder), client, n)
            replay[n], counts = measure_replay(client, paths[n], n, rounds=args.rounds, number=args.number)
            print(
                f"  N={n:<5} floor {replay[n].median('floor') * 1e6:8.1f} us   "
                f"harness {replay[n].median('harness') * 1e6:8.1f} us   "
                f"vcrpy {replay[n].median('vcrpy') * 1e6:10.1f} us ({counts['vcrpy']} calls per round)",
                flush=True,
            )
        largest = max(args.sizes)
        load = measure_load(paths[largest], args.load_rounds)
    startup = measure_startup(args.startup_runs)

    print()
    print(f"| N | floor µs | harness µs | harness/floor (≤ {REPLAY_TARGET}x) | vcrpy µs | vcrpy/floor |")
    print("| --- | --- | --- | --- | --- | --- |")
    for n, times in replay.items():
        ours, theirs = times.ratio("harness", "floor"), times.ratio("vcrpy", "floor")
        print(
            f"| {n:,} | {times.median('floor') * 1e6:.1f} | {times.median('harness') * 1e6:.1f} | "
            f"{ours:.2f}x {verdict(ours, REPLAY_TARGET)} | {times.median('vcrpy') * 1e6:.1f} | {theirs:.2f}x |"
        )
    print()
    print(
        f"Loading a {largest:,}-interaction cassette (entering the cassette: read, parse, index), "
        f"{args.load_rounds} rounds: harness {load.median('harness') * 1e3:.0f} ms, "
        f"vcrpy {load.median('vcrpy') * 1e3:.0f} ms: harness/vcrpy {load.ratio('harness', 'vcrpy'):.2f}x"
    )
    ratio = startup.ratio("harness", "pytest-recording")
    print(
        f"pytest --collect-only -q on an empty suite, {args.startup_runs} rounds: "
        f"with harness {startup.median('harness') * 1e3:.0f} ms, "
        f"-p no:harness {startup.median('pytest-recording') * 1e3:.0f} ms: "
        f"{ratio:.2f}x {verdict(ratio, STARTUP_TARGET)} (target ≤ {STARTUP_TARGET}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
