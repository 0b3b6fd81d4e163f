"""One ``load_<table>()`` per published file each returning a validated DataFrame."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from repro.data.registry import fetch
from repro.data.schema import validate_results
from repro.errors import DataNotFoundError, SchemaError

ZEROSHOT = "scaling-laws-openclip/zeroshot_results.csv"
MODELS_INFO = "scaling-laws-openclip/trained_models_info.csv"
ARCH = "scaling-laws-openclip/arch_info.csv"
LEARNING_CURVES = "scaling-laws-openclip/imagenet_zeroshot_learning_curves.csv"
LINEAR_PROBE = "clip-benchmark-probe/scaling_experiment_data2.json"
LINEAR_PROBE_VTAB = "clip-benchmark-probe/scaling_experiment_data_vtab.json"
OPENCLIP_RESULTS = "clip-benchmark-probe/openclip_results.csv"
OPENCLIP_BENCHMARK = "open-clip/openclip_results.csv"
OPENCLIP_RETRIEVAL = "open-clip/openclip_retrieval_results.csv"
OPENCLIP_PROFILE = "open-clip/model_profile.csv"
#: Columns every open_clip benchmark table starts with: architecture, pretrained tag, size, cost.
OPENCLIP_KEY_COLUMNS = ("name", "pretrained", "params (M)", "FLOPs (B)")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], source: Path | str) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(f"{source}: missing column(s) {', '.join(repr(c) for c in missing)}")
    return frame


def _read_csv(path: Path | str) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise SchemaError(f"{path}: not a readable CSV file ({err})") from err


@lru_cache(maxsize=None)
def _load_results_cached(path: str) -> pd.DataFrame:
    return validate_results(_read_csv(path), source=path, paper_grid=True)


def load_results() -> pd.DataFrame:
    """The published zero-shot results: 32 models x 41 downstream datasets (``zeroshot_results.csv``)."""
    return _load_results_cached(str(fetch(ZEROSHOT))).copy()


def read_results(path: Path | str) -> pd.DataFrame:
    """Any results table in the schema of zeroshot_results.csv (ours: mini study, new evaluations).

    Parameters
    ----------
    path : Path or str
        A CSV in the schema of zeroshot_results.csv.
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no such results file")
    return validate_results(_read_csv(path), source=path)


def load_models_info() -> pd.DataFrame:
    """The 29 OpenCLIP training runs (INFO): name, arch, data, lr, warmup, epochs, gpus, throughput..."""
    path = fetch(MODELS_INFO)
    frame = _require(_read_csv(path), ("name", "arch", "data", "samples_seen_pretty", "lr", "warmup", "epochs",
                                        "gpus", "samples_per_sec", "samples_per_epoch", "local_bs", "url"), path)
    if len(frame) != 29:
        raise SchemaError(f"{path}: expected the paper's 29 training runs, got {len(frame)} rows")
    return frame


def load_arch() -> pd.DataFrame:
    """Per-architecture compute (ARCH): GMACs per sample, activations and parameters, per tower."""
    path = fetch(ARCH)
    return _require(_read_csv(path), ("model", "image_size", "gmacs", "image_gmacs", "text_gmacs", "mparams"), path)


def load_learning_curves() -> pd.DataFrame:
    """ImageNet zero-shot top-1/top-5 at intermediate epochs of the 29 runs (LC)."""
    path = fetch(LEARNING_CURVES)
    frame = _require(_read_csv(path), ("imagenet-zeroshot-val-top1", "imagenet-zeroshot-val-top5", "name", "epoch"), path)
    return frame.rename(columns={"imagenet-zeroshot-val-top1": "acc1", "imagenet-zeroshot-val-top5": "acc5"})


def _read_json_records(key: str, columns: tuple[str, ...]) -> pd.DataFrame:
    path = fetch(key)
    try:
        records = json.loads(Path(path).read_text())
    except json.JSONDecodeError as err:
        raise SchemaError(f"{path}: not valid JSON ({err})") from err
    return _require(pd.DataFrame.from_records(records), columns, path)


def load_linear_probe() -> pd.DataFrame:
    """The 4,752 raw linear-probe runs (LP): model x pretrained x dataset x k x lr x epochs."""
    return _read_json_records(LINEAR_PROBE, ("model", "pretrained", "dataset", "fewshot_k", "lr", "epochs",
                                             "lp_acc1", "gmacs_total", "upstream_dataset", "samples_seen_pretty"))


def load_linear_probe_vtab() -> pd.DataFrame:
    """Full-data linear-probe VTAB (19-task mean) per model (LP)."""
    return _read_json_records(LINEAR_PROBE_VTAB, ("dataset", "lp_acc1", "fewshot_k", "model", "pretrained",
                                                  "upstream_dataset", "gmacs_total", "samples_seen_pretty"))


def load_openclip_results() -> pd.DataFrame:
    """Zero-shot results of the public OpenCLIP release checkpoints (context for the probes)."""
    path = fetch(OPENCLIP_RESULTS)
    return _require(_read_csv(path), ("model_fullname", "arch", "downstream_dataset", "acc1"), path)


def _openclip_table(path: Path | str, columns: tuple[str, ...]) -> pd.DataFrame:
    frame = _require(_read_csv(path), OPENCLIP_KEY_COLUMNS + columns, path)
    duplicated = frame.duplicated(["name", "pretrained"])
    if duplicated.any():
        pairs = ", ".join(f"{n} {p}" for n, p in frame.loc[duplicated, ["name", "pretrained"]].itertuples(index=False))
        raise SchemaError(f"{path}: more than one row for {pairs}")
    return frame


def read_openclip_benchmark(results: Path | str, retrieval: Path | str) -> pd.DataFrame:
    """open_clip's zero-shot table joined with its retrieval table, one row per (name, pretrained).

    The retrieval columns (``Flickr image retr. R@5`` ...) join the zero-shot columns (``ImageNet 1k``
    ...); a model missing from the retrieval table keeps NaN there. Scores are fractions.

    Parameters
    ----------
    results : Path or str
        open_clip's zero-shot results table (``openclip_results.csv``).
    retrieval : Path or str
        open_clip's retrieval results table (``openclip_retrieval_results.csv``).

    Raises
    ------
    SchemaError
        A key column, ``ImageNet 1k`` or a retrieval R@5 column is missing, or a model appears twice.
    """
    zero_shot = _openclip_table(results, ("ImageNet 1k",))
    retrieval_frame = _openclip_table(retrieval, ("Flickr image retr. R@5", "MSCOCO image retr. R@5"))
    extra = [c for c in retrieval_frame.columns if c not in zero_shot.columns or c in ("name", "pretrained")]
    return zero_shot.merge(retrieval_frame[extra], on=["name", "pretrained"], how="left", validate="one_to_one")


def load_openclip_benchmark() -> pd.DataFrame:
    """open_clip's published benchmark of its pretrained models (121 models; zero-shot on 38 datasets,
    Flickr30K and MS-COCO retrieval), pinned at the registry's commit: :func:`read_openclip_benchmark`."""
    return read_openclip_benchmark(fetch(OPENCLIP_BENCHMARK), fetch(OPENCLIP_RETRIEVAL))


def load_openclip_profile() -> pd.DataFrame:
    """open_clip's per-architecture profile: parameters and GFLOPs (whole, image, text) per sample."""
    path = fetch(OPENCLIP_PROFILE)
    return _require(_read_csv(path), ("model", "image_size", "mparams", "gflops", "image_gflops", "text_gflops"), path)
