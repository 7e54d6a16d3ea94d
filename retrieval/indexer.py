"""Building the product vector index from the catalog: `shopagent index build`.

A product's vector is its image embedding plus its text embedding (title, attributes,
description), normalised; without an image, the text alone. The build compares each product's
content hash with the manifest's: unchanged products are skipped, changed and deleted ones are
removed, new and changed ones embedded and added. It saves every `checkpoint_every` products,
so an interrupted build resumes where it stopped; the manifest is marked complete, with the
catalog version, only at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.images import ImageError, open_image
from index.products import ProductRow, load_products
from index.store import Store
from index.vector_index import Manifest, VectorIndex, VectorIndexError, read_manifest
from retrieval.embedders import Embedder, normalise

INDEX_DIR = "index/products"


@dataclass
class BuildReport:
    total: int
    added: int
    removed: int
    unchanged: int
    image_errors: list[str]
    seconds: float
    folder: Path

    @property
    def per_second(self) -> float:
        return self.added / self.seconds if self.seconds else 0.0


def index_folder(data_dir: Path) -> Path:
    return data_dir / INDEX_DIR


def embed_products(embedder: Embedder, rows: list[ProductRow], data_dir: Path,
                   errors: list[str] | None = None) -> np.ndarray:
    """One unit vector per product: image + text, or text alone when the image is missing or bad."""
    text_vectors = embedder.encode_texts([r.text() for r in rows])
    images, positions = [], []
    for n, row in enumerate(rows):
        if not row.image:
            continue
        try:
            images.append(open_image(data_dir / row.image))
            positions.append(n)
        except ImageError as exc:
            if errors is not None:
                errors.append(f"{row.sku}: {exc}")
    vectors = text_vectors.copy()
    if images:
        vectors[positions] += embedder.encode_images(images)
    return normalise(vectors)


def _open_existing(folder: Path, embedder: Embedder, factory: str, rebuild: bool) -> tuple[VectorIndex, Manifest]:
    """The index to continue from: the one on disk when it fits, else a new, empty one."""
    fresh = VectorIndex(embedder.dim, factory), Manifest(embedder.id, embedder.dim, factory)
    if rebuild or not (folder / "manifest.json").is_file():
        return fresh
    manifest = read_manifest(folder)
    if manifest.factory != factory:
        return fresh
    try:
        return VectorIndex.load(folder, embedder.id, embedder.dim, allow_incomplete=True)
    except VectorIndexError:
        return fresh


def build_index(store: Store, embedder: Embedder, data_dir: Path, factory: str = "Flat", rebuild: bool = False,
                batch: int = 64, checkpoint_every: int = 512,
                progress: Callable[[int, int], None] | None = None) -> BuildReport:
    """Bring the index in data_dir up to date with the catalog; progress(done, todo) after each batch."""
    start = time.perf_counter()
    folder = index_folder(data_dir)
    index, manifest = _open_existing(folder, embedder, factory, rebuild)
    catalog_version = store.catalog_version()
    rows = load_products(store)
    hashes = {str(r.id): r.content_hash(data_dir) for r in rows}
    stale = [int(pid) for pid, h in manifest.items.items() if hashes.get(pid) != h]
    index.remove(np.array(stale, np.int64))
    for pid in stale:
        manifest.items.pop(str(pid), None)
    todo = [r for r in rows if str(r.id) not in manifest.items]
    errors: list[str] = []
    since_save = 0
    for n in range(0, len(todo), batch):
        chunk = todo[n:n + batch]
        index.add(np.array([r.id for r in chunk], np.int64), embed_products(embedder, chunk, data_dir, errors))
        manifest.items.update({str(r.id): hashes[str(r.id)] for r in chunk})
        since_save += len(chunk)
        if since_save >= checkpoint_every:
            index.save(folder, manifest)
            since_save = 0
        if progress:
            progress(min(n + batch, len(todo)), len(todo))
    manifest.complete, manifest.catalog_version = True, catalog_version
    index.save(folder, manifest)
    return BuildReport(total=len(rows), added=len(todo), removed=len(stale), unchanged=len(rows) - len(todo),
                       image_errors=errors, seconds=time.perf_counter() - start, folder=folder)
