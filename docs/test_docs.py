"""Run every documentation page: its ```python blocks in order, in one namespace, offline.

A fence may be indented, as it is inside a tab (`=== "Sync"`), an admonition (`!!! note`) or a list
item: its block is read without the fence's indentation and runs like any other. A block fenced as
```<lang> output holds what the Python block just before it prints; the test compares the two. A block
fenced ```python needs MODULE ... runs only where those modules import. Blocks that build a client the
way a user would (`harness.from_provider("openai/...")`) run too: the environment holds fake keys, so
the SDK client is built but never used; the offline client the page builds next on an
`httpx2.MockTransport` replaces it. The real network transports are disabled (loopback aside), so a
page that forgot its mock transport fails instead of reaching out.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

DOCS = Path(__file__).parent
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)(?P<lang>[^\s`~]*)[ \t]*(?P<info>.*)$")
FAKE_ENVIRONMENT = {"OPENAI_API_KEY": "test-key", "ANTHROPIC_API_KEY": "test-key", "GOOGLE_API_KEY": "test-key"}
# Set by the Azure and Claude-on-Vertex pages; listed so each is put back after the page.
FAKE_ENVIRONMENT |= dict.fromkeys(
    (
        "AZURE_OPENAI_ENDPOINT",
        "AZURE_OPENAI_API_KEY",
        "OPENAI_API_VERSION",
        "ANTHROPIC_VERTEX_PROJECT_ID",
        "CLOUD_ML_REGION",
    ),
    "test-value",
)


@dataclass(frozen=True)
class Block:
    lang: str
    info: str
    line: int  # line of the first code line, 1-based
    code: str


def blocks(page: Path) -> list[Block]:
    """Every fenced block of the page, at any indentation, in order."""
    found: list[Block] = []
    opened: re.Match[str] | None = None
    start = 0
    lines: list[str] = []
    for number, line in enumerate(page.read_text().splitlines(), start=1):
        if opened is None:
            opened = FENCE.match(line)
            start, lines = number + 1, []
            continue
        indent, fence = opened["indent"], opened["fence"]
        if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
            found.append(Block(opened["lang"], opened["info"].strip(), start, "\n".join(lines) + "\n"))
            opened = None
        elif line.strip() and not line.startswith(indent):
            raise AssertionError(
                f"{page}:{number}: a line of the code block from line {start - 1} is indented less than its fence"
            )
        else:
            lines.append(line[len(indent) :])
    assert opened is None, f"{page}: unclosed code block from line {start - 1}"
    return found


PAGES = sorted(p for p in DOCS.rglob("*.md") if any(b.lang == "python" for b in blocks(p)))


_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_SEND = httpx2.HTTPTransport.handle_request
_SEND_ASYNC = httpx2.AsyncHTTPTransport.handle_async_request


def _no_network(transport: Any, request: httpx2.Request) -> Any:
    """Loopback only (the conformance runner's own socket): nothing leaves the machine."""
    if request.url.host in _LOOPBACK:
        return _SEND(transport, request)
    raise RuntimeError("documentation examples must not reach the network: use an httpx2.MockTransport")


async def _no_network_async(transport: Any, request: httpx2.Request) -> Any:
    if request.url.host in _LOOPBACK:
        return await _SEND_ASYNC(transport, request)
    raise RuntimeError("documentation examples must not reach the network: use an httpx2.MockTransport")


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_runs(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAKE_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(httpx2.HTTPTransport, "handle_request", _no_network)
    monkeypatch.setattr(httpx2.AsyncHTTPTransport, "handle_async_request", _no_network_async)

    namespace: dict[str, Any] = {"__name__": f"docs.{page.stem}"}
    page_blocks = blocks(page)
    for index, block in enumerate(page_blocks):
        if block.lang != "python" or not _available(block):
            continue
        # Pad with blank lines so tracebacks point at the page's own line numbers; dont_inherit keeps this
        # module's `from __future__ import annotations` out of the page, which runs as a plain script would.
        code = compile("\n" * (block.line - 1) + block.code, str(page), "exec", dont_inherit=True)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)
        following = page_blocks[index + 1] if index + 1 < len(page_blocks) else None
        if following is not None and following.info == "output":
            where = f"{page.name}, output block at line {following.line - 1}"
            assert printed.getvalue().strip() == following.code.strip(), f"{where} differs from what the code prints"


def _available(block: Block) -> bool:
    """A block fenced ```python needs MODULE ... runs only where each module imports (a library under audit
    lives in a venv of its own, not in the project's)."""
    words = block.info.split()
    if words[:1] != ["needs"]:
        return True
    return all(importlib.util.find_spec(module) is not None for module in words[1:])


def test_every_page_is_linked_from_the_index() -> None:
    index = (DOCS / "index.md").read_text()
    for page in DOCS.rglob("*.md"):
        if page != DOCS / "index.md":
            assert f"({page.relative_to(DOCS).as_posix()})" in index, f"docs/index.md does not link {page.name}"
