"""The shopper's body: size advice, body features from a photo, try-on, and deleting their photos."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from shopagent.cli.common import console, err, load_settings, one_line_errors, open_store


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
    from index.products import resolve_product
    from tryon.size_advisor import SizeAdvisor

    measurements = {k: v for k, v in {"chest": chest, "waist": waist, "hip": hip, "foot": foot}.items() if v is not None}
    store = open_store(load_settings())
    with one_line_errors(ValueError):  # a height that is not an adult's included
        row = resolve_product(store, product)
        advice = SizeAdvisor(store).advise(row.id, customer, measurements, fit, photo, height)
    if as_json:
        console.print_json(json.dumps(advice.as_dict()))
    elif advice.refused:
        console.print(f"[yellow]No size advice: {advice.reason}[/]", highlight=False)
    else:
        console.print(f"[bold]{advice.size}[/] ({advice.confidence:.0%} sure): {advice.reason}", highlight=False)
        if advice.alternative:
            console.print(f"  or {advice.alternative}: {advice.alternative_reason}", highlight=False)
        for line in advice.adjustments:
            console.print(f"  [dim]{line}[/]", highlight=False)
    if advice.refused:
        raise typer.Exit(code=3)


def body(
    photo: Annotated[Path, typer.Argument(help="A photo of one person standing, facing the camera.")],
    height: Annotated[Optional[float], typer.Option(help="Your height in cm: turns proportions into cm.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Body features from a photo: framing, pose quality, proportions; with --height, chest/waist/hips in cm."""
    from index.images import open_image
    from tryon.body import analyze

    with one_line_errors(ValueError):  # a height that is not an adult's included
        features = analyze(open_image(photo))
        estimate = features.estimate(height) if height else {}
    if as_json:
        console.print_json(json.dumps(features.as_dict() | {
            "estimate_cm": {k: {"value": v.value, "sd": v.sd} for k, v in estimate.items()}}))
        return
    console.print(f"{features.framing}, {'frontal' if features.frontal else 'not frontal'}, arms "
                  f"{'away from' if features.arms_away else 'against'} the body", highlight=False)
    console.print("proportions (width / body height): " + ", ".join(f"{k} {v:.3f}"
                                                                   for k, v in features.proportions.items()))
    for name, m in estimate.items():
        if name != "height":
            console.print(f"{name}: {m.value:.0f} cm (± {m.sd:.0f})", highlight=False)


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
    from index.products import resolve_product
    from tryon.service import TryOnService

    settings = load_settings(tryon_engine=engine)
    store = open_store(settings)
    service = TryOnService(store, settings)
    with one_line_errors():
        outcome = service.try_on(person, resolve_product(store, sku).id, size, customer_id=customer)
    for line in service.notes:
        err.print(f"[yellow]{line}[/]", highlight=False)
    output.parent.mkdir(parents=True, exist_ok=True)
    outcome.image.save(output)
    where = "from the cache" if outcome.cached else f"{outcome.engine} engine"
    console.print(f"{outcome.title} ({outcome.sku}{', size ' + outcome.size if outcome.size else ''}) on photo "
                  f"{outcome.photo_id[:12]}: {output} ({where}, {outcome.seconds * 1000:.0f} ms)", highlight=False)
    for line in outcome.notes:  # the fit in words, the person's own top still showing
        console.print(f"  {line}", highlight=False)


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
