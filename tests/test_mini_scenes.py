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


def test_captions_always_name_the_shape_and_seldom_its_colour():
    # p_wrong=0: every caption describes its own scene; the shape is always named (it is the headline
    # class), the colour only with probability P_NAME["colour"]
    shape_named = colour_named = 0
    for i in range(300):
        _, text, scene = scenes.pair(0, i, p_wrong=0.0, max_objects=1)
        shape_named += scene.main.shape in text
        colour_named += scene.main.colour in text
    assert shape_named == 300
    assert 0.03 < colour_named / 300 < 0.2


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
