"""Worn garments: the part of a photo of a person that the garment the words name takes up.

A shopper's photo of someone wearing a top is mostly face, hair, arms and background; the
garment recogniser reads the garment better from its own region. The region is the person's
mask (tryon/body.py) inside a band of the body that the pose gives:

- top, outerwear: from a little above the shoulder joints (the neckline) down, with the sleeves
  to the wrists (below the hem too); head and hands cut out. A top ends where the bottoms'
  colour begins (crop tops, high-waisted jeans), else a little below the hip joints; a jacket
  a little lower. Hips out of the frame (a waist-up photo): down to the frame's edge.
- bottom: from where the top's colour ends (or below a bare midriff or a belt; else a little
  above the hip joints) to just below the ankles, or to the frame's edge when the ankles are
  out of it; forearms and hands held against the legs are cut out.
- dress: neckline to ankles (or the frame's edge), head, hands and forearms cut out.
- shoes: the person's pixels around each foot's landmarks (ankle, heel, toes).

Sizes are shares of the torso (shoulder joints to hip joints), so they hold at any distance.
A region is None when the landmarks it needs are not seen (MediaPipe's visibility) or lie
outside the frame, or when it is too small to read a garment from. What the person mask holds
stays in: hair over the shoulders, bare arms in a sleeveless top, a bag or helmet held
against the body.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image
from scipy import ndimage

from tryon.body import (
    L_ANKLE,
    L_ELBOW,
    L_HIP,
    L_SHOULDER,
    L_WRIST,
    NOSE,
    R_ANKLE,
    R_ELBOW,
    R_HIP,
    R_SHOULDER,
    R_WRIST,
    PhotoError,
    Pose,
    pose,
)

PARTS = ("top", "bottom", "dress", "shoes", "outerwear")
SEEN = 0.5  # MediaPipe's visibility above which a landmark is taken as seen
L_EAR, R_EAR = 7, 8
L_FOOT, R_FOOT = (L_ANKLE, 29, 31), (R_ANKLE, 30, 32)  # ankle, heel, toes
L_HAND, R_HAND = (L_WRIST, 17, 19, 21), (R_WRIST, 18, 20, 22)  # wrist, pinky, index, thumb knuckles
# Band edges, as shares of the torso beyond the joint lines.
NECK = 0.08  # collars rise a little above the shoulder joints
HEM = {"top": 0.03, "outerwear": 0.25}  # below the hip joints
WAIST = 0.1  # waistbands sit above the hip joints
ANKLE_HEM = 0.06  # a trouser hem covers the ankle
HAND_RADIUS, FOREARM_RADIUS = 0.1, 0.08
SHOE_PAD = 0.05  # around the foot's landmarks
# Where a top may end (shares of the torso from the shoulder line, and past the hip line), and how far
# apart (CIELAB, OpenCV's 8-bit scale) the colours above and below must be to call it a hem.
SPLIT_FROM, SPLIT_TO, SPLIT_CONTRAST = 0.55, 0.15, 25.0
BOTTOMS_RUN = 0.1  # the rows that tell the bottoms' colour, below a split and at the profile's end
GAP_MAX = 0.2  # a bare midriff or a belt between them is at most this tall; longer runs are a print or a pattern
# Regions smaller than this share of the image have too few pixels to read a garment from.
MIN_SHARE = {"shoes": 0.002}
SKIN_DELTA = 22.0  # OpenCV 8-bit CIELAB (L halved) within which a pixel is the face's skin colour
SKIN_SLIVER = 0.03  # share of the torso: slivers of an arm thinner than this, left by skin removal, go too
SLEEVED = ("top", "dress", "outerwear")  # parts whose sleeves are read
UPPER_ARM_RADIUS, FOREARM_READ_RADIUS = 0.06, 0.05  # of the torso: inside an arm, off its edges' shadows
MIN_ARM_PX = 20  # an arm's capsule within the person with fewer pixels is not read
LONG_BELOW = 0.4  # forearms less bare than this: long sleeves
SHORT_BELOW = 0.6  # forearms bare, upper arms less bare than this: short sleeves (a tank top leaves them bare)
HAIR_DELTA = 14.0  # OpenCV 8-bit CIELAB (L halved) within which a pixel is the hair's colour
HAIR_REACH = 0.45  # of the torso: long hair in front reaches this far below the shoulders
HAIR_CHEST = 0.4  # of the shoulder span: the middle of the chest, where hair in front is not looked for
SKIN_KEEP = 0.5  # skin removal must leave this share of a top's region, else the garment is skin-toned
MIN_SHARE_DEFAULT = 0.02


@dataclass
class WornRegion:
    part: str
    mask: np.ndarray = field(repr=False)  # bool, at the original image's size
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in original pixels (x1, y1 exclusive, as PIL crops)
    share: float  # region pixels / image pixels
    sleeves: str | None = None  # tops, dresses, outerwear: "none", "short" or "long" on the body (sleeve_length)


def is_person_photo(image: Image.Image) -> Pose | None:
    """The pose when the photo shows one upright person, else None (a product shot, a crowd).

    MediaPipe finds no one on plain product shots in a few milliseconds, but it can read a
    skeleton into a printed picture on a t-shirt: such skeletons stand upside down or lie
    across, so a pose counts only when the head is above the shoulders and the hips below.
    """
    try:
        found = pose(image)
    except PhotoError:
        return None
    torso_seen = _seen(found, [L_SHOULDER, R_SHOULDER]) or _seen(found, [L_HIP, R_HIP])
    return found if torso_seen and _upright(found) else None


def worn_regions(image: Image.Image, found: Pose | None = None) -> dict[str, WornRegion]:
    """The upper ("top") and lower ("bottom") garments' regions that can be seen; the caller
    chooses which one the words are about. `found`, when given, is this photo's pose."""
    found = found if found is not None else is_person_photo(image)
    if found is None:
        return {}
    regions = {part: worn_region(image, part, found) for part in ("top", "bottom")}
    return {part: region for part, region in regions.items() if region is not None}


