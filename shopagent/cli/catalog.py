"""The catalog: the demo catalog, imports, counts, and the database schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from shopagent.cli.common import console, err, fail, load_settings, open_store


def db_upgrade() -> None:
    """Create the tables, or migrate them to the newest schema."""
    store = open_store(load_settings())
    console.print(f"{store!r} is at schema {store.revision()}")


def demo_data(
    seed: Annotated[Optional[int], typer.Option(help="Seed (default: the demo_seed setting).")] = None,
    products: Annotated[Optional[int], typer.Option(help="Products (default: the demo_products setting).")] = None,
    customers: Annotated[Optional[int], typer.Option(help="Customers (default: the demo_customers setting).")] = None,
    images: Annotated[bool, typer.Option(help="Render product images.")] = True,
    force: Annotated[bool, typer.Option("--force", help="Delete the catalog in the store and build it anew.")] = False,
    if_missing: Annotated[bool, typer.Option("--if-missing", help="Do nothing when the store already has products.")] = False,
) -> None:
    """Build the deterministic demo catalog: brands, products with images, customers, history."""
    from index.demo import TRUTH_FILE, CatalogNotEmpty, build_demo_catalog

    settings = load_settings(demo_seed=seed, demo_products=products, demo_customers=customers)
    try:
        result = build_demo_catalog(open_store(settings), settings.data_dir, seed=settings.demo_seed,
                                    n_products=settings.demo_products, n_customers=settings.demo_customers,
                                    images=images, existing="keep" if if_missing else "replace" if force else "refuse",
                                    log=console.print)
    except CatalogNotEmpty as exc:
        raise fail(f"{exc} Pass --force to replace it, or --if-missing to keep it.") from None
    if result.kept:
        console.print(f"The catalog already holds {result.products} products; nothing to do.")
        return
    console.print(f"Demo catalog ready in {result.seconds:.1f} s: {result.products} products, {result.images} images, "
                  f"{result.customers} customers, {result.interactions} interactions, {result.reviews} reviews, "
                  f"{result.orders} orders. Ground truth: {settings.data_dir / TRUTH_FILE}")


def catalog_import(
    file: Annotated[Path, typer.Argument(help="A Shopify product CSV export, a Merchant Center feed (TSV or XML), "
                                               "or the project's .jsonl / .csv (schema: README).")],
    images: Annotated[Optional[Path], typer.Option(
        "--images", help="Folder the rows' image files are in (feeds' image URLs are matched by file name; nothing "
                         "is downloaded).")] = None,
    full: Annotated[bool, typer.Option("--full", help="The file is the whole catalog: retire products it does not "
                                       "list (hidden from search, kept for orders).")] = False,
    format: Annotated[Optional[str], typer.Option("--format", help="shopify, merchant-tsv, merchant-xml, jsonl or "
                                                  "csv (default: found from the file's content).")] = None,
) -> None:
    """Import products, updating them in place by SKU. Bad rows are listed by line; good rows are kept.

    Categories, colours and sizes are kept in the shop's own words and mapped onto the taxonomy; a
    category nothing matches is kept as 'other' and listed. A file that cannot be read in full (not
    UTF-8, unreadable CSV or XML) imports nothing: one line names where.
    """
    from tqdm import tqdm

    from index.importer import import_catalog
    from retrieval.embedders import TextSimilarity

    settings = load_settings()
    store = open_store(settings)
    with tqdm(desc=f"importing {file.name}", unit="row", leave=False) as bar:
        try:
            report = import_catalog(store, file, settings.data_dir, images, progress=bar.update, full=full,
                                    format=format, embed=TextSimilarity(settings.text_model))
        except ValueError as exc:  # ImportFileError included
            raise fail(str(exc)) from None
    console.print(report.summary())
    for error in report.errors:
        err.print(Text(f"  {error}", style="yellow"), highlight=False)
    if report.errors:
        raise typer.Exit(code=2 if report.kept else 1)


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
                      f"{stats.in_stock_variants:,} size variants in stock; {stats.retired:,} products retired")
        console.print("values of shown products, by source (merchant / read from the image / unknown): " + "; ".join(
            f"{name} {c['merchant']:,} / {c['image']:,} / {c['none']:,}" for name, c in stats.sources.items()))
    else:
        console.print("The catalog is empty: run `shopagent demo-data` or `shopagent catalog import FILE`.")
