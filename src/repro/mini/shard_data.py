"""The miniature study's pre-training data as array shards (:mod:`repro.executors.shards`): the
same pairs as :func:`repro.mini.datasets.write_train_dataset` (the first ``n_pairs`` of one
scene stream, the images as rendered, not PNG-encoded) and the same rows per run as
:func:`repro.mini.datasets.write_sample_order`, read by open_clip_train in whole batches.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from repro.errors import SpecError
from repro.executors import shards
from repro.mini import datasets, scenes


def write_train_shard(n_pairs: int, root: Path, *, seed: int = datasets.TRAIN_SEED) -> Path:
    """Write (or reuse) the first ``n_pairs`` pairs of stream ``seed`` as a shard
    ``root/<name>.shard/``; returns its folder.

    Parameters
    ----------
    n_pairs : int
        Unique pairs.
    root : Path
        Parent folder (git-ignored work folder).
    seed : int
        The scene stream (:data:`repro.mini.datasets.TRAIN_SEED` plus the profile's seed).

    Raises
    ------
    SpecError
        ``n_pairs`` below 1.
    """
    if n_pairs < 1:
        raise SpecError(f"n_pairs must be a positive number of unique pairs, got {n_pairs}")
    folder = (Path(root) / f"{datasets.dataset_name(n_pairs)}.shard").resolve()
    stamp = {"n_pairs": n_pairs, "seed": seed, "scenes_version": scenes.SCENES_VERSION}
    stamp_path = folder / "source.json"
    if stamp_path.is_file() and json.loads(stamp_path.read_text()) == stamp and (folder / "manifest.json").is_file():
        return folder
    images, captions = None, []
    for i in range(n_pairs):  # one array for the images (no list of n_pairs arrays beside it)
        image, text, _ = scenes.pair(seed, i)
        if images is None:
            images = np.empty((n_pairs, *image.shape), dtype=np.uint8)
        images[i] = image
        captions.append(text)
    shards.write_shard(folder, images, captions)
    stamp_path.write_text(json.dumps(stamp, indent=2))
    return folder


def sample_order(n_pairs: int, samples_seen: int, *, seed: int) -> np.ndarray:
    """The pair indices one run trains on: those of :func:`repro.mini.datasets.write_sample_order`
    (a fresh permutation of the unique pairs per pass, the last pass cut short).

    Parameters
    ----------
    n_pairs, samples_seen : int
    seed : int
        The profile's seed.

    Raises
    ------
    SpecError
        ``samples_seen`` below 1.
    """
    if samples_seen < 1:
        raise SpecError(f"samples_seen must be positive, got {samples_seen}")
    rng = np.random.default_rng([seed, n_pairs, samples_seen])
    order: list[int] = []
    while len(order) < samples_seen:
        order.extend(rng.permutation(n_pairs)[: samples_seen - len(order)].tolist())
    return np.asarray(order, dtype=np.int64)


def write_shard_order(shard_folder: Path, n_pairs: int, samples_seen: int, path: Path, *, seed: int) -> Path:
    """Write the order file of one run (``path`` ends with ``.arrays.json``).

    Parameters
    ----------
    shard_folder : Path
        From :func:`write_train_shard`.
    n_pairs, samples_seen : int
    path : Path
    seed : int
        The profile's seed.
    """
    return shards.write_order(path, shard_folder, sample_order(n_pairs, samples_seen, seed=seed))
