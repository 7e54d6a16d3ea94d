"""The warp engine: the product shot's garment, warped onto the person by their pose. CPU, no model.

1. Cut the garment out of its product shot and read its landmarks (tryon.garment).
2. Find the person's pose and mask (tryon.body.pose), and check the photo shows what the
   garment covers (a top needs the shoulders, a dress the knees, trousers the hips and knees;
   ankles out of the frame are placed a thigh's length below the knees, and the hem runs out
   of the picture).
3. Map the garment's anchor points onto the body: shoulders onto the shoulder joints (tops,
   dresses) or the waistband onto the hips (bottoms), keeping the garment's proportions in its
   own frame and turning it with the shoulder or hip line; the hem follows the torso's or the
   legs' lean. A projective warp (OpenCV) carries the pixels; then a thin-plate spline moves the
   waist and hem sides out wherever the body under them is wider than the garment's own shape
   (the body's width read off its mask, capped by the hip joints as in tryon.body).
4. Occlusion: nothing of a top or dress above the neck (face and hair stay in front), and the
   hands stay in front.
5. Shading: the person's own light and folds (their luminance over its blur) modulate the
   garment; the edge is feathered so it blends.

The chosen size shows: each size step away from the middle size widens or narrows the garment
by SIZE_STEP, so a larger size sits looser.
"""

from __future__ import annotations

import time

import cv2
import numpy as np
from PIL import Image

from tryon.body import (
    HIP_CAP,
    WAIST_CAP,
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
    PhotoError,
    pose,
    run_width,
    work_rgb,
)
from tryon.engines import TryOnError, TryOnOptions, TryOnResult
from tryon.garment import Garment, GarmentError, cut_out

