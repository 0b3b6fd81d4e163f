"""The evaluation chapter (``book/notebooks/evaluation.md``): the paper's benchmark suite, and
the aggregate entries (imagenet_robustness, vtab, vtab+) recomputed from their components and
checked on the published table (:mod:`repro.evaluate.aggregates` computes; this module builds the
page's rows, glue values and tables).

The check compares our computation with the published results table, not with a number printed
in the paper, so its report rows leave ``paper`` empty ("reproduced"); an aggregate that does not
reproduce stops the page with an error instead of becoming a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from repro.data import load_source
from repro.errors import SchemaError
from repro.evaluate.aggregates import CHECK_TOLERANCE, AggregateCheck, check_published_aggregates, vtab_alternatives
from repro.evaluate.suite import Suite, load_suite, suite_table
from repro.report import ReportRow, compare


def load_results(results_source: str) -> pd.DataFrame:
    """The page's ``results_source`` parameter as result rows (:func:`repro.data.load_source`)."""
    return load_source(results_source)


def load_the_suite(suite: str) -> Suite:
    """The page's ``suite`` parameter as a :class:`repro.evaluate.suite.Suite` ("paper" or a YAML path)."""
    return load_suite(suite)


def suite_display(suite: Suite) -> pd.DataFrame:
    """One row per entry of the suite (:func:`repro.evaluate.suite.suite_table`)."""
    return suite_table(suite)


def aggregate_check(rows: pd.DataFrame, suite: Suite) -> AggregateCheck:
    """Every aggregate of ``suite`` recomputed from its components and compared with the aggregate
    rows of ``rows``, for every model and metric (:func:`repro.evaluate.aggregates.check_published_aggregates`)."""
    return check_published_aggregates(rows, suite)


def report_rows(check: AggregateCheck, *, tolerance: float = CHECK_TOLERANCE) -> list[ReportRow]:
    """One row per aggregate: the largest |recomputed - published| over all models and metrics, in
    points. The paper prints no such value, so ``paper`` stays empty.

    Raises
    ------
    SchemaError
        An aggregate differs from the published value by more than ``tolerance`` (a fraction) for
        some model: the published table's aggregate is not the mean of its components.
    """
    failed = {name: worst for name, worst in check.max_abs_difference.items() if worst > tolerance}
    if failed:
        listed = ", ".join(f"{name} ({worst:.3g})" for name, worst in failed.items())
        raise SchemaError(f"aggregates that do not reproduce from their components within {tolerance:g}: {listed}; "
                          f"see check.table for the models and metrics")
    return [compare("evaluation", f"max |recomputed - published| {name} over {check.n_models} models (points)",
                    100.0 * worst)
            for name, worst in check.max_abs_difference.items()]


def glue_values(check: AggregateCheck) -> dict[str, float]:
    """Plain values for the prose of the evaluation page (:func:`repro.report.glue_all`).

    Returns
    -------
    dict
        ``agg_max_<aggregate>`` (``+`` spelt ``_plus``, e.g. ``agg_max_vtab_plus``) -> largest
        absolute difference, and ``agg_models`` -> number of models compared.
    """
    values = {f"agg_max_{name.replace('+', '_plus')}": float(worst)
              for name, worst in check.max_abs_difference.items()}
    values["agg_models"] = float(check.n_models)
    return values


def summary(check: AggregateCheck, tolerance: float = CHECK_TOLERANCE) -> pd.DataFrame:
    """One row per aggregate: models compared, largest absolute difference over models and
    metrics, and whether it is within ``tolerance``."""
    return pd.DataFrame([
        {"aggregate": name, "models": check.n_models, "max |recomputed - published|": worst,
         f"within {tolerance:g}": worst <= tolerance}
        for name, worst in check.max_abs_difference.items()
    ])


def vtab_candidates(rows: pd.DataFrame) -> pd.DataFrame:
    """Candidate definitions of the published ``vtab`` and how far each is from it
    (:func:`repro.evaluate.aggregates.vtab_alternatives`)."""
    return vtab_alternatives(rows)


@dataclass(frozen=True)
class Page:
    """What the evaluation page shows.

    Attributes
    ----------
    rows : DataFrame
        The result rows of the page's ``results_source`` (:func:`load_results`).
    suite : Suite
        The benchmark suite of the page's ``suite`` parameter (:func:`load_the_suite`).
    check : AggregateCheck
        Every aggregate of ``suite`` recomputed from its components in ``rows`` (:func:`aggregate_check`).
    """

    rows: pd.DataFrame = field(repr=False)
    suite: Suite
    check: AggregateCheck = field(repr=False)

    def report_rows(self) -> list[ReportRow]:
        """:func:`report_rows` of the aggregate check."""
        return report_rows(self.check)

    def glue_values(self) -> dict[str, float]:
        """:func:`glue_values` of the aggregate check."""
        return glue_values(self.check)


def compute(results_source: str = "paper", suite: str = "paper") -> Page:
    """The evaluation page: the results, the suite and the aggregates recomputed from their components.

    Parameters
    ----------
    results_source : str
        "paper" (the published results), "mini" (the miniature study) or the path of a results CSV
        (:func:`repro.data.load_source`).
    suite : str
        "paper" (``runs/paper/eval_suite.yaml``) or the path of a suite YAML file
        (:func:`repro.evaluate.suite.load_suite`).

    Raises
    ------
    ReproError
        A source or suite that does not exist or does not parse (the subclass says which:
        :class:`~repro.errors.DataNotFoundError`, :class:`~repro.errors.SchemaError`,
        :class:`~repro.errors.SpecError`).
    """
    rows = load_results(results_source)
    the_suite = load_the_suite(suite)
    return Page(rows, the_suite, aggregate_check(rows, the_suite))
