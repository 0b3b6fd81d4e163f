"""Every row of the paper profile's reproduction report, checked against the rule its status
states, from the row's own numbers (the definitions are :mod:`repro.report`'s):

* a row with a printed value carries the printed decimals ``d`` and ``difference = reproduced - paper``;
  with one unit ``u = 10 ** -d``: ``|difference| <= u / 2`` is "exact", ``<= u`` "within
  rounding", beyond is "differs, explained" with an explanation, else "differs";
* a row without a printed value is "reproduced", "measured", "printed name" or a check, with no
  difference and no decimals; a check carries its target and its status follows from it;
* a "printed name" row names one of the paper's budget labels (3B, 13B, 34B) in its quantity;
* no budget label is ever compared as a value (a samples-seen row with 3, 13 or 34 in ``paper``);
* on a row with a printed value, an explanation sits only where it differs beyond one unit (a row
  without a printed value may carry a note saying what it is);
* no row is "differs" (a difference nobody explained).

Executing every notebook with the paper profile takes minutes, so the report is built once per
session, in a copy of the book (the smoke build's executed notebooks are left alone).
"""

from __future__ import annotations

import math
import re
import shutil

import pandas as pd
import pytest

from repro.book.build import prepare
from repro.constants import BUDGET_LABELS, book_dir
from repro.report import STATUSES, load_report

pytestmark = pytest.mark.slow

_PRINTED_NAME = re.compile(r"\(printed as (\S+)\)$")


@pytest.fixture(scope="session")
def paper_report(tmp_path_factory) -> pd.DataFrame:
    book = tmp_path_factory.mktemp("paper-book") / "book"
    shutil.copytree(book_dir(), book, ignore=shutil.ignore_patterns("_build", "executed", "_vendor", "_static"))
    preparation = prepare("paper", book=book)
    return load_report(preparation.report)


def expected_status(row) -> str:
    """The status the row's own numbers call for (the module docstring's rules)."""
    if row.status == "forecast checked":
        return row.status   # a forecast beside a later measurement: no rounding rule applies
    if isinstance(row.target, str) and row.target:
        return "check passed" if _meets(row.reproduced, row.target) else "check failed"
    if pd.isna(row.paper):
        if _PRINTED_NAME.search(row.quantity):
            return "printed name"
        return row.status if row.status in ("reproduced", "measured") else "reproduced or measured"
    unit = 10.0 ** -int(row.decimals)
    slack = 1e-9 * max(unit, abs(row.paper), abs(row.reproduced))
    off = abs(row.reproduced - row.paper)
    if off <= unit / 2 + slack:
        return "exact"
    if off <= unit + slack:
        return "within rounding"
    return "differs, explained" if row.explanation else "differs"


def _meets(value: float, target: str) -> bool:
    """Whether ``value`` meets a check's target as :func:`repro.report.check` writes it."""
    if target.startswith("in ["):
        low, high = (float(v) for v in target[4:-1].split(","))
        return low <= value <= high
    op, bound = target.split()
    return value >= float(bound) if op == ">=" else value <= float(bound)


def test_every_row_has_the_status_its_numbers_call_for(paper_report):
    assert len(paper_report) > 400
    wrong = []
    for row in paper_report.itertuples(index=False):
        problems = []
        if row.status not in STATUSES:
            problems.append("unknown status")
        if pd.isna(row.paper):
            if not (pd.isna(row.difference) and pd.isna(row.decimals)):
                problems.append("difference or decimals without a printed value")
        else:
            if pd.isna(row.decimals):
                problems.append("printed value without its decimals")
            elif not math.isclose(row.difference, row.reproduced - row.paper, rel_tol=1e-9, abs_tol=1e-12):
                problems.append("difference is not reproduced - paper")
        if not problems and row.status != expected_status(row):
            problems.append(f"expected {expected_status(row)!r}")
        if problems:
            wrong.append(f"{row.section}/{row.item}/{row.quantity}: {row.status} ({'; '.join(problems)})")
    assert not wrong, "\n".join(wrong)


def test_nothing_differs_without_an_explanation(paper_report):
    unexplained = paper_report[paper_report["status"] == "differs"]
    assert unexplained.empty, unexplained[["section", "item", "quantity", "reproduced", "paper"]].to_string()


def test_budget_labels_are_printed_names_never_values(paper_report):
    names = paper_report[paper_report["status"] == "printed name"]
    assert len(names) >= 29   # at least Table 18's samples seen, one per run
    labels = names["quantity"].str.extract(_PRINTED_NAME)[0]
    assert labels.isin(BUDGET_LABELS).all(), names[~labels.isin(BUDGET_LABELS)]["quantity"].tolist()
    compared = paper_report[paper_report["quantity"].str.contains("samples_seen")
                            & paper_report["paper"].isin([3.0, 13.0, 34.0])]
    assert compared.empty, compared[["item", "quantity", "paper", "status"]].to_string()


def test_explanations_of_compared_rows_sit_only_beyond_one_unit(paper_report):
    explained = paper_report[(paper_report["explanation"] != "") & paper_report["paper"].notna()
                             & (paper_report["status"] != "forecast checked")]
    stray = explained[explained["status"] != "differs, explained"]
    assert stray.empty, stray[["item", "quantity", "status", "explanation"]].to_string()


def test_vit_l14_gmacs_equal_table25(paper_report):
    (row,) = paper_report[(paper_report["item"] == "table25")
                          & (paper_report["quantity"] == "gmacs_per_sample L/14")].itertuples(index=False)
    assert row.paper == 87.73 and row.status == "exact" and round(row.reproduced, 2) == 87.73
