"""Body features from a shopper's photo, with MediaPipe's bundled models (mediapipe 0.10.21).

- Pose: 33 landmarks with visibility (BlazePose, `model_complexity=1`, the one the wheel ships),
  and a person mask (its segmentation output). Faces (the bundled face detector) tell one
  person from several and a front view from a back view.
- Framing: "full body" (ankles in the frame), "upper body" (hips in, ankles out) or refused.
  Pose quality: frontal or not, arms away from the body or not.
- Proportions: shoulder, chest, waist and hip widths over the body's height in pixels.

The anthropometric model (with the shopper's stated height H):
- pixels to cm: in a full-body photo, stature in pixels runs from the top of the person mask to
  the heels; in an upper-body photo, the shoulder-to-hip-joint distance is taken as 0.29 H
  (adult averages: shoulder height about 0.82 H, hip joint about 0.53 H).
- widths are read off the person mask on three rows: chest at 30% of the way from shoulders
  to hips, waist at the narrowest row between 55% and 80%, hips at the hip joints plus 8%.
  Only the run of mask pixels under the body's centre line counts, so arms held away from
  the body do not add width. Arms against the body merge with it, so each width is capped
  by the joints: chest at 0.9 x the shoulder-joint distance, waist at 1.2 x and hips at
  1.5 x the hip-joint distance (adult averages); such photos get wider bands.
- circumference: an ellipse whose depth is a fixed share of its width (chest 0.72, waist
  0.78, hips 0.76, adult averages), perimeter by Ramanujan's formula.
- assumptions: a standing adult facing the camera, the camera at about chest height and far
  enough away that perspective is mild, clothes that follow the body. Loose clothes read
  larger. The uncertainty (one standard deviation) is 5% of the value for a full-body frontal
  photo with arms away, 8% otherwise; it feeds the size advice's confidence.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np
from PIL import Image
from scipy import ndimage

from shopagent.quiet import captured_stderr
from tryon.sizing import Measurement
from shopagent.errors import ShopError

WORK_SIDE = 1024
MIN_PERSON_PX = 200
DEPTH_RATIO = {"chest": 0.72, "waist": 0.78, "hip": 0.76}
TORSO_SHARE_OF_HEIGHT = 0.29
# Arms against the body merge with it in the mask; the torso is no wider than these shares of
# the joint distances (chest breadth ~0.9 x shoulder joints; waist ~1.2 and hips ~1.5 x hip joints).
CHEST_CAP, WAIST_CAP, HIP_CAP = 0.9, 1.2, 1.5
HEAD_ABOVE_EYES_SHARE = 0.06  # when the mask top is unreliable, the crown sits about 0.06 H above the eyes
L_SHOULDER, R_SHOULDER, L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE, L_HEEL, R_HEEL, NOSE, L_WRIST, R_WRIST = (
    11, 12, 23, 24, 25, 26, 27, 28, 29, 30, 0, 15, 16)
L_ELBOW, R_ELBOW = 13, 14
PHOTO_ADVICE = ("Use a photo of one person standing, facing the camera, from head to at least the hips "
                "(head to feet is best), arms a little away from the body, on a plain background.")


class PhotoError(ShopError):
    """A photo we cannot read a body from; the message says what kind of photo works."""

    code = "photo_unusable"

    def __init__(self, problem: str) -> None:
        super().__init__(f"{problem} {PHOTO_ADVICE}")


@dataclass
class BodyFeatures:
    landmarks: np.ndarray = field(repr=False)  # (33, 4): x px, y px, z, visibility
    mask: np.ndarray = field(repr=False)  # person mask, bool, at the analysed size
    size: tuple[int, int]  # analysed width, height
    framing: str  # full body, upper body
    frontal: bool
    arms_away: bool
    widths_px: dict[str, float]
    height_px: float  # stature in pixels (full body) or estimated from the torso (upper body)
    proportions: dict[str, float]

    def estimate(self, height_cm: float) -> dict[str, Measurement]:
        """Chest, waist and hip circumferences in cm, each with its uncertainty."""
        if not 120 <= height_cm <= 230:
            raise ValueError(f"a height of {height_cm:g} cm is not an adult's; give your height in cm.")
        cm_per_px = height_cm / self.height_px
        share = 0.05 if self.framing == "full body" and self.frontal and self.arms_away else 0.08
        out = {}
        for name, width in self.widths_px.items():
            value = ellipse_perimeter(width * cm_per_px, DEPTH_RATIO[name] * width * cm_per_px)
            out[name] = Measurement(round(value, 1), round(share * value, 1), "photo")
        out["height"] = Measurement(height_cm, 0.5, "stated")
        return out

    def as_dict(self) -> dict:
        return {"framing": self.framing, "frontal": self.frontal, "arms_away": self.arms_away,
                "proportions": {k: round(v, 3) for k, v in self.proportions.items()},
                "height_px": round(self.height_px, 1), "size": list(self.size)}


def ellipse_perimeter(width: float, depth: float) -> float:
    a, b = width / 2, depth / 2
    return math.pi * (3 * (a + b) - math.sqrt((3 * a + b) * (a + 3 * b)))


def width_from_circumference(circumference: float, ratio: float) -> float:
    """Inverse of ellipse_perimeter for a fixed depth ratio (it is linear in the width)."""
    return circumference / ellipse_perimeter(1.0, ratio)


# ---------------------------------------------------------------- models


class _Models:
    """MediaPipe graphs, built once per process (about 30 ms) and reused.

    The graphs log from C++ on stderr (TensorFlow Lite, absl) while they start, from their own
    threads, until they have processed a first image; the pose graph once more when it first
    finds a person. Those calls run in quiet.captured_stderr: the lines go to the debug log
    (`shopagent -v`), not to the shopper's terminal.
    """

    pose = None
    faces = None
    settled = False  # the pose graph has found a person: it has nothing more to say
    lock = threading.Lock()

    @classmethod
    def get(cls):  # noqa: ANN206
        with cls.lock:
            if cls.pose is None:
                import mediapipe as mp

                with captured_stderr("MediaPipe pose and face graphs"):
                    pose = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1,
                                                  enable_segmentation=True, min_detection_confidence=0.5)
                    faces = mp.solutions.face_detection.FaceDetection(model_selection=1,
                                                                      min_detection_confidence=0.6)
                    blank = np.zeros((64, 64, 3), np.uint8)  # a first image: every calculator has opened
                    pose.process(blank)
                    faces.process(blank)
                cls.pose, cls.faces = pose, faces
        return cls.pose, cls.faces

    @classmethod
    def find_pose(cls, rgb: np.ndarray):  # noqa: ANN206 (MediaPipe's result)
        pose_model, _ = cls.get()
        if cls.settled:
            return pose_model.process(rgb)
        with captured_stderr("MediaPipe pose graph"):
            result = pose_model.process(rgb)
        cls.settled = result.pose_landmarks is not None
        return result


def work_rgb(image: Image.Image) -> np.ndarray:
    """The photo as RGB at the size the models read (at most WORK_SIDE on the long side)."""
    image = image.convert("RGB")
    scale = WORK_SIDE / max(image.size)
    if scale < 1:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.BILINEAR)
    return np.ascontiguousarray(np.asarray(image))


# ---------------------------------------------------------------- analysis


@dataclass
class Pose:
    landmarks: np.ndarray = field(repr=False)  # (33, 4): x px, y px, z, visibility, at the analysed size
    mask: np.ndarray = field(repr=False)  # the person, bool, at the analysed size
    size: tuple[int, int]  # analysed width, height
    faces: int

    def visible(self, idx: list[int]) -> bool:
        return _visible(self.landmarks, idx, self.size[1])


def pose(image: Image.Image) -> Pose:
    """Landmarks and the person's mask; PhotoError when there is no person or several."""
    rgb = work_rgb(image)
    h, w = rgb.shape[:2]
    _, faces = _Models.get()
    result = _Models.find_pose(rgb)
    if result.pose_landmarks is None:
        raise PhotoError("I could not find a person in this photo.")
    lm = np.array([[p.x * w, p.y * h, p.z, p.visibility] for p in result.pose_landmarks.landmark])
    mask = result.segmentation_mask > 0.5
    n_faces = len((faces.process(rgb).detections or []))
    _check_people(mask, n_faces)
    return Pose(lm, _person_component(mask, lm), (w, h), n_faces)


