"""Procedural product shots for the demo catalog: a garment flat-lay, front view, on white.

Each garment is a silhouette (polygons in unit coordinates, shaped by the product's fit,
length and sleeves) filled with its pattern, shaded like fabric, with seams and details,
and a soft shadow. The same spec and seed always give the same pixels.
"""

from __future__ import annotations

import math
from functools import lru_cache
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from index.vocab import CATEGORIES

WIDTH, HEIGHT = 512, 640
SUPERSAMPLE = 2

Point = tuple[float, float]


@dataclass(frozen=True)
class GarmentSpec:
    category: str
    colour: tuple[int, int, int]
    secondary: tuple[int, int, int]
    pattern: str
    fit: str = "regular"
    attributes: dict = field(default_factory=dict)
    seed: int = 0


@dataclass
class Shape:
    """Polygons that make the silhouette, lines drawn over it, and named landmarks (unit coords)."""

    parts: list[list[Point]] = field(default_factory=list)
    seams: list[list[Point]] = field(default_factory=list)
    dots: list[Point] = field(default_factory=list)  # buttons, rivets
    trims: list[list[Point]] = field(default_factory=list)  # polygons drawn in a trim colour (soles, straps)
    landmarks: dict[str, Point] = field(default_factory=dict)


def _mirror(points: list[Point]) -> list[Point]:
    return [(1 - x, y) for x, y in reversed(points)]


def _symmetric(half: list[Point]) -> list[Point]:
    """A closed outline from its left half, listed top-centre to bottom-centre."""
    return half + _mirror(half)


def _top_shape(width: float, length: float, sleeve: str, neck: str) -> Shape:
    """T-shirts, shirts, pullovers, hoodies, jackets, coats: body, sleeves, neckline."""
    s = Shape()
    cx, top = 0.5, 0.12
    sh = 0.2 * width  # half shoulder width
    hw = 0.18 * width  # half body width at the hem
    hem = top + length
    neck_w, neck_d = 0.07, (0.06 if neck == "round" else 0.12)
    body = [(cx - neck_w, top), (cx - sh, top + 0.03), (cx - hw - 0.01, top + 0.2), (cx - hw, hem), (cx, hem)]
    s.parts.append(_symmetric(body))
    sleeve_len = {"short": 0.14, "long": 0.36, "sleeveless": 0.0}[sleeve]
    if sleeve_len:
        ang = math.radians(40 if sleeve == "long" else 35)
        dx, dy = math.sin(ang) * sleeve_len, math.cos(ang) * sleeve_len
        cuff = 0.055 if sleeve == "long" else 0.075
        left = [(cx - sh, top + 0.03), (cx - sh - dx, top + 0.03 + dy), (cx - sh - dx + cuff, top + 0.03 + dy + cuff * 0.6),
                (cx - hw - 0.01, top + 0.2)]
        s.parts += [left, _mirror(left)]
        s.seams += [[(cx - sh, top + 0.03), (cx - hw - 0.01, top + 0.2)], [(1 - cx + sh, top + 0.03), (1 - cx + hw + 0.01, top + 0.2)]]
        s.landmarks["left_cuff"] = (cx - sh - dx + cuff / 2, top + 0.03 + dy + cuff * 0.3)
    s.seams.append([(cx - neck_w, top), (cx, top + neck_d), (cx + neck_w, top)])
    s.landmarks |= {"collar": (cx, top + neck_d), "left_shoulder": (cx - sh, top + 0.03), "right_shoulder": (cx + sh, top + 0.03),
                    "left_waist": (cx - hw, top + length * 0.6), "right_waist": (cx + hw, top + length * 0.6),
                    "left_hem": (cx - hw, hem), "right_hem": (cx + hw, hem)}
    return s


def _tshirt(spec: GarmentSpec, w: float) -> Shape:
    return _top_shape(w, 0.62, spec.attributes.get("sleeve", "short"), "round")


