"""Garment attributes: masks, colours, the packaged model on renders it never saw, and training."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import require_fashion_mnist

from index.cutout import garment_mask
from index.render import GarmentSpec, render_garment
from index.vocab import COLOURS, PATTERNS
from retrieval.attributes import (
    PACKAGED_WEIGHTS,
    AttributeModel,
    AttributeModelMissing,
    dominant_colours,
    VIEW_SIDE,
    garment_view,
    work_image,
)

CATEGORY_SHOTS = ["t-shirt", "trousers", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
                  "ankle-boot", "skirt", "jeans", "shorts", "hoodie", "jacket"]


def _render(category: str, colour: str = "red", pattern: str = "solid", secondary: str = "white", seed: int = 5):
    image, landmarks = render_garment(GarmentSpec(category=category, colour=COLOURS[colour],
                                                  secondary=COLOURS[secondary], pattern=pattern, seed=seed))
    return image, landmarks


@pytest.fixture(scope="module")
def model() -> AttributeModel:
    return AttributeModel.load(PACKAGED_WEIGHTS)


def test_mask_covers_the_garment_and_not_the_background() -> None:
    image, landmarks = _render("t-shirt", "white")  # white on white: only the outline and shading tell them apart
    rgb = work_image(image)
    mask = garment_mask(rgb)
    scale = rgb.shape[1] / image.width
    points = np.array(list(landmarks.values())) * scale
    inside = points + 0.08 * (points.mean(axis=0) - points)  # landmarks sit on the outline: look just inside
    for x, y in inside:
        assert mask[int(y), int(x)]
    assert not mask[0].any() and not mask[:, 0].any()
    assert 0.1 < mask.mean() < 0.6


def test_garment_view_is_a_square_crop_with_its_mask_and_the_background_toned_down() -> None:
    image, _ = _render("dress", "navy")
    rgb = work_image(image)
    mask = garment_mask(rgb)
    view = garment_view(rgb, mask)
    assert view.shape == (4, VIEW_SIDE, VIEW_SIDE) and view.dtype == np.uint8
    inside = view[3] > 200
    ys, xs = np.nonzero(inside)
    assert max(ys.max() - ys.min(), xs.max() - xs.min()) > 0.8 * VIEW_SIDE  # the garment fills the crop
    navy = np.array(COLOURS["navy"])
    assert np.abs(np.median(view[:3][:, inside], axis=1) - navy).max() < 40  # its colour is kept
    background = view[:3][:, view[3] == 0]
    assert 150 < np.median(background) < 230  # white pulled towards grey: context, but the garment first


@pytest.mark.parametrize(("colour", "pattern", "secondary", "expected"), [
    ("red", "solid", "white", ["red"]),
    ("navy", "stripes", "white", ["navy", "white"]),
    ("yellow", "checks", "green", ["yellow", "green"]),
])
def test_dominant_colours_name_the_fabric(colour: str, pattern: str, secondary: str, expected: list[str]) -> None:
    image, _ = _render("shirt", colour, pattern, secondary)
    rgb = work_image(image)
    names = [name for name, _ in dominant_colours(rgb, garment_mask(rgb))]
    assert set(expected) <= set(names)  # gingham also shows the blend of its two colours


def test_packaged_model_recognises_unseen_renders(model: AttributeModel) -> None:
    images = [_render(c, seed=900 + i)[0] for i, c in enumerate(CATEGORY_SHOTS)]
    found = [a.category for a in model.recognize_many(images)]
    correct = sum(f == c for f, c in zip(found, CATEGORY_SHOTS))
    assert correct >= 12, list(zip(CATEGORY_SHOTS, found))
    patterns = [_render("dress", "blue", p, "yellow", seed=77)[0] for p in PATTERNS]
    assert sum(a.pattern == p for a, p in zip(model.recognize_many(patterns), PATTERNS)) >= 4


def test_recognise_works_on_a_photo_with_a_busy_background(model: AttributeModel) -> None:
    from PIL import Image

    image, _ = _render("dress", "red")
    cutout = Image.fromarray(garment_mask(np.asarray(image)).astype(np.uint8) * 255)
    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(60, 200, (20, 18, 3), dtype=np.uint8)).resize((700, 800))
    noise.paste(image, (90, 80), cutout)  # the dress alone, on a busy background
    attrs = model.recognize(noise)
    assert attrs.colour == "red"
    assert attrs.caption().endswith(attrs.category.replace("-", " "))


def test_missing_weights_say_how_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(AttributeModelMissing, match="shopagent train attributes"):
        AttributeModel.load(tmp_path / "none.pt")


def test_training_runs_end_to_end_and_round_trips(tmp_path: Path) -> None:
    require_fashion_mnist()
    from retrieval.train_attributes import train_attribute_model

    trained, report = train_attribute_model(epochs=1, renders_per_category=2, fmnist_limit=300, workers=1,
                                            log=lambda s: None)
    assert 0.0 <= report.fmnist_test_accuracy <= 1.0 and report.renders == 30 and report.held_out_photos == 0
    path = tmp_path / "attributes.pt"
    trained.save(path)
    loaded = AttributeModel.load(path)
    image, _ = _render("coat")
    a, b = trained.recognize(image), loaded.recognize(image)
    # the file keeps the trained tensors in half precision: the same answer, vectors within rounding
    assert a.category == b.category and np.allclose(a.shape_vector, b.shape_vector, atol=2e-3)


def test_fine_tuning_on_a_shops_photos_adds_its_categories_and_scores_held_out_contributors(
        tmp_path: Path, model: AttributeModel) -> None:
    require_fashion_mnist()
    from retrieval.labelled_photos import read_labelled
    from retrieval.train_attributes import train_attribute_model

    fixtures = Path(__file__).parent / "fixtures" / "clothing"
    photos = read_labelled(fixtures, fixtures / "labels.csv").photos
    photos[0] = replace(photos[0], category="cardigan", label="Strickjacke")  # a class the shipped model lacks
    trained, report = train_attribute_model(epochs=1, renders_per_category=2, fmnist_limit=200, workers=1,
                                            photos=photos, base=model, log=lambda s: None)
    assert trained.categories[:len(model.categories)] == model.categories and "cardigan" in trained.categories
    assert trained.pattern_net is model.pattern_net  # fine-tuning keeps the pattern net
    assert report.train_photos + report.held_out_photos == len(photos) and report.held_out_photos > 0
    assert sum(score.photos for score in report.per_class) == report.held_out_photos
    assert report.held_out_family_accuracy is not None
    trained.save(tmp_path / "shop.pt")
    assert AttributeModel.load(tmp_path / "shop.pt").categories == trained.categories


def test_a_family_label_teaches_the_family_not_one_of_its_classes() -> None:
    import torch

    from retrieval.train_attributes import set_loss

    classes = ["sneaker", "sandal", "t-shirt"]
    footwear = torch.tensor([[True, True, False]])
    split = torch.tensor([[0.0, 0.0, -9.0]])  # the two shoes equally likely: the family is sure
    assert set_loss(split, footwear, smoothing=0.0) < 0.01
    wrong = torch.tensor([[-9.0, -9.0, 0.0]])
    assert set_loss(wrong, footwear, smoothing=0.0) > 5
    assert len(classes) == footwear.shape[1]


def test_kmeans_stopping_early_gives_the_textbook_result() -> None:
    from retrieval.attributes import _kmeans

    def textbook(points: np.ndarray, k: int, iterations: int = 12) -> tuple[np.ndarray, np.ndarray]:
        centres = [points[0]]
        for _ in range(1, k):
            d = np.min([np.sum((points - c) ** 2, axis=1) for c in centres], axis=0)
            centres.append(points[int(np.argmax(d))])
        centres = np.array(centres)
        for _ in range(iterations):
            labels = np.argmin(((points[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
            for j in range(k):
                if np.any(labels == j):
                    centres[j] = points[labels == j].mean(axis=0)
        return centres, labels

    rng = np.random.default_rng(2)
    for n in (1, 3, 50, 3000):
        points = rng.normal(size=(n, 3)) * 20 + rng.integers(0, 4, (n, 1)) * 30
        for (a, la), (b, lb) in [(_kmeans(points, min(4, n)), textbook(points, min(4, n)))]:
            assert np.array_equal(a, b) and np.array_equal(la, lb)


def test_recognising_from_prepared_images_is_recognising_the_images(model: AttributeModel) -> None:
    from retrieval.attributes import prepare

    images = [_render(c, seed=40 + i)[0] for i, c in enumerate(["coat", "skirt", "sneaker"])]
    direct = model.recognize_many(images)
    prepared = model.recognize_prepared([prepare(image) for image in images])
    assert [a.as_dict() for a in direct] == [a.as_dict() for a in prepared]
    assert all(np.array_equal(a.shape_vector, b.shape_vector) for a, b in zip(direct, prepared))


def test_the_train_command_learns_a_shops_labelled_photos_and_prints_held_out_accuracy_per_class(
        tmp_path: Path) -> None:
    require_fashion_mnist()
    from typer.testing import CliRunner

    from shopagent.cli import app

    fixtures = Path(__file__).parent / "fixtures" / "clothing"
    env = {"SHOPAGENT_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    out = tmp_path / "shop.pt"
    result = CliRunner().invoke(app, ["train", "attributes", "--photos", str(fixtures), "--labels",
                                      str(fixtures / "labels.csv"), "--epochs", "1", "--renders", "2",
                                      "--fashion-mnist", "100", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "held-out accuracy per class" in result.output and "(footwear)" in result.output  # 'Shoes': a family
    assert "held-out photos (4): family" in result.output
    assert AttributeModel.load(out).categories[:3] == AttributeModel.load(PACKAGED_WEIGHTS).categories[:3]
    lone = CliRunner().invoke(app, ["train", "attributes", "--photos", str(fixtures)], env=env)
    assert lone.exit_code == 1 and "--photos and --labels together" in lone.output


def test_train_from_catalog_learns_the_merchants_categories_never_the_images_own(tmp_path: Path) -> None:
    require_fashion_mnist()
    import csv

    from conftest import import_rows
    from typer.testing import CliRunner

    from shopagent.cli import app
    from shopagent.cli.train import catalog_photos

    fixtures = Path(__file__).parent / "fixtures" / "clothing"
    with (fixtures / "labels.csv").open() as f:
        labelled = list(csv.DictReader(f))
    rows = [{"sku": f"p{n}", "title": f"item {n}", "category": row["label"], "price": "10",
             "images": [f"{row['image']}.jpg"]} for n, row in enumerate(labelled)]
    rows.append({"sku": "unlabelled", "title": "mystery", "category": "Mystery Box", "price": "10",
                 "images": [f"{labelled[0]['image']}.jpg"]})
    settings, store, _ = import_rows(tmp_path, rows, fixtures)
    photos = catalog_photos(store, settings.data_dir)
    assert len(photos) == len(labelled)  # 'Mystery Box' names no category nor family: not a label
    assert {p.family for p in photos} >= {"footwear", "tops", "bottoms"}
    env = {"SHOPAGENT_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["train", "attributes", "--from-catalog", "--epochs", "1", "--renders", "2",
                                      "--fashion-mnist", "0"], env=env)
    assert result.exit_code == 0, result.output
    assert "held-out accuracy per class" in result.output
    assert AttributeModel.load(settings.data_dir / "models" / "attributes.pt").categories


def test_a_prior_weighs_the_categories(model: AttributeModel) -> None:
    image, _ = _render("t-shirt", "navy")
    plain = model.recognize(image)
    only_dress = {c: float(c == "dress") for c in model.categories}
    assert model.recognize(image, prior=only_dress).category == "dress"
    assert model.recognize(image, prior={c: 0.0 for c in model.categories}).category == plain.category  # nothing left
