"""The whole book: every notebook executed by papermill with the smoke profile, the strict build,
the reproduction report, and a second build that re-executes nothing."""

import pandas as pd

from repro.book import build as book_build
from repro.chapters.index import ITEMS, item_status
from repro.book.sections import sections


def test_every_section_executed_without_error(built_book):
    executed = {s.name for s in sections()}
    assert executed == {e.section for e in built_book.preparation.executions}
    for section in sections():
        assert section.executed.is_file(), section.name


def test_strict_build_passes_and_writes_the_site(built_book):
    assert built_book.exit_code == 0, built_book.log_tail
    html = built_book.html
    assert (html / "index.html").is_file()
    for section in sections():
        assert (html / "executed" / f"{section.name}.html").is_file(), section.name


def test_second_build_reexecutes_nothing(built_book):
    again = book_build.prepare("smoke")
    assert again.executed == []


def test_report_rows_and_item_table(built_book):
    rows = pd.read_csv(built_book.preparation.report)
    assert {"fig1a", "fig1b"} <= set(rows["item"])
    assert (rows["status"] != "differs").all(), rows[rows["status"] == "differs"]
    table = item_status(rows)
    assert len(table) == len(ITEMS)
    assert table.set_index("item").loc["fig1a", "status"] == "exact"


def test_pages_offer_their_notebook_and_a_binder_launch(built_book):
    page = (built_book.html / "executed" / "fig1.html").read_text()
    assert "_sources/executed/fig1.ipynb" in page, "the page's source downloadable as a notebook"
    assert "mybinder.org/v2/gh/" in page and "book/executed/fig1.ipynb" in page
    environment = (built_book.html / "executed" / "environment.html").read_text()
    assert "Environment of this build" in environment and "requirements.lock.txt" in environment
