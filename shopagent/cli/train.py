"""Training the models the project owns: the garment attribute model and the recommender."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from shopagent.cli.common import console, load_settings, one_line_errors, open_store


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
    from retrieval.train_attributes import train_attribute_model

    with one_line_errors():
        model, report = train_attribute_model(epochs=epochs, renders_per_category=renders, fmnist_limit=limit,
                                              seed=seed, log=console.print)
    model.save(path)
    table = Table("measure", "value", title=f"attribute model -> {path}")
    table.add_row("Fashion-MNIST test accuracy (10 classes)", f"{report.fmnist_test_accuracy:.4f}")
    table.add_row("held-out renders: category (15 classes)", f"{report.render_category_accuracy:.4f}")
    table.add_row("held-out renders: pattern (5 classes)", f"{report.render_pattern_accuracy:.4f}")
    table.add_row("training images", f"{report.fmnist_train_images} Fashion-MNIST + {report.renders} renders")
    table.add_row("time", f"{report.seconds:.0f} s ({report.epochs} epochs)")
    console.print(table)


def train_recommender(
    model: Annotated[str, typer.Option(help="popularity, item-cosine, item-pearson, user-knn, als, bpr or hybrid.")]
    = "hybrid",
) -> None:
    """Fit a recommender on every interaction in the store and save it (DATA_DIR/models/recommender.pkl)."""
    from retrieval.recsys.service import RecommendationService

    settings = load_settings()
    store = open_store(settings)
    start = time.perf_counter()
    with one_line_errors(ValueError):  # an unknown model name
        service = RecommendationService.train(store, model)
    path = service.save(settings.data_dir)
    console.print(f"{service.model.name}: {service.matrix.X.nnz:,} customer-product pairs from "
                  f"{len(service.matrix.customer_ids):,} customers, in {time.perf_counter() - start:.1f} s -> {path}")
