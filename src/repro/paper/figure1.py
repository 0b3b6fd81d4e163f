"""Figure 1 (a: ImageNet, robustness; b: MS-COCO, Flickr30K image retrieval) and the exponents
of Sec. 4.1-4.2, recomputed with the paper's fit (PAPER.md, "The paper's fit, exactly")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from repro.report import ReportRow, compare
from repro.data import load_reported
from repro.errors import FitError
from repro.constants import N_BINS, OPENAI_UPSTREAM
from repro.scaling.paper_fit import PowerLawFit, fit_openai_law, fit_paper_law

#: the panels of Figure 1: item -> downstream datasets, left to right
PANELS = {"fig1a": ("imagenet1k", "imagenet_robustness"), "fig1b": ("mscoco_captions", "flickr30k")}
ALL_PANELS = (*PANELS["fig1a"], *PANELS["fig1b"])


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


def stand_ins(rows: pd.DataFrame) -> dict[str, str]:
    """For each of Figure 1's four datasets, the dataset drawn in its place: itself where present,
    otherwise the one standing in for it (the miniature study's tasks, ``repro.mini.PAPER_ANALOGUE``).
    A dataset with neither is left out."""
    present = set(rows["downstream_dataset"])
    chosen = {d: d for d in ALL_PANELS if d in present}
    if len(chosen) < len(ALL_PANELS):
        from repro.mini import PAPER_ANALOGUE

        chosen.update({paper: ours for ours, paper in PAPER_ANALOGUE.items() if ours in present and paper not in chosen})
    if not chosen:
        raise FitError(f"none of Figure 1's datasets ({', '.join(ALL_PANELS)}) nor stand-ins for them are in the results")
    return chosen


def panels_for(rows: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Figure 1's panels (item -> datasets drawn, left to right) for these results."""
    drawn = stand_ins(rows)
    panels = {item: tuple(drawn[d] for d in datasets if d in drawn) for item, datasets in PANELS.items()}
    return {item: datasets for item, datasets in panels.items() if datasets}


def resolve_target(rows: pd.DataFrame, target: str) -> str:
    """The ``target`` parameter: a downstream dataset of the results (empty: VTAB+ if present,
    else the first dataset); an unknown name is refused with the list of known ones."""
    present = list(dict.fromkeys(rows["downstream_dataset"]))
    if not target:
        return "vtab+" if "vtab+" in present else present[0]
    if target not in present:
        raise FitError(f"target={target!r}: not a downstream dataset of these results; known: {', '.join(sorted(present))}")
    return target


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



def is_paper_setting(results_source: str, extra_results: str, n_bins: int) -> bool:
    """Whether a notebook's parameters are the paper's, so that its values compare with the paper's."""
    return results_source == "paper" and not extra_results and n_bins == N_BINS


def fits_for_figure(fits: dict[str, PanelFits]) -> dict[str, dict[str, PowerLawFit]]:
    """The ``fits`` argument of :func:`repro.figures.compute_vs_error`."""
    return {dataset: panel.as_dict() for dataset, panel in fits.items()}


def glue_values(rows: pd.DataFrame, exponents: pd.DataFrame) -> dict[str, float]:
    """``alpha_<who>_<paper dataset>`` -> plain float, for ``myst_nb.glue``: one value for each of
    the paper's four datasets, from the dataset drawn in its place (NaN where there is no fit)."""
    by_dataset = exponents.set_index("downstream_dataset")
    drawn = stand_ins(rows)
    values = {}
    for paper_name in ALL_PANELS:
        for who in ("openclip", "openai"):
            ours = drawn.get(paper_name)
            value = by_dataset.loc[ours, f"alpha_{who}"] if ours in by_dataset.index else None
            values[f"alpha_{who}_{paper_name}"] = float("nan") if value is None or pd.isna(value) else float(value)
    return values
