"""Product shots: every category renders as a garment of the right colour on white, at least 512 px."""

from __future__ import annotations

import numpy as np
import pytest

from index.render import GarmentSpec, render_garment
from index.vocab import CATEGORIES, COLOURS


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_each_category_renders_a_garment_in_its_colour(category: str) -> None:
    colour = COLOURS["red"]
    image, landmarks = render_garment(GarmentSpec(category, colour, COLOURS["white"], "solid", seed=1))
    assert min(image.size) >= 512
    pixels = np.asarray(image).reshape(-1, 3).astype(int)
    garment = np.abs(pixels - colour).sum(1) < 90
    background = (pixels > 245).all(1)
    assert 0.02 < garment.mean() < 0.7, "the garment fills a sensible part of the frame (sandals are mostly sole)"
    assert background.mean() > 0.2, "the background is white"
    corners = np.asarray(image)[[0, 0, -1, -1], [0, -1, 0, -1]]
    assert (corners > 245).all()
    assert landmarks and all(0 <= x <= image.width and 0 <= y <= image.height for x, y in landmarks.values())


@pytest.mark.parametrize("pattern", ["stripes", "checks", "dots", "print"])
def test_patterns_show_both_colours(pattern: str) -> None:
    image, _ = render_garment(GarmentSpec("t-shirt", COLOURS["navy"], COLOURS["yellow"], pattern, seed=2))
    pixels = np.asarray(image).reshape(-1, 3).astype(int)
    near = lambda c: (np.abs(pixels - c).sum(1) < 90).mean()  # noqa: E731
    assert near(COLOURS["navy"]) > 0.02 and near(COLOURS["yellow"]) > 0.01


def test_relaxed_fit_is_wider_than_slim() -> None:
    def width(fit: str) -> int:
        image, _ = render_garment(GarmentSpec("t-shirt", COLOURS["black"], COLOURS["white"], "solid", fit=fit))
        cols = (np.asarray(image).min(axis=2) < 200).any(axis=0)
        return int(cols.sum())
    assert width("relaxed") > width("slim")
