"""Render a conformance `Report` as ``report.json``, Markdown (pull requests, CI summaries), one
self-contained HTML page, and the compact matrix the CLI prints.

Everything is built from the stdlib (``html``, ``json``) on purpose: the report must render wherever the
harness installs, and the HTML must open from a CI artifact with no network (no CDN, font or script URL).
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.conformance._results import FAILURES, OUTCOMES, CellResult, Counterexample, Failure, Outcome, Report


@dataclass(frozen=True)
class OutcomeStyle:
    """How one outcome reads and looks in every format. A new outcome is one entry of `OUTCOME_STYLES`."""

    #: Markdown's symbol (an emoji: GitHub draws it, and the word always follows it).
    symbol: str
    #: The terminal matrix's word, at most six letters.
    word: str
    ansi: str
    #: The symbol the HTML page draws in CSS (no font needed): ``check``, ``half``, ``ring``, ``square``, ``cross``.
    shape: str
    colour: str
    background: str
    #: The legend's sentence: what a cell with this outcome found.
    meaning: str


# One entry per outcome (and per kind of failure): what the matrix, the legend and every format show for it.
# fmt: off
OUTCOME_STYLES: dict[Outcome, OutcomeStyle] = {
    "pass": OutcomeStyle("✅", "pass", "\033[32m", "check", "#1e7b34", "#dcf5e2",
        "every round trip came back exactly as sent, plain and streamed, and the schema sent is neither stricter "
        "nor looser than the model"),
    "lossy": OutcomeStyle("🟡", "lossy", "\033[33m", "half", "#7a5b00", "#fff1c2",
        "every round trip was exact, but the provider cannot express a constraint of the model (a documented limit, "
        "linked): it travels in the description and pydantic enforces it on the way back"),
    "unsupported": OutcomeStyle("⚪", "unsup", "\033[2m", "ring", "#5a6270", "#eceff3",
        "not measured: the adapter refused every drawn union up front, naming the field, or no value could be "
        "drawn from the schema sent; the reason says which"),
    "unconvertible": OutcomeStyle("⬜", "unconv", "\033[2;35m", "square", "#6b3f86", "#f1e6f7",
        "not measured (a row of --schemas only): the JSON schema cannot become a pydantic model faithfully; the "
        "reason names the keyword at fault"),
    "fail": OutcomeStyle("❌", "FAIL", "\033[1;31m", "cross", "#a01919", "#ffdcdc",
        "a value the model allows did not survive the trip, or the schema sent is wrong: the cell has the smallest "
        "counterexample, and one of the kinds below"),
}

#: A failing cell's kind: the terminal's word (at most five letters, shouting as FAIL does), and its meaning.
FAILURE_STYLES: dict[Failure, tuple[str, str]] = {
    "loses_data": ("LOSS", "a value the model accepts cannot arrive, or arrives changed: a call dropped, reordered "
        "or altered, or a schema stricter than the model"),
    "rejected": ("REJ", "the declaration breaks a documented rule of the provider, which would refuse the request"),
    "crash": ("CRASH", "the adapter raised on a valid answer (or before sending) where it should have answered"),
    "looser": ("LOOSE", "the schema admits values the model rejects, and the adapter refused them on the way back: "
        "a retry at run time, not a loss"),
}
# fmt: on

SYMBOLS: dict[Outcome, str] = {outcome: style.symbol for outcome, style in OUTCOME_STYLES.items()}
#: Fixed-width words for the terminal matrix; ``FAIL`` shouts so it is found without colour.
TERMINAL_WORDS: dict[Outcome, str] = {outcome: style.word for outcome, style in OUTCOME_STYLES.items()}
_ANSI: dict[Outcome, str] = {outcome: style.ansi for outcome, style in OUTCOME_STYLES.items()}
_ANSI_RESET = "\033[0m"
#: A failing cell shows its kind; in the terminal a word of at most five letters, shouting as FAIL does.
TERMINAL_KINDS: dict[Failure, str] = {kind: word for kind, (word, _) in FAILURE_STYLES.items()}

#: The page explaining the report, linked from report.html (``write_report(..., docs_url=...)`` for another).
DOCS_URL = "https://parallel-tools-harness.readthedocs.io/en/latest/conformance/"

#: A CI summary stays readable (and under GitHub's 1 MiB step-summary cap) only if huge wire bodies are cut.
MARKDOWN_BLOCK_CHARS = 4_000
MARKDOWN_BLOCK_LINES = 80
#: The HTML page can afford far more, but a multi-megabyte stream recording would make it sluggish.
HTML_BLOCK_CHARS = 60_000
HTML_BLOCK_LINES = 2_000


# ----------------------------------------------------------------------------------------------- files


def write_report(report: Report, out_dir: Path, *, docs_url: str = DOCS_URL) -> dict[str, Path]:
    """Write ``report.json``, ``report.md`` and ``report.html`` into ``out_dir`` (created); the page links
    to the docs at ``docs_url``.

    Returns their paths under the keys ``"json"``, ``"md"`` and ``"html"``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "json": ("report.json", _to_json_text(report.to_json()) + "\n"),
        "md": ("report.md", render_markdown(report, docs_url=docs_url)),
        "html": ("report.html", render_html(report, docs_url=docs_url)),
    }
    paths = {kind: out_dir / name for kind, (name, _) in files.items()}
    for kind, (_, text) in files.items():
        paths[kind].write_text(text, encoding="utf-8")
    return paths


# -------------------------------------------------------------------------------------- shared helpers


def _ordered(declared: Iterable[str], seen: Iterable[str]) -> list[str]:
    """The declared order first, then anything only the results mention, in order of appearance."""
    return list(dict.fromkeys([*declared, *seen]))


