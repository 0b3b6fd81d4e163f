"""Table 25: the architectures of the scaling study, counted from open_clip's model definitions.

Widths, depths and embedding size are read from the open_clip 3.3.0 configs; parameters and
GMACs per sample are counted by :mod:`repro.compute.macs` (a FLOP counter over a forward pass on
the meta device), beside the printed Table 25 and the authors' ARCH table.
"""

from __future__ import annotations

import pandas as pd

from repro.report import ReportRow, compare
from repro.compute import count_gmacs, load_model_config, worst_case
from repro.data import load_arch, load_reported
from repro.errors import SpecError

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


def table25() -> pd.DataFrame:
    """Table 25 with our counts: one row per architecture.

    Returns
    -------
    DataFrame
        ``Model``, ``arch``; from the config ``image_width``, ``text_width``, ``embed_dim``,
        ``image_depth``, ``text_depth``; counted ``mparams``, ``image_gmacs``, ``text_gmacs``,
        ``gmacs_per_sample``; printed ``paper_width``, ``paper_emb``, ``paper_depth``, ``paper_acts``,
        ``paper_params``, ``paper_gmacs``; ARCH's ``arch_gmacs``, ``arch_mparams``, ``arch_macts``.
    """
    printed = load_reported("table25")
    arch = load_arch().set_index("model")
    records = []
    for _, row in printed.iterrows():
        name = TABLE25_ARCHS[row["Model"]]
        _, config = load_model_config(name)
        counted = count_gmacs(name)
        records.append({
            "Model": row["Model"], "arch": name,
            "image_width": config["vision_cfg"]["width"], "text_width": config["text_cfg"]["width"],
            "embed_dim": config["embed_dim"], "image_depth": config["vision_cfg"]["layers"],
            "text_depth": config["text_cfg"]["layers"],
            "mparams": counted.mparams, "image_gmacs": counted.image_gmacs, "text_gmacs": counted.text_gmacs,
            "gmacs_per_sample": counted.gmacs_per_sample,
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
    """Plain values for the prose of the setup page (``repro.report_all``).

    Parameters
    ----------
    macs : DataFrame
        :func:`repro.compute.compare_with_arch`'s comparison of our MAC counts with ARCH.

    Returns
    -------
    dict
        ``n_arch`` (architectures compared), ``n_within`` (within tolerance), ``n_derived`` (configs
        not taken from open_clip), ``worst_total_pct`` (largest |relative difference| of the total,
        in percent), ``worst_tower_pct`` (largest over the image and text towers) as floats, and
        ``worst_model`` / ``worst_tower_model`` (the models, as inline-code Markdown).
    """
    from IPython.display import Markdown

    worst = worst_case(macs)
    towers = macs.assign(rel_diff_tower=macs[["rel_diff_image", "rel_diff_text"]].abs().max(axis=1))
    worst_tower = worst_case(towers, column="rel_diff_tower")
    return {
        "n_arch": float(len(macs)),
        "n_within": float(macs["within_tolerance"].sum()),
        "n_derived": float((macs["config"] != "open_clip").sum()),
        "worst_total_pct": float(100 * abs(worst["rel_diff_total"])),
        "worst_tower_pct": float(100 * worst_tower["rel_diff_tower"]),
        "worst_model": Markdown(f"`{worst['model']}`"),
        "worst_tower_model": Markdown(f"`{worst_tower['model']}`"),
    }


#: Columns of the MAC comparison shown on the setup page, in display order.
MACS_DISPLAY_COLUMNS = ("model", "config", "image_size", "image_gmacs", "arch_image_gmacs", "text_gmacs",
                        "arch_text_gmacs", "gmacs_per_sample", "arch_gmacs", "rel_diff_total", "mparams",
                        "arch_mparams", "agrees_as_printed")


def macs_display(macs: pd.DataFrame, decimals: int = 4) -> pd.DataFrame:
    """The setup page's view of :func:`repro.compute.compare_with_arch`: :data:`MACS_DISPLAY_COLUMNS`,
    rounded to ``decimals``."""
    return macs[list(MACS_DISPLAY_COLUMNS)].round(decimals)
