"""The `shopagent` command. Each command is thin: it reads the settings and calls one service."""

from __future__ import annotations

import os
import shutil
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
app.add_typer(config_app, name="config")
app.add_typer(catalog_app, name="catalog")
app.add_typer(db_app, name="db")

console = Console()
err = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code=1)


@app.callback()
def main(
    config: Annotated[Optional[Path], typer.Option("--config", "-c", help="TOML settings file "
                                                   f"(default: ${CONFIG_ENV}, else ./shopagent.toml).")] = None,
) -> None:
    if config is not None:
        os.environ[CONFIG_ENV] = str(config)


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
    """Import products, upserting by SKU. Bad rows are listed by line; good rows are kept."""
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
        except ValueError as exc:
            raise fail(str(exc)) from None
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
