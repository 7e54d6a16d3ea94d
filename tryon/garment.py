"""A garment for try-on: cut out of its product shot, with landmarks read off its silhouette.

The cut-out needs a plain background (what product shots have), and uses the same garment
mask as the attribute model (index/cutout.py: distance to the background colour, with a faint
threshold for white on white). A busy background is refused: a bad cut-out would paste the room
onto the shopper.

Landmarks (pixels in the cut-out) are where a warp pins the garment to the body:
- tops (t-shirt, shirt, pullover, hoodie, jacket, coat): collar (the neckline's lowest point),
  shoulders (the body's edges just under the top), waist and hem corners. Only the run of
  garment pixels under the centre counts, so sleeves held away do not widen the body.
- dresses: the same, with the shoulders at the straps and the waist at the narrowest row.
- trousers, jeans and shorts: waistband corners and the middle of each leg's hem. Skirts:
  waistband and hem corners.

Checked against the demo renderer's own landmarks (tests/test_garment.py): within 5% of the
garment's height for every category in navy, red and beige. White on a white background is
weaker: sleeves that touch the body merge with it in the mask, so the shoulders can come out
too low.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

from index.cutout import GarmentError, garment_mask, plain_background, shaded_background

KINDS = {"t-shirt": "top", "shirt": "top", "pullover": "top", "hoodie": "top", "jacket": "top", "coat": "top",
         "dress": "dress", "skirt": "skirt", "trousers": "legs", "jeans": "legs", "shorts": "legs"}
STANDS_OUT = 12  # a channel differing this much from the background is something on it
Point = tuple[float, float]


@dataclass
class Garment:
    rgba: np.ndarray  # H x W x 4, uint8, cropped to the garment; alpha is the cut-out
    category: str
    kind: str  # top, dress, skirt, legs
    landmarks: dict[str, Point]
    offset: tuple[int, int] = (0, 0)  # where the crop's top-left corner was in the product shot

    @property
    def mask(self) -> np.ndarray:
        return self.rgba[..., 3] > 127


def kind_of(category: str) -> str:
    if category not in KINDS:
        raise GarmentError(f"try-on dresses people in tops, bottoms and dresses; a {category} cannot be tried on.")
    return KINDS[category]


def cut_out(image: Image.Image, category: str) -> Garment:
    """The garment on a transparent background, cropped, with its landmarks."""
    kind = kind_of(category)
    rgb = np.asarray(image.convert("RGB"))
    background = plain_background(rgb)
    if background is None:
        background = shaded_background(rgb)
    if background is None:
        raise GarmentError("the garment's photo needs a plain background (a product shot); this one is busy.")
    if (np.abs(rgb.astype(np.float32) - background).max(axis=-1) > STANDS_OUT).mean() < 0.01:
        raise GarmentError("no garment stands out from the background of this photo.")
    mask = garment_mask(rgb, shaded=True)
    ys, xs = np.nonzero(mask)
    top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    crop = mask[top:bottom, left:right]
    rgba = np.dstack([rgb[top:bottom, left:right], (crop * 255).astype(np.uint8)])
    return Garment(rgba, category, kind, landmarks(crop, kind), (int(left), int(top)))


# ---------------------------------------------------------------- landmarks


def _run(row: np.ndarray, x: int) -> tuple[int, int] | None:
    """[start, end) of the run of True containing x (or the nearest run)."""
    if not row.any():
        return None
    if not row[x]:
        x = int(np.nonzero(row)[0][np.argmin(np.abs(np.nonzero(row)[0] - x))])
    left = x - int(np.argmin(row[x::-1])) + 1 if not row[x::-1].all() else 0
    right = x + int(np.argmin(row[x:])) if not row[x:].all() else len(row)
    return left, right


def _row(mask: np.ndarray, share: float) -> int:
    return int(np.clip(round(share * (mask.shape[0] - 1)), 0, mask.shape[0] - 1))


def _edges(mask: np.ndarray, share: float, cx: int, name: str) -> dict[str, Point]:
    y = _row(mask, share)
    run = _run(mask[y], cx)
    if run is None:
        return {}
    return {f"left_{name}": (float(run[0]), float(y)), f"right_{name}": (float(run[1] - 1), float(y))}


def _extent(mask: np.ndarray, share: float, name: str, band: float = 0.015) -> dict[str, Point]:
    """The outermost garment pixels in a thin band of rows around share (straps, waistbands, hems)."""
    y = _row(mask, share)
    rows = mask[max(0, y - _row(mask, band)): y + _row(mask, band) + 1]
    xs = np.nonzero(rows.any(axis=0))[0]
    return {f"left_{name}": (float(xs.min()), float(y)), f"right_{name}": (float(xs.max()), float(y))} if len(xs) else {}


def _collar(mask: np.ndarray, cx: int) -> dict[str, Point]:
    column = np.nonzero(mask[:, cx])[0]
    return {"collar": (float(cx), float(column.min()))} if len(column) else {}


def _top(mask: np.ndarray, cx: int) -> dict[str, Point]:
    """Shoulders: the first row as wide as the body below the armpits (a hood or collar is narrower).
    The neck line sits a little above them, and the waist at 60% of the way from there to the hem."""
    body = _run(mask[_row(mask, 0.45)], cx)
    width = (body[1] - body[0]) if body else mask.shape[1]
    runs = [_run(mask[y], cx) for y in range(mask.shape[0])]
    shoulder = next((y for y, r in enumerate(runs) if r and r[1] - r[0] >= width), 0)
    bottom = mask.shape[0] - 1
    neck = max(0.0, shoulder - 0.047 * (bottom - shoulder))
    waist = neck + 0.6 * (bottom - neck)
    return ({"collar": (float(cx), neck)} | _edges(mask, shoulder / bottom, cx, "shoulder")
            | _edges(mask, waist / bottom, cx, "waist") | _edges(mask, 0.985, cx, "hem"))


def landmarks(mask: np.ndarray, kind: str) -> dict[str, Point]:
    """Landmarks of a cropped silhouette (see the module docstring)."""
    cx = mask.shape[1] // 2
    if kind == "top":
        return _top(mask, cx)
    if kind == "dress":
        h = mask.shape[0]
        widths = {y: (_run(mask[y], cx) or (0, h)) for y in range(_row(mask, 0.2), _row(mask, 0.6) + 1)}
        waist = min(widths, key=lambda y: widths[y][1] - widths[y][0])
        return (_collar(mask, cx) | _extent(mask, 0.0, "shoulder") | _edges(mask, waist / (h - 1), cx, "waist")
                | _extent(mask, 0.985, "hem"))
    if kind == "skirt":
        return _extent(mask, 0.0, "waist") | _extent(mask, 0.985, "hem")
    marks = _extent(mask, 0.0, "waist")
    y = _row(mask, 0.985)
    labels, n = ndimage.label(mask[y])
    if n >= 2:
        xs = [np.nonzero(labels == i)[0] for i in (1, n)]
        marks |= {"left_hem": (float(xs[0].mean()), float(y)), "right_hem": (float(xs[1].mean()), float(y))}
    return marks
