"""Figure 1 (a: ImageNet, robustness; b: MS-COCO, Flickr30K image retrieval) and the exponents
of Sec. 4.1-4.2, recomputed with the paper's fit (PAPER.md, "The paper's fit, exactly")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from repro.book.report import ReportRow, compare
from repro.data import load_reported
from repro.errors import FitError
from repro.scaling.constants import N_BINS, OPENAI_UPSTREAM
from repro.scaling.paper_fit import PowerLawFit, fit_openai_law, fit_paper_law

#: the panels of Figure 1: item -> downstream datasets, left to right
PANELS = {"fig1a": ("imagenet1k", "imagenet_robustness"), "fig1b": ("mscoco_captions", "flickr30k")}


@dataclass(frozen=True)
class PanelFits:
    """The two fits of one panel: OpenCLIP (binned frontier) and OpenAI (plain line, if present)."""

    downstream_dataset: str
    openclip: PowerLawFit
    openai: PowerLawFit | None

    def as_dict(self) -> dict[str, PowerLawFit]:
        return {"openclip": self.openclip, **({"openai": self.openai} if self.openai else {})}


def fit_panels(rows: pd.DataFrame, downstream_datasets: Sequence[str], *, n_bins: int = N_BINS) -> dict[str, PanelFits]:
    """The paper's fits for each downstream dataset: OpenCLIP = every non-OpenAI upstream pooled
    (LAION-80M/400M/2B for the paper's results; the mini study's data sizes for ours)."""
    upstreams = tuple(u for u in rows["upstream_dataset"].unique() if u != OPENAI_UPSTREAM)
    if not upstreams:
        raise FitError("no OpenCLIP (non CLIP-WIT) rows to fit")
    has_openai = (rows["upstream_dataset"] == OPENAI_UPSTREAM).any()
    fits = {}
    for dataset in downstream_datasets:
        openclip = fit_paper_law(rows, dataset, n_bins=n_bins, upstreams=upstreams)
        openai = fit_openai_law(rows, dataset) if has_openai else None
        fits[dataset] = PanelFits(dataset, openclip, openai)
    return fits


def exponents_table(fits: dict[str, PanelFits]) -> pd.DataFrame:
    """Our exponents beside the ones the paper's text states (Sec. 4.1-4.2)."""
    paper = load_reported("text_exponents").set_index("downstream_dataset")
    records = []
    for dataset, panel in fits.items():
        stated = paper.loc[dataset] if dataset in paper.index else None
        records.append({
            "downstream_dataset": dataset,
            "alpha_openclip": panel.openclip.alpha,
            "alpha_openclip_paper": None if stated is None else stated["alpha_openclip"],
            "alpha_openai": None if panel.openai is None else panel.openai.alpha,
            "alpha_openai_paper": None if stated is None else stated["alpha_openai"],
            "beta_openclip": panel.openclip.beta,
            "beta_openai": None if panel.openai is None else panel.openai.beta,
            "bins_used": panel.openclip.n_points,
        })
    return pd.DataFrame(records)


def report_rows(fits: dict[str, PanelFits], *, compare_with_paper: bool = True) -> list[ReportRow]:
    """Report rows: alpha (2 decimals, as the text prints them) and beta (no paper value) per panel.
    With ``compare_with_paper=False`` (other results than the paper's) no paper value is attached."""
    paper = load_reported("text_exponents").set_index("downstream_dataset")
    if not compare_with_paper:
        paper = paper.iloc[0:0]
    item_of = {d: item for item, datasets in PANELS.items() for d in datasets}
    rows = []
    for dataset, panel in fits.items():
        item = item_of.get(dataset, "fig1")
        for who, fit in panel.as_dict().items():
            stated = paper.loc[dataset, f"alpha_{who}"] if dataset in paper.index else None
            rows.append(compare(item, f"alpha_{who}_{dataset}", fit.alpha, stated, decimals=2))
            rows.append(compare(item, f"beta_{who}_{dataset}", fit.beta))
    return rows


ALL_PANELS = (*PANELS["fig1a"], *PANELS["fig1b"])


def is_paper_setting(results_source: str, extra_results: str, n_bins: int) -> bool:
    """Whether a notebook's parameters are the paper's, so that its values compare with the paper's."""
    return results_source == "paper" and not extra_results and n_bins == N_BINS


def fits_for_figure(fits: dict[str, PanelFits]) -> dict[str, dict[str, PowerLawFit]]:
    """The ``fits`` argument of :func:`repro.figures.compute_vs_error`."""
    return {dataset: panel.as_dict() for dataset, panel in fits.items()}


def glue_values(exponents: pd.DataFrame) -> dict[str, float]:
    """``alpha_<who>_<dataset>`` -> plain float, for ``myst_nb.glue`` (NaN where a fit is absent)."""
    values = {}
    for record in exponents.to_dict("records"):
        for who in ("openclip", "openai"):
            value = record[f"alpha_{who}"]
            values[f"alpha_{who}_{record['downstream_dataset']}"] = float("nan") if value is None else float(value)
    return values
