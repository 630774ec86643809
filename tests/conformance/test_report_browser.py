"""``report.html`` in a real headless Chromium, driven by Selenium: it loads without a script error, shows one
coloured cell per result, opens a cell's counterexample or reason on click, and filters by outcome.

Chromium and chromedriver come from Debian (``make test`` installs them); Selenium Manager is bypassed by
naming both binaries, so nothing is downloaded.
"""

from __future__ import annotations

import time
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
    script = "var e = document.querySelector(arguments[0]); return e.getBoundingClientRect().top + (arguments[1] ? e.clientTop : 0)"
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
    colours: dict[str, set[str]] = {outcome: set() for outcome in OUTCOMES}
    for result in report.results:
        cell = _cell(page, result)
        assert cell.is_displayed()
        assert cell.get_attribute("data-outcome") == result.outcome
        assert f"outcome-{result.outcome}" in (cell.get_attribute("class") or "").split()
        # Readable without colour too: a failing cell says its kind.
        assert cell.text == (result.failure or result.outcome)  # the symbol is drawn, not a character
        colours[result.outcome].add(cell.value_of_css_property("background-color"))
    # One colour per outcome, and four different ones.
    assert all(len(found) == 1 for found in colours.values()), colours
    assert len({found.pop() for found in colours.values()}) == len(OUTCOMES)


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
