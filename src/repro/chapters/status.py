"""The status page (``book/notebooks/status.md``): the gathered reproduction report, its rows per
status with the meaning of each status, the rows beyond rounding with their explanations, and
every row."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from repro.report import CHECK_STATUSES, STATUS_MEANINGS, STATUSES, load_report

__all__ = ["Page", "compute", "differences", "failed_checks", "full_table", "glue_values", "load_report",
           "status_counts"]


def status_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows per status, overall and among those with a paper value, with the status's meaning in
    one sentence (:data:`repro.report.STATUS_MEANINGS`)."""
    with_paper = rows[rows["paper"].notna()]
    table = pd.DataFrame({
        "rows": rows["status"].value_counts().reindex(STATUSES, fill_value=0),
        "with a paper value": with_paper["status"].value_counts().reindex(STATUSES, fill_value=0),
        "meaning": pd.Series(STATUS_MEANINGS).reindex(STATUSES),
    })
    table.index.name = "status"
    return table


def glue_values(rows: pd.DataFrame) -> dict[str, int]:
    """Plain values for the status page: ``n_rows`` and ``n_with_paper`` (rows with a value
    beside them), ``n_checks`` and ``n_checks_failed`` (quantities held to a stated target)."""
    checks = rows["status"].isin(CHECK_STATUSES)
    return {"n_rows": int(len(rows)), "n_with_paper": int(rows["paper"].notna().sum()),
            "n_checks": int(checks.sum()), "n_checks_failed": int((rows["status"] == "check failed").sum())}


def failed_checks(rows: pd.DataFrame) -> pd.DataFrame:
    """The checks that missed their target, with the target: findings, not defects."""
    chosen = rows[rows["status"] == "check failed"]
    return chosen[["section", "item", "quantity", "reproduced", "target"]].reset_index(drop=True)


def differences(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows beyond rounding, with their explanations (an unexplained one is a defect)."""
    chosen = rows[rows["status"].isin(["differs, explained", "differs"])]
    return chosen[["item", "quantity", "reproduced", "paper", "difference", "status", "explanation"]].reset_index(drop=True)


def full_table(rows: pd.DataFrame):
    """Every row, as a styled table (long: scrollable on the page)."""
    return rows[["section", "item", "quantity", "reproduced", "paper", "difference", "status", "target"]].style.format(
        {"reproduced": "{:.4g}", "paper": "{:.4g}", "difference": "{:+.3g}"}, na_rep="")


@dataclass(frozen=True)
class Page:
    """The status page: the gathered report."""

    rows: pd.DataFrame

    def report_rows(self) -> list:
        """None: the status page reads the report, it adds nothing to it."""
        return []

    def glue_values(self) -> dict[str, int]:
        """:func:`glue_values` of the report."""
        return glue_values(self.rows)


def compute(report_file: str = "") -> Page:
    """The status page of the report at ``report_file`` (empty: the paper profile's)."""
    return Page(load_report(report_file))
