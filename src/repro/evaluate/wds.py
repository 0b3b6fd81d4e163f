"""Write a downstream dataset in CLIP_benchmark's local webdataset layout.

CLIP_benchmark reads ``--dataset wds/<name>`` from ``--dataset_root`` laid out as
(``clip_benchmark.datasets.builder.build_wds_dataset``)::

    <root>/wds_<name with "/" -> "-">/        # e.g. wds_vtab-cifar10, as the clip-benchmark/wds_* repos
        dataset_type.txt                      # "classification", "multilabel" or "retrieval"
        classnames.txt                        # classification: one class name per line
        zeroshot_classification_templates.txt # classification: one prompt per line, "{c}" = class name
        test/nshards.txt                      # number of shards of the split
        test/0.tar, test/1.tar, ...           # samples: <key>.png + <key>.cls (or .npy, or .txt)
        train/...                             # further splits (linear probe)

Each sample of a classification set holds a PNG image and its class index (``.cls``); of a
multi-label set, a PNG and a 0/1 vector over the classes (``.npy``); of a retrieval set, a PNG and
its captions, one per line (``.txt``; CLIP_benchmark splits them with ``str.splitlines``).

:func:`dataset_dir` gives the folder CLIP_benchmark will read; :func:`write_wds_dataset` writes it.
The evaluation runner passes ``--dataset_root <root>/wds_{dataset_cleaned}`` to CLIP_benchmark, so
one root holds every dataset of a suite.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from repro.errors import SpecError

DatasetType = Literal["classification", "multilabel", "retrieval"]
#: CLIP_benchmark's template for the folder of ``wds/<name>`` under one dataset root.
ROOT_TEMPLATE = "wds_{dataset_cleaned}"


def cleaned_name(name: str) -> str:
    """CLIP_benchmark's ``dataset_cleaned``: the name without its ``wds/`` prefix, ``/`` -> ``-``."""
    if name.startswith("wds/"):
        name = name[len("wds/"):]
    return name.replace("/", "-")


def dataset_dir(root: str | Path, name: str) -> Path:
    """The folder CLIP_benchmark reads for ``wds/<name>`` under ``root``: ``root/wds_<cleaned name>``."""
    return Path(root) / ROOT_TEMPLATE.format(dataset_cleaned=cleaned_name(name))


@dataclass(frozen=True)
class Split:
    """One split of a downstream dataset, in memory.

    Attributes
    ----------
    images : sequence of (H, W, 3) uint8 arrays or PIL images
        The images, in order.
    labels : sequence of int, optional
        Classification: the class index of each image (into ``classnames``).
    multilabels : (N, C) array_like of 0/1, optional
        Multi-label classification: which of the C classes each image shows.
    captions : sequence of sequences of str, optional
        Retrieval: the captions of each image (several per image, as MS-COCO's five).
    """

    images: Sequence[Any]
    labels: Sequence[int] | None = None
    multilabels: Any = None
    captions: Sequence[Sequence[str]] | None = None


def _png_bytes(image: Any, where: str) -> bytes:
    from PIL import Image

    if not isinstance(image, Image.Image):
        array = np.asarray(image)
        if array.dtype != np.uint8 or array.ndim not in (2, 3):
            raise SpecError(f"{where}: expected an (H, W, 3) uint8 array or a PIL image, got {array.dtype} {array.shape}")
        image = Image.fromarray(array)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def _add(tar: tarfile.TarFile, name: str, payload: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    info.mtime = 0  # reproducible shards: same inputs, same bytes
    tar.addfile(info, io.BytesIO(payload))


def _npy_bytes(vector: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, vector)
    return buffer.getvalue()


def _check_split(split_name: str, split: Split, dataset_type: DatasetType, n_classes: int) -> None:
    n = len(split.images)
    where = f"split '{split_name}'"
    if n == 0:
        raise SpecError(f"{where}: no images")
    if dataset_type == "classification":
        if split.labels is None or len(split.labels) != n:
            raise SpecError(f"{where}: a classification split needs one label per image ({n} images)")
        labels = np.asarray(split.labels)
        if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= n_classes:
            raise SpecError(f"{where}: labels must be integers in [0, {n_classes}), got range "
                            f"[{labels.min()}, {labels.max()}]")
    elif dataset_type == "multilabel":
        multi = np.asarray(split.multilabels)
        if split.multilabels is None or multi.shape != (n, n_classes):
            raise SpecError(f"{where}: a multi-label split needs a ({n}, {n_classes}) 0/1 array, got "
                            f"{None if split.multilabels is None else multi.shape}")
    else:
        if split.captions is None or len(split.captions) != n:
            raise SpecError(f"{where}: a retrieval split needs a list of captions per image ({n} images)")
        for i, caps in enumerate(split.captions):
            if isinstance(caps, str) or not caps or any("\n" in c or not c.strip() for c in caps):
                raise SpecError(f"{where}: image {i}: captions must be a non-empty list of one-line strings")


def write_wds_dataset(
    root: str | Path,
    name: str,
    splits: Mapping[str, Split],
    *,
    dataset_type: DatasetType = "classification",
    classnames: Sequence[str] | None = None,
    templates: Sequence[str] | None = None,
    samples_per_shard: int = 1000,
    overwrite: bool = False,
) -> Path:
    """Write a dataset for CLIP_benchmark's ``--dataset wds/<name>`` under ``root``.

    Parameters
    ----------
    root : str or Path
        The dataset root (``repro eval --dataset-root``); the dataset goes to :func:`dataset_dir`.
    name : str
        The dataset name, as in ``wds/<name>`` (a ``vtab/...`` name becomes ``wds_vtab-...``).
    splits : mapping of str to Split
        Split name (``"test"``; ``"train"`` for a linear probe) to its images and targets.
    dataset_type : {"classification", "multilabel", "retrieval"}
        What the targets are: a class index, a 0/1 vector over the classes, or captions.
    classnames : sequence of str
        Classification and multi-label: the class names, in label order (required).
    templates : sequence of str
        Classification and multi-label: zero-shot prompts with ``{c}`` for the class name, e.g.
        ``"a photo of a {c}."`` (required).
    samples_per_shard : int
        Samples per tar shard.
    overwrite : bool
        Replace an existing dataset folder; otherwise an existing folder is an error.

    Returns
    -------
    Path
        The dataset folder.

    Raises
    ------
    SpecError
        For a split without images, labels out of range, missing class names or templates, a
        template without ``{c}``, captions that are not lists of one-line strings, or an existing
        folder without ``overwrite``.

    Notes
    -----
    The folder is written beside its final place and renamed into it, so CLIP_benchmark never
    reads a half-written dataset.

    Examples
    --------
    >>> import numpy as np
    >>> images = [np.zeros((32, 32, 3), np.uint8), np.full((32, 32, 3), 255, np.uint8)]
    >>> write_wds_dataset(tmp, "dark_or_light", {"test": Split(images, labels=[0, 1])},
    ...                   classnames=["dark", "light"], templates=["a {c} image."])  # doctest: +SKIP
    """
    n_classes = _check_dataset(name, splits, dataset_type, classnames, templates, samples_per_shard)
    for split_name, split in splits.items():
        _check_split(split_name, split, dataset_type, n_classes)
    target = dataset_dir(root, name)
    if target.exists() and not overwrite:
        raise SpecError(f"{target}: exists already (pass overwrite=True to replace it)")
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    (staging / "dataset_type.txt").write_text(dataset_type + "\n")
    if dataset_type != "retrieval":
        (staging / "classnames.txt").write_text("".join(c.strip() + "\n" for c in classnames))
        (staging / "zeroshot_classification_templates.txt").write_text("".join(t.strip() + "\n" for t in templates))
    for split_name, split in splits.items():
        _write_split(staging / split_name, split_name, split, dataset_type, samples_per_shard)
    (staging / "repro_dataset.json").write_text(json.dumps(
        {"name": name, "dataset_type": dataset_type, "splits": {k: len(v.images) for k, v in splits.items()}}, indent=1))
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)
    return target


