"""Array shards: a training set held as decoded uint8 images and pre-tokenised captions, read in
whole batches (no per-sample Python), as a dataset type of the project's open_clip_train entry
point (:mod:`repro.executors.openclip`; no file of open_clip_train is forked or copied).

Why: open_clip_train's ``csv`` dataset decodes one PNG, draws one crop, resizes, converts,
normalises and tokenises one caption per sample, in Python. On the miniature study's 32x32
images that costs more than the training step of its small models (profile of one run in
``benchmarks/bench_mini_data.py``'s docstring).

Layout of a shard folder (:func:`write_shard`):

* ``images.npy``: ``(N, H, W, 3)`` uint8, the decoded images (memory-mapped when read);
* ``captions.json``: the N captions, in the images' order;
* ``tokens-<tokenizer>-<context>.npy``: ``(N, context)`` int64, the captions tokenised once
  by the run's tokenizer (written on first use, checked against the tokenizer on every read);
* ``manifest.json``: format, N, image shape.

A run trains on an *order file* ``<name>.arrays.json`` (:func:`write_order`): the shard folder
and ``<name>.arrays.npy``, the shard indices of exactly the run's samples. Passed as
``--train-data`` with ``--dataset-type auto``, it selects :func:`get_array_dataset` (installed by
:func:`install`).

What a batch holds is what open_clip_train's ``csv`` path gives for the same rows:

* the order: the same global-RNG draws as ``DataLoader(shuffle=True)`` (the loader's base
  seed, then the sampler's seed, then one ``randperm``), so the same ``--seed`` gives the same
  rows in the same batches;
* the captions: the same tokenizer output (``tokens`` is computed by the run's tokenizer);
* the images: the same transform, applied to the whole batch: ``RandomResizedCrop`` with
  PIL's bicubic resampling reproduced exactly in integer arithmetic (:func:`resized_crop`),
  ``ToTensor`` and ``Normalize``. The crop parameters follow torchvision's rule
  (:func:`crop_parameters`: same distribution, ten tries, same fallback) but are drawn for the
  whole batch at once, so a run's crops are not the csv path's crops: its numbers change within
  seed noise, not its images' distribution.

``tests/test_executors_shards.py`` compares batches of both paths.
"""

from __future__ import annotations

import functools
import json
import math
import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from repro.errors import ReproError

#: An order file's name ends with this; ``--train-data`` so named is read by :func:`get_array_dataset`.
ORDER_SUFFIX = ".arrays.json"
#: The ``format`` field of a shard's manifest and of an order file.
FORMAT = "repro-array-shard-1"
#: Fixed-point bits of PIL's 8-bit resampling (``PRECISION_BITS`` in Pillow's ``Resample.c``).
PIL_PRECISION_BITS = 32 - 8 - 2
#: Captions re-tokenised on every read to check a cached token file against the run's tokenizer.
TOKEN_CHECK = 32


class ShardError(ReproError, ValueError):
    """An array shard or order file is missing, malformed, or does not fit the run."""


