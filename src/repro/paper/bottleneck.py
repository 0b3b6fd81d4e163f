"""The bottleneck claims of Sec. 4 (PAPER.md, "Bottleneck claims"), computed on the zero-shot grid.

The paper observes that scaling one factor helps little while another one limits: B/32 and B/16
trained for 3B or 13B samples gain little from LAION-2B over LAION-400M, while at 34B samples the
larger set helps; and L/14 on LAION-400M barely improves retrieval from 13B to 34B samples. Here
the same grids as Tables 16, 19-24 give the gains in percentage points, and each claim is stated as
an inequality between them, checked per measure.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from repro.paper.tables import SAMPLES_ORDER, UPSTREAM_ORDER, zeroshot_grid

#: The measures of the appendix grids, by short name (Tables 16, 19-24)
MEASURES = {
    "VTAB+": "table16", "ImageNet": "table19", "Robustness": "table20",
    "COCO image R@5": "table21", "COCO text R@5": "table22",
    "Flickr image R@5": "table23", "Flickr text R@5": "table24",
}
RETRIEVAL_MEASURES = ("COCO image R@5", "COCO text R@5", "Flickr image R@5", "Flickr text R@5")
SMALL_MODELS = ("ViT-B/32", "ViT-B/16")


def _long(rows: pd.DataFrame, measures: Sequence[str]) -> pd.DataFrame:
    parts = [zeroshot_grid(rows, MEASURES[m]).assign(measure=m) for m in measures]
    return pd.concat(parts, ignore_index=True)


def _gains(rows: pd.DataFrame, measures: Sequence[str], *, held: str, varied: str, order: Sequence[str],
           steps: Sequence[tuple[str, str, str]]) -> pd.DataFrame:
    """Performance (%) per value of ``varied`` (columns, in ``order``) for each (measure, model,
    ``held``), and a ``gain <name>`` column (to - from, percentage points) per step."""
    wide = _long(rows, measures).pivot_table(index=["measure", "model", held], columns=varied, values="ours",
                                             sort=False)
    wide = wide[[v for v in order if v in wide.columns]].dropna()
    for name, start, end in steps:
        wide[f"gain {name}"] = wide[end] - wide[start]
    return wide


def data_scaling_gains(rows: pd.DataFrame, measures: Sequence[str] = tuple(MEASURES)) -> pd.DataFrame:
    """Performance (%) on LAION-80M / 400M / 2B per (measure, model, samples seen), and the gains
    ``400M->2B`` and ``80M->400M`` in percentage points; runs with one dataset only are dropped."""
    return _gains(rows, measures, held="samples_seen", varied="pretraining_data", order=UPSTREAM_ORDER,
                  steps=(("80M->400M", "LAION-80M", "LAION-400M"), ("400M->2B", "LAION-400M", "LAION-2B")))


def samples_scaling_gains(rows: pd.DataFrame, measures: Sequence[str] = tuple(MEASURES)) -> pd.DataFrame:
    """Performance (%) at 3B / 13B / 34B samples seen per (measure, model, pretraining data), and
    the gains ``3B->13B`` and ``13B->34B`` in percentage points."""
    return _gains(rows, measures, held="pretraining_data", varied="samples_seen", order=SAMPLES_ORDER,
                  steps=(("3B->13B", "3B", "13B"), ("13B->34B", "13B", "34B")))


def bottleneck_claims(rows: pd.DataFrame, measures: Sequence[str] = tuple(MEASURES)) -> pd.DataFrame:
    """The three claims, one row per (claim, measure), with the numbers that decide them.

    Columns: ``claim``, ``measure``, ``compared`` (what is compared with what), ``value`` and
    ``reference`` (percentage points), ``holds`` (bool).

    * **A**, data bottleneck of small models: the mean 400M->2B gain of B/32 and B/16 at 3B and
      13B samples (``value``) is smaller than their mean gain at 34B (``reference``).
    * **B**, at 34B samples LAION-2B helps: the smallest 400M->2B gain of B/32 and B/16 at 34B
      (``value``) is positive (``reference`` = 0).
    * **C**, L/14 on LAION-400M stalls on retrieval: its 13B->34B gain (``value``) is smaller than
      the same gain of L/14 on LAION-2B (``reference``); retrieval measures only.
    """
    data_gains = data_scaling_gains(rows, measures)["gain 400M->2B"].reset_index()
    small = data_gains[data_gains["model"].isin(SMALL_MODELS)]
    samples_gains = samples_scaling_gains(rows, [m for m in measures if m in RETRIEVAL_MEASURES])
    samples_gains = samples_gains["gain 13B->34B"].reset_index()
    records = []
    for measure in measures:
        in_measure = small[small["measure"] == measure]
        early = in_measure[in_measure["samples_seen"].isin(("3B", "13B"))]["gain 400M->2B"]
        late = in_measure[in_measure["samples_seen"] == "34B"]["gain 400M->2B"]
        if len(early) and len(late):
            records.append({"claim": "A", "measure": measure,
                            "compared": "mean 400M->2B gain of B/32, B/16 at 3B+13B vs at 34B",
                            "value": float(early.mean()), "reference": float(late.mean()),
                            "holds": bool(early.mean() < late.mean())})
            records.append({"claim": "B", "measure": measure,
                            "compared": "smallest 400M->2B gain of B/32, B/16 at 34B vs 0",
                            "value": float(late.min()), "reference": 0.0, "holds": bool(late.min() > 0)})
        l14 = samples_gains[(samples_gains["measure"] == measure) & (samples_gains["model"] == "ViT-L/14")]
        l14 = l14.set_index("pretraining_data")["gain 13B->34B"]
        if {"LAION-400M", "LAION-2B"} <= set(l14.index):
            records.append({"claim": "C", "measure": measure,
                            "compared": "13B->34B gain of L/14 on LAION-400M vs on LAION-2B",
                            "value": float(l14["LAION-400M"]), "reference": float(l14["LAION-2B"]),
                            "holds": bool(l14["LAION-400M"] < l14["LAION-2B"])})
    return pd.DataFrame(records)


def claims_summary(claims: pd.DataFrame) -> pd.DataFrame:
    """Per claim: on how many measures it holds, and which measures break it."""
    grouped = claims.groupby("claim")
    return pd.DataFrame({
        "measures": grouped.size(),
        "holds on": grouped["holds"].sum().astype(int),
        "fails on": grouped.apply(lambda g: ", ".join(g.loc[~g["holds"], "measure"]) or "-", include_groups=False),
    })


