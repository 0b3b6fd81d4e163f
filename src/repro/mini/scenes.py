"""Synthetic image-caption pairs: compositional scenes of shapes on backgrounds, with noisy,
web-like captions, rendered deterministically from a seed (the book's miniature-study chapter).

A scene is one object (or, on request, up to three) on a background. Each object has a shape,
a colour, a size and a position (one of five slots); a scene also has a background colour and
pixel noise. The caption names what is there the way alt-text does: in varied templates, naming
the shape and seldom anything else (:data:`P_NAME`), sometimes with a filler word, and sometimes
(``p_wrong``) about another scene entirely, so the pairs are noisy like LAION's.

Pair ``i`` of a stream depends only on ``(seed, i)``: a dataset of ``n`` unique pairs is the
first ``n`` pairs of its stream, so the small datasets are nested in the large ones, like
LAION-80M in LAION-400M in LAION-2B.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from repro.errors import ParameterError

IMAGE_SIZE = 32  # pixels; the tiny ResNets reduce it 32x, the tiny ViTs use patch 4
#: Bump whenever rendering or captions change: written datasets and tasks carry it, so stale
#: ones are rewritten instead of reused.
SCENES_VERSION = 3

SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "cross", "ring", "diamond", "star", "bar")
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40), "green": (40, 180, 60), "blue": (50, 80, 230), "yellow": (235, 220, 50),
    "purple": (150, 60, 200), "orange": (245, 140, 30), "white": (245, 245, 245), "black": (20, 20, 20),
}
SIZES: tuple[str, ...] = ("small", "large")
SIZE_PIXELS = {"small": 11, "large": 15}
POSITIONS: tuple[str, ...] = ("top left", "top right", "bottom left", "bottom right", "center")
POSITION_CENTRES = {"top left": (8, 8), "top right": (8, 24), "bottom left": (24, 8), "bottom right": (24, 24),
                    "center": (16, 16)}
BACKGROUNDS: dict[str, tuple[int, int, int]] = {
    "grey": (128, 128, 128), "sand": (200, 180, 140), "sky": (150, 190, 230), "grass": (90, 140, 80),
    "dark": (50, 50, 60),
}
COUNT_WORDS = ("one", "two", "three")

Rendering = Literal["photo", "sketch"]


@dataclass(frozen=True)
class SceneObject:
    shape: str
    colour: str
    size: str
    position: str


@dataclass(frozen=True)
class Scene:
    """What is in one image; the labels of the downstream tasks are read from it."""

    objects: tuple[SceneObject, ...]
    background: str

    @property
    def main(self) -> SceneObject:
        """The first (largest-listed) object: the one the classification tasks ask about."""
        return self.objects[0]


def _mask(shape: str, size_px: int) -> np.ndarray:
    """Boolean mask of a shape inside a ``size_px`` square."""
    r = (size_px - 1) / 2
    yy, xx = np.mgrid[0:size_px, 0:size_px] - r
    ax, ay = np.abs(xx), np.abs(yy)
    if shape == "circle":
        return xx**2 + yy**2 <= r**2
    if shape == "square":
        return (ax <= r * 0.85) & (ay <= r * 0.85)
    if shape == "triangle":
        return (yy >= -r) & (yy <= r) & (ax <= (yy + r) / 2)
    if shape == "cross":
        return ((ax <= r * 0.3) | (ay <= r * 0.3)) & (ax <= r) & (ay <= r)
    if shape == "ring":
        d = xx**2 + yy**2
        return (d <= r**2) & (d >= (r * 0.55) ** 2)
    if shape == "diamond":
        return ax + ay <= r
    if shape == "star":
        angle = np.arctan2(yy, xx)
        radius = r * (0.55 + 0.45 * np.cos(5 * angle) ** 2)
        return np.sqrt(xx**2 + yy**2) <= radius
    if shape == "bar":
        return (ax <= r) & (ay <= r * 0.35)
    raise ParameterError(f"unknown shape {shape!r}; known: {SHAPES}")


def _outline(mask: np.ndarray) -> np.ndarray:
    """The border pixels of a mask (the 'sketch' rendering draws only these)."""
    padded = np.pad(mask, 1)
    interior = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:] & mask
    return mask & ~interior


_MASKS = {(s, z): _mask(s, SIZE_PIXELS[z]) for s in SHAPES for z in SIZES}
_OUTLINES = {k: _outline(m) for k, m in _MASKS.items()}


#: Probability that a scene has one object; the rest spread evenly over 2..max_objects.
P_SINGLE = 0.7
#: Probability that a caption names an object's size, colour and position (its shape is always named).
#: Colour is named rarely on purpose: when most captions named it (0.7, or even 0.25 with size and
#: background words), contrastive training matched pairs by colour alone and no model learned
#: shape within the laptop budgets (colour is the easy feature that suppresses the hard one);
#: with colour in one caption in ten, shape is learned after ~20k samples (see the chapter).
P_NAME = {"size": 0.1, "colour": 0.1, "position": 0.05}


def sample_scene(rng: np.random.Generator, *, max_objects: int = 2) -> Scene:
    """Draw one scene: 1..max_objects objects in distinct position slots, and a background.

    Most scenes (:data:`P_SINGLE`) hold one object, as most web images have one subject.
    """
    n = 1 if max_objects == 1 or rng.random() < P_SINGLE else int(rng.integers(2, max_objects + 1))
    slots = rng.choice(len(POSITIONS), size=n, replace=False)
    objects = tuple(
        SceneObject(SHAPES[rng.integers(len(SHAPES))], tuple(COLOURS)[rng.integers(len(COLOURS))],
                    SIZES[rng.integers(len(SIZES))], POSITIONS[int(slot)])
        for slot in slots
    )
    return Scene(objects, tuple(BACKGROUNDS)[rng.integers(len(BACKGROUNDS))])


def render(scene: Scene, rng: np.random.Generator, *, rendering: Rendering = "photo") -> np.ndarray:
    """Draw a scene as a ``(32, 32, 3)`` uint8 image.

    ``photo``: filled shapes on a flat background with pixel noise and a random jitter of a few
    pixels around each slot. ``sketch``: the distribution-shifted rendering used as the
    robustness set (outlines only, on a striped background, colours desaturated), as
    ImageNet-Sketch is to ImageNet.
    """
    image = np.empty((IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.float32)
    image[:] = BACKGROUNDS[scene.background]
    if rendering == "sketch":
        stripes = (np.arange(IMAGE_SIZE) // 3 % 2).astype(np.float32)[:, None, None] * 40.0
        image = image * 0.6 + 80.0 + stripes
    for obj in scene.objects:
        key = (obj.shape, obj.size)
        mask = _OUTLINES[key] if rendering == "sketch" else _MASKS[key]
        size_px = mask.shape[0]
        cy, cx = POSITION_CENTRES[obj.position]
        jy, jx = rng.integers(-2, 3, size=2)
        top = int(np.clip(cy + jy - size_px // 2, 0, IMAGE_SIZE - size_px))
        left = int(np.clip(cx + jx - size_px // 2, 0, IMAGE_SIZE - size_px))
        colour = np.asarray(COLOURS[obj.colour], dtype=np.float32) + rng.normal(0, 12, 3)
        if rendering == "sketch":
            colour = 0.5 * colour + 0.5 * colour.mean()
        region = image[top:top + size_px, left:left + size_px]
        region[mask] = colour
    image += rng.normal(0, 10, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


_TEMPLATES = (
    "{objs}", "a {objs}", "{objs} png", "{objs} icon", "photo of a {objs}", "{objs} clipart",
    "a picture of a {objs}", "{objs} drawing",
)
#: Probability that a caption ends with a filler word.
P_FILLER = 0.3
_FILLER = ("hd", "png", "vector", "2019", "best", "new", "lol", "jpg", "img", "sale", "icon", "art")


def _describe(obj: SceneObject, rng: np.random.Generator, *, full: bool = False) -> str:
    """One object as alt-text would name it: its shape, other attributes mostly left out (web
    noise); ``full`` names every attribute (the clean captions of the retrieval task)."""
    words = []
    if full or rng.random() < P_NAME["size"]:
        words.append(obj.size)
    if full or rng.random() < P_NAME["colour"]:
        words.append(obj.colour)
    words.append(obj.shape)
    if full or rng.random() < P_NAME["position"]:
        words.append(f"in the {obj.position}")
    return " ".join(words)


def caption(scene: Scene, rng: np.random.Generator, *, full: bool = False) -> str:
    """A noisy, web-like caption of a scene (``full``: every attribute of every object named)."""
    order = rng.permutation(len(scene.objects))
    parts = [_describe(scene.objects[i], rng, full=full) for i in order]
    if len(parts) > 1 and rng.random() < 0.3:
        objs = f"{COUNT_WORDS[len(parts) - 1]} shapes: " + ", ".join(parts)
    else:
        objs = " and ".join(parts)
    text = _TEMPLATES[rng.integers(len(_TEMPLATES))].format(objs=objs, bg=scene.background)
    if not full and rng.random() < P_FILLER:
        text = f"{text} {_FILLER[rng.integers(len(_FILLER))]}"
    return text


def pair(seed: int, index: int, *, rendering: Rendering = "photo", p_wrong: float = 0.1,
         max_objects: int = 1) -> tuple[np.ndarray, str, Scene]:
    """Pair ``index`` of the stream ``seed``: (image, caption, scene).

    With probability ``p_wrong`` the caption describes another random scene (a mismatched web
    pair); the returned scene is always the one in the image.
    """
    rng = np.random.default_rng([seed, index])
    scene = sample_scene(rng, max_objects=max_objects)
    image = render(scene, rng, rendering=rendering)
    described = sample_scene(rng, max_objects=max_objects) if rng.random() < p_wrong else scene
    return image, caption(described, rng), scene


def pairs(seed: int, start: int, stop: int, **kwargs) -> list[tuple[np.ndarray, str, Scene]]:
    """Pairs ``start .. stop-1`` of the stream ``seed`` (see :func:`pair`)."""
    return [pair(seed, i, **kwargs) for i in range(start, stop)]