def analyze(image: Image.Image) -> BodyFeatures:
    """Landmarks, mask, framing, quality and widths; PhotoError when the photo will not do."""
    found = pose(image)
    lm, h = found.landmarks, found.size[1]
    _check_upright(lm)
    frontal = _check_view(lm, found.faces)
    framing = _framing(lm, h)
    _check_standing(lm)
    body = found.mask
    widths, height_px = _measure(body, lm, framing)
    if height_px < MIN_PERSON_PX:
        raise PhotoError(f"The person is only about {height_px:.0f} px tall in this photo; take it closer.")
    arms_away = _arms_away(body, lm)
    proportions = {"shoulder": abs(lm[L_SHOULDER, 0] - lm[R_SHOULDER, 0]) / height_px} | \
        {k: v / height_px for k, v in widths.items()}
    return BodyFeatures(lm, body, found.size, framing, frontal, arms_away, widths, height_px, proportions)


def _check_people(mask: np.ndarray, n_faces: int) -> None:
    labels, n = ndimage.label(mask)
    if n > 1:
        sizes = np.sort(ndimage.sum(mask, labels, range(1, n + 1)))[::-1]
        if sizes[1] > 0.3 * sizes[0]:
            raise PhotoError("There seem to be several people in this photo.")
    if n_faces > 1:
        raise PhotoError(f"I see {n_faces} faces in this photo; I can measure one person at a time.")


