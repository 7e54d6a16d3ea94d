"""index.cutout: the plain background of a product shot and the garment's mask."""

from __future__ import annotations

import numpy as np

from index.cutout import garment_mask, plain_background


def _shot(background: tuple[int, int, int], garment: tuple[int, int, int]) -> np.ndarray:
    rgb = np.empty((120, 90, 3), np.uint8)
    rgb[:] = background
    rgb[30:100, 20:70] = garment
    return rgb


def test_a_plain_border_gives_its_colour() -> None:
    assert np.allclose(plain_background(_shot((240, 240, 240), (20, 30, 80))), 240)


def test_a_busy_border_has_no_plain_background() -> None:
    noise = np.random.default_rng(0).integers(0, 256, (120, 90, 3), dtype=np.uint8)
    assert plain_background(noise) is None


def test_the_mask_is_the_garment_on_a_plain_background() -> None:
    mask = garment_mask(_shot((245, 245, 245), (20, 30, 80)))
    outside = np.ones_like(mask)
    outside[30:100, 20:70] = False
    assert mask[32:98, 22:68].all() and not mask[outside].any()  # the opening only rounds the corners


def test_white_on_white_is_found_by_its_faint_edge() -> None:
    mask = garment_mask(_shot((250, 250, 250), (236, 236, 236)))
    assert mask[40:90, 30:60].all() and not mask[:10].any()


def test_nothing_on_the_background_gives_the_centre() -> None:
    mask = garment_mask(np.full((120, 90, 3), 200, np.uint8))
    assert mask[60, 45] and not mask[0, 0] and 0.3 < mask.mean() < 0.6
