"""Where a garment is in a picture: the plain background of a product shot, and the garment's mask.

Plain image processing (numpy, scipy, scikit-image, OpenCV's GrabCut), no learnt model, so it
lives with the data and both retrieval/ (garment attributes) and tryon/ (the garment cut out for
a try-on) use one definition of "the garment" without importing each other.

- `plain_background(rgb)`: the background colour when the image's border is one plain colour
  (what product shots have), else None.
- `garment_mask(rgb)`: on a plain background, the pixels at least BACKGROUND_DELTA_E away from it
  in CIELAB; a light garment on a light background (only its folds stand out) is taken at the
  fainter FAINT_DELTA_E, shadows included. On a busy background, GrabCut from a centred box, run
  at a reduced size (`GRABCUT`) and scaled back up.
  The mask is cleaned (speckle removed, outline closed, holes filled, small islands dropped);
  when nothing stands out, the centre of the frame is taken.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage
from skimage.color import rgb2lab

from shopagent.errors import ShopError

BACKGROUND_DELTA_E = 8.0  # a pixel this far (CIELAB) from a plain background is garment...
FAINT_DELTA_E = 2.5  # ...or this far, for a light garment on a light background (shadows come with it)
OUTLINE_EDGE = 0.35  # CIELAB lightness per pixel (Sobel over 8) that is an edge on a flat background
OUTLINE_GAP = 0.02  # of the image's longer side: gaps in a white garment's outline this wide are closed
OUTLINE_GAIN = 1.8  # the outline replaces the colour mask when it holds this many times more pixels...
OUTLINE_MAX = 0.8  # ...and is not most of the frame
OUTLINE_HALVE_ABOVE = 512  # px: larger images have their outline read at half size (fast, the edges survive)
PLAIN_SPREAD = 14  # a border whose pixels (90th percentile) stay this close to their median is plain
_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))  # scipy.ndimage's default structure


class GarmentError(ShopError):
    """A product shot we cannot cut a garment out of, or find its parts in; the message says what shot works."""

    code = "garment_unusable"


@dataclass(frozen=True)
class GrabCut:
    """How GrabCut runs: at this longest side (the mask is scaled back up) and this many iterations."""

    side: int
    iterations: int


# GrabCut's cost grows faster than the pixels: at 256 px x4 it took 180 ms an image here, at 160 px x2 about
# 30 ms. On 406 real photos the recognised category then differed on 66 (main colour 47, pattern 38), about
# what decoding the JPEGs at half scale alone changes (41, 38, 28), and as many were right (eval/bench_index.py).
GRABCUT = GrabCut(side=160, iterations=2)


def plain_background(rgb: np.ndarray) -> np.ndarray | None:
    """The background colour when the image's border is one plain colour, else None."""
    border = np.concatenate([rgb[:2].reshape(-1, 3), rgb[-2:].reshape(-1, 3),
                             rgb[:, :2].reshape(-1, 3), rgb[:, -2:].reshape(-1, 3)]).astype(np.float32)
    colour = np.median(border, axis=0)
    spread = np.percentile(np.abs(border - colour).max(axis=1), 90)
    return colour if spread < PLAIN_SPREAD else None


def shaded_background(rgb: np.ndarray) -> np.ndarray | None:
    """A studio background lit unevenly (a light falloff, a paper sweep: the border's colour changes
    smoothly across the frame): the plane through the border's colours, one per channel, as an image;
    None when the border strays from that plane as much as a busy background does."""
    h, w = rgb.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w]
    border = np.zeros((h, w), bool)
    border[:2], border[-2:], border[:, :2], border[:, -2:] = True, True, True, True
    design = np.stack([np.ones(border.sum()), xs[border] / w, ys[border] / h], axis=1)
    coef, *_ = np.linalg.lstsq(design, rgb[border].astype(np.float64), rcond=None)
    residual = np.abs(design @ coef - rgb[border]).max(axis=1)
    if np.percentile(residual, 90) >= PLAIN_SPREAD:
        return None
    field = coef[0] + np.multiply.outer(xs / w, coef[1]) + np.multiply.outer(ys / h, coef[2])
    return np.clip(field, 0, 255).astype(np.uint8)


