"""Check the instructor conformance adapter by hand, before (and besides) the conformance runner.

Runs only in the instructor venv (``make audit-instructor`` builds it), and is not a pytest module:

    .venv-instructor/bin/python tests/conformance/instructor_check.py

For each spec the adapter claims, plain and streamed, a :class:`harness.testing.MockProvider` answers
with three instances of a two-model union as parallel tool calls in the provider's wire shape; the check
prints what instructor returned (or raised) and the tools it declared. Then it probes the failures the
conformance issue expects of instructor: a ``model_config`` title, ``Literal``, discriminated unions and
``dict`` value types on Gemini, and the Responses API; as a control, Gemini and Vertex AI answering the
one ``Iterable…`` call instructor declares there. ``LOSSY`` marks a right round trip from a declaration
that lost part of the model. Exit status 0 whatever instructor does: this reports, the runner judges.
"""

from __future__ import annotations

import json
import sys
import traceback
import warnings
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness import UnsupportedSchemaError
from harness.conformance.instructor import SPECS, adapter
from harness.providers._base import WireAnswer, WireCall
from harness.testing import MockProvider

MESSAGES = [{"role": "user", "content": "Weather in Oslo and Lima, and the time in Oslo."}]


class Weather(BaseModel):
    """The weather at a location."""

    location: str
    units: str


class Clock(BaseModel):
    """The time at a location."""

    location: str
    hour: int


INSTANCES: tuple[BaseModel, ...] = (
    Weather(location="Oslo", units="metric"),
    Clock(location="Oslo", hour=9),
    Weather(location="Lima", units="metric"),
)


# --- the expected failures' models ---------------------------------------------------------------


class Titled(BaseModel):
    """A tool whose name is its model_config title, not its class name."""

    model_config = ConfigDict(title="titled_tool")
    location: str


class WithEnum(BaseModel):
    units: Literal["metric", "imperial"]


class WithConst(BaseModel):
    version: Literal["v1"]


class WithIntLiteral(BaseModel):
    level: Literal[1, 2]


class Cat(BaseModel):
    kind: Literal["cat"] = "cat"
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"] = "dog"
    good: bool


class WithDiscriminated(BaseModel):
    pet: Annotated[Cat | Dog, Field(discriminator="kind")]


class WithDict(BaseModel):
    counts: dict[str, int]


def run(
    spec: str, response_model: Any, instances: tuple[BaseModel, ...], *, stream: bool, must_declare: tuple[str, ...]
) -> str:
    """One adapter call against a fresh endpoint; a line saying what came back and what was sent.

    ``must_declare``: words the tool declarations must hold (any case) for the model to be declared whole;
    a round trip that comes back right from a declaration missing one is ``LOSSY``, not ``OK``.
    """
    endpoint = MockProvider(spec).answer(*instances)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got: list[BaseModel] | None = adapter(
                spec, endpoint.sdk_client(), messages=MESSAGES, response_model=response_model, stream=stream
            )
        error = None
    except Exception as exc:
        got, error = None, exc
    tools = declared(spec, endpoint.bodies)
    sent = f"{len(endpoint.requests)} request(s), tools {tools}"
    missing = [word for word in must_declare if word.lower() not in tools.lower()]
    if isinstance(error, UnsupportedSchemaError):
        verdict = f"REFUSED (before sending): {error}"
    elif error is not None:
        where = traceback.extract_tb(error.__traceback__)[-1]
        origin = f"{where.filename.rsplit('site-packages/', 1)[-1]}:{where.lineno}"
        verdict = f"RAISED {type(error).__name__}: {(str(error).splitlines() or [''])[0][:160]!r} [{origin}]"
    elif got == list(instances):
        verdict = f"LOSSY: declared without {', '.join(missing)}" if missing else "OK"
    else:
        verdict = f"WRONG: got {got!r}"
    notes = sorted({str(w.message).split(".")[0] for w in caught})
    return f"{verdict}\n      sent: {sent}" + "".join(f"\n      warning: {note}" for note in notes)


