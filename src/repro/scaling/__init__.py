"""Frontiers, law forms and fits: the paper's exact method and the fits beyond it.

The package exports the paper's method, the names its callers import from the package itself;
everything else is imported from its module (:mod:`~repro.scaling.paper_fit`,
:mod:`~repro.scaling.laws`, :mod:`~repro.scaling.frontiers`, :mod:`~repro.scaling.uncertainty`,
:mod:`~repro.scaling.backtest`, :mod:`~repro.scaling.extrapolation`, :mod:`~repro.scaling.forecast`,
:mod:`~repro.scaling.isoflop`, :mod:`~repro.scaling.parametric`, :mod:`~repro.scaling.mini_study`, ...).
Every fit's result is a :class:`~repro.scaling.laws.LawFit`; the paper's is its subclass
:class:`~repro.scaling.paper_fit.PowerLawFit`.
"""

from repro.scaling.laws import LawFit
from repro.scaling.paper_fit import PowerLawFit, binned_frontier, binned_line_fit, fit_paper_law, select

__all__ = ["LawFit", "PowerLawFit", "binned_frontier", "binned_line_fit", "fit_paper_law", "select"]
