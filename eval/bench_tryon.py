"""`shopagent bench tryon`: the warp engine on photos of people, in two modes.

Demo mode (no --garments; a smoke test): demo garments of each category from the store. Per
category: colour fidelity (CIEDE2000 between the product's catalog colour and the median of the
rendered garment region), coverage (IoU of the rendered garment with the body region that kind
of garment covers, the agnostic mask), identity (SSIM of the photo outside the garment and its
feathered edge, against the input) and time per image. Photos that do not show what a garment
covers (a dress on a waist-up photo) are refused by the engine and counted, not scored.

Real mode (--garments, a folder of product shots with labels.csv; `real_report`): every photo of
people x a few shots of each kind (top, dress, trousers), split by contributor into dev and
held-out (IDM-VTON's studio, `idm-*`, that the engine was never tuned on). There is no reference
picture of the person in the garment, so the checks are geometric, against the person's own pose
(computed here once per person, independently of the engine): how much of the torso (legs) the
garment covers, garment pixels off the body (spill) and on the face, where its top edge and hem
sit against the joints, and the colour against the product shot's. It needs no store, and draws
one contact sheet per kind and split to look at.
"""

from __future__ import annotations

import csv
import textwrap
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage
from skimage.color import deltaE_ciede2000, rgb2lab
from skimage.metrics import structural_similarity
from tqdm import tqdm

from eval.photos import IMAGE_SUFFIXES, NoPhotos, person_photos, sample_person_photo
from eval.stats import Report, Table, fmt, mean, median, percentiles, ratio
from index.products import ProductRow, ProductTable
from index.store import Store
from index.vocab import COLOURS
from shopagent.errors import NotReady, ShopError
from tryon.agnostic import agnostic_mask
from tryon.body import (
    L_ANKLE,
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    PHOTO_ADVICE,
    R_ANKLE,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
    PhotoError,
    Pose,
    _Models,
    pose,
    work_rgb,
)
from tryon.engines import TryOnEngine, TryOnError, TryOnOptions
from tryon.engines.warp import WarpEngine
from tryon.garment import KINDS, GarmentError, cut_out

TARGET_SIZE = (768, 1024)


class NoGarments(NotReady):
    """The catalog has no product images of garments to try on."""


@dataclass
class CategoryRow:
    category: str
    delta_e: list[float] = field(default_factory=list)
    iou: list[float] = field(default_factory=list)
    ssim: list[float] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    refused: int = 0


def fit_portrait(image: Image.Image) -> Image.Image:
    """The photo scaled to fit 768x1024 (the target's size). Never padded: the pose model would place
    the legs of a waist-up photo in the padding."""
    image = image.convert("RGB")
    scale = min(TARGET_SIZE[0] / image.width, TARGET_SIZE[1] / image.height)
    return image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)


def score(person: Image.Image, result_image: Image.Image, mask: np.ndarray, colour: str, kind: str,
          found) -> tuple[float, float, float]:  # noqa: ANN001 (tryon.body.Pose)
    before, after = np.asarray(person), np.asarray(result_image)
    inside = rgb2lab(after[mask][None])[0]
    wanted = rgb2lab(np.array([[COLOURS[colour]]], np.uint8))[0, 0]
    delta_e = float(np.median(deltaE_ciede2000(inside, np.broadcast_to(wanted, inside.shape))))
    region = agnostic_mask(found, kind)
    iou = float((mask & region).sum() / max(1, (mask | region).sum()))
    keep = ~ndimage.binary_dilation(mask, iterations=4)
    ssim = float(structural_similarity(before * keep[..., None], after * keep[..., None], channel_axis=2,
                                       data_range=255))
    return delta_e, iou, ssim


