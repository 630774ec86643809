"""The combined audit report (``make audit``) summed up in Markdown, for docs/ecosystem.md.

    python bench/audit_summary.py conformance-report/audit/report.json

Prints the environments (versions), one table per client (its verdicts per provider), and every failing
cell grouped by client, feature and failure kind, with the error of the provider column it failed first.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
from pathlib import Path
from typing import Any

CLIENTS = ("harness", "instructor", "langchain", "pydantic-ai", "litellm")
SHOWN = ("openai", "langchain-openai", "anthropic", "google-genai", "instructor", "langchain-core", "litellm")


def environments(report: dict[str, Any]) -> list[str]:
    lines = ["| client | status | versions |", "| --- | --- | --- |"]
    for label, entry in sorted(report.get("environments", {}).items()):
        packages = entry.get("packages") or {}
        versions = ", ".join(f"{name} {version}" for name, version in sorted(packages.items()) if version)
        status = entry.get("status", "?") + (f": {entry['error'].splitlines()[0][:120]}" if entry.get("error") else "")
        lines.append(f"| {label} | {status} | {versions} |")
    return lines


def verdicts(results: list[dict[str, Any]]) -> list[str]:
    providers = list(dict.fromkeys(r["provider"] for r in results))
    by_client: dict[str, dict[str, collections.Counter[str]]] = collections.defaultdict(
        lambda: collections.defaultdict(collections.Counter)
    )
    for r in results:
        by_client[r["adapter"]][r["provider"]][r["failure"] or r["outcome"]] += 1
    kinds = ("pass", "lossy", "unsupported", "loses_data", "rejected", "crash", "looser")
    lines = [f"| client | {' | '.join(providers)} |", f"| --- |{' --- |' * len(providers)}"]
    for client in sorted(by_client, key=lambda c: CLIENTS.index(c) if c in CLIENTS else len(CLIENTS)):
        cells = []
        for provider in providers:
            counts = by_client[client][provider]
            cells.append(" ".join(f"{counts[k]} {k}" for k in kinds if counts[k]) or "-")
        lines.append(f"| {client} | {' | '.join(cells)} |")
    return lines


def defects(results: list[dict[str, Any]]) -> list[str]:
    """One row per distinct defect: the failing cells of one client, kind and error (names and numbers aside)."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = collections.defaultdict(list)
    for r in results:
        if r["outcome"] == "fail":
            error = " ".join(((r.get("counterexample") or {}).get("error") or "").split())
            groups[(r["adapter"], r["failure"], _signature(error))].append(r)
    lines = ["| client | kind | cells | features | what went wrong (first cell) |", "| --- | --- | --- | --- | --- |"]
    for (client, kind, _), cells in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1], -len(item[1]))):
        error = " ".join(((cells[0].get("counterexample") or {}).get("error") or "").split())[:160]
        features = ", ".join(sorted({c["feature"] for c in cells}))
        providers = ", ".join(dict.fromkeys(c["provider"] for c in cells))
        lines.append(f"| {client} | {kind} | {len(cells)} ({providers}) | {features} | {error.replace('|', '/')} |")
    return lines


def _signature(error: str) -> str:
    return re.sub(r"'[^']*'|\"[^\"]*\"|\{.*|\(.*|\d+", "_", error)[:80]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    args = parser.parse_args()
    report = json.loads(args.report.read_text(encoding="utf-8"))
    results = report["results"]
    print(f"{len(results)} cells, --examples {report.get('examples')}, {report.get('seconds', 0):.0f} s\n")
    print("\n".join(environments(report)), end="\n\n")
    print("\n".join(verdicts(results)), end="\n\n")
    print("\n".join(defects(results)))


if __name__ == "__main__":
    main()
