"""Benchmark: a catalogue of real-world-shaped tool schemas through ``--schemas`` on the five plain specs.

Writes ``--count`` function declarations (default 500) to one JSON Lines file, seeded: the shapes tool
catalogues use (strings with descriptions, enums, bounded integers, numbers, booleans, arrays, a nested
object, a ``$defs`` chain, ``const``, ``email``/``uri``/``date-time`` formats, optional fields), and one
in twenty with a construct that cannot convert (``uniqueItems``, ``patternProperties`` beside
``properties``, a ``$ref`` outside the document). Then times, in one run: the conversion of every schema
(``schema_rows``: datamodel-code-generator, the build, the two-way check), and the report over the five
plain specs at ``--examples`` (default 20) with ``--jobs`` processes (default 2), as
``harness conformance --schemas FILE --providers ... --examples 20`` runs it. Target on a 2-core machine:
a few minutes for 500 schemas.

Usage: ``python bench/schemas.py [--count N] [--examples N] [--jobs N]``
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from harness.conformance import PLAIN_PROVIDERS, run, schema_rows
from harness.conformance._rows import unique

WORDS = [
    "city",
    "query",
    "account",
    "order",
    "amount",
    "note",
    "email",
    "url",
    "when",
    "tags",
    "limit",
    "country",
    "street",
    "label",
    "status",
]


def declaration(index: int, rng: random.Random) -> dict[str, Any]:
    """One function declaration of the catalogue, as tool catalogues write them."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    defs: dict[str, Any] = {}
    for number in range(rng.randint(1, 6)):
        name = f"{rng.choice(WORDS)}_{number}"
        properties[name] = field(rng, defs)
        if rng.random() < 0.5:
            required.append(name)
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    if defs:
        parameters["$defs"] = defs
    if index % 20 == 19:  # a construct no pydantic model can hold, or a reference outside the document
        spoil = rng.choice(["unique", "pattern", "remote"])
        if spoil == "unique":
            properties["ids"] = {"type": "array", "items": {"type": "integer"}, "uniqueItems": True}
        elif spoil == "pattern":
            parameters["patternProperties"] = {"^x-": {"type": "string"}}
        else:
            properties["geo"] = {"$ref": "https://example.com/geo.json"}
    return {"name": f"tool_{index}", "description": f"Tool number {index}.", "parameters": parameters}


def field(rng: random.Random, defs: dict[str, Any]) -> dict[str, Any]:
    kind = rng.choice(
        ["string", "enum", "integer", "number", "boolean", "array", "object", "ref", "const", "format", "format"]
    )
    described = {"description": "what the model should put here"} if rng.random() < 0.5 else {}
    if kind == "string":
        return {"type": "string", **described, **({"maxLength": 80} if rng.random() < 0.3 else {})}
    if kind == "enum":
        return {"type": "string", "enum": rng.sample(["low", "medium", "high", "urgent", "none"], 3), **described}
    if kind == "integer":
        return {"type": "integer", "minimum": 0, "maximum": rng.choice([10, 100, 1000]), **described}
    if kind == "number":
        return {"type": "number", **described}
    if kind == "boolean":
        return {"type": "boolean", **described}
    if kind == "array":
        return {"type": "array", "items": {"type": "string"}, **({"maxItems": 5} if rng.random() < 0.5 else {})}
    if kind == "object":
        return {
            "type": "object",
            "properties": {"street": {"type": "string"}, "zip": {"type": "string", "pattern": "^[0-9]{5}$"}},
            "required": ["street"],
        }
    if kind == "ref":
        defs["Country"] = {"type": "string", "enum": ["FR", "DE", "IT"]}
        defs["Address"] = {
            "type": "object",
            "properties": {"line": {"type": "string"}, "country": {"$ref": "#/$defs/Country"}},
            "required": ["line"],
        }
        return {"$ref": "#/$defs/Address"}
    if kind == "const":
        return {"const": rng.choice(["v1", "v2"])}
    return {"type": "string", "format": rng.choice(["email", "uri", "date-time", "date"]), **described}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--examples", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    arguments = parser.parse_args()
    rng = random.Random(1)
    folder = Path(tempfile.mkdtemp(prefix="harness-schemas-"))
    catalogue = folder / "catalogue.jsonl"
    catalogue.write_text("".join(json.dumps(declaration(i, rng)) + "\n" for i in range(arguments.count)))

    started = time.perf_counter()
    rows = unique(schema_rows([catalogue]))
    converted = time.perf_counter() - started
    started = time.perf_counter()
    report = run(providers=PLAIN_PROVIDERS, rows=rows, examples=arguments.examples, jobs=arguments.jobs)
    ran = time.perf_counter() - started

    counts = collections.Counter(result.outcome for result in report.results)
    unconvertible = sum(row.unconvertible is not None for row in rows)
    print(f"{arguments.count} schemas, {len(rows)} rows ({unconvertible} unconvertible), {len(PLAIN_PROVIDERS)} specs")
    print(f"conversion (once per schema): {converted:.1f} s, {1000 * converted / len(rows):.0f} ms a schema")
    print(
        f"report, --examples {arguments.examples} --jobs {arguments.jobs}: {ran:.1f} s for {len(report.results)} cells"
    )
    print(f"total: {converted + ran:.1f} s ({(converted + ran) / 60:.1f} min)")
    print("outcomes: " + ", ".join(f"{counts[o]} {o}" for o in sorted(counts)))
    failing = report.failed
    for result in failing[:5]:
        print(f"  fail {result.provider} {result.feature}: {result.failure} {result.reason or ''}")


if __name__ == "__main__":
    main()
