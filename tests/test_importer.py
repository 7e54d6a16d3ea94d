"""Catalog import: every good row kept, every bad row named by line, upsert by SKU, images checked;
a file that cannot be read in full imports nothing."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from typer.testing import CliRunner

from index import models as m
from index.images import ImageError, open_image
from index.importer import CSV_FIELD_LIMIT, ImportFileError, import_catalog
from index.store import Store
from shopagent.cli import app


def _good(sku: str, **kw) -> dict:  # noqa: ANN003
    return {"sku": sku, "title": "Linen shirt", "brand": "Acme", "category": "shirt", "price": "49.90",
            "colours": ["navy"], "sizes": {"S": 2, "M": 0}} | kw


def _bomb_png(path: Path, width: int = 30000, height: int = 30000) -> None:
    """A tiny file whose header claims a huge image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = zlib.compress(b"\x00" * 64)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


@pytest.fixture
def image_dir(tmp_path: Path) -> Path:
    d = tmp_path / "imgs"
    d.mkdir()
    Image.new("RGB", (300, 400), (20, 30, 80)).save(d / "good.jpg")
    (d / "broken.jpg").write_bytes(Image.new("RGB", (300, 400)).tobytes()[:500])
    Image.new("RGB", (20, 20)).save(d / "tiny.png")
    _bomb_png(d / "bomb.png")
    return d


def test_jsonl_with_good_and_bad_rows_keeps_the_good_and_names_the_bad(store: Store, tmp_path: Path,
                                                                     image_dir: Path) -> None:
    lines = [
        json.dumps(_good("A-1", images=["good.jpg"])),                  # 1 good
        json.dumps(_good("A-2", category="spacesuit")),                 # 2 unknown category
        "{not json",                                                     # 3 malformed
        json.dumps(_good("A-3", price="-5")),                            # 4 negative price
        "",                                                              # 5 blank: ignored
        json.dumps(_good("A-4", colours=["navy", "chartreuse"])),        # 6 unknown colour
        json.dumps(_good("A-5", images=["broken.jpg"])),                 # 7 corrupt image
        json.dumps(_good("A-6", images=["bomb.png"])),                   # 8 decompression bomb
        json.dumps(_good("A-7", images=["../imgs/../../etc/passwd"])),   # 9 leaves the folder
        json.dumps(_good("A-1", title="again")),                         # 10 duplicate SKU in file
        json.dumps({"title": "no sku"}),                                 # 11 missing fields
        json.dumps(_good("A-8", sizes={"S": -1})),                       # 12 negative stock
        json.dumps(_good("A-9", images=["tiny.png"])),                   # 13 image too small
        json.dumps(_good("A-10", gender="women", pattern="stripes")),    # 14 good
        json.dumps(["a", "list"]),                                       # 15 not an object
    ]
    path = tmp_path / "catalog.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = import_catalog(store, path, tmp_path / "data", image_dir)
    assert (report.added, report.updated, report.images) == (2, 0, 1)
    bad = {e.line: e.reason for e in report.errors}
    assert sorted(bad) == [2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 15]
    assert "unknown category 'spacesuit'" in bad[2] and "shirt" in bad[2]
    assert "not valid JSON" in bad[3]
    assert "price" in bad[4]
    assert "chartreuse" in bad[6]
    assert "damaged" in bad[7] or "not an image" in bad[7]
    assert "megapixels" in bad[8] or "not an image" in bad[8]
    assert "leaves the --images folder" in bad[9]
    assert "already appeared on line 1" in bad[10]
    assert "sku" in bad[11] and "price" in bad[11]
    assert "stock" in bad[12]
    assert "at least 64 px" in bad[13]
    with store.session() as s:
        products = {p.sku: p for p in s.scalars(select(m.Product))}
        assert set(products) == {"A-1", "A-10"}
        assert products["A-1"].images[0].path.startswith("images/imported/")
        assert (tmp_path / "data" / products["A-1"].images[0].path).is_file()
        assert [(v.size_label, v.stock) for v in products["A-10"].variants] == [("S", 2), ("M", 0)]
    assert store.catalog_version() == 1