def worn_region(image: Image.Image, part: str, found: Pose | None = None) -> WornRegion | None:
    """Where the garment of this part is on the person in the photo; None when the photo shows
    no person, the body there is not seen, or the region is too small. `found`, when given, is this
    photo's pose (from is_person_photo or tryon.body.pose), so one MediaPipe run serves every part."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}, not {part!r}")
    found = found if found is not None else is_person_photo(image)
    if found is None:
        return None
    mask = _REGION[part](found, image)
    if mask is None:
        return None
    region = _at_image_size(part, mask, image.size)
    if region is not None and part in SLEEVED:
        region.sleeves = sleeve_length(found, image)
    return region


def sleeve_length(found: Pose, image: Image.Image) -> str | None:
    """How far the sleeves reach, read off bare skin on the arms: "none" (the upper arms bare: a tank top, a
    strappy dress), "short" (the forearms bare, the upper arms covered) or "long"; None when the face (the
    skin's colour) or no arm from shoulder to wrist is seen. What a garment net reading the region alone misses:
    on a body, a tank top and a t-shirt differ in the arms."""
    bare = bare_skin(found, image)
    if bare is None:
        return None
    lm, torso = found.landmarks, _torso(found)
    upper, forearm = [], []
    for shoulder, elbow, wrist in ((L_SHOULDER, L_ELBOW, L_WRIST), (R_SHOULDER, R_ELBOW, R_WRIST)):
        if min(lm[shoulder, 3], lm[elbow, 3], lm[wrist, 3]) <= SEEN:
            continue
        shares = []
        for a, b, radius in ((shoulder, elbow, UPPER_ARM_RADIUS), (elbow, wrist, FOREARM_READ_RADIUS)):
            capsule = np.zeros_like(found.mask)
            _capsule(capsule, lm[a, :2], lm[b, :2], radius * torso)
            capsule &= found.mask
            shares.append(float((bare & capsule).sum() / capsule.sum()) if capsule.sum() >= MIN_ARM_PX else None)
        if None not in shares:
            upper.append(shares[0])
            forearm.append(shares[1])
    if not upper:
        return None
    if np.mean(forearm) < LONG_BELOW:
        return "long"
    return "short" if np.mean(upper) < SHORT_BELOW else "none"


# ---------------------------------------------------------------- regions at the analysed size


def _upper(found: Pose, image: Image.Image, part: str) -> np.ndarray | None:
    """Neckline to hem, and the sleeves down to the wrists (arms hang below the hem); head and hands
    out. A top ends where the bottoms' colour begins when the colours show it; a jacket hangs over
    the bottoms, so it keeps the body's hem."""
    if not _seen(found, [L_SHOULDER, R_SHOULDER]):
        return None
    lm, torso = found.landmarks, _torso(found)
    top = min(lm[L_SHOULDER, 1], lm[R_SHOULDER, 1]) - NECK * torso
    split = _garment_split(found, image) if part == "top" else None
    bottom = split[0] if split is not None else _mean_y(lm, L_HIP, R_HIP) + HEM[part] * torso
    region = (_band(found, top, bottom) | (found.mask & _arms(found))) & ~_head(found) & ~_hands(found)
    return _without_skin(found, image, region)


def _without_skin(found: Pose, image: Image.Image, region: np.ndarray) -> np.ndarray:
    """The region less the pixels of the face's skin colour outside the chest: bare arms and shoulders would
    give a tank top the outline of a long-sleeved top, bare legs a dress the outline of trousers. The
    chest itself is left alone (a garment's print or sheen can come close to skin there). Kept whole
    when that would take most of it (a skin-toned garment)."""
    lab = _lab_at_pose_size(found, image)
    skin = _skin_lab(found, lab)
    if skin is None:
        return region
    d = (lab - skin) * np.array([0.5, 1.0, 1.0], np.float32)  # lighting moves L along an arm more than a, b
    bare = (np.sqrt((d ** 2).sum(axis=-1)) < SKIN_DELTA) & ~_chest(found)
    kept = _opened(region & ~bare, max(1, int(SKIN_SLIVER * _torso(found))))  # lit or shaded edges of an arm
    return kept if kept.sum() >= SKIN_KEEP * region.sum() else region


def _chest(found: Pose) -> np.ndarray:
    """The chest: between the shoulder joints (a tenth in from each), from the shoulder line to the hip line.
    Below it, bare legs under a dress, a skirt or shorts are skin like the arms."""
    lm, (w, h) = found.landmarks, found.size
    left, right = sorted((lm[L_SHOULDER, 0], lm[R_SHOULDER, 0]))
    inset = 0.1 * (right - left)
    top = int(min(lm[L_SHOULDER, 1], lm[R_SHOULDER, 1]))
    bottom = int(_mean_y(lm, L_HIP, R_HIP)) if _seen(found, [L_HIP, R_HIP]) else h
    chest = np.zeros((h, w), bool)
    chest[max(0, top):max(0, bottom), max(0, int(left + inset)):max(0, int(right - inset))] = True
    return chest


def _opened(mask: np.ndarray, radius: int) -> np.ndarray:
    """Morphological opening: what a disc of this radius cannot fit in goes."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, kernel).astype(bool)


def _skin_lab(found: Pose, lab: np.ndarray) -> np.ndarray | None:
    """The median colour of the cheeks and nose (a disc around the nose) in lab, the photo in CIELAB at the
    pose's size, when the face is seen."""
    lm, (w, h) = found.landmarks, found.size
    if lm[NOSE, 3] <= SEEN or lm[L_EAR, 3] <= SEEN or lm[R_EAR, 3] <= SEEN:
        return None
    ears = float(np.linalg.norm(lm[L_EAR, :2] - lm[R_EAR, :2]))
    cx, cy = lm[NOSE, :2]
    yy, xx = np.ogrid[:h, :w]
    disc = ((xx - cx) ** 2 + (yy - cy) ** 2 <= (0.25 * ears) ** 2) & found.mask
    if disc.sum() < 20:
        return None
    return np.median(lab[disc], axis=0)


def _lab_at_pose_size(found: Pose, image: Image.Image) -> np.ndarray:
    """The photo in OpenCV's 8-bit CIELAB, at the size the pose was found at."""
    w, h = found.size
    rgb = image.convert("RGB")
    rgb = np.asarray(rgb if rgb.size == (w, h) else rgb.resize((w, h), Image.Resampling.BILINEAR))
    return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2LAB).astype(np.float32)


