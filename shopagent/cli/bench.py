"""Benchmarks that print a table: each command runs one eval/bench_* report and prints what it yields."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from shopagent.cli.common import fail, load_settings, note, one_line_errors, open_agent, open_store, progress, show


def bench_retrieval(
    queries: Annotated[int, typer.Option(help="Queries of each kind on the demo catalog.")] = 150,
    sizes: Annotated[str, typer.Option(help="Comma-separated index sizes for the speed part; empty skips it.")]
    = "10000,100000,1000000",
    dim: Annotated[int, typer.Option(help="Dimension of the synthetic vectors for the speed part.")] = 512,
    seed: Annotated[int, typer.Option(help="Seed for queries and vectors.")] = 0,
) -> None:
    """Search quality on the demo catalog (recall@10, MRR) and index latency/throughput at scale, in one table."""
    from eval.bench_retrieval import report
    from index.vector_index import VectorIndexError

    try:
        counts = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise fail(f"--sizes {sizes!r}: give whole numbers separated by commas, e.g. 10000,100000.") from None
    settings = load_settings()
    store = open_store(settings)
    with one_line_errors(VectorIndexError):
        for part in report(store, settings, queries, counts, dim, seed, progress):
            show(part)


def bench_recsys(
    synthetic: Annotated[int, typer.Option(help="Customers in the synthetic set for training speed "
                                                "(about 120 interactions each; 0 skips it).")] = 8500,
    test_days: Annotated[int, typer.Option(help="Days at the end of the history held out as the test.")] = 30,
) -> None:
    """Every recommender side by side (MAP@12, recall@12, NDCG@12, coverage, cold start), stars RMSE/MAE, speed."""
    from eval.bench_recsys import report

    store = open_store(load_settings())
    with one_line_errors():
        for part in report(store, synthetic, test_days, progress):
            show(part)


def bench_sizing(
    pairs: Annotated[int, typer.Option(help="Customer x product pairs to advise.")] = 3000,
    seed: Annotated[int, typer.Option(help="Seed for the sample.")] = 0,
    photos: Annotated[Optional[Path], typer.Option(help="A folder of photos of people to time (default: "
                                                        "scikit-image's astronaut).")] = None,
) -> None:
    """Size advice against the demo's hidden truth and the 'usual label' baseline; photo estimator error; speed."""
    from eval.bench_sizing import report

    settings = load_settings()
    store = open_store(settings)
    with one_line_errors(FileNotFoundError):  # the demo's truth file
        for part in report(store, settings.data_dir, pairs, seed, photos):
            show(part)


def bench_agent(
    turns: Annotated[int, typer.Option(help="Text turns to time.")] = 200,
) -> None:
    """p50/p95 of a text turn (search plus answer) with the rules planner on the catalog; target p95 <= 300 ms."""
    from eval.bench_agent import report

    agent = open_agent(load_settings(planner_backend="rules"))
    for part in report(agent, turns):
        show(part)


def bench_tryon(
    photos: Annotated[Optional[Path], typer.Option(help="A folder of photos of people (default: scikit-image's "
                                                        "astronaut, a waist-up photo). With --garments every image "
                                                        "in it is used; idm-* files are the held-out split.")] = None,
    garments: Annotated[Optional[Path], typer.Option(help="A folder of product shots with a labels.csv (columns "
                                                          "file,kind,category): real-photo mode, no store needed.")]
    = None,
    per_kind: Annotated[int, typer.Option(min=1, help="With --garments: product shots per kind (top, dress, "
                                                      "trousers), spread evenly over the sorted file names.")] = 6,
    per_category: Annotated[int, typer.Option(help="Without --garments: demo garments per category.")] = 3,
    out: Annotated[Path, typer.Option(help="Where the pictures go: before/after pairs (demo mode) or one "
                                           "contact sheet per kind and split (real mode).")] = Path("bench-tryon"),
) -> None:
    """The warp engine on photos of people, in one of two modes.

    Without --garments (a smoke test of the demo catalog): per category, colour ΔE against the catalog colour,
    coverage IoU, identity SSIM (target >= 0.98) and ms per 768x1024 image (target <= 500 ms).

    With --garments (real product shots on every photo in --photos): per kind and split (dev; held-out: the idm-*
    photos) results, refusals, errors, coverage of the torso (trousers: the legs), spill off the silhouette,
    garment pixels on the face, top edge and hem against the joints, colour ΔE against the product shot, ms
    p50/p95; and a contact sheet per kind and split. Targets: tops and dresses give a result for >= 95% of the
    people whose photo shows what they cover; tops cover >= 0.85 of the torso; spill <= 10% of the garment's
    pixels; no garment pixel on the face; p95 <= 1000 ms. The demo catalog is not used in this mode.
    """
    if garments is not None:
        from eval.bench_tryon import real_report

        with one_line_errors():
            for part in real_report(photos, garments, per_kind, out):
                show(part)
        return
    from eval.bench_tryon import report

    settings = load_settings()
    store = open_store(settings)
    with one_line_errors():
        for part in report(store, settings.data_dir, photos, per_category, out, progress):
            show(part)
    note(f"before/after pictures in {out}")


