"""The front page and the status page: the item table, the chapter table read from the table of
contents, and the status counts with each status's meaning."""

import shutil

import pandas as pd
import pytest

from repro.chapters import index, status
from repro.constants import book_dir
from repro.report import STATUSES, check, compare, compare_name, forecast, measured, rows_frame


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
    assert table.loc["table18", "status"] == "recomputed" and table.loc["table18", "compared"] == 0
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
    assert status.glue_values(report) == {"n_rows": 3, "n_with_paper": 2, "n_checks": 0, "n_checks_failed": 0}
    failed = pd.concat([report, rows_frame([check("u", "coverage", 0.58, at_least=0.85)], section="u")],
                       ignore_index=True)
    assert status.glue_values(failed)["n_checks_failed"] == 1
    assert status.failed_checks(failed).to_dict("records") == [
        {"section": "u", "item": "u", "quantity": "coverage", "reproduced": 0.58, "target": ">= 0.85"}]
    assert list(status.differences(report)["quantity"]) == ["alpha"]


def test_counts_keep_the_papers_printed_numbers_apart_from_later_model_comparisons(report):
    later = rows_frame([forecast("table04", "imagenet G/14", forecast_value=80.75, measured_value=80.09)],
                       section="later_models")
    rows = pd.concat([report, later], ignore_index=True)
    assert index.printed_counts(rows) == {"paper": 2, "later_models": 1}
    values = index.glue_values(rows, index.item_status(rows))
    assert values["n_compared"] == 3 and values["n_paper_printed"] == 2 and values["n_later_compared"] == 1
    counts = index.route_counts()
    assert sum(counts.values()) == len(index.ITEMS) == values["n_items"]
    assert values["n_route_recompute"] == counts["recompute"] and counts["run"] == 1
    assert "**needs a run** (1 of" in index.routes_markdown()


def test_findings_are_computed_from_the_report_and_wait_for_missing_rows(report):
    table = index.findings(report).set_index("page")
    assert list(index.findings(report)["page"]) == ["fig1", "uncertainty", "zeroshot", "predictions", "later_models",
                                                    "uncertainty", "mini"]
    # fig1's one row differs without an explanation
    assert table.loc["fig1", "verdict"] == "exponents not reproduced: 0 of 1 printed values exact, 1 differs without one (a defect)."
    assert table.loc["later_models", "verdict"] == "not yet computed."
    assert table.loc["zeroshot", "verdict"] == "not yet computed."
    rows = pd.concat([report, rows_frame([measured("bottleneck", "claim_C_holds_beyond_noise", 1),
                                          measured("bottleneck", "claim_C_measures", 4)], section="zeroshot"),
                      rows_frame([measured("uncertainty", "n_openclip_steeper_both", 2),
                                  measured("uncertainty", "n_openai_steeper_both", 1),
                                  measured("uncertainty", "n_undecided_both", 38),
                                  check("uncertainty", "best_coverage", 0.88, at_least=0.85, at_most=0.95),
                                  check("uncertainty", "selected_beats_paper", 1, at_least=4)], section="uncertainty"),
                      rows_frame([measured("later", f"in_family {q}", v) for q, v in
                                  (("n", 5), ("independent runs", 3), ("measured below forecast", 4),
                                   ("mean residual imagenet1k", -1.0), ("mean residual imagenet1k ci90 low", -1.6),
                                   ("mean residual imagenet1k ci90 high", -0.3))], section="later_models")],
                     ignore_index=True)
    found = index.findings(rows)
    verdicts = dict(zip(found["finding"].str[:20], found["verdict"]))
    assert found.loc[2, "verdict"] == "C holds beyond noise on 1 of 4 measures."
    assert "38 of 41 intervals contain zero" in found.loc[1, "verdict"] and "point estimates" in found.loc[1, "verdict"]
    assert found.loc[5, "verdict"] == "1 of 2 targets met; missed: selected_beats_paper 1 (target >= 4)."
    assert found.loc[4, "verdict"].startswith("5 in-family forecasts") and "below the forecast" in found.loc[4, "verdict"]
    assert "[Power laws" in index.findings_markdown(found) and "(fig1.ipynb)" in index.findings_markdown(found)
    assert len(verdicts) == 7