def _lower(found: Pose, image: Image.Image) -> np.ndarray | None:
    """Waistband (where the top's colour ends, else a little above the hip joints) to the ankles
    (or the frame's edge), arms out."""
    if not _seen(found, [L_HIP, R_HIP]):
        return None
    lm, torso = found.landmarks, _torso(found)
    split = _garment_split(found, image)
    top = split[1] if split is not None else min(lm[L_HIP, 1], lm[R_HIP, 1]) - WAIST * torso
    return _without_skin(found, image, _band(found, top, _legs_end(found)) & ~_hands(found) & ~_forearms(found))


def _dress(found: Pose, image: Image.Image) -> np.ndarray | None:
    """Neckline to ankles (or the frame's edge); a dress needs the hips seen to tell it from a top."""
    if not _seen(found, [L_SHOULDER, R_SHOULDER, L_HIP, R_HIP]):
        return None
    lm, torso = found.landmarks, _torso(found)
    top = min(lm[L_SHOULDER, 1], lm[R_SHOULDER, 1]) - NECK * torso
    region = _band(found, top, _legs_end(found)) & ~_head(found) & ~_hands(found) & ~_forearms(found)
    return _without_skin(found, image, region)


def _shoes(found: Pose, image: Image.Image) -> np.ndarray | None:
    """The person's pixels in a box around each foot whose ankle and toes are seen in the frame (the
    heel is often hidden behind the foot in a front view: it only widens the box)."""
    feet = [foot for foot in (L_FOOT, R_FOOT) if _seen(found, [foot[0], foot[2]])]
    if not feet:
        return None
    lm, h, w = found.landmarks, *found.mask.shape
    near = np.zeros((h, w), bool)
    for ankle, heel, toes in feet:
        pts = lm[[ankle, heel, toes], :2]
        pad = max(0.3 * float(np.linalg.norm(pts[2] - pts[0])), SHOE_PAD * _torso(found))
        x0, y0 = (pts.min(axis=0) - pad).astype(int).clip(0)
        x1, y1 = (pts.max(axis=0) + pad).astype(int)
        near[y0:y1, x0:x1] = True
    return found.mask & near


