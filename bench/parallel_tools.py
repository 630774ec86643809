"""Benchmark: harness ``create()`` on a 10-call answer against the raw SDK call, and instructor against its own.

Every provider answers ten parallel tool calls from an in-memory ``httpx2.MockTransport``; the response
bytes are serialized once, so the transport costs the same on every side. For each provider this times,
in interleaved rounds:

- ``harness``: ``client.create(messages=..., response_model=Iterable[Weather | GoogleSearch])``;
- ``raw``: the same SDK client sending the same request (same tools) and returning the SDK's response
  object, with no validation: the floor.

instructor 1.17 cannot share this venv (it pins jiter below what openai>=3.50 needs), so its part runs
as a subprocess in its own venv (``.venv-instructor``, built by ``make bench``): ``bench/instructor_side.py``
times instructor's parallel mode against the raw SDK call *in that venv*, on the same response bytes.

Usage: ``python bench/parallel_tools.py [--rounds N] [--number N] [--instructor-python PATH] [--profile PROVIDER]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import openai
from _common import CALLS, MESSAGES, RESPONSE_MODEL, interleaved, print_profile
from google import genai

import harness
import harness.testing
from harness import WireAnswer
from harness._toolset import toolset_for
from harness.providers import get_provider

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.5
SPECS = {
    "openai": "gpt-5.4-mini",
    "openai-responses": "gpt-5.4-mini",
    "anthropic": "claude-sonnet-5",
    "google": "gemini-2.5-flash",
    "vertexai": "gemini-2.5-flash",
}
#: instructor 1.17's parallel mode, where it has one: OpenAI Chat Completions and Anthropic.
INSTRUCTOR_SIDES = ("openai", "anthropic")


def answer_bytes(prefix: str) -> bytes:
    """The provider's answer carrying the ten calls, serialized once."""
    return json.dumps(get_provider(prefix).write_response(WireAnswer.of(CALLS), model=SPECS[prefix])).encode()


def sdk_client(prefix: str, body: bytes) -> Any:
    """An SDK client whose transport returns ``body`` for every request."""
    headers = {"content-type": "application/json"}
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, content=body, headers=headers))
    return harness.testing.sdk_client(prefix, transport=transport)


def raw_call(prefix: str, sdk: Any) -> Callable[[], object]:
    """The SDK call alone, with exactly the request harness builds (tools included), built once."""
    provider = get_provider(prefix)
    tools = provider.tool_declarations(toolset_for(RESPONSE_MODEL), strict=False)
    request = provider.build_request(model=SPECS[prefix], messages=MESSAGES, tools=tools, options={})
    if prefix == "openai":
        return lambda: sdk.chat.completions.create(**request)
    if prefix == "openai-responses":
        return lambda: sdk.responses.create(**request)
    if prefix == "anthropic":
        return lambda: sdk.messages.create(**request)
    return lambda: sdk.models.generate_content(**request)


def harness_call(prefix: str, sdk: Any) -> Callable[[], object]:
    client = harness.from_provider(f"{prefix}/{SPECS[prefix]}", client=sdk)

    def call() -> object:
        return client.create(messages=MESSAGES, response_model=RESPONSE_MODEL)

    assert call() == CALLS, f"{prefix}: harness did not return the ten calls"
    return call


def measure_ours(rounds: int, number: int) -> dict[str, dict[str, float]]:
    results = {}
    for prefix in SPECS:
        sdk = sdk_client(prefix, answer_bytes(prefix))
        times = interleaved(
            {"harness": harness_call(prefix, sdk), "raw": raw_call(prefix, sdk)}, rounds=rounds, number=number
        )
        results[prefix] = {**times, "ratio": times["harness"] / times["raw"]}
        print(f"  {prefix:<17} harness {times['harness'] * 1e6:8.1f} us   raw {times['raw'] * 1e6:8.1f} us", flush=True)
    return results


def measure_instructor(python: Path, rounds: int, number: int) -> tuple[dict[str, Any] | None, str]:
    """Run bench/instructor_side.py in the instructor venv; return its results or why it was skipped."""
    if not python.exists():
        return None, f"no instructor venv at {python.parent.parent} (make bench builds it)"
    job = {
        "bodies": {prefix: answer_bytes(prefix).decode() for prefix in INSTRUCTOR_SIDES},
        "models": {prefix: SPECS[prefix] for prefix in INSTRUCTOR_SIDES},
        "rounds": rounds,
        "number": number,
    }
    script = Path(__file__).with_name("instructor_side.py")
    done = subprocess.run(
        [str(python), str(script)], input=json.dumps(job), capture_output=True, text=True, check=False, cwd=ROOT
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"the instructor venv failed: {last}"
    result: dict[str, Any] = json.loads(done.stdout)
    return result, ""


def profile(prefix: str, calls: int = 2000) -> None:
    """cProfile ``calls`` harness creates for one provider; print the top entries by own and cumulative time."""
    sdk = sdk_client(prefix, answer_bytes(prefix))
    print_profile(harness_call(prefix, sdk), calls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40, help="interleaved rounds per side (median is reported)")
    parser.add_argument("--number", type=int, default=25, help="calls per round")
    parser.add_argument("--instructor-python", type=Path, default=ROOT / ".venv-instructor" / "bin" / "python")
    parser.add_argument("--profile", choices=list(SPECS), help="profile harness for one provider instead")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile)
        return 0

    print(
        f"harness {harness.__version__}: openai {openai.__version__}, anthropic {anthropic.__version__}, "
        f"google-genai {genai.__version__}, httpx2 {httpx2.__version__}; Python {sys.version.split()[0]}"
    )
    print(f"10 parallel calls per answer, median of {args.rounds} interleaved rounds x {args.number} calls")
    ours = measure_ours(args.rounds, args.number)
    theirs, skipped = measure_instructor(args.instructor_python, args.rounds, args.number)
    if theirs is not None:
        print(
            f"  instructor {theirs['version']} (openai {theirs['openai']}, anthropic {theirs['anthropic']}) "
            "in its own venv:"
        )
        for prefix, times in theirs["results"].items():
            print(f"  {prefix:<17} instructor {times['instructor'] * 1e6:8.1f} us   raw {times['raw'] * 1e6:8.1f} us")

    print()
    print("| provider | harness / raw SDK | instructor 1.17 parallel / raw SDK |")
    print("| --- | --- | --- |")
    for prefix, times in ours.items():
        other = "n/a (no parallel mode)"
        if theirs is None:
            other = "skipped"
        elif prefix in theirs["results"]:
            other = f"{theirs['results'][prefix]['ratio']:.2f}x"
        print(f"| {prefix} | {times['ratio']:.2f}x | {other} |")
    if theirs is None:
        print(f"\ninstructor skipped: {skipped}")
    over = [prefix for prefix, times in ours.items() if times["ratio"] > TARGET]
    if over:
        print(f"\nover the {TARGET}x target: {', '.join(over)} (profile with --profile {over[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
