"""The report writers: ``report.json`` round-trips, Markdown reads right in a PR, the HTML page is sound markup."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from harness.conformance import PROVIDERS as DEFAULT_PROVIDERS
from harness.conformance._report import (
    DOCS_URL,
    FAILURE_STYLES,
    MARKDOWN_BLOCK_CHARS,
    OUTCOME_STYLES,
    SYMBOLS,
    cell_id,
    column_labels,
    render_html,
    render_markdown,
    render_terminal,
    write_report,
)
from harness.conformance._results import OUTCOMES, CellResult, Counterexample, Report
from harness.strategies import FEATURES as FEATURE_NAMES

PROVIDERS = ["openai", "openai+strict", "openai-responses+strict", "anthropic", "google"]
#: ``literal_a|b`` is not a real feature: it is there to prove a pipe cannot break a Markdown table row.
FEATURES = ["strings", "nullable", "datetime", "titled_models", "literal_a|b"]

#: Texts that break naive renderers: a script end tag, markup, both quotes, an emoji, a non-Latin script.
HOSTILE = "</script><b>x</b> \"double\" 'single' 🎉 Ünïcödé 数据"
FAIL_SOURCE = f'''from pydantic import BaseModel


class Event(BaseModel):
    """{HOSTILE}"""

    when: str = "```"


response_model = Iterable[Event]
'''
#: Two links and a note: each must show as its own link or text, never one mashed URL.
TITLE_SOURCES = (
    "https://docs.anthropic.com/en/docs/build-with-claude/tool-use",
    "https://docs.anthropic.com/en/api/messages",
    "recorded answer: cassettes/anthropic/title.yaml",
)
HUGE_WIRE = {"choices": [{"delta": {"content": "x" * 80}} for _ in range(400)]}


def _fail_counterexample() -> Counterexample:
    return Counterexample(
        source=FAIL_SOURCE,
        schema=[{"type": "function", "function": {"name": "Event", "description": HOSTILE, "parameters": {}}}],
        wire={"id": "chatcmpl-1", "content": HOSTILE},
        expected=[{"when": HOSTILE}],
        got=None,
        error=f"ValidationError: 1 validation error for Event\nwhen: {HOSTILE}",
        stream=True,
        check="round trip",
        kind="crash",
    )


def _huge_counterexample() -> Counterexample:
    return Counterexample(
        source="class Big(BaseModel):\n    text: str\n\nresponse_model = Iterable[Big]\n",
        schema=[{"name": "Big"}],
        wire=HUGE_WIRE,
        expected=[{"text": "a"}],
        got=[{"text": "b"}],
        error="got != expected",
        stream=False,
        check="looser",
        kind="looser",
    )


def _harness_results() -> list[CellResult]:
    special: dict[tuple[str, str], CellResult] = {
        ("openai+strict", "datetime"): CellResult(
            "openai+strict", "datetime", 37, "fail", counterexample=_fail_counterexample(), seconds=1.5, failure="crash"
        ),
        ("google", "nullable"): CellResult(
            "google", "nullable", 12, "fail", counterexample=_huge_counterexample(), failure="looser"
        ),
        ("anthropic", "titled_models"): CellResult(
            "anthropic",
            "titled_models",
            100,
            "lossy",
            reason='Anthropic drops "title" from tool input schemas | silently',
            source=" ; ".join(TITLE_SOURCES),
            sources=list(TITLE_SOURCES),
        ),
        ("openai-responses+strict", "literal_a|b"): CellResult(
            "openai-responses+strict",
            "literal_a|b",
            0,
            "unsupported",
            reason="strict mode rejects this schema",
            refused=100,
        ),
        ("openai", "nullable"): CellResult(
            "openai", "nullable", 100, "lossy", reason="null becomes a missing key", source="cassettes/openai/n.yaml"
        ),
    }
    return [special.get((p, f)) or CellResult(p, f, 100, "pass", seconds=0.25) for f in FEATURES for p in PROVIDERS]


def _instructor_results() -> list[CellResult]:
    # instructor covers fewer providers and fewer features: the renderers must not assume a full grid.
    outcomes = {"strings": "pass", "nullable": "fail", "datetime": "unsupported"}
    return [
        CellResult(
            provider,
            feature,
            20,
            "pass" if outcome == "pass" else "fail" if outcome == "fail" else "unsupported",
            reason="instructor cannot stream this" if outcome == "unsupported" else None,
            adapter="instructor",
            failure="loses_data" if outcome == "fail" else None,
        )
        for feature, outcome in outcomes.items()
        for provider in ("openai", "anthropic")
    ]


def sample_report() -> Report:
    """A realistic run: every outcome, hostile counterexample text, a huge wire body, two adapters."""
    return Report(
        results=_harness_results() + _instructor_results(),
        adapter="harness",
        seed=20240611,
        examples=100,
        providers=PROVIDERS,
        features=FEATURES,
        seconds=83.4,
        harness_version="0.1.0",
    )


# ------------------------------------------------------------------------------------------------ json


def test_write_report_writes_the_three_files(tmp_path: Path) -> None:
    report = sample_report()
    paths = write_report(report, tmp_path / "nested" / "out")
    assert {path.name for path in paths.values()} == {"report.json", "report.md", "report.html"}
    assert all(path.is_file() for path in paths.values())
    assert (
        paths["json"].read_text(encoding="utf-8") == json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
    )
    assert paths["md"].read_text(encoding="utf-8") == render_markdown(report)
    assert paths["html"].read_text(encoding="utf-8") == render_html(report)


def test_report_json_round_trips(tmp_path: Path) -> None:
    report = sample_report()
    path = write_report(report, tmp_path)["json"]
    assert Report.from_json(json.loads(path.read_text(encoding="utf-8"))) == report
    assert "🎉" in path.read_text(encoding="utf-8")  # UTF-8 on disk, not \\u escapes


# -------------------------------------------------------------------------------------------- markdown


def _section(markdown: str, heading: str) -> str:
    """The text under a ``## heading`` up to the next level-2 heading."""
    start = markdown.index(f"\n## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end >= 0 else None]


def _table_rows(markdown: str, title: str) -> list[str]:
    after = markdown[markdown.index(title) :].split("\n\n")[1]
    return after.splitlines()


def _unescaped_pipes(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row))


