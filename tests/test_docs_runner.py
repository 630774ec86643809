"""The documentation runner (docs/test_docs.py) runs code blocks inside tabs and admonitions too.

Each test copies the runner beside a page of its own and runs it in a fresh pytest process, as `make docs`
runs it on docs/.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

RUNNER = Path(__file__).parents[1] / "docs" / "test_docs.py"

INDEX = "# Index\n\n- [page.md](page.md)\n"

TABBED = """
# A page

=== "Sync"

    ```python
    from pathlib import Path

    Path("ran.txt").write_text("tab\\n")
    print("in a tab")
    ```

    ```text output
    in a tab
    ```

=== "Async"

    Some text.

!!! note "An admonition"

    ```python
    with Path("ran.txt").open("a") as ran:
        ran.write("admonition\\n")
    ```

- A list item:

  ```python
  with Path("ran.txt").open("a") as ran:
      ran.write("list item\\n")
  ```
"""

FAILING = """
# A page

!!! warning

    A block that fails:

    ```python
    answer = 41
    assert answer == 42, "the indented block ran and failed"
    ```
"""


def _docs(pytester: pytest.Pytester, page: str) -> pytest.RunResult:
    docs = pytester.mkdir("docs")
    (docs / "test_docs.py").write_text(RUNNER.read_text())
    (docs / "index.md").write_text(INDEX)
    (docs / "page.md").write_text(textwrap.dedent(page))
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", "docs")


def test_blocks_in_tabs_admonitions_and_lists_run_and_their_output_is_checked(pytester: pytest.Pytester) -> None:
    result = _docs(pytester, TABBED)
    result.assert_outcomes(passed=2)  # the page, and the index linking it
    assert (pytester.path / "ran.txt").read_text() == "tab\nadmonition\nlist item\n"


def test_an_indented_output_block_that_differs_fails_the_page(pytester: pytest.Pytester) -> None:
    result = _docs(pytester, TABBED.replace("    in a tab\n    ```\n", "    in another tab\n    ```\n"))
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*page.md, output block at line 13 differs from what the code prints*"])


def test_a_failing_block_in_an_admonition_fails_the_page_at_its_own_line(pytester: pytest.Pytester) -> None:
    result = _docs(pytester, FAILING)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: the indented block ran and failed*", "*page.md:10: AssertionError*"])


def test_a_line_indented_less_than_its_fence_is_a_broken_page(pytester: pytest.Pytester) -> None:
    result = _docs(pytester, "!!! note\n\n    ```python\n    x = 1\nx = 2\n    ```\n")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*page.md:5: a line of the code block from line 3 is indented less than its fence*"])