def _shirt(spec: GarmentSpec, w: float) -> Shape:
    s = _top_shape(w, 0.68, spec.attributes.get("sleeve", "long"), "v")
    s.parts.append([(0.43, 0.1), (0.5, 0.2), (0.47, 0.22), (0.41, 0.13)])  # collar points
    s.parts.append([(0.57, 0.1), (0.5, 0.2), (0.53, 0.22), (0.59, 0.13)])
    s.seams.append([(0.5, 0.2), (0.5, 0.8)])
    s.dots += [(0.515, 0.26 + 0.1 * i) for i in range(6)]
    return s


def _pullover(spec: GarmentSpec, w: float) -> Shape:
    s = _top_shape(w * 1.05, 0.6, "long", "round")
    s.seams.append([(0.5 - 0.19 * w, 0.68), (0.5 + 0.19 * w, 0.68)])  # ribbed hem
    return s


def _hoodie(spec: GarmentSpec, w: float) -> Shape:
    s = _top_shape(w * 1.08, 0.62, "long", "round")
    s.parts.append([(0.42, 0.13), (0.4, 0.05), (0.45, 0.015), (0.55, 0.015), (0.6, 0.05), (0.58, 0.13)])
    s.seams += [[(0.4, 0.52), (0.6, 0.52), (0.64, 0.66), (0.36, 0.66), (0.4, 0.52)],  # kangaroo pocket
                [(0.47, 0.19), (0.47, 0.3)], [(0.53, 0.19), (0.53, 0.3)]]  # drawstrings
    return s


def _jacket(spec: GarmentSpec, w: float) -> Shape:
    s = _top_shape(w * 1.08, 0.55, "long", "v")
    s.seams += [[(0.5, 0.2), (0.5, 0.67)], [(0.36, 0.48), (0.44, 0.48)], [(0.56, 0.48), (0.64, 0.48)]]
    return s


def _coat(spec: GarmentSpec, w: float) -> Shape:
    s = _top_shape(w * 1.1, 0.8, "long", "v")
    s.parts += [[(0.43, 0.12), (0.5, 0.26), (0.44, 0.3), (0.39, 0.16)], [(0.57, 0.12), (0.5, 0.26), (0.56, 0.3), (0.61, 0.16)]]
    s.seams.append([(0.5, 0.26), (0.5, 0.92)])
    s.dots += [(0.53, 0.36 + 0.12 * i) for i in range(4)]
    return s


def _dress(spec: GarmentSpec, w: float) -> Shape:
    s = Shape()
    length = {"mini": 0.52, "midi": 0.68, "maxi": 0.82}[spec.attributes.get("length", "midi")]
    top, waist = 0.1, 0.36
    flare = 0.2 + 0.08 * (length - 0.5) / 0.3
    half = [(0.44, top + 0.04), (0.4, top), (0.36, top + 0.1), (0.39, waist), (0.5 - flare * w - 0.04, top + length), (0.5, top + length)]
    s.parts.append(_symmetric(half))
    if spec.attributes.get("sleeve", "sleeveless") == "short":
        left = [(0.4, top), (0.3, top + 0.1), (0.33, top + 0.15), (0.37, top + 0.12)]
        s.parts += [left, _mirror(left)]
    s.seams += [[(0.39, waist), (0.61, waist)], [(0.44, top + 0.04), (0.5, top + 0.1), (0.56, top + 0.04)]]
    s.landmarks = {"collar": (0.5, top + 0.1), "left_shoulder": (0.4, top), "right_shoulder": (0.6, top),
                   "left_waist": (0.39, waist), "right_waist": (0.61, waist),
                   "left_hem": (0.5 - flare * w - 0.04, top + length), "right_hem": (0.5 + flare * w + 0.04, top + length)}
    return s


