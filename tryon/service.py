"""Try-on over the store: the shopper's photo, a product by SKU or id, a size; cached per photo.

With a size and a customer whose body is known, the size's fit is drawn (tryon.fit): per region,
the chart's garment width over the body's reaches the engine as TryOnOptions.fit, and the fit in
words ("M is snug at the chest") comes back in the outcome's notes. The body is the customer's
stated chest, waist and hip, and, where the record lacks one and holds their height, the
photo's estimate; a photo that cannot be measured just means no fit.

Results are cached by (photo, product, size, engine, the engine's settings, the fit's ratios) in
the photo's own cache folder (tryon.photos), with the engine's notes beside them, so they obey
the photo's retention and go when it goes. With a retention of 0 days nothing is kept, results
included.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from index import models as m
from index.images import open_image
from index.store import Store
from shopagent.settings import Settings
from tryon.engines import ModelMissing, TryOnEngine, TryOnError, TryOnOptions
from tryon.body import analyze
from tryon.engines.registry import load_engine
from tryon.fit import (RATIO_DECIMALS, REGIONS, RegionFit, UnknownSize, find_size, fit_ratios, fit_sentence,
                       region_fits, size_row)
from tryon.photos import PhotoStore
from tryon.size_advisor import SizeAdvisor
from tryon.sizing import Measurement

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
    notes: list[str] = field(default_factory=list)  # for the shopper: the engine's notes, then the fit sentence
    fit: str = ""  # the fit sentence alone ("M is snug at the chest."); "" when the size or the body is unknown


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

    def _key(self, product: m.Product, size: str | None, engine: str, fit: dict[str, float]) -> str:
        parts = [product.sku, product.images[0].path, str(size), engine]
        parts += [f"{k}={getattr(self.settings, k, '')}" for k in ENGINE_SETTINGS] if engine != "warp" else []
        # the fit changes the picture; without one the key is what it was before fits were drawn
        parts += [f"fit:{region}={ratio:.{RATIO_DECIMALS}f}" for region, ratio in sorted(fit.items())]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]

    def _record(self, customer_id: int) -> tuple[dict[str, Measurement], float | None]:
        """The customer's stated chest, waist and hip, and their height; nothing for an unknown customer."""
        with self.store.session() as s:
            customer = s.get(m.Customer, customer_id)
            if customer is None:
                return {}, None
            stated = {r: Measurement(float(v)) for r in REGIONS if (v := getattr(customer, f"{r}_cm")) is not None}
            return stated, customer.height_cm

    def _body(self, customer_id: int, photo: Image.Image | None = None,
                needed: tuple[str, ...] = REGIONS) -> dict[str, Measurement]:
        """The customer's body at the needed regions: stated on their record, else estimated from the photo
        with the height on record. A photo we cannot measure adds nothing rather than stopping anything."""
        stated, height = self._record(customer_id)
        if photo is None or height is None or all(r in stated for r in needed):
            return stated
        try:
            estimated = analyze(photo).estimate(height)
        except ValueError:  # a PhotoError (a ShopError), or a height on record no adult has
            return stated
        return {r: v for r, v in estimated.items() if r in REGIONS} | stated

    def fit_for(self, product: str | int, size: str | None, customer_id: int | None,
                photo: Image.Image | None = None) -> list[RegionFit]:
        """How the size sits on the customer's body, per region; empty when the size, the chart or the body
        is unknown. A size the product has but its chart lacks is no fit rather than a refusal."""
        if not size or customer_id is None:
            return []
        chart = SizeAdvisor(self.store).chart_for(product)
        try:
            row = size_row(chart, size)
        except UnknownSize:
            return []
        needed = tuple(r for r in REGIONS if r in row.ranges)
        if not needed:
            return []
        return region_fits(row, self._body(customer_id, photo, needed))

    def _engine_notes(self, cached: Path) -> list[str]:
        notes = cached.with_suffix(".json")
        return json.loads(notes.read_text(encoding="utf-8")) if notes.is_file() else []

    def try_on(self, person: Image.Image | str | Path | bytes, product: str | int, size: str | None = None,
               engine: str | None = None, customer_id: int | None = None, photo_id: str | None = None) -> TryOnOutcome:
        """The product on the person; photo_id names an already stored photo (then person is its image).
        customer_id says whose photo it is and, with a size, whose body the fit is read against."""
        start = time.perf_counter()
        p = self._product(product)
        sizes = tuple(v.size_label for v in sorted(p.variants, key=lambda v: v.position))
        size = find_size(sizes, size, p.title) if size and sizes else size
        runner = self.engine(engine)
        engine_name = runner.id  # the engine that will run (a missing diffusion model means warp)
        if photo_id is None:
            stored = self.photos.save(person if not isinstance(person, Image.Image) else _png_bytes(person), customer_id)
            photo_id, image = stored.id, stored.image
        else:
            image = person if isinstance(person, Image.Image) else open_image(person)
        fits = self.fit_for(p.id, size, customer_id, image)
        options, sentence = TryOnOptions(size, sizes, fit_ratios(fits)), fit_sentence(size or "", fits)
        key = self._key(p, size, engine_name, options.fit)
        folder = self.photos.results_of(photo_id)
        cached = folder / f"{key}.png"
        if cached.is_file():
            notes = self._engine_notes(cached) + ([sentence] if sentence else [])
            return TryOnOutcome(Image.open(cached), photo_id, p.id, p.sku, p.title, p.category, size, engine_name,
                                True, time.perf_counter() - start, cached, notes, sentence)
        garment = open_image(self.settings.data_dir / p.images[0].path)
        result = runner.try_on(image, garment, p.category, options)
        path = None
        if self.settings.photo_retention_days > 0:
            folder.mkdir(parents=True, exist_ok=True)
            result.image.save(cached)
            cached.with_suffix(".json").write_text(json.dumps(result.notes), encoding="utf-8")
            path = cached
        notes = list(result.notes) + ([sentence] if sentence else [])
        return TryOnOutcome(result.image, photo_id, p.id, p.sku, p.title, p.category, size, result.engine, False,
                            time.perf_counter() - start, path, notes, sentence)


def _png_bytes(image: Image.Image) -> bytes:
    import io

    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="PNG")
    return buf.getvalue()
