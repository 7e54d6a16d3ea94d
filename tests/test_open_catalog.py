"""A real shop's thin catalog: no colours, its own category words. Attributes are read from the
images at index time (with source and confidence, merchant values first), colour words rank
products whose colour is unknown instead of excluding them, a query naming a category the shop
holds never comes back empty, and the answer says what ranked and what was relaxed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from index import models as m
from index.products import Filters, ProductRow, load_products
from index.render import GarmentSpec, render_garment
from index.stats import catalog_stats
from index.store import Store
from index.vocab import COLOURS
from retrieval.embedders import load_embedder
from retrieval.enrich import Enricher
from retrieval.indexer import build_index
from retrieval.search import SearchService
from shopagent.settings import Settings
from conftest import import_rows

SHOTS = [  # (sku, the shop's type, colour drawn, category drawn)
    ("T-RED-1", "Tees", "red", "t-shirt"), ("T-RED-2", "Tees", "red", "t-shirt"),
    ("T-BLU-1", "Tees", "blue", "t-shirt"), ("T-BLK-1", "Tees", "black", "t-shirt"),
    ("P-BLK-1", "Pants", "black", "trousers"), ("P-BEI-1", "Pants", "beige", "trousers"),
    ("D-GRN-1", "Dresses", "green", "dress"), ("X-RED-1", "Mystery Box", "red", "t-shirt"),
]


def _row(**kw) -> ProductRow:  # noqa: ANN003
    base = dict(id=1, sku="S", title="t", description="", brand="B", category="t-shirt", gender="unisex",
                colours=(), pattern="", material="", fit="", price=10.0, currency="EUR", attributes={},
                family="tops", sources={"colours": ("none", 0.0)})
    return ProductRow(**(base | kw))


def test_a_wanted_value_the_data_does_not_know_ranks_instead_of_excluding() -> None:
    wanted = Filters(categories={"t-shirt"}, colours={"red"}, patterns={"stripes"})
    unknown = _row()
    red = _row(colours=("red",), pattern="stripes", sources={"colours": ("image", 0.8)})
    blue = _row(colours=("blue",))
    trousers = _row(category="trousers", family="bottoms")
    other_top = _row(category="other", family="tops")
    other_bag = _row(category="other", family="accessories")
    assert wanted.violations(unknown) == [] and wanted.unknowns(unknown) == ["colour", "pattern"]
    assert wanted.violations(red) == [] and wanted.unknowns(red) == []
    assert wanted.violations(blue) == ["colour"]
    assert wanted.violations(trousers) == ["category"]
    assert wanted.violations(other_top) == [] and "category" in wanted.unknowns(other_top)
    assert wanted.violations(other_bag) == ["category"]
    assert Filters(exclude_colours={"red"}).violations(unknown) == []  # "not red" keeps an unknown colour


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, SearchService, Enricher]:
    root = tmp_path_factory.mktemp("thin-shop")
    images = root / "photos"
    images.mkdir()
    rows = []
    for n, (sku, shop_type, colour, category) in enumerate(SHOTS):
        image, _ = render_garment(GarmentSpec(category, COLOURS[colour], COLOURS[colour], "solid", seed=n))
        image.save(images / f"{sku}.jpg", quality=92)
        rows.append({"sku": sku, "title": f"{shop_type} no. {n}", "category": shop_type, "price": "19.90",
                     "sizes": {"S": 1, "M": 2}, "images": [f"{sku}.jpg"]})
    settings, store, report = import_rows(root, rows, images)
    assert (report.added, report.errors, dict(report.unmapped)) == (8, [], {"Mystery Box": 1})
    embedder = load_embedder(settings).embedder
    enricher = Enricher(store, embedder.attributes.version)
    build_index(store, embedder, settings.data_dir, enrich=enricher)
    service, _ = SearchService.open(store, settings)
    return settings, service, enricher


def test_attributes_read_from_the_images_are_stored_with_source_and_confidence(shop) -> None:  # noqa: ANN001
    settings, service, enricher = shop
    store = Store(settings.db_url)
    assert enricher.stored == len(SHOTS)
    with store.session() as s:
        stored = {p.sku: p for p in s.scalars(select(m.Product))}
    assert all(p.colours == [] and p.pattern == "" for p in stored.values())  # merchant columns untouched
    red = stored["T-RED-1"].inferred
    assert red["colours"][0][0] == "red" and 0 < red["colours"][0][1] <= 1
    assert red["category"][0] == "t-shirt" and red["image"].endswith(".jpg")
    rows = {r.sku: r for r in load_products(store)}
    assert rows["T-RED-1"].colours[:1] == ("red",) and rows["T-RED-1"].source("colours") == "image"
    assert rows["T-RED-1"].category == "t-shirt" and rows["T-RED-1"].source("category") == "merchant"
    assert rows["X-RED-1"].source("category") in ("image", "none")  # merchant words mapped nowhere
    stats = catalog_stats(store)
    assert stats.sources["colours"]["image"] >= 6 and stats.sources["colours"]["merchant"] == 0


def test_colour_and_category_queries_find_the_colour_without_a_colour_field(shop) -> None:  # noqa: ANN001
    _, service, _ = shop
    for query, colour, category in [("red t-shirt", "red", "t-shirt"), ("black trousers", "black", "trousers"),
                                    ("green dress", "green", "dress")]:
        hits = service.search(query, k=5).hits
        assert hits, query
        top = hits[0].product
        assert (top.category, top.colours[:1]) == (category, (colour,)), (query, top)


def test_a_query_never_comes_back_empty_while_its_category_exists(shop) -> None:  # noqa: ANN001
    _, service, _ = shop
    response = service.search("purple t-shirt", k=5)
    assert response.hits and all(h.product.family == "tops" for h in response.hits)
    assert response.relaxed and "purple" in " ".join(response.notes)
    assert service.search("purple t-shirt under 5", k=5).hits  # price gives way too, and says so


def test_the_notes_say_which_words_ranked(shop) -> None:  # noqa: ANN001
    _, service, _ = shop
    response = service.search("linen t-shirt", k=3)  # the shop gave no materials
    assert len(response.hits) == 3 and not response.relaxed
    assert any("does not say its material for 3 of 3" in n and "ranked them" in n for n in response.notes)


def test_merchant_values_win_over_the_image(shop, tmp_path: Path) -> None:  # noqa: ANN001
    settings, _, _ = shop
    store = Store(settings.db_url)
    with store.session() as s:
        product = s.scalar(select(m.Product).where(m.Product.sku == "T-BLU-1"))
        product.colours, product.colour_names = ["navy"], ["Midnight"]
    row = next(r for r in load_products(store) if r.sku == "T-BLU-1")
    assert row.colours == ("navy",) and row.source("colours") == "merchant" and "Midnight" in row.text()


SHOPIFY = """\ufeffHandle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,Variant Inventory Tracker,Variant Inventory Qty,Variant Price,Image Src,Variant Image,Status
classic-tee,Classic Tee,<p>Soft <b>cotton</b> tee.</p>,Nordlys,Tees,basics,TRUE,Color,Burgundy,Size,S,CT-BUR-S,shopify,4,19.90,https://cdn.shopify.com/s/files/1/tee-burgundy.jpg?v=1,https://cdn.shopify.com/s/files/1/tee-burgundy.jpg?v=1,active
classic-tee,,,,,,,,Burgundy,,M,CT-BUR-M,shopify,0,19.90,,,
classic-tee,,,,,,,,Navy,,S,CT-NAV-S,shopify,2,19.90,https://cdn.shopify.com/s/files/1/tee-navy.jpg?v=1,https://cdn.shopify.com/s/files/1/tee-navy.jpg?v=1,
classic-tee,,,,,,,,Navy,,M,CT-NAV-M,shopify,5,19.90,,,
"""


def test_a_shopify_export_from_the_command_line_finds_the_burgundy_tee(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from shopagent.cli import app

    photos = tmp_path / "photos"
    photos.mkdir()
    for name, colour in (("tee-burgundy.jpg", "burgundy"), ("tee-navy.jpg", "navy")):
        render_garment(GarmentSpec("t-shirt", COLOURS[colour], COLOURS[colour], "solid"))[0].save(photos / name)
    export = tmp_path / "products_export_1.csv"
    export.write_text(SHOPIFY, encoding="utf-8")
    env = {"SHOPAGENT_DATA_DIR": str(tmp_path / "data")}
    runner = CliRunner()
    for attempt in ("first", "again"):
        result = runner.invoke(app, ["catalog", "import", str(export), "--images", str(photos)], env=env)
        assert result.exit_code == 0, result.output
    assert "0 added, 0 updated, 2 unchanged, 0 retired, 0 images, 0 rows rejected (shopify)." in result.output
    assert runner.invoke(app, ["index", "build"], env=env).exit_code == 0
    found = runner.invoke(app, ["search", "burgundy t-shirt", "-k", "1", "--json"], env=env)
    assert found.exit_code == 0, found.output
    top = json.loads(found.stdout[found.stdout.index("{"):])["results"][0]
    assert (top["sku"], top["colours"], top["category"]) == ("classic-tee-burgundy", ["burgundy"], "t-shirt")
    stats = runner.invoke(app, ["catalog", "stats"], env=env)
    assert "colours 2 / 0 / 0" in stats.output and "category 2 / 0 / 0" in stats.output, stats.output


def test_bench_catalog_runs_on_a_folder_of_labelled_photos(tmp_path: Path) -> None:
    """The benchmark's own path, on drawn garments laid out as the shared photo folders are."""
    from typer.testing import CliRunner

    from shopagent.cli import app

    shots = tmp_path / "shared" / "photos" / "garments"
    phones = tmp_path / "shared" / "datasets" / "clothing"
    (phones / "images").mkdir(parents=True)
    shots.mkdir(parents=True)
    shot_rows, phone_rows = ["file,kind,category,label,main_colour"], ["image,sender_id,label,kids"]
    for n, (colour, category, label) in enumerate([("red", "t-shirt", "T-Shirt"), ("black", "t-shirt", "T-Shirt"),
                                                   ("blue", "dress", "Dress"), ("black", "trousers", "Pants")]):
        image, _ = render_garment(GarmentSpec(category, COLOURS[colour], COLOURS[colour], "solid", seed=n))
        image.save(shots / f"shot-{n}.jpg")
        image.save(phones / "images" / f"phone-{n}.jpg")
        shot_rows.append(f"shot-{n}.jpg,top,{category},{category},{colour}")
        phone_rows.append(f"phone-{n},{n},{label},False")
    (shots / "labels.csv").write_text("\n".join(shot_rows) + "\n")
    (phones / "labels.csv").write_text("\n".join(phone_rows) + "\n")
    env = {"SHOPAGENT_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["bench", "catalog", "--shared", str(tmp_path / "shared"), "--limit", "4"],
                                env=env)
    assert result.exit_code == 0, result.output
    for text in ("shopify, again", "merchant-tsv, again", "colour + category", "held-out contributors",
                 "products/s"):
        assert text in result.output, result.output
