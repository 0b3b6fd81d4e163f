"""The webdataset writer, read back by CLIP_benchmark's own wds loader."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("clip_benchmark")
pytest.importorskip("webdataset")

from clip_benchmark.datasets.builder import build_wds_dataset  # noqa: E402

from repro.errors import SpecError  # noqa: E402
from repro.evaluate.wds import Split, dataset_dir, dataset_present, write_wds_dataset  # noqa: E402


def _images(n):
    return [np.full((8, 8, 3), 10 * i, np.uint8) for i in range(n)]


def _read(root, name, split="test"):
    ds = build_wds_dataset(name, transform=lambda im: np.asarray(im), split=split, data_dir=str(dataset_dir(root, name)))
    return ds, list(ds)


def test_classification_round_trip_through_clip_benchmark(tmp_path):
    folder = write_wds_dataset(tmp_path, "vtab/toy", {"test": Split(_images(7), labels=[0, 1, 2, 0, 1, 2, 0]),
                                                      "train": Split(_images(3), labels=[2, 1, 0])},
                               classnames=["a", "b", "c"], templates=["a photo of {c}.", "{c}"], samples_per_shard=3)
    assert folder == tmp_path / "wds_vtab-toy" and dataset_present(tmp_path, "wds/vtab/toy", "train")
    assert (folder / "test" / "nshards.txt").read_text().strip() == "3"
    ds, samples = _read(tmp_path, "vtab/toy")
    assert ds.classes == ["a", "b", "c"] and ds.templates == ["a photo of {c}.", "{c}"]
    assert [int(y) for _, y in samples] == [0, 1, 2, 0, 1, 2, 0]
    assert [int(x[0, 0, 0]) for x, _ in samples] == [10 * i for i in range(7)]  # PNG is lossless, order kept


def test_retrieval_keeps_every_caption(tmp_path):
    captions = [["one cat", "a cat"], ["two dogs"], ["x", "y", "z"]]
    write_wds_dataset(tmp_path, "toy_captions", {"test": Split(_images(3), captions=captions)}, dataset_type="retrieval")
    _, samples = _read(tmp_path, "toy_captions")
    assert [caps for _, caps in samples] == captions


def test_multilabel_vectors(tmp_path):
    labels = np.array([[1, 0, 1], [0, 1, 0]])
    write_wds_dataset(tmp_path, "toy_multi", {"test": Split(_images(2), multilabels=labels)},
                      dataset_type="multilabel", classnames=["a", "b", "c"], templates=["{c}"])
    _, samples = _read(tmp_path, "toy_multi")
    assert np.array_equal(np.stack([y for _, y in samples]), labels)


@pytest.mark.parametrize("kwargs, message", [
    ({"splits": {"test": Split(_images(2), labels=[0, 3])}}, "labels must be integers in"),
    ({"splits": {"test": Split(_images(2), labels=[0])}}, "one label per image"),
    ({"templates": ["a photo"]}, "containing '{c}'"),
    ({"classnames": None}, "needs classnames and templates"),
    ({"splits": {"test": Split([], labels=[])}}, "no images"),
    ({"dataset_type": "segmentation"}, "unknown dataset_type"),
])
def test_bad_inputs_are_refused_before_anything_is_written(tmp_path, kwargs, message):
    args = {"splits": {"test": Split(_images(2), labels=[0, 1])}, "classnames": ["a", "b"], "templates": ["{c}"]}
    args.update(kwargs)
    with pytest.raises(SpecError, match=message):
        write_wds_dataset(tmp_path, "bad", **args)
    assert not dataset_dir(tmp_path, "bad").exists()


def test_retrieval_captions_must_be_lists(tmp_path):
    with pytest.raises(SpecError, match="captions must be"):
        write_wds_dataset(tmp_path, "bad", {"test": Split(_images(1), captions=["a string, not a list"])},
                          dataset_type="retrieval")


def test_existing_dataset_needs_overwrite(tmp_path):
    args = dict(splits={"test": Split(_images(2), labels=[0, 1])}, classnames=["a", "b"], templates=["{c}"])
    write_wds_dataset(tmp_path, "toy", **args)
    with pytest.raises(SpecError, match="exists already"):
        write_wds_dataset(tmp_path, "toy", **args)
    write_wds_dataset(tmp_path, "toy", overwrite=True, **args)
