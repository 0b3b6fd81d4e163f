"""The "Training setup and resources" chapter (``book/notebooks/setup.md``): Table 25 counted from
open_clip's model definitions, the MAC counts beside the authors' ARCH table, and Table 18's
derivable columns recomputed from the run table (INFO).

Table 25: widths, depths and embedding size are read from the open_clip 3.3.0 configs; parameters
and GMACs per sample are counted by :mod:`repro.compute.macs`, with the final LayerNorm of a ViT on
the pooled token as the open_clip of the paper's time counted it (today's count is shown beside).

Table 18: for each of the 29 OpenCLIP runs, ``trained_models_info.csv`` gives the number of GPUs,
the per-GPU batch, the epochs, the samples per epoch and the measured training throughput. From
these:

* global batch = gpus x local_bs;
* samples seen = epochs x samples_per_epoch;
* hours = samples seen / samples_per_sec / 3600 (training time at the recorded throughput);
* GPU-hours = hours x gpus.

Table 18 prints the samples seen as budget names ("3B", "13B", "34B"), not counts: those rows are
"printed name" rows carrying the actual count. The MWh column is not derivable from INFO; its ratio
to the printed GPU-hours is shown (``implied_kw_per_gpu``) so the reader sees which power per GPU
the paper assumed. This is the one check of Table 18 in the report (the training chapter shows
the launch specs, which :func:`repro.launch.paper_grid.paper_specs` checks against Table 18 when
the grid is derived).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from IPython.display import Markdown

from repro.compute import compare_with_arch, count_gmacs, load_model_config, worst_case
from repro.constants import DATA_LABELS, display_name
from repro.data import load_arch, load_models_info, load_reported
from repro.errors import ParameterError, SchemaError, SpecError
from repro.report import ReportRow, compare, compare_name

#: Table 25's model names -> ARCH / open_clip names (G/14 is ViT-bigG-14 in open_clip 3.3.0)
TABLE25_ARCHS = {"B/32": "ViT-B-32", "B/16": "ViT-B-16", "L/14": "ViT-L-14", "H/14": "ViT-H-14",
                 "g/14": "ViT-g-14", "G/14": "ViT-G-14"}


def _millions(printed: str) -> tuple[float, int]:
    """``"151M"`` -> (151, 0); ``"1.37B"`` -> (1370, -1): the value in millions and its printed
    precision as ``decimals`` of :func:`repro.report.compare`."""
    value, unit = float(printed[:-1]), printed[-1]
    if unit == "M":
        return value, 0 if "." not in printed else len(printed.split(".")[1]) - 1
    decimals = len(printed[:-1].split(".")[1]) if "." in printed else 0
    return value * 1000, decimals - 3


def macs_comparison(tolerance: float, compare_models: str) -> pd.DataFrame:
    """Our MAC counts beside ARCH (:func:`repro.compute.compare_with_arch`) for the page's
    ``compare_models`` parameter (see :func:`models_to_compare`)."""
    return compare_with_arch(tolerance=tolerance, models=models_to_compare(compare_models))


def table25() -> pd.DataFrame:
    """Table 25 with our counts: one row per architecture.

    Returns
    -------
    DataFrame
        ``Model``, ``arch``; from the config ``image_width``, ``text_width``, ``embed_dim``,
        ``image_depth``, ``text_depth``; counted ``mparams``, ``image_gmacs``, ``text_gmacs``,
        ``gmacs_per_sample`` (final LayerNorm on the pooled token, as the paper counted) and
        ``gmacs_per_sample_every_token`` (open_clip 3.3.0's forward pass); printed ``paper_width``,
        ``paper_emb``, ``paper_depth``, ``paper_acts``, ``paper_params``, ``paper_gmacs``; ARCH's
        ``arch_gmacs``, ``arch_mparams``, ``arch_macts``.
    """
    printed = load_reported("table25")
    arch = load_arch().set_index("model")
    records = []
    for _, row in printed.iterrows():
        name = TABLE25_ARCHS[row["Model"]]
        _, config = load_model_config(name)
        counted = count_gmacs(name, ln_post="pooled token")
        every_token = count_gmacs(name, ln_post="every token")
        records.append({
            "Model": row["Model"], "arch": name,
            "image_width": config["vision_cfg"]["width"], "text_width": config["text_cfg"]["width"],
            "embed_dim": config["embed_dim"], "image_depth": config["vision_cfg"]["layers"],
            "text_depth": config["text_cfg"]["layers"],
            "mparams": counted.mparams, "image_gmacs": counted.image_gmacs, "text_gmacs": counted.text_gmacs,
            "gmacs_per_sample": counted.gmacs_per_sample,
            "gmacs_per_sample_every_token": every_token.gmacs_per_sample,
            "paper_width": row["Width (img/txt)"], "paper_emb": int(row["Emb"]), "paper_depth": row["Depth (img/txt)"],
            "paper_acts": row["Acts"], "paper_params": row["Params"], "paper_gmacs": float(row["GMAC"]),
            "arch_gmacs": float(arch.loc[name, "gmacs"]), "arch_mparams": float(arch.loc[name, "mparams"]),
            "arch_macts": float(arch.loc[name, "macts"]),
        })
    return pd.DataFrame.from_records(records)


def table25_report_rows(table: pd.DataFrame) -> list[ReportRow]:
    """GMACs (2 decimals), parameters (at the printed precision), widths, embedding size and
    depths of the six architectures, each beside Table 25."""
    rows = []
    for _, r in table.iterrows():
        model = r["Model"]
        rows.append(compare("table25", f"gmacs_per_sample {model}", r["gmacs_per_sample"], r["paper_gmacs"], decimals=2))
        params, decimals = _millions(r["paper_params"])
        rows.append(compare("table25", f"mparams {model}", r["mparams"], params, decimals=decimals))
        image_width, text_width = (float(v) for v in r["paper_width"].split("/"))
        image_depth, text_depth = (float(v) for v in r["paper_depth"].split("/"))
        for quantity, ours, paper in (("image_width", r["image_width"], image_width),
                                      ("text_width", r["text_width"], text_width),
                                      ("embed_dim", r["embed_dim"], r["paper_emb"]),
                                      ("image_depth", r["image_depth"], image_depth),
                                      ("text_depth", r["text_depth"], text_depth)):
            rows.append(compare("table25", f"{quantity} {model}", ours, paper, decimals=0))
    return rows


def models_to_compare(which: str) -> tuple[str, ...] | None:
    """The ``models`` argument of :func:`repro.compute.compare_with_arch` for the setup page.

    Parameters
    ----------
    which : {"all", "table25"}
        "all": every architecture of ARCH (returns None); "table25": Table 25's six models.
    """
    if which == "all":
        return None
    if which == "table25":
        return tuple(TABLE25_ARCHS.values())
    raise SpecError(f"compare_models={which!r}: expected 'all' or 'table25'")


def glue_values(macs: pd.DataFrame) -> dict[str, object]:
    """Plain values for the prose of the setup page (:func:`repro.report.glue_all`).

    Parameters
    ----------
    macs : DataFrame
        :func:`repro.compute.compare_with_arch`'s comparison of our MAC counts with ARCH.

    Returns
    -------
    dict
        ``n_arch`` (architectures compared), ``n_within`` (within tolerance), ``n_exact`` (every
        count rounds to ARCH's printed value), ``n_vit`` / ``n_vit_exact`` (the same for the ViTs),
        ``n_derived`` (configs not taken from open_clip), ``worst_total_pct`` (largest |relative
        difference| of the total, in percent), ``worst_tower_pct`` (largest over the image and
        text towers), ``ln_post_gmacs_l14`` (what counting the final LayerNorm on every token adds
        to ViT-L/14, GMACs; NaN when ViT-L/14 is not compared), ``ln_post_max_pct`` (the largest
        such addition over the models, in percent of the total) as floats, and ``worst_model`` /
        ``worst_tower_model`` (the models, as inline-code Markdown).
    """
    worst = worst_case(macs)
    towers = macs.assign(rel_diff_tower=macs[["rel_diff_image", "rel_diff_text"]].abs().max(axis=1))
    worst_tower = worst_case(towers, column="rel_diff_tower")
    extra = macs["gmacs_per_sample_every_token"] - macs["gmacs_per_sample"]
    vits = macs["model"].str.startswith("ViT-")
    l14 = extra[macs["model"] == "ViT-L-14"]
    return {
        "n_arch": float(len(macs)),
        "n_within": float(macs["within_tolerance"].sum()),
        "n_exact": float(macs["exact_as_printed"].sum()),
        "n_vit": float(vits.sum()),
        "n_vit_exact": float(macs.loc[vits, "exact_as_printed"].sum()),
        "n_derived": float((macs["config"] != "open_clip").sum()),
        "worst_total_pct": float(100 * abs(worst["rel_diff_total"])),
        "worst_tower_pct": float(100 * worst_tower["rel_diff_tower"]),
        "ln_post_gmacs_l14": float(l14.iloc[0]) if len(l14) else float("nan"),
        "ln_post_max_pct": float(100 * (extra / macs["gmacs_per_sample"]).max()),
        "worst_model": Markdown(f"`{worst['model']}`"),
        "worst_tower_model": Markdown(f"`{worst_tower['model']}`"),
    }


#: Columns of the MAC comparison shown on the setup page, in display order.
MACS_DISPLAY_COLUMNS = ("model", "config", "image_size", "image_gmacs", "arch_image_gmacs", "text_gmacs",
                        "arch_text_gmacs", "gmacs_per_sample", "arch_gmacs", "gmacs_per_sample_every_token",
                        "rel_diff_total", "mparams", "arch_mparams", "exact_as_printed")


def macs_display(macs: pd.DataFrame, decimals: int = 4) -> pd.DataFrame:
    """The setup page's view of :func:`repro.compute.compare_with_arch`: :data:`MACS_DISPLAY_COLUMNS`,
    rounded to ``decimals``."""
    return macs[list(MACS_DISPLAY_COLUMNS)].round(decimals)


def table18(info: pd.DataFrame | None = None, reported: pd.DataFrame | None = None) -> pd.DataFrame:
    """Table 18 recomputed from INFO, beside the printed values.

    Parameters
    ----------
    info : DataFrame, optional
        The run table (``repro.data.load_models_info()``, the default); any table with its
        columns ``arch``, ``data``, ``samples_seen_pretty``, ``gpus``, ``local_bs``, ``epochs``,
        ``samples_per_epoch``, ``samples_per_sec``, ``lr``, ``warmup`` works (for example our own
        runs' records).
    reported : DataFrame, optional
        Table 18 as printed (``load_reported("table18")``, the default); pass an empty frame to get
        our columns only.

    Returns
    -------
    DataFrame
        One row per run, in Table 18's order when ``reported`` is given: ``model``,
        ``pretraining_data``, ``samples_seen_pretty`` (the printed budget name), ``gpus``,
        ``local_batch``, ``lr``, ``warmup_steps``, ``global_batch``, ``samples_seen`` (exact count),
        ``samples_per_sec``, ``hours``, ``gpu_hours``; with ``reported``, the printed
        ``paper_global_batch``, ``paper_hours``, ``paper_gpu_hours``, ``paper_mwh``,
        ``paper_gpus``, ``paper_local_batch`` and ``implied_kw_per_gpu`` (printed MWh x 1000 /
        printed GPU-hours).
    """
    info = load_models_info() if info is None else info
    required = ("arch", "data", "samples_seen_pretty", "gpus", "local_bs", "epochs", "samples_per_epoch",
                "samples_per_sec", "lr", "warmup")
    missing = [c for c in required if c not in info.columns]
    if missing:
        raise SchemaError(f"run table: missing column(s) {', '.join(missing)} needed for Table 18")
    if (info["samples_per_sec"] <= 0).any():
        bad = info.index[info["samples_per_sec"] <= 0][0]
        raise SchemaError(f"run table: row {bad + 2}, column 'samples_per_sec': must be > 0, "
                          f"got {info.loc[bad, 'samples_per_sec']!r}")
    ours = pd.DataFrame({
        "model": info["arch"].map(display_name),
        "pretraining_data": info["data"].map(lambda d: DATA_LABELS.get(d, d)),
        "samples_seen_pretty": info["samples_seen_pretty"],
        "gpus": info["gpus"].astype(int),
        "local_batch": info["local_bs"].astype(int),
        "lr": info["lr"].astype(float),
        "warmup_steps": info["warmup"].astype(int),
        "global_batch": (info["gpus"] * info["local_bs"]).astype(int),
        "samples_seen": (info["epochs"] * info["samples_per_epoch"]).astype("int64"),
        "samples_per_sec": info["samples_per_sec"].astype(float),
    })
    ours["hours"] = ours["samples_seen"] / ours["samples_per_sec"] / 3600
    ours["gpu_hours"] = ours["hours"] * ours["gpus"]
    reported = load_reported("table18") if reported is None else reported
    if reported.empty:
        return ours
    printed = reported.rename(columns={"model": "model_printed", "samples_seen": "samples_seen_pretty"}).assign(
        model=lambda t: t["model_printed"].str.removeprefix("ViT-"))
    printed = printed.rename(columns={"global_batch": "paper_global_batch", "hours": "paper_hours",
                                      "gpu_hours": "paper_gpu_hours", "mwh": "paper_mwh", "gpus": "paper_gpus",
                                      "local_batch": "paper_local_batch", "lr": "paper_lr",
                                      "warmup_steps": "paper_warmup"})
    keys = ["model", "pretraining_data", "samples_seen_pretty"]
    merged = printed.merge(ours.assign(model=ours["model"].str.removeprefix("ViT-")), on=keys, how="left",
                           validate="one_to_one", indicator=True)
    unmatched = merged[merged["_merge"] != "both"]
    if not unmatched.empty:
        first = unmatched.iloc[0]
        raise SchemaError(f"Table 18 row ({first['model']}, {first['pretraining_data']}, "
                          f"{first['samples_seen_pretty']}) has no run in the run table")
    merged["model"] = merged["model_printed"]
    merged["implied_kw_per_gpu"] = merged["paper_mwh"] * 1000 / merged["paper_gpu_hours"]
    columns = list(ours.columns) + ["paper_gpus", "paper_local_batch", "paper_lr", "paper_warmup",
                                    "paper_global_batch", "paper_hours", "paper_gpu_hours", "paper_mwh",
                                    "implied_kw_per_gpu"]
    return merged[columns]


def table18_report_rows(table: pd.DataFrame) -> list[ReportRow]:
    """Report rows of Table 18's derivable columns, per run: global batch, hours and GPU-hours
    beside the printed values, and the samples seen (billions) as a "printed name" row, since
    Table 18 prints the budget's name ("3B"), not the count."""
    rows = []
    for _, r in table.iterrows():
        run = f"{r['model']} {r['pretraining_data']}"
        label = r["samples_seen_pretty"]
        rows.append(compare("table18", f"global_batch {run} {label}", r["global_batch"], r["paper_global_batch"],
                            decimals=0))
        rows.append(compare_name("table18", f"samples_seen_billions {run}", r["samples_seen"] / 1e9, label))
        for column in ("hours", "gpu_hours"):
            rows.append(compare("table18", f"{column} {run} {label}", r[column], r[f"paper_{column}"], decimals=0))
    return rows


def budget_ranges(table: pd.DataFrame) -> dict[str, object]:
    """Plain values for the Table 18 prose: per budget name, the smallest and largest samples seen
    of its runs (billions), ``samples_<label>_min`` / ``_max``; ``n_hours_exact``: the hours and
    GPU-hours rows that round to the printed value, of ``n_hours``."""
    values: dict[str, object] = {}
    billions = table["samples_seen"] / 1e9
    for label, group in billions.groupby(table["samples_seen_pretty"]):
        values[f"samples_{label}_min"] = float(group.min())
        values[f"samples_{label}_max"] = float(group.max())
    hours = [r for r in table18_report_rows(table) if r.quantity.startswith(("hours", "gpu_hours"))]
    values["n_hours"] = float(len(hours))
    values["n_hours_exact"] = float(sum(r.status == "exact" for r in hours))
    return values


#: Columns of Table 18 shown on the setup page, in display order.
TABLE18_DISPLAY_COLUMNS = ("model", "pretraining_data", "samples_seen_pretty", "gpus", "local_batch", "global_batch",
                           "paper_global_batch", "samples_seen", "samples_per_sec", "hours", "paper_hours",
                           "gpu_hours", "paper_gpu_hours", "paper_mwh", "implied_kw_per_gpu")


def table18_display(table: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """The setup page's view of :func:`table18`: :data:`TABLE18_DISPLAY_COLUMNS`, rounded to ``decimals``."""
    return table[list(TABLE18_DISPLAY_COLUMNS)].round(decimals)


def report_rows(arch_table: pd.DataFrame, runs: pd.DataFrame) -> list[ReportRow]:
    """The page's report rows: Table 25 (:func:`table25_report_rows`) then Table 18
    (:func:`table18_report_rows`)."""
    return table25_report_rows(arch_table) + table18_report_rows(runs)


def chapter_glue_values(macs: pd.DataFrame, runs: pd.DataFrame) -> dict[str, object]:
    """Every glue value of the page: :func:`glue_values` of the MAC comparison and
    :func:`budget_ranges` of Table 18."""
    return {**glue_values(macs), **budget_ranges(runs)}


@dataclass(frozen=True)
class Page:
    """What the setup page shows.

    Attributes
    ----------
    macs : DataFrame
        Our MAC counts beside ARCH (:func:`macs_comparison`).
    arch_table : DataFrame
        Table 25 with our counts (:func:`table25`).
    runs : DataFrame
        Table 18 recomputed from the run table (:func:`table18`).
    """

    macs: pd.DataFrame = field(repr=False)
    arch_table: pd.DataFrame = field(repr=False)
    runs: pd.DataFrame = field(repr=False)

    def report_rows(self) -> list[ReportRow]:
        """:func:`report_rows`: Table 25, then Table 18."""
        return report_rows(self.arch_table, self.runs)

    def glue_values(self) -> dict[str, object]:
        """:func:`chapter_glue_values` of the page."""
        return chapter_glue_values(self.macs, self.runs)


def compute(tolerance: float = 0.01, compare_models: str = "all") -> Page:
    """The setup page: MACs counted beside ARCH, Table 25 and Table 18.

    Parameters
    ----------
    tolerance : float
        Relative tolerance of the MAC count against ARCH (0.01: within 1%), at least 0.
    compare_models : {"all", "table25"}
        Which architectures of ARCH to count (:func:`models_to_compare`).

    Raises
    ------
    ParameterError
        ``tolerance`` is not a number at least 0.
    SpecError
        ``compare_models`` is neither "all" nor "table25".
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not tolerance >= 0:
        raise ParameterError(f"setup: tolerance must be a number >= 0 (a relative tolerance), got {tolerance!r}")
    return Page(macs_comparison(tolerance, compare_models), table25(), table18())
