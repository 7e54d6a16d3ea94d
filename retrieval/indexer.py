"""Building the product vector index from the catalog: `shopagent index build`.

A product's vector is its image embedding plus its text embedding (title, attributes,
description), normalised; without an image, the text alone. The build compares each product's
content hash with the manifest's: unchanged products are skipped, changed and deleted ones are
removed, new and changed ones embedded and added. It saves every `checkpoint_every` products,
so an interrupted build resumes where it stopped; the manifest is marked complete, with the
catalog version, only at the end.

Each product's image is opened once and recognised once. The image work (decoding, white
balance, the GrabCut mask, colours) runs in worker processes, as many as there are cores up to
`MAX_WORKERS` (GrabCut holds the GIL, so threads would not help), a batch ahead of the nets and
the text model in this process. A JPEG is decoded straight at the size the attribute model works
at unless the embedder reads pixels itself. The builtin embedder makes its image vectors from
the recognised attributes; another embedder (open_clip) gets the images; `enrich` gets each
batch's attributes, so image-derived values can be stored whichever embedder is in use.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from index.images import ImageError, open_image
from index.products import ProductRow, load_products
from index.store import Store
from index.vector_index import Manifest, VectorIndex, VectorIndexError, read_manifest
from retrieval.attributes import (
    WORK_SIDE,
    AttributeModel,
    AttributeModelMissing,
    GarmentAttributes,
    PreparedImage,
    attribute_weights_path,
    prepare,
)
from retrieval.embedders import Embedder, normalise
from retrieval.zeroshot import with_zero_shot, zero_shot_for

INDEX_DIR = "index/products"
MAX_WORKERS = 4  # processes for the image work; the nets and the text model run in the calling process

Enrich = Callable[[list[ProductRow], list[GarmentAttributes | None]], None]


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


@dataclass
class ImageRead:
    """One product's image, opened once: the pixels (when the embedder reads them), the work for the
    attribute nets (when there is an attribute model), or why it could not be used."""

    image: Image.Image | None = None
    prepared: PreparedImage | None = None
    error: str | None = None


def read_image(path: Path, keep_pixels: bool, recognise: bool) -> ImageRead:
    """Open one image and do its image work; runs in a worker process (so it takes a path, not pixels)."""
    try:
        image = open_image(path, draft=None if keep_pixels else WORK_SIDE)
        return ImageRead(image if keep_pixels else None, prepare(image) if recognise else None)
    except ImageError as exc:
        return ImageRead(error=str(exc))


class ImageReader:
    """Reads the images of batches of products a batch ahead, in worker processes when there are cores."""

    def __init__(self, data_dir: Path, keep_pixels: bool, recognise: bool, workers: int | None = None) -> None:
        self.data_dir, self.keep_pixels, self.recognise = data_dir, keep_pixels, recognise
        self.workers = min(MAX_WORKERS, os.cpu_count() or 1) if workers is None else workers
        self.pool: Executor | None = None
        self.torch_threads = torch.get_num_threads()
        if self.workers > 1 and sys.platform == "linux":
            # fork: the workers start at once with the modules loaded (spawn would import torch again, seconds).
            # They run numpy, PIL and OpenCV only, which all carry on after a fork (not cv2.setNumThreads: it
            # hangs). Ctrl-C is for this process: it stops the build, the pool closes.
            self.pool = ProcessPoolExecutor(self.workers, multiprocessing.get_context("fork"),
                                            initializer=signal.signal, initargs=(signal.SIGINT, signal.SIG_IGN))

    def __enter__(self) -> ImageReader:
        if self.pool:  # the workers take cores: the text model and the nets here leave them to them
            torch.set_num_threads(max(1, self.torch_threads - self.workers + 1))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool:
            self.pool.shutdown(cancel_futures=True)
            torch.set_num_threads(self.torch_threads)

    def batches(self, chunks: list[list[ProductRow]]) -> Iterator[Callable[[], list[ImageRead | None]]]:
        """For each chunk, a call that waits for its reads (None for a product without an image); the next
        chunk is under way by then, so the caller can work on this one (its texts) while the images are read."""
        pending: deque[list[Future | ImageRead | None]] = deque()
        for chunk in chunks:
            pending.append([self._start(row) for row in chunk])
            if len(pending) > 1:
                yield partial(_results, pending.popleft())
        while pending:
            yield partial(_results, pending.popleft())

    def _start(self, row: ProductRow) -> Future | ImageRead | None:
        if not row.image:
            return None
        args = (self.data_dir / row.image, self.keep_pixels, self.recognise)
        return self.pool.submit(read_image, *args) if self.pool else read_image(*args)


def _results(items: list[Future | ImageRead | None]) -> list[ImageRead | None]:
    return [item.result() if isinstance(item, Future) else item for item in items]


def attribute_model_for(embedder: Embedder, data_dir: Path) -> AttributeModel | None:
    """The builtin embedder's attribute model, else the data directory's (or the packaged) one, else None."""
    model = getattr(embedder, "attributes", None)
    if isinstance(model, AttributeModel):
        return model
    try:
        return AttributeModel.load(attribute_weights_path(data_dir))
    except AttributeModelMissing:
        return None


def embed_batch(embedder: Embedder, text_vectors: np.ndarray, reads: list[ImageRead | None],
                attributes: list[GarmentAttributes | None]) -> np.ndarray:
    """One unit vector per product: image + text, or text alone when the image is missing or bad."""
    vectors = text_vectors.copy()
    if hasattr(embedder, "encode_attributes"):
        seen = [n for n, a in enumerate(attributes) if a is not None]
        if seen:
            vectors[seen] += embedder.encode_attributes([attributes[n] for n in seen])
    else:
        seen = [n for n, read in enumerate(reads) if read is not None and read.image is not None]
        if seen:
            image_vectors = embedder.encode_images([reads[n].image for n in seen])
            vectors[seen] += image_vectors
            _read_by_prompts(embedder, attributes, seen, image_vectors)
    return normalise(vectors)


def _read_by_prompts(embedder: Embedder, attributes: list[GarmentAttributes | None], seen: list[int],
                     image_vectors: np.ndarray) -> None:
    """With image-text weights (open_clip), category and colours come from prompts over the taxonomy, read off
    the image vectors just made; the attribute net keeps the pattern."""
    zero_shot = zero_shot_for(embedder)
    if zero_shot is None:
        return
    for n, read in zip(seen, zero_shot.classify(image_vectors)):
        if attributes[n] is not None:
            attributes[n] = with_zero_shot(attributes[n], read)


def recognise_batch(model: AttributeModel | None, reads: list[ImageRead | None]) -> list[GarmentAttributes | None]:
    """The attributes of each read image, the nets run once for the batch; None where there is none."""
    found = [n for n, read in enumerate(reads) if read is not None and read.prepared is not None]
    attributes: list[GarmentAttributes | None] = [None] * len(reads)
    if model is not None and found:
        for n, attrs in zip(found, model.recognize_prepared([reads[n].prepared for n in found])):
            attributes[n] = attrs
    return attributes


def _add_batch(index: VectorIndex, embedder: Embedder, model: AttributeModel | None, rows: list[ProductRow],
               text_vectors: np.ndarray, reads: list[ImageRead | None], enrich: Enrich | None) -> list[str]:
    """Recognise a batch's images, add its vectors to the index, hand its attributes to enrich; its image errors."""
    attributes = recognise_batch(model, reads)
    index.add(np.array([r.id for r in rows], np.int64), embed_batch(embedder, text_vectors, reads, attributes))
    if enrich:
        enrich(rows, attributes)
    return [f"{row.sku}: {read.error}" for row, read in zip(rows, reads) if read and read.error]


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


