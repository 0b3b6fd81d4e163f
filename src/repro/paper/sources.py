"""Where a section's zero-shot results come from: the paper's published results or the miniature
study's (notebook parameter ``results_source``)."""

from __future__ import annotations

from typing import Literal

import pandas as pd

from repro.data import load_results, read_results

RESULTS_SOURCES = ("paper", "mini")


def zeroshot_results(results_source: Literal["paper", "mini"] = "paper", *, path: str | None = None) -> pd.DataFrame:
    """Rows of the results schema from ``results_source``.

    Parameters
    ----------
    results_source : {"paper", "mini"}
        ``"paper"``: the authors' published ``zeroshot_results.csv`` (ZS);
        ``"mini"``: the miniature study's results (``repro.mini.load_results()``).
    path : str, optional
        A results CSV in the schema of ``zeroshot_results.csv``; overrides ``results_source``.
    """
    if path:
        return read_results(path)
    if results_source == "paper":
        return load_results()
    if results_source == "mini":
        try:
            from repro.mini import load_results as load_mini_results
        except ImportError as err:
            raise ValueError(
                "results_source='mini': the miniature study's results are not available "
                "(repro.mini.load_results is missing); run `repro mini` first or use results_source='paper'"
            ) from err
        return load_mini_results()
    raise ValueError(f"results_source must be one of {RESULTS_SOURCES}, got {results_source!r}")
