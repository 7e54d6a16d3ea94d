"""Shoppers' photos: no EXIF kept, orientation applied, retention and deletion on request."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from index import models as m
from index.store import Store
from shopagent.cli import app
from tryon.photos import PhotoStore

runner = CliRunner()
NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (200, 100), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees to display
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 1.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_saved_photos_carry_no_exif_and_stand_upright(sqlite_store: Store, tmp_path: Path) -> None:
    photos = PhotoStore(sqlite_store, tmp_path, retention_days=30)
    saved = photos.save(_jpeg_with_exif(), customer_id=None, now=NOW)
    assert photos.path_of(saved.id) == tmp_path / "photos" / f"{saved.id}.jpg"
    stored = Image.open(photos.path_of(saved.id))
    assert stored.size == (100, 200)  # the orientation tag was applied to the pixels
    assert not stored.getexif() and b"PhoneMaker" not in photos.path_of(saved.id).read_bytes()
    assert saved.kept_until == NOW + timedelta(days=30)


def test_retention_and_forgetting(sqlite_store: Store, tmp_path: Path) -> None:
    with sqlite_store.session() as s:
        s.add(m.Customer(id=1, name="A", email="a@example.com"))
    photos = PhotoStore(sqlite_store, tmp_path, retention_days=30)
    old = photos.save(_jpeg_with_exif(), customer_id=1, now=NOW - timedelta(days=40))
    (tmp_path / "photos" / "stray.jpg").write_bytes(b"x")
    fresh = photos.save(_png((10, 200, 10)), customer_id=1, now=NOW)
    assert photos.purge(now=NOW) == 2  # the expired one and the stray file
    assert not photos.path_of(old.id).exists() and photos.path_of(fresh.id).exists()
    assert photos.forget_customer(1) == 1
    assert not any((tmp_path / "photos").iterdir()) and sqlite_store.count(m.PhotoUpload) == 0


@pytest.mark.parametrize("bad", ["../secret", "../../catalog.sqlite", "a" * 31, "a" * 33, "A" * 32,
                                 "g" * 32, "0" * 31 + "/", "", None, 12])
def test_only_photo_ids_name_paths(sqlite_store: Store, tmp_path: Path, bad: object) -> None:
    photos = PhotoStore(sqlite_store, tmp_path, retention_days=30)
    with pytest.raises(ValueError, match="not a photo id"):
        photos.path_of(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a photo id"):
        photos.results_of(bad)  # type: ignore[arg-type]
    good = photos.save(_png((10, 200, 10)), customer_id=None, now=NOW).id
    assert photos.path_of(good).parent == tmp_path / "photos" and photos.path_of(good).is_file()
    assert photos.results_of(good) == tmp_path / "tryon-cache" / good


def test_zero_retention_keeps_nothing(sqlite_store: Store, tmp_path: Path) -> None:
    saved = PhotoStore(sqlite_store, tmp_path, retention_days=0).save(_jpeg_with_exif())
    assert saved.kept_until is None and saved.image.size == (100, 200)
    assert not (tmp_path / "photos").exists() and sqlite_store.count(m.PhotoUpload) == 0


def test_cli_purge(tmp_path: Path) -> None:
    env = {"SHOPAGENT_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    result = runner.invoke(app, ["photos", "purge"], env=env)
    assert result.exit_code == 0 and "Deleted 0 photo(s) past 30 days" in result.output
    assert runner.invoke(app, ["photos", "purge", "--customer", "3"], env=env).exit_code == 0


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 160), colour).save(out, format="PNG")
    return out.getvalue()