def providers_of(report: Report) -> list[str]:
    return _ordered(report.providers, (result.provider for result in report.results))


def features_of(report: Report) -> list[str]:
    return _ordered(report.features, (result.feature for result in report.results))


def adapters_of(report: Report) -> list[str]:
    """The adapters present, the report's own adapter first (harness beside instructor, not after it)."""
    seen = [result.adapter for result in report.results]
    return _ordered([report.adapter] if report.adapter in seen else [], seen)


def _grid(results: Iterable[CellResult]) -> dict[tuple[str, str, str], CellResult]:
    """Results by (adapter, provider, feature); a duplicate cell keeps its last result."""
    return {(result.adapter, result.provider, result.feature): result for result in results}


def _axes(report: Report, adapter: str) -> tuple[list[str], list[str]]:
    """The providers (columns) and features (rows) for which ``adapter`` has a result, in report order."""
    mine = [result for result in report.results if result.adapter == adapter]
    providers, features = {r.provider for r in mine}, {r.feature for r in mine}
    return [p for p in providers_of(report) if p in providers], [f for f in features_of(report) if f in features]


def _sorted_results(report: Report, outcome: Outcome) -> list[CellResult]:
    """The cells with ``outcome`` in matrix order (adapter, then feature row, then provider column)."""
    adapters, features, providers = adapters_of(report), features_of(report), providers_of(report)
    chosen = [result for result in report.results if result.outcome == outcome]
    return sorted(
        chosen,
        key=lambda r: (adapters.index(r.adapter), features.index(r.feature), providers.index(r.provider)),
    )


def outcome_counts(results: Iterable[CellResult]) -> dict[Outcome, int]:
    counts = Counter(result.outcome for result in results)
    return {outcome: counts.get(outcome, 0) for outcome in OUTCOMES}


def _shown(counts: dict[Outcome, int]) -> list[Outcome]:
    """The outcomes a summary counts: all of them, but ``unconvertible`` only where a schema was."""
    return [outcome for outcome in OUTCOMES if outcome != "unconvertible" or counts[outcome]]


def failure_counts(results: Iterable[CellResult]) -> dict[Failure, int]:
    """Failing cells per kind (a failing cell of a report without kinds counts in none)."""
    counts = Counter(result.failure for result in results if result.outcome == "fail")
    return {kind: counts.get(kind, 0) for kind in FAILURES}


def _kinds_text(results: Iterable[CellResult], separator: str = ", ") -> str:
    """``" (2 loses_data, 1 crash)"``: the kinds present among the failing cells, or ``""``."""
    counts = failure_counts(results)
    present = [f"{count} {kind}" for kind, count in counts.items() if count]
    return f" ({separator.join(present)})" if present else ""


def sources_of(result: CellResult) -> list[str]:
    """Each source of a result: its ``sources``, or its one ``source`` in a report written before them."""
    return list(result.sources) or ([result.source] if result.source else [])