def _stale_removed(index: VectorIndex, manifest: Manifest, hashes: dict[str, str]) -> int:
    """Drop products that changed or left the catalog from the index and the manifest; how many."""
    stale = [int(pid) for pid, h in manifest.items.items() if hashes.get(pid) != h]
    index.remove(np.array(stale, np.int64))
    for pid in stale:
        manifest.items.pop(str(pid), None)
    return len(stale)


def build_index(store: Store, embedder: Embedder, data_dir: Path, factory: str = "Flat", rebuild: bool = False,
                batch: int = 64, checkpoint_every: int = 512,
                progress: Callable[[int, int], None] | None = None, enrich: Enrich | None = None,
                workers: int | None = None) -> BuildReport:
    """Bring the index in data_dir up to date with the catalog; progress(done, todo) after each batch.

    enrich(rows, attributes), when given, is called once per batch with each row's recognised attributes
    (None for a product without an image, or whose image could not be read). workers: processes for the
    image work (default: one per core, at most MAX_WORKERS; 1 does it in this process).
    """
    start = time.perf_counter()
    folder = index_folder(data_dir)
    index, manifest = _open_existing(folder, embedder, factory, rebuild)
    catalog_version = store.catalog_version()
    rows = load_products(store)
    hashes = {str(r.id): r.content_hash(data_dir) for r in rows}
    removed = _stale_removed(index, manifest, hashes)
    todo = [r for r in rows if str(r.id) not in manifest.items]
    model = attribute_model_for(embedder, data_dir) if enrich or hasattr(embedder, "encode_attributes") else None
    keep_pixels = not hasattr(embedder, "encode_attributes")
    chunks = [todo[n:n + batch] for n in range(0, len(todo), batch)]
    errors: list[str] = []
    done = since_save = 0
    with ImageReader(data_dir, keep_pixels, model is not None, workers) as reader:
        for chunk, read_all in zip(chunks, reader.batches(chunks)):
            text_vectors = embedder.encode_texts([r.text() for r in chunk])  # while the workers read the images
            errors += _add_batch(index, embedder, model, chunk, text_vectors, read_all(), enrich)
            manifest.items.update({str(r.id): hashes[str(r.id)] for r in chunk})
            done, since_save = done + len(chunk), since_save + len(chunk)
            if since_save >= checkpoint_every:
                index.save(folder, manifest)
                since_save = 0
            if progress:
                progress(done, len(todo))
    manifest.complete, manifest.catalog_version = True, catalog_version
    index.save(folder, manifest)
    return BuildReport(total=len(rows), added=len(todo), removed=removed, unchanged=len(rows) - len(todo),
                       image_errors=errors, seconds=time.perf_counter() - start, folder=folder)
