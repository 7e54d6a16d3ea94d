"""The `shopagent` command. Each command is thin: it reads the settings and calls one service."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from shopagent.settings import CONFIG_ENV, Settings, SettingsError

app = typer.Typer(rich_markup_mode="rich", no_args_is_help=True, add_completion=False,
                  help="shopagent: a conversational shopping agent for fashion.")
config_app = typer.Typer(no_args_is_help=True, help="Inspect the settings.")
catalog_app = typer.Typer(no_args_is_help=True, help="Import and inspect the catalog.")
db_app = typer.Typer(no_args_is_help=True, help="Manage the database schema.")
train_app = typer.Typer(no_args_is_help=True, help="Train the models the project owns.")
index_app = typer.Typer(no_args_is_help=True, help="Build the product vector index.")
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks that print a table.")
photos_app = typer.Typer(no_args_is_help=True, help="Shoppers' photos (personal data).")
eval_app = typer.Typer(no_args_is_help=True, help="Replay scripted dialogues against the agent (QA).")
app.add_typer(config_app, name="config")
app.add_typer(catalog_app, name="catalog")
app.add_typer(db_app, name="db")
app.add_typer(train_app, name="train")
app.add_typer(index_app, name="index")
app.add_typer(bench_app, name="bench")
app.add_typer(photos_app, name="photos")
app.add_typer(eval_app, name="eval")

console = Console()
err = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)  # one line, whatever the width
    return typer.Exit(code=1)


@app.callback()
def main(
    config: Annotated[Optional[Path], typer.Option("--config", "-c", help="TOML settings file "
                                                   f"(default: ${CONFIG_ENV}, else ./shopagent.toml).")] = None,
) -> None:
    if config is not None:
        os.environ[CONFIG_ENV] = str(config)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # models come from local folders or the cache, never the network


def load_settings() -> Settings:
    try:
        return Settings()
    except (SettingsError, ValueError) as exc:
        raise fail(str(exc)) from None


def open_store(settings: Settings):  # noqa: ANN201 (index.store is imported lazily to keep --help fast)
    from index.store import Store, StoreError

    try:
        store = Store(settings.db_url)
        store.migrate()
        return store
    except StoreError as exc:
        raise fail(str(exc)) from None


@config_app.command("show")
def config_show() -> None:
    """Print the effective settings and where each value came from."""
    settings = load_settings()
    table = Table("setting", "value", "from", title="shopagent settings")
    for name, value, origin in settings.public_items():
        table.add_row(name, value, origin)
    table.add_row("[dim](database in force)[/]", settings.db_url, "derived")
    console.print(table)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the tables, or migrate them to the newest schema."""
    store = open_store(load_settings())
    console.print(f"{store!r} is at schema {store.revision()}")


@app.command("demo-data")
def demo_data(
    seed: Annotated[Optional[int], typer.Option(help="Seed (default: the demo_seed setting).")] = None,
    products: Annotated[Optional[int], typer.Option(help="Products (default: the demo_products setting).")] = None,
    customers: Annotated[Optional[int], typer.Option(help="Customers (default: the demo_customers setting).")] = None,
    images: Annotated[bool, typer.Option(help="Render product images.")] = True,
    force: Annotated[bool, typer.Option("--force", help="Delete the catalog in the store and build it anew.")] = False,
    if_missing: Annotated[bool, typer.Option("--if-missing", help="Do nothing when the store already has products.")] = False,
) -> None:
    """Build the deterministic demo catalog: brands, products with images, customers, history."""
    from index import models as m
    from index.demo import IMAGE_DIR, TRUTH_FILE, clear_catalog, generate

    settings = load_settings()
    store = open_store(settings)
    existing = store.count(m.Product)
    if existing and if_missing:
        console.print(f"The catalog already holds {existing} products; nothing to do.")
        return
    if existing and not force:
        raise fail(f"the catalog already holds {existing} products. Pass --force to replace it, "
                   "or --if-missing to keep it.")
    if existing:
        clear_catalog(store)
        shutil.rmtree(settings.data_dir / IMAGE_DIR, ignore_errors=True)
        (settings.data_dir / TRUTH_FILE).unlink(missing_ok=True)
    result = generate(store, settings.data_dir, seed=settings.demo_seed if seed is None else seed,
                      n_products=products or settings.demo_products, n_customers=customers or settings.demo_customers,
                      images=images, log=console.print)
    console.print(f"Demo catalog ready in {result.seconds:.1f} s: {result.products} products, {result.images} images, "
                  f"{result.customers} customers, {result.interactions} interactions, {result.reviews} reviews, "
                  f"{result.orders} orders. Ground truth: {settings.data_dir / TRUTH_FILE}")


