"""Labelled photos: a shop's own label words read into taxonomy terms, and the split by contributor."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from retrieval.labelled_photos import LabelsError, held_out_group, read_labelled, split_by_group

FIXTURES = Path(__file__).parent / "fixtures" / "clothing"


def _folder(tmp_path: Path, rows: list[tuple[str, str, str]], header: str = "image,label,sender_id") -> Path:
    for name, _, _ in rows:
        if name and not name.startswith("missing"):
            Image.new("RGB", (8, 8), "red").save(tmp_path / f"{name}.jpg")
    (tmp_path / "labels.csv").write_text(header + "\n" + "\n".join(",".join(r) for r in rows) + "\n")
    return tmp_path


def test_labels_in_a_shops_words_map_to_categories_or_families(tmp_path: Path) -> None:
    folder = _folder(tmp_path, [("a", "Pants", "1"), ("b", "Shoes", "1"), ("c", "Oberteil", "2"),
                                ("d", "Not sure", "2"), ("e", "Spaceship", "3"), ("missing1", "Dress", "3")])
    found = read_labelled(folder, folder / "labels.csv")
    by_name = {p.path.stem: p for p in found.photos}
    assert (by_name["a"].category, by_name["a"].family) == ("trousers", "bottoms")
    assert (by_name["b"].category, by_name["b"].family) == ("other", "footwear")  # a family, not a category
    assert by_name["c"].family == "tops"  # German for 'top'
    assert set(by_name) == {"a", "b", "c"}
    assert found.skipped["label says nothing"] == 1 and found.skipped["image missing"] == 1
    assert found.skipped["label not in the taxonomy: Spaceship"] == 1
    assert found.grouped


def test_other_column_names_and_no_contributor_column(tmp_path: Path) -> None:
    folder = _folder(tmp_path, [("a.jpg", "t-shirt", "x")], header="File,Category,Note")
    (tmp_path / "a.jpg.jpg").rename(tmp_path / "a.jpg")
    found = read_labelled(folder, folder / "labels.csv")
    assert [p.category for p in found.photos] == ["t-shirt"]
    assert not found.grouped and found.photos[0].group == "a"  # each photo its own group


def test_a_labels_file_without_a_label_column_says_what_it_looked_for(tmp_path: Path) -> None:
    folder = _folder(tmp_path, [("a", "x", "1")], header="image,colour,sender_id")
    with pytest.raises(LabelsError, match="no column for label"):
        read_labelled(folder, folder / "labels.csv")


def test_the_split_keeps_each_contributor_on_one_side_and_does_not_depend_on_order() -> None:
    photos = read_labelled(FIXTURES, FIXTURES / "labels.csv").photos
    train, held = split_by_group(photos)
    assert held and train and len(train) + len(held) == len(photos)
    assert not {p.group for p in train} & {p.group for p in held}
    again_train, again_held = split_by_group(list(reversed(photos)))
    assert {p.path for p in again_held} == {p.path for p in held}
    share = sum(held_out_group(str(g)) for g in range(2000)) / 2000
    assert 0.17 < share < 0.23
