"""Catalog import: every good row kept, every bad row named by line, upsert by SKU, images checked;
a file that cannot be read in full imports nothing. A re-import updates in place (sizes never
deleted, orders keep theirs), reports unchanged rows without bumping the version, --full retires
what the file lacks, and no reason ever shows SQL."""

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
from index.products import load_products
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
        json.dumps(_good("A-2", category="spacesuit")),                 # 2 a category we lack: kept as other
        "{not json",                                                     # 3 malformed
        json.dumps(_good("A-3", price="-5")),                            # 4 negative price
        "",                                                              # 5 blank: ignored
        json.dumps(_good("A-4", colours=["navy", "chartreuse"])),        # 6 a colour name we lack: kept
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
    assert (report.added, report.updated, report.images) == (4, 0, 1)
    bad = {e.line: e.reason for e in report.errors}
    assert sorted(bad) == [3, 4, 7, 8, 9, 10, 11, 12, 13, 15]
    assert report.unmapped == {"spacesuit": 1} and "'spacesuit' x1" in report.summary()
    assert "not valid JSON" in bad[3]
    assert "price" in bad[4]
    assert "damaged" in bad[7] or "not an image" in bad[7]
    assert "megapixels" in bad[8] or "not an image" in bad[8]
    assert "leaves the --images folder" in bad[9]
    assert "already appeared on line 1" in bad[10]
    assert "sku" in bad[11] and "price" in bad[11]
    assert "stock" in bad[12]
    assert "at least 64 px" in bad[13]
    with store.session() as s:
        products = {p.sku: p for p in s.scalars(select(m.Product))}
        assert set(products) == {"A-1", "A-2", "A-4", "A-10"}
        assert (products["A-2"].category, products["A-2"].merchant_category) == ("other", "spacesuit")
        assert (products["A-4"].colours, products["A-4"].colour_names) == (["navy"], ["navy", "chartreuse"])
        assert (products["A-1"].category, products["A-1"].family, products["A-1"].pattern) == ("shirt", "tops", "")
        assert products["A-10"].pattern == "stripes"
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
    with pytest.raises(ImportFileError, match="not a format shopagent reads.*shopify"):
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


# ---------------------------------------------------------------- re-import: in place, unchanged, retired

SQL_WORDS = ("IntegrityError", "INSERT", "UPDATE", "SELECT", "sqlite3", "psycopg2", "[SQL")


def _no_sql(report) -> None:  # noqa: ANN001 (ImportReport)
    for error in report.errors:
        assert not any(word in error.reason for word in SQL_WORDS), error.reason
        assert "\n" not in error.reason, error.reason


def _feed(tmp_path: Path, rows: list[dict], name: str = "feed.jsonl") -> Path:
    return _write(tmp_path / name, [json.dumps(r) for r in rows])


def _variants(store: Store, sku: str) -> dict[str, tuple[int, int]]:
    """size label -> (variant id, stock) of one product."""
    with store.session() as s:
        product = s.scalar(select(m.Product).where(m.Product.sku == sku))
        return {v.size_label: (v.id, v.stock) for v in product.variants}


def _order_for(store: Store, sku: str, size: str) -> int:
    """An order placed by a new customer for one size of one product; its id."""
    from decimal import Decimal

    with store.session() as s:
        product = s.scalar(select(m.Product).where(m.Product.sku == sku))
        customer = m.Customer(name="Ana Berg", email=f"ana-{sku}@example.com")
        s.add(customer)
        s.flush()
        order = m.Order(customer_id=customer.id, status=m.OrderStatus.DELIVERED, total=product.price,
                        lines=[m.OrderLine(product_id=product.id, size_label=size, unit_price=Decimal(product.price))])
        s.add(order)
        s.flush()
        return order.id


