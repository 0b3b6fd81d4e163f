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
