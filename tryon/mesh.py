"""Piecewise-affine warps of a grid of points: what carries each garment part onto the body.

A part is a grid of points in the product shot (rows down the part, columns across it) and the
same grid placed on the person. Each grid cell is two triangles; each triangle's pixels come
from its source triangle by the affine map between the two. The triangles are rasterised with
OpenCV into an index image, then one `cv2.remap` moves every pixel: a bent arm or a skirt that
flares is a grid, not a special case.
"""

from __future__ import annotations

import cv2
import numpy as np


def warp_grid(image: np.ndarray, src: np.ndarray, dst: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """image (H x W x C) warped so that the grid src (rows x cols x 2, x y in the image) lands on dst
    (the same shape, in the output); size is the output's (width, height). Outside the grid: zeros."""
    w, h = size
    out = np.zeros((h, w) + image.shape[2:], image.dtype)
    triangles = _triangles(src.shape[0], src.shape[1])
    flat_src, flat_dst = src.reshape(-1, 2).astype(np.float64), dst.reshape(-1, 2).astype(np.float64)
    # only the grid's box is remapped: a part covers a fraction of the photo
    x0, y0 = np.clip(np.floor(flat_dst.min(axis=0)).astype(int) - 1, 0, [w, h])
    x1, y1 = np.clip(np.ceil(flat_dst.max(axis=0)).astype(int) + 2, 0, [w, h])
    if x1 <= x0 or y1 <= y0:
        return out
    flat_dst = flat_dst - [x0, y0]
    h_roi, w_roi = y1 - y0, x1 - x0
    index = np.full((h_roi, w_roi), -1, np.int32)
    affines = np.zeros((len(triangles), 2, 3), np.float64)
    for n, tri in enumerate(triangles):
        d = flat_dst[tri]
        if abs(np.cross(d[1] - d[0], d[2] - d[0])) < 1e-3:
            continue  # a flat triangle covers no pixel
        affines[n] = cv2.getAffineTransform(d.astype(np.float32), flat_src[tri].astype(np.float32))
        cv2.fillConvexPoly(index, np.round(d).astype(np.int32), n, lineType=cv2.LINE_8)
    ys, xs = np.nonzero(index >= 0)
    map_x = np.full((h_roi, w_roi), -1.0, np.float32)
    map_y = np.full((h_roi, w_roi), -1.0, np.float32)
    if len(ys):
        a = affines[index[ys, xs]]
        map_x[ys, xs] = a[:, 0, 0] * xs + a[:, 0, 1] * ys + a[:, 0, 2]
        map_y[ys, xs] = a[:, 1, 0] * xs + a[:, 1, 1] * ys + a[:, 1, 2]
    out[y0:y1, x0:x1] = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                  borderValue=0)
    return out


def _triangles(rows: int, cols: int) -> np.ndarray:
    """Two triangles per grid cell, as indices into the flattened grid."""
    r, c = np.mgrid[0:rows - 1, 0:cols - 1]
    a = (r * cols + c).ravel()
    b, d, e = a + 1, a + cols, a + cols + 1
    return np.concatenate([np.stack([a, b, e], 1), np.stack([a, e, d], 1)])


def ribbon(points: np.ndarray, left: np.ndarray, right: np.ndarray, cols: int) -> np.ndarray:
    """A grid along a path: row k spans from points[k] - left[k] to points[k] + right[k] across the
    path's normal (x grows to the right of a path running down the image), in cols columns."""
    tangent = np.gradient(points, axis=0)
    tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-9)
    normal = np.stack([tangent[:, 1], -tangent[:, 0]], axis=1)  # (0, 1) down -> (1, 0) right
    t = np.linspace(0.0, 1.0, cols)[None, :, None]
    start = points[:, None, :] - left[:, None, None] * normal[:, None, :]
    end = points[:, None, :] + right[:, None, None] * normal[:, None, :]
    return start + t * (end - start)


def along(path: np.ndarray, distances: np.ndarray) -> np.ndarray:
    """Points at these arc lengths along a polyline (beyond its end, on along the last segment)."""
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    cumulative = np.concatenate([[0.0], np.cumsum(steps)])
    out = np.empty((len(distances), 2))
    for i, s in enumerate(distances):
        k = int(np.clip(np.searchsorted(cumulative, s, side="right") - 1, 0, len(steps) - 1))
        t = (s - cumulative[k]) / max(steps[k], 1e-9)
        out[i] = path[k] + t * (path[k + 1] - path[k])
    return out
