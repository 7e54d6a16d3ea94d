"""The warp engine: the product shot's garment, part by part, onto the person's pose. CPU, no model.

1. Cut the garment out of its product shot (tryon.garment) and find its parts (index.parts): the
   body panel row by row, each sleeve along its axis, each trouser leg.
2. Find the person's pose and mask (tryon.body.pose) and check the photo shows what the garment
   covers (a top needs the shoulders, a dress the knees, trousers the hips and knees; ankles out
   of the frame are placed a thigh's length below the knees).
3. Place each part with a piecewise-affine grid warp (tryon.mesh):
   - the panel down the body's centre line (shoulders, hips, knees, ankles), each of its rows
     as wide as the body under it with ease, or as the garment's own cut when that is wider
     (a flared hem stays flared); above the armpits it keeps its own shape (necklines, straps);
   - each sleeve along its arm, shoulder to elbow to wrist, so it follows a hanging or bent arm;
   - each trouser leg from its half of the waistband down hip, knee and ankle.
   How far down the garment reaches comes from its category and its own proportions against a
   typical garment of that category: a typical t-shirt ends just below the hips, a knee-length
   dress at the knees, full-length trousers at the ankles.
4. Layers: sleeves over the panel when the arm is in front of the body (MediaPipe's depth), under
   it otherwise; bare forearms over the panel; face, hands and long hair falling over the shoulders
   over everything; nothing of a top above the neckline.
5. Blend: the photo's own folds and light (its luminance over its blur) shade the garment, whose
   colour stays its own inside; at the edge the garment's colour is moved towards the photo's
   by a membrane (a Poisson blend, seamlessClone, on a small copy of the image), and feathered.

Size: with the body's measurements and the chart (options.fit), each region is as wide as the
body times the chosen size's ratio there (a size too large sits wide, one too small no wider than
the body); without them each size step away from the middle widens or narrows by SIZE_STEP.
Where the person's own top still shows around the new one, the result's notes say so.
"""

from __future__ import annotations

import time

import cv2
import numpy as np
from PIL import Image

from tryon.body import (
    CHEST_CAP,
    HIP_CAP,
    L_ANKLE,
    L_ELBOW,
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    L_WRIST,
    R_ANKLE,
    R_ELBOW,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
    R_WRIST,
    WAIST_CAP,
    PhotoError,
    Pose,
    pose,
    work_rgb,
)
from tryon.engines import TryOnError, TryOnOptions, TryOnResult
from tryon.garment import Garment, GarmentError, cut_out
from tryon.mesh import along, ribbon, warp_grid
from index.parts import Parts, Sleeve, Span, parse
from tryon.worn import bare_skin, forearms_region, hair_region, hands_region, head_region, own_top

SIZE_STEP = 0.05  # width change per size step, when the body's measurements are not known
SNUG_FLOOR = 0.98  # a size too small for the body stretches over it: never drawn narrower than this
BODY_EASE = 1.06  # a garment sits at least this much wider than the body under it
SHOULDER_LIFT = 0.1  # of the torso: the top of the shoulders is above the shoulder joints
WAIST_ABOVE_HIPS = 0.12  # of the torso: a waistband sits above the hip joints
ARM_HALF = 0.09  # of the torso: half an upper arm's width, the least a sleeve covers
SLEEVE_ROUND = 0.65  # a sleeve laid flat is this much wider than worn round an arm, seen from the front
SLEEVE_LOOSE = 1.4  # a sleeve's half-width is at most this many upper arms' (a bell sleeve still hangs)
ARM_BEHIND = 0.15  # MediaPipe depth (about hip widths) an elbow lies behind its shoulder when the arm is behind
NECK_MARGIN = 0.12  # of the shoulder span: nothing of a top above the shoulder line less this
ROWS, COLS = 40, 9  # grid of a panel or a leg
SLEEVE_COLS = 5
# How far a typical garment of each kind reaches down the body, and its length over the usual width of its
# panel (tops, dresses) or its waistband (trousers) in a product shot: medians over the 60 real shots of
# ../shared/photos/garments (the skirt's is the demo render's: no real skirt shots).
REACH = {"top": "hips", "dress": "knees", "skirt": "knees", "legs": "ankles"}
TYPICAL_RATIO = {"top": 1.84, "dress": 2.79, "skirt": 1.2, "legs": 5.07}
FULL_LENGTH = 0.5  # trousers at least this share of the typical length for their width reach the ankles
# The body's width (half of it, each side of the centre line) is capped by its joints where arms
# against it merge with it in the mask (tryon.body's caps): (depth in torsos, share of the span).
CAPS = ((0.0, 0.59, "shoulders"), (0.3, CHEST_CAP / 2, "shoulders"), (0.7, WAIST_CAP / 2, "hips"),
        (1.0, HIP_CAP / 2, "hips"))