def test_markdown_header_counts_every_outcome_and_the_duration() -> None:
    header = render_markdown(sample_report()).splitlines()
    counts = {outcome: sum(r.outcome == outcome for r in sample_report().results) for outcome in OUTCOMES}
    assert header[0] == (
        f"## Conformance: ✅ {counts['pass']} pass · 🟡 {counts['lossy']} lossy"
        f" · ⚪ {counts['unsupported']} unsupported · ❌ {counts['fail']} fail (2 loses_data · 1 crash · 1 looser)"
    )
    assert "1 min 23 s" in header[2] and "seed 20240611" in header[2]


def test_markdown_has_one_matrix_per_adapter_with_features_as_rows() -> None:
    markdown = render_markdown(sample_report())
    harness_rows = _table_rows(markdown, "### Matrix: harness")
    instructor_rows = _table_rows(markdown, "### Matrix: instructor")
    assert len(harness_rows) == 2 + len(FEATURES)
    assert len(instructor_rows) == 2 + 3  # only the features and providers instructor ran
    assert "`openai-responses+strict`" in harness_rows[0] and "google" not in instructor_rows[0]
    datetime_row = next(row for row in harness_rows if row.startswith("| datetime |"))
    assert "❌ crash" in datetime_row and "✅ pass" in datetime_row
    for row in harness_rows:  # every row has the same number of cells: the pipe in a name is escaped
        assert _unescaped_pipes(row) == len(PROVIDERS) + 2, row
    assert any(row.startswith("| literal_a\\|b |") and "⚪ unsupported" in row for row in harness_rows)


def test_markdown_failures_show_the_counterexample_in_code_blocks() -> None:
    failures = _section(render_markdown(sample_report()), "Failures")
    assert failures.count("\n### ❌ ") == 4
    assert "### ❌ openai+strict · datetime (harness): crash" in failures
    assert "- kind: **crash** · check: **round trip** · stream: **yes** · examples: 37 · refused: 0" in failures
    # The source holds a triple backtick, so its fence must be longer than that to stay one block.
    assert "````python\n" + FAIL_SOURCE.rstrip() + "\n````" in failures
    assert "**Schema sent**\n\n```json\n" in failures and "**Wire answer**" in failures
    assert HOSTILE in failures  # inside code blocks: verbatim, nothing to escape
    assert "null  // the adapter raised or was never called" in failures
    assert "```text\nValidationError: 1 validation error for Event" in failures
    assert "### ❌ openai · nullable (instructor): loses_data" in failures
    assert "No counterexample recorded" in failures