_REGION = {"top": lambda found, image: _upper(found, image, "top"),
           "outerwear": lambda found, image: _upper(found, image, "outerwear"),
           "bottom": _lower, "dress": _dress, "shoes": _shoes}


# ---------------------------------------------------------------- body geometry


def _seen(found: Pose, idx: list[int]) -> bool:
    """Every landmark seen by the model and inside the frame (estimates outside it are guesses)."""
    lm, (w, h) = found.landmarks, found.size
    return bool(all(lm[i, 3] > SEEN and 0 <= lm[i, 0] < w and 0 <= lm[i, 1] < h for i in idx))


def _upright(found: Pose) -> bool:
    """Head above the shoulders above the hips, the torso running more down than across. MediaPipe
    estimates landmarks out of the frame too, so a waist-up photo passes."""
    lm = found.landmarks
    shoulders, hips = _mean_y(lm, L_SHOULDER, R_SHOULDER), _mean_y(lm, L_HIP, R_HIP)
    across = abs((lm[L_HIP, 0] + lm[R_HIP, 0]) / 2 - (lm[L_SHOULDER, 0] + lm[R_SHOULDER, 0]) / 2)
    return bool(lm[NOSE, 1] < shoulders < hips and across < hips - shoulders)


def _mean_y(lm: np.ndarray, a: int, b: int) -> float:
    return float((lm[a, 1] + lm[b, 1]) / 2)


