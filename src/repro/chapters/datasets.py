"""Chapter "Datasets" (``book/notebooks/datasets.md``): Tables 2, 3 and 26, the pre-training
and evaluation data sets, as printed in the paper.

Nothing here is reproduced (the paper's numbers are shown as printed); the functions only
order the tables and summarise them for the prose of the page.
"""

from __future__ import annotations

import pandas as pd

from repro.data import load_reported


def table02() -> pd.DataFrame:
    """Table 2 (public and private pre-training sets), as printed."""
    return load_reported("table02")


def table26() -> pd.DataFrame:
    """Table 26 (the evaluation suite: data sets, test sizes, classes), as printed."""
    return load_reported("table26")


def table03(*, sort_by_overlap: bool = False) -> pd.DataFrame:
    """Table 3 (pHash overlap of the evaluation sets with LAION-400M), as printed.

    Parameters
    ----------
    sort_by_overlap : bool
        True: largest ``Overlap %`` first; False: the paper's row order.
    """
    overlap = load_reported("table03")
    return overlap.sort_values("Overlap %", ascending=False) if sort_by_overlap else overlap


def suite_glue_values(suite: pd.DataFrame) -> dict[str, float]:
    """Plain values for the prose of the datasets page.

    Parameters
    ----------
    suite : DataFrame
        Table 26 (``load_reported("table26")``).

    Returns
    -------
    dict
        ``n_suite`` (evaluation data sets) and ``suite_test_images`` (sum of ``Test size``), floats.
    """
    return {"n_suite": float(len(suite)), "suite_test_images": float(suite["Test size"].sum())}
