"""Garment recognition on real photos the model never saw: `shopagent bench recognition`.

Three sets, none of them made by the project:
- phone photos of garments on floors, beds and hangers (../shared/datasets/clothing), only the
  contributors `split_by_group` holds out of training (retrieval/labelled_photos.py). A label such as
  "Shoes" or "Outwear" names only a family: it counts for family accuracy, not for category accuracy.
  "Pants" covers jeans and leggings too, so those count as right for it.
- the 60 product shots on white (../shared/photos/garments/labels.csv): family, category (the
  catalog's nearest or the plain label's) and main colour (any of the colours named by eye).
- people wearing garments (../shared/photos/people), labelled by eye in eval/recognition_cases/people.csv:
  the garment a shopper would point at (the top, or the dress) and the lower garment, each recognised
  in its region of the body (tryon/worn.py), beside the whole photo recognised as one garment.

It reports accuracy per set, ms per image, and saves confusion matrices as PNGs to look at.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from eval.stats import Report, Table, fmt, percentiles, ratio
from index.taxonomy import OTHER, load_taxonomy
from retrieval.attributes import AttributeModel
from retrieval.priors import worn_prior
from retrieval.labelled_photos import is_category_label, read_labelled, split_by_group

CASES = Path(__file__).with_name("recognition_cases")
ALSO_RIGHT = {"trousers": {"jeans", "leggings"}}  # a label's category -> predictions that are right too
TARGETS = {"phone photos (held-out contributors)": {"family": 0.80, "category": 0.65},
           "product shots on white": {"family": 0.95, "colour": 0.85},
           "worn: the garment pointed at": {"category": 0.80}}


@dataclass
class Outcome:
    name: str
    category: str  # the label's category (OTHER when it names only a family)
    family: str
    predicted: str
    predicted_family: str
    ms: float
    colour_right: bool | None = None
    accepted: frozenset[str] = frozenset()  # further categories that count as right

    @property
    def category_right(self) -> bool | None:
        if self.category == OTHER:
            return None
        return self.predicted == self.category or self.predicted in self.accepted or \
            self.predicted in ALSO_RIGHT.get(self.category, ())

    @property
    def family_right(self) -> bool:
        return self.predicted_family == self.family


def _family(category: str) -> str:
    info = load_taxonomy().categories.get(category)
    return info.family if info else ""


def _timed(fn: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - start) * 1000


def phone_photos(model: AttributeModel, shared: Path, limit: int | None = None) -> list[Outcome]:
    """The held-out contributors' photos of ../shared/datasets/clothing."""
    root = shared / "datasets" / "clothing"
    _, held = split_by_group(read_labelled(root / "images", root / "labels.csv").photos)
    out = []
    for photo in tqdm(held[:limit], desc="phone photos", unit="img", leave=False):
        attrs, ms = _timed(lambda: model.recognize(Image.open(photo.path)))
        out.append(Outcome(photo.path.name, photo.category if is_category_label(photo) else OTHER, photo.family,
                           attrs.category, _family(attrs.category), ms))
    return out


def product_shots(model: AttributeModel, shared: Path) -> list[Outcome]:
    """The labelled product shots on white."""
    folder = shared / "photos" / "garments"
    taxonomy = load_taxonomy()
    kind_family = {"top": "tops", "bottom": "bottoms", "dress": "dresses"}
    out = []
    with (folder / "labels.csv").open(newline="", encoding="utf-8") as f:
        for row in tqdm(list(csv.DictReader(f)), desc="product shots", unit="img", leave=False):
            attrs, ms = _timed(lambda: model.recognize(Image.open(folder / row["file"])))
            plain = taxonomy.map_category(row["label"]).category
            colours = set(row["main_colour"].split(";"))
            out.append(Outcome(row["file"], row["category"], kind_family[row["kind"]], attrs.category,
                               _family(attrs.category), ms, colour_right=attrs.colour in colours,
                               accepted=frozenset({plain} - {OTHER})))
    return out


@dataclass(frozen=True)
class WornCase:
    file: str
    part: str  # "top", "dress" or "bottom": the region to recognise
    category: str