FIT_DEPTH = {"chest": 0.3, "waist": 0.7, "hip": 1.0}
CHEST_DEPTH = FIT_DEPTH["chest"]  # of the torso below the shoulder joints: where a top's width is set (arms apart)
SHOWS = 0.12  # share of the person's own top left uncovered above which the notes say so
GARMENT_SIDE = 640  # px: a product shot is read at most this large (a garment covers part of the photo)
BLEND_MARGIN = 120  # px around the garment where blurs and the blend read the photo
EDGE = 3  # px: the band at the garment's edge where the Poisson blend applies
PLURAL = {"trousers", "jeans", "shorts"}  # "to try on jeans", not "a jeans"
NEEDS = {"top": ([L_SHOULDER, R_SHOULDER], "a photo showing the shoulders and the chest"),
         "dress": ([L_SHOULDER, R_SHOULDER, L_KNEE, R_KNEE], "a photo from the head down to the knees at least"),
         "skirt": ([L_HIP, R_HIP, L_KNEE, R_KNEE], "a photo from the waist down to the knees at least"),
         "legs": ([L_HIP, R_HIP, L_KNEE, R_KNEE], "a photo from the waist down to the knees at least")}


def size_factor(options: TryOnOptions) -> float:
    if not options.size or not options.sizes:
        return 1.0
    labels = [s.upper() for s in options.sizes]
    if options.size.upper() not in labels:
        raise TryOnError(f"this garment comes in {', '.join(options.sizes)}; there is no size {options.size}.")
    return 1.0 + SIZE_STEP * (labels.index(options.size.upper()) - (len(labels) - 1) / 2)


class WarpEngine:
    id = "warp"

    def try_on(self, person: Image.Image, garment: Image.Image, category: str,
               options: TryOnOptions | None = None) -> TryOnResult:
        options = options or TryOnOptions()
        t0 = time.perf_counter()
        try:
            g = cut_out(_at_most(garment, GARMENT_SIDE), category)
            parts = parse(g.mask, g.kind)
        except GarmentError as exc:
            raise TryOnError(str(exc)) from None
        t1 = time.perf_counter()
        try:
            found = pose(person)
        except PhotoError as exc:
            raise TryOnError(str(exc)) from None
        idx, advice = NEEDS[g.kind]
        if not found.visible(idx):
            raise TryOnError(f"to try on {_a(category)} I need {advice}; this photo is cropped too tightly.")
        rgb = work_rgb(person)
        t2 = time.perf_counter()
        body = Body(found)
        layers = place(g, parts, body, _widths(options))
        rgba = stack(layers)
        alpha = rgba[..., 3].astype(np.float32) / 255
        photo = Image.fromarray(rgb)
        skin = bare_skin(found, photo)
        occlude(alpha, g.kind, body, skin)
        if g.kind in ("top", "dress"):
            alpha[hair_region(found, photo)] = 0
        t3 = time.perf_counter()
        image = composite(rgb, rgba[..., :3], alpha)
        notes = own_garment_notes(found, skin, alpha > 0.5, g.kind)
        t4 = time.perf_counter()
        timings = {"cut_out_ms": (t1 - t0) * 1000, "pose_ms": (t2 - t1) * 1000, "warp_ms": (t3 - t2) * 1000,
                   "composite_ms": (t4 - t3) * 1000, "total_ms": (t4 - t0) * 1000}
        return TryOnResult(Image.fromarray(image), alpha > 0.5, timings, self.id, notes)