def _atomic_save(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    write(tmp)
    os.replace(tmp, path)


def write_shard(folder: Path, images: np.ndarray, captions: Sequence[str]) -> Path:
    """Write a shard: ``images`` and ``captions`` as they are (no encoding); returns the folder.

    Parameters
    ----------
    folder : Path
        Created if needed; an existing shard there is replaced.
    images : np.ndarray
        ``(N, H, W, 3)`` uint8.
    captions : Sequence[str]
        N captions, in the images' order.

    Raises
    ------
    ShardError
        Wrong image dtype or shape, or not one caption per image.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
        raise ShardError(f"shard {folder}: images must be (N, H, W, 3) uint8, got {images.shape} {images.dtype}")
    if len(captions) != len(images):
        raise ShardError(f"shard {folder}: {len(captions)} captions for {len(images)} images")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("tokens-*.npy"):
        stale.unlink()
    _atomic_save(folder / "images.npy", lambda p: np.save(open(p, "wb"), np.ascontiguousarray(images)))
    _atomic_save(folder / "captions.json", lambda p: p.write_text(json.dumps(list(captions))))
    manifest = {"format": FORMAT, "n": len(images), "image_shape": list(images.shape[1:])}
    _atomic_save(folder / "manifest.json", lambda p: p.write_text(json.dumps(manifest, indent=2)))
    return folder


@dataclass(frozen=True)
class Shard:
    """A shard as read (:func:`read_shard`)."""

    folder: Path
    images: np.ndarray   # (N, H, W, 3) uint8, memory-mapped
    captions: list[str]

    def tokens(self, tokenizer) -> np.ndarray:
        """``(N, context)`` int64: the captions through ``tokenizer`` (an open_clip tokenizer),
        from its cache file, written on first use.

        Raises
        ------
        ShardError
            The cache does not match what ``tokenizer`` gives for the first captions.
        """
        context = int(getattr(tokenizer, "context_length", 0))
        path = self.folder / f"tokens-{type(tokenizer).__name__}-{context}.npy"
        if not path.is_file():
            tokens = np.asarray(tokenizer(self.captions), dtype=np.int64)
            _atomic_save(path, lambda p: np.save(open(p, "wb"), tokens))
        tokens = np.load(path)
        check = np.asarray(tokenizer(self.captions[:TOKEN_CHECK]), dtype=np.int64)
        if tokens.shape[0] != len(self.captions) or not np.array_equal(tokens[:TOKEN_CHECK], check):
            raise ShardError(f"{path}: cached tokens differ from the run's tokenizer {type(tokenizer).__name__} "
                             f"(context {context}); delete the file to have it rewritten")
        return tokens


def read_shard(folder: Path) -> Shard:
    """Read a shard written by :func:`write_shard` (images memory-mapped).

    Parameters
    ----------
    folder : Path

    Raises
    ------
    ShardError
        No manifest, another format, or files that disagree with it.
    """
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise ShardError(f"{folder}: no manifest.json; not an array shard (write one with write_shard)")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise ShardError(f"{manifest_path}: format {manifest.get('format')!r}, expected {FORMAT!r}")
    images = np.load(folder / "images.npy", mmap_mode="r")
    captions = json.loads((folder / "captions.json").read_text())
    if images.shape[0] != manifest["n"] or len(captions) != manifest["n"]:
        raise ShardError(f"{folder}: {images.shape[0]} images and {len(captions)} captions, manifest says "
                         f"{manifest['n']}")
    return Shard(folder, images, captions)


def write_order(path: Path, shard_folder: Path, indices: Sequence[int]) -> Path:
    """Write an order file (``path`` must end with :data:`ORDER_SUFFIX`): the rows of one run.

    Parameters
    ----------
    path : Path
        ``<name>.arrays.json``; the indices go to ``<name>.arrays.npy`` beside it.
    shard_folder : Path
        The shard the indices point into.
    indices : Sequence[int] or 2-D array
        Shard rows, one per training sample (repeats allowed); or one row of them per epoch (an
        *epoch-segmented* order: epoch ``e`` of the run trains on row ``e``, so a run resumed at
        epoch ``e`` reads the samples that follow, as a schedule branched off a longer run needs).

    Raises
    ------
    ShardError
        A bad suffix, or an index outside the shard.
    """
    path = Path(path)
    if not path.name.endswith(ORDER_SUFFIX):
        raise ShardError(f"order file {path}: its name must end with {ORDER_SUFFIX!r}")
    n = read_shard(shard_folder).images.shape[0]
    indices = np.asarray(indices, dtype=np.int64)
    if indices.ndim not in (1, 2) or indices.size == 0 or indices.min() < 0 or indices.max() >= n:
        raise ShardError(f"order file {path}: indices must be a non-empty list (or one row per epoch) within "
                         f"[0, {n}) of shard {shard_folder}")
    path.parent.mkdir(parents=True, exist_ok=True)
    npy = path.with_name(path.name[: -len(ORDER_SUFFIX)] + ".arrays.npy")
    _atomic_save(npy, lambda p: np.save(open(p, "wb"), indices))
    order = {"format": FORMAT, "shard": str(Path(shard_folder).resolve()), "indices": npy.name,
             "n_samples": int(indices.size)}
    if indices.ndim == 2:
        order["epochs"] = int(indices.shape[0])
    _atomic_save(path, lambda p: p.write_text(json.dumps(order, indent=2)))
    return path


def read_order(path: Path) -> tuple[Shard, np.ndarray]:
    """The shard and the indices of an order file (:func:`write_order`).

    Parameters
    ----------
    path : Path

    Raises
    ------
    ShardError
        A missing or malformed file.
    """
    path = Path(path)
    if not path.is_file():
        raise ShardError(f"order file {path} does not exist")
    order = json.loads(path.read_text())
    if order.get("format") != FORMAT:
        raise ShardError(f"order file {path}: format {order.get('format')!r}, expected {FORMAT!r}")
    indices = np.load(path.with_name(order["indices"]))
    if indices.size != order["n_samples"] or (indices.ndim == 2) != ("epochs" in order):
        raise ShardError(f"order file {path}: {indices.size} indices in {indices.ndim} dimension(s), expected "
                         f"{order['n_samples']}" + (f" in {order['epochs']} epochs" if "epochs" in order else ""))
    return read_shard(Path(order["shard"])), indices


# -- the transform, on a whole batch -------------------------------------------------------------

def crop_parameters(n: int, height: int, width: int, scale: tuple[float, float], ratio: tuple[float, float],
                    generator=None):
    """``(top, left, crop_height, crop_width)``, four int64 tensors of ``n``: torchvision's
    ``RandomResizedCrop.get_params`` rule for each of ``n`` images at once (ten tries of a
    random area fraction in ``scale`` and a log-uniform aspect ratio in ``ratio``; the first
    that fits wins; else the central crop clamped to ``ratio``).

    Parameters
    ----------
    n : int
        Images.
    height, width : int
        Their size in pixels.
    scale, ratio : tuple of float
        As ``RandomResizedCrop``.
    generator : torch.Generator, optional
        Default: the global RNG (seeded by open_clip_train's ``--seed``).
    """
    import torch

    tries = 10
    # one draw from the torch RNG for the whole batch, the arithmetic in numpy (cheap on small arrays)
    u = torch.rand(n, 2 * tries + 2, dtype=torch.float64, generator=generator).numpy()
    target = height * width * (scale[0] + (scale[1] - scale[0]) * u[:, :tries])
    low, high = math.log(ratio[0]), math.log(ratio[1])
    aspect = np.exp(low + (high - low) * u[:, tries:2 * tries])
    w = np.round(np.sqrt(target * aspect)).astype(np.int64)
    h = np.round(np.sqrt(target / aspect)).astype(np.int64)
    fits = (w > 0) & (w <= width) & (h > 0) & (h <= height)
    first = np.argmax(fits, axis=1)
    any_fit = fits.any(axis=1)
    rows = np.arange(n)
    w, h = w[rows, first], h[rows, first]
    # the fallback: the whole image clamped to the ratio range, centred
    in_ratio = width / height
    if in_ratio < min(ratio):
        fw, fh = width, int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        fh, fw = height, int(round(height * max(ratio)))
    else:
        fw, fh = width, height
    w, h = np.where(any_fit, w, fw), np.where(any_fit, h, fh)
    top = np.where(any_fit, np.floor(u[:, -2] * (height - h + 1)).astype(np.int64), (height - h) // 2)
    left = np.where(any_fit, np.floor(u[:, -1] * (width - w + 1)).astype(np.int64), (width - w) // 2)
    return tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in (top, left, h, w))


def _bicubic(x: np.ndarray) -> np.ndarray:
    """Pillow's bicubic kernel (a = -0.5)."""
    a = -0.5
    x = np.abs(x)
    near = ((a + 2.0) * x - (a + 3.0)) * x * x + 1
    far = (((x - 5) * x + 8) * x - 4) * a
    return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))


