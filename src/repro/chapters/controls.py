"""Chapter "Control experiments" (``book/notebooks/controls.md``): Tables 12-15 as printed
(batch size, a random LAION-2B subset, repeated runs, data loading), with the differences the
paper's text talks about. Nothing here is reproduced: the control runs exist only as printed
numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from repro.data import load_reported
from repro.errors import SchemaError
from repro.report import ReportRow, Text
from repro.scaling import verdicts

#: The batch-size effect as the paper's text states it (points of ImageNet top-1, one decimal).
STATED_BATCH_EFFECT = (0.2, 0.5)
#: The decimals of that statement: every gain is rounded to them before it is compared.
STATED_BATCH_DECIMALS = 1
#: The run-to-run variance as the paper's text states it (points).
STATED_REPEAT_VARIANCE = 0.1


def table12() -> pd.DataFrame:
    """Table 12 with ``gain`` = large-batch minus small-batch ImageNet top-1 (points).

    The text calls the effect 0.2-0.5%; the printed gaps are 0.47, 0.52 and 0.18.
    """
    printed = load_reported("table12")
    return printed.assign(gain=printed["large_batch_imagenet_top1"] - printed["small_batch_imagenet_top1"])


def tables13_15() -> pd.DataFrame:
    """Tables 13-15 with ``difference`` to the first row of each table (points)."""
    printed = load_reported("table13_15")
    first = printed.groupby("table")["imagenet_top1"].transform("first")
    return printed.assign(difference=printed["imagenet_top1"] - first)


def control(table: str) -> pd.DataFrame:
    """One of Tables 13, 14, 15 (``"table13"`` ...), with its differences."""
    rows = tables13_15()
    chosen = rows[rows["table"] == table]
    if chosen.empty:
        raise SchemaError(f"no control table {table!r}; known: {', '.join(rows['table'].unique())}")
    return chosen.drop(columns="table").reset_index(drop=True)


def controls_glue_values(batch: pd.DataFrame, repeat: pd.DataFrame) -> dict[str, float]:
    """Plain values for the prose of the controls page.

    Parameters
    ----------
    batch : DataFrame
        :func:`table12` (large vs small global batch).
    repeat : DataFrame
        ``control("table14")`` (repeated runs).

    Returns
    -------
    dict
        ``batch_gain_min`` / ``batch_gain_max`` (smallest and largest ImageNet top-1 gain of the
        larger batch, points) and ``repeat_gap`` (largest |difference| between repeats, points).
    """
    gains = dict(zip(batch["model"], batch["gain"].astype(float)))
    gap = float(repeat["difference"].abs().max())
    return {
        "batch_gain_min": float(batch["gain"].min()),
        "batch_gain_max": float(batch["gain"].max()),
        "repeat_gap": gap,
        "repeat_gap_over_stated": gap / STATED_REPEAT_VARIANCE,
        "batch_range_verdict": Text(verdicts.range_sentence(gains, *STATED_BATCH_EFFECT,
                                                            decimals=STATED_BATCH_DECIMALS)),
        "batch_noise_verdict": Text(verdicts.noise_scale_sentence(
            "The batch-size gains", list(gains.values()), gap, noise_name="the gap between the two identical runs "
            "of Table 14")),
    }


@dataclass(frozen=True)
class Page:
    """Tables 12 and 14 and the numbers of the prose. The controls exist only as printed numbers,
    so the page adds no report rows (its items are "from reported values")."""

    batch: pd.DataFrame = field(repr=False)
    repeat: pd.DataFrame = field(repr=False)

    def report_rows(self) -> list[ReportRow]:
        """None: nothing here is recomputed from data."""
        return []

    def glue_values(self) -> dict[str, object]:
        """:func:`controls_glue_values` of the two tables."""
        return controls_glue_values(self.batch, self.repeat)


def compute() -> Page:
    """The page: :func:`table12` and Table 14 (``control("table14")``)."""
    return Page(table12(), control("table14"))
