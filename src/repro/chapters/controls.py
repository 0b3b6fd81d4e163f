"""Chapter "Control experiments" (``book/notebooks/controls.md``): Tables 12-15 as printed
(batch size, a random LAION-2B subset, repeated runs, data loading), with the differences the
paper's text talks about. Nothing here is reproduced: the control runs exist only as printed
numbers.
"""

from __future__ import annotations

import pandas as pd

from repro.data import load_reported
from repro.errors import SchemaError


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
    return {
        "batch_gain_min": float(batch["gain"].min()),
        "batch_gain_max": float(batch["gain"].max()),
        "repeat_gap": float(repeat["difference"].abs().max()),
    }
