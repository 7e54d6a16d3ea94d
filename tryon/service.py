"""Try-on over the store: the shopper's photo, a product by SKU or id, a size; cached per photo.

Results are cached by (photo, product, size, engine, the engine's settings) in the photo's own
cache folder (tryon.photos), so they obey the photo's retention and go when it goes. With a
retention of 0 days nothing is kept, results included.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from index import models as m
from index.images import open_image
from index.store import Store
from shopagent.settings import Settings
from tryon.engines import ModelMissing, TryOnEngine, TryOnError, TryOnOptions
from tryon.engines.registry import load_engine
from tryon.photos import PhotoStore

ENGINE_SETTINGS = ("tryon_base_model", "tryon_attn_weights", "tryon_steps", "tryon_guidance", "tryon_seed",
                   "tryon_height", "tryon_width")


@dataclass
class TryOnOutcome:
    image: Image.Image
    photo_id: str
    product_id: int
    sku: str
    title: str
    category: str
    size: str | None
    engine: str
    cached: bool
    seconds: float
    path: Path | None  # the cached file, when kept


class TryOnService:
    def __init__(self, store: Store, settings: Settings, photos: PhotoStore | None = None) -> None:
        self.store = store
        self.settings = settings
        self.photos = photos or PhotoStore.from_settings(store, settings)
        self._engines: dict[str, TryOnEngine] = {}
        self.notes: list[str] = []

    def engine(self, name: str | None = None) -> TryOnEngine:
        """The engine by name; a diffusion engine whose weights are missing falls back to warp, and says so."""
        name = name or self.settings.tryon_engine
        if name not in self._engines:
            try:
                self._engines[name] = load_engine(name, self.settings)
            except ModelMissing as exc:
                self.notes.append(f"{exc}; using the warp engine instead.")
                self._engines[name] = load_engine("warp", self.settings)
        return self._engines[name]

    def _product(self, product: str | int) -> m.Product:
        with self.store.session() as s:
            query = select(m.Product).options(selectinload(m.Product.images), selectinload(m.Product.variants))
            query = query.where(m.Product.id == product if isinstance(product, int) else m.Product.sku == product)
            found = s.scalars(query).first()
        if found is None:
            raise TryOnError(f"there is no product {product!r}; use a SKU or id from a search result.")
        if not found.images:
            raise TryOnError(f"{found.title} has no product photo to try on.")
        return found

    def _key(self, product: m.Product, size: str | None, engine: str) -> str:
        parts = [product.sku, product.images[0].path, str(size), engine]
        parts += [f"{k}={getattr(self.settings, k, '')}" for k in ENGINE_SETTINGS] if engine != "warp" else []
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]

    def try_on(self, person: Image.Image | str | Path | bytes, product: str | int, size: str | None = None,
               engine: str | None = None, customer_id: int | None = None, photo_id: str | None = None) -> TryOnOutcome:
        """The product on the person; photo_id names an already stored photo (then person is its image)."""
        start = time.perf_counter()
        p = self._product(product)
        sizes = tuple(v.size_label for v in sorted(p.variants, key=lambda v: v.position))
        runner = self.engine(engine)
        engine_name = runner.id  # the engine that will run (a missing diffusion model means warp)
        if photo_id is None:
            stored = self.photos.save(person if not isinstance(person, Image.Image) else _png_bytes(person), customer_id)
            photo_id, image = stored.id, stored.image
        else:
            image = person if isinstance(person, Image.Image) else open_image(person)
        key = self._key(p, size, engine_name)
        folder = self.photos.results_of(photo_id)
        cached = folder / f"{key}.png"
        if cached.is_file():
            return TryOnOutcome(Image.open(cached), photo_id, p.id, p.sku, p.title, p.category, size, engine_name,
                                True, time.perf_counter() - start, cached)
        garment = open_image(self.settings.data_dir / p.images[0].path)
        result = runner.try_on(image, garment, p.category, TryOnOptions(size, sizes))
        path = None
        if self.settings.photo_retention_days > 0:
            folder.mkdir(parents=True, exist_ok=True)
            result.image.save(cached)
            path = cached
        return TryOnOutcome(result.image, photo_id, p.id, p.sku, p.title, p.category, size, result.engine, False,
                            time.perf_counter() - start, path)


def _png_bytes(image: Image.Image) -> bytes:
    import io

    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="PNG")
    return buf.getvalue()
