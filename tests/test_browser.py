"""The built book in a real browser (Debian's headless chromium, driven by selenium): every page
shows its images and logs no console errors."""

import shutil

import pytest

from repro.book.sections import sections

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
INSTALL = "install Debian's chromium and chromium-driver (scripts/install-browser.sh does it as root)"


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
