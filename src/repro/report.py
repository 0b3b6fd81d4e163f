"""The reproduction report and the numbers of the prose: the primitives every chapter uses.

One row per reproduced quantity, beside the paper's printed value.

Each notebook builds its rows with :func:`compare` (a printed value) or :func:`compare_name` (a
printed name) and saves them with :func:`save_rows` under its section name; the build gathers every
section's rows into one CSV (``runs/paper/reproduction.csv`` for the paper profile, see
:func:`report_path`) that the status page renders.

Status of a row (the paper prints values rounded to ``decimals`` places; one unit is
``10 ** -decimals``):

* ``exact``: our value is within half a unit of the printed value, so it rounds to it (a value
  exactly half-way counts: the paper's rounding of ties is unknown);
* ``within rounding``: more than half a unit off, at most one unit;
* ``printed name``: the paper prints a name, not a measurement (the budget labels "3B", "13B",
  "34B" of Tables 16-24 and 18); the row gives the actual value and leaves ``paper`` empty;
* ``differs, explained``: more than one unit off, with the explanation its page wrote for this row;
* ``differs``: more than one unit off and nobody explained why (a defect: the strict build fails);
* ``reproduced``: no printed value to compare with (``paper`` is empty);
* ``measured``: a quantity of the book's own beyond the paper (an interval, a backtest error, a
  miniature-study figure): no printed value and no target;
* ``check passed`` / ``check failed``: a quantity of ours held to a target stated in advance (the
  ``target`` column, e.g. ``>= 0.95``), built with :func:`check`; a failed check is a finding, not a
  defect of the reproduction, and never reads "reproduced";
* ``forecast checked``: a forecast set beside a later measurement (the chapter on the models
  trained since the paper), not a reproduction of a printed number; built with :func:`forecast`:
  ``reproduced`` holds the measurement, ``paper`` the forecast, ``difference`` = measured - forecast.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from repro.constants import RUNS_DIR
from repro.errors import DataNotFoundError, ParameterError, SchemaError

REPORT_COLUMNS = ("item", "quantity", "reproduced", "paper", "difference", "status", "explanation", "section",
                  "decimals", "target")
STATUSES = ("exact", "within rounding", "printed name", "differs, explained", "differs", "reproduced",
            "measured", "check passed", "check failed", "forecast checked")
#: The statuses of a quantity held to a target (:func:`check`).
CHECK_STATUSES = ("check passed", "check failed")
#: One sentence per status, for the status page.
STATUS_MEANINGS = {
    "exact": "Our value is within half a unit of the paper's last printed digit, so it rounds to the printed value.",
    "within rounding": "Our value is more than half a unit but at most one unit of the last printed digit away.",
    "printed name": "The paper prints a name here (a budget label such as 3B), not a measurement; the row gives "
                    "the actual value and leaves the paper column empty.",
    "differs, explained": "Our value is more than one unit away, and the row carries the reason found for this "
                          "particular quantity.",
    "differs": "Our value is more than one unit away and nobody has explained why: a defect, which fails the "
               "strict build.",
    "reproduced": "The paper prints no value for this quantity; the row records ours.",
    "measured": "A quantity of this book's own, beyond the paper (an interval, a backtest error, a miniature-study "
                "figure): there is no printed value and no target.",
    "check passed": "A quantity of ours held to a target stated before the result (the target column); it met it.",
    "check failed": "A quantity of ours held to a target stated before the result (the target column); it missed "
                    "it: a finding, reported as measured, not a defect of the reproduction.",
    "forecast checked": "A forecast (the paper's law, or a printed forecast of Table 4) checked against a model "
                        "measured after the paper; the reproduced column holds the measurement, the paper column "
                        "the forecast, the difference is measured - forecast.",
}
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
    decimals: int | None = None  # the paper's printed decimals (negative: tens, hundreds); None without a value
    target: str = ""     # for a check: the target it was held to, e.g. ">= 0.95"; empty otherwise


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
        The printed value; None or NaN where the paper prints none (the row is "reproduced").
    decimals : int, optional
        Decimals the paper prints (negative for tens, hundreds, ...); required with ``paper``.
    explanation : str
        Why this row's difference beyond one unit is what it is, written for this row from what
        was found; shown on the page and the status page. Without it such a row is "differs".

    Notes
    -----
    With one unit ``u = 10 ** -decimals``: ``|reproduced - paper| <= u / 2`` is "exact" (the tie
    included, since the paper's rounding of ties is unknown), ``<= u`` is "within rounding", beyond
    is "differs, explained" or "differs". The bounds carry a 1e-9 relative slack for float noise
    (0.1 + 0.2 against 0.3 is exact).

    Examples
    --------
    >>> compare("t", "q", 2.5, 3, decimals=0).status
    'exact'
    >>> compare("t", "q", 2.51, 2.5, decimals=1).status
    'exact'
    >>> compare("t", "q", 2.6, 2.5, decimals=1).status
    'within rounding'
    >>> compare("t", "q", 2.61, 2.5, decimals=1).status
    'differs'
    """
    reproduced = float(reproduced)
    if paper is None or (isinstance(paper, float) and math.isnan(paper)):
        return ReportRow(item, quantity, reproduced, None, None, "reproduced", explanation)
    if decimals is None:
        raise ParameterError(f"{item}/{quantity}: 'decimals' (the paper's printed precision) is required with a paper value")
    paper = float(paper)
    difference = reproduced - paper
    unit = 10.0 ** -decimals
    slack = 1e-9 * max(unit, abs(paper), abs(reproduced))
    if abs(difference) <= unit / 2 + slack:
        status = "exact"
    elif abs(difference) <= unit + slack:
        status = "within rounding"
    else:
        status = "differs, explained" if explanation else "differs"
    return ReportRow(item, quantity, reproduced, paper, difference, status, explanation, decimals=int(decimals))


