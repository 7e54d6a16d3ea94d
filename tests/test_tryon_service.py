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
from tryon.engines import TryOnError
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
