"""Where a garment is in a picture: the plain background of a product shot, and the garment's mask.

Plain image processing (numpy, scipy, scikit-image, OpenCV's GrabCut), no learnt model, so it
lives with the data and both retrieval/ (garment attributes) and tryon/ (the garment cut out for
a try-on) use one definition of "the garment" without importing each other.

- `plain_background(rgb)`: the background colour when the image's border is one plain colour
  (what product shots have), else None.
- `garment_mask(rgb)`: on a plain background, the pixels at least BACKGROUND_DELTA_E away from it
  in CIELAB; a light garment on a light background (only its folds stand out) is taken at the
  fainter FAINT_DELTA_E, shadows included. On a busy background, GrabCut from a centred box.
  The mask is cleaned (speckle removed, outline closed, holes filled, small islands dropped);
  when nothing stands out, the centre of the frame is taken.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage.color import rgb2lab

BACKGROUND_DELTA_E = 8.0  # a pixel this far (CIELAB) from a plain background is garment...
FAINT_DELTA_E = 2.5  # ...or this far, for a light garment on a light background (shadows come with it)
PLAIN_SPREAD = 14  # a border whose pixels (90th percentile) stay this close to their median is plain


def plain_background(rgb: np.ndarray) -> np.ndarray | None:
    """The background colour when the image's border is one plain colour, else None."""
    border = np.concatenate([rgb[:2].reshape(-1, 3), rgb[-2:].reshape(-1, 3),
                             rgb[:, :2].reshape(-1, 3), rgb[:, -2:].reshape(-1, 3)]).astype(np.float32)
    colour = np.median(border, axis=0)
    spread = np.percentile(np.abs(border - colour).max(axis=1), 90)
    return colour if spread < PLAIN_SPREAD else None


def garment_mask(rgb: np.ndarray) -> np.ndarray:
    """Where the garment is: distance from a plain background, else GrabCut from a centred box."""
    background = plain_background(rgb)
    if background is None:
        mask = _filled(_grabcut(rgb))
    else:
        lab = rgb2lab(rgb)
        distance = np.linalg.norm(lab - rgb2lab(background.reshape(1, 1, 3).astype(np.uint8)), axis=-1)
        mask, faint = _filled(distance > BACKGROUND_DELTA_E), _filled(distance > FAINT_DELTA_E)
        if mask.sum() < 0.6 * faint.sum() and faint.mean() < 0.7:  # a white shirt on white: only its folds stand out
            mask = faint
    if mask.sum() < 0.01 * mask.size:  # nothing stands out: take the centre of the frame
        mask = np.zeros_like(mask)
        h, w = mask.shape
        mask[h // 6: h - h // 6, w // 6: w - w // 6] = True
    return mask


def _largest_parts(mask: np.ndarray, keep_ratio: float = 0.05) -> np.ndarray:
    labels, n = ndimage.label(mask)
    if n <= 1:
        return mask
    sizes = ndimage.sum(mask, labels, range(1, n + 1))
    keep = np.flatnonzero(sizes >= keep_ratio * sizes.max()) + 1
    return np.isin(labels, keep)


def _filled(mask: np.ndarray) -> np.ndarray:
    """Speckle removed, gaps in the outline closed, holes filled, small islands dropped."""
    mask = ndimage.binary_opening(mask, iterations=1)
    mask = ndimage.binary_closing(mask, iterations=2)
    return ndimage.binary_fill_holes(_largest_parts(mask))


def _grabcut(rgb: np.ndarray) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    rect = (int(w * 0.08), int(h * 0.05), int(w * 0.84), int(h * 0.9))
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    cv2.grabCut(np.ascontiguousarray(rgb[..., ::-1]), mask, rect, bgd, fgd, 4, cv2.GC_INIT_WITH_RECT)
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)
