"""`shopagent bench tryon`: the warp engine over demo garments of each category on photos of people.

Per category: colour fidelity (CIEDE2000 between the product's catalog colour and the median of
the rendered garment region), coverage (IoU of the rendered garment with the body region that
kind of garment covers, the agnostic mask), identity (SSIM of the photo outside the garment and
its feathered edge, against the input) and time per image. Photos that do not show what a
garment covers (a dress on a waist-up photo) are refused by the engine and counted, not scored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage.color import deltaE_ciede2000, rgb2lab
from skimage.metrics import structural_similarity

from eval.photos import person_photos
from eval.stats import Report, Table, fmt, mean, percentiles
from index.products import ProductRow, ProductTable
from index.store import Store
from index.vocab import COLOURS
from tryon.agnostic import agnostic_mask
from tryon.body import pose
from tryon.engines import TryOnError, TryOnOptions
from tryon.engines.warp import WarpEngine
from shopagent.errors import NotReady
from tryon.garment import KINDS

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