def _torso(found: Pose) -> float:
    """Shoulder line to hip line in pixels: the body's own ruler (estimated hips serve when out of the frame)."""
    lm = found.landmarks
    return max(_mean_y(lm, L_HIP, R_HIP) - _mean_y(lm, L_SHOULDER, R_SHOULDER), 1.0)


def _legs_end(found: Pose) -> float:
    """Just below the lower ankle when both are in the frame, else the frame's bottom edge."""
    lm = found.landmarks
    if _seen(found, [L_ANKLE, R_ANKLE]):
        return max(lm[L_ANKLE, 1], lm[R_ANKLE, 1]) + ANKLE_HEM * _torso(found)
    return float(found.size[1])


def _garment_split(found: Pose, image: Image.Image) -> tuple[float, float] | None:
    """Where the top ends and where the bottoms begin (rows), read off the colours; None when they do
    not show it (a dress, a top and bottoms of one colour, the hips not seen).

    Waistlines sit anywhere from the ribs (a crop top, high-waisted jeans) to below the hip joints
    (a long tee), so the body's lines alone put jeans into the top's region. Down the middle of the
    torso (between the hip joints, so hanging arms stay out), each row's median colour (CIELAB) makes
    a profile. The split is the row between 55% of the torso and a little below the hips that best
    parts it in two (least squares) with the bottoms' colour (the profile's last rows) just below it,
    kept when the two parts' colours differ by SPLIT_CONTRAST; so a print on a tee's chest is not taken
    for its hem. A bare midriff or a belt between them is a third part when its colour differs from
    both and it is short (GAP_MAX): longer runs are a print on the top or a pattern on the bottoms.
    """
    if not _seen(found, [L_HIP, R_HIP]):
        return None
    profile = _colour_profile(found, image)
    if profile is None:
        return None
    ys, colours = profile
    lm, torso = found.landmarks, _torso(found)
    lo = _mean_y(lm, L_SHOULDER, R_SHOULDER) + SPLIT_FROM * torso
    hi = _mean_y(lm, L_HIP, R_HIP) + SPLIT_TO * torso
    n = len(ys)
    sums = np.concatenate([np.zeros((1, 3)), np.cumsum(colours, axis=0)])  # sums[i]: rows [0, i)
    cut = np.arange(n + 1)
    allowed = (cut >= 3) & (cut <= n - 3) & (ys[np.minimum(cut, n - 1)] >= lo) & (ys[np.minimum(cut, n - 1)] <= hi)
    bottoms = allowed & _bottoms_from(ys, colours, torso)
    if not bottoms.any():
        return None
    two = np.where(bottoms, _fit(sums, 0, cut) + _fit(sums, cut, n), -np.inf)
    k = int(np.argmax(two))
    if _contrast(colours, (0, k), (k, n)) < SPLIT_CONTRAST:
        return None
    a, b = np.meshgrid(cut, cut, indexing="ij")
    three = _fit(sums, 0, a) + _fit(sums, a, b) + _fit(sums, b, n)
    short = (b - a >= 3) & (ys[np.minimum(b, n - 1)] - ys[np.minimum(a, n - 1)] <= GAP_MAX * torso)
    three = np.where(allowed[a] & bottoms[b] & short, three, -np.inf)
    a, b = np.unravel_index(int(np.argmax(three)), three.shape)
    if np.isfinite(three[a, b]) and min(_contrast(colours, (0, a), (a, b)), _contrast(colours, (a, b), (b, n))) \
            >= SPLIT_CONTRAST:
        return float(ys[a]), float(ys[b])
    return float(ys[k]), float(ys[k])


