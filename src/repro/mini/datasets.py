"""Pre-training datasets of the miniature study: the first ``n_pairs`` pairs of one scene
stream, written as PNG files and a csv (``filepath,title``) that open_clip_train reads with
``--dataset-type csv``.

The sizes play LAION-80M / 400M / 2B: each is at least 4x the last, and the small ones are
prefixes of the large ones (:mod:`repro.mini.scenes`). Writing is idempotent: a complete
dataset folder (``manifest.json`` present and matching) is reused as it is.

Why csv and not webdataset shards: open_clip_train 3.3's ``group_by_keys_nothrow`` fails on the
end-of-shard marker that webdataset >= 1.0 yields (``KeyError: 'fname'``), so shards cannot be
trained from with the pinned versions. A run's samples seen are set by :func:`write_sample_order`:
one csv of exactly ``samples_seen`` rows drawn epoch by epoch from the unique pairs, trained for
one open_clip epoch, so every run has a single cosine schedule over its whole budget as in the
paper.
"""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from repro.errors import SpecError
from repro.mini import scenes

#: Seed of the pre-training stream; the downstream tasks use other seeds (no overlap).
TRAIN_SEED = 1


@dataclass(frozen=True)
class TrainDataset:
    """One written pre-training dataset."""

    name: str            # the upstream_dataset label, e.g. "mini-8k"
    n_pairs: int         # unique (image, caption) pairs
    folder: Path
    seed: int

    @property
    def csv_path(self) -> Path:
        """``filepath,title`` rows, one per unique pair (absolute image paths)."""
        return self.folder / "pairs.csv"


def dataset_name(n_pairs: int) -> str:
    """``mini-2k`` for 2,000 pairs (the upstream_dataset label of the results rows)."""
    if n_pairs % 1000 == 0:
        return f"mini-{n_pairs // 1000}k"
    return f"mini-{n_pairs}"


def png_bytes(image: np.ndarray) -> bytes:
    """A ``(H, W, 3)`` uint8 image encoded as PNG (lossless: the scenes are exact)."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="png")
    return buffer.getvalue()


def write_train_dataset(n_pairs: int, root: Path, *, seed: int = TRAIN_SEED) -> TrainDataset:
    """Write (or reuse) the first ``n_pairs`` pairs of stream ``seed`` under ``root/<name>/``.

    Images go to ``images/<index>.png``, captions to ``pairs.csv``. A folder whose
    ``manifest.json`` matches is reused without rendering anything.
    """
    if n_pairs < 1:
        raise SpecError(f"n_pairs must be a positive number of unique pairs, got {n_pairs}")
    name = dataset_name(n_pairs)
    folder = (Path(root) / name).resolve()
    dataset = TrainDataset(name, n_pairs, folder, seed)
    manifest = {"name": name, "n_pairs": n_pairs, "seed": seed, "format": "csv+png",
                "scenes_version": scenes.SCENES_VERSION}
    manifest_path = folder / "manifest.json"
    if manifest_path.is_file() and json.loads(manifest_path.read_text()) == manifest:
        return dataset
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n_pairs):
        image, text, _ = scenes.pair(seed, i)
        path = images / f"{i:08d}.png"
        path.write_bytes(png_bytes(image))
        rows.append((str(path), text))
    _write_csv(dataset.csv_path, rows)
    manifest_path.write_text(json.dumps(manifest, indent=2))
    return dataset


def _write_csv(path: Path, rows: list[tuple[str, str]]) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("filepath", "title"))
        writer.writerows(rows)
    os.replace(tmp, path)


def write_sample_order(dataset: TrainDataset, samples_seen: int, path: Path, *, seed: int) -> Path:
    """The csv one run trains on for one epoch: exactly ``samples_seen`` rows of ``dataset``.

    Rows are drawn epoch by epoch (a fresh permutation of the unique pairs each pass, the last
    pass cut short), so a budget below the dataset size sees that many distinct pairs and a
    budget above it repeats every pair about ``samples_seen / n_pairs`` times, as a multi-epoch
    run over LAION-80M does.
    """
    if samples_seen < 1:
        raise SpecError(f"samples_seen must be positive, got {samples_seen}")
    with open(dataset.csv_path, newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    if len(rows) != dataset.n_pairs:
        raise SpecError(f"{dataset.csv_path}: {len(rows)} rows, expected {dataset.n_pairs}; delete the folder "
                        "to have it rewritten")
    rng = np.random.default_rng([seed, dataset.n_pairs, samples_seen])
    order: list[int] = []
    while len(order) < samples_seen:
        order.extend(rng.permutation(dataset.n_pairs)[: samples_seen - len(order)].tolist())
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_csv(path, [tuple(rows[i]) for i in order])
    return path


def describe(dataset: TrainDataset) -> dict:
    """The dataset as a plain dict (for provenance files)."""
    out = asdict(dataset)
    out["folder"] = str(dataset.folder)
    return out
