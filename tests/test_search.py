"""Search over a small demo catalog with the builtin embedder: exact filters, image and composed
queries, incremental and resumable index builds, and the errors a shopper can cause."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from index import models as m
from index.demo import generate
from index.images import open_image
from index.products import Filters
from index.store import Store
from index.vector_index import IndexMismatch, read_manifest
from retrieval.embedders import load_embedder
from retrieval.indexer import build_index, index_folder
from retrieval.query import QueryError
from retrieval.search import SearchService, UnknownFilterValue
from shopagent.cli import app
from shopagent.settings import Settings

runner = CliRunner()


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data = tmp_path_factory.mktemp("catalog")
    settings = Settings(data_dir=data)
    store = Store(settings.db_url)
    store.migrate()
    generate(store, data, seed=3, n_products=150, n_customers=10, workers=2, log=lambda s: None)
    store.dispose()
    return settings


@pytest.fixture(scope="module")
def embedder(catalog: Settings):  # noqa: ANN201
    return load_embedder(catalog).embedder


@pytest.fixture(scope="module")
def service(catalog: Settings, embedder) -> SearchService:  # noqa: ANN001
    store = Store(catalog.db_url)
    build_index(store, embedder, catalog.data_dir)
    svc, _ = SearchService.open(store, catalog)
    return svc


def test_filters_are_exact_for_every_combination(service: SearchService) -> None:
    queries = ["red dress", "shirt under 50", "not black sneakers", "striped shirt over 20", "jeans W30",
               "wool coat between 100 and 400", "bag from Nordlys", "plain t-shirt in M, not white", "hoodie in stock"]
    for text, k in itertools.product(queries, (5, 40)):
        response = service.search(text, k=k)
        from retrieval.query import parse_query

        wanted = parse_query(text, service.table.brands).filters
        if response.relaxed:  # too few pass them all: the answer says which gave way, and those that pass lead
            assert response.hits and any("I relaxed" in n or n.startswith("Only ") for n in response.notes), text
            passing = [h for h in response.hits if not wanted.violations(h.product)]
            assert response.hits[:len(passing)] == passing, text
            assert len(passing) == min(k, len(service.table.matching_ids(wanted))), text
            continue
        assert all(not wanted.violations(h.product) for h in response.hits), text
        expected = len(service.table.matching_ids(wanted))
        assert len(response.hits) == min(k, expected), text  # nothing that passes is lost either


def test_a_category_the_shop_lacks_widens_to_its_family_and_says_so(service: SearchService) -> None:
    response = service.search("striped top over 20", k=10)  # the demo sells t-shirts and shirts, no "top"
    assert response.relaxed == ["category top"]
    assert response.hits and all(h.product.family == "tops" and h.product.pattern == "stripes"
                                 and h.product.price >= 20 for h in response.hits), response.notes
    assert "I relaxed category top" in " ".join(response.notes)


def test_typed_filters_combine_with_words(service: SearchService) -> None:
    wanted = Filters(price_max=60, colours={"blue", "navy"})
    response = service.search("dress", k=50, filters=wanted)
    passing = len(service.table.matching_ids(wanted.merge(Filters(categories={"dress"}))))
    assert 0 < passing < 50 and len(response.hits) > passing  # too few pass: the closest follow them
    assert "colour blue, navy" in response.relaxed[0]
    for n, hit in enumerate(response.hits):
        assert hit.product.category == "dress" and hit.product.price <= 60
        if n < passing:
            assert {"blue", "navy"} & set(hit.product.colours)
        assert any("similarity" in w for w in hit.why) and any("costs" in w for w in hit.why)


def test_text_search_ranks_the_asked_for_garment_first(service: SearchService, embedder) -> None:  # noqa: ANN001
    query = embedder.encode_texts(["red dress"])[0]
    _, ids = service.index.search(query, 5)  # the vectors alone, no filters
    assert service.table.by_id[int(ids[0][0])].category == "dress"


def test_a_product_photo_finds_its_product(service: SearchService, catalog: Settings) -> None:
    product = next(r for r in service.table.rows if r.image and r.category == "jacket")
    shot = open_image(catalog.data_dir / product.image)
    shot = shot.crop((10, 10, shot.width - 20, shot.height - 10)).resize((400, 500))
    response = service.search(image=shot, k=5)
    assert response.hits[0].product.id == product.id
    assert response.image_attributes and response.image_attributes["category"] == "jacket"


def test_like_this_but_in_another_colour(service: SearchService, catalog: Settings) -> None:
    product = next(r for r in service.table.rows if r.image and r.category == "t-shirt")
    colour = next(c for c in ("red", "green", "black", "white", "blue") if c not in product.colours)
    response = service.search(f"like this but in {colour}", image=open_image(catalog.data_dir / product.image), k=5)
    for hit in response.hits:
        assert colour in hit.product.colours and hit.product.category == "t-shirt"


def test_errors_a_shopper_can_cause(service: SearchService) -> None:
    with pytest.raises(QueryError, match="empty"):
        service.search("   ")
    with pytest.raises(UnknownFilterValue, match="Did you mean navy"):
        service.search("shirt", filters=Filters(colours={"nvy"}))
    with pytest.raises(UnknownFilterValue, match="unknown size 'XM'"):
        service.search("shirt", filters=Filters(size="XM"))
    with pytest.raises(QueryError, match="photo"):
        service.search("longer")
    response = service.search("red dress under 1")  # nothing is that cheap: the price gives way, and it says so
    assert response.relaxed == ["price at most 1"] and "I relaxed price at most 1" in response.notes[0]
    assert response.hits and all(h.product.category == "dress" and "red" in h.product.colours for h in response.hits)
    response = service.search("dress", filters=Filters(brands={"Nordlys"}, price_max=1))  # typed filters give way too
    assert response.hits and response.relaxed


def test_builds_are_incremental_and_follow_the_catalog(catalog: Settings, embedder, service) -> None:  # noqa: ANN001
    store = Store(catalog.db_url)
    again = build_index(store, embedder, catalog.data_dir)
    assert (again.added, again.removed, again.unchanged) == (0, 0, 150)
    with store.session() as s:
        product = s.get(m.Product, 7)
        product.title = "Limited edition " + product.title
        s.delete(s.get(m.Product, 9))
        Store.bump_catalog_version(s)
    with pytest.raises(IndexMismatch, match="index build"):
        SearchService.open(store, catalog)
    update = build_index(store, embedder, catalog.data_dir)
    assert (update.added, update.removed, update.total) == (1, 2, 149)
    fresh, _ = SearchService.open(store, catalog)
    assert 9 not in fresh.index and 7 in fresh.index


def test_an_interrupted_build_resumes(tmp_path: Path, catalog: Settings, embedder, service) -> None:  # noqa: ANN001
    store = Store(catalog.db_url)

    def stop_after_first_checkpoint(done: int, total: int) -> None:
        if done >= 40:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index(store, embedder, catalog.data_dir, rebuild=True, batch=20, checkpoint_every=40,
                    progress=stop_after_first_checkpoint)
    manifest = read_manifest(index_folder(catalog.data_dir))
    assert not manifest.complete and manifest.count == 40
    with pytest.raises(IndexMismatch, match="did not finish"):
        SearchService.open(store, catalog)
    resumed = build_index(store, embedder, catalog.data_dir, batch=20)
    assert resumed.added == resumed.total - 40 and read_manifest(index_folder(catalog.data_dir)).complete


def test_cli_search_index_and_bench(catalog: Settings, service, tmp_path: Path) -> None:  # noqa: ANN001
    env = {"SHOPAGENT_DATA_DIR": str(catalog.data_dir), "COLUMNS": "200"}
    assert runner.invoke(app, ["index", "build"], env=env).exit_code == 0
    result = runner.invoke(app, ["search", "dress under 80", "--json", "-k", "3"], env=env)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout[result.stdout.index("{"):])
    assert payload["results"] and all(r["price"] <= 80 for r in payload["results"])
    bad = tmp_path / "not-an-image.jpg"
    bad.write_text("hello")
    result = runner.invoke(app, ["search", "--image", str(bad)], env=env)
    assert result.exit_code == 1 and "not an image" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["search", "shirt", "--brand", "Nordlis"], env=env)
    assert result.exit_code == 1 and "Did you mean Nordlys" in result.output
    bench = runner.invoke(app, ["bench", "retrieval", "--queries", "6", "--sizes", "3000", "--dim", "64"], env=env)
    assert bench.exit_code == 0, bench.output
    assert "recall@10" in bench.output and "p50 / p95" in bench.output and "builtin/" in bench.output


def _worn_service(service: SearchService, finder) -> SearchService:  # noqa: ANN001
    return SearchService(service.table, service.index, service.embedder, service.attributes, worn=finder)


def test_a_photo_of_a_person_is_read_where_the_words_point(service: SearchService) -> None:
    """The worn path: the region the words' category dresses is recognised, not the whole person."""
    from skimage import data

    from tryon.worn import worn_garments

    asked: list[str | None] = []

    def finder(image, part):  # noqa: ANN001, ANN202
        asked.append(part)
        return worn_garments(image, part)

    astronaut = Image.fromarray(data.astronaut())
    worn = _worn_service(service, finder)
    response = worn.search(image=astronaut, k=5)
    assert asked == [None]
    assert any("photo shows a person: I searched for the top they wear" in n for n in response.notes)
    whole = service.search(image=astronaut, k=5)
    assert not any("person" in n for n in whole.notes)  # without a finder: the whole photo, as before
    response = worn.search("this jacket but in black", image=astronaut, k=5)
    assert asked[-1] == "outerwear"
    assert any("I read the jacket or coat worn in your photo" in n for n in response.notes)
    assert all(h.product.category == "jacket" for h in response.hits[:1])


def test_a_product_shot_is_read_whole_even_with_a_finder(service: SearchService, catalog: Settings) -> None:
    product = next(r for r in service.table.rows if r.image and r.category == "dress")
    shot = open_image(catalog.data_dir / product.image)
    worn = _worn_service(service, lambda image, part: [])  # no person in it
    assert worn.search(image=shot, k=5).image_attributes == service.search(image=shot, k=5).image_attributes