def _bottoms_from(ys: np.ndarray, colours: np.ndarray, torso: float) -> np.ndarray:
    """For each cut (before row i, i = 0..n), whether the rows just below it (BOTTOMS_RUN of the torso)
    have the colour of the profile's last rows, the bottoms' colour."""
    far = np.median(colours[ys >= ys[-1] - BOTTOMS_RUN * torso], axis=0)
    out = np.zeros(len(ys) + 1, bool)
    for i in range(len(ys)):
        near = colours[(ys >= ys[i]) & (ys < ys[i] + BOTTOMS_RUN * torso)]
        out[i] = np.linalg.norm(np.median(near, axis=0) - far) < SPLIT_CONTRAST
    return out


def _fit(sums: np.ndarray, i: np.ndarray | int, j: np.ndarray | int) -> np.ndarray:
    """How well rows [i, j) share one colour, up to a constant: |their sum|^2 / their count (the larger,
    the smaller their squared deviations from their mean). `sums[i]` sums rows [0, i)."""
    return ((sums[j] - sums[i]) ** 2).sum(axis=-1) / np.maximum(np.asarray(j) - i, 1)


def _contrast(colours: np.ndarray, one: tuple[int, int], other: tuple[int, int]) -> float:
    """Distance between the median colours of two runs of rows (a print on a white tee leaves its
    median white)."""
    (i, j), (k, m) = one, other
    return float(np.linalg.norm(np.median(colours[i:j], axis=0) - np.median(colours[k:m], axis=0)))


def _colour_profile(found: Pose, image: Image.Image) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows from the chest to below the hips, each row's median CIELAB colour over the person's pixels
    between the hip joints (rows where the person fills less than half of that span are left out)."""
    lm, torso, (w, h) = found.landmarks, _torso(found), found.size
    left, right = sorted((lm[L_HIP, 0], lm[R_HIP, 0]))
    inset = 0.15 * (right - left)
    x0, x1 = max(0, int(left + inset)), min(w, int(right - inset))
    y0 = max(0, int(_mean_y(lm, L_SHOULDER, R_SHOULDER) + 0.3 * torso))
    y1 = min(h, int(_mean_y(lm, L_HIP, R_HIP) + 0.4 * torso))
    if x1 - x0 < 4 or y1 - y0 < 8:
        return None
    lab = _lab_at_pose_size(found, image)[y0:y1, x0:x1]
    inside = found.mask[y0:y1, x0:x1]
    rows = [i for i in range(y1 - y0) if inside[i].mean() >= 0.5]
    if len(rows) < 8:
        return None
    return y0 + np.array(rows), np.array([np.median(lab[i][inside[i]], axis=0) for i in rows])


def _band(found: Pose, top: float, bottom: float) -> np.ndarray:
    """The person's pixels between two rows."""
    band = np.zeros_like(found.mask)
    band[max(0, int(top)):max(0, int(bottom))] = True
    return found.mask & band


def _head(found: Pose) -> np.ndarray:
    """An ellipse over the face and hair, from the ears' spacing; the chin sits about half a head's
    width below the nose. Empty when the face is not seen (a photo cut at the chin)."""
    lm, h, w = found.landmarks, *found.mask.shape
    if lm[NOSE, 3] <= SEEN:
        return np.zeros((h, w), bool)
    ears = max(float(np.linalg.norm(lm[L_EAR, :2] - lm[R_EAR, :2])), 0.25 * _torso(found))
    cx, cy = lm[NOSE, :2]
    yy, xx = np.ogrid[:h, :w]
    return ((xx - cx) / (0.75 * ears)) ** 2 + ((yy - cy) / (0.8 * ears)) ** 2 <= 1