def test_markdown_truncates_huge_json_and_says_so() -> None:
    failures = _section(render_markdown(sample_report()), "Failures")
    huge = json.dumps(HUGE_WIRE, indent=2)
    assert len(huge) > MARKDOWN_BLOCK_CHARS
    assert huge not in failures
    assert f"of {len(huge):,} characters; the full value is in report.json" in failures
    assert "kind: **looser** · check: **looser** · stream: **no**" in failures


def test_markdown_lists_lossy_and_unsupported_cells_with_reasons() -> None:
    markdown = render_markdown(sample_report())
    lossy = _section(markdown, "Lossy cells")
    assert '- anthropic · titled_models (harness): Anthropic drops "title" from tool input schemas | silently' in lossy
    assert (
        "([source](https://docs.anthropic.com/en/docs/build-with-claude/tool-use); "
        "[source](https://docs.anthropic.com/en/api/messages); "
        "source: recorded answer: cassettes/anthropic/title.yaml)"
    ) in lossy
    assert "(source: cassettes/openai/n.yaml)" in lossy
    unsupported = _section(markdown, "Unsupported")
    assert "- openai-responses+strict · literal_a\\|b (harness): strict mode rejects this schema" in unsupported
    assert unsupported.count("instructor cannot stream this") == 2


def test_markdown_of_an_empty_run_says_none() -> None:
    markdown = render_markdown(Report(results=[]))
    assert "## Failures\n\nNone." in markdown and "## Lossy cells\n\nNone." in markdown


# ------------------------------------------------------------------------------------------------ html


VOID_ELEMENTS = {"meta", "input", "wbr", "br", "hr", "img", "link"}