def _a(category: str) -> str:
    """"a dress", "an anorak", but "trousers" and "jeans" (a pair of legs is plural)."""
    if category in PLURAL:
        return category
    return f"{'an' if category[:1] in 'aeiou' else 'a'} {category}"


def _at_most(image: Image.Image, side: int) -> Image.Image:
    scale = side / max(image.size)
    if scale >= 1:
        return image
    return image.convert("RGB").resize((round(image.width * scale), round(image.height * scale)),
                                       Image.Resampling.BILINEAR)


# ---------------------------------------------------------------- the body


def _pair(lm: np.ndarray, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Two landmarks ordered image-left first (a person facing the camera has their left on our right)."""
    p, q = lm[a, :2], lm[b, :2]
    return (p, q) if p[0] <= q[0] else (q, p)


class Body:
    """The person's centre line (shoulders, hips, knees, ankles) and their width either side of it."""

    def __init__(self, found: Pose) -> None:
        self.found = found
        lm = found.landmarks
        self.lm = lm
        self.shoulders = _pair(lm, R_SHOULDER, L_SHOULDER)
        self.hips = _pair(lm, R_HIP, L_HIP)
        self.knees = _pair(lm, R_KNEE, L_KNEE)
        shoulder_mid, hip_mid = sum(self.shoulders) / 2, sum(self.hips) / 2
        self.torso = max(float(np.linalg.norm(hip_mid - shoulder_mid)), 1.0)
        self.down = (hip_mid - shoulder_mid) / self.torso
        self.across = np.array([self.down[1], -self.down[0]])  # image-right of the centre line
        knee_mid = sum(self.knees) / 2
        if np.linalg.norm(knee_mid - hip_mid) < 0.3 * self.torso:  # knees not found: straight down
            knee_mid = hip_mid + 1.1 * self.torso * self.down
        self.ankles = self._ankles(knee_mid, hip_mid)
        self.path = np.array([shoulder_mid, hip_mid, knee_mid, sum(self.ankles) / 2])
        self.span = {"shoulders": float(np.linalg.norm(self.shoulders[1] - self.shoulders[0])),
                     "hips": float(np.linalg.norm(self.hips[1] - self.hips[0]))}

    def _ankles(self, knee_mid: np.ndarray, hip_mid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ankles, or, out of the frame, a thigh's length below the knees."""
        lm = self.lm
        if lm[L_ANKLE, 3] > 0.5 and lm[R_ANKLE, 3] > 0.5 and max(lm[L_ANKLE, 1], lm[R_ANKLE, 1]) < self.found.size[1]:
            return _pair(lm, R_ANKLE, L_ANKLE)
        knees = self.knees if np.linalg.norm(self.knees[0] - self.knees[1]) > 0 else (knee_mid, knee_mid)
        return knees[0] + (knee_mid - hip_mid), knees[1] + (knee_mid - hip_mid)

    def point(self, depth: np.ndarray) -> np.ndarray:
        """Points on the centre line this far (px, along it) below the shoulders' midpoint."""
        return along(self.path, depth)

    def depth_of(self, name: str) -> float:
        """How far down the centre line a level is: shoulders, hips, knees or ankles."""
        steps = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(self.path, axis=0), axis=1))])
        return float(steps[("shoulders", "hips", "knees", "ankles").index(name)])

    def half_widths(self, depth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The body's width each side of the centre line at these depths: the outermost person pixel within the
        cap (arms against the body merge with it; legs apart leave a gap at the centre), no less than 0.6 of
        the cap (a hole in the mask)."""
        mask = self.found.mask
        h, w = mask.shape
        points = self.point(depth)
        left, right = np.zeros(len(depth)), np.zeros(len(depth))
        for i, (x, y) in enumerate(points):
            cap = self._cap(depth[i] / self.torso)
            row = mask[int(np.clip(y, 0, h - 1))]
            lo, hi = int(np.clip(x - cap, 0, w)), int(np.clip(x + cap + 1, 0, w))
            xs = np.flatnonzero(row[lo:hi]) + lo
            left[i] = x - xs.min() if len(xs) else 0.0
            right[i] = xs.max() + 1 - x if len(xs) else 0.0
            left[i], right[i] = (float(np.clip(v, 0.6 * cap, cap)) for v in (left[i], right[i]))
        return left, right

    def _cap(self, depth: float) -> float:
        depths = [d for d, _, _ in CAPS]
        caps = [share * self.span[of] for _, share, of in CAPS]
        return float(np.interp(depth, depths, caps))


# ---------------------------------------------------------------- placing the parts


def _widths(options: TryOnOptions):  # noqa: ANN202
    """The width factor at a depth (in torsos): the chart's fit per region, else the size step."""
    if options.fit:
        depths = [FIT_DEPTH[k] for k in FIT_DEPTH if k in options.fit]
        ratios = [max(options.fit[k], SNUG_FLOOR) for k in FIT_DEPTH if k in options.fit]
        return lambda depth: np.interp(depth, depths, ratios)
    factor = size_factor(options)
    return lambda depth: np.full_like(np.asarray(depth, np.float64), factor)


def place(g: Garment, parts: Parts, body: Body, widen) -> list[tuple[str, np.ndarray]]:  # noqa: ANN001
    """Each part warped onto the body, as (name, RGBA at the photo's analysed size)."""
    if g.kind == "legs":
        return _legs(g, parts, body, widen)
    panel, scale, depth_of_row = _panel(g, parts, body, widen)
    layers = [("panel", panel)]
    for sleeve in parts.sleeves:
        layer = (f"{sleeve.side} sleeve", _sleeve(g, sleeve, body, scale))
        if _in_front(body, sleeve.side):
            layers.append(layer)
        else:
            layers.insert(0, layer)
    return layers


def _length(parts: Parts, body: Body, start: float, kind: str) -> float:
    """Where the hem lands (depth along the centre line): the typical garment's reach, moved by how much
    longer or shorter this one is for its width, within what that kind of garment can be."""
    reach = body.depth_of(REACH[kind]) + (0.08 * body.torso if kind == "top" else 0.0)
    ratio = (parts.hem_y - parts.shoulder_y) / max(parts.width, 1.0) / TYPICAL_RATIO[kind]
    if kind == "legs" and ratio >= FULL_LENGTH:
        ratio = max(ratio, 1.0)  # a waistband laid open makes full-length trousers look short for their width
    low, high = {"top": (0.4 * body.torso, 1.35 * body.torso),
                 "dress": (1.2 * body.torso, body.depth_of("ankles") + 0.05 * body.torso),
                 "skirt": (body.depth_of("hips"), body.depth_of("ankles")),
                 "legs": (body.depth_of("knees") - 0.2 * body.torso, body.depth_of("ankles") + 0.08 * body.torso)}[kind]
    return float(np.clip(start + ratio * (reach - start), low, high))


def _panel(g: Garment, parts: Parts, body: Body, widen):  # noqa: ANN001, ANN202
    """The panel down the centre line; returns its RGBA, the garment-to-body scale, and the row-to-depth map."""
    span = _rows(parts.panel, ROWS)
    cx = parts.centre
    top_line = parts.shoulder_y
    if parts.kind == "skirt":
        start = body.depth_of("hips") - WAIST_ABOVE_HIPS * body.torso
    else:
        start = -SHOULDER_LIFT * body.torso
    ref = _row_at(parts.panel, parts.armpit_y if parts.kind != "skirt" else top_line)
    g_left, g_right = cx - ref[0], ref[1] - cx
    ref_depth = CHEST_DEPTH * body.torso if parts.kind != "skirt" else start  # the panel's width meets the chest
    b_left, b_right = body.half_widths(np.array([max(ref_depth, 0.0)]))
    scale = (b_left[0] + b_right[0]) * BODY_EASE * float(widen(max(ref_depth, 0.0) / body.torso)) / max(
        g_left + g_right, 1.0)
    hem = _length(parts, body, start, parts.kind)
    per_row = (hem - start) / max(parts.hem_y - top_line, 1.0)

    def depth_of_row(y: np.ndarray) -> np.ndarray:
        return start + (np.asarray(y, np.float64) - top_line) * per_row

    depth = depth_of_row(span.y)
    own_left, own_right = (cx - span.left) * scale, (span.right - cx) * scale
    fitted = depth >= ref_depth  # above the armpits the panel keeps its own shape
    b_left, b_right = body.half_widths(np.maximum(depth, 0.0))
    factor = widen(np.maximum(depth, 0.0) / body.torso)
    left = np.where(fitted, np.maximum(own_left, b_left * BODY_EASE * factor), own_left)
    right = np.where(fitted, np.maximum(own_right, b_right * BODY_EASE * factor), own_right)
    left, right = _smooth(left), _smooth(right)
    src = np.linspace(np.stack([span.left, span.y], 1), np.stack([span.right, span.y], 1), COLS, axis=1)
    dst = ribbon(body.point(depth), left, right, COLS)
    image = _part_rgba(g, parts.panel_mask)
    return warp_grid(image, src, dst, body.found.size), scale, depth_of_row


def _sleeve(g: Garment, sleeve: Sleeve, body: Body, scale: float) -> np.ndarray:
    """A sleeve along its arm: its seam on the shoulder joint, down the arm's bones."""
    lm = body.lm
    left_side = sleeve.side == "left"
    shoulder = body.shoulders[0 if left_side else 1]
    # the person's image-left arm is their right arm
    elbow_i, wrist_i = (R_ELBOW, R_WRIST) if (left_side == (lm[L_SHOULDER, 0] > lm[R_SHOULDER, 0])) else (L_ELBOW, L_WRIST)
    elbow, wrist = lm[elbow_i, :2], lm[wrist_i, :2]
    upper = elbow - shoulder if lm[elbow_i, 3] > 0.3 else 0.5 * body.torso * body.down
    lower = wrist - elbow if lm[wrist_i, 3] > 0.3 else upper
    top = shoulder - SHOULDER_LIFT * body.torso * body.down  # level with the panel's shoulder line
    path = np.array([top, shoulder + upper, shoulder + upper + lower])
    along_src, lo, hi = sleeve.along, sleeve.left, sleeve.right
    src_axis = sleeve.seam[None, :] + along_src[:, None] * sleeve.axis[None, :]
    src = ribbon(src_axis, lo, hi, SLEEVE_COLS)
    least = ARM_HALF * body.torso
    lift = SHOULDER_LIFT * body.torso  # the seam starts above the joint: the sleeve still reaches as far down
    dst_axis = along(path, np.where(along_src > 0, along_src * scale + lift, 0.0))
    # a flat sleeve is wider than the same sleeve around an arm seen from the front; one factor for the whole
    # sleeve keeps its shape (a cuff narrower than the cap, a bell wider), as loose as SLEEVE_LOOSE at most
    factor = min(scale * SLEEVE_ROUND, SLEEVE_LOOSE * least / max(float(np.max(lo)), float(np.max(hi)), 1.0))
    left, right = (np.maximum(v * factor, least) for v in (lo, hi))
    dst = ribbon(dst_axis, left, right, SLEEVE_COLS)
    return warp_grid(_part_rgba(g, sleeve.mask), src, dst, body.found.size)


def _legs(g: Garment, parts: Parts, body: Body, widen) -> list[tuple[str, np.ndarray]]:  # noqa: ANN001
    """Each leg from its half of the waistband down hip, knee and ankle."""
    hip_width = _hip_width(parts)
    start = body.depth_of("hips") - WAIST_ABOVE_HIPS * body.torso
    b_left, b_right = body.half_widths(np.array([body.depth_of("hips")]))
    scale = (b_left[0] + b_right[0]) * BODY_EASE * float(widen(1.0)) / max(hip_width, 1.0)
    hem = _length(parts, body, start, "legs")
    per_row = (hem - start) / max(parts.hem_y - parts.shoulder_y, 1.0)
    waist_mid = body.point(np.array([start]))[0]
    knees = body.knees
    layers = []
    for i, leg in enumerate(parts.legs):
        span = _rows(leg, ROWS)
        centre = (span.left + span.right) / 2
        top_centre = (leg.left[0] + leg.right[0]) / 2
        waist_point = waist_mid + (top_centre - parts.centre) * scale * body.across
        knee, ankle = knees[i], body.ankles[i]
        path = np.array([waist_point, knee, ankle])
        dist = (span.y - parts.shoulder_y) * per_row
        points = along(path, dist)
        left, right = _smooth((centre - span.left) * scale), _smooth((span.right - centre) * scale)
        src = np.linspace(np.stack([span.left, span.y], 1), np.stack([span.right, span.y], 1), COLS, axis=1)
        dst = ribbon(points, left, right, COLS)
        mask = np.zeros_like(parts.panel_mask)
        for y, a, b in zip(leg.y.astype(int), leg.left.astype(int), leg.right.astype(int)):
            mask[y, a:b] = parts.panel_mask[y, a:b]
        layers.append((f"leg {i}", warp_grid(_part_rgba(g, mask), src, dst, body.found.size)))
    return layers


def _hip_width(parts: Parts) -> float:
    """A pair of trousers' width at the hips: the widest row above the crotch (a gathered waistband is narrower)."""
    left, right = parts.legs
    rights = dict(zip(right.y, right.right))
    widths = [rights[y] - x for y, x in zip(left.y, left.left) if y <= parts.armpit_y and y in rights]
    return float(max(widths)) if widths else float(right.right[0] - left.left[0])


def _rows(span: Span, n: int) -> Span:
    """n rows of a span, evenly spaced from its first to its last."""
    pick = np.unique(np.linspace(0, len(span.y) - 1, n).round().astype(int))
    return Span(span.y[pick], span.left[pick], span.right[pick])


def _row_at(span: Span, y: float) -> tuple[float, float]:
    i = int(np.clip(np.searchsorted(span.y, y), 0, len(span.y) - 1))
    return float(span.left[i]), float(span.right[i])


def _smooth(values: np.ndarray, k: int = 5) -> np.ndarray:
    """A running median then mean over k rows: a hand on a hip should not dent the garment's side."""
    pad = np.pad(values, k // 2, mode="edge")
    median = np.array([np.median(pad[i:i + k]) for i in range(len(values))])
    pad = np.pad(median, k // 2, mode="edge")
    return np.convolve(pad, np.ones(k) / k, mode="valid")


def _part_rgba(g: Garment, mask: np.ndarray) -> np.ndarray:
    """The garment's pixels of one part, transparent elsewhere."""
    out = g.rgba.copy()
    out[..., 3] = np.where(mask, out[..., 3], 0)
    return out


# ---------------------------------------------------------------- layers


def stack(layers: list[tuple[str, np.ndarray]]) -> np.ndarray:
    """The parts over each other, first one at the back (over the box they cover)."""
    out = np.zeros_like(layers[0][1])
    ys, xs = np.nonzero(np.any([layer[..., 3] for _, layer in layers], axis=0))
    if not len(ys):
        return out
    box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    acc = np.zeros(out[box].shape, np.float32)
    for _, layer in layers:
        part = layer[box].astype(np.float32)
        a = part[..., 3:4] / 255
        acc[..., :3] = acc[..., :3] * (1 - a) + part[..., :3] * a
        acc[..., 3:4] = acc[..., 3:4] * (1 - a) + 255 * a
    out[box] = acc.round().astype(np.uint8)
    return out


def _in_front(body: Body, side: str) -> bool:
    """Whether the arm on this side of the image is in front of the body (MediaPipe's depth: smaller is nearer)."""
    lm = body.lm
    facing = lm[L_SHOULDER, 0] > lm[R_SHOULDER, 0]  # their right arm is on the image's left
    elbow, shoulder = (R_ELBOW, R_SHOULDER) if (side == "left") == facing else (L_ELBOW, L_SHOULDER)
    return bool(lm[elbow, 2] <= lm[shoulder, 2] + ARM_BEHIND)


def occlude(alpha: np.ndarray, kind: str, body: Body, skin: np.ndarray | None) -> None:
    """Face, hair and hands stay in front of the garment; bare forearms in front of a top's panel, and
    forearms over trousers and skirts (in place)."""
    found = body.found
    hands = hands_region(found)
    if skin is not None:  # the hand itself, not what it rests on (a waistband, a skirt)
        hands &= skin | ~found.mask
    alpha[head_region(found) | hands] = 0
    forearms = forearms_region(found) & found.mask
    if kind in ("top", "dress"):
        left, right = body.shoulders
        e = (right - left) / max(float(np.linalg.norm(right - left)), 1.0)
        normal = np.array([-e[1], e[0]])
        h, w = alpha.shape
        ys, xs = np.mgrid[0:h, 0:w]
        below = (xs - left[0]) * normal[0] + (ys - left[1]) * normal[1]
        alpha[below < -NECK_MARGIN * body.span["shoulders"]] = 0
        if skin is not None:
            alpha[forearms & skin] = 0
    else:
        alpha[forearms] = 0


def own_garment_notes(found: Pose, skin: np.ndarray | None, covered: np.ndarray, kind: str) -> list[str]:
    """Where the person's own top still shows around the one tried on, said so."""
    if kind not in ("top", "dress"):
        return []
    mask = own_top(found, skin)
    if mask is None or not mask.any():
        return []
    showing = mask & ~covered
    if showing.sum() <= SHOWS * mask.sum():
        return []
    arms = forearms_region(found)
    where = "on your arms (your own sleeves are longer)" if (showing & arms).sum() > 0.5 * showing.sum() \
        else "around it"
    return [f"Your own top still shows {where}: the picture leaves it where the new garment does not reach."]


# ---------------------------------------------------------------- blending


def composite(rgb: np.ndarray, garment: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The garment shaded by the photo's folds and light, its edge blended into the photo (a Poisson
    membrane on a quarter-size copy, applied only within EDGE px of the edge), then feathered; over the
    garment's box and a margin (the blurs' reach), the rest of the photo untouched."""
    ys, xs = np.nonzero(alpha > 0)
    if not len(ys):
        return rgb.copy()
    h, w = alpha.shape
    m = BLEND_MARGIN
    box = (slice(max(0, ys.min() - m), min(h, ys.max() + m)), slice(max(0, xs.min() - m), min(w, xs.max() + m)))
    out = rgb.copy()
    out[box] = _composite(rgb[box], garment[box], alpha[box])
    return out


def _composite(rgb: np.ndarray, garment: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) + 1
    # broad light only: the person's own clothes (a waistband, a print, a sheer top) must not show through
    shade = np.clip(cv2.GaussianBlur(gray, (0, 0), 20) / cv2.GaussianBlur(gray, (0, 0), 60), 0.92, 1.08)
    lit = np.clip(garment.astype(np.float32) * shade[..., None], 0, 255)
    lit = _edge_blend(rgb, lit, alpha)
    soft = cv2.GaussianBlur(alpha, (0, 0), 1.0)[..., None]
    return (rgb.astype(np.float32) * (1 - soft) + lit * soft).round().astype(np.uint8)


def _edge_blend(rgb: np.ndarray, lit: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The garment's colours near its edge moved towards the photo's, as a seamless (Poisson) clone would."""
    inside = (alpha > 0.5).astype(np.uint8)
    if inside.sum() < 100:
        return lit
    h, w = inside.shape
    small = (max(8, w // 4), max(8, h // 4))
    src = cv2.resize(lit.astype(np.uint8), small, interpolation=cv2.INTER_AREA)
    dst = cv2.resize(rgb, small, interpolation=cv2.INTER_AREA)
    mask = cv2.erode(cv2.resize(inside, small, interpolation=cv2.INTER_NEAREST), np.ones((3, 3), np.uint8))
    x, y, bw, bh = cv2.boundingRect(mask)
    if bw * bh == 0 or x == 0 or y == 0 or x + bw >= small[0] or y + bh >= small[1]:
        return lit  # seamlessClone needs the region inside the frame
    centre = (x + bw // 2, y + bh // 2)  # where OpenCV puts the region's box centre: in place
    try:
        cloned = cv2.seamlessClone(src, dst, mask * 255, centre, cv2.NORMAL_CLONE)
    except cv2.error:
        return lit
    offset = cv2.resize(cloned.astype(np.float32) - src.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    distance = cv2.distanceTransform(inside, cv2.DIST_L2, 3)
    weight = np.clip(1 - distance / EDGE, 0, 1)[..., None]
    return np.clip(lit + weight * offset, 0, 255)
