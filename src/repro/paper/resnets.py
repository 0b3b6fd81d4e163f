"""Figure 12: the OpenAI ResNet CLIP models (RN50, RN101, RN50x4, RN50x16) added to the ImageNet
and MS-COCO scaling plots (PAPER.md, "Items": Fig 12).

The published zero-shot results (ZS) hold only the three OpenAI ViTs; ARCH holds the ResNets'
GMACs. The ResNet points therefore need an evaluation run of this project (``repro eval``, OpenAI
weights through open_clip, CLIP_benchmark on imagenet1k and mscoco_captions); this module writes
those commands and, given the resulting rows, joins them to ZS for the figure.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pandas as pd

from repro.data import read_results
from repro.errors import SchemaError
from repro.paper.extrapolation import gmacs_per_sample
from repro.constants import LAION_UPSTREAMS, OPENAI_SAMPLES_SEEN, OPENAI_UPSTREAM
from repro.scaling.paper_fit import PowerLawFit, fit_openai_law, fit_paper_law

#: The OpenAI ResNet CLIP models of Figure 12 (open_clip names; pretrained tag "openai")
RESNETS = ("RN50", "RN101", "RN50x4", "RN50x16")
#: The two panels of Figure 12
FIG12_DATASETS = ("imagenet1k", "mscoco_captions")
#: Where the commands below write the ResNet rows (a results registry in the ZS schema)
DEFAULT_RESULTS = "runs/paper/fig12_resnets.csv"


def resnet_status(arch_table: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Per ResNet: GMACs per sample (ARCH), total compute at the OpenAI count of 12.8B samples,
    and whether zero-shot rows for the two panels are present in ``rows``."""
    per_sample = gmacs_per_sample(arch_table, RESNETS)
    present = rows[(rows["upstream_dataset"] == OPENAI_UPSTREAM) & rows["downstream_dataset"].isin(FIG12_DATASETS)]
    return pd.DataFrame([{"model": arch, "gmacs_per_sample": per_sample[arch],
                          "gmacs_total": per_sample[arch] * OPENAI_SAMPLES_SEEN,
                          "zero_shot_rows": int((present["arch"] == arch).sum())} for arch in RESNETS])


def evaluation_commands(arch_table: pd.DataFrame, *, results: str = DEFAULT_RESULTS,
                        dataset_root: str = "data/clip_benchmark") -> list[str]:
    """The ``repro eval`` command per ResNet that produces Figure 12's missing points.

    Each evaluates OpenAI's weights (open_clip pretrained tag ``openai``) on imagenet1k and
    mscoco_captions with CLIP_benchmark and merges rows of the results schema into ``results``,
    labelled as the paper counts OpenAI models: CLIP-WIT, 12.8B samples seen, GMACs from ARCH.
    """
    per_sample = gmacs_per_sample(arch_table, RESNETS)
    commands = []
    for arch in RESNETS:
        argv = ["repro", "eval", "--model", arch, "--pretrained", "openai",
                "--datasets", ",".join(FIG12_DATASETS), "--dataset-root", dataset_root,
                "--dataset-format", "native", "--results", results, "--arch", arch, "--upstream", OPENAI_UPSTREAM, "--samples-seen", f"{OPENAI_SAMPLES_SEEN:.0f}",
                "--samples-seen-pretty", "13B", "--gmacs", f"{per_sample[arch]:g}", "--name", "openai"]
        commands.append(shlex.join(argv))
    return commands


def fig12_rows(rows: pd.DataFrame, arch_table: pd.DataFrame, resnet_results: str | Path = "") -> pd.DataFrame:
    """The rows Figure 12 draws: ``rows`` plus the ResNets of ``resnet_results`` when a file is
    given (:func:`with_resnets`), else ``rows`` unchanged (the ResNet points are then missing)."""
    return with_resnets(rows, resnet_results, arch_table) if resnet_results else rows


def with_resnets(rows: pd.DataFrame, resnet_results: str | Path, arch_table: pd.DataFrame) -> pd.DataFrame:
    """ZS plus the ResNet rows of ``resnet_results`` (a results CSV in the ZS schema).

    Raises
    ------
    SchemaError
        If the file has no ResNet rows for the two panels, or a row's GMACs per sample differ from
        ARCH by more than 1% (the compute axis would be wrong).
    """
    extra = read_results(resnet_results)
    extra = extra[extra["arch"].isin(RESNETS) & extra["downstream_dataset"].isin(FIG12_DATASETS)]
    if extra.empty:
        raise SchemaError(f"{resnet_results}: no rows of {', '.join(RESNETS)} on {', '.join(FIG12_DATASETS)}; "
                          f"produce them with the commands of repro.paper.resnets.evaluation_commands")
    per_sample = gmacs_per_sample(arch_table, sorted(set(extra["arch"])))
    for i, row in extra.iterrows():
        expected = per_sample[row["arch"]]
        if abs(row["gmacs"] - expected) > 0.01 * expected:
            raise SchemaError(f"{resnet_results}: row {i + 2}, column 'gmacs': {row['gmacs']!r} for {row['arch']}, "
                              f"ARCH gives {expected!r}")
    return pd.concat([rows[~rows["arch"].isin(RESNETS)], extra], ignore_index=True)


def fig12_fits(rows: pd.DataFrame) -> dict[str, dict[str, PowerLawFit]]:
    """Per panel: the OpenCLIP fit (binned frontier, LAION runs) and the OpenAI fit (plain line
    through every CLIP-WIT model in ``rows``: the three ViTs, plus the ResNets when present)."""
    return {d: {"openclip": fit_paper_law(rows, d, upstreams=LAION_UPSTREAMS), "openai": fit_openai_law(rows, d)}
            for d in FIG12_DATASETS}


def fig12_figure(rows: pd.DataFrame, arch_table: pd.DataFrame, resnet_results: str | Path = ""):
    """Figure 12: :func:`repro.figures.compute_vs_error` of :data:`FIG12_DATASETS` on
    :func:`fig12_rows` (the ResNet rows of ``resnet_results`` added, if any) with :func:`fig12_fits`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from repro.figures import compute_vs_error  # figures import the paper modules, not the reverse

    joined = fig12_rows(rows, arch_table, resnet_results)
    return compute_vs_error(joined, FIG12_DATASETS, fits=fig12_fits(joined))