def format_duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def _to_json_text(value: Any) -> str:
    # ``default=str``: a recorded stream may hold values JSON cannot spell (bytes, datetimes); show, don't crash.
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def truncate(text: str, limit: int, max_lines: int) -> tuple[str, int]:
    """``text`` cut to at most ``limit`` characters and ``max_lines`` lines, at a line break where one is near.

    Returns the kept text and how many characters were cut (0 when nothing was).
    """
    lines = text.split("\n")
    kept = "\n".join(lines[:max_lines]) if len(lines) > max_lines else text
    if len(kept) > limit:
        cut = kept.rfind("\n", 0, limit)
        kept = kept[: cut if cut > limit // 2 else limit]
    return kept, len(text) - len(kept)


def _truncation_note(shown: int, total: int) -> str:
    return f"truncated: showing {shown:,} of {total:,} characters; the full value is in report.json"


def _cell_label(result: CellResult) -> str:
    return f"{result.provider} · {result.feature} ({result.adapter})"


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _counterexample_blocks(example: Counterexample) -> list[tuple[str, str, str]]:
    """(title, language, text) of each block of a counterexample, in the order a reader wants them."""
    got = _to_json_text(example.got) if example.got is not None else "null  // the adapter raised or was never called"
    return [
        ("Python source", "python", example.source),
        ("Schema sent", "json", _to_json_text(example.schema)),
        ("Wire answer", "json", _to_json_text(example.wire)),
        ("Expected", "json", _to_json_text(example.expected)),
        ("Got", "json", got),
    ]


# -------------------------------------------------------------------------------------------- markdown


def _md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell: a pipe would end the cell, a newline the row."""
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _md_inline(text: str) -> str:
    """Text for a list item: one line, so a multi-line reason does not break the list."""
    return " ".join(text.split())


def _md_code(text: str) -> str:
    """Inline code that survives backticks inside ``text``."""
    ticks = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return longest


def _md_fence(text: str, language: str) -> str:
    """A fenced block whose fence is longer than any backtick run in ``text``, so the text cannot close it."""
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def _md_outcome(result: CellResult) -> str:
    return f"{SYMBOLS[result.outcome]} {result.failure or result.outcome}"


def _md_totals(results: list[CellResult]) -> str:
    counts = outcome_counts(results)
    text = " · ".join(f"{SYMBOLS[outcome]} {counts[outcome]} {outcome}" for outcome in _shown(counts))
    return text + _kinds_text(results, " · ")


def _md_header(report: Report) -> list[str]:
    run = [f"{len(report.results)} cells in {format_duration(report.seconds)}"]
    if report.seed is not None:
        run.append(f"seed {report.seed}")
    run.append(f"{report.examples} examples per cell")
    if report.harness_version:
        run.append(f"harness {report.harness_version}")
    return [f"## Conformance: {_md_totals(report.results)}", "", " · ".join(run), *_md_environments(report)]


def _packages_text(entry: dict[str, Any]) -> str:
    return ", ".join(f"{name} {version}" for name, version in sorted(entry.get("packages", {}).items()))


def _md_environments(report: Report) -> list[str]:
    """Each client's environment: whether it could run, with which versions, and why not."""
    if not report.environments:
        return []
    lines = ["", "| client | environment | packages | error |", "| --- | --- | --- | --- |"]
    for label, entry in sorted(report.environments.items()):
        cells = (label, entry["status"], _packages_text(entry), entry.get("error") or "")
        lines.append("| " + " | ".join(_md_cell(cell) for cell in cells) + " |")
    return lines


def _md_matrix(report: Report, adapter: str) -> list[str]:
    grid = _grid(report.results)
    providers, features = _axes(report, adapter)
    lines = [
        "| feature | " + " | ".join(_md_code(_md_cell(p)) for p in providers) + " |",
        "|---" * (len(providers) + 1) + "|",
    ]
    for feature in features:
        cells = [grid.get((adapter, provider, feature)) for provider in providers]
        words = [_md_outcome(cell) if cell else "—" for cell in cells]
        lines.append(f"| {_md_cell(feature)} | " + " | ".join(words) + " |")
    return lines


def render_failures(report: Report, *, most: int = 3) -> str:
    """The first ``most`` failing cells as Markdown (source, schema, answer), for the command's output."""
    failed = [result for result in report.results if result.outcome == "fail"]
    lines = [line for result in failed[:most] for line in _md_failure(result)]
    if len(failed) > most:
        lines.append(f"... and {len(failed) - most} more failing cells in report.md")
    return "\n".join(lines)


def _md_failure(result: CellResult) -> list[str]:
    kind = f": {result.failure}" if result.failure else ""
    lines = [f"### ❌ {_md_cell(_cell_label(result))}{kind}", ""]
    example = result.counterexample
    if example is None:
        why = f": {_md_inline(result.reason)}" if result.reason else "."
        return [*lines, f"No counterexample recorded{why}", ""]
    lines += [
        f"- kind: **{example.kind}** · check: **{_md_inline(example.check)}** · stream: **{_yes_no(example.stream)}**"
        f" · examples: {result.examples} · refused: {result.refused}",
        "",
    ]
    if example.error:
        lines += ["**Error**", "", _md_fence(example.error, "text"), ""]
    for title, language, text in _counterexample_blocks(example):
        # The source is what the user pastes to reproduce: never cut it; cut the JSON dumps instead.
        shown, cut = (text, 0) if language == "python" else truncate(text, MARKDOWN_BLOCK_CHARS, MARKDOWN_BLOCK_LINES)
        lines += [f"**{title}**", "", _md_fence(shown, language)]
        if cut:
            lines.append(f"_({_truncation_note(len(shown), len(text))})_")
        lines.append("")
    return lines


def _md_source(source: str) -> str:
    if source.startswith(("http://", "https://")):
        return f"[source]({source.replace(')', '%29').replace(' ', '%20')})"
    return f"source: {_md_inline(source)}"


def _md_reason_item(result: CellResult) -> str:
    """One line: the reason, then each source as its own link (a URL) or text (a note)."""
    item = f"- {_md_cell(_cell_label(result))}: {_md_inline(result.reason or 'no reason given')}"
    sources = sources_of(result)
    if sources:
        item += " (" + "; ".join(_md_source(source) for source in sources) + ")"
    return item


def render_markdown(report: Report, *, docs_url: str = DOCS_URL) -> str:
    """The report for a pull request or CI summary: totals, the matrix, then what failed and why."""
    lines = _md_header(report)
    meanings = "; ".join(f"{SYMBOLS[o]} **{o}**: {style.meaning}" for o, style in OUTCOME_STYLES.items())
    lines += ["", "<details><summary>What the outcomes mean</summary>", "", meanings + ".", ""]
    lines += [f"The failure kinds: {'; '.join(f'**{k}**: {m}' for k, (_, m) in FAILURE_STYLES.items())}."]
    lines += ["", f"More in [the docs]({docs_url}).", "", "</details>"]
    adapters = adapters_of(report)
    for adapter in adapters:
        lines += ["", f"### Matrix: {adapter}" if len(adapters) > 1 else "### Matrix", ""]
        lines += _md_matrix(report, adapter)
    failures = _sorted_results(report, "fail")
    lines += ["", "## Failures", ""]
    if not failures:
        lines += ["None.", ""]
    for result in failures:
        lines += _md_failure(result)
    lossy = _sorted_results(report, "lossy")
    lines += ["## Lossy cells", ""]
    lines += [_md_reason_item(result) for result in lossy] or ["None."]
    unsupported = _sorted_results(report, "unsupported")
    lines += ["", "## Unsupported", ""]
    lines += [_md_reason_item(result) for result in unsupported] or ["None."]
    unconvertible = _sorted_results(report, "unconvertible")
    if unconvertible:  # only --schemas rows can be: a feature report keeps its sections
        lines += ["", "## Unconvertible schemas", ""]
        lines += [
            _md_reason_item(result) + (f" ({_md_inline(result.origin)})" if result.origin else "")
            for result in unconvertible
        ]
    return "\n".join(lines).rstrip() + "\n"


# -------------------------------------------------------------------------------------------- terminal


def _header_segments(provider: str) -> list[str]:
    """``openai-responses+strict`` -> ``openai``, ``-responses``, ``+strict``: a narrow multi-line header."""
    segments: list[str] = []
    for char in provider:
        if char in "-+" and segments:
            segments.append(char)
        elif segments:
            segments[-1] += char
        else:
            segments.append(char)
    return segments


def _abbreviation(provider: str, letters: int) -> str:
    """``openai-responses+strict`` -> ``open-r+s`` (1 letter) or ``opena-re+st`` (2): each part shortened."""
    base, *rest = _header_segments(provider)
    return base[: 3 + letters] + "".join(part[: 1 + letters] for part in rest)


def column_labels(providers: Iterable[str]) -> dict[str, str]:
    """A short, unique column label per provider for a narrow terminal: each part of the name cut short
    (``anthropic+strict`` -> ``anth+s``), longer where two would read the same."""
    names = list(dict.fromkeys(providers))
    labels = {name: _abbreviation(name, 1) for name in names}
    for letters in range(2, max((len(name) for name in names), default=0) + 1):
        taken = Counter(labels.values())
        clashing = [name for name in names if taken[labels[name]] > 1]
        if not clashing:
            break
        labels.update({name: _abbreviation(name, letters) for name in clashing})
    return labels


#: A column is at least this wide (``lossy``, ``unsup``, ``CRASH``), wider for its label or a longer word.
_CELL_WIDTH = 5


def _column_widths(report: Report, adapter: str, labels: dict[str, str]) -> list[int]:
    grid = _grid(report.results)
    providers, features = _axes(report, adapter)
    return [
        max(
            _CELL_WIDTH,
            len(labels[provider]),
            *(len(_terminal_word(cell)) for f in features if (cell := grid.get((adapter, provider, f)))),
        )
        for provider in providers
    ]


def _terminal_word(result: CellResult) -> str:
    return TERMINAL_KINDS[result.failure] if result.failure else TERMINAL_WORDS[result.outcome]


def _terminal_matrix(report: Report, adapter: str, labels: dict[str, str], *, color: bool, gap: str) -> list[str]:
    grid = _grid(report.results)
    providers, features = _axes(report, adapter)
    widths = _column_widths(report, adapter, labels)
    first = max([len("feature"), *(len(_row_label(feature)) for feature in features)])
    header = ["feature".ljust(first), *(labels[p].ljust(w) for p, w in zip(providers, widths, strict=True))]
    lines = [gap.join(header).rstrip()]
    for feature in features:
        cells = [
            _terminal_cell(grid.get((adapter, p, feature)), w, color=color)
            for p, w in zip(providers, widths, strict=True)
        ]
        lines.append(gap.join([_row_label(feature).ljust(first), *cells]).rstrip())
    return lines


#: The longest row label the terminal prints whole (a schema's tool name can run to 200 characters):
#: longer ones end in "…" there; report.md and report.html keep them whole.
ROW_LABEL_MAX = 48


def _row_label(feature: str) -> str:
    return feature if len(feature) <= ROW_LABEL_MAX else feature[: ROW_LABEL_MAX - 1] + "…"


def _matrix_width(report: Report, adapter: str) -> int:
    """How wide the matrix of ``adapter`` is with each provider's full name on its column."""
    _, features = _axes(report, adapter)
    first = max([len("feature"), *(len(_row_label(feature)) for feature in features)])
    full = {provider: provider for provider in providers_of(report)}
    return first + sum(2 + width for width in _column_widths(report, adapter, full))


def _key(title: str, pairs: Iterable[tuple[str, str]], width: int) -> list[str]:
    """``title: a = b, c = d, ...`` wrapped to ``width`` between pairs, later lines indented under the first."""
    lines = [f"{title}:"]
    indent = " " * (len(title) + 2)
    for short, name in pairs:
        pair = f"{short} = {name}"
        if lines[-1].endswith(":") or len(lines[-1]) + 2 + len(pair) <= width:
            lines[-1] += (" " if lines[-1].endswith(":") else ", ") + pair
        else:
            lines[-1] += ","
            lines.append(indent + pair)
    return lines


def _terminal_cell(result: CellResult | None, width: int, *, color: bool) -> str:
    if result is None:
        return "·".ljust(width)
    word = _terminal_word(result)
    padding = " " * (width - len(word))  # pad outside the escape codes, so columns line up in colour too
    return f"{_ANSI[result.outcome]}{word}{_ANSI_RESET}{padding}" if color else word + padding


def _terminal_counts(results: list[CellResult], *, color: bool) -> str:
    counts = outcome_counts(results)
    shown = _shown(counts)
    parts = [f"{counts[outcome]} {outcome}" for outcome in shown]
    if color:
        parts = [f"{_ANSI[o]}{part}{_ANSI_RESET}" if counts[o] else part for o, part in zip(shown, parts, strict=True)]
    return ", ".join(parts) + _kinds_text(results)


def render_terminal(report: Report, *, color: bool, width: int = 80) -> str:
    """The compact matrix the CLI prints (one line per feature, one column per provider), then a summary line.

    Each column is headed by its provider's name where the matrix fits in ``width`` characters that way,
    else by a short label (`column_labels`), one space apart, with a key below the matrix.
    """
    lines: list[str] = []
    adapters = adapters_of(report)
    providers = providers_of(report)
    wide = all(_matrix_width(report, adapter) <= width for adapter in adapters)
    labels = {provider: provider for provider in providers} if wide else column_labels(providers)
    for adapter in adapters:
        if len(adapters) > 1:
            mine = [r for r in report.results if r.adapter == adapter]
            lines += [f"{adapter}: {_terminal_counts(mine, color=color)}", ""]
        lines += [*_terminal_matrix(report, adapter, labels, color=color, gap="  " if wide else " "), ""]
    shortened = [(label, provider) for provider, label in labels.items() if label != provider]
    if shortened:
        lines += [*_key("providers", shortened, width), ""]
    if any(result.failure for result in report.results):
        lines += [*_key("fail", ((word, kind) for kind, word in TERMINAL_KINDS.items()), width), ""]
    totals = _terminal_counts(report.results, color=color)
    lines.append(f"{len(report.results)} cells: {totals} in {format_duration(report.seconds)}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------ html


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def cell_id(result: CellResult) -> str:
    """A stable element id; ``/`` separates the parts because names use ``-``, ``+`` and ``_`` themselves."""
    return "/".join("_".join(part.split()) for part in ("cell", result.adapter, result.provider, result.feature))


def _html_header_name(provider: str) -> str:
    """The provider name with break opportunities before ``-`` and ``+`` so headers wrap instead of widening."""
    return "<wbr>".join(_e(segment) for segment in _header_segments(provider))


def _html_symbol(outcome: Outcome) -> str:
    """The outcome's symbol, drawn by the page's CSS (no font needed): decoration, since its word follows."""
    return f'<span class="sym shape-{OUTCOME_STYLES[outcome].shape}" aria-hidden="true"></span>'


def _html_filters(report: Report) -> str:
    """The filter checkboxes, by outcome and by kind of failure, each group with its visible label."""
    counts = outcome_counts(report.results)
    items = [
        f'<label class="legend-item outcome-{o}" title="{_e(f"show the {o} cells: {OUTCOME_STYLES[o].meaning}")}">'
        f'<input type="checkbox" class="filter" value="{o}" checked> {_html_symbol(o)} {o} '
        f'<span class="count" data-outcome="{o}">{counts[o]}</span></label>'
        for o in OUTCOMES
    ]
    quick = (
        '<button type="button" id="only-problems">show only fail/lossy</button>'
        '<button type="button" id="show-all">show all</button>'
    )
    kinds = failure_counts(report.results)
    # A second row filters the failing cells by kind (a fail cell shows when both its boxes are checked).
    by_kind = [
        f'<label class="legend-item outcome-fail kind" title="{_e(f"show the {k} failures: {meaning}")}">'
        f'<input type="checkbox" class="kind-filter" value="{k}" checked> {k} '
        f'<span class="count" data-failure="{k}">{kinds[k]}</span></label>'
        for k, (_, meaning) in FAILURE_STYLES.items()
    ]
    return (
        '<div class="legend" role="group" aria-labelledby="filter-outcomes">'
        f'<span class="group-label" id="filter-outcomes">Show cells:</span>{"".join(items)}{quick}</div>'
        '<div class="legend kinds" role="group" aria-labelledby="filter-kinds">'
        f'<span class="group-label" id="filter-kinds">Show failures of kind:</span>{"".join(by_kind)}</div>'
    )


def _html_key(report: Report, docs_url: str) -> str:
    """What each outcome and each kind of failure means, what a cell runs, and where the docs are."""
    outcomes = "".join(
        f'<dt class="outcome-{o}" data-outcome="{o}">{_html_symbol(o)} {o}</dt><dd>{_e(OUTCOME_STYLES[o].meaning)}</dd>'
        for o in OUTCOMES
    )
    kinds = "".join(
        f'<dt class="kind" data-failure="{k}">{k}</dt><dd>{_e(meaning)}</dd>'
        for k, (_, meaning) in FAILURE_STYLES.items()
    )
    cell = (
        f"Each cell is one provider (a column) and one schema feature (a row): about {report.examples} round trips "
        "of pydantic models drawn with that feature, sent as tool schemas, answered in the provider's own wire "
        "format, plain and streamed, and read back. Click a cell for what it found."
    )
    return (
        '<details class="key" open><summary>What the outcomes mean</summary>'
        f'<dl class="meanings">{outcomes}</dl>'
        f'<p class="kinds-intro">A <strong>fail</strong> is one of four kinds, the worst found:</p>'
        f'<dl class="meanings">{kinds}</dl>'
        f'<p>{_e(cell)} <a class="docs" href="{_e(docs_url)}" rel="noreferrer">'
        "How the report works, every check and the limits registry (docs)</a></p></details>"
    )


def _html_meta(report: Report) -> str:
    facts = [f"{len(report.results)} cells", format_duration(report.seconds), f"{report.examples} examples per cell"]
    if report.seed is not None:
        facts.append(f"seed {report.seed}")
    if report.harness_version:
        facts.append(f"harness {report.harness_version}")
    adapters = adapters_of(report)
    if len(adapters) > 1:
        per_adapter = []
        for a in adapters:
            counts = outcome_counts(r for r in report.results if r.adapter == a)
            per_adapter.append(
                f"{a}: "
                + ", ".join(f"{counts[o]} {o}" for o in _shown(counts))
                + _kinds_text(r for r in report.results if r.adapter == a)
            )
        facts.append("; ".join(per_adapter))
    return f'<p class="meta">{" · ".join(_e(fact) for fact in facts)}</p>'


def _html_columns(report: Report) -> list[tuple[str, str]]:
    """(provider, adapter) columns: adapters side by side under each provider, only where they have results."""
    grid = _grid(report.results)
    present = {(adapter, provider) for adapter, provider, _ in grid}
    return [(p, a) for p in providers_of(report) for a in adapters_of(report) if (a, p) in present]


def _html_thead(report: Report, columns: list[tuple[str, str]]) -> str:
    several = len(adapters_of(report)) > 1
    span = ' rowspan="2"' if several else ""
    top = [f'<th class="corner" scope="col"{span}>feature</th>']
    for provider in dict.fromkeys(p for p, _ in columns):
        width = sum(1 for p, _ in columns if p == provider)
        top.append(
            f'<th class="provider" scope="colgroup" colspan="{width}" title="{_e(provider)}"'
            f' data-provider="{_e(provider)}">{_html_header_name(provider)}</th>'
        )
    rows = [f"<tr>{''.join(top)}</tr>"]
    if several:
        rows.append("<tr>" + "".join(f'<th class="adapter" scope="col">{_e(a)}</th>' for _, a in columns) + "</tr>")
    return f"<thead>{''.join(rows)}</thead>"


def _html_cell(result: CellResult | None) -> str:
    if result is None:
        return '<td class="missing" title="not run">—</td>'
    ident = _e(cell_id(result))
    word = result.failure or result.outcome
    title = f"{result.provider} · {result.feature} ({result.adapter}): {result.outcome}"
    title += f" ({result.failure})" if result.failure else ""
    failure = f' data-failure="{result.failure}"' if result.failure else ""
    return (
        f'<td id="{ident}" class="cell outcome-{result.outcome}" tabindex="0" role="button"'
        f' aria-controls="detail-{ident}" aria-expanded="false" title="{_e(title)}"'
        f' data-adapter="{_e(result.adapter)}" data-provider="{_e(result.provider)}"'
        f' data-feature="{_e(result.feature)}" data-outcome="{result.outcome}"{failure}>'
        f'{_html_symbol(result.outcome)} <span class="word">{word}</span></td>'
    )


def _html_matrix(report: Report) -> str:
    grid = _grid(report.results)
    columns = _html_columns(report)
    body = []
    for feature in features_of(report):
        cells = "".join(_html_cell(grid.get((adapter, provider, feature))) for provider, adapter in columns)
        body.append(f'<tr data-feature="{_e(feature)}"><th scope="row" class="feature">{_e(feature)}</th>{cells}</tr>')
    return f'<table class="matrix">{_html_thead(report, columns)}<tbody>{"".join(body)}</tbody></table>'


def _html_block(title: str, text: str, css_class: str) -> str:
    shown, cut = truncate(text, HTML_BLOCK_CHARS, HTML_BLOCK_LINES)
    note = f'<p class="truncated">{_e(_truncation_note(len(shown), len(text)))}</p>' if cut else ""
    return f'<h4>{_e(title)}</h4><pre class="{css_class}"><code>{_e(shown)}</code></pre>{note}'


def _html_source_link(source: str) -> str:
    if source.startswith(("http://", "https://")):
        return f'<a href="{_e(source)}" rel="noreferrer">{_e(source)}</a>'
    return _e(source)


#: What each number in a cell's panel counts, shown as its title (a tooltip).
FACT_TITLES: dict[str, str] = {
    "examples": "adapter calls made in this cell (round trips), plain and streamed, the not-looser probes "
    "included: the --examples asked, a few more where Hypothesis abandoned an example that grew too large, "
    "fewer where unions were refused",
    "refused": "drawn unions the adapter refused up front (UnsupportedSchemaError, naming the field): nothing was "
    "sent or checked for them, and another union was drawn instead",
    "seconds": "this cell's wall time in its worker process; the first cell each worker runs also carries that "
    "process's start-up (imports, building each provider's SDK client), so it reads slower than it is",
    "failure": "the kind of this failure (see the legend at the top)",
    "check": "the check that failed: declarations, stricter, looser or round trip",
    "stream": "whether the failing answer was streamed",
}


def _html_facts(result: CellResult) -> str:
    facts: list[tuple[str, str]] = [
        ("examples", str(result.examples)),
        ("refused", str(result.refused)),
        ("seconds", f"{result.seconds:.2f}"),
    ]
    if result.failure:
        facts.append(("failure", result.failure))
    if result.counterexample:
        facts += [("check", result.counterexample.check), ("stream", _yes_no(result.counterexample.stream))]
    return (
        '<dl class="facts">'
        + "".join(
            f'<dt title="{_e(FACT_TITLES[k])}">{_e(k)}</dt><dd title="{_e(FACT_TITLES[k])}">{_e(v)}</dd>'
            for k, v in facts
        )
        + "</dl>"
    )


def _html_meaning(result: CellResult) -> str:
    """A sentence saying what this cell found, in words: for a pass what passed, not only numbers."""
    where = f"{result.provider} · {result.feature}"
    if result.outcome == "pass":
        text = (
            f"Passed: {result.examples} round trips of models drawn with {result.feature} went to {result.provider} "
            "and came back exactly as sent, plain and streamed; the schema sent was neither stricter nor looser than "
            "the models."
        )
    else:
        text = f"{result.outcome.capitalize()} ({where}): {OUTCOME_STYLES[result.outcome].meaning}."
        if result.failure:
            text += f" This one is {result.failure}: {FAILURE_STYLES[result.failure][1]}."
    return f'<p class="meaning">{_e(text)}</p>'


def _html_detail(result: CellResult) -> str:
    ident = _e(cell_id(result))
    parts = [
        f'<h3><span class="badge outcome-{result.outcome}">{_html_symbol(result.outcome)} {result.outcome}'
        f"{': ' + result.failure if result.failure else ''}</span> "
        f"{_e(result.provider)} · {_e(result.feature)} <small>{_e(result.adapter)}</small></h3>",
        _html_meaning(result),
        _html_facts(result),
    ]
    if result.reason:
        parts.append(f'<p class="reason"><strong>Reason:</strong> {_e(result.reason)}</p>')
    sources = sources_of(result)
    if sources:
        links = " · ".join(_html_source_link(source) for source in sources)
        parts.append(f'<p class="source"><strong>{"Sources" if len(sources) > 1 else "Source"}:</strong> {links}</p>')
    example = result.counterexample
    if example is not None:
        if example.error:
            parts.append(_html_block("Error", example.error, "error"))
        for title, _, text in _counterexample_blocks(example):
            parts.append(_html_block(title, text, title.lower().replace(" ", "-")))  # python-source, schema-sent...
    elif result.outcome == "fail":
        parts.append('<p class="reason">No counterexample was recorded for this cell.</p>')
    return (
        f'<article class="detail outcome-{result.outcome}" id="detail-{ident}" data-cell="{ident}" hidden>'
        f'<button type="button" class="close" aria-label="Close">&times;</button>{"".join(parts)}</article>'
    )


_CSS = """
:root{--line:#d5d9e0;--head:#f6f7f9}
*{box-sizing:border-box}
body{margin:0;font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1b1f24}
header.page{padding:12px 16px;border-bottom:1px solid var(--line);background:#fff}
h1{font-size:18px;margin:0 0 4px;overflow-wrap:anywhere}
.meta{margin:0 0 8px;color:#555;overflow-wrap:anywhere}
.scroll-x{overflow-x:auto;max-width:100%}
table.environments{border-collapse:collapse;margin:0 0 8px;font-size:12px}
table.environments th,table.environments td{padding:1px 8px;text-align:left;vertical-align:top}
.legend{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:0 0 6px}
.group-label{font-weight:600}
.legend-item{border:1px solid var(--line);border-radius:12px;padding:2px 10px;cursor:pointer;user-select:none}
.legend .count{font-weight:600}
.legend button{font:inherit;border:1px solid var(--line);background:var(--head);border-radius:12px;padding:2px 10px;
cursor:pointer}
details.key{margin:4px 0 0;max-width:80em}
details.key summary{cursor:pointer;font-weight:600}
dl.meanings{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 10px;margin:4px 0}
dl.meanings dt{background:none;font-weight:600;white-space:nowrap}
dl.meanings dt.kind{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-weight:400}
dl.meanings dd{margin:0}
.key p{margin:4px 0}
main{display:grid;grid-template-columns:minmax(0,max-content) minmax(340px,1fr);align-items:start;gap:16px;
padding:12px 16px}
.matrix-wrap{overflow:auto;max-width:100%;max-height:calc(100vh - 24px);border:1px solid var(--line);border-radius:4px}
table.matrix{border-collapse:separate;border-spacing:0}
.matrix thead{position:sticky;top:0;z-index:3}
.matrix th{background:var(--head);font-weight:600;border-bottom:1px solid var(--line);padding:4px 6px}
.matrix th.provider{max-width:96px;text-align:center;vertical-align:bottom;font-size:12px;
border-left:1px solid var(--line)}
.matrix th.adapter{font-weight:400;font-size:11px;color:#555}
.matrix th.corner{text-align:left;vertical-align:bottom;left:0;position:sticky;z-index:4}
.matrix th.feature{text-align:left;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-weight:400;
font-size:12px;position:sticky;left:0;z-index:2;white-space:nowrap}
.matrix td{padding:3px 6px;border-bottom:1px solid #fff;border-left:1px solid #fff;white-space:nowrap;font-size:12px}
.matrix td.missing{color:#aaa;text-align:center}
.cell{cursor:pointer}
.cell:hover,.cell:focus{outline:2px solid #3b82f6;outline-offset:-2px}
.cell.selected{outline:3px solid #1b1f24;outline-offset:-3px}
.outcome-fail{font-weight:600}
.cell.dim{background:transparent;cursor:default}
.cell.dim>span{visibility:hidden}
.sym{display:inline-block;position:relative;width:1em;height:1em;border:.125em solid currentColor;border-radius:50%;
vertical-align:-.15em}
.shape-check,.shape-cross{background:currentColor}
.shape-check::after{content:"";position:absolute;left:.24em;top:.06em;width:.25em;height:.45em;border:solid #fff;
border-width:0 .125em .125em 0;transform:rotate(45deg)}
.shape-cross::before,.shape-cross::after{content:"";position:absolute;left:50%;top:50%;width:.56em;height:.125em;
background:#fff;transform:translate(-50%,-50%) rotate(45deg)}
.shape-cross::after{transform:translate(-50%,-50%) rotate(-45deg)}
.shape-half{background:linear-gradient(90deg,currentColor 50%,transparent 50%)}
.shape-ring{background:transparent}
.shape-square{border-radius:.15em;background:transparent}
aside#panel{position:sticky;top:8px;max-height:calc(100vh - 16px);overflow:auto;min-width:0;overflow-wrap:anywhere;
border:1px solid var(--line);border-radius:6px;padding:10px 14px;background:#fff}
#panel-empty{color:#777;margin:0}
aside#panel .detail{background:#fff;color:inherit;font-weight:400}
.detail h3{margin:0 0 6px;font-size:15px;padding-right:24px}
.detail h4{margin:12px 0 4px;font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#555}
.detail .meaning{margin:4px 0}
.detail .close{float:right;border:0;background:none;font-size:20px;line-height:1;cursor:pointer;color:#555}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0}
.facts dt{color:#555;cursor:help;text-decoration:underline dotted}.facts dd{margin:0}
pre{background:#f6f8fa;border:1px solid var(--line);border-radius:4px;padding:8px;overflow:auto;max-height:50vh;
margin:0;font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre;overflow-wrap:normal}
pre.error{white-space:pre-wrap;background:#fff5f5;border-color:#f3c2c2}
.truncated{color:#7a5b00;font-style:italic;margin:2px 0 0}
tr[hidden]{display:none}
@media (max-width:760px){main{grid-template-columns:minmax(0,1fr);padding:8px}header.page{padding:8px}
.matrix-wrap{max-height:75vh}aside#panel{position:static;max-height:none}}
@media (prefers-color-scheme:dark){body,header.page,aside#panel,aside#panel .detail{background:#16191d;color:#e3e6ea}
.matrix th,.legend button{background:#22262b;color:#e3e6ea}pre{background:#1e2227;color:#e3e6ea}
.meta,.facts dt,.detail h4,.matrix th.adapter{color:#9aa3ad}}
"""


def _outcome_css() -> str:
    """Each outcome's colours, from `OUTCOME_STYLES`: a cell, a legend entry and a badge show them."""
    return "".join(f".outcome-{o}{{background:{s.background};color:{s.colour}}}" for o, s in OUTCOME_STYLES.items())


# Collects uncaught errors before anything else runs, so a test (or a curious reader) can ask the page.
_ERROR_COLLECTOR = (
    "window.harnessErrors=[];"
    "window.addEventListener('error',function(e){window.harnessErrors.push(String(e.message))});"
)

_JS = """
(function () {
  "use strict";
  var emptyNote = document.getElementById("panel-empty");
  function closeAll() {
    document.querySelectorAll(".cell.selected").forEach(function (c) {
      c.classList.remove("selected");
      c.setAttribute("aria-expanded", "false");
    });
    document.querySelectorAll(".detail").forEach(function (d) { d.hidden = true; });
  }
  function openCell(cell) {
    var detail = document.getElementById(cell.getAttribute("aria-controls"));
    if (!detail || cell.classList.contains("dim")) { return; }
    closeAll();
    detail.hidden = false;
    emptyNote.hidden = true;
    cell.classList.add("selected");
    cell.setAttribute("aria-expanded", "true");
    // Side by side the panel is in view already: only reset its scroll. Stacked (narrow window), bring it up.
    document.getElementById("panel").scrollTop = 0;
    var box = detail.getBoundingClientRect();
    if (box.top > window.innerHeight || box.bottom < 0) { detail.scrollIntoView({block: "start"}); }
    try { history.replaceState(null, "", "#" + encodeURIComponent(cell.id)); } catch (ignored) { /* file:// */ }
  }
  document.addEventListener("click", function (event) {
    var close = event.target.closest(".detail .close");
    if (close) { closeAll(); emptyNote.hidden = false; return; }
    var cell = event.target.closest(".cell");
    if (cell) { openCell(cell); }
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if ((event.key === "Enter" || event.key === " ") && target.classList && target.classList.contains("cell")) {
      event.preventDefault();
      openCell(target);
    }
  });
  var filters = Array.prototype.slice.call(document.querySelectorAll("input.filter"));
  var kindFilters = Array.prototype.slice.call(document.querySelectorAll("input.kind-filter"));
  function applyFilter() {
    var shown = {}, kinds = {};
    filters.forEach(function (box) { shown[box.value] = box.checked; });
    kindFilters.forEach(function (box) { kinds[box.value] = box.checked; });
    document.querySelectorAll(".cell").forEach(function (cell) {
      var kind = cell.dataset.failure;
      cell.classList.toggle("dim", !shown[cell.dataset.outcome] || (kind !== undefined && !kinds[kind]));
    });
    // A row with nothing left to show is noise: hide it, so "only fail/lossy" is a short list.
    document.querySelectorAll(".matrix tbody tr").forEach(function (row) {
      row.hidden = !row.querySelector(".cell:not(.dim)");
    });
  }
  filters.concat(kindFilters).forEach(function (box) { box.addEventListener("change", applyFilter); });
  function setFilters(only) {
    filters.forEach(function (box) { box.checked = !only || only.indexOf(box.value) >= 0; });
    kindFilters.forEach(function (box) { box.checked = true; });
    applyFilter();
  }
  document.getElementById("only-problems").addEventListener("click", function () { setFilters(["fail", "lossy"]); });
  document.getElementById("show-all").addEventListener("click", function () { setFilters(null); });
  var wanted = decodeURIComponent(location.hash.slice(1));
  var start = wanted && document.getElementById(wanted);
  if (start && start.classList.contains("cell")) { openCell(start); }
})();
"""

# The page may load nothing from anywhere: the policy makes that a rule the browser enforces, not a hope.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def _html_environments(report: Report) -> str:
    if not report.environments:
        return ""
    rows = "".join(
        f'<tr data-status="{_e(entry["status"])}"><th>{_e(label)}</th><td>{_e(entry["status"])}</td>'
        f"<td>{_e(_packages_text(entry))}</td><td>{_e(entry.get('error') or '')}</td></tr>"
        for label, entry in sorted(report.environments.items())
    )
    head = "<tr><th>client</th><th>environment</th><th>packages</th><th>error</th></tr>"
    return f'<div class="scroll-x"><table class="environments"><thead>{head}</thead><tbody>{rows}</tbody></table></div>'


def render_html(report: Report, *, docs_url: str = DOCS_URL) -> str:
    """One self-contained page: the matrix at a glance, each cell opening its counterexample or reason; a
    legend says what each outcome and kind of failure means, and links to the docs at ``docs_url``."""
    counts = outcome_counts(report.results)
    title = "Conformance: " + ", ".join(f"{counts[o]} {o}" for o in _shown(counts)) + _kinds_text(report.results)
    # One panel per cell as the matrix shows it (a repeated cell keeps its last result), so ids stay unique.
    details = "".join(_html_detail(result) for result in _grid(report.results).values())
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><script>{_ERROR_COLLECTOR}</script><style>{_CSS}{_outcome_css()}</style>"
        "<noscript><style>.detail[hidden]{display:block}#panel-empty{display:none}</style></noscript>"
        "</head><body>"
        f'<header class="page"><h1>{_e(title)}</h1>{_html_meta(report)}{_html_environments(report)}'
        f"{_html_filters(report)}{_html_key(report, docs_url)}</header>"
        f'<main><div class="matrix-wrap" tabindex="0" aria-label="the matrix (scrolls both ways)">'
        f"{_html_matrix(report)}</div>"
        '<aside id="panel" aria-live="polite"><p id="panel-empty">Click a cell to see what it found: for a '
        "failure its smallest counterexample, for a lossy or unsupported cell its reason, for a pass what "
        f"passed.</p>{details}</aside></main>"
        f"<script>{_JS}</script></body></html>\n"
    )