def test_csv_import_and_upsert_by_sku(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text(
        "sku,title,brand,category,price,colours,sizes,attributes\n"
        'B-1,Wool coat,Acme,coat,129.00,black|grey,S:1|M:4,"{""length"": ""long""}"\n'
        "B-2,Bad sizes,Acme,coat,99.00,black,S-one,\n"
        "B-3,Jeans,Acme,jeans,59.00,blue,W30:2|W32:5,\n"
        "B-4,Too,many,cells,1,2,3,4,5\n"
    )
    first = import_catalog(store, path, tmp_path / "data")
    assert (first.added, first.updated) == (2, 0)
    assert {e.line for e in first.errors} == {3, 5}
    path.write_text("sku,title,brand,category,price\nB-1,Wool coat (new),Acme,coat,119.00\n")
    second = import_catalog(store, path, tmp_path / "data")
    assert (second.added, second.updated, second.errors) == (0, 1, [])
    with store.session() as s:
        coat = s.scalar(select(m.Product).where(m.Product.sku == "B-1"))
        assert coat.title == "Wool coat (new)" and str(coat.price) == "119.00"
    assert store.catalog_version() == 2


def test_unsupported_file_type_is_refused(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "catalog.xlsx"
    path.write_text("x")
    with pytest.raises(ValueError, match="jsonl or .csv"):
        import_catalog(sqlite_store, path, tmp_path)


def test_open_image_applies_orientation_and_refuses_non_images(tmp_path: Path) -> None:
    rotated = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    Image.new("RGB", (200, 100)).save(rotated, exif=exif)
    assert open_image(rotated).size == (100, 200)
    text = tmp_path / "notes.jpg"
    text.write_text("hello")
    with pytest.raises(ImageError, match="not an image"):
        open_image(text)
    with pytest.raises(ImageError, match="does not exist"):
        open_image(tmp_path / "missing.png")
    with pytest.raises(ImageError, match="limit"):
        open_image(rotated, max_bytes=10)


def _jsonl_with_latin1_on_line_4(path: Path) -> Path:
    good = [json.dumps(_good(f"L-{i}")).encode() for i in range(3)]
    bad = json.dumps(_good("L-3", title="Caf\u00e9 shirt")).encode().replace(b"\\u00e9", b"\xe9")
    path.write_bytes(b"\n".join([*good, bad, json.dumps(_good("L-4")).encode()]) + b"\n")
    return path


def test_a_latin1_byte_part_way_imports_nothing_and_names_the_line(store: Store, tmp_path: Path) -> None:
    import_catalog(store, _write(tmp_path / "before.jsonl", [json.dumps(_good("OLD-1"))]), tmp_path / "data")
    version = store.catalog_version()
    path = _jsonl_with_latin1_on_line_4(tmp_path / "catalog.jsonl")
    with pytest.raises(ImportFileError) as caught:
        import_catalog(store, path, tmp_path / "data")
    assert caught.value.line == 4
    assert str(caught.value).startswith("catalog.jsonl line 4: not UTF-8 text (byte 0xe9); save the file as UTF-8")
    assert "Nothing was imported" in str(caught.value)
    with store.session() as s:
        assert set(s.scalars(select(m.Product.sku))) == {"OLD-1"}
    assert store.catalog_version() == version


def test_a_csv_cell_over_the_limit_imports_nothing_and_a_long_description_is_fine(sqlite_store: Store,
                                                                                 tmp_path: Path) -> None:
    header = "sku,title,brand,category,price,description\n"
    long_text = "x" * 200_000  # over csv's default limit of 131,072, under ours
    path = tmp_path / "catalog.csv"
    too_long = "y" * (CSV_FIELD_LIMIT + 1)
    path.write_text(header + f"C-1,Coat,Acme,coat,99.00,{long_text}\nC-2,Coat,Acme,coat,99.00,{too_long}\n")
    message = r"^catalog\.csv line 3: a cell is longer than 1,000,000 characters"
    with pytest.raises(ImportFileError, match=message) as caught:
        import_catalog(sqlite_store, path, tmp_path / "data")
    assert caught.value.line == 3
    assert sqlite_store.count(m.Product) == 0 and sqlite_store.catalog_version() == 0
    path.write_text(header + f"C-1,Coat,Acme,coat,99.00,{long_text}\n")
    assert import_catalog(sqlite_store, path, tmp_path / "data").added == 1


def test_a_nul_byte_in_a_csv_imports_nothing(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_bytes(b"sku,title,brand,category,price\nN-1,Coat,Acme,coat,99.00\nN-2,Co\x00at,Acme,coat,99.00\n")
    with pytest.raises(ImportFileError, match="line 3: a NUL byte") as caught:
        import_catalog(sqlite_store, path, tmp_path / "data")
    assert caught.value.line == 3 and sqlite_store.count(m.Product) == 0


def test_kept_rows_bump_the_catalog_version_and_rejected_files_do_not(sqlite_store: Store, tmp_path: Path) -> None:
    only_bad = _write(tmp_path / "bad.jsonl", [json.dumps(_good("V-1", price="-1"))])
    assert import_catalog(sqlite_store, only_bad, tmp_path / "data").kept == 0
    assert sqlite_store.catalog_version() == 0
    mixed = _write(tmp_path / "mixed.jsonl", [json.dumps(_good("V-1")), json.dumps(_good("V-2", price="-1"))])
    assert import_catalog(sqlite_store, mixed, tmp_path / "data").kept == 1
    assert sqlite_store.catalog_version() == 1


def test_cli_says_one_line_with_the_line_number_for_an_unreadable_file(tmp_path: Path) -> None:
    path = _jsonl_with_latin1_on_line_4(tmp_path / "catalog.jsonl")
    env = {"SHOPAGENT_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "250"}
    result = CliRunner().invoke(app, ["catalog", "import", str(path)], env=env)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "catalog.jsonl line 4: not UTF-8 text (byte 0xe9)" in lines[0], result.output
    assert "Nothing was imported" in lines[0]
    stats = CliRunner().invoke(app, ["catalog", "stats"], env=env)
    assert "The catalog is empty" in stats.output, stats.output


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path
