"""The status page (``book/notebooks/status.md``): the gathered reproduction report, its rows per
status with the meaning of each status, the rows beyond rounding with their explanations, and
every row."""

from __future__ import annotations

import pandas as pd

from repro.report import STATUS_MEANINGS, STATUSES, load_report

__all__ = ["differences", "full_table", "glue_values", "load_report", "status_counts"]


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
    """Plain values for the status page: ``n_rows`` and ``n_with_paper`` (rows with a printed value)."""
    return {"n_rows": int(len(rows)), "n_with_paper": int(rows["paper"].notna().sum())}


def differences(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows beyond rounding, with their explanations (an unexplained one is a defect)."""
    chosen = rows[rows["status"].isin(["differs, explained", "differs"])]
    return chosen[["item", "quantity", "reproduced", "paper", "difference", "status", "explanation"]].reset_index(drop=True)


def full_table(rows: pd.DataFrame):
    """Every row, as a styled table (long: scrollable on the page)."""
    return rows[["section", "item", "quantity", "reproduced", "paper", "difference", "status"]].style.format(
        {"reproduced": "{:.4g}", "paper": "{:.4g}", "difference": "{:+.3g}"}, na_rep="")
