"""The zero-shot law extrapolated to larger models and longer training (Figure 8 and Table 4).

The law is the paper's binned-frontier fit over the OpenCLIP ViT runs only (``arch_prefix="ViT"``,
LAION-80M/400M/2B pooled); the grid is the paper's samples-seen grid
(:data:`~repro.constants.EXTRAPOLATION_SAMPLES_SEEN`) times the GMACs per sample that ARCH
lists for each architecture; prediction = 100 * (1 - beta * C^alpha).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from repro.constants import EXTRAPOLATION_ARCHS, EXTRAPOLATION_SAMPLES_SEEN, LAION_UPSTREAMS, display_name
from repro.errors import SchemaError
from repro.scaling.paper_fit import PowerLawFit, fit_paper_law, select

#: The two targets of Figure 8 and Table 4: ImageNet top-1 and MS-COCO image retrieval Recall@5
EXTRAPOLATION_TARGETS = ("imagenet1k", "mscoco_captions")
#: The architectures Figure 8 draws and Table 4 prints (the grid also covers B/32, B/16, L/14)
FIGURE8_ARCHS = ("ViT-H-14", "ViT-g-14", "ViT-G-14")


@dataclass(frozen=True)
class ExtrapolationFit:
    """The law used for one target and the compute range of the runs it was fitted on."""

    downstream_dataset: str
    fit: PowerLawFit
    log10_compute_min: float   # smallest log10 GMACs among the fitted runs
    log10_compute_max: float   # largest log10 GMACs among the fitted runs

    def inside(self, gmacs_total: np.ndarray | float) -> np.ndarray | bool:
        """True where the compute lies within the fitted runs' range (drawn solid in Figure 8).

        Parameters
        ----------
        gmacs_total : float or array_like
            Total compute C in GMACs.
        """
        x = np.log10(np.asarray(gmacs_total, dtype=float))
        return (x >= self.log10_compute_min - 1e-9) & (x <= self.log10_compute_max + 1e-9)

    def predict_percent(self, gmacs_total: np.ndarray | float) -> np.ndarray | float:
        """Predicted accuracy / Recall@5 in percent: 100 * (1 - E(C)).

        Parameters
        ----------
        gmacs_total : float or array_like
            Total compute C in GMACs.
        """
        return 100.0 * (1.0 - self.fit.predict(gmacs_total))


def extrapolation_fits(rows: pd.DataFrame, downstream_datasets: Sequence[str] = EXTRAPOLATION_TARGETS, *,
                       upstreams: tuple[str, ...] = LAION_UPSTREAMS, arch_prefix: str = "ViT") -> dict[str, ExtrapolationFit]:
    """The paper's law per target, fitted on the OpenCLIP ViT runs only (the fits behind Figure 8).

    Parameters
    ----------
    rows : DataFrame
        Rows of the results schema.
    downstream_datasets : sequence of str
        The targets; default ImageNet and MS-COCO, as Figure 8 and Table 4.
    upstreams : tuple of str
        Upstream datasets pooled by the fit.
    arch_prefix : str
        Only architectures whose name starts with it are fitted (the paper: ViTs only).
    """
    fits = {}
    for dataset in downstream_datasets:
        runs = select(rows, dataset, upstreams=upstreams, arch_prefix=arch_prefix)
        fit = fit_paper_law(rows, dataset, upstreams=upstreams, arch_prefix=arch_prefix)
        fits[dataset] = ExtrapolationFit(dataset, fit, float(runs["log10_compute"].min()),
                                         float(runs["log10_compute"].max()))
    return fits


def gmacs_per_sample(arch_table: pd.DataFrame, archs: Sequence[str]) -> dict[str, float]:
    """GMACs per sample (image + text tower) of each architecture, from ARCH's ``gmacs`` column.

    Parameters
    ----------
    arch_table : DataFrame
        ARCH (:func:`repro.data.load_arch`).
    archs : sequence of str
        Architecture names (``ViT-B-32``, ...).

    Raises
    ------
    SchemaError
        If ARCH has no row for one of ``archs``.
    """
    table = arch_table.set_index("model")
    missing = [a for a in archs if a not in table.index]
    if missing:
        raise SchemaError(f"arch_info.csv: no row for architecture(s) {', '.join(missing)}; "
                          f"known: {', '.join(table.index)}")
    return {a: float(table.loc[a, "gmacs"]) for a in archs}


def extrapolation_grid(rows: pd.DataFrame, arch_table: pd.DataFrame, *,
                       fits: Mapping[str, ExtrapolationFit] | None = None,
                       archs: Sequence[str] = EXTRAPOLATION_ARCHS,
                       samples_seen: Mapping[str, float] = EXTRAPOLATION_SAMPLES_SEEN) -> pd.DataFrame:
    """Predicted performance on the paper's (architecture x samples seen) grid.

    Parameters
    ----------
    rows : DataFrame
        Rows of the results schema; the fits use the OpenCLIP ViT runs, the ``measured`` column
        the LAION-2B run of the same architecture and samples seen, where there is one.
    arch_table : DataFrame
        ARCH (``repro.data.load_arch()``): ``model`` and ``gmacs`` (GMACs per sample).
    fits : mapping, optional
        From :func:`extrapolation_fits`; computed from ``rows`` when omitted.
    archs : sequence of str
        Architectures of the grid (open_clip names).
    samples_seen : mapping
        Samples-seen label -> samples seen.

    Returns
    -------
    DataFrame
        One row per (downstream dataset, arch, samples seen): ``gmacs_per_sample``,
        ``samples_seen``, ``gmacs_total``, ``predicted`` (percent), ``measured`` (percent or NaN),
        ``inside_data`` (compute within the fitted runs' range).
    """
    fits = dict(fits) if fits is not None else extrapolation_fits(rows)
    per_sample = gmacs_per_sample(arch_table, archs)
    records = []
    for dataset, law in fits.items():
        measured_rows = rows[(rows["downstream_dataset"] == dataset) & (rows["upstream_dataset"] == "LAION-2B")]
        measured_rows = measured_rows.assign(percent=100.0 * (1.0 - select(measured_rows, dataset)["error"]))
        for arch in archs:
            for label, samples in samples_seen.items():
                total = per_sample[arch] * samples
                hit = measured_rows[(measured_rows["arch"] == arch) & (measured_rows["samples_seen_pretty"] == label)]
                records.append({"downstream_dataset": dataset, "arch": arch, "model": display_name(arch),
                                "samples_seen_pretty": label, "samples_seen": float(samples),
                                "gmacs_per_sample": per_sample[arch], "gmacs_total": total,
                                "predicted": float(law.predict_percent(total)),
                                "measured": float(hit["percent"].iloc[0]) if len(hit) else np.nan,
                                "inside_data": bool(law.inside(total))})
    return pd.DataFrame(records)


def measured_vs_predicted(grid: pd.DataFrame) -> pd.DataFrame:
    """The cells of :func:`extrapolation_grid` with a measured LAION-2B run: measured beside the
    law's prediction (percent) and ``residual`` = measured - predicted (points).

    Parameters
    ----------
    grid : DataFrame
        :func:`extrapolation_grid`.
    """
    measured = grid.dropna(subset=["measured"])
    return measured.assign(residual=measured["measured"] - measured["predicted"])[
        ["downstream_dataset", "model", "samples_seen_pretty", "measured", "predicted", "residual", "inside_data"]
    ].reset_index(drop=True)
