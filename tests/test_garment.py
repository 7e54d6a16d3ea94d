"""Garment cut-out and silhouette landmarks, checked against the renderer's own landmarks."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from index.render import GarmentSpec, render_garment
from index.vocab import COLOURS
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
def test_landmarks_match_the_renderers(category: str, attributes: dict, colour: str, pattern: str) -> None:
    spec = GarmentSpec(category, COLOURS[colour], COLOURS["red"], pattern, attributes=attributes, seed=3)
    image, truth = render_garment(spec)
    garment = cut_out(image, category)
    height = garment.rgba.shape[0]
    found = {k: (x + garment.offset[0], y + garment.offset[1]) for k, (x, y) in garment.landmarks.items()}
    wanted = [k for k in truth if k in ("left_shoulder", "right_shoulder", "left_hem", "right_hem",
                                        "left_waist", "right_waist")]
    if "collar" in truth:  # drawn as a seam: the silhouette gives its column and a point above it
        assert abs(found["collar"][0] - truth["collar"][0]) < 0.02 * garment.rgba.shape[1]
        assert found["collar"][1] <= truth["collar"][1] + 0.02 * height
    missing = set(wanted) - set(found)
    assert not missing, f"{category}: no {missing}"
    errors = {k: np.hypot(found[k][0] - truth[k][0], found[k][1] - truth[k][1]) / height for k in wanted}
    assert max(errors.values()) < 0.05, {k: round(v, 3) for k, v in errors.items()}
    assert garment.mask.mean() > 0.3 and garment.rgba.shape[2] == 4


def test_bad_shots_are_refused() -> None:
    rng = np.random.default_rng(0)
    busy = Image.fromarray(rng.integers(0, 255, (300, 240, 3), dtype=np.uint8))
    with pytest.raises(GarmentError, match="plain background"):
        cut_out(busy, "shirt")
    with pytest.raises(GarmentError, match="no garment"):
        cut_out(Image.new("RGB", (200, 200), (250, 250, 250)), "shirt")
    with pytest.raises(GarmentError, match="sneaker cannot be tried on"):
        cut_out(Image.new("RGB", (200, 200), (250, 250, 250)), "sneaker")