def bench_catalog(
    shared: Annotated[Path, typer.Option(help="The folder holding photos/garments and datasets/clothing "
                                              "(labelled real photos).")] = Path("../shared"),
    limit: Annotated[int, typer.Option(help="Phone photos to sell (split by contributor into dev and held-out).")]
    = 400,
    work: Annotated[Optional[Path], typer.Option(help="Where the benchmark's shops go (default: a temporary "
                                                      "folder, removed after).")] = None,
) -> None:
    """Real photos sold through a Shopify export and a Merchant Center feed: imports (twice), index build with
    image enrichment (products/s), and precision@10 of category and colour + category queries."""
    import tempfile

    from eval.bench_catalog import report

    if not (shared / "photos" / "garments" / "labels.csv").is_file():
        raise fail(f"{shared} holds no photos/garments/labels.csv: give --shared the folder with the labelled photos.")
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as tmp, one_line_errors():
        for part in report(load_settings(), shared, work or Path(tmp), limit, progress):
            show(part)


def bench_index(
    rounds: Annotated[int, typer.Option(min=1, help="Turns of each way; the median is reported.")] = 2,
) -> None:
    """Index build speed on the catalog's own images: the old per-image way against build_index, in turns
    (products/s, ratio; target >= 4x), and how many recognised values differ between them."""
    from eval.bench_index import report
    from retrieval.embedders import load_embedder

    settings = load_settings(embedder="builtin")
    store = open_store(settings)
    with one_line_errors():
        embedder = load_embedder(settings).embedder
        for part in report(store, embedder, settings.data_dir, rounds, progress):
            show(part)


def bench_taxonomy() -> None:
    """How well merchant category words map onto the taxonomy: dev and held-out cases, by source."""
    from eval.bench_taxonomy import report

    with one_line_errors():
        for part in report():
            show(part)


def bench_recognition(
    shared: Annotated[Path, typer.Option(help="The folder holding datasets/clothing (labelled phone photos), "
                                              "photos/garments (product shots) and photos/people.")] = Path("../shared"),
    out: Annotated[Path, typer.Option(help="Where the confusion matrices (PNG) go.")] = Path("bench-recognition"),
    limit: Annotated[Optional[int], typer.Option(help="Held-out phone photos to read (default: all).")] = None,
) -> None:
    """Garment recognition on real photos it never saw: held-out contributors' phone photos, product shots on white,
    garments worn by people (category, family, main colour, ms per image; confusion matrices as PNGs)."""
    from eval.bench_recognition import report
    from retrieval.attributes import AttributeModel, attribute_weights_path

    if not any((shared / p).exists() for p in ("datasets/clothing", "photos/garments", "photos/people")):
        raise fail(f"{shared} holds none of datasets/clothing, photos/garments, photos/people: give --shared the "
                   "folder with the labelled photos.")
    settings = load_settings()
    with one_line_errors():
        model = AttributeModel.load(attribute_weights_path(settings.data_dir))
        for part in report(model, shared, out, limit):
            show(part)
