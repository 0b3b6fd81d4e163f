"""Array shards (repro.executors.shards, repro.mini.shard_data): the batches they give are the
batches open_clip_train's csv path gives for the same rows."""

import csv
import types

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import transforms as T

from repro.executors import shards
from repro.mini import datasets, scenes, shard_data

MEAN, STD = (0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)


@pytest.fixture(scope="module")
def both_paths(tmp_path_factory):
    """The same 200 pairs as PNG + csv and as a shard, and one run's 192 rows in both forms."""
    root = tmp_path_factory.mktemp("data")
    dataset = datasets.write_train_dataset(200, root)
    csv_order = datasets.write_sample_order(dataset, 320, root / "order.csv", seed=3)
    folder = shard_data.write_train_shard(200, root)
    order = shard_data.write_shard_order(folder, 200, 320, root / "order.arrays.json", seed=3)
    return csv_order, order


def _batches(train_data, preprocess, dataset_type, n_batches, seed=0):
    from open_clip import get_tokenizer
    from open_clip_train.data import get_data

    shards.install()
    args = types.SimpleNamespace(train_data=str(train_data), val_data=None, dataset_type=dataset_type,
                                 csv_img_key="filepath", csv_caption_key="title", csv_separator=",",
                                 distributed=False, batch_size=64, workers=0, imagenet_val=None, imagenet_v2=None,
                                 zeroshot_frequency=0, train_num_samples=None, dataset_resampled=False)
    tokenizer = get_tokenizer("RN50", context_length=24)
    loader = get_data(args, (preprocess, preprocess), tokenizer=tokenizer)["train"].dataloader
    torch.manual_seed(seed)
    out = []
    for images, texts in loader:
        out.append((images, texts))
        if len(out) == n_batches:
            break
    return loader, out


def test_a_batch_is_the_csv_paths_batch(both_paths):
    """Same seed, same rows in the same batches, same tokens, same pixels (whole-image crops)."""
    csv_order, order = both_paths
    whole = T.Compose([T.RandomResizedCrop(32, scale=(1.0, 1.0), ratio=(1.0, 1.0),
                                           interpolation=T.InterpolationMode.BICUBIC),
                       T.ToTensor(), T.Normalize(MEAN, STD)])
    csv_loader, from_csv = _batches(csv_order, whole, "csv", 5)
    array_loader, from_arrays = _batches(order, whole, "auto", 5)
    assert isinstance(array_loader, shards.ArrayBatches)
    assert (array_loader.num_batches, array_loader.num_samples) == (csv_loader.num_batches, csv_loader.num_samples)
    assert len(from_arrays) == len(from_csv) == 5
    for (images_csv, texts_csv), (images, texts) in zip(from_csv, from_arrays):
        assert torch.equal(texts, texts_csv)
        assert images.dtype == images_csv.dtype and torch.equal(images, images_csv)


def test_random_crops_keep_rows_and_distribution(both_paths):
    """open_clip's train transform: the rows and tokens are the csv path's; each image is a crop
    of its own source image with the crop's statistics (area 90-100 %)."""
    import open_clip

    csv_order, order = both_paths
    preprocess = open_clip.image_transform(32, is_train=True)
    _, from_csv = _batches(csv_order, preprocess, "csv", 2, seed=7)
    _, from_arrays = _batches(order, preprocess, "auto", 2, seed=7)
    for (images_csv, texts_csv), (images, texts) in zip(from_csv, from_arrays):
        assert torch.equal(texts, texts_csv)
        assert images.shape == images_csv.shape
        # a crop of 90-100 % of the same scene: close to the csv path's (another) crop of it, far from another scene
        same = (images - images_csv).abs().mean(dim=(1, 2, 3))
        other = (images - images_csv.roll(1, 0)).abs().mean(dim=(1, 2, 3))
        assert (same < other).float().mean() > 0.9


def test_resized_crop_is_pillows_bytes():
    """Batch crop + bicubic resize = PIL.Image.crop(...).resize(..., BICUBIC), byte for byte."""
    images = np.stack([scenes.pair(5, i)[0] for i in range(48)])
    noise = np.random.default_rng(0).integers(0, 256, size=(16, 32, 32, 3), dtype=np.uint8)
    images = np.concatenate([images, noise])
    generator = torch.Generator().manual_seed(1)
    top, left, h, w = shards.crop_parameters(len(images), 32, 32, (0.5, 1.0), (0.75, 4 / 3), generator)
    assert ((h < 32) | (w < 32)).any() and (h * w >= 0.5 * 32 * 32 - 64).all()
    ours = shards.resized_crop(images, top, left, h, w, (32, 32)).permute(0, 2, 3, 1).numpy()
    for k, image in enumerate(images):
        box = (int(left[k]), int(top[k]), int(left[k] + w[k]), int(top[k] + h[k]))
        pil = np.asarray(Image.fromarray(image).crop(box).resize((32, 32), Image.BICUBIC))
        assert np.array_equal(ours[k], pil), f"image {k}, crop {box}"


def test_crop_parameters_follow_torchvisions_rule():
    top, left, h, w = shards.crop_parameters(4000, 32, 32, (0.9, 1.0), (0.75, 4 / 3),
                                             torch.Generator().manual_seed(0))
    assert (h <= 32).all() and (w <= 32).all() and (top >= 0).all() and (top + h <= 32).all()
    assert (left + w <= 32).all()
    area = (h * w).double() / 1024
    assert area.min() >= 0.85 and area.max() <= 1.0 and 0.9 < area.mean() < 0.97
    ratio = (w / h).double()
    assert ratio.min() >= 0.7 and ratio.max() <= 1.4


