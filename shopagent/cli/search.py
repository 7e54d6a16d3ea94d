"""Finding products: the vector index, search by words or photo, recommendations for a customer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from shopagent.cli.common import console, err, load_settings, note, one_line_errors, open_store


def index_build(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Start from nothing instead of updating.")] = False,
    factory: Annotated[Optional[str], typer.Option(help="FAISS factory string (default: the index_factory "
                                                          "setting).")] = None,
) -> None:
    """Embed the catalog into the vector index; only what changed since the last build. Resumes if interrupted.

    Each product image is recognised once: its category, colours and pattern are kept (with their
    confidence) for the products whose merchant did not give them.
    """
    from tqdm import tqdm

    from index.vector_index import VectorIndexError
    from retrieval.embedders import load_embedder
    from retrieval.enrich import Enricher
    from retrieval.indexer import build_index

    settings = load_settings(index_factory=factory)
    store = open_store(settings)
    with one_line_errors(VectorIndexError):
        loaded = load_embedder(settings)
        note(f"embedder: {loaded.note}")
        with tqdm(desc="embedding products", unit="product") as bar:
            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            enricher = Enricher(store, getattr(getattr(loaded.embedder, "attributes", None), "version", "attributes"))
            report = build_index(store, loaded.embedder, settings.data_dir, settings.index_factory, rebuild,
                                 progress=progress, enrich=enricher)
    console.print(f"Index at {report.folder}: {report.total} products ({report.added} embedded, {report.removed} "
                  f"removed, {report.unchanged} unchanged) in {report.seconds:.1f} s"
                  + (f", {report.per_second:.1f} products/s" if report.added else "") + "; "
                  f"attributes read from {enricher.stored} product images.")
    for line in report.image_errors:
        err.print(f"  [yellow]image skipped (text only): {line}[/]", highlight=False)


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
    from index.images import open_image
    from index.products import Filters
    from index.vector_index import VectorIndexError
    from retrieval.search import SearchService
    from tryon.worn import worn_garments

    settings = load_settings()
    store = open_store(settings)
    with one_line_errors(VectorIndexError):
        filters = Filters.from_options(category=category, brand=brand, colour=colour, size=size, max_price=max_price)
        picture = open_image(image) if image else None
        service, embedder_note = SearchService.open(store, settings, worn=worn_garments)
        note(f"embedder: {embedder_note}")
        response = service.search(query, picture, k=k, filters=filters)
    if as_json:
        console.print_json(json.dumps({"understood": response.understood, "notes": response.notes,
                                       "relaxed": response.relaxed,
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


def recommend(
    customer_id: Annotated[int, typer.Argument(help="The customer to recommend for.")],
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=100, help="How many products.")] = 12,
    category: Annotated[Optional[str], typer.Option(help="Only this category.")] = None,
    max_price: Annotated[Optional[float], typer.Option(help="Highest price.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Products for one customer, in stock in their size, not already bought, each with a reason."""
    from index.products import Filters
    from retrieval.recsys.service import RecommendationService

    settings = load_settings()
    store = open_store(settings)
    with one_line_errors():
        filters = Filters.from_options(category=category, max_price=max_price)
        service = RecommendationService.load(settings.data_dir)
        response = service.recommend(store, customer_id, k, filters)
    if as_json:
        console.print_json(json.dumps({"customer_id": customer_id, "model": response.model, "notes": response.notes,
                                       "items": [r.as_dict() for r in response.items]}))
        return
    for line in response.notes:
        console.print(f"[yellow]{line}[/]", highlight=False)
    table = Table("#", "sku", "title", "brand", "price", "reason", title=f"for customer {customer_id} ({response.model})")
    for n, item in enumerate(response.items, 1):
        p = item.product
        table.add_row(str(n), p.sku, p.title, p.brand, f"{p.price:.2f}", item.reason)
    console.print(table)
