"""Write the record of one audit environment: what a library's venv holds, and whether it imports.

Run with the venv's own python (``.venv-langchain/bin/python bench/audit_environment.py langchain ...``): the
versions are read from that interpreter's installed distributions (``importlib.metadata``), and each module
is imported there, so the record says what the audit really ran against. The record is what
``report.json`` carries under ``"environments"``::

    {"label": "langchain", "status": "ok" | "import_failed", "packages": {"langchain-openai": "1.7.4", ...},
     "error": null | "<the import's traceback, last line first>"}

A distribution that is not installed is recorded as ``null`` (httpx, say, in a venv that only has httpx2):
a record never claims a version it did not see, and the status is decided by the imports alone.
``--import MODULE`` names the modules to import (by default the top-level modules of the named
distributions, e.g. ``pydantic_ai`` for ``pydantic-ai-slim``).

``--install-failed LOG`` writes instead the record of a venv that could not be built, from pip's output
(run with any python: it imports nothing): ``{"status": "install_failed", "packages": {}, "error": pip's
text from its first ``ERROR:`` line on}``, the dependency conflict as pip states it.

Only the standard library: the script runs in venvs that hold no harness, or a broken one.

Usage: ``python bench/audit_environment.py LABEL --out FILE [--packages NAME ...] [--import MODULE ...]
[--install-failed LOG]``
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

# litellm's import fetches a model price list from the network unless told to use its bundled copy.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def versions(names: list[str]) -> dict[str, str | None]:
    """Each distribution's installed version, None when it is not installed."""
    found: dict[str, str | None] = {}
    for name in names:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def top_level_modules(names: list[str]) -> list[str]:
    """The modules the named distributions provide, as ``import`` spells them (``google`` for google-genai
    is a namespace shared by several: pass ``--import google.genai`` for it)."""
    wanted = {_normalized(name) for name in names}
    provided = importlib.metadata.packages_distributions()
    return sorted(
        module
        for module, distributions in provided.items()
        if not module.startswith("_") and any(_normalized(d) in wanted for d in distributions)
    )


def _normalized(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def import_errors(modules: list[str]) -> list[str]:
    """The failure of each module that does not import, as its last traceback line then the traceback."""
    errors: list[str] = []
    for module in modules:
        try:
            importlib.import_module(module)
        except BaseException as exc:  # a library's import may raise anything, SystemExit included
            text = "".join(traceback.format_exception(exc)).rstrip()
            errors.append(f"import {module}: {type(exc).__name__}: {exc}\n{text}")
    return errors


def environment(label: str, packages: list[str], modules: list[str]) -> dict[str, Any]:
    problems = import_errors(modules)
    return {
        "label": label,
        "status": "import_failed" if problems else "ok",
        "packages": versions(packages),
        "error": "\n\n".join(problems) if problems else None,
    }


def install_failure(label: str, log: str) -> dict[str, Any]:
    """pip's own words from its first error on: for a conflict, the requirements that cannot be met together."""
    lines = log.splitlines()
    first = next((i for i, line in enumerate(lines) if line.startswith("ERROR:")), None)
    error = "\n".join(lines[first:] if first is not None else lines[-20:]).strip()
    return {"label": label, "status": "install_failed", "packages": {}, "error": error or "pip failed silently"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("label")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--packages", nargs="*", default=[], metavar="NAME")
    parser.add_argument("--import", dest="modules", nargs="*", default=None, metavar="MODULE")
    parser.add_argument("--install-failed", type=Path, metavar="LOG")
    args = parser.parse_args(argv)
    if args.install_failed is not None:
        record = install_failure(args.label, args.install_failed.read_text(errors="replace"))
    else:
        modules = args.modules if args.modules is not None else top_level_modules(args.packages)
        record = environment(args.label, args.packages, modules)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"{args.label}: {record['status']} ({args.out})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