def _legs(w: float, length: float, top: float = 0.1, flare: float = 0.0) -> Shape:
    s = Shape()
    hw = 0.2 * w
    crotch = top + 0.2
    hem = top + length
    leg_w = 0.13 * w + flare
    outline = [(0.5, top), (0.5 - hw, top), (0.5 - hw - 0.01, crotch), (0.5 - hw - flare / 2, hem),
               (0.5 - hw - flare / 2 + leg_w, hem), (0.5, crotch)]
    s.parts.append(_symmetric(outline))
    s.seams += [[(0.5 - hw, top + 0.05), (0.5 + hw, top + 0.05)], [(0.5, top + 0.05), (0.5, crotch)]]
    s.landmarks = {"left_waist": (0.5 - hw, top), "right_waist": (0.5 + hw, top), "crotch": (0.5, crotch),
                   "left_hem": (0.5 - hw - flare / 2 + leg_w / 2, hem), "right_hem": (0.5 + hw + flare / 2 - leg_w / 2, hem)}
    return s


def _trousers(spec: GarmentSpec, w: float) -> Shape:
    s = _legs(w, 0.8)
    s.seams += [[(0.4, 0.3), (0.39, 0.88)], [(0.6, 0.3), (0.61, 0.88)]]  # creases
    return s


def _jeans(spec: GarmentSpec, w: float) -> Shape:
    s = _legs(w, 0.8, flare=0.02 if spec.fit == "relaxed" else 0.0)
    s.seams += [[(0.32, 0.15), (0.38, 0.2), (0.42, 0.15)], [(0.58, 0.15), (0.62, 0.2), (0.68, 0.15)]]
    s.dots += [(0.5, 0.12), (0.33, 0.16), (0.67, 0.16)]
    return s


def _shorts(spec: GarmentSpec, w: float) -> Shape:
    return _legs(w * 1.05, 0.36, top=0.25, flare=0.04)


def _skirt(spec: GarmentSpec, w: float) -> Shape:
    s = Shape()
    length = {"mini": 0.36, "midi": 0.56, "maxi": 0.76}[spec.attributes.get("length", "midi")]
    top = 0.14
    flare = 0.22 * w + 0.1 * length
    s.parts.append(_symmetric([(0.5, top), (0.36, top), (0.5 - flare, top + length), (0.5, top + length)]))
    s.seams.append([(0.36, top + 0.04), (0.64, top + 0.04)])
    s.landmarks = {"left_waist": (0.36, top), "right_waist": (0.64, top),
                   "left_hem": (0.5 - flare, top + length), "right_hem": (0.5 + flare, top + length)}
    return s


def _shoe_base(upper: list[Point], sole_top: float, toe_x: float, heel_x: float) -> Shape:
    s = Shape()
    s.parts.append(upper)
    s.trims.append([(heel_x, sole_top), (toe_x, sole_top), (toe_x + 0.02, sole_top + 0.03), (toe_x - 0.02, sole_top + 0.07),
                    (heel_x + 0.02, sole_top + 0.07), (heel_x - 0.01, sole_top + 0.03)])
    s.landmarks = {"toe": (toe_x, sole_top), "heel": (heel_x, sole_top)}
    return s


def _sneaker(spec: GarmentSpec, w: float) -> Shape:
    upper = [(0.14, 0.62), (0.15, 0.46), (0.3, 0.42), (0.45, 0.45), (0.62, 0.52), (0.8, 0.56), (0.88, 0.62)]
    s = _shoe_base(upper, 0.62, 0.88, 0.14)
    s.seams += [[(0.42 + 0.04 * i, 0.47 + 0.012 * i), (0.46 + 0.04 * i, 0.52 + 0.012 * i)] for i in range(4)]
    return s


def _sandal(spec: GarmentSpec, w: float) -> Shape:
    s = Shape()
    s.trims.append([(0.12, 0.6), (0.88, 0.6), (0.9, 0.64), (0.86, 0.67), (0.14, 0.67), (0.1, 0.64)])
    s.parts += [[(0.2, 0.6), (0.26, 0.48), (0.34, 0.48), (0.3, 0.6)], [(0.45, 0.6), (0.52, 0.5), (0.66, 0.5), (0.7, 0.6)],
                [(0.6, 0.6), (0.68, 0.54), (0.8, 0.54), (0.84, 0.6)]]
    s.landmarks = {"toe": (0.88, 0.6), "heel": (0.12, 0.6)}
    return s


