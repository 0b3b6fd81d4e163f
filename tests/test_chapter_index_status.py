"""The front page and the status page: the item table, the chapter table read from the table of
contents, and the status counts with each status's meaning."""

import shutil

import pandas as pd
import pytest

from repro.chapters import index, status
from repro.constants import book_dir
from repro.report import STATUSES, compare, compare_name, rows_frame


@pytest.fixture
def report():
    rows = [compare("table25", "gmacs_per_sample L/14", 87.7345, 87.73, decimals=2),
            compare_name("table18", "samples_seen_billions ViT-L/14 LAION-2B", 32.0, "34B"),
            compare("fig1a", "alpha", 0.5, 0.3, decimals=2)]
    frame = rows_frame(rows[:2], section="setup")
    return pd.concat([frame, rows_frame(rows[2:], section="fig1")], ignore_index=True)


def test_item_status_is_the_worst_of_its_compared_rows(report):
    table = index.item_status(report).set_index("item")
    assert len(table) == len(index.ITEMS)
    assert table.loc["table25", "status"] == "exact" and table.loc["table25", "compared"] == 1
    # a printed name has no paper value: table18 falls back to its route's status
    assert table.loc["table18", "status"] == "reproduced" and table.loc["table18", "compared"] == 0
    assert table.loc["fig1a", "status"] == "differs" and table.loc["fig1a", "differs"] == 1
    assert "[Table 25: architectures](#table25)" in index.status_markdown(table.reset_index())


def test_chapter_table_follows_the_table_of_contents(report):
    table = index.chapter_status(report).set_index("section")
    assert list(table.index) == index.toc_chapters()[1:]
    assert table.loc["setup", "title"] == "Training setup and resources"
    assert table.loc["setup", "rows"] == 2 and table.loc["setup", "exact"] == 1 and table.loc["setup", "printed name"] == 1
    assert table.loc["fig1", "differs"] == 1 and table.loc["mini", "rows"] == 0
    markdown = index.chapters_markdown(table.reset_index())
    assert "| [Training setup and resources](setup.ipynb) | 2 |" in markdown
    assert markdown.splitlines()[0].count("|") == len(STATUSES) + 3


def test_a_new_chapter_appears_without_a_code_edit(tmp_path, report):
    book = tmp_path / "book"
    shutil.copytree(book_dir(), book, ignore=shutil.ignore_patterns("_build", "executed", "_vendor", "_static"))
    (book / "notebooks" / "later.md").write_text("---\n---\n\n# Later models\n\nText.\n")
    toc = (book / "_toc.yml").read_text()
    (book / "_toc.yml").write_text(toc.replace("      - file: executed/mini\n",
                                               "      - file: executed/mini\n      - file: executed/later\n"))
    later = rows_frame([compare("later", "x", 1.0)], section="later")
    table = index.chapter_status(pd.concat([report, later], ignore_index=True), book).set_index("section")
    assert table.loc["later", "title"] == "Later models" and table.loc["later", "reproduced"] == 1


def test_status_counts_explain_each_status(report):
    counts = status.status_counts(report)
    assert list(counts.index) == list(STATUSES)
    assert counts.loc["printed name", "rows"] == 1 and counts.loc["printed name", "with a paper value"] == 0
    assert counts["meaning"].str.endswith(".").all()
    assert status.glue_values(report) == {"n_rows": 3, "n_with_paper": 2}
    assert list(status.differences(report)["quantity"]) == ["alpha"]
