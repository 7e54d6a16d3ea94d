"""The index build: each image opened and recognised once, the attributes handed to the embedder and to
`enrich`, an embedder that reads pixels given the images, resume and skip kept; `shopagent bench index`.

The catalog is drawn here: product shots, a photo on a busy background (GrabCut), a big JPEG (decoded at
a reduced scale), two products without an image and one whose image breaks after the import.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

import retrieval.indexer as indexer
from conftest import import_rows
from index.cutout import garment_mask
from index.products import ProductRow, load_products
from index.render import GarmentSpec, render_garment
from index.store import Store
from index.vector_index import VectorIndex, read_manifest
from index.vocab import COLOURS
from retrieval.attributes import PACKAGED_WEIGHTS, AttributeModel, GarmentAttributes
from retrieval.embedders import normalise
from retrieval.embedders.builtin import BuiltinEmbedder
from retrieval.indexer import build_index, index_folder
from shopagent.cli import app
from shopagent.settings import Settings

SHOTS = [("TEE-RED", "t-shirt", "red"), ("TRS-BLK", "trousers", "black"), ("DRS-GRN", "dress", "green"),
         ("SHI-NVY", "shirt", "navy")]
NO_IMAGE = ["GIFT-CARD", "GIFT-BOX"]
BROKEN = "BROKEN-1"
IMAGED = [sku for sku, _, _ in SHOTS] + ["PHOTO-1", "BIG-1", BROKEN]


class HashingText:
    """A stand-in for MiniLM: words hashed into 32 buckets. Fast, and enough to tell texts apart."""

    def get_sentence_embedding_dimension(self) -> int:
        return 32

    def encode(self, texts: list[str], **_: object) -> np.ndarray:
        out = np.full((len(texts), 32), 1e-3, np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, zlib.crc32(word.encode()) % 32] += 1
        return out


class PixelEmbedder:
    """An embedder that reads pixels (as open_clip does): no attributes of its own."""

    id, dim = "test/pixels", 8

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        return normalise(np.ones((len(texts), self.dim), np.float32))

    def encode_images(self, images: list[Image.Image]) -> np.ndarray:
        self.sizes += [im.size for im in images]
        return normalise(np.array([np.asarray(im, np.float32).mean(axis=(0, 1)).tolist() + [1] * 5
                                   for im in images], np.float32))


def _busy_photo() -> Image.Image:
    shot, _ = render_garment(GarmentSpec("dress", COLOURS["red"], COLOURS["red"], "solid", seed=3))
    cutout = Image.fromarray(garment_mask(np.asarray(shot)).astype(np.uint8) * 255)
    noise = np.random.default_rng(0).integers(60, 200, (20, 18, 3), dtype=np.uint8)
    photo = Image.fromarray(noise).resize((600, 700))
    photo.paste(shot.resize((400, 500)), (100, 100), cutout.resize((400, 500)))
    return photo


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("index-catalog")
    photos = root / "photos"
    photos.mkdir()
    rows = []
    for n, (sku, category, colour) in enumerate(SHOTS):
        shot, _ = render_garment(GarmentSpec(category, COLOURS[colour], COLOURS["white"], "solid", seed=n))
        shot.save(photos / f"{sku}.jpg", quality=92)
        rows.append({"sku": sku, "title": f"{colour} {category}", "category": category, "price": "20"})
    _busy_photo().save(photos / "PHOTO-1.jpg", quality=90)
    big, _ = render_garment(GarmentSpec("coat", COLOURS["navy"], COLOURS["navy"], "solid", seed=9))
    big.resize((1024, 1280)).save(photos / "BIG-1.jpg", quality=90)
    render_garment(GarmentSpec("skirt", COLOURS["black"], COLOURS["black"], "solid", seed=4))[0].save(
        photos / f"{BROKEN}.jpg")
    rows += [{"sku": "PHOTO-1", "title": "red dress", "category": "dress", "price": "30"},
             {"sku": "BIG-1", "title": "navy coat", "category": "coat", "price": "90"},
             {"sku": BROKEN, "title": "black skirt", "category": "skirt", "price": "25"}]
    for row in rows:
        row["images"] = [f"{row['sku']}.jpg"]
    rows += [{"sku": sku, "title": "gift", "category": "gift card", "price": "10"} for sku in NO_IMAGE]
    settings, store, report = import_rows(root, rows, photos)
    assert report.errors == [] and report.kept == len(SHOTS) + 3 + len(NO_IMAGE)
    broken = next(r for r in load_products(store) if r.sku == BROKEN)
    (settings.data_dir / broken.image).write_bytes(b"no longer a JPEG")
    store.dispose()
    return settings


@pytest.fixture(scope="module")
def embedder() -> BuiltinEmbedder:
    return BuiltinEmbedder(HashingText(), "hashing", AttributeModel.load(PACKAGED_WEIGHTS))


def _count_opens(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Log every open_image of the build to a file: the workers are other processes, a file sees them all."""
    real = indexer.open_image

    def logged(path: Path, **kwargs: object) -> Image.Image:
        with open(log, "a") as f:
            f.write(f"{os.getpid()} {Path(path).name} {kwargs.get('draft')}\n")
        return real(path, **kwargs)

    monkeypatch.setattr(indexer, "open_image", logged)