def pil_bicubic_weights(in_sizes: np.ndarray, offsets: np.ndarray, full_size: int, out_size: int) -> np.ndarray:
    """``(n, out_size, full_size)`` float64 integers: Pillow's fixed-point bicubic coefficients that resize
    the span ``[offset, offset + in_size)`` of an axis of ``full_size`` pixels to ``out_size``
    (``precompute_coeffs`` and ``normalize_coeffs_8bpc`` of Pillow's ``Resample.c``; the crop's
    edge clamps the kernel, as resizing the cropped image does).

    Parameters
    ----------
    in_sizes, offsets : np.ndarray
        ``(n,)`` int: each crop's length and start along the axis.
    full_size, out_size : int
        The axis's length before and after.
    """
    in_sizes = np.asarray(in_sizes, dtype=np.float64)[:, None]
    scale = in_sizes / out_size                                     # (n, 1)
    filterscale = np.maximum(scale, 1.0)
    support = 2.0 * filterscale
    center = (np.arange(out_size)[None, :] + 0.5) * scale           # (n, out)
    xmin = np.maximum(np.trunc(center - support + 0.5), 0)
    xmax = np.minimum(np.trunc(center + support + 0.5), in_sizes)
    x = np.arange(full_size)[None, None, :]                          # positions within the crop
    inside = (x >= xmin[..., None]) & (x < xmax[..., None])
    k = np.where(inside, _bicubic((x - center[..., None] + 0.5) / filterscale[..., None]), 0.0)
    total = k.sum(-1, keepdims=True)
    k = np.divide(k, total, out=np.zeros_like(k), where=total != 0)
    fixed = np.trunc(k * (1 << PIL_PRECISION_BITS) + np.where(k < 0, -0.5, 0.5)).astype(np.int64)
    fixed = np.where(inside, fixed, 0).astype(np.float64)
    # place the crop's coefficients at its offset along the full axis
    out = np.zeros_like(fixed)
    rows = np.arange(len(offsets))
    for shift in np.unique(offsets):
        sel = rows[offsets == shift]
        out[sel, :, shift:] = fixed[sel, :, : full_size - shift]
    return out


