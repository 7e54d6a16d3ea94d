"""Try-on over the store: products by SKU, the cache and its retention, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import skimage
from sqlalchemy import select
from typer.testing import CliRunner

from index import models as m
from index.store import Store
from shopagent.cli import app
from shopagent.settings import Settings
from tryon.engines import TryOnError, TryOnOptions, TryOnResult
from tryon.fit import UnknownSize
from tryon.photos import TRYON_CACHE_DIR, PhotoStore
from tryon.service import TryOnService

ASTRONAUT = Path(skimage.__file__).parent / "data" / "astronaut.png"


def own_photo(tmp_path: Path) -> Path:
    """The astronaut with a corner patch in a colour of its own: a photo no other test has used (its own cache)."""
    import zlib

    from PIL import Image, ImageDraw

    image = Image.open(ASTRONAUT).convert("RGB")
    code = zlib.crc32(str(tmp_path).encode())
    ImageDraw.Draw(image).rectangle((0, 0, 31, 31), fill=(code & 255, (code >> 8) & 255, (code >> 16) & 255))
    path = tmp_path / "me.png"
    image.save(path)
    return path


def a_top(store: Store) -> tuple[str, list[str]]:
    with store.session() as s:
        p = s.scalars(select(m.Product).where(m.Product.category.in_(("t-shirt", "shirt", "pullover")))
                      .order_by(m.Product.id)).first()
        return p.sku, [v.size_label for v in sorted(p.variants, key=lambda v: v.position)]


def test_results_are_cached_with_the_photo_and_go_with_it(shop: Settings, tmp_path: Path) -> None:
    store = Store(shop.db_url)
    sku, sizes = a_top(store)
    service = TryOnService(store, shop)
    photo = own_photo(tmp_path)
    first = service.try_on(photo, sku, sizes[0], customer_id=3)
    assert not first.cached and first.path is not None and first.path.is_file()
    assert first.path.parent == shop.data_dir / TRYON_CACHE_DIR / first.photo_id
    again = service.try_on(photo, sku, sizes[0], customer_id=3)
    assert again.cached and again.photo_id == first.photo_id
    other = service.try_on(photo, sku, sizes[-1], customer_id=3)
    assert not other.cached and other.path != first.path
    PhotoStore(store, shop.data_dir, 30).forget_customer(3)
    assert not first.path.parent.exists()


def test_nothing_is_kept_with_zero_retention(shop: Settings, tmp_path: Path) -> None:
    store = Store(shop.db_url)
    sku, sizes = a_top(store)
    outcome = TryOnService(store, shop.model_copy(update={"photo_retention_days": 0})).try_on(own_photo(tmp_path), sku)
    assert outcome.path is None and not (shop.data_dir / TRYON_CACHE_DIR / outcome.photo_id).exists()
    with pytest.raises(TryOnError, match="no product"):
        TryOnService(store, shop).try_on(ASTRONAUT, "NOPE-123")


def test_a_missing_diffusion_model_falls_back_to_warp_and_says_so(shop: Settings, tmp_path: Path) -> None:
    store = Store(shop.db_url)
    sku, _ = a_top(store)
    service = TryOnService(store, shop.model_copy(update={"tryon_base_model": "/nowhere/sd-inpainting"}))
    outcome = service.try_on(own_photo(tmp_path), sku, engine="diffusion")
    assert outcome.engine == "warp" and "using the warp engine instead" in service.notes[0]


def test_cli(shop: Settings, tmp_path: Path) -> None:
    sku, sizes = a_top(Store(shop.db_url))
    env = {"SHOPAGENT_DATA_DIR": str(shop.data_dir), "COLUMNS": "200"}
    out = tmp_path / "me.png"
    result = CliRunner().invoke(app, ["tryon", str(own_photo(tmp_path)), sku, "--size", sizes[-1], "-o", str(out)],
                                env=env)
    assert result.exit_code == 0, result.output
    assert out.is_file() and "warp engine" in result.output
    jeans = CliRunner().invoke(app, ["tryon", str(ASTRONAUT), sku, "--size", "XXXXL", "-o", str(out)], env=env)
    assert jeans.exit_code == 1 and "no size XXXXL" in jeans.output


def test_bench_tryon_scores_and_saves_pictures(shop: Settings, tmp_path: Path) -> None:
    from eval.bench_tryon import run
    from index.products import ProductTable

    table = ProductTable.from_store(Store(shop.db_url))
    garments = {"t-shirt": [r for r in table.rows if r.category == "t-shirt" and r.image][:1],
                "jeans": [r for r in table.rows if r.category == "jeans" and r.image][:1]}
    rows = {r.category: r for r in run([ASTRONAUT], garments, shop.data_dir, tmp_path)}
    top = rows["t-shirt"]
    assert len(top.ms) == 1 and top.ssim[0] >= 0.98 and 0.2 < top.iou[0] <= 1 and top.delta_e[0] < 25
    assert rows["jeans"].refused == 1 and not rows["jeans"].ms  # a waist-up photo shows no knees
    assert len(list(tmp_path.glob("t-shirt-*.jpg"))) == 1


class RecordingEngine:
    """An engine that hands the photo back and keeps the options it was called with."""

    id = "recording"

    def __init__(self) -> None:
        self.calls: list[TryOnOptions] = []

    def try_on(self, person, garment, category: str,  # noqa: ANN001
               options: TryOnOptions | None = None) -> TryOnResult:
        import numpy as np

        self.calls.append(options)
        return TryOnResult(person, np.zeros((person.height, person.width), bool), {}, self.id,
                           ["your own sleeves show below the garment's."])


def customer_where(store: Store, *conditions) -> m.Customer:  # noqa: ANN002
    with store.session() as s:
        return s.scalars(select(m.Customer).where(*conditions).order_by(m.Customer.id)).first()


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> RecordingEngine:
    engine = RecordingEngine()
    monkeypatch.setattr("tryon.service.load_engine", lambda name, settings: engine)
    return engine


def test_the_fit_on_record_reaches_the_engine_and_the_notes(shop: Settings, tmp_path: Path,
                                                             recording: RecordingEngine) -> None:
    from tryon.fit import fit_ratios, fit_sentence, region_fits, size_row
    from tryon.size_advisor import SizeAdvisor
    from tryon.sizing import Measurement

    store = Store(shop.db_url)
    sku, sizes = a_top(store)
    customer = customer_where(store, m.Customer.chest_cm.is_not(None))
    fits = region_fits(size_row(SizeAdvisor(store).chart_for(sku), sizes[0]), {"chest": Measurement(customer.chest_cm)})
    service, photo = TryOnService(store, shop), own_photo(tmp_path)
    outcome = service.try_on(photo, sku, sizes[0].lower(), customer_id=customer.id)
    assert recording.calls[-1].fit == fit_ratios(fits) and list(outcome.notes[-1:]) == [fit_sentence(sizes[0], fits)]
    assert outcome.size == sizes[0] and outcome.fit.startswith(f"{sizes[0]} ") and "at the chest" in outcome.fit
    assert outcome.notes == ["your own sleeves show below the garment's.", outcome.fit]
    again = service.try_on(photo, sku, sizes[0], customer_id=customer.id)
    assert again.cached and again.notes == outcome.notes and len(recording.calls) == 1  # notes kept with the picture
    bare = service.try_on(photo, sku, sizes[0], photo_id=outcome.photo_id)  # no body known: drawn by size steps
    assert not bare.cached and recording.calls[-1].fit == {} and bare.fit == "" and len(bare.notes) == 1
    with pytest.raises(UnknownSize, match=f"comes in {', '.join(sizes)}; there is no size XXXXL"):
        service.try_on(photo, sku, "XXXXL", customer_id=customer.id)


def test_the_photo_measures_what_the_record_lacks(shop: Settings, tmp_path: Path, recording: RecordingEngine,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from tryon.body import PhotoError
    from tryon.sizing import Measurement

    store = Store(shop.db_url)
    sku, sizes = a_top(store)
    customer = customer_where(store, m.Customer.height_cm.is_not(None), m.Customer.chest_cm.is_(None))
    measured = []

    class Body:
        def estimate(self, height_cm: float) -> dict[str, Measurement]:
            measured.append(height_cm)
            return {"chest": Measurement(200.0, 8.0, "photo"), "height": Measurement(height_cm, 0.5)}

    monkeypatch.setattr("tryon.service.analyze", lambda image: Body())
    service, photo = TryOnService(store, shop), own_photo(tmp_path)
    outcome = service.try_on(photo, sku, sizes[-1], customer_id=customer.id)
    assert measured == [customer.height_cm] and recording.calls[-1].fit["chest"] < 1
    assert outcome.fit == f"{sizes[-1]} is snug at the chest (your chest estimated from your photo)."

    def unreadable(image):  # noqa: ANN001, ANN202
        raise PhotoError("I could not find a person in this photo.")

    monkeypatch.setattr("tryon.service.analyze", unreadable)
    fine = service.try_on(photo, sku, sizes[0], customer_id=customer.id)  # no fit, but the picture all the same
    assert recording.calls[-1].fit == {} and fine.fit == "" and fine.image is not None