class _Page(HTMLParser):
    """Collects elements and checks that every tag closes in order (``html.parser`` itself checks nothing)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []
        self.errors: list[str] = []
        self.script_texts: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] == "script":
            self.script_texts.append(data)
        self.text.append(data)

    def having(self, tag: str, css_class: str | None = None) -> list[dict[str, str | None]]:
        return [
            attrs
            for name, attrs in self.elements
            if name == tag and (css_class is None or css_class in (attrs.get("class") or "").split())
        ]


def _parse(markup: str) -> _Page:
    page = _Page()
    page.feed(markup)
    page.close()
    return page


def test_html_is_balanced_and_self_contained() -> None:
    markup = render_html(sample_report())
    page = _parse(markup)
    assert page.errors == [] and page.open == []
    assert markup.startswith("<!DOCTYPE html>")
    # Only our two inline scripts: the hostile "</script>" did not open or end one.
    assert len(page.having("script")) == 2 and not page.having("b")
    assert all("harnessErrors" in text or "openCell" in text for text in page.script_texts)
    # Nothing is fetched: no src, no stylesheet links, and a policy that forbids loading anything.
    assert not [attrs for _, attrs in page.elements if "src" in attrs] and not page.having("link")
    assert any("default-src 'none'" in (attrs.get("content") or "") for attrs in page.having("meta"))
    assert "&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in markup
    assert HOSTILE in "".join(page.text)  # the text survives escaping intact


def test_html_has_one_cell_per_result_with_stable_ids_and_data() -> None:
    report = sample_report()
    page = _parse(render_html(report))
    cells = page.having("td", "cell")
    assert len(cells) == len(report.results)
    by_id = {attrs["id"]: attrs for attrs in cells}
    assert len(by_id) == len(cells)
    for result in report.results:
        attrs = by_id[cell_id(result)]
        assert attrs["data-provider"] == result.provider and attrs["data-feature"] == result.feature
        assert attrs["data-adapter"] == result.adapter and attrs["data-outcome"] == result.outcome
        assert f"outcome-{result.outcome}" in (attrs["class"] or "").split()
    details = {attrs["id"] for attrs in page.having("article", "detail")}
    assert details == {f"detail-{ident}" for ident in by_id}
    assert {attrs["aria-controls"] for attrs in cells} == details
    assert cell_id(report.results[0]) == "cell/harness/openai/strings"


def test_html_groups_adapters_under_each_provider() -> None:
    page = _parse(render_html(sample_report()))
    providers = page.having("th", "provider")
    assert [attrs["data-provider"] for attrs in providers] == PROVIDERS
    spans = {attrs["data-provider"]: attrs["colspan"] for attrs in providers}
    assert spans == {
        "openai": "2",
        "openai+strict": "1",
        "openai-responses+strict": "1",
        "anthropic": "2",
        "google": "1",
    }
    assert len(page.having("th", "adapter")) == 7
    assert len(page.having("td", "missing")) == 2 * len(FEATURES) - 2 * 3


def test_html_legend_counts_and_filters_every_outcome() -> None:
    report = sample_report()
    page = _parse(render_html(report))
    assert [attrs["value"] for attrs in page.having("input", "filter")] == list(OUTCOMES)
    assert all("checked" in attrs for attrs in page.having("input", "filter"))
    text = "".join(page.text)
    assert "Conformance: 22 pass, 2 lossy, 3 unsupported, 4 fail" in text
    kinds = page.having("input", "kind-filter")
    assert [attrs["value"] for attrs in kinds] == ["loses_data", "rejected", "crash", "looser"]
    counts = {attrs["data-failure"]: None for attrs in page.having("span", "count") if "data-failure" in attrs}
    assert list(counts) == ["loses_data", "rejected", "crash", "looser"]
    assert "Conformance: 22 pass, 2 lossy, 3 unsupported, 4 fail (2 loses_data, 1 crash, 1 looser)" in text
    assert "harness: 20 pass, 2 lossy, 1 unsupported, 2 fail (1 crash, 1 looser)" in text


def test_html_legend_explains_every_outcome_and_kind_and_links_the_docs() -> None:
    page = _parse(render_html(sample_report(), docs_url="https://docs.example.test/conformance/"))
    terms = page.having("dt")
    assert [attrs.get("data-outcome") for attrs in terms if "data-outcome" in attrs] == list(OUTCOMES)
    assert [attrs.get("data-failure") for attrs in terms if "data-failure" in attrs] == list(FAILURE_STYLES)
    text = "".join(page.text)
    assert all(style.meaning in text for style in OUTCOME_STYLES.values())
    assert all(meaning in text for _, meaning in FAILURE_STYLES.values())
    assert [attrs["href"] for attrs in page.having("a", "docs")] == ["https://docs.example.test/conformance/"]
    assert [attrs["href"] for attrs in _parse(render_html(sample_report())).having("a", "docs")] == [DOCS_URL]


def test_html_draws_its_symbols_instead_of_writing_emoji() -> None:
    report = sample_report()
    page = _parse(render_html(report))
    symbols = page.having("span", "sym")
    # One per cell, one per detail badge, one per filter and one per legend entry, each an empty drawn shape.
    assert len(symbols) == 2 * len(report.results) + 2 * len(OUTCOMES)
    assert all(attrs["aria-hidden"] == "true" for attrs in symbols)
    shown = "".join(page.text).replace(HOSTILE, "")  # the counterexample's own emoji is the user's text
    assert not any(symbol in shown for symbol in SYMBOLS.values())


def test_html_shows_a_repeated_cell_once_with_its_last_result() -> None:
    first, last = CellResult("openai", "strings", 1, "fail"), CellResult("openai", "strings", 1, "pass")
    page = _parse(render_html(Report(results=[first, last])))
    assert [attrs["data-outcome"] for attrs in page.having("td", "cell")] == ["pass"]
    assert len(page.having("article", "detail")) == 1


def test_html_of_an_empty_run_is_still_a_page() -> None:
    page = _parse(render_html(Report(results=[])))
    assert page.errors == [] and not page.having("td", "cell")


# -------------------------------------------------------------------------------------------- terminal

ANSI = re.compile(r"\033\[[0-9;]*m")


def test_terminal_matrix_is_compact_and_plain_without_colour() -> None:
    text = render_terminal(sample_report(), color=False)
    assert "\033" not in text
    lines = text.splitlines()
    harness_rows = [line for line in lines if line.split(" ")[0] in FEATURES]
    assert len(harness_rows) == len(FEATURES) + 3  # harness, then instructor's three features
    assert "CRASH" in next(row for row in harness_rows if row.startswith("datetime"))
    assert "LOOSE" in next(row for row in harness_rows if row.startswith("nullable"))
    assert "fail: LOSS = loses_data, REJ = rejected, CRASH = crash, LOOSE = looser" in lines
    assert "unsup" in next(row for row in harness_rows if row.startswith("literal_a|b"))
    assert max(len(line) for line in lines[:-1]) <= 100
    assert (
        lines[-1] == "31 cells: 22 pass, 2 lossy, 3 unsupported, 4 fail (2 loses_data, 1 crash, 1 looser) in 1 min 23 s"
    )
    assert lines[0].startswith("harness: ") and any(line.startswith("instructor: ") for line in lines)


def test_terminal_colour_only_adds_escape_codes() -> None:
    report = sample_report()
    coloured = render_terminal(report, color=True)
    assert "\033[1;31mCRASH\033[0m" in coloured
    assert ANSI.sub("", coloured) == render_terminal(report, color=False)


def test_terminal_matrix_heads_each_column_with_its_name_on_one_line_where_it_fits() -> None:
    report = Report(results=[CellResult(p, "strings", 1, "pass") for p in ("openai-responses+strict", "google")])
    lines = render_terminal(report, color=False).splitlines()
    assert lines[:2] == ["feature  openai-responses+strict  google", "strings  pass                     pass"]
    assert not any(line.startswith("providers:") for line in lines)  # no key: nothing was shortened


def test_markdown_says_what_each_outcome_and_kind_means_and_links_the_docs() -> None:
    text = render_markdown(sample_report(), docs_url="https://docs.example/conformance/")
    legend = text.split("<details><summary>What the outcomes mean</summary>")[1].split("</details>")[0]
    for outcome in OUTCOMES:
        assert f"**{outcome}**: " in legend
    for kind in ("loses_data", "rejected", "crash", "looser"):
        assert f"**{kind}**: " in legend
    assert "[the docs](https://docs.example/conformance/)" in legend


def test_a_long_row_label_is_cut_in_the_terminal_and_kept_whole_elsewhere() -> None:
    long = "model:" + "x" * 200  # a schema's tool name may be that long
    report = Report(
        results=[CellResult(p, label, 1, "pass") for label in (long, "model:b") for p in ("openai", "google")]
    )
    lines = render_terminal(report, color=False).splitlines()
    assert lines[1].startswith("model:" + "x" * 41 + "… ")
    assert max(len(line) for line in lines) <= 80
    assert long in render_markdown(report) and long in render_html(report)


def _every_provider(features: list[str]) -> Report:
    return Report(
        results=[CellResult(p, f, 100, "pass") for f in features for p in DEFAULT_PROVIDERS],
        providers=list(DEFAULT_PROVIDERS),
        features=features,
    )


def test_a_narrow_terminal_gets_short_column_labels_and_a_key_below() -> None:
    lines = render_terminal(_every_provider(["strings", "discriminated_unions"]), color=False, width=80).splitlines()
    assert lines[0].split() == ["feature", "open", "open+s", "open-r", "open-r+s", "anth", "anth+s", "goog", "vert"]
    assert lines[1].split() == ["strings", *["pass"] * len(DEFAULT_PROVIDERS)]
    key = lines[lines.index("") + 1 : lines.index("", lines.index("") + 1)]
    assert key == [
        "providers: open = openai, open+s = openai+strict, open-r = openai-responses,",
        "           open-r+s = openai-responses+strict, anth = anthropic,",
        "           anth+s = anthropic+strict, goog = google, vert = vertexai",
    ]
    assert max(len(line) for line in lines) <= 80
    # Every cell sits under its label: the columns start where the header's labels start.
    starts = [match.start() for match in re.finditer(r"\S+", lines[0])]
    assert [match.start() for match in re.finditer(r"\S+", lines[1])] == starts
    # Wide enough, the same matrix has the full names and no key.
    wide = render_terminal(_every_provider(["strings"]), color=False, width=200).splitlines()
    assert wide[0].split() == ["feature", *DEFAULT_PROVIDERS] and not any("providers:" in line for line in wide)


def test_column_labels_stay_unique_where_names_share_a_start() -> None:
    labels = column_labels(["openai", "openrouter", "openai-responses", "openai-realtime", "google"])
    assert len(set(labels.values())) == len(labels)
    assert labels["google"] == "goog"  # names without a clash keep the shortest label
    assert all(len(label) < len(name) for name, label in labels.items())


def test_the_readme_shows_the_matrix_as_it_is_printed() -> None:
    """The README's sample output has the header and the key `make conformance` prints on an 80-column terminal."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("make conformance") :]
    block = block[block.index("```text\n") + len("```text\n") : block.index("\n```", block.index("```text"))]
    sample = block.splitlines()
    rows = [line.split()[0] for line in sample[1:] if line and line.split()[0] in FEATURE_NAMES]
    assert rows  # the sample shows a few rows of the default run: every provider by every feature
    printed = render_terminal(_every_provider(list(FEATURE_NAMES)), color=False, width=80).splitlines()
    assert sample[0] == printed[0]
    key = [line for line in printed if line.startswith(("providers:", "           "))]
    assert key and all(line in sample for line in key)
    for line in sample[1 : 1 + len(rows)]:  # each sample row has a word under each column label
        starts = [match.start() for match in re.finditer(r"\S+", line)]
        assert starts == [match.start() for match in re.finditer(r"\S+", printed[0])], line