@catalog_app.command("import")
def catalog_import(
    file: Annotated[Path, typer.Argument(help="A .jsonl or .csv file, one product per line (schema: README).")],
    images: Annotated[Optional[Path], typer.Option("--images", help="Folder the rows' image names are in.")] = None,
) -> None:
    """Import products, upserting by SKU. Bad rows are listed by line; good rows are kept.

    A file that cannot be read in full (not UTF-8, unreadable CSV) imports nothing: one line names where.
    """
    from rich.markup import escape
    from tqdm import tqdm

    from index.importer import import_catalog

    if not file.is_file():
        raise fail(f"{file} does not exist.")
    if images is not None and not images.is_dir():
        raise fail(f"--images {images} is not a folder.")
    settings = load_settings()
    store = open_store(settings)
    with tqdm(desc=f"importing {file.name}", unit="row", leave=False) as bar:
        try:
            report = import_catalog(store, file, settings.data_dir, images, progress=bar.update)
        except ValueError as exc:  # ImportFileError included; a file name is not Rich markup
            raise fail(escape(str(exc))) from None
    console.print(f"{report.added} added, {report.updated} updated, {report.images} images, "
                  f"{len(report.errors)} rows rejected.")
    for error in report.errors:
        err.print(f"  [yellow]{error}[/]", highlight=False)
    if report.errors:
        raise typer.Exit(code=2 if report.kept else 1)


@catalog_app.command("stats")
def catalog_stats_cmd() -> None:
    """Count what the catalog holds."""
    from index.stats import catalog_stats

    settings = load_settings()
    stats = catalog_stats(open_store(settings))
    table = Table("table", "rows", title=f"catalog at {settings.db_url} (version {stats.catalog_version})")
    for name, n in stats.tables.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    if stats.categories:
        console.print("categories: " + ", ".join(f"{k} {v}" for k, v in stats.categories.items()))
        console.print("brands: " + ", ".join(f"{k} {v}" for k, v in stats.brands.items()))
        console.print(f"prices: {stats.price_min:.2f} to {stats.price_max:.2f}; "
                      f"{stats.in_stock_variants:,} size variants in stock")
    else:
        console.print("The catalog is empty: run `shopagent demo-data` or `shopagent catalog import FILE`.")