def test_importing_the_same_file_twice_changes_nothing(store: Store, tmp_path: Path, image_dir: Path) -> None:
    rows = [_good(f"R-{i}", sizes={"S": i, "M": 1, "L": 0}) for i in range(5)]
    rows[0]["images"] = ["good.jpg"]
    path = _feed(tmp_path, rows)
    first = import_catalog(store, path, tmp_path / "data", image_dir)
    assert (first.added, first.updated, first.unchanged, first.images, first.errors) == (5, 0, 0, 1, [])
    version = store.catalog_version()
    with store.session() as s:
        before = {p.sku: (p.id, p.updated_at, [i.id for i in p.images]) for p in s.scalars(select(m.Product))}
    again = import_catalog(store, path, tmp_path / "data", image_dir)
    assert (again.added, again.updated, again.unchanged, again.retired, again.images, again.errors) == (0, 0, 5, 0, 0, [])
    assert again.kept == 5 and not again.changed
    assert again.summary() == "0 added, 0 updated, 5 unchanged, 0 retired, 0 images, 0 rows rejected (jsonl)."
    assert store.catalog_version() == version  # nothing changed: the index is not made stale
    with store.session() as s:
        assert {p.sku: (p.id, p.updated_at, [i.id for i in p.images]) for p in s.scalars(select(m.Product))} == before


def test_a_changed_stock_and_price_update_in_place_and_a_dropped_size_stays_at_stock_0(store: Store,
                                                                                      tmp_path: Path) -> None:
    import_catalog(store, _feed(tmp_path, [_good("P-1", sizes={"S": 2, "M": 5, "L": 1}), _good("P-2")]),
                   tmp_path / "data")
    before, version = _variants(store, "P-1"), store.catalog_version()
    order_id = _order_for(store, "P-1", "L")
    report = import_catalog(store, _feed(tmp_path, [_good("P-1", price="39.90", sizes={"M": 7, "S": 2, "XL": 3}),
                                                    _good("P-2")]), tmp_path / "data")
    assert (report.added, report.updated, report.unchanged, report.errors) == (0, 1, 1, [])
    assert store.catalog_version() == version + 1
    after = _variants(store, "P-1")
    assert {label: vid for label, (vid, _) in after.items() if label in before} == {
        label: vid for label, (vid, _) in before.items()}  # the same rows, not new ones
    assert {label: stock for label, (_, stock) in after.items()} == {"S": 2, "M": 7, "L": 0, "XL": 3}
    with store.session() as s:
        product = s.scalar(select(m.Product).where(m.Product.sku == "P-1"))
        assert str(product.price) == "39.90"
        assert [v.size_label for v in product.variants] == ["M", "S", "XL", "L"]  # the file's order, gone ones last
        order = s.get(m.Order, order_id)
        assert [(line.product_id, line.size_label) for line in order.lines] == [(product.id, "L")]
    from index.commerce import Commerce

    view = Commerce(store).order(order_id, None)
    assert [(line.sku, line.size) for line in view.lines] == [("P-1", "L")]
    assert "L" not in next(r for r in load_products(store) if r.sku == "P-1").sizes_in_stock


def test_a_row_without_sizes_sets_every_stock_to_0_and_keeps_its_images(store: Store, tmp_path: Path,
                                                                        image_dir: Path) -> None:
    import_catalog(store, _feed(tmp_path, [_good("Q-1", images=["good.jpg"])]), tmp_path / "data", image_dir)
    path = tmp_path / "feed.csv"
    path.write_text("sku,title,brand,category,price\nQ-1,Linen shirt,Acme,shirt,49.90\n")
    report = import_catalog(store, path, tmp_path / "data")
    assert (report.updated, report.errors) == (1, [])
    assert {label: stock for label, (_, stock) in _variants(store, "Q-1").items()} == {"S": 0, "M": 0}
    with store.session() as s:
        assert len(s.scalar(select(m.Product).where(m.Product.sku == "Q-1")).images) == 1


