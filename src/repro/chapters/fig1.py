"""Chapter "Scaling of zero-shot performance with compute" (``book/notebooks/fig1.md``): Figure 1
(a: ImageNet, robustness; b: MS-COCO, Flickr30K image retrieval) and the exponents of Sec. 4.1-4.2,
recomputed with the paper's fit (:mod:`repro.scaling.paper_fit`), beside the paper's text; extra
results (``extra_results``, e.g. from ``repro eval``) on other datasets in panels of their own.

:func:`compute` gathers the page (results, panels, fits, exponents table); the figures are
drawn by :func:`repro.figures.compute_vs_error`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from repro.constants import N_BINS, OPENAI_UPSTREAM
from repro.data import load_reported, load_source, read_results
from repro.errors import FitError
from repro.figures import compute_vs_error, extra_results_panels
from repro.mini import PAPER_ANALOGUE
from repro.report import ReportRow, Text, compare
from repro.scaling import verdicts
from repro.scaling.paper_fit import PowerLawFit, fit_openai_law, fit_paper_law, select

#: the panels of Figure 1: item -> downstream datasets, left to right
PANELS = {"fig1a": ("imagenet1k", "imagenet_robustness"), "fig1b": ("mscoco_captions", "flickr30k")}
ALL_PANELS = (*PANELS["fig1a"], *PANELS["fig1b"])
#: decimals of the exponents the paper's text prints (Sec. 4.1-4.2)
ALPHA_DECIMALS = 2


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
        chosen.update({paper: ours for ours, paper in PAPER_ANALOGUE.items() if ours in present and paper not in chosen})
    if not chosen:
        raise FitError(f"none of Figure 1's datasets ({', '.join(ALL_PANELS)}) nor stand-ins for them are in the results")
    return chosen


def panels_for(rows: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Figure 1's panels (item -> datasets drawn, left to right) for these results."""
    drawn = stand_ins(rows)
    panels = {item: tuple(drawn[d] for d in datasets if d in drawn) for item, datasets in PANELS.items()}
    return {item: datasets for item, datasets in panels.items() if datasets}


def extra_panels(extra: pd.DataFrame | None, panels: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The downstream datasets of the extra results that no panel of Figure 1 draws (for instance
    the toy suite of ``repro eval``), in the order they first appear: each gets a panel of its own
    (:func:`extra_figure`), so that no extra result is left undrawn."""
    if extra is None:
        return ()
    drawn = {d for datasets in panels.values() for d in datasets}
    return tuple(d for d in dict.fromkeys(extra["downstream_dataset"]) if d not in drawn)


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
            rows.append(compare(item, f"alpha_{who}_{dataset}", fit.alpha, stated, decimals=ALPHA_DECIMALS))
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
    the paper's four datasets, from the dataset drawn in its place (NaN where there is no fit), and
    the exponent the paper's text states for it (``paper_alpha_<who>_<paper dataset>``)."""
    by_dataset = exponents.set_index("downstream_dataset")
    stated = load_reported("text_exponents").set_index("downstream_dataset")
    drawn = stand_ins(rows)
    values = {}
    for paper_name in ALL_PANELS:
        for who in ("openclip", "openai"):
            ours = drawn.get(paper_name)
            value = by_dataset.loc[ours, f"alpha_{who}"] if ours in by_dataset.index else None
            values[f"alpha_{who}_{paper_name}"] = float("nan") if value is None or pd.isna(value) else float(value)
            values[f"paper_alpha_{who}_{paper_name}"] = float(stated.loc[paper_name, f"alpha_{who}"])
    # the claims, in point estimates: OpenAI steeper on classification (1a), OpenCLIP on retrieval (1b)
    names = {"openai": "OpenAI", "openclip": "OpenCLIP"}
    for item, claimed, other in (("fig1a", "openai", "openclip"), ("fig1b", "openclip", "openai")):
        alphas = {d: (values[f"alpha_{claimed}_{d}"], values[f"alpha_{other}_{d}"]) for d in PANELS[item]}
        values[f"claim_{item}_verdict"] = Text(verdicts.steeper_sentence(names[claimed], names[other], alphas))
    openclip = rows[rows["upstream_dataset"] != OPENAI_UPSTREAM]
    first = next((d for d in (drawn.get(p) for p in ALL_PANELS) if d), None)
    if first is not None and len(openclip):
        x = select(openclip, first, upstreams=tuple(openclip["upstream_dataset"].unique()))["log10_compute"]
        values["compute_span"] = Text(verdicts.span_phrase(float(x.min()), float(x.max())))
        values["compute_span_decades"] = float(x.max() - x.min())
    return values


@dataclass(frozen=True)
class Page:
    """What the chapter shows: the results drawn, Figure 1's panels for them, their fits and the
    exponents table; built by :func:`compute`."""

    rows: pd.DataFrame
    panels: dict[str, tuple[str, ...]]
    fits: dict[str, PanelFits]
    exponents: pd.DataFrame
    n_bins: int
    paper_setting: bool
    extra: pd.DataFrame | None = None        # the rows of ``extra_results`` (None without it)
    extra_results: str = ""                  # its path, as given
    extra_panels: tuple[str, ...] = ()       # their datasets that Figure 1's panels do not draw

    def report_rows(self) -> list[ReportRow]:
        """:func:`report_rows`, compared with the paper's text only under the paper's setting."""
        return report_rows(self.fits, compare_with_paper=self.paper_setting)

    def glue_values(self) -> dict[str, float]:
        """:func:`glue_values`: the exponents the prose quotes."""
        return glue_values(self.rows, self.exponents)


def compute(results_source: str = "paper", extra_results: str = "", n_bins: int = N_BINS) -> Page:
    """The page for the notebook's parameters: results of ``results_source`` (plus
    ``extra_results``), Figure 1's panels (the paper's datasets or the mini study's stand-ins),
    the paper's fits with ``n_bins`` bins, and the exponents table."""
    rows = load_source(results_source, extra_results)
    panels = panels_for(rows)
    fits = fit_panels(rows, [d for datasets in panels.values() for d in datasets], n_bins=n_bins)
    extra = read_results(extra_results) if extra_results else None
    return Page(rows, panels, fits, exponents_table(fits), n_bins,
                is_paper_setting(results_source, extra_results, n_bins), extra, str(extra_results),
                extra_panels(extra, panels))


def figure(page: Page, item: str) -> Figure:
    """One panel row of Figure 1 (``item``: ``"fig1a"`` or ``"fig1b"``) with the page's fits."""
    return compute_vs_error(page.rows, page.panels.get(item, ()), fits=fits_for_figure(page.fits))


def extra_figure(page: Page) -> Figure | None:
    """The extra results on datasets outside Figure 1's panels (:func:`extra_panels`), one panel
    each, labelled as the user's runs; None (nothing shown) when there are none."""
    if not page.extra_panels:
        return None
    return extra_results_panels(page.extra, page.extra_panels, source=page.extra_results)


def target_figure(page: Page, target: str) -> Figure:
    """The same figure for any downstream dataset (:func:`resolve_target`), fitted with the page's bins."""
    target = resolve_target(page.rows, target)
    target_fits = fit_panels(page.rows, [target], n_bins=page.n_bins)
    return compute_vs_error(page.rows, [target], fits=fits_for_figure(target_fits))
