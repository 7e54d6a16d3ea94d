"""Garment parts from product shots (the demo renderer's, whose shapes are known) and the grid warp."""

from __future__ import annotations

import numpy as np
import pytest

from index.render import GarmentSpec, render_garment
from index.vocab import COLOURS
from tryon.garment import GarmentError, cut_out
from tryon.mesh import along, ribbon, warp_grid
from index.parts import parse


def parts_of(category: str, colour: str = "navy"):  # noqa: ANN201
    image = render_garment(GarmentSpec(category, COLOURS[colour], COLOURS["white"], "solid", seed=1))[0]
    garment = cut_out(image, category)
    return garment, parse(garment.mask, garment.kind)


@pytest.mark.parametrize("category", ["t-shirt", "shirt", "pullover"])
def test_a_top_has_a_panel_and_a_sleeve_each_side(category: str) -> None:
    garment, parts = parts_of(category)
    assert sorted(s.side for s in parts.sleeves) == ["left", "right"]
    for sleeve in parts.sleeves:
        outward = sleeve.axis[0] < 0 if sleeve.side == "left" else sleeve.axis[0] > 0
        assert outward and sleeve.length > 0.1 * garment.mask.shape[0]
        assert not (sleeve.mask & parts.panel_mask).any()
    assert parts.shoulder_y < parts.armpit_y < parts.hem_y
    # the panel's rows below the armpits hold the body, not the sleeves: narrower than the garment
    below = parts.panel.y > parts.armpit_y + 5
    assert (parts.panel.right - parts.panel.left)[below].max() < 0.9 * garment.mask.shape[1]


def test_a_dress_has_no_sleeves_and_reaches_its_hem() -> None:
    garment, parts = parts_of("dress")
    assert parts.sleeves == [] and parts.hem_y >= 0.95 * garment.mask.shape[0]


@pytest.mark.parametrize("category", ["trousers", "jeans"])
def test_trousers_have_two_legs_below_a_crotch(category: str) -> None:
    garment, parts = parts_of(category)
    left, right = parts.legs
    assert parts.shoulder_y < parts.armpit_y < 0.6 * garment.mask.shape[0]  # the crotch, below the waistband
    hem = left.y.max()
    assert left.right[left.y == hem].max() <= right.left[right.y == hem].min()  # apart at the hem


def test_trousers_whose_legs_never_part_are_refused() -> None:
    block = np.zeros((200, 120), bool)
    block[10:190, 20:100] = True
    with pytest.raises(GarmentError, match="legs"):
        parse(block, "legs")


def test_an_identity_grid_copies_the_image() -> None:
    image = np.random.default_rng(0).integers(0, 255, (60, 80, 3), dtype=np.uint8)
    ys, xs = np.mgrid[10:50:5j, 10:70:7j]
    grid = np.stack([xs, ys], axis=-1)
    out = warp_grid(image, grid, grid, (80, 60))
    assert np.abs(out[12:48, 12:68].astype(int) - image[12:48, 12:68]).max() <= 1
    assert (out[:8] == 0).all()  # outside the grid: nothing


def test_a_grid_moved_moves_the_pixels() -> None:
    image = np.zeros((60, 80), np.uint8)
    image[20:30, 20:30] = 255
    ys, xs = np.mgrid[0:59:4j, 0:79:4j]
    src = np.stack([xs, ys], axis=-1)
    out = warp_grid(image, src, src + [10, 5], (100, 80))
    assert out[25:35, 30:40].mean() > 200 and out[20:25, 20:30].mean() < 50


def test_a_ribbon_runs_across_its_path() -> None:
    path = along(np.array([[50.0, 0.0], [50.0, 100.0], [150.0, 100.0]]), np.array([0.0, 50.0, 150.0]))
    assert np.allclose(path, [[50, 0], [50, 50], [100, 100]])
    grid = ribbon(np.array([[50.0, 0.0], [50.0, 10.0], [50.0, 20.0]]), np.full(3, 5.0), np.full(3, 8.0), 3)
    assert np.allclose(grid[1, 0], [45, 10]) and np.allclose(grid[1, -1], [58, 10])  # a path down: image-left first


def test_a_tie_below_the_hem_is_not_its_length() -> None:
    garment, parts = parts_of("t-shirt")
    mask = garment.mask.copy()
    h, w = mask.shape
    tied = np.zeros((h + 60, w), bool)
    tied[:h] = mask
    tied[h - 5:h + 60, w // 2 - 6:w // 2 + 6] = True  # a tie hanging from the hem
    assert parse(tied, "top").hem_y == pytest.approx(parts.hem_y, abs=2)


def test_a_white_shirt_on_white_is_cut_by_its_outline() -> None:
    from PIL import Image, ImageDraw

    from index.cutout import garment_mask

    image = Image.new("RGB", (300, 400), (246, 246, 246))
    draw = ImageDraw.Draw(image)
    body = [(90, 60), (210, 60), (260, 120), (225, 140), (215, 120), (215, 350), (85, 350), (85, 120), (75, 140),
            (40, 120)]
    draw.polygon(body, fill=(247, 247, 247), outline=(225, 225, 225))  # white on white: a faint shadow line
    draw.rectangle((120, 160, 180, 220), fill=(200, 30, 40))  # a red print on the chest
    mask = garment_mask(np.asarray(image))
    assert mask[300, 100] and mask[300, 200] and mask[100, 230]  # the body and a sleeve, not only the print
    assert not mask[380, 150] and not mask[30, 150]