def _check_upright(lm: np.ndarray) -> None:
    """Sideways or upside down (a rotated photo with no EXIF orientation): the torso, from the
    shoulders' midpoint to the hips', runs more across than down, or upwards."""
    dx, dy = (lm[L_HIP, :2] + lm[R_HIP, :2]) / 2 - (lm[L_SHOULDER, :2] + lm[R_SHOULDER, :2]) / 2
    if dy <= 0 or abs(dx) > dy:
        raise PhotoError("The photo is on its side (or upside down): rotate it so the person stands upright, "
                         "then send it again.")


def _check_view(lm: np.ndarray, n_faces: int) -> bool:
    """Frontal when the shopper's left shoulder is on the image's right and the face is seen."""
    facing = lm[L_SHOULDER, 0] > lm[R_SHOULDER, 0]
    if not facing and n_faces == 0:
        raise PhotoError("This looks like a view from the back.")
    shoulder = abs(lm[L_SHOULDER, 0] - lm[R_SHOULDER, 0])
    torso = abs((lm[L_HIP, 1] + lm[R_HIP, 1]) / 2 - (lm[L_SHOULDER, 1] + lm[R_SHOULDER, 1]) / 2)
    if torso > 0 and shoulder / torso < 0.45:
        raise PhotoError("The body is turned to the side.")
    return bool(facing and n_faces > 0)


def _visible(lm: np.ndarray, idx: list[int], height: int) -> bool:
    return bool(all(lm[i, 3] > 0.5 and 0 <= lm[i, 1] <= height for i in idx))


def _framing(lm: np.ndarray, height: int) -> str:
    if not _visible(lm, [L_SHOULDER, R_SHOULDER], height):
        raise PhotoError("The shoulders are not in the photo.")
    if not _visible(lm, [L_HIP, R_HIP], height):
        raise PhotoError("The photo is cropped above the hips.")
    return "full body" if _visible(lm, [L_ANKLE, R_ANKLE], height) else "upper body"


