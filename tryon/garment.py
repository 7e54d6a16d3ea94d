"""A garment for try-on: cut out of its product shot.

The cut-out needs a plain background (what product shots have, or a studio background lit unevenly),
and uses the same garment mask as the attribute model (index/cutout.py: distance to the background
colour, a faint threshold for light on light, the outline for white on white). A busy background is
refused: a bad cut-out would paste the room onto the shopper. The garment's parts (panel, sleeves,
legs) are read off the cut-out by index/parts.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from index.cutout import GarmentError, garment_mask, plain_background, shaded_background

KINDS = {"t-shirt": "top", "shirt": "top", "pullover": "top", "hoodie": "top", "jacket": "top", "coat": "top",
         "dress": "dress", "skirt": "skirt", "trousers": "legs", "jeans": "legs", "shorts": "legs"}
STANDS_OUT = 12  # a channel differing this much from the background is something on it


@dataclass
class Garment:
    rgba: np.ndarray  # H x W x 4, uint8, cropped to the garment; alpha is the cut-out
    category: str
    kind: str  # top, dress, skirt, legs
    offset: tuple[int, int] = (0, 0)  # where the crop's top-left corner was in the product shot

    @property
    def mask(self) -> np.ndarray:
        return self.rgba[..., 3] > 127


def kind_of(category: str) -> str:
    if category not in KINDS:
        raise GarmentError(f"try-on dresses people in tops, bottoms and dresses; a {category} cannot be tried on.")
    return KINDS[category]


def cut_out(image: Image.Image, category: str) -> Garment:
    """The garment on a transparent background, cropped."""
    kind = kind_of(category)
    rgb = np.asarray(image.convert("RGB"))
    background = plain_background(rgb)
    if background is None:
        background = shaded_background(rgb)
    if background is None:
        raise GarmentError("the garment's photo needs a plain background (a product shot); this one is busy.")
    if (np.abs(rgb.astype(np.float32) - background).max(axis=-1) > STANDS_OUT).mean() < 0.01:
        raise GarmentError("no garment stands out from the background of this photo.")
    mask = garment_mask(rgb, shaded=True, background=background)
    ys, xs = np.nonzero(mask)
    top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    crop = mask[top:bottom, left:right]
    rgba = np.dstack([rgb[top:bottom, left:right], (crop * 255).astype(np.uint8)])
    return Garment(rgba, category, kind, (int(left), int(top)))