def test_order_matches_the_csv_rows(both_paths, tmp_path):
    csv_order, order = both_paths
    shard, indices = shards.read_order(order)
    with open(csv_order, newline="") as handle:
        titles = [row["title"] for row in csv.DictReader(handle)]
    assert [shard.captions[i] for i in indices] == titles
    assert shard.images.shape == (200, 32, 32, 3)
    assert np.array_equal(shard.images[17], scenes.pair(datasets.TRAIN_SEED, 17)[0])


def test_bad_inputs_name_the_file(tmp_path, both_paths):
    _, order = both_paths
    shard_folder = shards.read_order(order)[0].folder
    with pytest.raises(shards.ShardError, match="must end with"):
        shards.write_order(tmp_path / "x.json", shard_folder, [0, 1])
    with pytest.raises(shards.ShardError, match=r"within \[0, 200\)"):
        shards.write_order(tmp_path / "x.arrays.json", shard_folder, [0, 200])
    with pytest.raises(shards.ShardError, match="no manifest"):
        shards.read_shard(tmp_path)
    with pytest.raises(shards.ShardError, match="does not exist"):
        shards.read_order(tmp_path / "missing.arrays.json")
    with pytest.raises(shards.ShardError, match="ColorJitter"):
        shards.BatchTransform.from_preprocess(T.Compose([T.RandomResizedCrop(32, interpolation=T.InterpolationMode.BICUBIC), T.ColorJitter(0.1),
                                                         T.ToTensor(), T.Normalize(MEAN, STD)]))
    with pytest.raises(shards.ShardError, match="uint8"):
        shards.write_shard(tmp_path / "s", np.zeros((2, 4, 4, 3), dtype=np.float32), ["a", "b"])


def test_an_epoch_segmented_order_reads_each_epochs_row(both_paths, tmp_path):
    """Epoch e of a run (a resumed one included) trains on row e of a segmented order, each row
    reshuffled; a flat order reads its one row every epoch."""
    from open_clip import get_tokenizer

    _, order = both_paths
    shard = shards.read_order(order)[0]
    rows = np.arange(6 * 64).reshape(3, 128) % 200
    path = shards.write_order(tmp_path / "seg.arrays.json", shard.folder, rows)
    assert np.array_equal(shards.read_order(path)[1], rows)
    preprocess = T.Compose([T.RandomResizedCrop(32, scale=(0.9, 1.0), interpolation=T.InterpolationMode.BICUBIC),
                            T.ToTensor(), T.Normalize(MEAN, STD)])
    shards.install()
    args = types.SimpleNamespace(train_data=str(path), val_data=None, batch_size=64, distributed=False)
    tokenizer = get_tokenizer("RN50", context_length=24)
    info = shards.get_array_dataset(args, preprocess, True, epoch=1, tokenizer=tokenizer)
    batches = info.dataloader
    assert (batches.num_samples, batches.num_batches) == (128, 2)
    tokens = shard.tokens(tokenizer)

    def seen(epoch):
        info.set_epoch(epoch)
        return sorted(map(tuple, np.concatenate([t.numpy() for _, t in batches]).tolist()))

    for epoch in (1, 2, 0):
        assert seen(epoch) == sorted(map(tuple, tokens[rows[epoch]].tolist()))
    with pytest.raises(shards.ShardError, match="epochs 0 to 2"):
        info.set_epoch(3)
    with pytest.raises(shards.ShardError, match="one row per epoch"):
        shards.write_order(tmp_path / "bad.arrays.json", shard.folder, np.zeros((2, 2, 2), dtype=int))


def test_dataset_type_is_selected_by_the_suffix_only():
    import open_clip_train.data as data

    shards.install()
    shards.install()
    assert data.get_dataset_fn("/x/run.arrays.json", "auto") is shards.get_array_dataset
    assert data.get_dataset_fn("/x/run.csv", "auto") is data.get_csv_dataset
    assert data.get_dataset_fn("/x/run.arrays.json", "csv") is data.get_csv_dataset


def test_a_study_run_trains_from_an_order_file(both_paths, tmp_path):
    """The study's run spec reads an order file through the entry point (dataset type auto)."""
    from repro.mini import study
    from repro.mini.profiles import get_profile

    _, order = both_paths
    torch.set_num_threads(1)
    point = study.GridPoint("mini-RN-XS", 200, 320)
    spec = study.run_spec(point, get_profile("smoke"), order)
    assert spec.dataset_type == "auto"
    run_dir = study._train_in_process(spec, tmp_path)
    curve = study.loss_curve(run_dir.log_file)
    assert run_dir.state() == "finished" and curve["samples"].max() == 320
    assert np.isfinite(curve["contrastive_loss"]).all()


def test_the_eval_transform_is_the_per_sample_one():
    import open_clip

    preprocess = open_clip.image_transform(32, is_train=False)
    images = np.stack([scenes.pair(9, i)[0] for i in range(8)])
    batch = shards.BatchTransform.from_preprocess(preprocess)(images)
    one_by_one = torch.stack([preprocess(Image.fromarray(image)) for image in images])
    assert torch.equal(batch, one_by_one)
    with pytest.raises(shards.ShardError, match="16x16"):
        shards.BatchTransform.from_preprocess(preprocess)(images[:, :16, :16])
