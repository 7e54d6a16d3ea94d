"""index.cutout: the plain background of a product shot and the garment's mask."""

from __future__ import annotations

import numpy as np

from index.cutout import garment_mask, plain_background, shaded_background


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


def test_the_opencv_morphology_is_scipys() -> None:
    from scipy import ndimage

    from index.cutout import dilate, erode, fill_holes

    rng = np.random.default_rng(1)
    for _ in range(200):
        mask = rng.random(tuple(rng.integers(1, 50, 2))) < rng.random()
        for n in (1, 2, 3):
            assert (erode(mask, n) == ndimage.binary_erosion(mask, iterations=n)).all()
            assert (dilate(mask, n) == ndimage.binary_dilation(mask, iterations=n)).all()
        assert (fill_holes(mask) == ndimage.binary_fill_holes(mask)).all()


def test_grabcut_finds_a_garment_on_a_busy_background_at_its_working_size() -> None:
    from index.cutout import GrabCut

    rng = np.random.default_rng(0)
    rgb = np.repeat(np.repeat(rng.integers(60, 200, (32, 24, 3), dtype=np.uint8), 8, axis=0), 8, axis=1)
    rgb[60:200, 50:140] = (200, 20, 30)  # a red garment in the middle of a 256 x 192 noisy frame
    for grabcut in (GrabCut(256, 4), GrabCut(160, 2)):
        mask = garment_mask(rgb, grabcut)
        assert mask.shape == rgb.shape[:2] and mask[70:190, 60:130].all()
        assert mask.sum() < 1.3 * 140 * 90  # and little of the background


def test_a_background_lit_unevenly_is_plain_to_the_try_on() -> None:
    rgb = _shot((0, 0, 0), (150, 40, 40))
    ramp = np.linspace(215, 250, rgb.shape[1]).astype(np.uint8)  # a light falloff across the studio paper
    background = np.broadcast_to(ramp[None, :, None], rgb.shape)
    rgb = np.where((rgb == 0).all(axis=-1, keepdims=True), background, rgb)
    assert plain_background(rgb) is None  # too uneven for one colour
    field = shaded_background(rgb)
    assert field is not None and np.abs(field.astype(int) - background).max() <= 2
    mask = garment_mask(rgb, shaded=True)
    assert mask[35:95, 25:65].all() and not mask[:20].any()
    noise = np.random.default_rng(0).integers(0, 256, (120, 90, 3), dtype=np.uint8)
    assert shaded_background(noise) is None
