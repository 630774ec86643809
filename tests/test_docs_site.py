"""The documentation site (mkdocs.yml) shows every code block of every page.

`mkdocs build --strict` fails on a broken link or reference, but not on a fence the site's Markdown does
not take: such a block turns silently into a paragraph of text, and the blocks after it with it. Here
the site is built and each page's code blocks, as docs/test_docs.py reads them, are counted in its HTML.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # a dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


runner = _load("_docs_runner", DOCS / "test_docs.py")
hooks = _load("_docs_hooks", DOCS / "_hooks.py")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)]
    built = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    return out


PAGES = sorted(DOCS.rglob("*.md"))


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_every_code_block_of_the_page_is_a_code_block_of_the_site(page: Path, site: Path) -> None:
    relative = page.relative_to(DOCS).with_suffix("")
    html = site / (relative.parent if relative.name == "index" else relative) / "index.html"
    article = re.search(r"<article.*?</article>", html.read_text(), re.S)
    assert article is not None, html
    shown = article.group(0).count("<pre")
    if page.parent.name == "reference" and page.name != "index.md":
        assert shown > 0, f"{page.name}: the API reference rendered no signature"
        return
    assert shown == len(runner.blocks(page)), f"{page.name}: {len(runner.blocks(page))} code blocks, {shown} shown"


def test_the_fence_words_become_titles() -> None:
    page = (
        "```text output\nx\n```\n\n    ```python needs litellm langchain_openai\n    y\n    ```\n\n```python\nz\n```\n"
    )
    assert hooks.on_page_markdown(page) == (
        '```text title="Output"\nx\n```\n\n'
        '    ```python title="Needs litellm, langchain_openai"\n    y\n    ```\n\n```python\nz\n```\n'
    )