def own_gemini_contract(prefix: str, *, stream: bool) -> str:
    """instructor's TOOLS mode on genai as it means to be answered: one ``Iterable…`` call, a ``tasks`` list.

    Shows the Gemini and Vertex AI cells fail on the parallel-call contract, not on the wire shape.
    """
    name = ("PartialIterable" if stream else "Iterable") + "WeatherOrClock"
    tasks = {"tasks": [instance.model_dump() for instance in INSTANCES]}
    endpoint = MockProvider(prefix).answer_wire(WireAnswer(calls=(WireCall(name, json.dumps(tasks)),)))
    try:
        got = adapter(
            f"{prefix}/test-model",
            endpoint.sdk_client(),
            messages=MESSAGES,
            response_model=Iterable[Weather | Clock],
            stream=stream,
        )
    except Exception as exc:
        return f"RAISED {type(exc).__name__}: {exc}"
    return "OK" if got == list(INSTANCES) else f"WRONG: got {got!r}"


def declared(spec: str, bodies: list[dict[str, Any]]) -> str:
    """The tool declarations of the first request, compactly: name -> parameter schema."""
    if not bodies:
        return "-"
    body = bodies[0]
    prefix = spec.partition("/")[0]
    tools: dict[str, Any] = {}
    if prefix == "openai":
        tools = {t["function"]["name"]: t["function"].get("parameters") for t in body.get("tools", [])}
        choice = body.get("tool_choice")
    elif prefix == "anthropic":
        tools = {t["name"]: t.get("input_schema") for t in body.get("tools", [])}
        choice = body.get("tool_choice")
    else:
        for tool in body.get("tools", []):
            for function in tool.get("functionDeclarations", []):
                tools[function["name"]] = function.get("parameters", function.get("parametersJsonSchema"))
        choice = body.get("toolConfig")
    return f"{json.dumps(tools, sort_keys=True)}, choice {json.dumps(choice)}"


#: (title, response_model, the instances answered, words a whole declaration holds)
CASES: list[tuple[str, Any, tuple[BaseModel, ...], tuple[str, ...]]] = [
    ("Iterable[Weather | Clock], three calls", Iterable[Weather | Clock], INSTANCES, ("units", "hour")),
    ("model_config title", Iterable[Titled | Weather], (Titled(location="Oslo"), INSTANCES[0]), ("titled_tool",)),
    (
        "Literal, several strings",
        Iterable[WithEnum],
        (WithEnum(units="metric"), WithEnum(units="imperial")),
        ("imperial",),
    ),
    ("Literal, one string", Iterable[WithConst], (WithConst(version="v1"),), ('"v1"',)),
    ("Literal, integers", Iterable[WithIntLiteral], (WithIntLiteral(level=1), WithIntLiteral(level=2)), ("enum",)),
    ("discriminated union", Iterable[WithDiscriminated], (WithDiscriminated(pet=Dog(good=True)),), ("lives", "good")),
    ("dict value type", Iterable[WithDict], (WithDict(counts={"a": 1, "b": 2}),), ("integer",)),
    ("one model, one call", Iterable[Weather], (INSTANCES[0],), ("units",)),
]


def main() -> int:
    import instructor
    import openai

    print(f"instructor {instructor.__version__}, openai {openai.__version__}, python {sys.version.split()[0]}")
    prefixes = (*SPECS, "openai-responses")
    summary: dict[str, dict[str, str]] = {}
    for title, response_model, instances, words in CASES:
        print(f"\n== {title}: {response_model} ==")
        for prefix in prefixes:
            for stream in (False, True):
                mode = "stream" if stream else "plain"
                line = run(f"{prefix}/test-model", response_model, instances, stream=stream, must_declare=words)
                print(f"  {prefix:<17} {mode:<6} {line}")
                summary.setdefault(title, {})[f"{prefix} {mode}"] = line.split(maxsplit=1)[0].rstrip(":")
    print("\n== control: Gemini answering instructor's own declaration, one call carrying a `tasks` list ==")
    for prefix in ("google", "vertexai"):
        for stream in (False, True):
            print(f"  {prefix:<17} {'stream' if stream else 'plain':<6} {own_gemini_contract(prefix, stream=stream)}")

    print("\n== summary: plain / stream ==")
    print(f"{'':<40}" + "".join(f"{prefix:<18}" for prefix in prefixes))
    for title, row in summary.items():
        cells = [f"{row[f'{prefix} plain']} / {row[f'{prefix} stream']}" for prefix in prefixes]
        print(f"{title:<40}" + "".join(f"{cell:<18}" for cell in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
