"""`shopagent bench index`: how fast an index build embeds the catalog's products, the old way and today's.

Both ways run in this one process on the same products, in turns (per image, build, per image, build...),
so a machine that speeds up or slows down during the run weighs on both; products/s is the median:

- per image: the build as it was before issue 16. Each image decoded at full size, the image work
  (white balance, a GrabCut mask at 256 px with 4 iterations, colours, views) one image after the
  other in this process, the nets and the text model once per batch of 64.
- build: `build_index`. Each image opened once, a JPEG decoded at the attribute model's working
  size, the image work in worker processes a batch ahead (GrabCut at `GRABCUT`), the recognised
  attributes handed to the embedder.

The per-image way shares today's exact speed-ups (k-means stops once its labels repeat, OpenCV
morphology, CIELAB of the sampled pixels only, each distinct caption embedded once a run), so the
ratio understates the gain over the old code.
Also reported: how many recognised values (category, main colour, pattern) differ between the two.
Only the builtin embedder (the one that reads attributes) is measured.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from eval.stats import Report, Table, fmt, median
from index.cutout import GRABCUT, GrabCut
from index.images import ImageError, open_image
from index.products import ProductRow, load_products
from index.store import Store
from index.vector_index import Manifest, VectorIndex
from retrieval.attributes import GarmentAttributes, prepare
from retrieval.embedders import normalise
from retrieval.embedders.builtin import BuiltinEmbedder
from retrieval.indexer import build_index

BEFORE = GrabCut(side=256, iterations=4)  # how garment_mask ran GrabCut before issue 16
TARGET_RATIO = 4.0


def per_image_build(store: Store, embedder: BuiltinEmbedder, data_dir: Path, folder: Path,
                    batch: int = 64) -> dict[int, GarmentAttributes]:
    """The old build: full-size decode, the image work image by image here, nets and text model per batch."""
    rows = load_products(store)
    hashes = {str(r.id): r.content_hash(data_dir) for r in rows}
    index, manifest = VectorIndex(embedder.dim, "Flat"), Manifest(embedder.id, embedder.dim, "Flat")
    seen: dict[int, GarmentAttributes] = {}
    for n in range(0, len(rows), batch):
        chunk = rows[n:n + batch]
        vectors = embedder.encode_texts([r.text() for r in chunk]).copy()
        images, positions = [], []
        for position, row in enumerate(chunk):
            if not row.image:
                continue
            try:
                images.append(open_image(data_dir / row.image))
            except ImageError:
                continue
            positions.append(position)
        attributes = embedder.attributes.recognize_prepared([prepare(image, grabcut=BEFORE) for image in images])
        if positions:
            vectors[positions] += embedder.encode_attributes(attributes)
        seen.update({chunk[p].id: a for p, a in zip(positions, attributes)})
        index.add(np.array([r.id for r in chunk], np.int64), normalise(vectors))
        manifest.items.update({str(r.id): hashes[str(r.id)] for r in chunk})
    manifest.complete = True
    index.save(folder, manifest)
    return seen


def _timed_build(store: Store, embedder: BuiltinEmbedder, scratch: Path) -> tuple[float, dict[int, GarmentAttributes]]:
    seen: dict[int, GarmentAttributes] = {}

    def keep(rows: list[ProductRow], attributes: list[GarmentAttributes | None]) -> None:
        seen.update({r.id: a for r, a in zip(rows, attributes) if a is not None})

    embedder.caption_cache.clear()
    start = time.perf_counter()
    build_index(store, embedder, scratch, rebuild=True, enrich=keep)
    return time.perf_counter() - start, seen


def _timed_per_image(store: Store, embedder: BuiltinEmbedder, data_dir: Path,
                     scratch: Path) -> tuple[float, dict[int, GarmentAttributes]]:
    embedder.caption_cache.clear()
    start = time.perf_counter()
    seen = per_image_build(store, embedder, data_dir, scratch / "per-image")
    return time.perf_counter() - start, seen


def changed(before: dict[int, GarmentAttributes], after: dict[int, GarmentAttributes]) -> dict[str, int]:
    """How many products' recognised category, main colour and pattern differ between two runs."""
    both = before.keys() & after.keys()
    return {"category": sum(before[i].category != after[i].category for i in both),
            "main colour": sum(before[i].colour != after[i].colour for i in both),
            "pattern": sum(before[i].pattern != after[i].pattern for i in both), "images": len(both)}


def report(store: Store, embedder: BuiltinEmbedder, data_dir: Path, rounds: int = 2,
           progress: Callable[[str], None] | None = None) -> Report:
    """Products/s of the per-image way and of build_index on this catalog, timed in turns, and their ratio."""
    if not hasattr(embedder, "encode_attributes"):
        raise ValueError("the index benchmark measures the builtin embedder; set embedder=builtin.")
    products = len(load_products(store))
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        scratch = Path(tmp)
        (scratch / "images").symlink_to((data_dir / "images").resolve(), target_is_directory=True)
        old_times, new_times = [], []
        for n in range(rounds):
            if progress:
                progress(f"round {n + 1} of {rounds}: per image")
            seconds, old = _timed_per_image(store, embedder, data_dir, scratch)
            old_times.append(seconds)
            if progress:
                progress(f"round {n + 1} of {rounds}: build")
            seconds, new = _timed_build(store, embedder, scratch)
            new_times.append(seconds)
    ratios = [o / n for o, n in zip(old_times, new_times)]
    table = Table(f"index build on {products} products ({len(old)} images), median of {rounds} turns",
                  ("way", "products/s", "seconds", "vs per image"))
    table.add(f"per image (GrabCut {BEFORE.side} px x{BEFORE.iterations}, full decode)",
              fmt(products / median(old_times), ".1f"), fmt(median(old_times), ".1f"), "1.00")
    table.add(f"build (GrabCut {GRABCUT.side} px x{GRABCUT.iterations}, workers)",
              fmt(products / median(new_times), ".1f"), fmt(median(new_times), ".1f"), fmt(median(ratios), ".2f"),
              passed=median(ratios) >= TARGET_RATIO)
    yield table
    diff = changed(old, new)
    outputs = Table("recognised values that differ between the two ways", ("value", "changed", "of"))
    for name in ("category", "main colour", "pattern"):
        outputs.add(name, str(diff[name]), str(diff["images"]))
    yield outputs