@train_app.command("attributes")
def train_attributes(
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the training data.")] = 10,
    renders: Annotated[int, typer.Option(min=2, help="Rendered garments per category for training.")] = 120,
    out: Annotated[Optional[Path], typer.Option(help="Weights file (default: DATA_DIR/models/attributes.pt).")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Use only this many Fashion-MNIST images (quick runs).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for weights, renders and batches.")] = 0,
    if_missing: Annotated[bool, typer.Option("--if-missing", help="Do nothing when the weights file exists.")] = False,
) -> None:
    """Train the garment attribute model (category CNN on Fashion-MNIST + renders, pattern CNN) and report accuracy."""
    settings = load_settings()
    path = out or settings.data_dir / "models" / "attributes.pt"
    if if_missing and path.is_file():
        console.print(f"{path} exists; nothing to do.")
        return
    from retrieval.train_attributes import DatasetMissing, train_attribute_model

    try:
        model, report = train_attribute_model(epochs=epochs, renders_per_category=renders, fmnist_limit=limit,
                                              seed=seed, log=console.print)
    except DatasetMissing as exc:
        raise fail(str(exc)) from None
    model.save(path)
    table = Table("measure", "value", title=f"attribute model -> {path}")
    table.add_row("Fashion-MNIST test accuracy (10 classes)", f"{report.fmnist_test_accuracy:.4f}")
    table.add_row("held-out renders: category (15 classes)", f"{report.render_category_accuracy:.4f}")
    table.add_row("held-out renders: pattern (5 classes)", f"{report.render_pattern_accuracy:.4f}")
    table.add_row("training images", f"{report.fmnist_train_images} Fashion-MNIST + {report.renders} renders")
    table.add_row("time", f"{report.seconds:.0f} s ({report.epochs} epochs)")
    console.print(table)


def load_embedder_or_fail(settings: Settings):  # noqa: ANN201
    from retrieval.attributes import AttributeModelMissing
    from retrieval.embedders import load_embedder
    from shopagent.hub import ModelNotFound

    try:
        loaded = load_embedder(settings)
    except (ModelNotFound, AttributeModelMissing) as exc:
        raise fail(str(exc)) from None
    err.print(f"[dim]embedder: {loaded.note}[/]", highlight=False)
    return loaded.embedder


@index_app.command("build")
def index_build(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Start from nothing instead of updating.")] = False,
    factory: Annotated[Optional[str], typer.Option(help="FAISS factory string (default: the index_factory "
                                                          "setting).")] = None,
) -> None:
    """Embed the catalog into the vector index; only what changed since the last build. Resumes if interrupted."""
    from tqdm import tqdm

    from index.vector_index import VectorIndexError
    from retrieval.indexer import build_index

    settings = load_settings()
    store = open_store(settings)
    embedder = load_embedder_or_fail(settings)
    with tqdm(desc="embedding products", unit="product") as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            report = build_index(store, embedder, settings.data_dir, factory or settings.index_factory, rebuild,
                                 progress=progress)
        except VectorIndexError as exc:
            raise fail(str(exc)) from None
    console.print(f"Index at {report.folder}: {report.total} products ({report.added} embedded, {report.removed} "
                  f"removed, {report.unchanged} unchanged) in {report.seconds:.1f} s"
                  + (f", {report.per_second:.1f} products/s" if report.added else "") + ".")
    for line in report.image_errors:
        err.print(f"  [yellow]image skipped (text only): {line}[/]", highlight=False)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What you look for, e.g. 'navy linen shirt under 60, not striped'.")] = "",
    image: Annotated[Optional[Path], typer.Option("--image", "-i", help="A photo: find this, or this changed as "
                                                                          "the query says ('but in red').")] = None,
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=100, help="How many results.")] = 10,
    category: Annotated[Optional[str], typer.Option(help="Only this category.")] = None,
    brand: Annotated[Optional[str], typer.Option(help="Only this brand.")] = None,
    colour: Annotated[Optional[str], typer.Option(help="Only this colour.")] = None,
    size: Annotated[Optional[str], typer.Option(help="Only products with this size in stock.")] = None,
    max_price: Annotated[Optional[float], typer.Option(help="Highest price.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Search the catalog by words, a photo, or both; every result says why it matched."""
    import json

    from index.images import ImageError, open_image
    from index.products import Filters
    from index.vector_index import VectorIndexError
    from retrieval.attributes import AttributeModelMissing
    from retrieval.query import QueryError
    from retrieval.search import SearchService
    from shopagent.hub import ModelNotFound

    settings = load_settings()
    store = open_store(settings)
    try:
        picture = open_image(image) if image else None
        service, note = SearchService.open(store, settings)
        err.print(f"[dim]embedder: {note}[/]", highlight=False)
        filters = Filters(categories={category} if category else set(), brands={brand} if brand else set(),
                          colours={colour} if colour else set(), size=size, price_max=max_price)
        response = service.search(query, picture, k=k, filters=filters)
    except (ImageError, QueryError, VectorIndexError, ModelNotFound, AttributeModelMissing) as exc:
        raise fail(str(exc)) from None
    if as_json:
        console.print_json(json.dumps({"understood": response.understood, "notes": response.notes,
                                       "strategy": response.strategy, "image": response.image_attributes,
                                       "results": [h.as_dict() for h in response.hits]}))
        return
    if response.understood:
        console.print("understood: " + "; ".join(response.understood), highlight=False)
    for line in response.notes:
        console.print(f"[yellow]{line}[/]", highlight=False)
    table = Table("#", "sku", "title", "brand", "price", "score", "why",
                  title=f"{len(response.hits)} results ({response.strategy})")
    for n, hit in enumerate(response.hits, 1):
        p = hit.product
        table.add_row(str(n), p.sku, p.title, p.brand, f"{p.price:.2f}", f"{hit.score:.3f}", "; ".join(hit.why))
    console.print(table)


@bench_app.command("retrieval")
def bench_retrieval(
    queries: Annotated[int, typer.Option(help="Queries of each kind on the demo catalog.")] = 150,
    sizes: Annotated[str, typer.Option(help="Comma-separated index sizes for the speed part; empty skips it.")]
    = "10000,100000,1000000",
    dim: Annotated[int, typer.Option(help="Dimension of the synthetic vectors for the speed part.")] = 512,
    seed: Annotated[int, typer.Option(help="Seed for queries and vectors.")] = 0,
) -> None:
    """Search quality on the demo catalog (recall@10, MRR) and index latency/throughput at scale, in one table."""
    from eval.bench_retrieval import check_filters_exact, quality_rows, speed_rows
    from index.images import open_image
    from index.vector_index import VectorIndexError
    from retrieval.search import SearchService

    settings = load_settings()
    store = open_store(settings)
    try:
        service, note = SearchService.open(store, settings)
    except VectorIndexError as exc:
        raise fail(str(exc)) from None
    say = lambda text: err.print(f"[dim]… {text}[/]", highlight=False)  # noqa: E731
    rows = quality_rows(service, lambda p: open_image(settings.data_dir / p.image), queries, seed, say)
    broken = check_filters_exact(service, ["red dress under 50", "navy shirt not striped size M",
                                           "leather ankle boots between 60 and 200", "jeans W32 over 40"])
    rows_speed = speed_rows([int(s) for s in sizes.split(",") if s.strip()], dim, seed=seed, progress=say) \
        if sizes.strip() else []
    table = Table("part", "measure", "value", "target", title=f"bench retrieval — embedder {service.embedder.id}")
    for row in rows + rows_speed:
        value = f"{row.value:.3f}" if isinstance(row.value, float) else row.value
        mark = "" if row.passed is None else (" [green]ok[/]" if row.passed else " [red]missed[/]")
        table.add_row(row.section, row.measure, value, row.target + mark)
    table.add_row("filters", "results breaking a parsed filter", str(broken), "0" + (" [green]ok[/]" if broken == 0
                                                                                     else " [red]missed[/]"))
    console.print(f"embedder: {note}; catalog: {len(service.table)} products; index: {service.index.factory}")
    console.print(table)


@train_app.command("recommender")
def train_recommender(
    model: Annotated[str, typer.Option(help="popularity, item-cosine, item-pearson, user-knn, als, bpr or hybrid.")]
    = "hybrid",
) -> None:
    """Fit a recommender on every interaction in the store and save it (DATA_DIR/models/recommender.pkl)."""
    from retrieval.recsys.service import RecommendationService

    settings = load_settings()
    store = open_store(settings)
    start = time.perf_counter()
    try:
        service = RecommendationService.train(store, model)
    except ValueError as exc:
        raise fail(str(exc)) from None
    path = service.save(settings.data_dir)
    console.print(f"{service.model.name}: {service.matrix.X.nnz:,} customer-product pairs from "
                  f"{len(service.matrix.customer_ids):,} customers, in {time.perf_counter() - start:.1f} s -> {path}")


@app.command()
def recommend(
    customer_id: Annotated[int, typer.Argument(help="The customer to recommend for.")],
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=100, help="How many products.")] = 12,
    category: Annotated[Optional[str], typer.Option(help="Only this category.")] = None,
    max_price: Annotated[Optional[float], typer.Option(help="Highest price.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Products for one customer, in stock in their size, not already bought, each with a reason."""
    import json

    from index.products import Filters
    from retrieval.recsys.service import RecommendationService, RecommenderMissing

    settings = load_settings()
    store = open_store(settings)
    try:
        service = RecommendationService.load(settings.data_dir)
    except RecommenderMissing as exc:
        raise fail(str(exc)) from None
    from index.vocab import CATEGORIES

    if category and category not in CATEGORIES:
        raise fail(f"unknown category {category!r}; one of {', '.join(CATEGORIES)}.")
    filters = Filters(categories={category} if category else set(), price_max=max_price)
    response = service.recommend(store, customer_id, k, filters)
    if as_json:
        console.print_json(json.dumps({"customer_id": customer_id, "model": response.model, "notes": response.notes,
                                       "items": [r.as_dict() for r in response.items]}))
        return
    for note in response.notes:
        console.print(f"[yellow]{note}[/]", highlight=False)
    table = Table("#", "sku", "title", "brand", "price", "reason", title=f"for customer {customer_id} ({response.model})")
    for n, item in enumerate(response.items, 1):
        p = item.product
        table.add_row(str(n), p.sku, p.title, p.brand, f"{p.price:.2f}", item.reason)
    console.print(table)


@bench_app.command("recsys")
def bench_recsys(
    synthetic: Annotated[int, typer.Option(help="Customers in the synthetic set for training speed "
                                                "(about 120 interactions each; 0 skips it).")] = 8500,
    test_days: Annotated[int, typer.Option(help="Days at the end of the history held out as the test.")] = 30,
) -> None:
    """Every recommender side by side (MAP@12, recall@12, NDCG@12, coverage, cold start), stars RMSE/MAE, speed."""
    from eval.bench_recsys import fit_speed_rows, latency_ms, model_rows, star_rows, synthetic_interactions
    from index.products import ProductTable
    from retrieval.recsys.data import Interactions
    from retrieval.recsys.ratings import Ratings
    from retrieval.recsys.service import RecommendationService

    settings = load_settings()
    store = open_store(settings)
    say = lambda text: err.print(f"[dim]… {text}[/]", highlight=False)  # noqa: E731
    data, table = Interactions.from_store(store), ProductTable.from_store(store)
    if len(data) == 0:
        raise fail("the store has no interactions: run `shopagent demo-data` first.")
    rows, n_test = model_rows(data, table, test_days=test_days, progress=say)
    base = rows[0].map12
    out = Table("model", "MAP@12", "recall@12", "NDCG@12", "coverage", "cold MAP@12", "x popularity", "fit (s)",
                title=f"bench recsys — {n_test} test customers, purchases in the last {test_days} days")
    for r in rows:
        out.add_row(r.name, f"{r.map12:.4f}", f"{r.recall12:.4f}", f"{r.ndcg12:.4f}", f"{r.coverage:.3f}",
                    f"{r.cold_map12:.4f}", f"{r.map12 / base:.1f}" if base else "-", f"{r.fit_seconds:.2f}")
    console.print(out)
    say("stars")
    stars = Table("stars model", "RMSE", "MAE", title="review stars, 5-fold cross-validation")
    for name, rmse, mae in star_rows(Ratings.from_store(store)):
        stars.add_row(name, f"{rmse:.4f}", f"{mae:.4f}")
    console.print(stars)
    speed = Table("speed", "value", title="speed on this machine")
    service = RecommendationService.train(store, "hybrid")
    p50, p95 = latency_ms(service, store, [int(c) for c in service.matrix.customer_ids[:200]])
    speed.add_row("recommend for one customer, hybrid, p50 / p95", f"{p50:.1f} / {p95:.1f} ms (target p95 <= 5 ms)")
    if synthetic:
        say(f"generating about {synthetic * 120:,} synthetic interactions")
        big = synthetic_interactions(synthetic)
        for name, seconds in fit_speed_rows(big, progress=say):
            speed.add_row(f"fit on {len(big):,} interactions: {name}", f"{seconds:.1f} s (target <= 60 s)")
    console.print(speed)


@app.command()
def size(
    product: Annotated[str, typer.Argument(help="SKU (or numeric id) of the product.")],
    customer: Annotated[Optional[int], typer.Option(help="Use this customer's stated body, history and preference.")]
    = None,
    chest: Annotated[Optional[float], typer.Option(help="Chest in cm.")] = None,
    waist: Annotated[Optional[float], typer.Option(help="Waist in cm.")] = None,
    hip: Annotated[Optional[float], typer.Option(help="Hips in cm.")] = None,
    foot: Annotated[Optional[float], typer.Option(help="Foot length in cm (heel to longest toe).")] = None,
    fit: Annotated[str, typer.Option(help="slim, regular or relaxed (without --customer).")] = "regular",
    photo: Annotated[Optional[Path], typer.Option(help="A full-body photo, to estimate chest, waist and hips.")]
    = None,
    height: Annotated[Optional[float], typer.Option(help="Your height in cm (needed with --photo).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Which size to take in this product: from a customer's record, from measurements, or from a photo."""
    import json

    from index.images import ImageError, open_image
    from tryon.body import PhotoError, analyze
    from tryon.size_advisor import SizeAdvisor, UnknownCustomer, UnknownProduct
    from tryon.sizing import Measurement

    if fit not in ("slim", "regular", "relaxed"):
        raise fail(f"--fit must be slim, regular or relaxed, not {fit!r}.")
    given = {k: Measurement(v) for k, v in {"chest": chest, "waist": waist, "hip": hip, "foot": foot}.items()
             if v is not None}
    for name, value in given.items():
        if not 10 <= value.value <= 250:
            raise fail(f"--{name} {value.value:g} is not a body measurement in cm.")
    if photo is not None:
        if height is None:
            raise fail("--photo needs --height (in cm) to turn the photo's proportions into centimetres.")
        try:
            given = analyze(open_image(photo)).estimate(height) | given
        except (ImageError, PhotoError, ValueError) as exc:
            raise fail(str(exc)) from None
    if customer is None and not given:
        raise fail("give --customer ID, your measurements (--chest, --waist, --hip, --foot in cm), "
                   "or --photo with --height.")
    advisor = SizeAdvisor(open_store(load_settings()))
    key = int(product) if product.isdigit() else product
    try:
        advice = advisor.for_customer(key, customer, given) if customer is not None else \
            advisor.for_measurements(key, given, fit)
    except (UnknownProduct, UnknownCustomer) as exc:
        raise fail(str(exc)) from None
    if as_json:
        console.print_json(json.dumps(advice.as_dict()))
    elif advice.refused:
        console.print(f"[yellow]No size advice: {advice.reason}[/]", highlight=False)
    else:
        console.print(f"[bold]{advice.size}[/] ({advice.confidence:.0%} sure): {advice.reason}", highlight=False)
        if advice.alternative:
            console.print(f"  or {advice.alternative}: {advice.alternative_reason}", highlight=False)
        for note in advice.adjustments:
            console.print(f"  [dim]{note}[/]", highlight=False)
    if advice.refused:
        raise typer.Exit(code=3)


@app.command()
def body(
    photo: Annotated[Path, typer.Argument(help="A photo of one person standing, facing the camera.")],
    height: Annotated[Optional[float], typer.Option(help="Your height in cm: turns proportions into cm.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Body features from a photo: framing, pose quality, proportions; with --height, chest/waist/hips in cm."""
    import json

    from index.images import ImageError, open_image
    from tryon.body import PhotoError, analyze

    try:
        features = analyze(open_image(photo))
        estimate = features.estimate(height) if height else {}
    except (ImageError, PhotoError, ValueError) as exc:
        raise fail(str(exc)) from None
    result = features.as_dict() | {"estimate_cm": {k: {"value": v.value, "sd": v.sd} for k, v in estimate.items()}}
    if as_json:
        console.print_json(json.dumps(result))
        return
    console.print(f"{features.framing}, {'frontal' if features.frontal else 'not frontal'}, arms "
                  f"{'away from' if features.arms_away else 'against'} the body", highlight=False)
    console.print("proportions (width / body height): " + ", ".join(f"{k} {v:.3f}"
                                                                   for k, v in features.proportions.items()))
    for name, m in estimate.items():
        if name != "height":
            console.print(f"{name}: {m.value:.0f} cm (± {m.sd:.0f})", highlight=False)


@photos_app.command("purge")
def photos_purge(
    customer: Annotated[Optional[int], typer.Option(help="Delete every photo of this customer (their request).")]
    = None,
) -> None:
    """Delete photos past the retention period (photo_retention_days), or all of one customer's."""
    from tryon.photos import PhotoStore

    settings = load_settings()
    photos = PhotoStore.from_settings(open_store(settings), settings)
    if customer is not None:
        console.print(f"Deleted {photos.forget_customer(customer)} photo(s) of customer {customer}.")
    else:
        console.print(f"Deleted {photos.purge()} photo(s) past {settings.photo_retention_days} days.")


@bench_app.command("sizing")
def bench_sizing(
    pairs: Annotated[int, typer.Option(help="Customer x product pairs to advise.")] = 3000,
    seed: Annotated[int, typer.Option(help="Seed for the sample.")] = 0,
    photos: Annotated[Optional[Path], typer.Option(help="A folder of photos of people to time (default: "
                                                        "scikit-image's astronaut).")] = None,
) -> None:
    """Size advice against the demo's hidden truth and the 'usual label' baseline; photo estimator error; speed."""
    from eval.bench_sizing import estimator_rows, photo_ms, sizing_rows

    settings = load_settings()
    try:
        r = sizing_rows(open_store(settings), settings.data_dir, pairs, seed)
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    table = Table("measure", "advice", "usual label (baseline)", "target",
                  title=f"bench sizing — {r['pairs']} customer x product pairs, stated measurements")
    table.add_row("exact size", f"{r['exact']:.3f}", f"{r['usual_exact']:.3f}", ">= 0.80" + (" [green]ok[/]" if
                  r["exact"] >= 0.8 else " [red]missed[/]"))
    table.add_row("within one size", f"{r['within_one']:.3f}", f"{r['usual_within_one']:.3f}", "")
    table.add_row("refused (key measure missing, no usual label)", f"{r['refused']:.3f}", "", "")
    table.add_row("time per advice (median)", f"{r['ms_per_advice']:.1f} ms", "", "")
    console.print(table)
    estimator = Table("framing", "measure", "value", title="photo estimator on synthetic bodies (600, realistic noise)")
    for framing, values in estimator_rows().items():
        for name, value in values.items():
            estimator.add_row(framing, name, f"{value:.2f}" if "MAE" in name else f"{value:.0%}")
    console.print(estimator)
    if photos is not None:
        paths = sorted(p for p in photos.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    else:
        import skimage

        paths = [Path(skimage.__file__).parent / "data" / "astronaut.png"]
    ms, outcomes = photo_ms(paths)
    console.print(f"photo analysis at <=1024 px: median {ms:.0f} ms over {len(paths)} photo(s) (target <= 200 ms); "
                  + "; ".join(outcomes), highlight=False)


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")


def split_images(line: str) -> tuple[str, list[Path]]:
    """A chat line's words and the image files it names (any word that is an existing image path)."""
    words, images = [], []
    for word in line.split():
        path = Path(word.strip("'\"")).expanduser()
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
            images.append(path)
        else:
            words.append(word)
    return " ".join(words), images


def build_agent_or_fail(settings: Settings):  # noqa: ANN201
    from agent.build import PlannerUnavailable, build_agent
    from agent.planners import PlannerError

    store = open_store(settings)
    try:
        agent = build_agent(settings, store)
    except (PlannerUnavailable, PlannerError) as exc:
        raise fail(str(exc)) from None
    err.print(f"[dim]{agent.planner_note}[/]", highlight=False)
    return agent


def print_turn(events) -> None:  # noqa: ANN001 (an iterator of agent.events.Event)
    streamed = ""
    for e in events:
        if e.kind == "message" and e.delta:
            streamed += e.text
            console.print(e.text, end="", highlight=False, markup=False)
        elif e.kind == "tool_call":
            err.print(f"[dim]→ {e.text}({', '.join(f'{k}={v!r}' for k, v in e.data['arguments'].items())})[/]",
                      highlight=False)
        elif e.kind == "tool_result" and not e.data["ok"]:
            err.print(f"[dim]  ✗ {e.data['error']['message']}[/]", highlight=False)
        elif e.kind == "notice":
            err.print(f"[yellow]{e.text}[/]", highlight=False)
        elif e.kind == "message":
            if streamed:
                console.print()
            if e.text.strip() != streamed.strip():
                console.print(e.text, highlight=False, markup=False)


@app.command()
def chat(
    customer: Annotated[Optional[int], typer.Option(help="Signed-in customer id (orders, cart, size history).")] = None,
    staff: Annotated[bool, typer.Option("--staff", help="Copilot mode for customer-service staff "
                                                        "(needs --customer).")] = False,
    session: Annotated[Optional[str], typer.Option(help="Resume the conversation with this key.")] = None,
    message: Annotated[Optional[list[str]], typer.Option("--message", "-m", help="Send these messages in order "
                                                         "and exit, instead of the interactive prompt.")] = None,
    planner: Annotated[Optional[str], typer.Option(help="Planner backend for this run: auto, transformers, "
                                                        "openai or rules (default: the settings).")] = None,
) -> None:
    """Chat with the agent in the terminal. Name an image file anywhere in a line to attach it.

    Example: `shopagent chat --customer 5`, then `like this but in navy ~/photos/shirt.jpg`.
    Type /quit to leave; the session key printed at the start resumes it with --session.
    """
    from agent.conversation import UserMessage
    from agent.loop import AgentError

    settings = load_settings()
    if planner:
        try:
            settings = Settings(planner_backend=planner)
        except ValueError as exc:
            raise fail(str(exc).splitlines()[-1]) from None
    agent = build_agent_or_fail(settings)
    try:
        conv = agent.open("staff" if staff else "shopper", customer, session)
    except AgentError as exc:
        raise fail(str(exc)) from None
    err.print(f"[dim]session {conv.key} ({conv.persona}"
              f"{f', customer {customer}' if customer is not None else ', guest'})[/]", highlight=False)
    lines = iter(message) if message else None
    while True:
        if lines is not None:
            line = next(lines, None)
            if line is None:
                break
            console.print(f"[bold]> {line}[/]", highlight=False)
        else:
            try:
                line = console.input("[bold]> [/]")
            except (EOFError, KeyboardInterrupt):
                break
        if line.strip() in ("/quit", "/exit"):
            break
        text, images = split_images(line)
        if not text and not images:
            continue
        try:
            print_turn(agent.respond(conv, UserMessage(text, images)))
        except AgentError as exc:
            err.print(f"[red]{exc}[/]", highlight=False)


@bench_app.command("agent")
def bench_agent(
    turns: Annotated[int, typer.Option(help="Text turns to time.")] = 200,
) -> None:
    """p50/p95 of a text turn (search plus answer) with the rules planner on the catalog; target p95 <= 300 ms."""
    import numpy as np

    from eval.bench_agent import shopper_queries, turn_timings

    settings = Settings(planner_backend="rules")
    agent = build_agent_or_fail(settings)
    queries = shopper_queries(agent, turns)
    timings = turn_timings(agent, queries)
    out = Table("part of a text turn", "p50 (ms)", "p95 (ms)", "max (ms)",
                title=f"bench agent — rules planner, {turns} turns, {len(agent.services.table)} products")
    for key, label in (("wall_ms", "whole turn, as the shopper waits"), ("planner_ms", "planner (intent, slots, "
                       "answer)"), ("tools_ms", "tools (search)"), ("total_ms", "loop, before the turn is stored")):
        values = np.array(timings[key])
        out.add_row(label, f"{np.percentile(values, 50):.1f}", f"{np.percentile(values, 95):.1f}",
                    f"{values.max():.1f}")
    console.print(out)
    p95 = float(np.percentile(timings["wall_ms"], 95))
    console.print(f"target: p95 <= 300 ms per text turn: {'met' if p95 <= 300 else 'NOT met'} ({p95:.0f} ms)")


@eval_app.command("run")
def eval_run(
    scripts: Annotated[Path, typer.Argument(help="A folder of .yaml dialogue scripts, or one script.")] = Path(
        "eval/scripts"),
    backend: Annotated[Optional[str], typer.Option(help="Planner backend: rules, transformers, openai or auto "
                                                        "(default: the settings).")] = None,
    repeat: Annotated[int, typer.Option(min=1, help="Runs per script; pass^k needs all k to pass.")] = 1,
    report: Annotated[Path, typer.Option(help="Folder for report.json, report.html and junit.xml.")] = Path(
        "eval-report"),
    baseline: Annotated[Optional[Path], typer.Option(help="Baseline JSON: exit 1 when a script that passed "
                                                          "there fails now.")] = None,
    write_baseline: Annotated[Optional[Path], typer.Option(help="Write this run's results as a baseline.")] = None,
) -> None:
    """Run dialogue scripts: pass/fail per script, pass^k, tool-call precision/recall, goals, latency.

    The format is described in eval/scripts.py and the README. With SQLite every run works on a
    copy of the database, so the catalog is never changed.
    """
    import json

    from eval.report import baseline_of, regressions, summary, write_reports
    from eval.runner import Runner
    from eval.scripts import ScriptError, load_scripts

    try:
        loaded = load_scripts(scripts)
    except ScriptError as exc:
        raise fail(str(exc)) from None
    settings = load_settings()
    if backend:
        try:
            settings = settings.model_copy(update={"planner_backend": Settings(planner_backend=backend).planner_backend})
        except ValueError as exc:
            raise fail(str(exc).splitlines()[-1]) from None
    open_store(settings)
    say = lambda text: err.print(f"[dim]{text}[/]", highlight=False)  # noqa: E731
    runner = Runner(settings, log=say)
    say(runner.note)
    from tqdm import tqdm

    try:
        with tqdm(total=len(loaded) * repeat, desc="dialogues", unit="run") as bar:
            results = runner.run(loaded, repeat, progress=lambda done, total: bar.update(1))
    finally:
        runner.close()
    s = summary(results, settings.planner_backend, repeat)
    out = Table("script", "result", "runs passed", "first failure", title=f"eval — {s['scripts']} scripts, "
                f"backend {settings.planner_backend}, {repeat} run(s) each")
    for sr in results:
        first = next((f for r in sr.runs for f in r.all_failures()), "")
        out.add_row(sr.script.name, "pass" if sr.pass_k else "[red]FAIL[/]", f"{sum(r.passed for r in sr.runs)}/"
                    f"{len(sr.runs)}", first[:110])
    console.print(out)
    goal = "n/a" if s["goal_success"] is None else f"{s['goal_success']:.1%}"
    console.print(f"pass rate {s['pass_rate']:.1%} ({s['passed_first_run']}/{s['scripts']}), pass^{repeat} "
                  f"{s['pass_hat_k']:.1%}, tool precision {s['tool_precision']:.3f}, recall {s['tool_recall']:.3f}, "
                  f"goal success {goal}, turn latency p50 {s['turn_latency_ms']['p50']} ms, "
                  f"p95 {s['turn_latency_ms']['p95']} ms", highlight=False)
    paths = write_reports(results, settings.planner_backend, repeat, report)
    say("reports: " + ", ".join(str(p) for p in paths.values()))
    if write_baseline:
        write_baseline.write_text(json.dumps(baseline_of(results), indent=1, sort_keys=True))
        say(f"baseline written to {write_baseline}")
    if baseline:
        if not baseline.is_file():
            raise fail(f"no baseline file {baseline}; make one with --write-baseline.")
        broken = regressions(results, json.loads(baseline.read_text()))
        if broken:
            raise fail(f"{len(broken)} regression(s) against {baseline}: {', '.join(broken)}")
        say(f"no regression against {baseline}")


@app.command()
def tryon(
    person: Annotated[Path, typer.Argument(help="A photo of the shopper (one person, facing the camera).")],
    sku: Annotated[str, typer.Argument(help="The product's SKU (or id) to put on them.")],
    engine: Annotated[Optional[str], typer.Option(help="warp (CPU, default) or diffusion "
                                                       "(default: the tryon_engine setting).")] = None,
    size: Annotated[Optional[str], typer.Option(help="The size to show; a larger one sits looser.")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the picture.")] = Path("tryon.png"),
    customer: Annotated[Optional[int], typer.Option(help="Whose photo it is (for deletion on request).")] = None,
) -> None:
    """Show a garment on a person's photo. Results are cached with the photo and deleted with it."""
    from index.images import ImageError
    from tryon.engines import TryOnError
    from tryon.service import TryOnService

    settings = load_settings()
    store = open_store(settings)
    product: str | int = int(sku) if sku.isdigit() else sku
    service = TryOnService(store, settings)
    try:
        outcome = service.try_on(person, product, size, engine, customer)
    except (TryOnError, ImageError) as exc:
        raise fail(str(exc)) from None
    for note in service.notes:
        err.print(f"[yellow]{note}[/]", highlight=False)
    output.parent.mkdir(parents=True, exist_ok=True)
    outcome.image.save(output)
    where = "from the cache" if outcome.cached else f"{outcome.engine} engine"
    console.print(f"{outcome.title} ({outcome.sku}{', size ' + outcome.size if outcome.size else ''}) on photo "
                  f"{outcome.photo_id[:12]}: {output} ({where}, {outcome.seconds * 1000:.0f} ms)", highlight=False)


@bench_app.command("tryon")
def bench_tryon(
    photos: Annotated[Optional[Path], typer.Option(help="A folder of photos of people (default: scikit-image's "
                                                        "astronaut, a waist-up photo).")] = None,
    per_category: Annotated[int, typer.Option(help="Demo garments per category.")] = 3,
    out: Annotated[Path, typer.Option(help="Where the before/after pictures go.")] = Path("bench-tryon"),
) -> None:
    """The warp engine per category: colour ΔE, coverage IoU, identity SSIM (target >= 0.98), ms per 768x1024 image
    (target <= 500 ms)."""
    import numpy as np

    from eval.bench_tryon import run
    from index.products import ProductTable
    from tryon.garment import KINDS

    settings = load_settings()
    store = open_store(settings)
    if photos is None:
        import skimage

        people = [Path(skimage.__file__).parent / "data" / "astronaut.png"]
    else:
        people = sorted(p for p in photos.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and "person" in p.name) \
            or sorted(p for p in photos.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not people:
        raise fail(f"no photos in {photos}.")
    table = ProductTable.from_store(store)
    garments = {c: [r for r in table.rows if r.category == c and r.image][:per_category] for c in KINDS}
    garments = {c: rows for c, rows in garments.items() if rows}
    if not garments:
        raise fail("the catalog has no garment images: run `shopagent demo-data` first.")
    rows = run(people, garments, settings.data_dir, out, progress=lambda c: err.print(f"[dim]… {c}[/]"))
    result = Table("category", "tried", "refused", "colour ΔE", "coverage IoU", "identity SSIM (min)",
                   "ms p50 / p95", title=f"bench tryon — warp engine, {len(people)} photo(s), 768x1024")
    for r in rows:
        tried = len(r.ms)
        fmt = lambda v: f"{np.mean(v):.2f}" if v else "-"  # noqa: E731
        result.add_row(r.category, str(tried), str(r.refused), fmt(r.delta_e), fmt(r.iou),
                       f"{np.mean(r.ssim):.4f} ({min(r.ssim):.4f})" if r.ssim else "-",
                       f"{np.percentile(r.ms, 50):.0f} / {np.percentile(r.ms, 95):.0f}" if r.ms else "-")
    console.print(result)
    err.print(f"[dim]before/after pictures in {out}[/]")


@app.command()
def ui(
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 exposes it to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 7860,
    concurrency: Annotated[int, typer.Option(help="Turns worked on at once (Gradio's queue).")] = 2,
) -> None:
    """The shopper's chat at / and the staff copilot at /staff (login from staff_accounts), in the browser."""
    import uvicorn

    from ui.server import build_server

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    settings = load_settings()
    agent = build_agent_or_fail(settings)
    if not settings.staff_accounts:
        err.print("[yellow]no staff_accounts set: the copilot at /staff lets no one in "
                  "(make one with `shopagent staff-password NAME`).[/]", highlight=False)
    console.print(f"shopagent: shoppers on http://{host}:{port}/ , staff on http://{host}:{port}/staff",
                  highlight=False)
    uvicorn.run(build_server(agent, concurrency), host=host, port=port, log_level="warning")


@app.command("staff-password")
def staff_password(
    name: Annotated[str, typer.Argument(help="The staff member's login name.")],
    role: Annotated[str, typer.Option(help="agent (look up, draft, send) or lead (also start returns).")] = "agent",
) -> None:
    """Make a copilot login: prints the lines to add to shopagent.toml (the staff_accounts table)."""
    from shopagent.staff import account_entry, toml_entry

    password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        entry = account_entry(role, password)
    except ValueError as exc:
        raise fail(str(exc)) from None
    typer.echo(toml_entry(name, entry))  # plain: a line to copy must not be wrapped


@app.command()
def doctor() -> None:
    """Say which models are present, which embedded defaults are in use, and whether the database answers."""
    from shopagent.doctor import run_checks

    checks = run_checks(load_settings())
    colour = {"ok": "green", "fallback": "yellow", "missing": "red", "error": "red"}
    table = Table("part", "status", "detail", title="shopagent doctor")
    for check in checks:
        table.add_row(check.part, f"[{colour[check.status]}]{check.status}[/]", check.detail)
    console.print(table)
    if any(c.status == "error" for c in checks):
        raise typer.Exit(code=1)


if __name__ == "__main__":
    app()
