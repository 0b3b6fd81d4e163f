"""Frontiers, law forms and fits: the paper's exact method and the fits beyond it."""

from repro.constants import (
    EXTRAPOLATION_ARCHS,
    EXTRAPOLATION_SAMPLES_SEEN,
    LAION_UPSTREAMS,
    N_BINS,
    OPENAI_SAMPLES_SEEN,
    OPENAI_UPSTREAM,
    UPPER_EDGE_PAD_LOG10,
)
from repro.scaling.paper_fit import (
    Frontier,
    PowerLawFit,
    binned_frontier,
    binned_line_fit,
    fit_openai_law,
    fit_paper_law,
    line_fit,
    plain_line_fit,
    select,
)
from repro.scaling.extrapolation import ExtrapolationFit, extrapolation_fits, extrapolation_grid, gmacs_per_sample
from repro.scaling.backtest import paper_backtest, summarise, target_table
from repro.scaling.frontiers import FrontierSpec, binned_minima, pareto_mask, select_frontier
from repro.scaling.laws import FORMS, LawFit, error_ceiling, get_form
from repro.scaling.uncertainty import bootstrap_fits, interval_scores, interval_study, prediction_bands
from repro.scaling.parametric import ParametricFit, fit_parametric
from repro.scaling.isoflop import IsoflopFit, IsoflopProfile, compare_allocation, fit_isoflop, isoflop_profiles