def _check_standing(lm: np.ndarray) -> None:
    """Seated: the knees are about as high as the hips."""
    if lm[L_KNEE, 3] < 0.5 or lm[R_KNEE, 3] < 0.5:
        return
    torso = (lm[L_HIP, 1] + lm[R_HIP, 1]) / 2 - (lm[L_SHOULDER, 1] + lm[R_SHOULDER, 1]) / 2
    thigh = (lm[L_KNEE, 1] + lm[R_KNEE, 1]) / 2 - (lm[L_HIP, 1] + lm[R_HIP, 1]) / 2
    if torso > 0 and thigh < 0.45 * torso:
        raise PhotoError("The person seems to be sitting or bending.")


def _person_component(mask: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """The mask's part that holds the torso (drops other blobs)."""
    labels, n = ndimage.label(mask)
    cx = int(np.clip((lm[L_SHOULDER, 0] + lm[R_HIP, 0]) / 2, 0, mask.shape[1] - 1))
    cy = int(np.clip((lm[L_SHOULDER, 1] + lm[L_HIP, 1]) / 2, 0, mask.shape[0] - 1))
    label = labels[cy, cx]
    return labels == label if label else mask


def run_width(mask: np.ndarray, row: int, x: int) -> float:
    """Length of the run of mask pixels on row that contains column x (0 when x is off the mask)."""
    line = mask[int(np.clip(row, 0, mask.shape[0] - 1))]
    x = int(np.clip(x, 0, len(line) - 1))
    if not line[x]:
        return 0.0
    left = x - np.argmin(line[x::-1]) if not line[x::-1].all() else 0
    right = x + np.argmin(line[x:]) if not line[x:].all() else len(line)
    return float(right - left)


def _measure(mask: np.ndarray, lm: np.ndarray, framing: str) -> tuple[dict[str, float], float]:
    shoulder_y = (lm[L_SHOULDER, 1] + lm[R_SHOULDER, 1]) / 2
    hip_y = (lm[L_HIP, 1] + lm[R_HIP, 1]) / 2
    torso = hip_y - shoulder_y
    cx = (lm[L_SHOULDER, 0] + lm[R_SHOULDER, 0] + lm[L_HIP, 0] + lm[R_HIP, 0]) / 4
    waist_rows = [shoulder_y + f * torso for f in np.linspace(0.55, 0.8, 8)]
    shoulders = abs(lm[L_SHOULDER, 0] - lm[R_SHOULDER, 0])
    hips = abs(lm[L_HIP, 0] - lm[R_HIP, 0])
    widths = {"chest": min(run_width(mask, int(shoulder_y + 0.3 * torso), int(cx)), CHEST_CAP * shoulders),
              "waist": min(min(run_width(mask, int(y), int(cx)) for y in waist_rows), WAIST_CAP * hips),
              "hip": min(run_width(mask, int(hip_y + 0.08 * torso), int(cx)), HIP_CAP * hips)}
    if framing == "full body":
        ys = np.nonzero(mask.any(axis=1))[0]
        feet = max(lm[L_HEEL, 1], lm[R_HEEL, 1], lm[L_ANKLE, 1], lm[R_ANKLE, 1])
        height_px = float(min(feet, ys.max()) - ys.min())
    else:
        height_px = float(torso / TORSO_SHARE_OF_HEIGHT)
    return widths, height_px


def _arms_away(mask: np.ndarray, lm: np.ndarray) -> bool:
    """Arms away when there is background between each wrist and the waist row's body run."""
    shoulder_y = (lm[L_SHOULDER, 1] + lm[R_SHOULDER, 1]) / 2
    hip_y = (lm[L_HIP, 1] + lm[R_HIP, 1]) / 2
    row = int(shoulder_y + 0.65 * (hip_y - shoulder_y))
    cx = int((lm[L_HIP, 0] + lm[R_HIP, 0]) / 2)
    run = run_width(mask, row, cx)
    hips = abs(lm[L_HIP, 0] - lm[R_HIP, 0])
    return bool(run <= WAIST_CAP * hips * 1.1)
