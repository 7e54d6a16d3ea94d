"""Vector index files: a FAISS index over product ids, with a manifest that guards its use.

A folder holds `index.faiss` (the FAISS index, ids mapped to product ids), `vectors.npy` and
`ids.npy` (the raw unit vectors: exact scores for small filtered sets, MMR, and rebuilding
indexes that cannot remove), and `manifest.json`:

    {"embedder_id", "dim", "count", "catalog_version", "factory", "complete", "built_at", "items"}

`items` maps each product id to the hash of what was embedded, so a build adds and removes
only what changed, and an interrupted build carries on where it stopped. `load` refuses an
index made by another embedder, of another dimension, with a count that does not match its
files, unfinished, or built for another catalog version.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import faiss
import numpy as np
from shopagent.errors import NotReady

MANIFEST = "manifest.json"
INDEX_FILE = "index.faiss"
VECTORS_FILE = "vectors.npy"
IDS_FILE = "ids.npy"


class VectorIndexError(Exception):
    """Base of the index errors a user can hit."""


class IndexMissing(VectorIndexError, NotReady):
    """There is no index where the settings point."""


class IndexMismatch(VectorIndexError):
    """The index on disk does not fit the embedder or the catalog in force."""


@dataclass
class Manifest:
    embedder_id: str
    dim: int
    factory: str
    count: int = 0
    catalog_version: int = 0
    complete: bool = False
    built_at: str = ""
    items: dict[str, str] = field(default_factory=dict)  # product id (as text) -> content hash


def _new_faiss_index(dim: int, factory: str) -> faiss.Index:
    """A bare IVF index keeps ids itself (and renumbers nothing on removal); others, refined IVF
    included, get an id map."""
    try:
        inner = faiss.index_factory(dim, factory, faiss.METRIC_INNER_PRODUCT)
        return inner if isinstance(faiss.downcast_index(inner), faiss.IndexIVF) else faiss.IndexIDMap2(inner)
    except RuntimeError as exc:
        raise VectorIndexError(f"index_factory {factory!r} is not a FAISS factory string ({exc}). "
                               "Try Flat, HNSW32 or IVF1024,PQ32.") from None


def gpu_available() -> bool:
    return hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0


class VectorIndex:
    """Inner-product search over unit vectors, keyed by int64 product ids."""

    def __init__(self, dim: int, factory: str = "Flat", search_params: str = "") -> None:
        self.dim = dim
        self.factory = factory
        self.search_params = search_params
        self.index = _new_faiss_index(dim, factory)
        self.vectors = np.zeros((0, dim), np.float32)
        self.ids = np.zeros(0, np.int64)
        self._rows: dict[int, int] = {}
        self._pending: list[int] = []  # ids stored but not yet in the FAISS index (it awaits training)
        self._searcher = None  # a GPU copy, when one is in use

    def __len__(self) -> int:
        return len(self.ids)

    # ------------------------------------------------------------ changes

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors; an index that needs training (IVF) takes them once it is trained on them all."""
        ids = np.asarray(ids, np.int64)
        vectors = np.ascontiguousarray(vectors, np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise IndexMismatch(f"vectors of shape {vectors.shape} do not fit an index of dimension {self.dim}")
        clash = [int(i) for i in ids if int(i) in self._rows]
        if clash:
            raise ValueError(f"ids already in the index: {clash[:5]}; remove them first")
        start = len(self.ids)
        self.vectors = np.vstack([self.vectors, vectors])
        self.ids = np.concatenate([self.ids, ids])
        self._rows.update({int(i): start + n for n, i in enumerate(ids)})
        if self.index.is_trained:
            self.index.add_with_ids(vectors, ids)
        else:
            self._pending.extend(int(i) for i in ids)
        self._searcher = None

    def _sync(self) -> None:
        """Train an untrained index on every stored vector, then give it the pending ones."""
        if not self._pending:
            return
        if not self.index.is_trained:
            try:
                self.index.train(self.vectors)
            except RuntimeError as exc:
                raise VectorIndexError(
                    f"{self.factory!r} could not be trained on {len(self.vectors)} vectors ({exc}). IVF indexes "
                    "need many vectors per list: use Flat or HNSW32 for small catalogs.") from None
        pending = np.array(self._pending, np.int64)
        self.index.add_with_ids(self.vectors_of(pending), pending)
        self._pending = []

    def remove(self, ids: np.ndarray) -> None:
        """Drop ids; indexes FAISS cannot remove from (HNSW) are rebuilt from the stored vectors."""
        gone = {int(i) for i in ids} & self._rows.keys()
        if not gone:
            return
        keep = np.array([int(i) not in gone for i in self.ids])
        self._pending = [i for i in self._pending if i not in gone]
        try:
            self.index.remove_ids(faiss.IDSelectorBatch(np.fromiter(gone, np.int64)))
            rebuild = False
        except RuntimeError:
            self.index, rebuild = _new_faiss_index(self.dim, self.factory), True
        self.vectors, self.ids = self.vectors[keep], self.ids[keep]
        self._rows = {int(i): n for n, i in enumerate(self.ids)}
        if rebuild:
            self._pending = [int(i) for i in self.ids]  # the next search or save adds them back
        self._searcher = None

    # ------------------------------------------------------------ queries

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids), each (n_queries, k); ids are -1 where fewer than k exist."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), np.float32)
        self._sync()
        return self._search_index().search(queries, min(k, max(1, len(self))))

    def _search_index(self):  # noqa: ANN202 (a faiss.Index)
        if self._searcher is None:
            searcher = self.index
            if gpu_available():
                try:
                    searcher = faiss.index_cpu_to_all_gpus(self.index)
                except RuntimeError:
                    searcher = self.index  # HNSW has no GPU version: stay on the CPU
            if self.search_params:
                faiss.ParameterSpace().set_index_parameters(searcher, self.search_params)
            self._searcher = searcher
        return self._searcher

    def exact_scores(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Exact inner products of one query with the given ids' stored vectors."""
        return self.vectors_of(ids) @ np.asarray(query, np.float32).reshape(-1)

    def vectors_of(self, ids: np.ndarray) -> np.ndarray:
        return self.vectors[[self._rows[int(i)] for i in ids]]

    def __contains__(self, product_id: int) -> bool:
        return int(product_id) in self._rows

    # ------------------------------------------------------------ files

    def save(self, folder: Path, manifest: Manifest) -> None:
        """Write every file under a temporary name, then rename: a crash leaves the old index whole."""
        folder.mkdir(parents=True, exist_ok=True)
        manifest.count, manifest.dim, manifest.factory = len(self), self.dim, self.factory
        manifest.built_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        if manifest.complete:
            self._sync()
        faiss.write_index(self.index, str(folder / (INDEX_FILE + ".tmp")))
        with open(folder / (VECTORS_FILE + ".tmp"), "wb") as f:
            np.save(f, self.vectors)
        with open(folder / (IDS_FILE + ".tmp"), "wb") as f:
            np.save(f, self.ids)
        (folder / (MANIFEST + ".tmp")).write_text(json.dumps(asdict(manifest)))
        for name in (INDEX_FILE, VECTORS_FILE, IDS_FILE, MANIFEST):
            (folder / (name + ".tmp")).replace(folder / name)

    @classmethod
    def load(cls, folder: Path, embedder_id: str, dim: int, catalog_version: int | None = None,
             allow_incomplete: bool = False, search_params: str = "") -> tuple[VectorIndex, Manifest]:
        """The index in folder, if it fits; IndexMismatch says what does not and what to run."""
        manifest = read_manifest(folder)
        rebuild = "run `shopagent index build --rebuild`"
        if manifest.embedder_id != embedder_id:
            raise IndexMismatch(f"the index in {folder} was built with {manifest.embedder_id}, but the embedder in "
                                f"force is {embedder_id}; {rebuild}.")
        if manifest.dim != dim:
            raise IndexMismatch(f"the index in {folder} has dimension {manifest.dim}, the embedder {dim}; {rebuild}.")
        if not manifest.complete and not allow_incomplete:
            raise IndexMismatch(f"the index build in {folder} did not finish; run `shopagent index build` to resume.")
        if catalog_version is not None and manifest.catalog_version != catalog_version:
            raise IndexMismatch(f"the index in {folder} is for catalog version {manifest.catalog_version}, the catalog "
                                f"is at version {catalog_version}; run `shopagent index build` to bring it up to date.")
        index = cls(dim, manifest.factory, search_params)
        index.index = faiss.read_index(str(folder / INDEX_FILE))
        index.vectors = np.load(folder / VECTORS_FILE)
        index.ids = np.load(folder / IDS_FILE)
        index._rows = {int(i): n for n, i in enumerate(index.ids)}
        if not index.index.is_trained:
            index._pending = [int(i) for i in index.ids]
        if not (index.index.ntotal + len(index._pending) == len(index.ids) == len(index.vectors) == manifest.count):
            raise IndexMismatch(f"the files in {folder} disagree on the count (manifest {manifest.count}, faiss "
                                f"{index.index.ntotal}, vectors {len(index.vectors)}); {rebuild}.")
        return index, manifest


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    if not path.is_file():
        raise IndexMissing(f"there is no vector index in {folder}; run `shopagent index build`.")
    try:
        return Manifest(**json.loads(path.read_text()))
    except (ValueError, TypeError) as exc:
        raise IndexMismatch(f"{path} is damaged ({exc}); run `shopagent index build --rebuild`.") from None
