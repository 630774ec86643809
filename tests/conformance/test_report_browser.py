"""``report.html`` in a real headless Chromium, driven by Selenium: it loads without a script error, shows one
coloured cell per result, opens a cell's counterexample or reason on click, and filters by outcome.

Chromium and chromedriver come from Debian (``make test`` installs them); Selenium Manager is bypassed by
naming both binaries, so nothing is downloaded.
"""

from __future__ import annotations

import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.command import Command
from selenium.webdriver.remote.webelement import WebElement

from harness.conformance._report import (
    DOCS_URL,
    FAILURE_STYLES,
    OUTCOME_STYLES,
    SYMBOLS,
    cell_id,
    write_report,
)
from harness.conformance._results import OUTCOMES, CellResult, Report
from tests.conformance.test_report import FAIL_SOURCE, HOSTILE, sample_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: Closed network, running as root, small /dev/shm: no sandbox, no GPU, nothing phoning home.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


def _require_browser() -> None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found: the report's browser test needs Debian's chromium and "
            "chromium-driver. `make test` installs them (`make browser`, or "
            "`apt-get install chromium chromium-driver`).",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    _require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console errors, read by _console below
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")  # belt and braces: the named driver already skips Selenium Manager
        browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report()


@pytest.fixture(scope="module")
def page_url(report: Report, tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_report(report, tmp_path_factory.mktemp("report"))["html"].as_uri()


@pytest.fixture
def page(driver: webdriver.Chrome, page_url: str) -> webdriver.Chrome:
    """A fresh load of the report for each test, its console emptied of any earlier page's messages."""
    driver.get(page_url)
    _console(driver)
    return driver


def _cell(driver: webdriver.Chrome, result: CellResult) -> WebElement:
    return driver.find_element(By.ID, cell_id(result))


def _detail(driver: webdriver.Chrome, result: CellResult) -> WebElement:
    return driver.find_element(By.ID, "detail-" + cell_id(result))


def _console(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    """The console messages since the last read. Selenium's ``get_log`` is untyped; this is what it sends."""
    entries: list[dict[str, Any]] = driver.execute(Command.GET_LOG, {"type": "browser"})["value"]
    return entries


def _severe(driver: webdriver.Chrome) -> list[str]:
    return [entry["message"] for entry in _console(driver) if entry["level"] == "SEVERE"]


def _top(driver: webdriver.Chrome, selector: str, *, inner: bool = False) -> float:
    """The element's top in the viewport; ``inner``: inside its border (where a scroll box's content starts)."""
    script = (
        "var e = document.querySelector(arguments[0]);"
        "return e.getBoundingClientRect().top + (arguments[1] ? e.clientTop : 0)"
    )
    top: float = driver.execute_script(script, selector, inner)
    return top


def _bottom(element: WebElement) -> float:
    bottom: float = element.parent.execute_script("return arguments[0].getBoundingClientRect().bottom", element)
    return bottom


def test_header_stays_in_view_over_a_full_size_matrix(driver: webdriver.Chrome, tmp_path: Path) -> None:
    # A real run's size: 8 providers by 35 features, taller than the window, so the page scrolls.
    providers = [f"provider-{index}+strict" for index in range(8)]
    features = [f"feature_{index:02}" for index in range(35)]
    results = [CellResult(p, f, 100, "pass") for f in features for p in providers]
    driver.get(write_report(Report(results, providers=providers, features=features), tmp_path)["html"].as_uri())
    # The matrix scrolls in its own box: scrolled to its last row, the header row is still at the box's top.
    box = driver.find_element(By.CSS_SELECTOR, ".matrix-wrap")
    assert driver.execute_script("return arguments[0].scrollHeight > arguments[0].clientHeight", box)
    driver.execute_script("arguments[0].scrollTop = arguments[0].scrollHeight", box)
    assert driver.execute_script("return arguments[0].scrollTop", box) > 0
    assert abs(_top(driver, ".matrix thead") - _top(driver, ".matrix-wrap", inner=True)) < 1
    last_row = driver.find_element(By.CSS_SELECTOR, ".matrix tbody tr:last-child")
    assert driver.execute_script("return arguments[0].getBoundingClientRect().bottom", last_row) <= _bottom(box) + 1
    assert len(driver.find_elements(By.CSS_SELECTOR, "td.cell")) == len(results)
    assert _severe(driver) == []


def test_page_loads_without_script_errors(driver: webdriver.Chrome, page_url: str) -> None:
    started = time.monotonic()
    driver.get(page_url)
    assert driver.execute_script("return document.readyState") == "complete"
    assert driver.execute_script("return window.harnessErrors") == []
    # SEVERE also catches what window.onerror cannot: a Content-Security-Policy refusal, a failed load.
    assert _severe(driver) == []
    assert driver.title.startswith("Conformance: ")
    assert time.monotonic() - started < 10


def test_the_page_refuses_to_load_anything_and_the_console_says_so(page: webdriver.Chrome) -> None:
    # The negative control of the test above: an outside image is blocked by the page's policy, and the
    # refusal reaches the console log that test reads, so an empty log there means something.
    page.execute_script("document.body.append(Object.assign(new Image(), {src: 'https://example.invalid/x.png'}))")
    deadline, refusals = time.monotonic() + 5, list[str]()
    while not refusals and time.monotonic() < deadline:  # the refusal is reported asynchronously
        refusals = [message for message in _severe(page) if "Content Security Policy" in message]
        time.sleep(0.05)
    assert refusals


def test_matrix_has_one_visible_coloured_cell_per_result(page: webdriver.Chrome, report: Report) -> None:
    cells = page.find_elements(By.CSS_SELECTOR, "td.cell")
    assert len(cells) == len(report.results)
    present = {result.outcome for result in report.results}
    colours: dict[str, set[str]] = {outcome: set() for outcome in OUTCOMES if outcome in present}
    for result in report.results:
        cell = _cell(page, result)
        assert cell.is_displayed()
        assert cell.get_attribute("data-outcome") == result.outcome
        assert f"outcome-{result.outcome}" in (cell.get_attribute("class") or "").split()
        # Readable without colour too: a failing cell says its kind.
        assert cell.text == (result.failure or result.outcome)  # the symbol is drawn, not a character
        colours[result.outcome].add(cell.value_of_css_property("background-color"))
    # One colour per outcome, each different.
    assert all(len(found) == 1 for found in colours.values()), colours
    assert len({found.pop() for found in colours.values()}) == len(colours) >= 4


def test_clicking_a_fail_cell_shows_its_counterexample(page: webdriver.Chrome, report: Report) -> None:
    result = next(r for r in report.results if r.counterexample is not None and r.counterexample.source == FAIL_SOURCE)
    detail = _detail(page, result)
    assert not detail.is_displayed()
    _cell(page, result).click()
    assert detail.is_displayed()
    source = detail.find_element(By.CSS_SELECTOR, "pre.python-source")
    assert source.is_displayed()
    # innerText of a <pre> keeps the source as written, hostile markup and all, as text.
    assert (source.get_attribute("innerText") or "").rstrip("\n") == FAIL_SOURCE.rstrip("\n")
    assert detail.find_elements(By.TAG_NAME, "b") == []  # "<b>x</b>" stayed text
    assert HOSTILE in (detail.find_element(By.CSS_SELECTOR, "pre.error").get_attribute("innerText") or "")
    facts = detail.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert "round trip" in facts and "stream\nyes" in facts
    headings = [heading.get_attribute("textContent") for heading in detail.find_elements(By.TAG_NAME, "h4")]
    assert headings == ["Error", "Python source", "Schema sent", "Wire answer", "Expected", "Got"]
    assert _cell(page, result).get_attribute("aria-expanded") == "true"
    assert _severe(page) == []


def test_clicking_a_lossy_cell_shows_its_reason_and_closes_the_other(page: webdriver.Chrome, report: Report) -> None:
    failed = next(r for r in report.results if r.outcome == "fail")
    lossy = next(r for r in report.results if r.outcome == "lossy" and (r.source or "").startswith("https://"))
    _cell(page, failed).click()
    _cell(page, lossy).click()
    assert not _detail(page, failed).is_displayed()
    detail = _detail(page, lossy)
    reason = detail.find_element(By.CSS_SELECTOR, "p.reason")
    assert reason.is_displayed() and lossy.reason is not None and lossy.reason in reason.text
    # Each source its own link (a URL) or text (a note), never one mashed address.
    links = detail.find_elements(By.CSS_SELECTOR, "p.source a")
    assert [link.get_attribute("href") for link in links] == [s for s in lossy.sources if s.startswith("https://")]
    assert all(source in detail.find_element(By.CSS_SELECTOR, "p.source").text for source in lossy.sources)
    detail.find_element(By.CSS_SELECTOR, "button.close").click()
    assert not detail.is_displayed()


def test_a_cell_opens_from_the_keyboard_and_from_the_address(
    page: webdriver.Chrome, report: Report, page_url: str
) -> None:
    unsupported = next(r for r in report.results if r.outcome == "unsupported")
    _cell(page, unsupported).send_keys(Keys.ENTER)
    assert _detail(page, unsupported).is_displayed()
    lossy = next(r for r in report.results if r.outcome == "lossy")
    page.get(page_url + "#" + quote(cell_id(lossy), safe=""))
    page.refresh()  # a hash-only navigation does not reload the page; the hash is read on load
    assert _detail(page, lossy).is_displayed()


def test_filter_shows_only_fail_and_lossy(page: webdriver.Chrome, report: Report) -> None:
    page.find_element(By.ID, "only-problems").click()
    for result in report.results:
        word = _cell(page, result).find_element(By.CSS_SELECTOR, ".word")
        assert word.is_displayed() == (result.outcome in ("fail", "lossy")), result
    problem_features = {r.feature for r in report.results if r.outcome in ("fail", "lossy")}
    for row in page.find_elements(By.CSS_SELECTOR, ".matrix tbody tr"):
        assert row.is_displayed() == (row.get_attribute("data-feature") in problem_features)
    passing = next(r for r in report.results if r.outcome == "pass" and r.feature in problem_features)
    _cell(page, passing).click()  # a filtered-out cell opens nothing
    assert not _detail(page, passing).is_displayed()
    page.find_element(By.ID, "show-all").click()
    assert all(cell.is_displayed() for cell in page.find_elements(By.CSS_SELECTOR, "td.cell"))
    box = page.find_element(By.CSS_SELECTOR, "input.filter[value='pass']")
    box.click()
    assert not box.is_selected()
    assert not page.find_element(By.CSS_SELECTOR, ".matrix tbody tr[data-feature='strings']").is_displayed()


def test_kind_filter_hides_the_failures_of_that_kind_only(page: webdriver.Chrome, report: Report) -> None:
    page.find_element(By.CSS_SELECTOR, "input.kind-filter[value='crash']").click()
    for result in report.results:
        word = _cell(page, result).find_element(By.CSS_SELECTOR, ".word")
        assert word.is_displayed() == (result.failure != "crash"), result
    page.find_element(By.ID, "show-all").click()
    assert all(cell.is_displayed() for cell in page.find_elements(By.CSS_SELECTOR, "td.cell"))


# ------------------------------------------------------------------------------------- the legend


def test_the_legend_says_what_each_outcome_and_kind_means_and_links_the_docs(page: webdriver.Chrome) -> None:
    key = page.find_element(By.CSS_SELECTOR, "details.key")
    assert key.is_displayed() and key.get_attribute("open") is not None
    meanings = {
        (term.get_attribute("data-outcome") or term.get_attribute("data-failure")): term.find_element(
            By.XPATH, "following-sibling::dd[1]"
        )
        for term in key.find_elements(By.CSS_SELECTOR, "dl.meanings dt")
    }
    expected = {o: s.meaning for o, s in OUTCOME_STYLES.items()} | {k: m for k, (_, m) in FAILURE_STYLES.items()}
    assert list(meanings) == list(expected)  # every outcome (in order), then every kind of failure
    for name, meaning in expected.items():
        assert meanings[name].is_displayed() and meanings[name].text == meaning
    link = key.find_element(By.CSS_SELECTOR, "a.docs")
    assert link.is_displayed() and link.get_attribute("href") == DOCS_URL and "docs" in link.text


def test_the_docs_link_can_point_elsewhere(driver: webdriver.Chrome, report: Report, tmp_path: Path) -> None:
    driver.get(write_report(report, tmp_path, docs_url="https://docs.example.test/report/")["html"].as_uri())
    link = driver.find_element(By.CSS_SELECTOR, "details.key a.docs")
    assert link.get_attribute("href") == "https://docs.example.test/report/"


def test_every_filter_checkbox_has_a_label_and_its_group_a_caption(page: webdriver.Chrome) -> None:
    for selector, values in (("input.filter", list(OUTCOMES)), ("input.kind-filter", list(FAILURE_STYLES))):
        boxes = page.find_elements(By.CSS_SELECTOR, selector)
        assert [box.get_attribute("value") for box in boxes] == values
        for box in boxes:
            label = box.find_element(By.XPATH, "ancestor::label")
            assert label.is_displayed() and label.text.split()[0] == box.get_attribute("value")
            assert (label.get_attribute("title") or "").startswith(f"show the {box.get_attribute('value')} ")
            group = box.find_element(By.XPATH, "ancestor::*[@role='group']")
            caption = page.find_element(By.ID, group.get_attribute("aria-labelledby") or "")
            assert caption.is_displayed() and caption.text.startswith("Show ")
    # Clicking the label's words toggles its box: the label is the box's.
    label = page.find_element(By.CSS_SELECTOR, "label.outcome-pass")
    label.click()
    assert not page.find_element(By.CSS_SELECTOR, "input.filter[value='pass']").is_selected()


def test_a_cells_numbers_say_what_they_count(page: webdriver.Chrome, report: Report) -> None:
    failed = next(r for r in report.results if r.counterexample is not None)
    _cell(page, failed).click()
    facts = _detail(page, failed).find_element(By.CSS_SELECTOR, "dl.facts")
    titles = {term.text: term.get_attribute("title") or "" for term in facts.find_elements(By.TAG_NAME, "dt")}
    assert list(titles) == ["examples", "refused", "seconds", "failure", "check", "stream"]
    assert all(len(title) > 20 for title in titles.values()), titles
    assert "round trips" in titles["examples"] and "refused up front" in titles["refused"]
    assert "start-up" in titles["seconds"]  # a worker's first cell carries the process's start-up: said so
    for value in facts.find_elements(By.TAG_NAME, "dd"):  # the number itself carries the same title
        term = value.find_element(By.XPATH, "preceding-sibling::dt[1]")
        assert value.get_attribute("title") == term.get_attribute("title")


def test_a_pass_panel_says_what_passed(page: webdriver.Chrome, report: Report) -> None:
    passed = next(r for r in report.results if r.outcome == "pass")
    _cell(page, passed).click()
    meaning = _detail(page, passed).find_element(By.CSS_SELECTOR, "p.meaning")
    assert meaning.is_displayed()
    assert meaning.text.startswith(f"Passed: {passed.examples} round trips of models drawn with {passed.feature}")
    assert "came back exactly as sent, plain and streamed" in meaning.text
    failed = next(r for r in report.results if r.failure == "crash")
    _cell(page, failed).click()
    text = _detail(page, failed).find_element(By.CSS_SELECTOR, "p.meaning").text
    assert f"This one is crash: {FAILURE_STYLES['crash'][1]}." in text


# ------------------------------------------------------------------------------------ the symbols


def _pixels(png: bytes) -> list[tuple[int, int, int]]:
    """The RGB pixels of a screenshot (8-bit RGB or RGBA, not interlaced: what Chromium writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, data, width, height, channels = 8, b"", 0, 0, 0
    while position < len(png):
        (length,), kind = struct.unpack(">I", png[position : position + 4]), png[position + 4 : position + 8]
        chunk = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6) and chunk[12] == 0, chunk
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            data += chunk
        position += 12 + length
    raw, stride, previous = zlib.decompress(data), width * channels, bytearray(width * channels)
    pixels: list[tuple[int, int, int]] = []
    for row in range(height):
        row_filter, line = raw[row * (stride + 1)], bytearray(raw[row * (stride + 1) + 1 : (row + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if row_filter == 1:
                line[i] = (line[i] + left) & 0xFF
            elif row_filter == 2:
                line[i] = (line[i] + up) & 0xFF
            elif row_filter == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif row_filter == 4:
                p = left + up - corner
                nearest = min((abs(p - left), 0, left), (abs(p - up), 1, up), (abs(p - corner), 2, corner))[2]
                line[i] = (line[i] + nearest) & 0xFF
        pixels += [(line[i], line[i + 1], line[i + 2]) for i in range(0, stride, channels)]
        previous = line
    return pixels


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def test_outcome_symbols_are_drawn_by_css_not_emoji(driver: webdriver.Chrome, tmp_path: Path) -> None:
    # This machine has no emoji font: an emoji would be an empty box. The symbols are shapes the page draws.
    # One cell of every outcome there is, so an outcome added later is checked too.
    results = {o: CellResult("openai", o, 1, o, failure="crash" if o == "fail" else None) for o in OUTCOMES}
    page = driver
    page.get(write_report(Report(list(results.values())), tmp_path)["html"].as_uri())
    page_text = page.find_element(By.TAG_NAME, "body").text
    assert not any(symbol in page_text for symbol in SYMBOLS.values())
    for outcome, style in OUTCOME_STYLES.items():
        symbol = _cell(page, results[outcome]).find_element(By.CSS_SELECTOR, ".sym")
        assert symbol.get_attribute("textContent") == "" and symbol.get_attribute("aria-hidden") == "true"
        computed = page.execute_script(
            "var s = getComputedStyle(arguments[0]), a = getComputedStyle(arguments[0], '::after');"
            "return {width: parseFloat(s.width), height: parseFloat(s.height), border: s.borderTopColor,"
            " radius: s.borderTopLeftRadius, background: s.backgroundColor, image: s.backgroundImage,"
            " after: a.content, display: s.display}",
            symbol,
        )
        assert computed["display"] == "inline-block" and computed["width"] == computed["height"] >= 10, computed
        assert computed["border"] == "rgb({}, {}, {})".format(*_rgb(style.colour)), computed
        if style.shape in ("check", "cross"):  # a filled disc with a white mark drawn by its pseudo-elements
            assert computed["background"] == computed["border"] and computed["after"] == '""', computed
        elif style.shape == "half":
            assert "linear-gradient" in computed["image"], computed
        # Drawn: the symbol's own pixels hold its outcome's colour (within anti-aliasing), a filled disc most.
        pixels = _pixels(symbol.screenshot_as_png)
        target = _rgb(style.colour)
        near = [p for p in pixels if sum(abs(a - b) for a, b in zip(p, target, strict=True)) < 40]
        assert len(near) >= len(pixels) // (3 if style.shape in ("check", "cross") else 20), (outcome, len(near))


def test_every_outcome_and_kind_has_a_style() -> None:
    assert list(OUTCOME_STYLES) == list(OUTCOMES)
    assert list(FAILURE_STYLES) == ["loses_data", "rejected", "crash", "looser"]
    assert len({style.shape for style in OUTCOME_STYLES.values()}) == len(OUTCOMES)  # told apart without colour


# --------------------------------------------------------------------------------- a narrow window


@pytest.fixture
def narrow(driver: webdriver.Chrome) -> Iterator[webdriver.Chrome]:
    """The browser as a 420 px wide phone-sized window, for one test."""
    metrics = {"width": 420, "height": 800, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        yield driver
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def _wide_report(columns: int) -> Report:
    providers = [f"provider-{index}+strict" for index in range(columns)]
    features = [f"feature_{index:02}" for index in range(39)]
    cells = [(p, f) for f in features for p in providers]
    outcomes = [OUTCOMES[index % len(OUTCOMES)] for index in range(len(cells))]
    results = [
        CellResult(p, f, 100, outcome, failure="crash" if outcome == "fail" else None)
        for (p, f), outcome in zip(cells, outcomes, strict=True)
    ]
    return Report(results, providers=providers, features=features)


def _box(driver: webdriver.Chrome) -> dict[str, float]:
    box: dict[str, float] = driver.execute_script(
        "var b = document.querySelector('.matrix-wrap'), r = b.getBoundingClientRect();"
        "return {left: r.left + b.clientLeft, top: r.top + b.clientTop, right: r.right, scrollWidth: b.scrollWidth,"
        " clientWidth: b.clientWidth, scrollHeight: b.scrollHeight, clientHeight: b.clientHeight}"
    )
    return box


@pytest.mark.parametrize("columns", [8, 24])  # today's providers, and three times as many
def test_at_420_px_only_the_matrix_scrolls_sideways(narrow: webdriver.Chrome, tmp_path: Path, columns: int) -> None:
    narrow.get(write_report(_wide_report(columns), tmp_path)["html"].as_uri())
    assert narrow.execute_script("return innerWidth") == 420
    assert narrow.execute_script("return document.documentElement.scrollWidth <= innerWidth")
    box = _box(narrow)
    assert box["scrollWidth"] > box["clientWidth"] and box["scrollHeight"] > box["clientHeight"]  # both ways
    # Scrolled right and down, the feature column stays at the box's left and the header row at its top.
    narrow.execute_script("var b = document.querySelector('.matrix-wrap'); b.scrollLeft = 10000; b.scrollTop = 10000;")
    assert narrow.execute_script("return document.querySelector('.matrix-wrap').scrollLeft") > 0
    feature = narrow.find_element(By.CSS_SELECTOR, ".matrix tbody tr:last-child th.feature")
    assert feature.is_displayed()
    left = narrow.execute_script("return arguments[0].getBoundingClientRect().left", feature)
    assert abs(left - box["left"]) < 1
    assert abs(_top(narrow, ".matrix thead") - box["top"]) < 1
    # The last column's cell is in view, and opens its panel, which fits the window too.
    last = narrow.find_element(By.CSS_SELECTOR, ".matrix tbody tr:last-child td.cell:last-child")
    last.click()
    detail = narrow.find_element(By.ID, last.get_attribute("aria-controls") or "")
    assert detail.is_displayed()
    assert narrow.execute_script("return arguments[0].getBoundingClientRect().right", detail) <= 420
    assert narrow.execute_script("return document.documentElement.scrollWidth <= innerWidth")
    assert _severe(narrow) == []


def test_a_wide_window_keeps_the_panel_beside_a_matrix_three_times_as_wide(
    driver: webdriver.Chrome, tmp_path: Path
) -> None:
    driver.get(write_report(_wide_report(24), tmp_path)["html"].as_uri())
    assert driver.execute_script("return document.documentElement.scrollWidth <= innerWidth")
    box = _box(driver)
    assert box["scrollWidth"] > box["clientWidth"]  # the matrix scrolls in its box...
    panel = driver.execute_script("return document.getElementById('panel').getBoundingClientRect().toJSON()")
    assert panel["left"] >= box["right"] and panel["width"] >= 320  # ...and the panel keeps its place beside it