@pytest.mark.parametrize("workers", [None, 1])
def test_each_image_is_opened_once_per_build(catalog: Settings, embedder: BuiltinEmbedder, workers: int | None,
                                             monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    log = tmp_path / "opened.log"
    _count_opens(monkeypatch, log)
    store = Store(catalog.db_url)
    report = build_index(store, embedder, catalog.data_dir, rebuild=True, batch=3, workers=workers)
    opened = [line.split() for line in log.read_text().splitlines()]
    names = sorted(name for _, name, _ in opened)
    assert names == sorted(f"{sku}-0.jpg" for sku in IMAGED)  # the broken one is tried once too
    assert {draft for _, _, draft in opened} == {"256"}  # decoded at the attribute model's working size
    if workers is None and (os.cpu_count() or 1) > 1:
        assert os.getpid() not in {int(pid) for pid, _, _ in opened}  # the image work ran in the workers
    assert report.added == report.total == len(IMAGED) + len(NO_IMAGE)
    assert [e.split(":")[0] for e in report.image_errors] == [BROKEN]
    log.unlink()
    again = build_index(store, embedder, catalog.data_dir)
    assert (again.added, again.unchanged) == (0, report.total) and not log.exists()  # unchanged: not opened


def test_enrich_gets_each_batchs_attributes_and_none_without_an_image(catalog: Settings,
                                                                       embedder: BuiltinEmbedder) -> None:
    calls: list[tuple[list[ProductRow], list[GarmentAttributes | None]]] = []
    build_index(Store(catalog.db_url), embedder, catalog.data_dir, rebuild=True, batch=4,
                enrich=lambda rows, attrs: calls.append((rows, attrs)))
    assert [len(rows) for rows, _ in calls] == [4, 4, 1] and all(len(r) == len(a) for r, a in calls)
    seen = {row.sku: attrs for rows, attrs in calls for row, attrs in zip(rows, attrs)}
    assert {sku for sku, attrs in seen.items() if attrs is None} == set(NO_IMAGE) | {BROKEN}
    assert seen["TEE-RED"].colour == "red" and seen["TRS-BLK"].colour == "black"
    assert seen["PHOTO-1"].colour == "red"  # cut out of its busy background by GrabCut


def test_an_embedder_that_reads_pixels_gets_the_full_images(catalog: Settings) -> None:
    pixels = PixelEmbedder()
    seen: dict[str, GarmentAttributes | None] = {}
    report = build_index(Store(catalog.db_url), pixels, catalog.data_dir, rebuild=True,
                         enrich=lambda rows, attrs: seen.update({r.sku: a for r, a in zip(rows, attrs)}))
    assert report.added == len(IMAGED) + len(NO_IMAGE)
    assert sorted(pixels.sizes) == sorted([(512, 640)] * len(SHOTS) + [(600, 700), (1024, 1280)])  # not reduced
    assert seen["TEE-RED"] is not None and seen["TEE-RED"].colour == "red"  # the packaged attribute model
    assert seen["GIFT-CARD"] is None and seen[BROKEN] is None


def test_an_interrupted_build_resumes_to_the_same_index(catalog: Settings, embedder: BuiltinEmbedder) -> None:
    store = Store(catalog.db_url)
    folder = index_folder(catalog.data_dir)
    whole = build_index(store, embedder, catalog.data_dir, rebuild=True)
    expected, _ = VectorIndex.load(folder, embedder.id, embedder.dim)

    def stop_at_the_checkpoint(done: int, total: int) -> None:
        if done >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index(store, embedder, catalog.data_dir, rebuild=True, batch=2, checkpoint_every=4,
                    progress=stop_at_the_checkpoint)
    manifest = read_manifest(folder)
    assert not manifest.complete and manifest.count == 4
    resumed = build_index(store, embedder, catalog.data_dir, batch=2)
    assert (resumed.added, resumed.unchanged) == (whole.total - 4, 4) and read_manifest(folder).complete
    ids = np.array([r.id for r in load_products(store)], np.int64)
    rebuilt, _ = VectorIndex.load(folder, embedder.id, embedder.dim)
    assert np.allclose(rebuilt.vectors_of(ids), expected.vectors_of(ids), atol=1e-6)


def test_a_changed_image_is_embedded_again(catalog: Settings, embedder: BuiltinEmbedder) -> None:
    store = Store(catalog.db_url)
    build_index(store, embedder, catalog.data_dir)
    row = next(r for r in load_products(store) if r.sku == "SHI-NVY")
    path = catalog.data_dir / row.image
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    update = build_index(store, embedder, catalog.data_dir)
    assert (update.added, update.removed, update.unchanged) == (1, 1, update.total - 1)


def test_cli_bench_index(catalog: Settings) -> None:
    env = {"SHOPAGENT_DATA_DIR": str(catalog.data_dir), "SHOPAGENT_EMBEDDER": "builtin", "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["bench", "index", "--rounds", "1"], env=env)
    assert result.exit_code == 0, result.output
    assert "products/s" in result.output and "per image" in result.output and "main colour" in result.output
