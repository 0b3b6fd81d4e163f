"""A small local image-caption set in open_clip_train's CSV layout, for launcher tests and the
throughput benchmark (the miniature study has its own synthetic data in :mod:`repro.mini`).

Each image is a coloured square on a coloured background; its caption names both colours.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

COLOURS = {"red": (220, 40, 40), "green": (40, 180, 60), "blue": (40, 70, 220), "yellow": (230, 210, 40),
           "black": (20, 20, 20), "white": (235, 235, 235)}


def write_caption_csv(folder: str | Path, *, n_samples: int, image_size: int = 32, seed: int = 0) -> Path:
    """Write ``n_samples`` PNG images and ``train.csv`` (tab-separated ``filepath``, ``title``).

    Returns
    -------
    Path
        The CSV file, to pass as ``train_data`` with ``dataset_type="csv"``.
    """
    from PIL import Image

    folder = Path(folder)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    names = list(COLOURS)
    lines = ["filepath\ttitle"]
    for i in range(n_samples):
        fg, bg = rng.choice(len(names), size=2, replace=False)
        pixels = np.empty((image_size, image_size, 3), dtype=np.uint8)
        pixels[:] = COLOURS[names[bg]]
        side = int(rng.integers(image_size // 4, image_size // 2 + 1))
        x, y = rng.integers(0, image_size - side + 1, size=2)
        pixels[y:y + side, x:x + side] = COLOURS[names[fg]]
        path = folder / "images" / f"{i:05d}.png"
        Image.fromarray(pixels).save(path)
        lines.append(f"{path.resolve()}\ta {names[fg]} square on a {names[bg]} background")
    csv = folder / "train.csv"
    csv.write_text("\n".join(lines) + "\n")
    return csv


def write_caption_shards(folder: str | Path, *, n_samples: int, samples_per_shard: int = 64, image_size: int = 32,
                         seed: int = 0) -> str:
    """The same pairs as :func:`write_caption_csv`, as webdataset tar shards (``<key>.png`` +
    ``<key>.txt``, img2dataset's layout, as the paper's LAION shards).

    Returns
    -------
    str
        The brace pattern of the shards (``.../{00000..0000N}.tar``), to pass as ``train_data``
        with ``dataset_type="webdataset"``.
    """
    import io
    import tarfile

    folder = Path(folder)
    csv = write_caption_csv(folder / "source", n_samples=n_samples, image_size=image_size, seed=seed)
    pairs = [line.split("\t") for line in csv.read_text().splitlines()[1:]]
    n_shards = -(-len(pairs) // samples_per_shard)
    for shard in range(n_shards):
        with tarfile.open(folder / f"{shard:05d}.tar", "w") as tar:
            for i, (image_path, caption) in enumerate(pairs[shard * samples_per_shard:(shard + 1) * samples_per_shard]):
                key = f"{shard:05d}{i:04d}"
                for suffix, payload in ((".png", Path(image_path).read_bytes()), (".txt", caption.encode())):
                    info = tarfile.TarInfo(key + suffix)
                    info.size = len(payload)
                    tar.addfile(info, io.BytesIO(payload))
    return str(folder / f"{{00000..{n_shards - 1:05d}}}.tar")