def garment_mask(rgb: np.ndarray, grabcut: GrabCut = GRABCUT, shaded: bool = False,
                 background: np.ndarray | None = None) -> np.ndarray:
    """Where the garment is: distance from a plain background, else GrabCut from a centred box. With
    shaded, a background lit unevenly (shaded_background) counts as plain too; off by default because
    the shipped recogniser was trained on GrabCut's masks of such photos. background, when the caller
    has already found it (a colour, or shaded_background's image), is not looked for again."""
    if background is None:
        background = plain_background(rgb)
        if background is None and shaded:
            background = shaded_background(rgb)
    if background is None:
        mask = _filled(_grabcut(rgb, grabcut))
    else:
        lab = rgb2lab(rgb)
        reference = np.broadcast_to(background.astype(np.uint8), rgb.shape)
        distance = np.linalg.norm(lab - rgb2lab(np.ascontiguousarray(reference)), axis=-1)
        mask, faint = _filled(distance > BACKGROUND_DELTA_E), _filled(distance > FAINT_DELTA_E)
        if mask.sum() < 0.6 * faint.sum() and faint.mean() < 0.7:  # a white shirt on white: only its folds stand out
            mask = faint
        outline = _outlined(lab[..., 0])
        if mask.sum() * OUTLINE_GAIN < outline.sum() < OUTLINE_MAX * outline.size:
            mask = outline  # a white garment the colour of its background: only its print stood out
    if mask.sum() < 0.01 * mask.size:  # nothing stands out: take the centre of the frame
        mask = np.zeros_like(mask)
        h, w = mask.shape
        mask[h // 6: h - h // 6, w // 6: w - w // 6] = True
    return mask


def _outlined(lightness: np.ndarray) -> np.ndarray:
    """The garment inside its outline: edges in lightness (the faint shadow along a white garment's sides),
    mirrored about the garment's middle (product shots face the camera, so one side's edge closes a gap
    in the other's), gaps up to OUTLINE_GAP of the image closed, the inside filled. A large image is read at
    half size; a small one (recognition's work size) as it is, or the faint edges blur away."""
    h, w = lightness.shape
    half = 2 if max(h, w) > OUTLINE_HALVE_ABOVE else 1
    small = cv2.resize(lightness.astype(np.float32), (max(1, w // half), max(1, h // half)),
                       interpolation=cv2.INTER_AREA)
    smooth = cv2.GaussianBlur(small, (0, 0), 1.0)
    gradient = np.hypot(cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1)) / 8
    border = np.concatenate([gradient[:2].ravel(), gradient[-2:].ravel(), gradient[:, :2].ravel(),
                             gradient[:, -2:].ravel()])
    edges = gradient > max(OUTLINE_EDGE, 3 * float(np.percentile(border, 99)))
    xs = np.nonzero(edges)[1]
    if not len(xs):
        return np.zeros((h, w), bool)
    middle = int(np.median(xs))
    mirrored = 2 * middle - np.arange(edges.shape[1])
    inside = (mirrored >= 0) & (mirrored < edges.shape[1])
    edges[:, inside] |= edges[:, mirrored[inside]]
    size = max(3, int(OUTLINE_GAP * max(edges.shape)))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    closed = cv2.morphologyEx(edges.astype(np.uint8), cv2.MORPH_CLOSE, disc)
    filled = cv2.morphologyEx(fill_holes(closed.astype(bool)).astype(np.uint8), cv2.MORPH_OPEN, disc)
    return cv2.resize(filled, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)


def _largest_parts(mask: np.ndarray, keep_ratio: float = 0.05) -> np.ndarray:
    labels, n = ndimage.label(mask)
    if n <= 1:
        return mask
    sizes = ndimage.sum(mask, labels, range(1, n + 1))
    keep = np.flatnonzero(sizes >= keep_ratio * sizes.max()) + 1
    return np.isin(labels, keep)


def erode(mask: np.ndarray, iterations: int = 1) -> np.ndarray:
    """scipy.ndimage.binary_erosion (cross, outside counts as background), in OpenCV: several times faster."""
    return cv2.erode(mask.astype(np.uint8), _CROSS, iterations=iterations, borderType=cv2.BORDER_CONSTANT,
                     borderValue=0).astype(bool)


def dilate(mask: np.ndarray, iterations: int = 1) -> np.ndarray:
    """scipy.ndimage.binary_dilation (cross), in OpenCV."""
    return cv2.dilate(mask.astype(np.uint8), _CROSS, iterations=iterations, borderType=cv2.BORDER_CONSTANT,
                      borderValue=0).astype(bool)


def _filled(mask: np.ndarray) -> np.ndarray:
    """Speckle removed, gaps in the outline closed, holes filled, small islands dropped."""
    mask = dilate(erode(mask, 1), 1)  # opening
    mask = erode(dilate(mask, 2), 2)  # closing
    return fill_holes(_largest_parts(mask))


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """scipy.ndimage.binary_fill_holes, by labelling: background not 4-connected to the border is filled."""
    background, _ = ndimage.label(~mask)
    edges = np.concatenate([background[0], background[-1], background[:, 0], background[:, -1]])
    return ~np.isin(background, edges[edges > 0])


def _grabcut(rgb: np.ndarray, grabcut: GrabCut) -> np.ndarray:
    h, w = rgb.shape[:2]
    scale = min(1.0, grabcut.side / max(h, w))
    small = rgb if scale == 1 else cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))),
                                              interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    mask = np.zeros((sh, sw), np.uint8)
    rect = (int(sw * 0.08), int(sh * 0.05), int(sw * 0.84), int(sh * 0.9))
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    cv2.grabCut(np.ascontiguousarray(small[..., ::-1]), mask, rect, bgd, fgd, grabcut.iterations,
                cv2.GC_INIT_WITH_RECT)
    found = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.float32)
    if scale < 1:
        found = cv2.resize(found, (w, h), interpolation=cv2.INTER_LINEAR)
    return found > 0.5