@functools.lru_cache(maxsize=8)
def _weight_table(full_size: int, out_size: int):
    """``(full_size + 1, full_size, out_size, full_size)`` float64 tensor: the
    :func:`pil_bicubic_weights` of every crop (length, offset) of an axis, computed once."""
    import torch

    lengths, offsets = np.meshgrid(np.arange(1, full_size + 1), np.arange(full_size), indexing="ij")
    valid = lengths + offsets <= full_size
    table = np.zeros((full_size + 1, full_size, out_size, full_size))
    table[lengths[valid], offsets[valid]] = pil_bicubic_weights(lengths[valid], offsets[valid], full_size, out_size)
    return torch.from_numpy(table)


def _pil_pass(pixels, weights):
    """One of Pillow's 8-bit passes on a batch: ``clip8((sum(pixel * weight) + 2**21) >> 22)``,
    exact in float64 (every product and sum is an integer below 2**53).

    Parameters
    ----------
    pixels : torch.Tensor
        ``(n, rows, k)`` float64 integers 0..255.
    weights : torch.Tensor
        ``(n, k, out)`` float64 fixed-point coefficients.
    """
    import torch

    acc = torch.bmm(pixels, weights)
    return acc.add_(1 << (PIL_PRECISION_BITS - 1)).mul_(2.0 ** -PIL_PRECISION_BITS).floor_().clamp_(0, 255)


def _resized_crop_values(images: np.ndarray, top, left, height, width, size: tuple[int, int]):
    """:func:`resized_crop` as float64 ``(n, 3, size[0], size[1])`` (integers 0..255)."""
    import torch

    n, full_h, full_w, _ = images.shape
    wx = _weight_table(full_w, size[1])[width, left]                  # (n, out_w, W)
    wy = _weight_table(full_h, size[0])[height, top]                  # (n, out_h, H)
    x = torch.from_numpy(np.ascontiguousarray(images)).to(torch.float64).permute(0, 3, 1, 2)  # (n, 3, H, W)
    # horizontal pass, then vertical, each rounded to bytes (as Pillow does)
    x = _pil_pass(x.reshape(n, 3 * full_h, full_w), wx.transpose(1, 2))              # (n, 3H, out_w)
    x = x.view(n, 3, full_h, size[1]).transpose(2, 3).reshape(n, 3 * size[1], full_h)
    x = _pil_pass(x, wy.transpose(1, 2))                                              # (n, 3 out_w, out_h)
    return x.view(n, 3, size[1], size[0]).transpose(2, 3)


def resized_crop(images: np.ndarray, top, left, height, width, size: tuple[int, int]):
    """``(n, 3, size[0], size[1])`` uint8 tensor: each image cropped and resized with Pillow's
    bicubic filter, the bytes ``PIL.Image.crop(...).resize(size, BICUBIC)`` gives.

    Parameters
    ----------
    images : np.ndarray
        ``(n, H, W, 3)`` uint8.
    top, left, height, width : torch.Tensor
        ``(n,)`` int: each crop (:func:`crop_parameters`).
    size : tuple of int
        Output (height, width).
    """
    import torch

    return _resized_crop_values(images, top, left, height, width, size).to(torch.uint8)