SIZE_STEP = 0.05  # width change per size step
SHOULDER_EASE = 1.18  # a top's shoulder seams sit outside the shoulder joints
WAIST_EASE = 1.6  # a waistband is wider than the hip joints
WAIST_ABOVE_HIPS = 0.12  # of the torso length
NECK_MARGIN = 0.12  # of the shoulder width: nothing of a top above the shoulder line minus this
HAND_RADIUS = 0.16  # of the shoulder width
LEAN_FOLLOW = 0.7  # how much the hem follows the hips' or ankles' sideways offset
# A reference garment of each kind: its length over its top span, and where it reaches on a body
# (the demo's t-shirt, knee-length dress, knee-length skirt and full-length jeans).
LENGTH_REF = {"top": (1.55, "hips"), "dress": (3.0, "knees"), "skirt": (1.6, "knees"), "legs": (2.0, "ankles")}
FOREARM_WIDTH = 0.2  # of the shoulder width
BODY_EASE = 1.06  # a garment's waist and hem sit at least this much wider than the body under them
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
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        try:
            g = cut_out(garment, category)
        except GarmentError as exc:
            raise TryOnError(str(exc)) from None
        t1 = time.perf_counter()
        try:
            body = pose(person)
        except PhotoError as exc:
            raise TryOnError(str(exc)) from None
        idx, advice = NEEDS[g.kind]
        if not body.visible(idx):
            raise TryOnError(f"to try on a {category} I need {advice}; this photo is cropped too tightly.")
        rgb = work_rgb(person)
        t2 = time.perf_counter()
        widen = size_factor(options)
        src, dst = control_points(g, body.landmarks, widen)
        h, w = rgb.shape[:2]
        matrix = cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32))
        warped = cv2.warpPerspective(g.rgba, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
        warped = fit_to_body(warped, g, matrix, body.mask, widen, body.landmarks)
        t3 = time.perf_counter()
        alpha = warped[..., 3].astype(np.float32) / 255
        occlude(alpha, body.landmarks, g.kind)
        image = composite(rgb, warped[..., :3], alpha)
        t4 = time.perf_counter()
        timings = {"cut_out_ms": (t1 - t0) * 1000, "pose_ms": (t2 - t1) * 1000, "warp_ms": (t3 - t2) * 1000,
                   "composite_ms": (t4 - t3) * 1000, "total_ms": (t4 - t0) * 1000}
        return TryOnResult(Image.fromarray(image), alpha > 0.5, timings, self.id)


def _pair(lm: np.ndarray, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Two landmarks ordered image-left first (a person facing the camera has their left on our right)."""
    p, q = lm[a, :2], lm[b, :2]
    return (p, q) if p[0] <= q[0] else (q, p)


def control_points(g: Garment, lm: np.ndarray, widen: float) -> tuple[np.ndarray, np.ndarray]:
    """Four garment points and where they go on the body."""
    marks = g.landmarks
    if g.kind in ("top", "dress"):
        names, anchor = ("left_shoulder", "right_shoulder", "right_hem", "left_hem"), _pair(lm, R_SHOULDER, L_SHOULDER)
        ease, lift = SHOULDER_EASE, 0.0
    else:
        names, anchor = ("left_waist", "right_waist", "right_hem", "left_hem"), _pair(lm, R_HIP, L_HIP)
        ease, lift = WAIST_EASE, WAIST_ABOVE_HIPS
    if not all(n in marks for n in names):
        raise TryOnError("the garment's outline in its photo is not clear enough to fit it; try another shot.")
    src = np.array([marks[n] for n in names], np.float64)
    left, right = anchor
    across = right - left
    span = float(np.linalg.norm(across))
    e_x = across / span
    e_y = np.array([-e_x[1], e_x[0]])  # down the body
    shoulders = _pair(lm, R_SHOULDER, L_SHOULDER)
    hips = _pair(lm, R_HIP, L_HIP)
    torso = float(np.linalg.norm((hips[0] + hips[1]) / 2 - (shoulders[0] + shoulders[1]) / 2))
    top_mid = (left + right) / 2 - lift * torso * e_y
    garment_mid = (src[0] + src[1]) / 2
    garment_span = float(np.linalg.norm(src[1] - src[0]))
    scale = span * ease / garment_span
    # down the body the garment keeps its own length relative to a reference garment of its kind
    length_ref, reach = LENGTH_REF[g.kind]
    scale_y = _reach(reach, lm, top_mid, e_y, torso) / (length_ref * garment_span)
    dst = np.array([top_mid + widen * scale * (p - garment_mid)[0] * e_x + scale_y * (p - garment_mid)[1] * e_y
                    for p in src])
    follow = _lean_target(g.kind, lm)
    if follow is not None:
        hem_mid = (dst[2] + dst[3]) / 2
        dst[2:] += LEAN_FOLLOW * (follow[0] - hem_mid[0]) * np.array([1.0, 0.0])
    return src, dst


def _project(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    return cv2.perspectiveTransform(points.reshape(1, -1, 2).astype(np.float32), matrix)[0]


def fit_to_body(warped: np.ndarray, g: Garment, matrix: np.ndarray, person: np.ndarray, widen: float,
                lm: np.ndarray) -> np.ndarray:
    """A thin-plate-spline pass: where the body is wider than the garment's own shape at its waist or hem,
    the garment's sides move out to cover it (with ease), and the rest of the garment follows smoothly."""
    names = [n for n in ("left_waist", "right_waist", "left_hem", "right_hem") if n in g.landmarks]
    if g.kind == "legs" or len(names) < 4:
        return warped  # trouser legs keep their own shape
    anchors = [n for n in ("left_shoulder", "right_shoulder", "collar") if n in g.landmarks]
    src = _project(matrix, np.array([g.landmarks[n] for n in anchors + names]))
    dst = src.copy()
    hips = abs(lm[L_HIP, 0] - lm[R_HIP, 0])
    for i, cap in zip(range(len(anchors), len(src), 2), (WAIST_CAP, HIP_CAP)):
        (lx, ly), (rx, ry) = src[i], src[i + 1]
        cx, cy = (lx + rx) / 2, (ly + ry) / 2
        body = run_width(person, int(cy), int(cx)) / 2
        if body == 0:
            continue
        body = min(body, cap * hips / 2)  # arms against the body merge with it in the mask
        half = max((rx - lx) / 2, BODY_EASE * widen * body)
        dst[i, 0], dst[i + 1, 0] = cx - half, cx + half
    if np.allclose(src, dst, atol=1.0):
        return warped
    ys, xs = np.nonzero(warped[..., 3])
    margin = int(np.abs(dst - src).max()) + 8  # room for the sides to move into
    x0, x1 = max(0, xs.min() - margin), min(warped.shape[1], xs.max() + margin + 1)
    y0, y1 = max(0, ys.min() - margin), min(warped.shape[0], ys.max() + margin + 1)
    roi = np.ascontiguousarray(warped[y0:y1, x0:x1])
    offset = np.array([x0, y0], np.float32)
    tps = cv2.createThinPlateSplineShapeTransformer()
    matches = [cv2.DMatch(i, i, 0) for i in range(len(src))]
    tps.estimateTransformation((dst - offset).reshape(1, -1, 2), (src - offset).reshape(1, -1, 2), matches)
    out = np.zeros_like(warped)
    out[y0:y1, x0:x1] = tps.warpImage(roi, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return out


def _reach(reach: str, lm: np.ndarray, top: np.ndarray, down: np.ndarray, torso: float) -> float:
    """How far down the body from the garment's top line a reference garment of this kind reaches."""
    if reach == "hips":
        return 1.0 * torso
    knees = (lm[R_KNEE, :2] + lm[L_KNEE, :2]) / 2
    target = knees
    if reach == "ankles":
        hips = (lm[R_HIP, :2] + lm[L_HIP, :2]) / 2
        seen = lm[R_ANKLE, 3] > 0.5 and lm[L_ANKLE, 3] > 0.5
        # out of the frame, the ankles are about a thigh's length below the knees
        target = (lm[R_ANKLE, :2] + lm[L_ANKLE, :2]) / 2 if seen else knees + (knees - hips)
    return max(float((target - top) @ down), 0.5 * torso)


def _lean_target(kind: str, lm: np.ndarray) -> np.ndarray | None:
    """Where the hem's middle should lean to: the hips (tops), the ankles (trousers), the knees (skirts)."""
    pairs = {"top": (R_HIP, L_HIP), "dress": (R_KNEE, L_KNEE), "skirt": (R_KNEE, L_KNEE), "legs": (R_ANKLE, L_ANKLE)}
    a, b = pairs[kind]
    if lm[a, 3] < 0.5 or lm[b, 3] < 0.5:
        return None
    return (lm[a, :2] + lm[b, :2]) / 2


def occlude(alpha: np.ndarray, lm: np.ndarray, kind: str) -> None:
    """Face, hair and hands stay in front of the garment (in place)."""
    left, right = _pair(lm, R_SHOULDER, L_SHOULDER)
    span = float(np.linalg.norm(right - left))
    if kind in ("top", "dress"):
        h, w = alpha.shape
        ys, xs = np.mgrid[0:h, 0:w]
        # signed distance below the shoulder line (positive is down the body)
        e = (right - left) / span
        normal = np.array([-e[1], e[0]])
        below = (xs - left[0]) * normal[0] + (ys - left[1]) * normal[1]
        alpha[below < -NECK_MARGIN * span] = 0
    for elbow, wrist in ((L_ELBOW, L_WRIST), (R_ELBOW, R_WRIST)):
        if lm[wrist, 3] > 0.5:
            cv2.circle(alpha, (int(lm[wrist, 0]), int(lm[wrist, 1])), int(HAND_RADIUS * span), 0.0, -1)
            if lm[elbow, 3] > 0.5 and kind in ("top", "dress"):  # forearms hang in front of the body
                cv2.line(alpha, (int(lm[elbow, 0]), int(lm[elbow, 1])), (int(lm[wrist, 0]), int(lm[wrist, 1])),
                         0.0, max(1, int(FOREARM_WIDTH * span)))


def composite(rgb: np.ndarray, garment: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The garment lit like the photo (its luminance over its blur), feathered into it."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) + 1
    shade = np.clip(gray / cv2.GaussianBlur(gray, (0, 0), 21), 0.75, 1.25) ** 0.8
    lit = np.clip(garment.astype(np.float32) * shade[..., None], 0, 255)
    soft = cv2.GaussianBlur(alpha, (0, 0), 1.2)[..., None]
    return (rgb.astype(np.float32) * (1 - soft) + lit * soft).round().astype(np.uint8)
