"""Docstrings are plain Markdown: the docs site renders them as they are (mkdocstrings does not read reST).

A Sphinx role (`:func:` and the like), a reST literal block (a paragraph ending in `::`) or a directive
(`.. note::`) would reach the API reference as literal text, and `mkdocs build --strict` does not see it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "harness"
ROLE = re.compile(r":(?:py:)?(?:func|class|meth|attr|mod|exc|obj|data|const|ref|doc|term):`")
DIRECTIVE = re.compile(r"^\s*\.\. [\w-]+::")
FENCE = re.compile(r"^\s*(```|~~~)")


def _docstrings(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                value = body[0].value.value
                if isinstance(value, str):
                    yield body[0].lineno, value


def rest_in(text: str) -> list[str]:
    """What in one docstring is reST rather than Markdown, each with its line within the docstring."""
    found: list[str] = []
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        if ROLE.search(line):
            found.append(f"line {number}: a Sphinx role: {line.strip()}")
        elif DIRECTIVE.match(line):
            found.append(f"line {number}: a reST directive: {line.strip()}")
        elif line.rstrip().endswith("::"):
            found.append(f"line {number}: a reST literal block (use a ``` fence): {line.strip()}")
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_docstrings_are_markdown(path: Path) -> None:
    problems = [f"{path.name}:{start} {problem}" for start, text in _docstrings(path) for problem in rest_in(text)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Uses :func:`harness.from_provider`.", "a Sphinx role"),
        ("Example::\n\n    x = 1\n", "a reST literal block"),
        (".. note::\n\n   Careful.\n", "a reST directive"),
    ],
)
def test_rest_is_found(text: str, kind: str) -> None:
    assert [problem for problem in rest_in(text) if kind in problem]


def test_a_fenced_block_may_hold_anything() -> None:
    assert rest_in('Example:\n\n```python\nclass A:  # "::" here is code\n    x = {"a": 1}  # ::\n```\n') == []
