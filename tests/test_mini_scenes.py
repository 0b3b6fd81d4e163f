"""The synthetic scenes: deterministic from (seed, index), images of the right shape, captions
that name what is in the image (apart from the deliberate mismatches)."""

import numpy as np
import pytest

from repro.mini import scenes


def test_pair_is_deterministic_and_seed_dependent():
    a_image, a_text, a_scene = scenes.pair(3, 17)
    b_image, b_text, b_scene = scenes.pair(3, 17)
    assert np.array_equal(a_image, b_image) and a_text == b_text and a_scene == b_scene
    c_image, _, _ = scenes.pair(4, 17)
    assert not np.array_equal(a_image, c_image)


def test_images_are_32x32_rgb_uint8():
    image, text, scene = scenes.pair(0, 0)
    assert image.shape == (32, 32, 3) and image.dtype == np.uint8
    assert 1 <= len(scene.objects) <= 3 and text.strip()


def test_captions_mostly_name_the_shapes_in_the_image():
    # p_wrong=0: every caption describes its own scene; a shape is dropped only with p=0.1 per object
    named = 0
    for i in range(300):
        _, text, scene = scenes.pair(0, i, p_wrong=0.0, max_objects=1)
        named += scene.main.shape in text
    assert 0.8 < named / 300 < 0.98


def test_mismatched_pairs_happen_at_the_requested_rate():
    mismatched = sum(scenes.pair(0, i, p_wrong=0.5)[2] != scenes.pair(0, i, p_wrong=0.0)[2] for i in range(200))
    # the image's scene does not depend on p_wrong: only the caption does
    assert mismatched == 0
    wrong_colour = 0
    for i in range(400):
        _, text, scene = scenes.pair(1, i, p_wrong=1.0, max_objects=1)
        wrong_colour += scene.main.shape not in text
    assert wrong_colour > 200  # a random other scene rarely shares the shape (1/8)


def test_sketch_rendering_differs_from_photo_for_the_same_scene():
    photo, _, scene_photo = scenes.pair(5, 2, rendering="photo")
    sketch, _, scene_sketch = scenes.pair(5, 2, rendering="sketch")
    assert scene_photo == scene_sketch
    assert np.abs(photo.astype(int) - sketch.astype(int)).mean() > 10


def test_unknown_shape_is_refused():
    with pytest.raises(ValueError, match="unknown shape"):
        scenes._mask("hexagon", 9)