@dataclass(frozen=True)
class BatchTransform:
    """open_clip's image transform, applied to a batch of uint8 images at once
    (:meth:`from_preprocess` reads it from the transform open_clip_train builds)."""

    size: tuple[int, int]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    crop_scale: tuple[float, float] | None = None   # RandomResizedCrop's; None: no random crop
    crop_ratio: tuple[float, float] | None = None

    @classmethod
    def from_preprocess(cls, preprocess) -> BatchTransform:
        """Read a torchvision ``Compose`` of ``RandomResizedCrop`` (train) or ``Resize`` +
        ``CenterCrop`` (eval), open_clip's mode and tensor conversions, and ``Normalize``.

        Parameters
        ----------
        preprocess : torchvision.transforms.Compose

        Raises
        ------
        ShardError
            A step this batch path does not reproduce (e.g. a colour jitter from ``--aug-cfg``).
        """
        from torchvision import transforms as T

        size = mean = std = scale = ratio = None
        for step in getattr(preprocess, "transforms", [preprocess]):
            kind = type(step).__name__
            if isinstance(step, T.RandomResizedCrop):
                size, scale, ratio = tuple(step.size), tuple(step.scale), tuple(step.ratio)
                if step.interpolation != T.InterpolationMode.BICUBIC:
                    raise ShardError(f"array shards reproduce bicubic crops only, not {step.interpolation}")
            elif isinstance(step, (T.Resize, T.CenterCrop)):
                sizes = (step.size,) * 2 if isinstance(step.size, int) else tuple(step.size) * 2
                size = size or sizes[:2]
            elif isinstance(step, T.Normalize):
                mean, std = tuple(step.mean), tuple(step.std)
            elif kind not in ("MaybeConvertMode", "MaybeToTensor", "ToTensor", "function"):
                raise ShardError(f"array shards cannot apply the image transform step {step!r} to a batch; "
                                 "train from csv instead")
        if size is None or mean is None:
            raise ShardError(f"image transform {preprocess!r}: no crop/resize or no Normalize step")
        return cls(tuple(int(s) for s in size), mean, std, scale, ratio)

    def __call__(self, images: np.ndarray, generator=None):
        """``(n, 3, h, w)`` float32, normalised, from ``(n, H, W, 3)`` uint8 ``images``.

        Raises
        ------
        ShardError
            Without a random crop, images whose size differs from the output size.
        """
        import torch

        n, height, width, _ = images.shape
        if self.crop_scale is not None:
            top, left, h, w = crop_parameters(n, height, width, self.crop_scale, self.crop_ratio, generator)
            pixels = _resized_crop_values(images, top, left, h, w, self.size)
        elif (height, width) == self.size:
            pixels = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2)
        else:
            raise ShardError(f"array shards hold {height}x{width} images; the model wants {self.size} (no resize "
                             "without a random crop)")
        x = pixels.to(torch.float32).div(255)
        mean = torch.tensor(self.mean, dtype=torch.float32).view(1, -1, 1, 1)
        std = torch.tensor(self.std, dtype=torch.float32).view(1, -1, 1, 1)
        return x.sub_(mean).div_(std)


