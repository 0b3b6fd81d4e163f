"""Downstream tasks of the miniature study, written in CLIP_benchmark's local webdataset layout
with :func:`repro.evaluate.wds.write_wds_dataset` (read back as ``--dataset wds/<name>``).

========================  ======================  ==================================================
name                      CLIP_benchmark task     what it asks
========================  ======================  ==================================================
``mini_shape``            zero-shot classif.      which of 8 shapes (one object per image);
                                                  has a ``train`` split for the linear probe
``mini_colour``           zero-shot classif.      which of 8 colours (easy: saturates early)
``mini_shape_colour``     zero-shot classif.      which of 64 colour-shape pairs (the hard task)
``mini_shape_sketch``     zero-shot classif.      ``mini_shape`` on the shifted "sketch" rendering
                                                  (the robustness set, as ImageNet-Sketch)
``mini_retrieval``        zero-shot retrieval     2 clean captions per image naming every attribute
========================  ======================  ==================================================

The headline task (the paper's ImageNet) is ``mini_shape``: 8 shapes, each drawn in any of 8
colours, so colour alone decides nothing (chance 1/8). The isoFLOP study also measures the
held-out contrastive loss on pairs of the pre-training distribution (:func:`write_heldout`).

Every task draws its scenes from its own seed, disjoint from the pre-training stream
(:data:`repro.mini.datasets.TRAIN_SEED`), so no test image is a training image.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from repro.evaluate.wds import Split, dataset_dir, write_wds_dataset
from repro.errors import ParameterError
from repro.mini import scenes

#: Seeds of the task streams (the pre-training stream uses seed 1).
TASK_SEEDS = {"mini_shape": 101, "mini_colour": 102, "mini_shape_colour": 103, "mini_shape_sketch": 104,
              "mini_retrieval": 105}
#: Seed of the held-out pairs (the pre-training distribution, web noise included, another stream).
HELDOUT_SEED = 106
CLASSIFICATION_TASKS = ("mini_shape", "mini_colour", "mini_shape_colour", "mini_shape_sketch")
RETRIEVAL_TASKS = ("mini_retrieval",)
ALL_TASKS = CLASSIFICATION_TASKS + RETRIEVAL_TASKS

_SHAPE_TEMPLATES = ("a {c}", "a photo of a {c}", "a {c} on a background", "{c} clipart", "a drawing of a {c}")
_COLOUR_TEMPLATES = ("a {c} shape", "a photo of a {c} object", "something {c}", "{c} clipart")


@dataclass(frozen=True)
class TaskSet:
    """The written downstream tasks: their root (``--dataset_root`` parent) and names."""

    root: Path
    names: tuple[str, ...]
    test_size: int

    def dataset_root(self, name: str) -> Path:
        """The folder CLIP_benchmark reads for ``wds/<name>``."""
        return dataset_dir(self.root, name)


def _classes(task: str) -> tuple[list[str], tuple[str, ...]]:
    colours = list(scenes.COLOURS)
    if task in ("mini_shape", "mini_shape_sketch"):
        return list(scenes.SHAPES), _SHAPE_TEMPLATES
    if task == "mini_colour":
        return colours, _COLOUR_TEMPLATES
    if task == "mini_shape_colour":
        return [f"{c} {s}" for s in scenes.SHAPES for c in colours], _SHAPE_TEMPLATES
    raise ParameterError(f"unknown classification task {task!r}; known: {CLASSIFICATION_TASKS}")


def chance(task: str) -> float:
    """Top-1 accuracy of guessing on a classification task: 1 / classes."""
    return 1.0 / len(_classes(task)[0])


def _label(task: str, obj: scenes.SceneObject) -> int:
    shape, colour = scenes.SHAPES.index(obj.shape), list(scenes.COLOURS).index(obj.colour)
    if task in ("mini_shape", "mini_shape_sketch"):
        return shape
    if task == "mini_colour":
        return colour
    return shape * len(scenes.COLOURS) + colour


def classification_split(task: str, n: int, *, offset: int = 0) -> Split:
    """``n`` single-object scenes of ``task``'s stream (from index ``offset``) with their labels."""
    seed = TASK_SEEDS[task]
    rendering = "sketch" if task == "mini_shape_sketch" else "photo"
    images, labels = [], []
    for i in range(offset, offset + n):
        image, _, scene = scenes.pair(seed, i, rendering=rendering, p_wrong=0.0, max_objects=1)
        images.append(image)
        labels.append(_label(task, scene.main))
    return Split(images, labels=labels)


def retrieval_split(n: int, *, captions_per_image: int = 2) -> Split:
    """``n`` scenes, each with ``captions_per_image`` clean captions naming size, colour, shape and
    position (the pre-training captions seldom name more than the shape: retrieval asks whether
    the rarer words were learned too, as MS-COCO's captions are richer than alt-text)."""
    seed = TASK_SEEDS["mini_retrieval"]
    images, captions = [], []
    for i in range(n):
        image, _, scene = scenes.pair(seed, i, p_wrong=0.0)
        rng = np.random.default_rng([seed, i, 1])
        images.append(image)
        captions.append([scenes.caption(scene, rng, full=True) for _ in range(captions_per_image)])
    return Split(images, captions=captions)


def write_tasks(root: Path, *, test_size: int, probe_train_size: int) -> TaskSet:
    """Write (or reuse) every task under ``root``; returns the :class:`TaskSet`.

    A task whose folder holds a ``repro_dataset.json`` with the requested split sizes is reused.
    ``mini_shape`` gets a ``train`` split of ``probe_train_size`` images for the linear probe.
    """
    root = Path(root).resolve()
    for task in ALL_TASKS:
        sizes = {"test": test_size}
        if task == "mini_shape":
            sizes["train"] = probe_train_size
        marker = dataset_dir(root, task) / "repro_dataset.json"
        if marker.is_file() and json.loads(marker.read_text()).get("splits") == sizes:
            continue
        if task in RETRIEVAL_TASKS:
            write_wds_dataset(root, task, {"test": retrieval_split(test_size)}, dataset_type="retrieval",
                              overwrite=True)
            continue
        classnames, templates = _classes(task)
        splits = {"test": classification_split(task, test_size)}
        if "train" in sizes:
            # The probe's train images come after the test images in the same stream: disjoint.
            splits["train"] = classification_split(task, probe_train_size, offset=test_size)
        write_wds_dataset(root, task, splits, classnames=classnames, templates=templates, overwrite=True)
    return TaskSet(root, ALL_TASKS, test_size)


@dataclass(frozen=True)
class HeldoutSet:
    """Held-out (image, caption) pairs of the pre-training distribution, in a ``.npz`` file."""

    path: Path
    n_pairs: int

    def load(self) -> tuple[np.ndarray, list[str]]:
        """``(images (n, 32, 32, 3) uint8, captions)``."""
        with np.load(self.path) as data:
            return data["images"], [str(c) for c in data["captions"]]


def write_heldout(root: Path, n_pairs: int) -> HeldoutSet:
    """Write (or reuse) ``n_pairs`` held-out pairs of the pre-training distribution (seed
    :data:`HELDOUT_SEED`, mismatched captions included as in training) under ``root``."""
    path = Path(root).resolve() / f"heldout-v{scenes.SCENES_VERSION}-{n_pairs}.npz"
    if not path.is_file():
        drawn = scenes.pairs(HELDOUT_SEED, 0, n_pairs)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp.npz")
        np.savez_compressed(tmp, images=np.stack([image for image, _, _ in drawn]),
                            captions=np.array([text for _, text, _ in drawn]))
        tmp.replace(path)
    return HeldoutSet(path, n_pairs)