def test_images_update_in_place_by_position(store: Store, tmp_path: Path, image_dir: Path) -> None:
    Image.new("RGB", (320, 400), (200, 30, 30)).save(image_dir / "red.jpg")
    data = tmp_path / "data"
    import_catalog(store, _feed(tmp_path, [_good("I-1", images=["good.jpg", "red.jpg"])]), data, image_dir)
    with store.session() as s:
        ids = [i.id for i in s.scalar(select(m.Product).where(m.Product.sku == "I-1")).images]
    Image.new("RGB", (300, 400), (30, 200, 30)).save(image_dir / "good.jpg")  # same name, new picture
    report = import_catalog(store, _feed(tmp_path, [_good("I-1", images=["good.jpg"])]), data, image_dir)
    assert (report.updated, report.images, report.errors) == (1, 1, [])
    with store.session() as s:
        images = s.scalar(select(m.Product).where(m.Product.sku == "I-1")).images
        assert [i.id for i in images] == ids[:1]  # the first kept its row, the second is gone
        assert (data / images[0].path).read_bytes() == (image_dir / "good.jpg").read_bytes()
    again = import_catalog(store, _feed(tmp_path, [_good("I-1", images=["good.jpg"])]), data, image_dir)
    assert (again.unchanged, again.images) == (1, 0)


def test_full_import_retires_missing_products_and_a_later_file_brings_them_back(store: Store,
                                                                               tmp_path: Path) -> None:
    from index.commerce import Commerce
    from index.products import ProductTable

    data = tmp_path / "data"
    import_catalog(store, _feed(tmp_path, [_good("F-1"), _good("F-2"), _good("F-3")]), data)
    order_id = _order_for(store, "F-2", "S")
    version = store.catalog_version()
    partial = import_catalog(store, _feed(tmp_path, [_good("F-1"), _good("F-3")]), data)  # not full: no retiring
    assert (partial.unchanged, partial.retired) == (2, 0) and store.catalog_version() == version
    report = import_catalog(store, _feed(tmp_path, [_good("F-1"), _good("F-3", price="-1")]), data, full=True)
    assert (report.unchanged, report.retired, len(report.errors)) == (1, 1, 1)  # a rejected row is not retired
    assert "1 retired" in report.summary() and store.catalog_version() == version + 1
    table = ProductTable.from_store(store)
    assert set(table.id_of_sku) == {"F-1", "F-3"}
    with store.session() as s:
        retired = s.scalar(select(m.Product).where(m.Product.sku == "F-2"))
        assert retired is not None and retired.active is False
    assert [line.sku for line in Commerce(store).order(order_id, None).lines] == ["F-2"]  # its order stays
    again = import_catalog(store, _feed(tmp_path, [_good("F-1"), _good("F-3")]), data, full=True)
    assert (again.unchanged, again.retired) == (2, 0)  # retired stays retired, and is not counted twice
    back = import_catalog(store, _feed(tmp_path, [_good("F-1"), _good("F-2"), _good("F-3")]), data, full=True)
    assert (back.added, back.updated, back.unchanged, back.retired) == (0, 1, 2, 0)
    assert set(ProductTable.from_store(store).id_of_sku) == {"F-1", "F-2", "F-3"}


def test_repeated_size_labels_are_refused_in_one_line(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path / "feed.jsonl", [
        '{"sku": "D-1", "title": "Tee", "brand": "Acme", "category": "t-shirt", "price": "9.90", '
        '"sizes": {"M": 1, "M": 2}}',
        json.dumps(_good("D-2", sizes={"M": 1, " M ": 2})),
        json.dumps(_good("D-3", sizes={"EXTRA-EXTRA-LARGE-TALL": 1})),
        '{"sku": "D-4", "sku": "D-5", "title": "Tee", "brand": "Acme", "category": "t-shirt", "price": "9.90"}',
        json.dumps(_good("D-6", material="m" * 65, title="t" * 300)),  # cut to fit, not refused
        json.dumps(_good("D-7", sizes={"M": 2**31})),
        json.dumps(_good("D-8")),
    ])
    report = import_catalog(store, path, tmp_path / "data")
    bad = {e.line: e.reason for e in report.errors}
    assert report.added == 2 and sorted(bad) == [1, 2, 3, 4, 6]
    assert "the size label 'M' appears twice" in bad[1] and "the size label 'M' appears twice" in bad[2]
    assert "at most 16 characters" in bad[3]
    assert "the key 'sku' appears twice" in bad[4]
    assert "stock" in bad[6]
    csv_path = tmp_path / "feed.csv"
    csv_path.write_text("sku,title,brand,category,price,sizes\nD-9,Tee,Acme,t-shirt,9.90,S:1|M:2|S:3\n")
    csv_report = import_catalog(store, csv_path, tmp_path / "data")
    assert [e.reason for e in csv_report.errors] == ["sizes: Value error, the size label 'S' appears twice; give "
                                                     "each size once"]
    _no_sql(report)
    _no_sql(csv_report)


