"""The reproduction report and the numbers of the prose: the primitives every chapter uses.

One row per reproduced quantity, beside the paper's printed value.

Each notebook builds its rows with :func:`compare` and saves them with :func:`save_rows` under
its section name; the build gathers every section's rows into one CSV
(``runs/paper/reproduction.csv`` for the paper profile, see :func:`report_path`) that the status
page renders.

Status of a row (the paper prints values rounded to ``decimals`` places):

* ``exact``: our value rounded to the paper's decimals equals the printed value;
* ``within rounding``: off by at most one unit of the last printed digit;
* ``differs, explained``: further off, and the row carries the explanation shown on the page;
* ``differs``: further off with no explanation (a defect the status page flags);
* ``reproduced``: no paper value to compare with.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REPORT_COLUMNS = ("item", "quantity", "reproduced", "paper", "difference", "status", "explanation", "section")
STATUSES = ("exact", "within rounding", "differs, explained", "differs", "reproduced")
REPORT_DIR_ENV = "REPRO_REPORT_DIR"


@dataclass(frozen=True)
class ReportRow:
    item: str            # paper item, e.g. "fig1a", "table04"
    quantity: str        # e.g. "alpha_openclip_imagenet1k"
    reproduced: float
    paper: float | None  # None where the paper prints no value
    difference: float | None
    status: str
    explanation: str = ""
    section: str = ""


def compare(item: str, quantity: str, reproduced: float, paper: float | None = None, *, decimals: int | None = None,
            explanation: str = "") -> ReportRow:
    """One report row: our value beside the paper's, with the difference and a status.

    Parameters
    ----------
    item, quantity : str
        The paper item (``"fig1a"``) and the quantity (``"alpha_openclip_imagenet1k"``).
    reproduced : float
        Our value, in the paper's unit (percent where the paper prints percent).
    paper : float, optional
        The printed value; None or NaN where the paper prints none.
    decimals : int, optional
        Decimals the paper prints; required with ``paper``.
    explanation : str
        Why a difference beyond rounding is expected; shown on the page and the status page.
    """
    reproduced = float(reproduced)
    if paper is None or (isinstance(paper, float) and math.isnan(paper)):
        return ReportRow(item, quantity, reproduced, None, None, "reproduced", explanation)
    if decimals is None:
        raise ValueError(f"{item}/{quantity}: 'decimals' (the paper's printed precision) is required with a paper value")
    paper = float(paper)
    difference = reproduced - paper
    unit = 10.0 ** -decimals
    if round(reproduced, decimals) == round(paper, decimals):
        status = "exact"
    elif abs(difference) <= unit * (1 + 1e-9):
        status = "within rounding"
    else:
        status = "differs, explained" if explanation else "differs"
    return ReportRow(item, quantity, reproduced, paper, difference, status, explanation)


def rows_frame(rows: list[ReportRow], *, section: str = "") -> pd.DataFrame:
    """Report rows as a table (for display in a notebook)."""
    frame = pd.DataFrame([asdict(r) for r in rows], columns=list(REPORT_COLUMNS))
    if section:
        frame["section"] = section
    return frame


def report_dir() -> Path:
    """Where sections save their rows: ``REPRO_REPORT_DIR`` (set by the executor) or ``./report``."""
    return Path(os.environ.get(REPORT_DIR_ENV) or "report")


def save_rows(section: str, rows: list[ReportRow]) -> Path:
    """Write one section's rows to ``<report dir>/<section>.csv`` (replacing earlier rows of that section)."""
    folder = report_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{section}.csv"
    tmp = path.with_suffix(".csv.tmp")
    rows_frame(rows, section=section).to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path


def gather(folder: Path) -> pd.DataFrame:
    """Every section's rows in ``folder``, concatenated in section order."""
    parts = [pd.read_csv(p) for p in sorted(Path(folder).glob("*.csv"))]
    if not parts:
        return pd.DataFrame(columns=list(REPORT_COLUMNS))
    return pd.concat(parts, ignore_index=True)[list(REPORT_COLUMNS)]


def plain(value):
    """A value ``glue`` renders as the prose expects: NumPy scalars become Python floats/ints."""
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def glue_all(values: Mapping[str, object]) -> None:
    """``myst_nb.glue(name, value, display=False)`` for every entry, values made plain first.

    Numbers in the prose of a page come from here, never typed (myst-nb renders plain Python
    values; NumPy scalars would print with their type)."""
    from myst_nb import glue  # third-party, needed only inside a notebook kernel

    for name, value in values.items():
        glue(name, plain(value), display=False)