def _ankle_boot(spec: GarmentSpec, w: float) -> Shape:
    upper = [(0.18, 0.66), (0.2, 0.26), (0.4, 0.26), (0.42, 0.5), (0.62, 0.56), (0.82, 0.6), (0.86, 0.66)]
    s = _shoe_base(upper, 0.66, 0.86, 0.18)
    s.trims.append([(0.18, 0.7), (0.28, 0.7), (0.28, 0.78), (0.19, 0.78)])  # heel
    s.seams.append([(0.38, 0.27), (0.4, 0.5)])
    return s


def _bag(spec: GarmentSpec, w: float) -> Shape:
    s = Shape()
    s.parts.append([(0.24, 0.4), (0.76, 0.4), (0.8, 0.8), (0.2, 0.8)])
    arc = [(0.5 + 0.17 * math.cos(t), 0.4 - 0.2 * math.sin(t)) for t in np.linspace(0, math.pi, 24)]
    inner = [(0.5 + 0.13 * math.cos(t), 0.4 - 0.16 * math.sin(t)) for t in np.linspace(math.pi, 0, 24)]
    s.trims.append(arc + inner)
    s.seams.append([(0.24, 0.48), (0.76, 0.48)])
    s.dots.append((0.5, 0.52))
    s.landmarks = {"top_left": (0.24, 0.4), "top_right": (0.76, 0.4), "bottom_left": (0.2, 0.8), "bottom_right": (0.8, 0.8)}
    return s


SHAPES = {
    "t-shirt": _tshirt, "shirt": _shirt, "pullover": _pullover, "hoodie": _hoodie, "jacket": _jacket, "coat": _coat,
    "dress": _dress, "trousers": _trousers, "jeans": _jeans, "shorts": _shorts, "skirt": _skirt,
    "sneaker": _sneaker, "sandal": _sandal, "ankle-boot": _ankle_boot, "bag": _bag,
}
assert set(SHAPES) == set(CATEGORIES), "every category needs a silhouette"

FIT_WIDTH = {"slim": 0.9, "regular": 1.0, "relaxed": 1.12}


def garment_shape(spec: GarmentSpec) -> Shape:
    return SHAPES[spec.category](spec, FIT_WIDTH.get(spec.fit, 1.0))


def _px(points: list[Point], scale: int) -> list[tuple[float, float]]:
    return [(x * WIDTH * scale, y * HEIGHT * scale) for x, y in points]


