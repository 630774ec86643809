"""MkDocs hooks for the site (mkdocs.yml `hooks:`): the pages' own fence words, as the site shows them.

The pages mark a block that holds what the code before it prints with ```` ```text output ```` and a
block that needs a library the project's venv lacks with ```` ```python needs MODULE ... ````: words
docs/test_docs.py reads. The site's Markdown (pymdownx.superfences) takes only a language and
attributes after the fence, so each such fence is given its words as a title instead.
"""

from __future__ import annotations

import re
from typing import Any

_FENCE = re.compile(r"^(?P<open>[ \t]*(?:`{3,}|~{3,})[\w+-]+)[ \t]+(?P<words>output|needs[ \t].*?)[ \t]*$", re.M)


def _title(match: re.Match[str]) -> str:
    words = match["words"]
    title = "Output" if words == "output" else "Needs " + ", ".join(words.split()[1:])
    return f'{match["open"]} title="{title}"'


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    return _FENCE.sub(_title, markdown)
