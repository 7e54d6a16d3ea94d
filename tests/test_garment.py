"""Garment cut-out and its parts, checked against the renderer's own landmarks."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from index.render import GarmentSpec, render_garment
from index.vocab import COLOURS
from index.parts import parse
from tryon.garment import KINDS, GarmentError, cut_out

ATTRIBUTES = {"dress": [{"length": "mini"}, {"length": "maxi", "sleeve": "short"}],
              "skirt": [{"length": "midi"}], "t-shirt": [{"sleeve": "short"}, {"sleeve": "sleeveless"}],
              "shirt": [{"sleeve": "long"}]}


def shots():  # noqa: ANN201
    for category in KINDS:
        for attributes in ATTRIBUTES.get(category, [{}]):
            for colour, pattern in (("navy", "solid"), ("red", "stripes"), ("beige", "checks")):
                yield category, attributes, colour, pattern


@pytest.mark.parametrize(("category", "attributes", "colour", "pattern"), list(shots()))
def test_parts_match_the_renderers_landmarks(category: str, attributes: dict, colour: str, pattern: str) -> None:
    spec = GarmentSpec(category, COLOURS[colour], COLOURS["red"], pattern, attributes=attributes, seed=3)
    image, truth = render_garment(spec)
    garment = cut_out(image, category)
    assert garment.mask.mean() > 0.3 and garment.rgba.shape[2] == 4
    parts = parse(garment.mask, garment.kind)
    height = garment.rgba.shape[0]
    x0, y0 = garment.offset
    hem = max(y for k, (_, y) in truth.items() if k.endswith("hem")) - y0
    assert abs(parts.hem_y - hem) < 0.03 * height
    if garment.kind in ("top", "dress"):
        shoulder = truth["left_shoulder"][1] - y0
        assert abs(parts.shoulder_y - shoulder) < 0.06 * height
        assert len(parts.sleeves) == (2 if "left_cuff" in truth else 0) or garment.kind == "dress"
    if garment.kind == "legs":
        # the crotch: the gap opens as a narrow V, whose tip the mask's closing fills
        assert abs(parts.armpit_y - (truth["crotch"][1] - y0)) < 0.08 * height
        for leg, side in zip(parts.legs, ("left_hem", "right_hem")):
            at_hem = leg.y >= leg.y.max() - 2
            middle = (leg.left[at_hem].min() + leg.right[at_hem].max()) / 2
            assert abs(middle - (truth[side][0] - x0)) < 0.05 * garment.rgba.shape[1]


def test_bad_shots_are_refused() -> None:
    rng = np.random.default_rng(0)
    busy = Image.fromarray(rng.integers(0, 255, (300, 240, 3), dtype=np.uint8))
    with pytest.raises(GarmentError, match="plain background"):
        cut_out(busy, "shirt")
    with pytest.raises(GarmentError, match="no garment"):
        cut_out(Image.new("RGB", (200, 200), (250, 250, 250)), "shirt")
    with pytest.raises(GarmentError, match="sneaker cannot be tried on"):
        cut_out(Image.new("RGB", (200, 200), (250, 250, 250)), "sneaker")
