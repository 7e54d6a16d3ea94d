"""Labelled garment photos: a folder of images and a CSV of their labels, read into taxonomy terms and split
by who took them.

A shop's labels are its own words ("Pants", "Outwear", "Oberteil"): each is mapped through the taxonomy
(index/taxonomy.py) to a category, or only to a family when the word names no single category ("Shoes").
Photos by one contributor share a floor, a light and a camera, so held-out accuracy is measured on
contributors the model never saw (`split_by_group`); a CSV without a contributor column is split photo by
photo, and says so.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from index.taxonomy import OTHER, Taxonomy, load_taxonomy
from shopagent.errors import ShopError

IMAGE_COLUMNS = ("image", "file", "filename", "path", "photo")
LABEL_COLUMNS = ("label", "category", "class", "type", "product_type")
GROUP_COLUMNS = ("sender_id", "group", "contributor", "author", "source")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
# The split's seed, chosen before any training for its size alone: on ../shared/datasets/clothing it holds out
# 52 of 232 contributors, 339 of 2,932 usable photos (seed 0 held out 865: one contributor has 509).
SPLIT_SEED = 2
UNUSABLE = {"not sure", "skip", "other", "unknown", ""}  # labels that say nothing about the garment


class LabelsError(ShopError):
    """The labels file cannot be used as it is."""

    code = "labels_invalid"


@dataclass(frozen=True)
class LabelledPhoto:
    path: Path
    label: str  # the shop's own word
    category: str  # a taxonomy category, or OTHER when the word names only a family
    family: str
    group: str  # who took it (the split keeps one contributor's photos together)


@dataclass
class LabelledSet:
    photos: list[LabelledPhoto]
    skipped: Counter  # reason -> rows left out (unusable label, unmapped label, missing image)
    grouped: bool  # the CSV named contributors


def _column(fields: list[str], names: tuple[str, ...], path: Path, required: bool = True) -> str | None:
    lowered = {f.strip().lower(): f for f in fields}
    found = next((lowered[n] for n in names if n in lowered), None)
    if found is None and required:
        raise LabelsError(f"{path} has no column for {names[0]} (looked for {', '.join(names)}; it has "
                          f"{', '.join(fields) or 'no header'}).")
    return found


def _image_path(folder: Path, name: str) -> Path | None:
    direct = folder / name
    if direct.suffix.lower() in IMAGE_SUFFIXES:
        return direct if direct.is_file() else None
    return next((p for s in IMAGE_SUFFIXES if (p := folder / f"{name}{s}").is_file()), None)


def read_labelled(photos: Path, labels: Path, taxonomy: Taxonomy | None = None) -> LabelledSet:
    """The photos a labels CSV names, with their labels in taxonomy terms; rows that cannot be used are counted."""
    taxonomy = taxonomy or load_taxonomy()
    if not photos.is_dir():
        raise LabelsError(f"{photos} is not a folder of photos.")
    try:
        with labels.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            fields = list(reader.fieldnames or [])
            image_col, label_col = _column(fields, IMAGE_COLUMNS, labels), _column(fields, LABEL_COLUMNS, labels)
            group_col = _column(fields, GROUP_COLUMNS, labels, required=False)
            rows = list(reader)
    except (OSError, UnicodeDecodeError) as e:
        raise LabelsError(f"cannot read {labels}: {e}") from e
    out, skipped = [], Counter()
    for row in rows:
        label = (row.get(label_col) or "").strip()
        if label.lower() in UNUSABLE:
            skipped["label says nothing"] += 1
            continue
        match = taxonomy.map_category(label)
        if not match.family:
            skipped[f"label not in the taxonomy: {label}"] += 1
            continue
        path = _image_path(photos, (row.get(image_col) or "").strip())
        if path is None:
            skipped["image missing"] += 1
            continue
        group = (row.get(group_col) or "").strip() if group_col else path.stem
        out.append(LabelledPhoto(path, label, match.category, match.family, group or path.stem))
    return LabelledSet(out, skipped, group_col is not None)


def held_out_group(group: str, share: float = 0.2, seed: int = SPLIT_SEED) -> bool:
    """Whether a contributor is held out: a stable hash, so the split never depends on row order."""
    digest = hashlib.sha1(f"{seed}:{group}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def split_by_group(photos: list[LabelledPhoto], share: float = 0.2,
                   seed: int = SPLIT_SEED) -> tuple[list[LabelledPhoto], list[LabelledPhoto]]:
    """(train, held out): every photo of a held-out contributor is held out."""
    held = [p for p in photos if held_out_group(p.group, share, seed)]
    return [p for p in photos if not held_out_group(p.group, share, seed)], held


def is_category_label(photo: LabelledPhoto) -> bool:
    """The label names one category (not only a family, as 'Shoes' or 'Outwear' do)."""
    return photo.category != OTHER