def _check_dataset(name: str, splits: Mapping[str, Split], dataset_type: DatasetType,
                   classnames: Sequence[str] | None, templates: Sequence[str] | None, samples_per_shard: int) -> int:
    """Check the arguments of :func:`write_wds_dataset` that are not a split's; returns the
    number of classes (0 for retrieval)."""
    if dataset_type not in ("classification", "multilabel", "retrieval"):
        raise SpecError(f"dataset '{name}': unknown dataset_type '{dataset_type}'; "
                        "expected 'classification', 'multilabel' or 'retrieval'")
    if not splits:
        raise SpecError(f"dataset '{name}': no splits given")
    if samples_per_shard < 1:
        raise SpecError(f"dataset '{name}': samples_per_shard must be >= 1, got {samples_per_shard}")
    if dataset_type == "retrieval":
        return 0
    if not classnames or not templates:
        raise SpecError(f"dataset '{name}': a {dataset_type} dataset needs classnames and templates")
    if any("\n" in c or not c.strip() for c in classnames):
        raise SpecError(f"dataset '{name}': class names must be non-empty one-line strings")
    bad = [t for t in templates if "{c}" not in t or "\n" in t]
    if bad:
        raise SpecError(f"dataset '{name}': templates must be one-line strings containing '{{c}}', got {bad}")
    return len(classnames)


def _write_split(folder: Path, split_name: str, split: Split, dataset_type: DatasetType, samples_per_shard: int) -> None:
    """One split as tar shards of ``samples_per_shard`` samples (an image and its target each)
    and ``nshards.txt``."""
    folder.mkdir()
    n = len(split.images)
    n_shards = (n + samples_per_shard - 1) // samples_per_shard
    for shard in range(n_shards):
        with tarfile.open(folder / f"{shard}.tar", "w", format=tarfile.USTAR_FORMAT) as tar:
            for i in range(shard * samples_per_shard, min(n, (shard + 1) * samples_per_shard)):
                key = f"s{i:08d}"
                _add(tar, f"{key}.png", _png_bytes(split.images[i], f"split '{split_name}', image {i}"))
                _add(tar, *_target(key, split, i, dataset_type))
    (folder / "nshards.txt").write_text(f"{n_shards}\n")


def _target(key: str, split: Split, i: int, dataset_type: DatasetType) -> tuple[str, bytes]:
    """The tar member of image ``i``'s target: its class (``.cls``), 0/1 vector (``.npy``) or captions (``.txt``)."""
    if dataset_type == "classification":
        return f"{key}.cls", str(int(split.labels[i])).encode()
    if dataset_type == "multilabel":
        return f"{key}.npy", _npy_bytes(np.asarray(split.multilabels[i], dtype=np.int64))
    return f"{key}.txt", "\n".join(c.strip() for c in split.captions[i]).encode()


def dataset_present(root: str | Path, name: str, split: str = "test") -> bool:
    """Whether ``wds/<name>`` has the given split under ``root`` (its ``nshards.txt`` exists)."""
    return (dataset_dir(root, name) / split / "nshards.txt").is_file()
