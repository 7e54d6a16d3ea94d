"""Training the models the project owns: the garment attribute model and the recommender."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from shopagent.cli.common import console, fail, load_settings, note, one_line_errors, open_store


def train_attributes(
    photos: Annotated[Optional[Path], typer.Option(help="A folder of labelled garment photos (with --labels).")] = None,
    labels: Annotated[Optional[Path], typer.Option(help="CSV naming each photo (image or file), its label (label or "
                                                        "category, in the shop's own words) and who took it "
                                                        "(sender_id or group: the held-out split keeps them "
                                                        "apart).")] = None,
    from_catalog: Annotated[bool, typer.Option("--from-catalog", help="Learn from the catalog's own product images "
                                                                      "and categories.")] = False,
    fine_tune: Annotated[bool, typer.Option(help="Start from the model in force (shipped or trained; keeps its "
                                                 "pattern net) rather than from the ImageNet backbone alone.")] = True,
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the training data.")] = 8,
    renders: Annotated[int, typer.Option(min=2, help="Rendered demo garments per category for training.")] = 30,
    fashion_mnist: Annotated[int, typer.Option(min=0, help="Fashion-MNIST images to mix in (0: none).")] = 1000,
    out: Annotated[Optional[Path], typer.Option(help="Weights file (default: DATA_DIR/models/attributes.pt).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for weights, renders and batches.")] = 0,
    if_missing: Annotated[bool, typer.Option("--if-missing", help="Do nothing when the weights file exists.")] = False,
) -> None:
    """Train the garment recogniser on labelled photos (yours, or the catalog's) plus Fashion-MNIST and renders, and
    print held-out accuracy per class (contributors the model never saw)."""
    settings = load_settings()
    path = out or settings.data_dir / "models" / "attributes.pt"
    if if_missing and path.is_file():
        console.print(f"{path} exists; nothing to do.")
        return
    if (photos is None) != (labels is None):
        raise fail("give --photos and --labels together (a folder of photos and the CSV that labels them).")
    from retrieval.attributes import AttributeModel, attribute_weights_path
    from retrieval.labelled_photos import LabelledSet, read_labelled
    from retrieval.train_attributes import train_attribute_model
    from shopagent.hub import resolve_device

    with one_line_errors():
        labelled = read_labelled(photos, labels) if photos and labels else LabelledSet([], Counter(), True)
        if from_catalog:
            labelled.photos.extend(catalog_photos(open_store(settings), settings.data_dir))
        if (photos or from_catalog) and not labelled.photos:
            raise fail("no usable labelled photo: check the labels map to garments (see `shopagent taxonomy`).")
        base = AttributeModel.load(attribute_weights_path(settings.data_dir)) if fine_tune and labelled.photos \
            else None
        note(f"{len(labelled.photos)} labelled photos" + (f", from {base.source}" if base else ", from ImageNet")
             + "".join(f"; left out {n}: {why}" for why, n in labelled.skipped.most_common(5)))
        if labelled.photos and not labelled.grouped:
            note("the labels name no contributor (sender_id or group): held-out photos are split one by one, "
                 "which overstates accuracy when one person took many.")
        model, report = train_attribute_model(epochs=epochs, renders_per_category=renders,
                                              fmnist_limit=fashion_mnist, photos=labelled.photos, base=base,
                                              seed=seed, log=console.print, cache=settings.data_dir / "cache",
                                              device=resolve_device(settings.device))
    model.save(path)
    console.print(_report_table(report, path))
    if report.per_class:
        table = Table("class", "held-out photos", "right", "accuracy", title="held-out accuracy per class")
        for score in report.per_class:
            table.add_row(score.category, str(score.photos), str(score.right), f"{score.right / score.photos:.2f}")
        console.print(table)


def _report_table(report, path: Path) -> Table:  # noqa: ANN001 (retrieval.train_attributes.TrainReport)
    table = Table("measure", "value", title=f"attribute model -> {path}")
    if report.held_out_photos:
        category = "-" if report.held_out_category_accuracy is None else f"{report.held_out_category_accuracy:.3f}"
        table.add_row(f"held-out photos ({report.held_out_photos}): category", category)
        table.add_row(f"held-out photos ({report.held_out_photos}): family", f"{report.held_out_family_accuracy:.3f}")
    if report.fmnist_test_accuracy is not None:
        table.add_row("Fashion-MNIST test accuracy (10 classes)", f"{report.fmnist_test_accuracy:.4f}")
    table.add_row("held-out renders: category", f"{report.render_category_accuracy:.4f}")
    table.add_row("held-out renders: pattern (5 classes)", f"{report.render_pattern_accuracy:.4f}")
    table.add_row("training images", f"{report.train_photos} photos + {report.fmnist_train_images} Fashion-MNIST + "
                                      f"{report.renders} renders")
    table.add_row("time", f"{report.seconds:.0f} s ({report.epochs} epochs)")
    return table


def catalog_photos(store, data_dir: Path) -> list:  # noqa: ANN001 (index.store.Store) -> list[LabelledPhoto]
    """The catalog's products with an image and a category or family, as labelled photos (grouped by product
    group, so a product's colours stay on one side of the split)."""
    from index.products import ProductTable
    from retrieval.labelled_photos import LabelledPhoto

    out = []
    for row in ProductTable.from_store(store).rows:
        path = row.image_file(data_dir)
        if path is None or not row.family or row.source("category") == "image":  # never learn from its own guesses
            continue
        out.append(LabelledPhoto(path, row.merchant_category or row.category, row.category, row.family,
                                 str(row.attributes.get("group") or row.sku)))
    return out


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