def run(photos: list[Path], garments: dict[str, list[ProductRow]], data_dir: Path, out: Path | None,
        progress=None) -> list[CategoryRow]:  # noqa: ANN001
    engine = WarpEngine()
    rows = {c: CategoryRow(c) for c in garments}
    people = [(p.stem, fit_portrait(Image.open(p))) for p in photos]
    found = {name: pose(image) for name, image in people}
    engine.try_on(people[0][1], Image.open(data_dir / next(iter(garments.values()))[0].image),
                  next(iter(garments)))  # warm-up: the first call builds the pose graph
    for category, products in garments.items():
        for product in products:
            garment = Image.open(data_dir / product.image)
            for name, person in people:
                start = time.perf_counter()
                try:
                    result = engine.try_on(person, garment, category, TryOnOptions())
                except TryOnError:
                    rows[category].refused += 1
                    continue
                rows[category].ms.append((time.perf_counter() - start) * 1000)
                d, i, s = score(person, result.image, result.mask, product.colours[0], KINDS[category], found[name])
                rows[category].delta_e.append(d)
                rows[category].iou.append(i)
                rows[category].ssim.append(s)
                if out is not None:
                    out.mkdir(parents=True, exist_ok=True)
                    pair = Image.new("RGB", (2 * person.width, person.height))
                    pair.paste(person, (0, 0))
                    pair.paste(result.image.resize(person.size), (person.width, 0))
                    pair.resize((person.width, person.height // 2)).save(out / f"{category}-{product.sku}-{name}.jpg")
        if progress:
            progress(category)
    return list(rows.values())


def report(store: Store, data_dir: Path, photos: Path | None = None, per_category: int = 3,
           out: Path | None = None, progress=None) -> Report:  # noqa: ANN001
    """The warp engine on per_category demo garments of each kind, on the photos of people in photos
    (default: the sample photo); before/after pictures in out."""
    people = person_photos(photos)
    table = ProductTable.from_store(store)
    garments = {c: [r for r in table.rows if r.category == c and r.image][:per_category] for c in KINDS}
    garments = {c: rows for c, rows in garments.items() if rows}
    if not garments:
        raise NoGarments("the catalog has no garment images: run `shopagent demo-data` first.")
    result = Table(f"bench tryon — warp engine, {len(people)} photo(s), 768x1024",
                   ("category", "tried", "refused", "colour ΔE", "coverage IoU", "identity SSIM (min)", "ms p50 / p95"))
    for r in run(people, garments, data_dir, out, progress):
        p50, p95 = percentiles(r.ms)
        result.add(r.category, str(len(r.ms)), str(r.refused), fmt(mean(r.delta_e)), fmt(mean(r.iou)),
                   f"{mean(r.ssim):.4f} ({min(r.ssim):.4f})" if r.ssim else "-",
                   f"{p50:.0f} / {p95:.0f}" if r.ms else "-")
    yield result


# ---------------------------------------------------------------- real photos (--garments)

HELD_OUT_PREFIX = "idm-"  # IDM-VTON's studio: the engine was never tuned on its photos
LABEL_KINDS = ("top", "dress", "bottom")  # the kinds in labels.csv that the engine dresses people in
KIND_NAMES = {"top": "tops", "dress": "dresses", "skirt": "skirts", "legs": "trousers"}
# what a person's pose must show for a garment of each kind (as the engine asks for it)
SHOWS = {"top": [L_SHOULDER, R_SHOULDER], "dress": [L_SHOULDER, R_SHOULDER, L_KNEE, R_KNEE],
         "skirt": [L_HIP, R_HIP, L_KNEE, R_KNEE], "legs": [L_HIP, R_HIP, L_KNEE, R_KNEE]}
SPILL_MARGIN = 0.03  # of the image height: the silhouette is widened by this before spill counts
RESULT_RATE, COVERAGE, SPILL, P95_MS = 0.95, 0.85, 0.10, 1000.0
RATE_KINDS, COVERAGE_KINDS = ("top", "dress"), ("top",)
TARGETS_LINE = (f"targets: tops and dresses give a result for >= {RESULT_RATE:.0%} of the people whose photo shows "
                f"what they cover (refusals of the others count as n/a) · tops cover >= {COVERAGE} of the torso "
                f"(mean) · spill <= {SPILL:.0%} of the garment's pixels (mean) · no garment pixel on the face · "
                f"p95 <= {P95_MS:.0f} ms")
MEASURES_LINE = ("coverage: share of the torso (shoulders to hips; trousers: hips to knees or ankles) inside the "
                 "person mask that the garment covers · spill: garment pixels off the silhouette widened by 3% of the "
                 "height · on face: share of results with garment pixels in the face box (mean px) · top / hem: "
                 "garment top row - shoulder joints (trousers: hip joints) and lowest row - hips (tops) or knees "
                 "(dresses), in torso lengths, medians")
TILE = (160, 213)  # a contact sheet's tile, the 768x1024 photos' shape
CAPTION = 14  # px under each tile for its numbers


class NoGarmentShots(ShopError):
    """A --garments folder without usable labels.csv rows."""

    code = "no_garments"


@dataclass(frozen=True)
class Shot:
    path: Path
    category: str  # the catalog's category (labels.csv)
    kind: str  # tryon.garment.KINDS: top, dress, skirt, legs


@dataclass
class Body:
    """What the checks read off one person photo, once: the pose (None when MediaPipe finds no single person) and
    the face box in pixels at the pose's size (None when no face is found, e.g. the head cut off at the chin)."""

    pose: Pose | None
    face: tuple[int, int, int, int] | None = None
    problem: str = ""

    def shows(self, kind: str) -> bool:
        return self.pose is not None and self.pose.visible(SHOWS[kind])


@dataclass
class Trial:
    """One person x one garment: the outcome and, for a result, its measures and a thumbnail."""

    person: str
    garment: str
    kind: str
    split: str  # dev, held-out
    shows: bool  # the person's pose shows what the garment covers
    outcome: str  # result, refused, error
    message: str = ""
    ms: float | None = None
    delta_e: float | None = None
    coverage: float | None = None
    spill: float | None = None
    face_px: int | None = None  # None: no face found on the person
    top: float | None = None
    hem: float | None = None
    thumb: Image.Image | None = field(default=None, repr=False)


def split_of(person: str) -> str:
    """held-out for the studio the engine was never tuned on, dev for the rest."""
    return "held-out" if person.startswith(HELD_OUT_PREFIX) else "dev"


def all_photos(folder: Path | None) -> list[Path]:
    """Every image in folder (eval.photos.person_photos keeps only names with "person" when there are some);
    without a folder, the sample photo."""
    if folder is None:
        return [sample_person_photo()]
    images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES) if folder.is_dir() else []
    if not images:
        raise NoPhotos(f"no photos in {folder}: give --photos a folder of {', '.join(IMAGE_SUFFIXES)} files.")
    return images


def garment_shots(folder: Path) -> dict[str, list[Shot]]:
    """labels.csv's tops, dresses and bottoms by try-on kind, sorted by file name."""
    labels = folder / "labels.csv"
    if not labels.is_file():
        raise NoGarmentShots(f"{folder} has no labels.csv: give --garments a folder of product shots with a "
                             "labels.csv (columns file,kind,category).")
    with labels.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if rows and not {"file", "kind", "category"} <= set(rows[0]):
        raise NoGarmentShots(f"{labels} needs the columns file, kind and category; it has {', '.join(rows[0])}.")
    shots: dict[str, list[Shot]] = {}
    for row in sorted(rows, key=lambda r: r["file"]):
        if row["kind"] in LABEL_KINDS and row["category"] in KINDS and (folder / row["file"]).is_file():
            shots.setdefault(KINDS[row["category"]], []).append(Shot(folder / row["file"], row["category"],
                                                                     KINDS[row["category"]]))
    if not shots:
        raise NoGarmentShots(f"{labels} lists no top, dress or bottom whose image is in {folder}.")
    return {kind: shots[kind] for kind in KIND_NAMES if kind in shots}


def evenly(items: list, n: int) -> list:
    """n items spread evenly over the list (first and last included): a sample that does not depend on luck."""
    if n >= len(items):
        return list(items)
    if n <= 1:
        return items[:n]
    return [items[i] for i in sorted({round(i) for i in np.linspace(0, len(items) - 1, n)})]


# ---------------------------------------------------------------- checks (no reference picture needed)


def polygon_mask(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(points[:, :2]).astype(np.int32)], 1)
    return mask.astype(bool)