def _pattern(spec: GarmentSpec, rng: np.random.Generator) -> Image.Image:
    """The fabric: the pattern over the whole canvas, in the garment's colours."""
    base = Image.new("RGB", (WIDTH, HEIGHT), spec.colour)
    if spec.pattern == "solid":
        return base
    draw = ImageDraw.Draw(base)
    c2 = spec.secondary
    if spec.pattern == "stripes":
        period = int(rng.integers(14, 30))
        for y in range(0, HEIGHT, period):
            draw.rectangle([0, y, WIDTH, y + period // 2 - 1], fill=c2)
    elif spec.pattern == "checks":
        period = int(rng.integers(24, 44))
        arr = np.asarray(base, dtype=np.float32)
        yy, xx = _grid(1)
        half = period // 2
        band = (((yy // half) % 2) + ((xx // half) % 2)) / 2
        arr = arr * (1 - band[..., None]) + np.array(c2, np.float32) * band[..., None]
        return Image.fromarray(arr.astype(np.uint8))
    elif spec.pattern == "dots":
        period = int(rng.integers(22, 36))
        r = period * 0.2
        for row, y in enumerate(range(0, HEIGHT + period, period)):
            for x in range(-period, WIDTH + period, period):
                ox = x + (period // 2 if row % 2 else 0)
                draw.ellipse([ox - r, y - r, ox + r, y + r], fill=c2)
    elif spec.pattern == "print":
        leaf = tuple(int(v * 0.6 + 40) for v in c2[::-1])
        for _ in range(70):
            x, y = rng.uniform(0, WIDTH), rng.uniform(0, HEIGHT)
            size = rng.uniform(8, 18)
            draw.ellipse([x + size * 0.6, y - size * 0.2, x + size * 1.6, y + size * 0.3], fill=leaf)
            for k in range(5):
                a = 2 * math.pi * k / 5
                px, py = x + math.cos(a) * size * 0.5, y + math.sin(a) * size * 0.5
                draw.ellipse([px - size * 0.4, py - size * 0.4, px + size * 0.4, py + size * 0.4], fill=c2)
            draw.ellipse([x - size * 0.2, y - size * 0.2, x + size * 0.2, y + size * 0.2], fill=spec.colour)
    else:
        raise ValueError(f"unknown pattern {spec.pattern!r}")
    return base


@lru_cache(maxsize=2)
def _grid(step: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:HEIGHT:step, 0:WIDTH:step].astype(np.float32)
    return yy, xx


def _shading(rng: np.random.Generator) -> np.ndarray:
    """Soft light from the top left and a few folds: a multiplier around 1 (smooth, so computed at 1/4 size)."""
    yy, xx = _grid(4)
    light = 1.04 - 0.1 * (xx / WIDTH * 0.4 + yy / HEIGHT * 0.6)
    for _ in range(3):
        x0, slope = rng.uniform(0.25, 0.75) * WIDTH, rng.uniform(-0.25, 0.25)
        dist = np.abs(xx - (x0 + slope * (yy - HEIGHT / 2)))
        light -= 0.06 * np.exp(-(dist / rng.uniform(6, 14)) ** 2)
    small = Image.fromarray(light.astype(np.float32), mode="F")
    return np.asarray(small.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR))


def render_garment(spec: GarmentSpec) -> tuple[Image.Image, dict[str, Point]]:
    """The product shot and its landmarks in pixels."""
    rng = np.random.default_rng(spec.seed)
    shape = garment_shape(spec)
    ss = SUPERSAMPLE
    size = (WIDTH * ss, HEIGHT * ss)

    # 1. Silhouette masks, drawn supersampled for smooth edges.
    body = Image.new("L", size, 0)
    trim = Image.new("L", size, 0)
    d_body, d_trim = ImageDraw.Draw(body), ImageDraw.Draw(trim)
    for part in shape.parts:
        d_body.polygon(_px(part, ss), fill=255)
    for part in shape.trims:
        d_trim.polygon(_px(part, ss), fill=255)
    body, trim = body.reduce(ss), trim.reduce(ss)

    # 2. Fabric with shading.
    fabric = np.asarray(_pattern(spec, rng), dtype=np.float32) * _shading(rng)[..., None]
    fabric_img = Image.fromarray(np.clip(fabric, 0, 255).astype(np.uint8))

    # 3. Seams and details, a shade darker than the fabric.
    draw = ImageDraw.Draw(fabric_img)
    dark = tuple(int(v * 0.62) for v in spec.colour)
    for line in shape.seams:
        draw.line(_px(line, 1), fill=dark, width=2)
    for x, y in _px(shape.dots, 1):
        draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=dark)

    # 4. Compose on white with a soft shadow; trims (soles, handles) in off-white or dark.
    canvas = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    silhouette = ImageChops.lighter(body, trim)
    shadow = silhouette.filter(ImageFilter.GaussianBlur(10)).point(lambda v: int(v * 0.25))
    canvas.paste((150, 150, 150), (6, 9), shadow)
    trim_colour = (238, 236, 230) if sum(spec.colour) < 600 else (60, 56, 52)
    canvas.paste(trim_colour, (0, 0), trim)
    canvas.paste(fabric_img, (0, 0), body)
    edge = body.filter(ImageFilter.FIND_EDGES).point(lambda v: int(v * 0.5))
    canvas.paste(dark, (0, 0), edge)
    landmarks = {k: (round(x * WIDTH, 1), round(y * HEIGHT, 1)) for k, (x, y) in shape.landmarks.items()}
    return canvas, landmarks
