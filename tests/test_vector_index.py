"""The FAISS wrapper: search, incremental add/remove, and a manifest that refuses what does not fit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index.vector_index import IndexMismatch, IndexMissing, Manifest, VectorIndex, VectorIndexError

DIM = 16


def _unit(n: int, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("factory", ["Flat", "HNSW32", "IVF8,Flat", "IVF8,PQ4,RFlat"])
def test_add_search_remove_keep_ids_right(factory: str) -> None:
    x = _unit(600)
    index = VectorIndex(DIM, factory, "nprobe=8" if factory.startswith("IVF") else "")
    index.add(np.arange(1000, 1600), x)
    _, ids = index.search(x[:5], 1)
    assert ids[:, 0].tolist() == [1000, 1001, 1002, 1003, 1004]
    index.remove(np.array([1000, 1002]))
    _, ids = index.search(x[:5], 1)
    assert ids[:, 0].tolist()[1::2] == [1001, 1003] and 1000 not in ids and 1002 not in ids
    assert len(index) == 598
    index.add(np.array([1000]), x[:1])  # changed products come back under their id
    assert index.search(x[0], 1)[1][0, 0] == 1000


def test_adding_an_existing_id_is_refused() -> None:
    index = VectorIndex(DIM)
    index.add(np.array([1]), _unit(1))
    with pytest.raises(ValueError, match="already in the index"):
        index.add(np.array([1]), _unit(1))


def test_bad_factory_and_untrainable_ivf_are_clear_errors() -> None:
    with pytest.raises(VectorIndexError, match="not a FAISS factory"):
        VectorIndex(DIM, "NoSuchIndex")
    index = VectorIndex(DIM, "IVF256,Flat")
    index.add(np.arange(20), _unit(20))
    with pytest.raises(VectorIndexError, match="Flat or HNSW32"):
        index.search(_unit(1), 1)


def _saved(folder: Path, **manifest: object) -> VectorIndex:
    index = VectorIndex(DIM, "Flat")
    index.add(np.arange(50), _unit(50))
    index.save(folder, Manifest(**({"embedder_id": "emb-a", "dim": DIM, "factory": "Flat", "complete": True,
                                    "catalog_version": 3} | manifest)))
    return index


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    original = _saved(tmp_path)
    loaded, manifest = VectorIndex.load(tmp_path, "emb-a", DIM, catalog_version=3)
    q = _unit(3, seed=1)
    assert np.array_equal(original.search(q, 5)[1], loaded.search(q, 5)[1])
    assert manifest.count == 50 and manifest.built_at


@pytest.mark.parametrize(("args", "message"), [
    ({"embedder_id": "emb-b", "dim": DIM, "catalog_version": 3}, "built with emb-a"),
    ({"embedder_id": "emb-a", "dim": DIM + 1, "catalog_version": 3}, "dimension"),
    ({"embedder_id": "emb-a", "dim": DIM, "catalog_version": 4}, "catalog version 3"),
])
def test_manifest_refuses_a_mismatched_index(tmp_path: Path, args: dict, message: str) -> None:
    _saved(tmp_path)
    with pytest.raises(IndexMismatch, match=message):
        VectorIndex.load(tmp_path, **args)


def test_unfinished_or_tampered_index_is_refused(tmp_path: Path) -> None:
    _saved(tmp_path, complete=False)
    with pytest.raises(IndexMismatch, match="did not finish"):
        VectorIndex.load(tmp_path, "emb-a", DIM)
    VectorIndex.load(tmp_path, "emb-a", DIM, allow_incomplete=True)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    (tmp_path / "manifest.json").write_text(json.dumps(manifest | {"count": 49, "complete": True}))
    with pytest.raises(IndexMismatch, match="disagree on the count"):
        VectorIndex.load(tmp_path, "emb-a", DIM)


def test_no_index_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="shopagent index build"):
        VectorIndex.load(tmp_path, "emb-a", DIM)