class ArrayBatches:
    """The batches of one order file, an iterable open_clip_train's loop reads like its
    ``DataLoader``: ``(images, texts)`` per step, ``num_batches`` and ``num_samples``.

    Parameters
    ----------
    images : np.ndarray
        ``(N, H, W, 3)`` uint8 (the shard's).
    tokens : np.ndarray
        ``(N, context)`` int64.
    indices : np.ndarray
        Shard rows of the run's samples (the order file's); 2-D: one row per epoch, the row of
        the epoch :meth:`set_epoch` names is read.
    transform : BatchTransform
    batch_size : int
    shuffle : bool
        Shuffle the rows on every pass, drawing from the global RNG as ``DataLoader(shuffle=True)``
        does; drop the last partial batch (open_clip_train's training loader).
    """

    def __init__(self, images: np.ndarray, tokens: np.ndarray, indices: np.ndarray, transform: BatchTransform,
                 batch_size: int, shuffle: bool = True):
        if batch_size < 1:
            raise ShardError(f"batch_size must be >= 1, got {batch_size}")
        indices = np.asarray(indices, dtype=np.int64)
        self.segments = indices if indices.ndim == 2 else indices[None, :]
        self.images, self.tokens, self.indices = images, tokens, self.segments[0]
        self.transform, self.batch_size, self.shuffle = transform, batch_size, shuffle
        self.num_samples = self.segments.shape[1]
        self.num_batches = len(self)

    def set_epoch(self, epoch: int) -> None:
        """Read epoch ``epoch``'s row of an epoch-segmented order (every epoch reads the one row of
        a flat order)."""
        if len(self.segments) == 1:
            return
        if not 0 <= epoch < len(self.segments):
            raise ShardError(f"epoch {epoch}: the order file has rows for epochs 0 to {len(self.segments) - 1}")
        self.indices = self.segments[epoch]

    def __len__(self) -> int:
        if self.shuffle:
            return self.num_samples // self.batch_size
        return -(-self.num_samples // self.batch_size)

    def __iter__(self) -> Iterator[tuple]:
        import torch

        n = self.num_samples
        if self.shuffle:
            torch.empty((), dtype=torch.int64).random_()        # DataLoader's base seed (one draw)
            seed = int(torch.empty((), dtype=torch.int64).random_().item())   # RandomSampler's seed
            generator = torch.Generator()
            generator.manual_seed(seed)
            rows = self.indices[torch.randperm(n, generator=generator).numpy()]
        else:
            rows = self.indices
        for b in range(len(self)):
            batch = rows[b * self.batch_size:(b + 1) * self.batch_size]
            yield self.transform(self.images[batch]), torch.from_numpy(self.tokens[batch])


def get_array_dataset(args, preprocess_fn, is_train: bool, epoch: int = 0, tokenizer=None):
    """open_clip_train's dataset function for an order file (``--train-data X.arrays.json``):
    a ``DataInfo`` around :class:`ArrayBatches`.

    Parameters
    ----------
    args : argparse.Namespace
        open_clip_train's arguments (``train_data``/``val_data``, ``batch_size``, ``distributed``).
    preprocess_fn : torchvision.transforms.Compose
        The model's image transform (:meth:`BatchTransform.from_preprocess`).
    is_train : bool
    epoch : int
        The first epoch (a resumed run's); open_clip_train sets each next one through the
        ``DataInfo``'s ``shared_epoch``. Each pass reshuffles its rows from the global RNG.
    tokenizer : callable
        The model's tokenizer.

    Raises
    ------
    ShardError
        A distributed run (not supported: train from csv), no tokenizer, or a bad order file.
    """
    from open_clip_train.data import DataInfo

    if getattr(args, "distributed", False):
        raise ShardError("array shards are read by one process; a distributed run trains from csv or webdataset")
    if tokenizer is None:
        raise ShardError("array shards need the model's tokenizer")
    shard, indices = read_order(Path(args.train_data if is_train else args.val_data))
    batches = ArrayBatches(shard.images, shard.tokens(tokenizer), indices,
                           BatchTransform.from_preprocess(preprocess_fn), args.batch_size, shuffle=is_train)
    batches.set_epoch(epoch)
    return DataInfo(batches, shared_epoch=_Epoch(batches))


class _Epoch:
    """What open_clip_train's ``DataInfo.set_epoch`` calls (``set_value``), passed on to the batches."""

    def __init__(self, batches: ArrayBatches):
        self.batches = batches

    def set_value(self, epoch: int) -> None:
        self.batches.set_epoch(epoch)


def install() -> None:
    """Make open_clip_train read order files: its ``get_dataset_fn`` returns
    :func:`get_array_dataset` for a path ending with :data:`ORDER_SUFFIX` under
    ``--dataset-type auto`` and is unchanged otherwise (idempotent)."""
    import open_clip_train.data as data

    original = data.get_dataset_fn
    if getattr(original, "_repro_arrays", False):
        return

    def get_dataset_fn(data_path, dataset_type):
        if dataset_type == "auto" and str(data_path).endswith(ORDER_SUFFIX):
            return get_array_dataset
        return original(data_path, dataset_type)

    get_dataset_fn._repro_arrays = True
    data.get_dataset_fn = get_dataset_fn
