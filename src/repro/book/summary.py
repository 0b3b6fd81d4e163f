"""Tables of the status page, from the gathered reproduction report."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from repro.report import REPORT_COLUMNS, STATUSES


def load_report(report_file: str | Path = "") -> pd.DataFrame:
    """The gathered report (``""``: ``runs/paper/reproduction.csv``)."""
    from repro.book.build import report_file as default_report

    path = Path(report_file) if report_file else default_report("paper")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no reproduction report; build the book (repro build) to write it")
    rows = pd.read_csv(path)
    missing = [c for c in REPORT_COLUMNS if c not in rows.columns]
    if missing:
        raise ValueError(f"{path}: not a reproduction report, missing column(s) {missing}")
    rows["explanation"] = rows["explanation"].fillna("")
    return rows


def status_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows per status, overall and among those with a paper value."""
    with_paper = rows[rows["paper"].notna()]
    return pd.DataFrame({
        "rows": rows["status"].value_counts().reindex(STATUSES, fill_value=0),
        "with a paper value": with_paper["status"].value_counts().reindex(STATUSES, fill_value=0),
    })


def differences(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows beyond rounding, with their explanations (an unexplained one is a defect)."""
    chosen = rows[rows["status"].isin(["differs, explained", "differs"])]
    return chosen[["item", "quantity", "reproduced", "paper", "difference", "status", "explanation"]].reset_index(drop=True)


def full_table(rows: pd.DataFrame):
    """Every row, as a styled table (long: scrollable on the page)."""
    return rows[["section", "item", "quantity", "reproduced", "paper", "difference", "status"]].style.format(
        {"reproduced": "{:.4g}", "paper": "{:.4g}", "difference": "{:+.3g}"}, na_rep="")
