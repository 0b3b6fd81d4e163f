"""Numbers printed in the paper (../shared/paper-reported), shipped as package data keyed by table
number. These are only ever the comparison column: nothing reproduced is copied from them."""

from __future__ import annotations

from importlib import resources

import pandas as pd

from repro.errors import UnknownSectionError

#: short name -> file of the paper-reported CSVs (README.md beside them says what each holds)
REPORTED = {
    "table01": "table01_headline.csv",
    "table02": "table02_datasets.csv",
    "table03": "table03_phash_overlap.csv",
    "table04": "table04_predictions.csv",
    "table05": "table05_linear_probe.csv",
    "table06": "table06_zeroshot_8tasks.csv",
    "table07": "table07_joint_finetune_8tasks.csv",
    "table08": "table08_joint_patching.csv",
    "table09": "table09_imagenet_finetune.csv",
    "table10": "table10_imagenet_finetune_hparams.csv",
    "table11": "table11_imagenet12k_hparams.csv",
    "table12": "table12_batch_size_control.csv",
    "table13_15": "table13_15_controls.csv",
    "table18": "table18_pretraining_resources.csv",
    "table25": "table25_architectures.csv",
    "table26": "table26_eval_datasets.csv",
    "zeroshot_grids": "zeroshot_grids_tables16_19to24.csv",
    "text_exponents": "text_exponents.csv",
}


def load_reported(table: str) -> pd.DataFrame:
    """A table of numbers printed in the paper, e.g. ``load_reported("table04")``.

    Parameters
    ----------
    table : str
        A key of :data:`REPORTED` (``table04``, ``text_exponents``, ...).
    """
    try:
        filename = REPORTED[table]
    except KeyError:
        raise UnknownSectionError(f"no paper-reported table '{table}'; known: {', '.join(REPORTED)}") from None
    with resources.files("repro.data").joinpath("reported", filename).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype={"samples_seen": str, "Samples": str}, keep_default_na=False, na_values=[""])
