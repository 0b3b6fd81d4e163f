"""Chapter "Datasets" (``book/notebooks/datasets.md``): Tables 2, 3 and 26, the pre-training
and evaluation data sets, as printed in the paper.

Nothing here is reproduced (the paper's numbers are shown as printed); the functions only
order the tables and summarise them for the prose of the page.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from repro.data import load_reported
from repro.errors import ParameterError
from repro.report import ReportRow


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


@dataclass(frozen=True)
class Page:
    """What the datasets page shows: Tables 2, 3 and 26 as printed.

    Attributes
    ----------
    pretraining : DataFrame
        :func:`table02`.
    overlap : DataFrame
        :func:`table03`, in the order the page's ``sort_overlap`` parameter asks for.
    suite : DataFrame
        :func:`table26`.
    """

    pretraining: pd.DataFrame
    overlap: pd.DataFrame
    suite: pd.DataFrame

    def report_rows(self) -> list[ReportRow]:
        """None: the page shows the paper's tables as printed and reproduces nothing."""
        return []

    def glue_values(self) -> dict[str, float]:
        """:func:`suite_glue_values` of Table 26."""
        return suite_glue_values(self.suite)


def compute(sort_overlap: bool = False) -> Page:
    """The datasets page.

    Parameters
    ----------
    sort_overlap : bool
        True: Table 3 with the largest ``Overlap %`` first; False: the paper's row order.

    Raises
    ------
    ParameterError
        ``sort_overlap`` is not a bool.
    """
    if not isinstance(sort_overlap, bool):
        raise ParameterError(f"datasets: sort_overlap must be True or False, got {sort_overlap!r}")
    return Page(table02(), table03(sort_by_overlap=sort_overlap), table26())