def compare_name(item: str, quantity: str, reproduced: float, name: str) -> ReportRow:
    """A row for a quantity the paper only names: ``name`` is the printed label (``"3B"``), and
    ``reproduced`` the actual value. The row is "printed name" with ``paper`` left empty, so a
    label is never compared with a measurement; the name is kept at the end of ``quantity``.

    Examples
    --------
    >>> row = compare_name("table18", "samples_seen_billions ViT-B/32 LAION-400M", 2.56, "3B")
    >>> row.status, row.paper, row.quantity
    ('printed name', None, 'samples_seen_billions ViT-B/32 LAION-400M (printed as 3B)')
    """
    return ReportRow(item, f"{quantity} (printed as {name})", float(reproduced), None, None, "printed name")


def measured(item: str, quantity: str, value: float, *, explanation: str = "") -> ReportRow:
    """A row for a quantity of the book's own beyond the paper: no printed value, no target.

    Examples
    --------
    >>> measured("mini", "alpha_frontier", -1.18).status
    'measured'
    """
    return ReportRow(item, quantity, float(value), None, None, "measured", explanation)


def check(item: str, quantity: str, value: float, *, at_least: float | None = None, at_most: float | None = None,
          explanation: str = "") -> ReportRow:
    """A row for a quantity held to a target stated before the result: "check passed" or "check failed".

    Parameters
    ----------
    item, quantity : str
        As in :func:`compare`.
    value : float
        The measured quantity.
    at_least, at_most : float, optional
        The target: ``value >= at_least`` and/or ``value <= at_most`` (one at least is required).
        The row's ``target`` column states it (``">= 0.95"``, ``"<= 30"``, ``"in [0.85, 0.95]"``).

    Examples
    --------
    >>> check("mini", "r2_frontier", 0.955, at_least=0.95).status
    'check passed'
    >>> row = check("uncertainty", "coverage_bootstrap", 0.58, at_least=0.85, at_most=0.95)
    >>> row.status, row.target
    ('check failed', 'in [0.85, 0.95]')
    """
    if at_least is None and at_most is None:
        raise ParameterError(f"{item}/{quantity}: a check needs a target (at_least and/or at_most)")
    value = float(value)
    passed = (at_least is None or value >= at_least) and (at_most is None or value <= at_most)
    if at_least is not None and at_most is not None:
        target = f"in [{at_least:g}, {at_most:g}]"
    else:
        target = f">= {at_least:g}" if at_least is not None else f"<= {at_most:g}"
    return ReportRow(item, quantity, value, None, None, "check passed" if passed else "check failed", explanation,
                     target=target)


