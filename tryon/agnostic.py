"""The agnostic mask: where a garment of a kind goes on a person, from their pose and segmentation.

The diffusion engine paints inside it; the try-on benchmark scores coverage against it.
"""

from __future__ import annotations

import cv2
import numpy as np

from tryon.body import (
    L_ANKLE,
    L_ELBOW,
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    R_ANKLE,
    R_ELBOW,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
    Pose,
)

REGION = {"top": ((L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_HIP, R_HIP), 0.15),
          "dress": ((L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_HIP, R_HIP, L_KNEE, R_KNEE), 0.2),
          "skirt": ((L_HIP, R_HIP, L_KNEE, R_KNEE), 0.2),
          "legs": ((L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE), 0.12)}


def agnostic_mask(found: Pose, kind: str) -> np.ndarray:
    """Where the garment goes: the hull of the body points it covers, widened, joined with the person's
    own pixels in that band (so the old garment is painted out too); never the head."""
    points, margin = REGION[kind]
    lm = found.landmarks
    h, w = found.mask.shape
    shoulders = abs(lm[L_SHOULDER, 0] - lm[R_SHOULDER, 0]) or 0.2 * w
    hull = cv2.convexHull(lm[list(points), :2].astype(np.float32)).astype(np.int32)
    mask = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(mask, hull, 1)
    grow = max(3, int(margin * shoulders))
    mask = cv2.dilate(mask, np.ones((grow, grow), np.uint8)).astype(bool)
    top = int(min(lm[i, 1] for i in points)) - grow // 2
    bottom = int(max(lm[i, 1] for i in points)) + grow
    band = np.zeros_like(mask)
    band[max(0, top):bottom] = True
    mask |= found.mask & band
    if kind in ("top", "dress"):
        neck = int((lm[L_SHOULDER, 1] + lm[R_SHOULDER, 1]) / 2 - 0.15 * shoulders)
        mask[:max(0, neck)] = False
    return mask