def test_a_row_the_database_refuses_is_one_line_without_sql(store: Store, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The reported bug: sizes colliding in the database. Forced here past validation, on both databases."""
    import index.importer as importer

    real = importer._sync_variants

    def twice(product: m.Product, sizes: dict[str, int]) -> bool:
        real(product, sizes)
        if product.sku == "E-2":
            product.variants.append(m.Variant(size_label="S", stock=1, position=9))
        return True

    monkeypatch.setattr(importer, "_sync_variants", twice)
    rows = [_good("E-1"), _good("E-2"), _good("E-3")]
    report = import_catalog(store, _feed(tmp_path, rows), tmp_path / "data")
    assert report.added == 2 and [(e.line, e.sku) for e in report.errors] == [(2, "E-2")]
    assert report.errors[0].reason == "could not be stored: a size label appears twice"
    _no_sql(report)
    with store.session() as s:
        assert set(s.scalars(select(m.Product.sku))) == {"E-1", "E-3"}
    monkeypatch.setattr(importer, "_sync_variants", real)
    again = import_catalog(store, _feed(tmp_path, rows), tmp_path / "data")
    assert (again.added, again.unchanged, again.errors) == (1, 2, [])


def test_cli_reimport_reports_unchanged_and_full_retires(tmp_path: Path) -> None:
    env = {"SHOPAGENT_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "250"}
    path = _feed(tmp_path, [_good("C-1", sizes={"S": 1, "M": 2}), _good("C-2")])
    runner = CliRunner()
    first = runner.invoke(app, ["catalog", "import", str(path)], env=env)
    assert first.exit_code == 0 and "2 added, 0 updated, 0 unchanged, 0 retired" in first.output, first.output
    second = runner.invoke(app, ["catalog", "import", str(path)], env=env)
    assert second.exit_code == 0, second.output
    assert "0 added, 0 updated, 2 unchanged, 0 retired, 0 images, 0 rows rejected (jsonl)." in second.output
    _feed(tmp_path, [_good("C-1", sizes={"S": 1, "M": 2})])
    full = runner.invoke(app, ["catalog", "import", "--full", str(path)], env=env)
    assert full.exit_code == 0 and "0 updated, 1 unchanged, 1 retired" in full.output, full.output


def test_the_active_column_migrates_in_place_under_existing_orders(store: Store, tmp_path: Path) -> None:
    """0003 adds and drops products.active without copying the table (SQLite's batch copy would
    drop products, which the order lines' foreign key forbids)."""
    from alembic import command

    from index.store import alembic_config

    import_catalog(store, _feed(tmp_path, [_good("M-1")]), tmp_path / "data")
    _order_for(store, "M-1", "S")
    with store.engine.begin() as conn:
        cfg = alembic_config(store.url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    assert store.revision() == "0002" and store.count(m.OrderLine) == 1
    store.migrate()
    assert store.revision() == Store.head_revision() and (store.count(m.Variant), store.count(m.OrderLine)) == (2, 1)
    with store.session() as s:
        assert s.scalar(select(m.Product.active).where(m.Product.sku == "M-1")) is True
