"""Pre-training sets (nested prefixes of one stream, exact sample counts per run) and the
downstream tasks, read back through CLIP_benchmark's own webdataset builder."""

import csv

import numpy as np
import pytest
from PIL import Image

from repro.errors import SpecError
from repro.mini import datasets, scenes, tasks


def _rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_datasets_are_nested_prefixes_and_reused(tmp_path):
    small = datasets.write_train_dataset(40, tmp_path)
    large = datasets.write_train_dataset(160, tmp_path)
    assert (small.name, large.name) == ("mini-40", "mini-160")
    small_rows, large_rows = _rows(small.csv_path), _rows(large.csv_path)
    assert len(small_rows) == 40 and len(large_rows) == 160
    assert [r["title"] for r in small_rows] == [r["title"] for r in large_rows[:40]]
    image = np.asarray(Image.open(large_rows[7]["filepath"]))
    assert np.array_equal(image, scenes.pair(datasets.TRAIN_SEED, 7)[0])
    stamp = small.csv_path.stat().st_mtime_ns
    datasets.write_train_dataset(40, tmp_path)
    assert small.csv_path.stat().st_mtime_ns == stamp  # complete folder: not rewritten


def test_sample_order_has_exact_budget_and_cycles_through_pairs(tmp_path):
    data = datasets.write_train_dataset(30, tmp_path)
    order = datasets.write_sample_order(data, 100, tmp_path / "order.csv", seed=0)
    rows = _rows(order)
    assert len(rows) == 100
    paths = [r["filepath"] for r in rows]
    assert len(set(paths[:30])) == 30 and len(set(paths[90:])) == 10  # 3 full passes, then 10 more
    short = _rows(datasets.write_sample_order(data, 12, tmp_path / "short.csv", seed=0))
    assert len({r["filepath"] for r in short}) == 12


def test_bad_sizes_are_refused(tmp_path):
    with pytest.raises(SpecError, match="positive"):
        datasets.write_train_dataset(0, tmp_path)
    data = datasets.write_train_dataset(5, tmp_path)
    with pytest.raises(SpecError, match="samples_seen"):
        datasets.write_sample_order(data, 0, tmp_path / "o.csv", seed=0)


def test_tasks_read_back_through_clip_benchmark(tmp_path):
    from clip_benchmark.datasets.builder import build_dataset

    task_set = tasks.write_tasks(tmp_path, test_size=24, probe_train_size=16)
    shape = build_dataset("wds/mini_shape", root=str(task_set.dataset_root("mini_shape")), split="test",
                          download=False)
    assert shape.classes == list(scenes.SHAPES) and "a photo of a {c}" in shape.templates
    items = list(shape)
    assert len(items) == 24 and all(0 <= label < 8 for _, label in items)
    train = list(build_dataset("wds/mini_shape", root=str(task_set.dataset_root("mini_shape")), split="train",
                               download=False))
    assert len(train) == 16
    combo = build_dataset("wds/mini_shape_colour", root=str(task_set.dataset_root("mini_shape_colour")),
                          split="test", download=False)
    assert len(combo.classes) == 64
    retrieval = list(build_dataset("wds/mini_retrieval", root=str(task_set.dataset_root("mini_retrieval")),
                                   split="test", download=False, task="zeroshot_retrieval"))
    assert len(retrieval) == 24 and all(len(captions) == 2 for _, captions in retrieval)


def test_task_labels_match_the_rendered_scene():
    split = tasks.classification_split("mini_shape_colour", 20)
    for i, label in enumerate(split.labels):
        _, _, scene = scenes.pair(tasks.TASK_SEEDS["mini_shape_colour"], i, p_wrong=0.0, max_objects=1)
        assert label == scenes.SHAPES.index(scene.main.shape) * 8 + list(scenes.COLOURS).index(scene.main.colour)