def forecast(item: str, quantity: str, *, forecast_value: float, measured_value: float,
             explanation: str = "") -> ReportRow:
    """A row for a forecast checked against a later measurement ("forecast checked").

    ``reproduced`` holds the measurement, ``paper`` the forecast and ``difference`` the residual,
    measured - forecast: the one sign convention of the book (negative: the law over-forecast).

    Examples
    --------
    >>> row = forecast("table04", "imagenet G/14", forecast_value=80.75, measured_value=80.09)
    >>> row.reproduced, row.paper, round(row.difference, 2), row.status
    (80.09, 80.75, -0.66, 'forecast checked')
    """
    measured_value, forecast_value = float(measured_value), float(forecast_value)
    return ReportRow(item, quantity, measured_value, forecast_value, measured_value - forecast_value,
                     "forecast checked", explanation)


def rows_frame(rows: list[ReportRow], *, section: str = "") -> pd.DataFrame:
    """Report rows as a table (for display in a notebook)."""
    frame = pd.DataFrame([asdict(r) for r in rows], columns=list(REPORT_COLUMNS))
    frame["decimals"] = frame["decimals"].astype("Int64")  # written as 2, not 2.0; empty where None
    if section:
        frame["section"] = section
    return frame


def report_path(profile: str = "paper") -> Path:
    """The gathered reproduction report of a profile: ``runs/<profile>/reproduction.csv``."""
    return RUNS_DIR / profile / "reproduction.csv"


def report_dir() -> Path:
    """Where sections save their rows: ``REPRO_REPORT_DIR`` (set by the executor) or ``./report``."""
    return Path(os.environ.get(REPORT_DIR_ENV) or "report")


def save_rows(section: str, rows: list[ReportRow]) -> Path:
    """Write one section's rows to ``<report dir>/<section>.csv`` (replacing earlier rows of that section)."""
    folder = report_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{section}.csv"
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")   # unique per thread and process
    rows_frame(rows, section=section).to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path


def gather(folder: Path) -> pd.DataFrame:
    """Every section's rows in ``folder``, concatenated in section order."""
    parts = [pd.read_csv(p) for p in sorted(Path(folder).glob("*.csv"))]
    if not parts:
        return pd.DataFrame(columns=list(REPORT_COLUMNS))
    # reindex: a section saved before a column was added gets it empty
    return pd.concat(parts, ignore_index=True).reindex(columns=list(REPORT_COLUMNS))


def load_report(report_file: str | Path = "") -> pd.DataFrame:
    """The gathered report of a build (``""``: the paper profile's, :func:`report_path`), with
    empty explanations as ``""``.

    Raises
    ------
    DataNotFoundError
        No report at that path (the book has not been built).
    SchemaError
        The file lacks a column of :data:`REPORT_COLUMNS`.
    """
    path = Path(report_file) if report_file else report_path("paper")
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no reproduction report; build the book (repro build) to write it")
    rows = pd.read_csv(path, dtype={"explanation": "object", "target": "object"})
    missing = [c for c in REPORT_COLUMNS if c not in rows.columns and c != "target"]
    if missing:
        raise SchemaError(f"{path}: not a reproduction report, missing column(s) {missing}")
    if "target" not in rows.columns:  # a report written before checks had targets
        rows["target"] = ""
    rows["explanation"] = rows["explanation"].fillna("")
    rows["target"] = rows["target"].fillna("")
    return rows


class Text(str):
    """A string whose repr is itself, so ``{glue:text}`` shows it without quotes."""

    def __repr__(self) -> str:
        return str(self)


def plain(value):
    """A value ``glue`` renders as the prose expects: NumPy scalars become Python floats/ints,
    strings become :class:`Text` (shown without quotes)."""
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, str) and not isinstance(value, Text):
        return Text(value)
    return value


def glue_all(values: Mapping[str, object]) -> None:
    """``myst_nb.glue(name, value, display=False)`` for every entry, values made plain first.

    Numbers in the prose of a page come from here, never typed (myst-nb renders plain Python
    values; NumPy scalars would print with their type)."""
    from myst_nb import glue  # third-party, needed only inside a notebook kernel

    for name, value in values.items():
        glue(name, plain(value), display=False)