def _hands(found: Pose) -> np.ndarray:
    """Capsules over the hands that are seen, from the wrist past the knuckles' landmarks to where the
    fingertips reach (about twice as far). A hidden hand's estimate would punch a hole in the body."""
    lm, h, w = found.landmarks, *found.mask.shape
    out = np.zeros((h, w), bool)
    for hand in (L_HAND, R_HAND):
        if lm[hand[0], 3] > SEEN:
            wrist, knuckles = lm[hand[0], :2], lm[list(hand[1:]), :2].mean(axis=0)
            _capsule(out, wrist, wrist + 2 * (knuckles - wrist), HAND_RADIUS * _torso(found))
    return out


def _forearms(found: Pose) -> np.ndarray:
    """Capsules from elbow to wrist: arms hanging by the sides lie over trousers and skirts."""
    return _limbs(found, ((L_ELBOW, L_WRIST), (R_ELBOW, R_WRIST)))


def _arms(found: Pose) -> np.ndarray:
    """Capsules from shoulder to elbow to wrist: where sleeves are."""
    return _limbs(found, ((L_SHOULDER, L_ELBOW), (R_SHOULDER, R_ELBOW), (L_ELBOW, L_WRIST), (R_ELBOW, R_WRIST)))


def _limbs(found: Pose, bones: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Capsules around the bones whose both ends are seen."""
    lm, h, w = found.landmarks, *found.mask.shape
    out = np.zeros((h, w), bool)
    r = FOREARM_RADIUS * _torso(found)
    for a, b in bones:
        if lm[a, 3] > SEEN and lm[b, 3] > SEEN:
            _capsule(out, lm[a, :2], lm[b, :2], r)
    return out


def _capsule(out: np.ndarray, a: np.ndarray, b: np.ndarray, radius: float) -> None:
    """Sets the pixels within radius of the segment a-b (in place), computed over its box only."""
    h, w = out.shape
    x0, y0 = (max(0, int(np.floor(min(a[i], b[i]) - radius))) for i in (0, 1))
    x1, y1 = min(w, int(np.ceil(max(a[0], b[0]) + radius)) + 1), min(h, int(np.ceil(max(a[1], b[1]) + radius)) + 1)
    if x1 <= x0 or y1 <= y0:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    out[y0:y1, x0:x1] |= _segment_distance(xx, yy, a, b) <= radius


def _segment_distance(xx: np.ndarray, yy: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    t = np.clip(((xx - a[0]) * ab[0] + (yy - a[1]) * ab[1]) / max(float(ab @ ab), 1e-6), 0, 1)
    return np.hypot(xx - (a[0] + t * ab[0]), yy - (a[1] + t * ab[1]))


# ---------------------------------------------------------------- back to the photo


def _at_image_size(part: str, mask: np.ndarray, size: tuple[int, int]) -> WornRegion | None:
    """The region scaled from the analysed size to the photo's, with its box and share; None when
    it is too small to read a garment from."""
    if (mask.shape[1], mask.shape[0]) != size:
        scaled = Image.fromarray(mask.astype(np.uint8) * 255).resize(size, Image.Resampling.BILINEAR)
        mask = np.asarray(scaled) > 127
    share = float(mask.mean())
    if share < MIN_SHARE.get(part, MIN_SHARE_DEFAULT):
        return None
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    box = (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
    return WornRegion(part, mask, box, share)


def worn_garments(image: Image.Image, part: str | None = None) -> list[tuple[str, np.ndarray, str | None]]:
    """What photo search reads when the photo shows a person, as (part, mask, sleeve_length): the region of the
    part the words name, or, with no part named, the top's and the bottom's (the top first: the garment a
    shopper most often means). Empty when no person is seen, or that part of them is not."""
    found = is_person_photo(image)
    if found is None:
        return []
    if part is not None:
        region = worn_region(image, part, found)
        return [(part, region.mask, region.sleeves)] if region is not None else []
    return [(name, region.mask, region.sleeves) for name, region in worn_regions(image, found).items()]


# ---------------------------------------------------------------- what stays in front of a garment tried on


def head_region(found: Pose) -> np.ndarray:
    """Face and hair (an ellipse from the ears' spacing): a try-on never paints over them."""
    return _head(found)


def hands_region(found: Pose) -> np.ndarray:
    """The hands that are seen: they stay in front of any garment."""
    return _hands(found)


def forearms_region(found: Pose) -> np.ndarray:
    """Elbow to wrist, where both are seen: arms hanging by the sides lie over trousers, skirts and the
    sides of a top."""
    return _forearms(found)


def bare_skin(found: Pose, image: Image.Image) -> np.ndarray | None:
    """Pixels of the face's skin colour anywhere on the person (bare arms, a bare midriff); None when the
    face is not seen."""
    lab = _lab_at_pose_size(found, image)
    skin = _skin_lab(found, lab)
    if skin is None:
        return None
    d = (lab - skin) * np.array([0.5, 1.0, 1.0], np.float32)
    return (np.sqrt((d ** 2).sum(axis=-1)) < SKIN_DELTA) & found.mask


def own_top(found: Pose, skin: np.ndarray | None) -> np.ndarray | None:
    """The person's own top, shoulders to hips and down the arms, less face, hands and bare skin outside
    the chest; quicker than worn_region (it does not look for where the top ends), for what a try-on
    leaves showing. None when the shoulders are not seen."""
    if not _seen(found, [L_SHOULDER, R_SHOULDER]):
        return None
    lm, torso = found.landmarks, _torso(found)
    top = min(lm[L_SHOULDER, 1], lm[R_SHOULDER, 1]) - NECK * torso
    bottom = _mean_y(lm, L_HIP, R_HIP) + HEM["top"] * torso
    region = (_band(found, top, bottom) | (found.mask & _arms(found))) & ~_head(found) & ~_hands(found)
    return region & ~(skin & ~_chest(found)) if skin is not None else region


def hair_region(found: Pose, image: Image.Image) -> np.ndarray:
    """Long hair falling over the shoulders, in front of a top: pixels of the colour of the hair above the face,
    joined to the head, from the ears down to HAIR_REACH torsos below the shoulders, outside the middle of the
    chest (a dark top under dark hair must not be taken for hair). Empty when the face is not seen or the
    hair is the skin's colour (no hair to tell apart)."""
    lm, (w, h) = found.landmarks, found.size
    empty = np.zeros((h, w), bool)
    if lm[NOSE, 3] <= SEEN or lm[L_EAR, 3] <= SEEN or lm[R_EAR, 3] <= SEEN:
        return empty
    lab = _lab_at_pose_size(found, image)
    ears = float(np.linalg.norm(lm[L_EAR, :2] - lm[R_EAR, :2]))
    head = _head(found)
    crown = head & found.mask & (np.arange(h)[:, None] < lm[NOSE, 1] - 0.6 * ears)
    skin = _skin_lab(found, lab)
    if crown.sum() < 30 or skin is None:
        return empty
    hair = np.median(lab[crown], axis=0)
    weights = np.array([0.5, 1.0, 1.0], np.float32)
    if np.linalg.norm((hair - skin) * weights) < SKIN_DELTA:
        return empty
    like = (np.linalg.norm((lab - hair) * weights, axis=-1) < HAIR_DELTA) & found.mask
    torso = _torso(found)
    band = np.zeros((h, w), bool)
    top = int(max(0, min(lm[L_EAR, 1], lm[R_EAR, 1])))
    bottom = int(min(h, max(lm[L_SHOULDER, 1], lm[R_SHOULDER, 1]) + HAIR_REACH * torso))
    band[top:bottom] = True
    left, right = sorted((lm[L_SHOULDER, 0], lm[R_SHOULDER, 0]))
    middle = (left + right) / 2
    half = HAIR_CHEST * (right - left) / 2
    band[:, max(0, int(middle - half)):max(0, int(middle + half))] &= np.arange(h)[:, None] < lm[NOSE, 1] + ears
    labels, n = ndimage.label(like & (band | head))
    if n == 0:
        return empty
    touching = np.unique(labels[head & (labels > 0)])
    return np.isin(labels, touching[touching > 0]) & ~head
