"""The built book in a real browser (Debian's headless chromium, driven by selenium), opened from
disk with no network: every page shows its images and logs no console errors; at the usual width
(1400 px) and on a phone (400 px) no table or figure runs past the page or is cut off; an
interactive table sorts and searches, with nothing fetched from the network."""

import re
import shutil

import pytest
from selenium.webdriver.common.by import By
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

from repro.book.sections import sections

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
INSTALL = "install Debian's chromium and chromium-driver (scripts/install-browser.sh does it as root)"
#: the usual width of a reader's window, and a phone's
WIDE, NARROW = 1400, 400
#: every table and figure of a page's article that runs past the window or is cut off by an
#: ancestor that hides its overflow; one inside a scroll box (a DataTable's, a cell output's) is
#: fine as long as the box itself fits. Also whether the page as a whole scrolls sideways.
OVERFLOWS = """
const width = document.documentElement.clientWidth, problems = [];
for (const el of document.querySelectorAll("article table, article img, article .plotly-graph-div, article figure")) {
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0 || el.closest("[hidden]")) continue;
  // a DataTable's header and footer copies scroll with its body, checked through the body
  if (el.closest(".dt-scroll-head, .dt-scroll-foot")) continue;
  let node = el.parentElement, verdict = null;
  for (; node && node !== document.body; node = node.parentElement) {
    const overflow = getComputedStyle(node).overflowX, box = node.getBoundingClientRect();
    if (overflow === "auto" || overflow === "scroll") {
      if (box.right > width + 1) verdict = `its scroll box ends at ${Math.round(box.right)} px`;
      break;
    }
    if ((overflow === "hidden" || overflow === "clip") && r.right > box.right + 1) {
      verdict = `cut off at ${Math.round(box.right)} px by ${node.tagName}.${node.className}`;
      break;
    }
  }
  if ((!node || node === document.body) && r.right > width + 1) verdict = `ends at ${Math.round(r.right)} px`;
  if (verdict) problems.push(`${el.tagName}#${el.id} (${Math.round(r.width)} px wide): ${verdict}`);
}
if (document.documentElement.scrollWidth > width + 1)
  problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px > ${width} px`);
return problems;
"""
#: resources a page loaded from anywhere but the disk (the site must work offline)
FETCHED = "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith('file:'));"


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMIUM and DRIVER, INSTALL
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--window-size=1400,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def _visit(browser, page):
    browser.get(page.as_uri())
    browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.currentSrc || i.src, i.complete, i.naturalWidth]);")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    return images, errors


def test_figure1_page_shows_its_images(built_book, browser):
    images, errors = _visit(browser, built_book.html / "executed" / "fig1.html")
    figures = [i for i in images if "_images" in i[0]]
    assert len(figures) >= 3, images
    assert all(complete and width > 0 for _, complete, width in figures), figures
    assert errors == []


def test_every_page_loads_its_images_without_console_errors(built_book, browser):
    for section in sections():
        images, errors = _visit(browser, built_book.html / "executed" / f"{section.name}.html")
        broken = [i for i in images if not (i[1] and i[2] > 0)]
        assert broken == [], (section.name, broken)
        assert errors == [], (section.name, errors)


@pytest.mark.parametrize("width", [WIDE, NARROW])
def test_no_table_or_figure_overflows_the_page(built_book, browser, width):
    browser.set_window_size(width, 1000)
    try:
        for section in sections():
            browser.get((built_book.html / "executed" / f"{section.name}.html").as_uri())
            problems = browser.execute_script(OVERFLOWS)
            assert problems == [], (width, section.name, problems)
    finally:
        browser.set_window_size(WIDE, 1000)


def _interactive_table(browser, page, entries_at_least: int):
    """The first DataTable of ``page`` that pages more than ``entries_at_least`` rows."""
    browser.get(page.as_uri())
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, "div.dt-container .dt-info"))
    assert browser.execute_script("return typeof window.reproITables") == "object", "the site's DataTables bundle"
    for container in browser.find_elements(By.CSS_SELECTOR, "div.dt-container"):
        info = container.find_elements(By.CSS_SELECTOR, ".dt-info")
        total = re.search(r"of ([\d,]+) entries", info[0].text) if info else None
        if total and int(total[1].replace(",", "")) > entries_at_least:
            return container, int(total[1].replace(",", ""))
    raise AssertionError(f"{page.name}: no interactive table of more than {entries_at_least} rows")


def _column(container, name: str) -> tuple[int, list[str]]:
    headers = [th.text for th in container.find_elements(By.CSS_SELECTOR, ".dt-scroll-head th")]
    index = headers.index(name)
    rows = container.find_elements(By.CSS_SELECTOR, ".dt-scroll-body tbody tr")
    return index, [row.find_elements(By.CSS_SELECTOR, "td")[index].text for row in rows]


def _click_until(browser, element, attribute: str, value: str, tries: int = 3) -> None:
    """Click ``element`` until its ``attribute`` reads ``value``: on a busy machine DataTables can
    still be drawing the last order when the next click arrives, and drops that click."""
    for _ in range(tries):
        element.click()
        try:
            WebDriverWait(browser, 3).until(lambda b: element.get_attribute(attribute) == value)
            return
        except TimeoutException:
            continue
    assert element.get_attribute(attribute) == value


def test_an_interactive_table_sorts_by_a_column(built_book, browser):
    """The status page's table of every report row, sorted by the reproduced value: ascending on
    the first click, descending on the second."""
    container, _ = _interactive_table(browser, built_book.html / "executed" / "status.html", 10)
    index, _ = _column(container, "reproduced")
    header = container.find_elements(By.CSS_SELECTOR, ".dt-scroll-head th")[index]
    pages = []
    for direction in ("ascending", "descending"):
        _click_until(browser, header, "aria-sort", direction)
        values = [float(v) for v in _column(container, "reproduced")[1] if v.strip() not in ("", "nan", "NaN")]
        assert len(values) >= 5 and len(set(values)) > 1, values
        pages.append(values)
    assert pages[0] == sorted(pages[0]) and pages[1] == sorted(pages[1], reverse=True), pages
    assert pages[0][0] < pages[1][0]
    assert browser.execute_script(FETCHED) == []


def test_an_interactive_table_searches_its_rows(built_book, browser):
    """Searching the later models' table for one data family keeps exactly the rows that mention it."""
    container, total = _interactive_table(browser, built_book.html / "executed" / "later_models.html", 20)
    _, families = _column(container, "data_family")
    term = families[0]
    box = container.find_element(By.CSS_SELECTOR, ".dt-search input")
    box.send_keys(term)
    info = container.find_element(By.CSS_SELECTOR, ".dt-info")
    WebDriverWait(browser, 10).until(lambda b: "filtered" in info.text)
    shown = re.search(r"of ([\d,]+) entries \(filtered from ([\d,]+) total entries\)", info.text)
    assert shown and 0 < int(shown[1].replace(",", "")) < int(shown[2].replace(",", "")) == total, info.text
    rows = container.find_elements(By.CSS_SELECTOR, ".dt-scroll-body tbody tr")
    assert rows and all(term.lower() in row.text.lower() for row in rows)
    assert browser.execute_script(FETCHED) == []