def region_mask(found: Pose, kind: str) -> np.ndarray:
    """The body a garment of kind should cover: the torso (shoulders to hips) for tops and dresses, the legs (hips
    to ankles, or to the knees when the ankles are not in the photo) for bottoms; inside the person mask."""
    lm = found.landmarks
    if kind in ("top", "dress"):
        corners = [L_SHOULDER, R_SHOULDER, R_HIP, L_HIP]
    elif kind == "legs" and found.visible([L_ANKLE, R_ANKLE]):
        corners = [L_HIP, L_KNEE, L_ANKLE, R_ANKLE, R_KNEE, R_HIP]
    else:
        corners = [L_HIP, L_KNEE, R_KNEE, R_HIP]
    return polygon_mask(lm[corners], found.mask.shape) & found.mask


def coverage(garment: np.ndarray, region: np.ndarray) -> float | None:
    """The share of region that the garment covers."""
    return ratio(float((garment & region).sum()), float(region.sum()))


def spill(garment: np.ndarray, person: np.ndarray, margin: float = SPILL_MARGIN) -> float | None:
    """The share of the garment's pixels off the person's silhouette widened by margin x the image height
    (a loose garment may stand a little off the body; more is a garment in the air)."""
    r = max(1, round(margin * person.shape[0]))
    body = cv2.dilate(person.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    return ratio(float((garment & ~body.astype(bool)).sum()), float(garment.sum()))


def face_pixels(garment: np.ndarray, box: tuple[int, int, int, int]) -> int:
    x0, y0, x1, y1 = box
    return int(garment[y0:y1, x0:x1].sum())


def _torso(lm: np.ndarray) -> float:
    shoulders = (lm[L_SHOULDER, :2] + lm[R_SHOULDER, :2]) / 2
    hips = (lm[L_HIP, :2] + lm[R_HIP, :2]) / 2
    return float(np.linalg.norm(hips - shoulders))


def _rows_between(garment: np.ndarray, a: float, b: float) -> np.ndarray:
    """The rows holding garment pixels in the columns between x = a and x = b."""
    x0, x1 = sorted((int(np.clip(a, 0, garment.shape[1] - 1)), int(np.clip(b, 0, garment.shape[1] - 1))))
    return np.nonzero(garment[:, x0:x1 + 1].any(axis=1))[0]


def top_offset(garment: np.ndarray, lm: np.ndarray, kind: str) -> float | None:
    """The garment's top row over the shoulder columns minus the shoulder joints' y (trousers: over the hip
    columns minus the hip joints'), in torso lengths: below 0 it starts above the joints."""
    a, b = (L_HIP, R_HIP) if kind in ("legs", "skirt") else (L_SHOULDER, R_SHOULDER)
    rows, torso = _rows_between(garment, lm[a, 0], lm[b, 0]), _torso(lm)
    if not len(rows) or not torso:
        return None
    return float((rows[0] - (lm[a, 1] + lm[b, 1]) / 2) / torso)


def hem_offset(garment: np.ndarray, lm: np.ndarray, kind: str) -> float | None:
    """The garment's lowest row between the hip joints minus the hips' y (tops) or the knees' (dresses), in torso
    lengths; None for bottoms (their top edge is what is checked)."""
    if kind not in ("top", "dress"):
        return None
    rows, torso = _rows_between(garment, lm[L_HIP, 0], lm[R_HIP, 0]), _torso(lm)
    if not len(rows) or not torso:
        return None
    a, b = (L_HIP, R_HIP) if kind == "top" else (L_KNEE, R_KNEE)
    return float((rows[-1] - (lm[a, 1] + lm[b, 1]) / 2) / torso)


def median_lab(rgb: np.ndarray) -> np.ndarray:
    """The median CIELAB colour of an (N, 3) array of RGB pixels."""
    return np.median(rgb2lab(rgb.reshape(1, -1, 3).astype(np.uint8))[0], axis=0)


def shot_colour(image: Image.Image, category: str) -> np.ndarray | None:
    """The garment's median CIELAB in its product shot (the cut-out's pixels); None when it cannot be cut out."""
    try:
        g = cut_out(image, category)
    except GarmentError:
        return None
    return median_lab(g.rgba[..., :3][g.rgba[..., 3] > 127])


def colour_delta(garment_lab: np.ndarray | None, result: np.ndarray, mask: np.ndarray) -> float | None:
    """CIEDE2000 between the product shot's median colour and the result's over its garment mask."""
    if garment_lab is None or not mask.any():
        return None
    return float(deltaE_ciede2000(garment_lab, median_lab(result[mask])))


def read_body(person: Image.Image) -> Body:
    """The person's pose and face box, with MediaPipe's detectors (not the engine's code)."""
    try:
        found = pose(person)
    except PhotoError as exc:
        return Body(None, problem=str(exc))
    _, faces = _Models.get()
    detections = faces.process(work_rgb(person)).detections
    if not detections:
        return Body(found)
    box = detections[0].location_data.relative_bounding_box
    w, h = found.size
    x0, y0 = max(0, int(box.xmin * w)), max(0, int(box.ymin * h))
    x1, y1 = min(w, int((box.xmin + box.width) * w) + 1), min(h, int((box.ymin + box.height) * h) + 1)
    return Body(found, (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None)


def _at(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """mask at shape (h, w), nearest neighbour: the engine's result at the pose's analysed size."""
    if mask.shape == shape:
        return mask
    return np.asarray(Image.fromarray(mask).resize((shape[1], shape[0]), Image.Resampling.NEAREST))


def measure(trial: Trial, image: Image.Image, mask: np.ndarray, body: Body, garment_lab: np.ndarray | None) -> None:
    """Fill in trial's measures from the engine's result."""
    rgb = np.asarray(image.convert("RGB"))
    trial.delta_e = colour_delta(garment_lab, rgb, _at(mask, rgb.shape[:2]))
    if body.pose is None:
        return
    garment = _at(mask, body.pose.mask.shape)
    lm = body.pose.landmarks
    trial.coverage = coverage(garment, region_mask(body.pose, trial.kind))
    trial.spill = spill(garment, body.pose.mask)
    trial.face_px = None if body.face is None else face_pixels(garment, body.face)
    trial.top, trial.hem = top_offset(garment, lm, trial.kind), hem_offset(garment, lm, trial.kind)


# ---------------------------------------------------------------- running


def short_reason(message: str) -> str:
    """A refusal's message without the photo advice every PhotoError carries."""
    return message.replace(PHOTO_ADVICE, "").strip()


def try_one(engine: TryOnEngine, person: tuple[str, Image.Image], body: Body, shot: Shot, garment: Image.Image,
            garment_lab: np.ndarray | None) -> Trial:
    """One try-on, timed; a refusal (TryOnError) or a crash of the engine is a row, not the end of the bench."""
    name, image = person
    trial = Trial(name, shot.path.name, shot.kind, split_of(name), body.shows(shot.kind), "result")
    start = time.perf_counter()
    try:
        result = engine.try_on(image, garment, shot.category, TryOnOptions())
    except TryOnError as exc:
        trial.outcome, trial.message = "refused", short_reason(str(exc))
        return trial
    except Exception as exc:  # noqa: BLE001 (the engine's bugs are counted as errors; the bench goes on)
        trial.outcome, trial.message = "error", f"{type(exc).__name__}: {exc}"
        return trial
    trial.ms = (time.perf_counter() - start) * 1000
    try:
        measure(trial, result.image, np.asarray(result.mask, bool), body, garment_lab)
    except Exception as exc:  # noqa: BLE001 (a malformed result, e.g. a mask of another shape than the image)
        trial.outcome, trial.message = "error", f"unreadable result: {type(exc).__name__}: {exc}"
        return trial
    trial.thumb = _fit(result.image)
    return trial


def try_all(people: list[Path], shots: dict[str, list[Shot]], engine: TryOnEngine) -> list[Trial]:
    """Every person x every shot, after one untimed warm-up try-on (the first call builds the pose graph)."""
    photos = [(p.name, fit_portrait(Image.open(p))) for p in people]
    bodies = {name: read_body(image) for name, image in tqdm(photos, desc="poses", unit="photo", leave=False)}
    garments = {s.path: Image.open(s.path).convert("RGB") for kind in shots.values() for s in kind}
    colours = {s.path: shot_colour(garments[s.path], s.category) for kind in shots.values() for s in kind}
    first = next(iter(shots.values()))[0]
    try:
        engine.try_on(photos[0][1], garments[first.path], first.category, TryOnOptions())
    except Exception:  # noqa: BLE001, S110 (the warm-up's outcome is measured again below)
        pass
    pairs = [(s, p) for kind in shots.values() for s in kind for p in photos]
    return [try_one(engine, p, bodies[p[0]], s, garments[s.path], colours[s.path])
            for s, p in tqdm(pairs, desc="try-on", unit="pair", leave=False)]


# ---------------------------------------------------------------- tables


def _mark(value: float | None, ok: bool | None, spec: str = ".2f") -> str:
    return fmt(value, spec) + ("" if ok is None or value is None else " ✓" if ok else " ✗")


def kind_row(kind: str, split: str, trials: list[Trial]) -> tuple[tuple[str, ...], bool | None]:
    """One table row for the trials of a kind and split, and whether it met every target that applies."""
    results = [t for t in trials if t.outcome == "result"]
    refused = [t for t in trials if t.outcome == "refused"]
    errors = [t for t in trials if t.outcome == "error"]
    showing = [t for t in trials if t.shows]
    rate = ratio(sum(t.outcome == "result" for t in showing), len(showing))
    cov = mean([t.coverage for t in results if t.coverage is not None])
    spl = mean([t.spill for t in results if t.spill is not None])
    faces = [t.face_px for t in results if t.face_px is not None]
    on_face = ratio(sum(px > 0 for px in faces), len(faces))
    ms = [t.ms for t in results if t.ms is not None]
    p50, p95 = percentiles(ms)
    checks = {"rate": None if rate is None or kind not in RATE_KINDS else rate >= RESULT_RATE,
              "coverage": None if cov is None or kind not in COVERAGE_KINDS else cov >= COVERAGE,
              "spill": None if spl is None else spl <= SPILL,
              "face": None if on_face is None else on_face == 0,
              "p95": None if not ms else p95 <= P95_MS}
    known = [c for c in checks.values() if c is not None]
    tops = [t.top for t in results if t.top is not None]
    hems = [t.hem for t in results if t.hem is not None]
    n_a = sum(not t.shows for t in refused)
    cells = (KIND_NAMES.get(kind, kind), split, str(len(trials)), str(len(results)),
             f"{len(refused)} ({n_a} n/a)" if n_a else str(len(refused)), str(len(errors)),
             f"{_mark(rate, checks['rate'])} of {len(showing)}", _mark(cov, checks["coverage"]),
             _mark(spl, checks["spill"]),
             "-" if on_face is None else f"{_mark(on_face, checks['face'])} ({np.mean(faces):.0f} px)",
             f"{fmt(median(tops) if tops else None, '+.2f')} / {fmt(median(hems) if hems else None, '+.2f')}",
             fmt(mean([t.delta_e for t in results if t.delta_e is not None]), ".1f"),
             f"{p50:.0f} / {_mark(p95, checks['p95'], '.0f')}" if ms else "-",
             f"{sum(known)}/{len(known)}" if known else "-")
    return cells, (all(known) if known else None)


def quality_table(trials: list[Trial], photos: int, garments: int) -> Table:
    table = Table(f"bench tryon — warp engine on real photos: {photos} people x {garments} garments, 768x1024",
                  ("garments", "split", "tried", "results", "refused", "errors", "result rate", "coverage", "spill",
                   "on face", "top / hem", "colour ΔE", "ms p50 / p95", "targets met"))
    for kind in dict.fromkeys(t.kind for t in trials):
        for split in ("dev", "held-out"):
            group = [t for t in trials if t.kind == kind and t.split == split]
            if group:
                cells, passed = kind_row(kind, split, group)
                table.add(*cells, passed=passed)
    return table


def reasons_table(trials: list[Trial]) -> Table:
    """Refusals and errors counted by message; n/a: of them, on people whose photo does not show the region."""
    counts = Counter((t.kind, t.outcome, t.message) for t in trials if t.outcome != "result")
    n_a = Counter((t.kind, t.outcome, t.message) for t in trials if t.outcome != "result" and not t.shows)
    table = Table("refusals and errors, by message", ("garments", "outcome", "message", "count", "n/a"))
    for (kind, outcome, message), n in counts.most_common():
        table.add(KIND_NAMES.get(kind, kind), outcome, message, str(n), str(n_a[(kind, outcome, message)]))
    return table


# ---------------------------------------------------------------- contact sheets


def _fit(image: Image.Image, size: tuple[int, int] = TILE, background: tuple[int, int, int] = (255, 255, 255)
         ) -> Image.Image:
    """image scaled to fit size, centred."""
    image = image.convert("RGB")
    image.thumbnail(size, Image.Resampling.LANCZOS)
    tile = Image.new("RGB", size, background)
    tile.paste(image, ((size[0] - image.width) // 2, (size[1] - image.height) // 2))
    return tile


def _tile(trial: Trial | None, font: ImageFont.ImageFont) -> Image.Image:
    """A result with its numbers under it, or a grey tile with why there is none."""
    tile = Image.new("RGB", (TILE[0], TILE[1] + CAPTION), (255, 255, 255))
    draw = ImageDraw.Draw(tile)
    if trial is not None and trial.thumb is not None:
        tile.paste(trial.thumb, (0, 0))
        caption = f"cov {fmt(trial.coverage)} spill {fmt(trial.spill)}"
        if trial.face_px:
            caption += f" face {trial.face_px}"
        draw.text((3, TILE[1] + 1), caption, fill=(200, 0, 0) if trial.face_px else (0, 0, 0), font=font)
        return tile
    draw.rectangle((0, 0, TILE[0] - 1, TILE[1] - 1), fill=(200, 200, 200))
    why = "(not tried)" if trial is None else f"{trial.outcome}: {trial.message}"
    draw.multiline_text((5, 5), "\n".join(textwrap.wrap(why, 26)[:12]), fill=(60, 0, 0) if trial and
                        trial.outcome == "error" else (40, 40, 40), font=font)
    return tile


def contact_sheet(trials: list[Trial], shots: list[Shot], people: list[str], path: Path) -> Path:
    """A grid to look at: a row per garment (its product shot first), a column per person; a header of names."""
    font = ImageFont.load_default(size=11)
    head, cell = 16, (TILE[0], TILE[1] + CAPTION)
    sheet = Image.new("RGB", (cell[0] * (len(people) + 1), head + cell[1] * len(shots)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    by_pair = {(t.garment, t.person): t for t in trials}
    for col, name in enumerate(people, start=1):
        draw.text((col * cell[0] + 3, 2), Path(name).stem[:24], fill=(0, 0, 0), font=font)
    for row, shot in enumerate(shots):
        y = head + row * cell[1]
        sheet.paste(_fit(Image.open(shot.path)), (0, y))
        draw.text((3, y + TILE[1] + 1), shot.path.stem[:24], fill=(0, 0, 120), font=font)
        for col, name in enumerate(people, start=1):
            sheet.paste(_tile(by_pair.get((shot.path.name, name)), font), (col * cell[0], y))
    return save_small(sheet, path)


def save_small(image: Image.Image, path: Path, most: int = 5_000_000) -> Path:
    """A PNG; in 256 colours when the full-colour one would be over most bytes (a sheet of 25 photos is ~10 MB)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)
    if path.stat().st_size > most:
        image.quantize(256, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)
    return path


def contact_sheets(trials: list[Trial], shots: dict[str, list[Shot]], people: list[Path], out: Path) -> list[Path]:
    """One sheet per kind and split: out/<kind>-dev.png, out/<kind>-heldout.png."""
    paths = []
    for kind, kind_shots in shots.items():
        for split in ("dev", "held-out"):
            names = [p.name for p in people if split_of(p.name) == split]
            if names:
                paths.append(contact_sheet(trials, kind_shots, names, out / f"{kind}-{split.replace('-', '')}.png"))
    return paths


def real_report(photos: Path | None, garments: Path, per_kind: int = 6, out: Path = Path("bench-tryon"),
                engine: TryOnEngine | None = None) -> Report:
    """The warp engine (or engine) on every photo of people in photos x per_kind product shots of each kind in
    garments (labels.csv), dev and held-out apart; no store needed. Contact sheets in out."""
    people = all_photos(photos)
    shots = {kind: evenly(rows, per_kind) for kind, rows in garment_shots(garments).items()}
    shots = {kind: rows for kind, rows in shots.items() if rows}
    if not shots:
        raise NoGarmentShots(f"--per-kind {per_kind} picks no garments: give at least 1.")
    held = sum(split_of(p.name) == "held-out" for p in people)
    yield (f"people: {len(people)} ({held} held-out: {HELD_OUT_PREFIX}*, a studio the engine was never tuned on); "
           "garments: " + ", ".join(f"{len(rows)} {KIND_NAMES.get(k, k)}" for k, rows in shots.items()))
    trials = try_all(people, shots, engine or WarpEngine())
    yield TARGETS_LINE
    yield MEASURES_LINE
    yield quality_table(trials, len(people), sum(len(rows) for rows in shots.values()))
    if any(t.outcome != "result" for t in trials):
        yield reasons_table(trials)
    for path in contact_sheets(trials, shots, people, out):
        yield f"contact sheet: {path}"
