"""The parts of a garment in its product shot: the body panel, each sleeve, each trouser leg.

Read off a garment's silhouette (index.cutout's mask, cropped), for flat lays and ghost-mannequin shots
alike. Plain geometry, no learnt model, so it lives with the data: the try-on places each part on the body
(tryon/engines/warp.py), and recognition reads a product shot's sleeves and length (retrieval/priors.py).

- The body panel, row by row: the run of garment pixels under the garment's centre. Below the
  armpits that is the body alone (a sleeve hanging down is a run of its own); above them, the
  span between the armpits, carried up to the neckline and the straps, so a neckline, straps,
  an off-shoulder edge or a collar keep their own shape.
- The armpits: where, going down, a side of that run jumps inwards (the sleeve ends). A side
  with no such jump has no sleeve of its own (a tank top, or a sleeve lying against the body,
  which then stays in the panel).
- Each sleeve: the garment's pixels outside the panel on that side, its axis from the seam (the
  panel's edge between shoulder and armpit) to the point farthest from it (the cuff), and its
  width along that axis.
- Trousers: the waistband on top, the crotch where a gap between the legs opens, each leg from
  the waistband (its half of it) to its hem, following the gap.

`parse` raises GarmentError with the reason when the parts cannot be found.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from index.cutout import GarmentError

MIN_SLEEVE = 0.04  # of the panel's width: a smaller jump at an armpit is a seam or a fold, not a sleeve's end
MIN_SLEEVE_AREA = 0.02  # of the garment's pixels: smaller bits beside the panel are a tie or a bow
ARMPIT_BAND = (0.1, 0.6)  # of the garment's height, where armpits are looked for
CROTCH_FROM = 0.12  # of a pair of trousers' height: the gap between the legs opens below this
SLEEVE_BINS = 12
HEM_WIDTH = 0.5  # of the panel's usual width: narrower rows below the last wide one hang from the garment
PANEL_MIN = 0.5  # of the panel's width below the armpits: an armpit cannot cut the panel narrower than this  # rows along a sleeve's axis


@dataclass
class Span:
    """A part as rows: row k runs from left[k] to right[k] (x, in the cut-out) at height y[k]."""

    y: np.ndarray
    left: np.ndarray
    right: np.ndarray


@dataclass
class Sleeve:
    """A sleeve: its seam point, unit axis towards the cuff, and its extent across the axis per step along it."""

    side: str  # "left" or "right", in the image
    seam: np.ndarray  # (x, y) where it meets the panel
    axis: np.ndarray  # unit vector, seam to cuff
    along: np.ndarray  # distances from the seam (px)
    left: np.ndarray  # extent to the axis' image-left normal... see tryon.mesh.ribbon
    right: np.ndarray
    mask: np.ndarray = field(repr=False)  # its pixels in the cut-out

    @property
    def length(self) -> float:
        return float(self.along[-1])


@dataclass
class Parts:
    kind: str
    size: tuple[int, int]  # the cut-out's width, height
    centre: float  # the garment's centre column
    panel: Span | None = None  # tops, dresses, skirts
    shoulder_y: float = 0.0  # the panel's shoulder line (tops, dresses) or waistband (skirts, trousers)
    armpit_y: float = 0.0
    sleeves: list[Sleeve] = field(default_factory=list)
    legs: list[Span] = field(default_factory=list)  # trousers: image-left leg first
    panel_mask: np.ndarray | None = field(default=None, repr=False)

    @property
    def width(self) -> float:
        """The panel's usual width (median below the armpits) or the waistband's: what a length is read against."""
        if self.panel is not None:
            below = self.panel.y >= self.armpit_y
            widths = (self.panel.right - self.panel.left)[below] if below.any() else self.panel.right - self.panel.left
            return float(np.median(widths))
        return float(self.legs[1].right[0] - self.legs[0].left[0])

    @property
    def hem_y(self) -> float:
        spans = [self.panel] if self.panel is not None else self.legs
        return float(max(s.y[-1] for s in spans))


def parse(mask: np.ndarray, kind: str) -> Parts:
    """The parts of a cropped garment silhouette (see the module docstring)."""
    if kind == "legs":
        return _trousers(mask)
    return _panel_garment(mask, kind)


# ---------------------------------------------------------------- runs


def _centre(mask: np.ndarray) -> float:
    """The garment's middle: the median column of its lower half (sleeves and bows sit higher)."""
    h = mask.shape[0]
    xs = np.nonzero(mask[h // 2:])[1]
    return float(np.median(xs)) if len(xs) else mask.shape[1] / 2


def _runs(mask: np.ndarray, cx: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row, [left, right) of the run of garment pixels under (or nearest to) column cx; -1 where empty."""
    h, w = mask.shape
    left, right = np.full(h, -1), np.full(h, -1)
    x = int(np.clip(round(cx), 0, w - 1))
    for y in range(h):
        row = mask[y]
        xs = np.flatnonzero(row)
        if not len(xs):
            continue
        edges = np.flatnonzero(np.diff(np.concatenate([[0], row.astype(np.int8), [0]])))
        starts, ends = edges[::2], edges[1::2]
        k = int(np.searchsorted(ends, x, side="right"))  # the run holding x, or the first one right of it
        if row[x]:
            left[y], right[y] = starts[k], ends[k]
        else:  # a neckline's gap: the panel spans the runs on both sides of it
            left[y] = starts[k - 1] if k > 0 else starts[k]
            right[y] = ends[k] if k < len(starts) else ends[k - 1]
    return left, right


def _jump(edge: np.ndarray, band: tuple[int, int], inward: int, step: int, limit: float) -> tuple[int, float]:
    """The row in band where the edge moves inwards most over step rows (staying outside limit, a column
    short of the centre), and by how much."""
    best, size = band[0], 0.0
    for y in range(band[0] + step, band[1] - step):
        a, b = edge[y - step], edge[y + step]
        if a < 0 or b < 0 or inward * (b - limit) > 0:
            continue
        move = inward * (b - a)
        if move > size:
            best, size = y, float(move)
    return best, size


# ---------------------------------------------------------------- tops, dresses, skirts


def _panel_garment(mask: np.ndarray, kind: str) -> Parts:
    h, w = mask.shape
    cx = _centre(mask)
    left, right = _runs(mask, cx)
    rows = np.flatnonzero(left >= 0)
    if len(rows) < 10:
        raise GarmentError("the garment in this photo is too small to fit; send a larger product shot.")
    top, bottom = int(rows[0]), int(rows[-1])
    width = float(np.median((right - left)[rows[len(rows) // 2:]]))
    bottom = _hem(left, right, rows, bottom, width)
    if kind == "skirt":
        span = _span(left, right, np.arange(top, bottom + 1))
        return Parts(kind, (w, h), cx, span, float(top), float(top), panel_mask=mask)
    step = max(2, h // 50)
    band = (int(top + ARMPIT_BAND[0] * (bottom - top)), int(top + ARMPIT_BAND[1] * (bottom - top)))
    left_pit, left_jump = _jump(left, band, +1, step, cx - PANEL_MIN * width / 2)
    right_pit, right_jump = _jump(right, band, -1, step, cx + PANEL_MIN * width / 2)
    has = {"left": left_jump >= MIN_SLEEVE * width, "right": right_jump >= MIN_SLEEVE * width}
    # below the armpit the run is the body; above it, the body spans the armpit's width
    l_pit = _settled(left, left_pit, +1, step, bottom) if has["left"] else None
    r_pit = _settled(right, right_pit, -1, step, bottom) if has["right"] else None
    armpit = int(np.mean([y for y in (l_pit, r_pit) if y is not None])) if (l_pit or r_pit) else \
        int(top + 0.3 * (bottom - top))
    x0 = left[l_pit] if l_pit is not None else _outer(mask, armpit, -1)
    x1 = right[r_pit] if r_pit is not None else _outer(mask, armpit, +1)
    panel = np.zeros_like(mask)
    for y in range(top, bottom + 1):
        if y < armpit:
            panel[y, x0:x1] = mask[y, x0:x1]
        elif left[y] >= 0:
            panel[y, left[y]:right[y]] = True
    shoulder = _shoulder_line(mask, x0, x1, top)
    ys = np.arange(top, bottom + 1)  # from the top: a collar or straps above the shoulder line come along
    lo = np.where(ys < armpit, x0, np.where(left[ys] >= 0, left[ys], x0))
    hi = np.where(ys < armpit, x1, np.where(right[ys] >= 0, right[ys], x1))
    span = Span(ys.astype(np.float64), lo.astype(np.float64), hi.astype(np.float64))
    parts = Parts(kind, (w, h), cx, span, float(shoulder), float(armpit), panel_mask=panel)
    rest = mask & ~panel
    for side, pit, x in (("left", l_pit, x0), ("right", r_pit, x1)):
        if pit is not None:
            sleeve = _sleeve(rest, side, cx, np.array([x, (shoulder + pit) / 2], np.float64), mask.sum())
            if sleeve is not None:
                parts.sleeves.append(sleeve)
    return parts


def _settled(edge: np.ndarray, y: int, inward: int, step: int, bottom: int) -> int:
    """Going down from a jump, the first row where the edge has stopped moving inwards (a sleeve's underside
    can slope into the body over many rows): the armpit."""
    while y + step < bottom and edge[y + step] >= 0 and inward * (edge[y + step] - edge[y]) > 0.25 * step:
        y += 1
    return y


def _hem(left: np.ndarray, right: np.ndarray, rows: np.ndarray, bottom: int, width: float) -> int:
    """The hem: the last row at least HEM_WIDTH of the panel wide. A tie, a belt's end or a strap hanging
    below it is not the garment's length (and widened to the body it would smear across the hips)."""
    wide = rows[(right - left)[rows] >= HEM_WIDTH * width]
    return int(wide[-1]) if len(wide) else bottom


def _outer(mask: np.ndarray, y: int, direction: int) -> int:
    """The outermost garment column on row y on one side (a sleeveless side's armhole edge)."""
    xs = np.flatnonzero(mask[y])
    return int(xs.min()) if direction < 0 else int(xs.max()) + 1


def _shoulder_line(mask: np.ndarray, x0: int, x1: int, top: int) -> int:
    """The row of the shoulders: the garment's top a fifth of the panel in from each side (shoulder seams,
    straps), the higher of the two; the garment's top row when neither column reaches up there."""
    found = []
    for x in (x0 + (x1 - x0) // 5, x1 - (x1 - x0) // 5):
        column = np.flatnonzero(mask[:, int(np.clip(x, 0, mask.shape[1] - 1))])
        if len(column):
            found.append(int(column[0]))
    return min(found) if found else top


def _span(left: np.ndarray, right: np.ndarray, ys: np.ndarray) -> Span:
    ok = left[ys] >= 0
    ys = ys[ok]
    return Span(ys.astype(np.float64), left[ys].astype(np.float64), right[ys].astype(np.float64))


def _sleeve(rest: np.ndarray, side: str, cx: float, seam: np.ndarray, garment_px: int) -> Sleeve | None:
    """The largest piece of the garment outside the panel on this side, as an axis with widths."""
    labels, n = ndimage.label(rest)
    if n == 0:
        return None
    sizes = ndimage.sum(rest, labels, range(1, n + 1))
    centres = ndimage.center_of_mass(rest, labels, range(1, n + 1))
    candidates = [i for i in range(n) if (centres[i][1] < cx) == (side == "left")]
    if not candidates:
        return None
    best = max(candidates, key=lambda i: sizes[i])
    if sizes[best] < MIN_SLEEVE_AREA * garment_px:
        return None
    piece = labels == best + 1
    ys, xs = np.nonzero(piece)
    points = np.stack([xs, ys], axis=1).astype(np.float64)
    far = points[np.argmax(np.linalg.norm(points - seam, axis=1))]
    axis = (far - seam) / max(np.linalg.norm(far - seam), 1e-9)
    normal = np.array([axis[1], -axis[0]])  # as tryon.mesh.ribbon: image-right of a path running down
    t, s = (points - seam) @ axis, (points - seam) @ normal
    length = float(t.max())
    if length < 3:
        return None
    edges = np.linspace(0, length, SLEEVE_BINS + 1)
    along, lo, hi = [], [], []
    for a, b in zip(edges[:-1], edges[1:]):
        inside = (t >= a) & (t <= b)
        if inside.sum() == 0:
            continue
        along.append((a + b) / 2)
        lo.append(max(0.0, -s[inside].min()))
        hi.append(max(0.0, s[inside].max()))
    along = np.concatenate([[0.0], along, [length]])
    lo = np.concatenate([[lo[0]], lo, [lo[-1]]])
    hi = np.concatenate([[hi[0]], hi, [hi[-1]]])
    return Sleeve(side, seam, axis, along, lo, hi, piece)


# ---------------------------------------------------------------- trousers


def _trousers(mask: np.ndarray) -> Parts:
    """Waistband on top; below the crotch, each leg is the garment's pixels on its side of the gap."""
    h, w = mask.shape
    cx = _centre(mask)
    rows = np.flatnonzero(mask.any(axis=1))
    if len(rows) < 10:
        raise GarmentError("the trousers in this photo are too small to fit; send a larger product shot.")
    top, bottom = int(rows[0]), int(rows[-1])
    gap, crotch = float(cx), None
    legs: tuple[list, list] = ([], [])
    for y in range(top, bottom + 1):
        xs = np.flatnonzero(mask[y])
        if not len(xs):
            continue
        here = _gap_in(mask[y], gap) if y > top + CROTCH_FROM * (bottom - top) else None
        if here is not None:
            crotch = crotch if crotch is not None else y
            gap = here
        elif crotch is None:
            gap = float(cx)
        left, right = xs[xs < gap], xs[xs >= gap]
        if len(left):
            legs[0].append((y, left.min(), left.max() + 1 if crotch is not None else gap))
        if len(right):
            legs[1].append((y, right.min() if crotch is not None else gap, right.max() + 1))
    if crotch is None or len(legs[0]) < 10 or len(legs[1]) < 10:
        raise GarmentError("I cannot tell the legs of these trousers apart in the photo; send a shot of them "
                           "laid flat or on a mannequin, legs apart.")
    spans = [Span(*(np.array(c, np.float64) for c in zip(*leg))) for leg in legs]
    return Parts("legs", (w, h), cx, None, float(top), float(crotch), legs=spans, panel_mask=mask)


def _gap_in(row: np.ndarray, near: float) -> float | None:
    """The middle of the background run nearest to column `near` that has garment on both sides."""
    xs = np.flatnonzero(row)
    if len(xs) < 2:
        return None
    holes = np.flatnonzero(np.diff(xs) > 1)
    if not len(holes):
        return None
    middles = (xs[holes] + xs[holes + 1]) / 2
    best = middles[np.argmin(np.abs(middles - near))]
    return float(best) if abs(best - near) < 0.25 * (xs.max() - xs.min()) else None