def worn_cases(folder: Path = CASES) -> list[WornCase]:
    """Per person: the garment pointed at (the dress, else the top) and the lower garment when labelled."""
    cases = []
    with (folder / "people.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["one_piece"]:
                cases.append(WornCase(row["file"], "dress", row["one_piece"]))
            elif row["upper"]:
                cases.append(WornCase(row["file"], "top", row["upper"]))
            if row["lower"]:
                cases.append(WornCase(row["file"], "bottom", row["lower"]))
    return cases


def worn_garments(model: AttributeModel, shared: Path) -> tuple[list[Outcome], list[Outcome]]:
    """(each labelled garment recognised in its region of the body, the same garment from the whole photo)."""
    from tryon.worn import worn_region

    regional, whole = [], []
    for case in tqdm(worn_cases(), desc="worn garments", unit="img", leave=False):
        image = Image.open(shared / "photos" / "people" / case.file)
        family = _family(case.category)
        region = worn_region(image, case.part)
        if region is None:
            regional.append(Outcome(f"{case.file}:{case.part}", case.category, family, "(no region)", "", 0.0))
        else:
            prior = worn_prior(model.categories, case.part, region.sleeves, named=True)
            attrs, ms = _timed(lambda: model.recognize(image, region.mask, prior))
            regional.append(Outcome(f"{case.file}:{case.part}", case.category, family, attrs.category,
                                    _family(attrs.category), ms))
        attrs, ms = _timed(lambda: model.recognize(image))
        whole.append(Outcome(f"{case.file}:{case.part}", case.category, family, attrs.category,
                             _family(attrs.category), ms))
    return regional, whole


def _share(values: list[bool | None]) -> float | None:
    known = [v for v in values if v is not None]
    return ratio(sum(known), len(known))


def _passed(name: str, measure: str, value: float | None) -> bool | None:
    target = TARGETS.get(name, {}).get(measure)
    return None if target is None or value is None else value >= target


def accuracy_table(sets: dict[str, list[Outcome]]) -> Table:
    table = Table("garment recognition on real photos", ("set", "photos", "category", "family", "main colour",
                                                          "ms/image p50", "targets met"))
    for name, outcomes in sets.items():
        category = _share([o.category_right for o in outcomes])
        family = _share([o.family_right for o in outcomes])
        colour = _share([o.colour_right for o in outcomes])
        checks = [_passed(name, m, v) for m, v in (("category", category), ("family", family), ("colour", colour))]
        known = [c for c in checks if c is not None]
        ms = [o.ms for o in outcomes if o.ms]
        table.add(name, str(len(outcomes)), fmt(category), fmt(family), fmt(colour), fmt(percentiles(ms)[0], ".0f"),
                  "-" if not known else f"{sum(known)}/{len(known)}", passed=all(known) if known else None)
    return table


def confusion_png(outcomes: list[Outcome], path: Path, title: str, level: str = "category") -> Path:
    """A confusion matrix (rows: label, columns: prediction) as a PNG, for a person to look at."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pairs = [(o.category, o.predicted) if level == "category" else (o.family, o.predicted_family or "(none)")
             for o in outcomes if level != "category" or o.category != OTHER]
    labels = sorted({a for a, _ in pairs} | {b for _, b in pairs})
    index = {name: n for n, name in enumerate(labels)}
    counts = np.zeros((len(labels), len(labels)), int)
    for truth, predicted in pairs:
        counts[index[truth], index[predicted]] += 1
    fig, ax = plt.subplots(figsize=(1.2 + 0.42 * len(labels), 1.0 + 0.4 * len(labels)))
    ax.imshow(counts / np.maximum(counts.sum(axis=1, keepdims=True), 1), cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for (r, c), n in np.ndenumerate(counts):
        if n:
            ax.text(c, r, str(n), ha="center", va="center", fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("label")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def misses(outcomes: list[Outcome], most: int = 8) -> str:
    """The commonest confusions, 'label -> prediction (n)'."""
    from collections import Counter

    wrong = Counter((o.category if o.category != OTHER else o.family, o.predicted)
                    for o in outcomes if not (o.category_right if o.category != OTHER else o.family_right))
    return ", ".join(f"{a} -> {b} ({n})" for (a, b), n in wrong.most_common(most)) or "none"


def report(model: AttributeModel, shared: Path, out: Path, limit: int | None = None) -> Report:
    """Every set that is present under shared, one table, the misses and the confusion PNGs."""
    yield f"model: {model.source} (version {model.version})"
    sets: dict[str, list[Outcome]] = {}
    if (shared / "datasets" / "clothing" / "labels.csv").is_file():
        sets["phone photos (held-out contributors)"] = phone_photos(model, shared, limit)
    if (shared / "photos" / "garments" / "labels.csv").is_file():
        sets["product shots on white"] = product_shots(model, shared)
    if (shared / "photos" / "people").is_dir() and (CASES / "people.csv").is_file():
        cases = worn_cases()
        regional, whole = worn_garments(model, shared)
        pointed = {c.file: c.part for c in cases if c.part != "bottom"}
        sets["worn: the garment pointed at"] = [o for o in regional if o.name.split(":")[1] == pointed.get(
            o.name.split(":")[0])]
        sets["worn: the lower garment"] = [o for o in regional if o.name.endswith(":bottom")]
        sets["worn: whole photo as one garment (before)"] = [o for o in whole if not o.name.endswith(":bottom")]
    yield accuracy_table(sets)
    for name, outcomes in sets.items():
        yield f"{name}: {misses(outcomes)}"
    for name, outcomes in sets.items():
        slug = name.split(" (")[0].replace(":", "").replace(" ", "-")
        yield f"confusion: {confusion_png(outcomes, out / f'confusion-{slug}.png', name)}"
        if name.startswith("phone"):
            yield f"confusion: {confusion_png(outcomes, out / f'confusion-{slug}-family.png', name, 'family')}"
