"""Feed readers (index/feeds/): Shopify's CSV export and Merchant Center's TSV and XML, read into
neutral rows with one product per colour, and detect_format telling the five formats apart.

The files are written here, small and self-made, in the shape the real exports have.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from index import feeds
from index.feeds import FORMATS, ImportFileError, RawRows, detect_format, read_feed
from index.feeds.base import csv_records
from index.feeds.values import html_text, image_name, parse_price, slug
from index.importer import CatalogRow

SHOPIFY_COLUMNS = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name", "Option3 Value",
    "Variant SKU", "Variant Grams", "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Inventory Policy",
    "Variant Fulfillment Service", "Variant Price", "Variant Compare At Price", "Variant Requires Shipping",
    "Variant Taxable", "Variant Barcode", "Image Src", "Image Position", "Image Alt Text", "Gift Card", "SEO Title",
    "SEO Description", "Google Shopping / Google Product Category", "Google Shopping / Gender",
    "Google Shopping / Age Group", "Google Shopping / MPN", "Google Shopping / Condition", "Variant Image",
    "Variant Weight Unit", "Variant Tax Code", "Cost per item", "Status",
]
CDN = "https://cdn.shopify.com/s/files/1/0001/0002/products"
TEE_BODY = "<p>Soft <b>organic</b> cotton\ntee.</p>\n<p>Fits true&nbsp;to size &amp; washes well.</p>"


def _variant(handle: str, sku: str, price: str, qty: str = "", tracker: str = "shopify", **cells: str) -> dict:
    return {"Handle": handle, "Variant SKU": sku, "Variant Price": price, "Variant Inventory Qty": qty,
            "Variant Inventory Tracker": tracker, "Variant Inventory Policy": "deny",
            "Variant Fulfillment Service": "manual", "Variant Requires Shipping": "TRUE", "Variant Taxable": "TRUE",
            "Variant Grams": "180", "Variant Weight Unit": "g", **cells}


SHOPIFY_RECORDS: list[dict[str, str]] = [
    # lines 2-4 (the body has line breaks inside its quotes): Color is Option1, Size Option2
    _variant("classic-tee", "TEE-BLK-S", "25.00", "5", **{
        "Title": "Classic Tee", "Body (HTML)": TEE_BODY, "Vendor": "Acme Apparel",
        "Product Category": "Apparel & Accessories > Clothing > Shirts & Tops", "Type": "T-Shirts",
        "Tags": "cotton, basics,summer", "Published": "TRUE", "Option1 Name": "Color", "Option1 Value": "Black",
        "Option2 Name": "Size", "Option2 Value": "S", "Variant Compare At Price": "30.00",
        "Image Src": f"{CDN}/tee-black.jpg?v=1700000000", "Image Position": "1", "Image Alt Text": "Black tee",
        "Gift Card": "FALSE", "Google Shopping / Gender": "female", "Google Shopping / Age Group": "adult",
        "Variant Image": f"{CDN}/tee-black.jpg?v=1700000000", "Status": "active"}),
    # line 5: oversold, so a negative quantity
    _variant("classic-tee", "TEE-BLK-M", "25.00", "-2", **{"Option1 Value": "Black", "Option2 Value": "M",
             "Variant Compare At Price": "30.00", "Variant Image": f"{CDN}/tee-black.jpg?v=1700000000"}),
    # line 6: a cheaper colour, its photo's name percent-encoded
    _variant("classic-tee", "TEE-BUR-S", "22.00", "3", **{"Option1 Value": "Burgundy", "Option2 Value": "S",
             "Variant Image": f"{CDN}/tee%20burgundy.jpg?v=1"}),
    # lines 7-8: image-only rows (the detail shot is tied to no colour)
    {"Handle": "classic-tee", "Image Src": f"{CDN}/tee%20burgundy.jpg?v=1", "Image Position": "2"},
    {"Handle": "classic-tee", "Image Src": f"{CDN}/tee-detail.jpg", "Image Position": "3"},
    # line 9: no options ("Default Title"), stock not tracked
    _variant("wool-socks", "SOCK-1", "9.5", "", tracker="", **{
        "Title": "Wool Socks", "Vendor": "Acme Apparel", "Type": "Socks", "Published": "TRUE",
        "Option1 Name": "Title", "Option1 Value": "Default Title", "Image Src": f"{CDN}/socks.png",
        "Image Position": "1", "Status": "active"}),
    # lines 10-11: a draft, German option names, Size before Colour, one colour; tracked with no quantity
    _variant("linen-shirt", "LIN-S", "49.90", "", **{
        "Title": "Leinenhemd", "Body (HTML)": "Leinen", "Vendor": "Nordwerk", "Type": "Hemden", "Published": "TRUE",
        "Option1 Name": "Größe", "Option1 Value": "S", "Option2 Name": "Farbe", "Option2 Value": "Weiß",
        "Google Shopping / Gender": "male", "Status": "draft"}),
    _variant("linen-shirt", "LIN-M", "54.90", "4", **{"Option1 Value": "M", "Option2 Value": "Weiß"}),
    # line 12: the handle's last variant, after another product's rows, with no SKU
    _variant("classic-tee", "", "22.00", "1", **{"Option1 Value": "Burgundy", "Option2 Value": "M",
             "Variant Image": f"{CDN}/tee%20burgundy.jpg?v=1"}),
    # line 13: a price nobody can read
    _variant("silk-scarf", "SCARF-1", "twelve", "2", **{
        "Title": "Silk Scarf", "Published": "TRUE", "Option1 Name": "Title", "Option1 Value": "Default Title",
        "Status": "active"}),
    # line 14: active but hidden from the online store
    _variant("summer-dress", "DRESS-M", "80.00", "2", **{
        "Title": "Summer Dress", "Published": "FALSE", "Option1 Name": "Size", "Option1 Value": "M",
        "Status": "active"}),
]


def _shopify_file(tmp_path: Path, records: list[dict[str, str]] = SHOPIFY_RECORDS,
                  columns: list[str] = SHOPIFY_COLUMNS) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    path = tmp_path / "products_export_1.csv"
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode())  # Shopify's export starts with a BOM
    return path


def _rows(rows: RawRows) -> list[tuple[int, Any]]:
    """The rows, each dict checked against the importer's schema on the way."""
    for _, row in rows:
        if isinstance(row, dict):
            CatalogRow.model_validate(row)
    return rows


def _by_sku(rows: RawRows) -> dict[str, tuple[int, dict]]:
    return {row["sku"]: (line, row) for line, row in rows if isinstance(row, dict)}


def _errors(rows: RawRows) -> dict[int, str]:
    return {line: str(row) for line, row in rows if isinstance(row, Exception)}


def _error_skus(rows: RawRows) -> dict[int, tuple[str, ...]]:
    """The SKUs each error names, so that the report shows them and a full import retires none of them."""
    return {line: getattr(row, "skus", ()) for line, row in rows if isinstance(row, Exception)}


# --- Shopify ---------------------------------------------------------------------------------------------------


def test_shopify_export_is_one_product_per_colour(tmp_path: Path) -> None:
    rows = _rows(read_feed(_shopify_file(tmp_path)))
    assert [(line, row["sku"] if isinstance(row, dict) else "error") for line, row in rows] == [
        (2, "classic-tee-black"), (2, "classic-tee-burgundy"), (9, "wool-socks"), (10, "linen-shirt"),
        (13, "error"), (14, "summer-dress")]
    products = _by_sku(rows)
    _, black = products["classic-tee-black"]
    assert black == {
        "sku": "classic-tee-black", "title": "Classic Tee (Black)", "group": "classic-tee",
        "description": "Soft organic cotton tee.\nFits true to size & washes well.",
        "brand": "Acme Apparel", "category": "T-Shirts",
        "category_path": "Apparel & Accessories > Clothing > Shirts & Tops",
        "tags": ["cotton", "basics", "summer"], "gender": "female", "age_group": "adult", "active": True,
        "colours": ["Black"], "sizes": {"S": 5, "M": 0}, "variant_skus": {"S": "TEE-BLK-S", "M": "TEE-BLK-M"},
        "price": Decimal("25.00"), "compare_at_price": Decimal("30.00"),
        "images": ["tee-black.jpg", "tee-detail.jpg"],
    }
    _, burgundy = products["classic-tee-burgundy"]
    assert (burgundy["title"], burgundy["colours"], burgundy["sizes"]) == ("Classic Tee (Burgundy)", ["Burgundy"],
                                                                          {"S": 3, "M": 1})
    assert burgundy["variant_skus"] == {"S": "TEE-BUR-S"}  # the M variant has no SKU of its own
    assert (burgundy["price"], "compare_at_price" in burgundy) == (Decimal("22.00"), False)
    assert burgundy["images"] == ["tee burgundy.jpg", "tee-detail.jpg"]  # never the black photo


def test_shopify_default_title_untracked_stock_drafts_and_unpublished(tmp_path: Path) -> None:
    products = _by_sku(_rows(read_feed(_shopify_file(tmp_path))))
    _, socks = products["wool-socks"]
    assert (socks["sizes"], socks["variant_skus"], socks["colours"]) == ({"One Size": 1}, {"One Size": "SOCK-1"}, [])
    assert (socks["price"], socks["images"], socks["title"]) == (Decimal("9.5"), ["socks.png"], "Wool Socks")
    _, shirt = products["linen-shirt"]
    assert (shirt["title"], shirt["colours"], shirt["sizes"]) == ("Leinenhemd", ["Weiß"], {"S": 0, "M": 4})
    assert (shirt["active"], shirt["gender"], shirt["price"]) == (False, "male", Decimal("49.90"))
    assert products["summer-dress"][1]["active"] is False
    assert products["summer-dress"][1]["sizes"] == {"M": 2}


def test_shopify_bad_cells_name_their_column_and_spare_the_rest(tmp_path: Path) -> None:
    records = [*SHOPIFY_RECORDS,
               _variant("wool-socks", "SOCK-2", "9.50", "many", tracker="shopify", **{"Option1 Value": "Default Title"}),
               {"Handle": "", "Title": "Orphan"},
               {"Handle": "no-title", "Variant Price": "5.00"}]
    rows = _rows(read_feed(_shopify_file(tmp_path, records)))
    assert _errors(rows) == {
        13: "Variant Price 'twelve' is not a price; write it like 59.90 or 59.90 EUR",
        15: "Variant Inventory Qty 'many' is not a whole number of units",
        16: "Handle is empty; every row of a product (variants and images too) repeats its handle",
        17: "no row of no-title has a Title; give the product's title on its first row",
    }
    assert _error_skus(rows) == {13: ("silk-scarf",), 15: ("wool-socks",), 16: (), 17: ("no-title",)}
    assert _by_sku(rows)["wool-socks"][1]["sizes"] == {"One Size": 1}


def test_shopify_product_level_error_names_every_colour_sku(tmp_path: Path) -> None:
    records = [dict(record) for record in SHOPIFY_RECORDS[:5]]
    records[0]["Status"] = "paused"
    rows = _rows(read_feed(_shopify_file(tmp_path, records)))
    assert _errors(rows) == {2: "Status 'paused' is not active, draft or archived"}
    assert _error_skus(rows) == {2: ("classic-tee-black", "classic-tee-burgundy")}


def test_shopify_reads_the_newer_template_names_and_any_option_slot(tmp_path: Path) -> None:
    columns = ["Title", "URL handle", "Description", "Vendor", "Product category", "Type", "Tags",
               "Published on online store", "Status", "SKU", "Option1 name", "Option1 value", "Option2 name",
               "Option2 value", "Option3 name", "Option3 value", "Price", "Compare-at price", "Inventory tracker",
               "Inventory quantity", "Product image URL", "Image position", "Variant image URL"]
    records = [
        {"Title": "Jeans", "URL handle": "jeans", "Vendor": "Denimco", "Type": "Jeans", "Status": "active",
         "Published on online store": "TRUE", "SKU": "J-30-IND", "Option1 name": "Material", "Option1 value": "Cotton",
         "Option2 name": "Taglia", "Option2 value": "30", "Option3 name": "COLOUR", "Option3 value": "Indigo",
         "Price": "79,90", "Compare-at price": "99.00", "Inventory tracker": "shopify", "Inventory quantity": "2",
         "Product image URL": "https://x.test/jeans.webp", "Image position": "1"},
        {"URL handle": "jeans", "SKU": "J-30-BLK", "Option1 value": "Cotton", "Option2 value": "30",
         "Option3 value": "Black", "Price": "74.90", "Inventory tracker": "shopify", "Inventory quantity": "1",
         "Variant image URL": "https://x.test/jeans-black.webp"},
    ]
    path = _shopify_file(tmp_path, records, columns)
    assert detect_format(path) == "shopify"
    products = _by_sku(_rows(read_feed(path)))
    assert sorted(products) == ["jeans-black", "jeans-indigo"]
    indigo = products["jeans-indigo"][1]
    assert (indigo["sizes"], indigo["price"], indigo["compare_at_price"]) == ({"30": 2}, Decimal("79.90"),
                                                                            Decimal("99.00"))
    assert (indigo["images"], products["jeans-black"][1]["images"]) == (["jeans.webp"],
                                                                       ["jeans-black.webp", "jeans.webp"])


def test_shopify_file_without_handle_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Title,Variant SKU\nTee,T-1\n")
    with pytest.raises(ImportFileError, match="no Handle column"):
        read_feed(path, "shopify")


# --- Merchant Center ---------------------------------------------------------------------------------------------

TSV_HEADER = ["id", "g:item_group_id", "Title", "g:description", "g:link", "g:image_link", "g:additional_image_link",
              "g:price", "g:sale_price", "g:availability", "g:color", "g:size", "g:size_system", "g:gender",
              "g:age_group", "g:material", "g:pattern", "g:product_type", "g:google_product_category", "g:brand"]
IMG = "https://shop.test/img"
TSV_ROWS = [
    # line 2-3: one colour named by two names, on sale; line 4: a second colour, decimal comma
    ["DRESS-BW-S", "DRESS-1", "Wrap Dress", "A wrap dress.", "https://shop.test/p/1", f"{IMG}/dress-bw.jpg",
     f"{IMG}/dress-bw-back.jpg,{IMG}/dress-bw-side.jpg?w=800", "59.90 EUR", "49.90 EUR", "in stock", "Black/White",
     "S", "EU", "female", "adult", "viscose", "floral", "Apparel > Dresses > Wrap dresses", "2271", "Acme"],
    ["DRESS-BW-M", "DRESS-1", "Wrap Dress", "A wrap dress.", "https://shop.test/p/1", f"{IMG}/dress-bw.jpg", "",
     "59.90 EUR", "49.90 EUR", "out of stock", "Black/White", "M", "EU", "female", "adult", "viscose", "floral",
     "Apparel > Dresses > Wrap dresses", "2271", "Acme"],
    ["DRESS-RED-S", "DRESS-1", "Wrap Dress Red", "A red wrap dress.", "", f"{IMG}/dress-red.jpg", "", "59,90 EUR", "",
     "in_stock", "Red", "S", "EU", "female", "adult", "viscose", "", "Apparel > Dresses > Wrap dresses", "2271",
     "Acme"],
    # line 5: no item_group_id, no size; line 6: no price
    ["SCARF-9", "", "Silk Scarf", "", "", f"{IMG}/scarf.jpg", "", "19.00 EUR", "", "preorder", "Navy", "", "", "",
     "", "silk", "", "Accessories > Scarves", "Apparel & Accessories > Clothing Accessories > Scarves & Shawls",
     "Acme"],
    ["HAT-1", "", "Straw Hat", "", "", f"{IMG}/hat.jpg", "", "", "", "in stock", "Beige", "", "", "", "", "", "", "",
     "", "Acme"],
]


def _tsv_file(tmp_path: Path, rows: list[list[str]] = TSV_ROWS) -> Path:
    path = tmp_path / "merchant_feed.txt"
    path.write_text("\n".join("\t".join(cells) for cells in [TSV_HEADER, *rows]) + "\n")
    return path


def test_merchant_tsv_one_product_per_colour_with_sale_prices(tmp_path: Path) -> None:
    rows = _rows(read_feed(_tsv_file(tmp_path)))
    assert [(line, row["sku"] if isinstance(row, dict) else "error") for line, row in rows] == [
        (2, "DRESS-1-black-white"), (2, "DRESS-1-red"), (5, "SCARF-9"), (6, "error")]
    products = _by_sku(rows)
    assert products["DRESS-1-black-white"][1] == {
        "sku": "DRESS-1-black-white", "group": "DRESS-1", "title": "Wrap Dress (Black/White)",
        "description": "A wrap dress.", "brand": "Acme", "category": "Apparel > Dresses > Wrap dresses",
        "category_path": "2271", "gender": "female", "age_group": "adult", "material": "viscose",
        "pattern": "floral", "size_system": "EU", "colours": ["Black", "White"], "sizes": {"S": 1, "M": 0},
        "variant_skus": {"S": "DRESS-BW-S", "M": "DRESS-BW-M"}, "price": Decimal("49.90"),
        "compare_at_price": Decimal("59.90"), "currency": "EUR",
        "images": ["dress-bw.jpg", "dress-bw-back.jpg", "dress-bw-side.jpg"],
    }
    red = products["DRESS-1-red"][1]
    assert (red["title"], red["price"], "compare_at_price" in red) == ("Wrap Dress Red", Decimal("59.90"), False)
    assert (red["sizes"], red["variant_skus"], red["images"]) == ({"S": 1}, {"S": "DRESS-RED-S"}, ["dress-red.jpg"])
    scarf = products["SCARF-9"][1]
    assert (scarf["group"], scarf["sizes"], scarf["variant_skus"]) == ("SCARF-9", {"One Size": 0},
                                                                       {"One Size": "SCARF-9"})
    assert scarf["category_path"] == "Apparel & Accessories > Clothing Accessories > Scarves & Shawls"
    assert _errors(rows) == {6: "price is empty; give the item's price like 59.90 EUR"}
    assert _error_skus(rows) == {6: ("HAT-1",)}


def test_merchant_tsv_bad_availability_is_that_items_error(tmp_path: Path) -> None:
    rows = [list(TSV_ROWS[0]), list(TSV_ROWS[1])]
    rows[1][9] = "sold out"
    products = _rows(read_feed(_tsv_file(tmp_path, rows)))
    assert _errors(products) == {3: "availability 'sold out' is not in_stock, out_of_stock, preorder or backorder"}
    assert _error_skus(products) == {3: ("DRESS-1",)}
    assert _by_sku(products)["DRESS-1"][1]["sizes"] == {"S": 1}  # one colour left, so the group's key


MERCHANT_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">
  <channel>
    <title>Acme feed</title>
    <link>https://shop.test</link>
    <item>
      <g:id>TEE-NVY-S</g:id>
      <g:item_group_id>TEE-2</g:item_group_id>
      <title>Pocket Tee</title>
      <link>https://shop.test/p/tee</link>
      <description><![CDATA[<p>Heavy cotton &amp; a pocket.</p><p>Boxy fit.</p>]]></description>
      <g:image_link>{IMG}/tee-navy.jpg</g:image_link>
      <g:additional_image_link>{IMG}/tee-navy-back.jpg</g:additional_image_link>
      <g:additional_image_link>{IMG}/tee-navy-pocket.jpg</g:additional_image_link>
      <g:price>30.00 EUR</g:price>
      <g:sale_price>24.00 EUR</g:sale_price>
      <g:availability>in_stock</g:availability>
      <g:color>Navy</g:color>
      <g:size>S</g:size>
      <g:gender>unisex</g:gender>
      <g:shipping><g:country>DE</g:country><g:price>4.90 EUR</g:price></g:shipping>
    </item>
    <item>
      <g:id>TEE-NVY-M</g:id>
      <g:item_group_id>TEE-2</g:item_group_id>
      <g:title>Pocket Tee</g:title>
      <g:image_link>{IMG}/tee-navy.jpg</g:image_link>
      <g:price>30.00 EUR</g:price>
      <g:availability>out_of_stock</g:availability>
      <g:color>Navy</g:color>
      <g:size>M</g:size>
    </item>
    <item>
      <g:id>CAP-1</g:id>
      <g:title>Cap</g:title>
      <g:image_link>{IMG}/cap.jpg?width=600</g:image_link>
      <g:price>15 USD</g:price>
      <g:availability>backorder</g:availability>
      <g:color>Black/White</g:color>
      <g:google_product_category>173</g:google_product_category>
    </item>
    <item>
      <g:id>BELT-1</g:id>
      <g:title>Belt</g:title>
      <g:availability>in stock</g:availability>
    </item>
  </channel>
</rss>
"""


def test_merchant_xml_items_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(MERCHANT_XML)
    rows = _rows(read_feed(path))
    assert [(line, row["sku"] if isinstance(row, dict) else "error") for line, row in rows] == [
        (6, "TEE-2"), (33, "CAP-1"), (42, "error")]
    products = _by_sku(rows)
    tee = products["TEE-2"][1]
    assert tee == {
        "sku": "TEE-2", "group": "TEE-2", "title": "Pocket Tee", "description": "Heavy cotton & a pocket.\nBoxy fit.",
        "gender": "unisex", "colours": ["Navy"], "sizes": {"S": 1, "M": 0},
        "variant_skus": {"S": "TEE-NVY-S", "M": "TEE-NVY-M"}, "price": Decimal("24.00"),
        "compare_at_price": Decimal("30.00"), "currency": "EUR",
        "images": ["tee-navy.jpg", "tee-navy-back.jpg", "tee-navy-pocket.jpg"],
    }
    cap = products["CAP-1"][1]
    assert (cap["colours"], cap["sizes"], cap["currency"], cap["price"]) == (["Black", "White"], {"One Size": 0},
                                                                             "USD", Decimal("15"))
    assert (cap["images"], cap["category_path"]) == (["cap.jpg"], "173")
    assert _errors(rows) == {42: "price is empty; give the item's price like 59.90 EUR"}


def test_merchant_atom_feed_with_plain_and_prefixed_fields(tmp_path: Path) -> None:
    path = tmp_path / "feed.atom"
    path.write_text(f"""<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">
<title>Acme</title>
<entry>
<id>tag:shop.test,2024:1</id><g:id>COAT-1</g:id>
<title>Wool Coat</title><g:title>Wool Coat, long</g:title>
<g:price>199.00 EUR</g:price><g:availability>in stock</g:availability><g:size>L</g:size>
<g:image_link>{IMG}/coat%20long.jpg</g:image_link>
</entry>
</feed>
""")
    assert detect_format(path) == "merchant-xml"
    rows = _rows(read_feed(path))
    assert rows == [(3, {"sku": "COAT-1", "group": "COAT-1", "title": "Wool Coat, long", "colours": [],
                         "sizes": {"L": 1}, "variant_skus": {"L": "COAT-1"}, "price": Decimal("199.00"),
                         "currency": "EUR", "images": ["coat long.jpg"]})]


@pytest.mark.parametrize(("document", "line", "problem"), [
    ('<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY boom "x">]>\n<rss><channel/></rss>\n', 2, "DOCTYPE not allowed"),
    ('<?xml version="1.0"?>\n<rss xmlns:g="http://base.google.com/ns/1.0">\n<channel><item>\n<g:id>A</g:id>\n'
     "</channel></rss>\n", 5, "not well-formed XML (mismatched tag"),
    ('<?xml version="1.0"?>\n<catalog><item/></catalog>\n', 2, "not a Merchant Center feed"),
    ('<?xml version="1.0"?>\n<rss><channel><item><g:id>A</g:id></item></channel></rss>\n', 2, "unbound prefix"),
])
def test_unreadable_xml_is_refused_with_its_line(tmp_path: Path, document: str, line: int, problem: str) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(document)
    with pytest.raises(ImportFileError) as caught:
        read_feed(path)
    assert caught.value.line == line and problem in caught.value.problem
    assert str(caught.value).startswith(f"feed.xml line {line}: ")


# --- detect_format and the shared values ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("export.csv", "\ufeffHandle,Title,Body (HTML),Vendor\nx,X,,\n", "shopify"),
    ("export.txt", "Handle,Variant SKU,Variant Price\n", "shopify"),
    ("feed.txt", "g:id\tg:title\tg:price\nA\tTee\t9.00 EUR\n", "merchant-tsv"),
    ("feed.tsv", "ID\tPrice\n", "merchant-tsv"),
    ("feed", '<?xml version="1.0"?>\n<rss/>', "merchant-xml"),
    ("feed.xml", "  <rss version='2.0'/>", "merchant-xml"),
    ("feed.xml", "<feed xmlns='http://www.w3.org/2005/Atom'/>", "merchant-xml"),
    ("rows.txt", '{"sku": "A-1"}\n', "jsonl"),
    ("empty.jsonl", "", "jsonl"),
    ("catalog.txt", "sku,title,price\nA-1,Tee,9.00\n", "csv"),
])
def test_detect_format_by_content(tmp_path: Path, name: str, text: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    assert detect_format(path) == expected


@pytest.mark.parametrize("text", ["title,price\nTee,9\n", "id\tcolour\nA\tred\n", "<html></html>", ""])
def test_detect_format_refuses_the_unknown_and_lists_the_formats(tmp_path: Path, text: str) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text(text)
    with pytest.raises(ImportFileError, match="not a format shopagent reads") as caught:
        detect_format(path)
    assert all(fmt in str(caught.value) for fmt in FORMATS) and len(FORMATS) == 5


def test_detect_format_reads_only_the_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.csv"
    path.write_text("sku,title,price\n" + "A-1,Tee,9.00\n" * 2000)
    reads: list[int] = []

    class Spy(io.StringIO):
        def read(self, size: int | None = -1) -> str:
            reads.append(-1 if size is None else size)
            return super().read(size)

    monkeypatch.setattr(feeds, "open_text", lambda p, newline=None: Spy(p.read_text()))
    assert detect_format(path) == "csv"
    assert reads == [4096]


def test_csv_records_give_the_line_a_record_starts_on(tmp_path: Path) -> None:
    text = 'sku,description\n\nA-1,"two\nlines"\n\n\nA-2,one\r\nA-3,"x\n\ny"\nA-4,z\n'
    assert [(line, raw["sku"]) for line, raw in csv_records(tmp_path / "f.csv", io.StringIO(text, newline=""))] == [
        (3, "A-1"), (7, "A-2"), (8, "A-3"), (11, "A-4")]


@pytest.mark.parametrize(("text", "expected"), [
    ("59.90", (Decimal("59.90"), None)), ("59.90 EUR", (Decimal("59.90"), "EUR")),
    ("59,90 eur", (Decimal("59.90"), "EUR")), ("EUR 1.299,00", (Decimal("1299.00"), "EUR")),
    ("1,299.00 USD", (Decimal("1299.00"), "USD")), ("1,299 USD", (Decimal("1299"), "USD")),
])
def test_parse_price(text: str, expected: tuple[Decimal, str | None]) -> None:
    assert parse_price(text, "price") == expected


@pytest.mark.parametrize("text", ["", "EUR", "12 EUR USD", "twelve", "-5"])
def test_parse_price_names_the_column(text: str) -> None:
    with pytest.raises(ValueError, match="^sale_price .* is not a price"):
        parse_price(text, "sale_price")


def test_image_names_html_text_and_slugs() -> None:
    assert image_name("https://cdn.test/a/b/T%C3%A9e%20blue.JPG?v=2#x", "Image Src") == "Tée blue.JPG"
    assert image_name("tee.jpg", "Image Src") == "tee.jpg"
    for bad in ("https://cdn.test/a/", "https://cdn.test/a/..%2F..%2Fetc%2Fpasswd", "https://cdn.test/.."):
        with pytest.raises(ValueError, match="^Image Src .* does not end in an image file name"):
            image_name(bad, "Image Src")
    html = "<h2>Care</h2><ul><li>Wash  cold</li><li>Dry&nbsp;flat</li></ul><script>x()</script><p>A<br>B</p>"
    assert html_text(html) == "Care\nWash cold\nDry flat\nA\nB"
    assert (slug("Off White"), slug("Rosé / Gold"), slug("  ")) == ("off-white", "rose-gold", "")
    assert len(slug("黒")) == 8 and slug("黒") == slug("黒")


def _xml_file(tmp_path: Path) -> Path:
    path = tmp_path / "feed.xml"
    path.write_text(MERCHANT_XML)
    return path


@pytest.mark.parametrize("kind", ["shopify", "merchant-tsv", "merchant-xml"])
def test_each_feed_imports_and_imports_again_without_rejecting_for_words(store, tmp_path: Path,  # noqa: ANN001
                                                                      kind: str) -> None:
    """On SQLite and PostgreSQL: the good products kept whatever their category or colour words, and the
    same file again rejects nothing new and changes nothing."""
    from index.importer import import_catalog

    path = {"shopify": lambda: _shopify_file(tmp_path), "merchant-tsv": lambda: _tsv_file(tmp_path),
            "merchant-xml": lambda: _xml_file(tmp_path)}[kind]()
    first = import_catalog(store, path, tmp_path / "data")
    assert first.format == kind and first.added > 0
    assert not [e for e in first.errors if "category" in e.reason or "colour" in e.reason], first.errors
    again = import_catalog(store, path, tmp_path / "data")
    assert (again.added, again.updated, again.unchanged) == (0, 0, first.kept)
    assert first.missing_images and "kept without them" in first.summary()  # no --images: products kept
    assert [str(e) for e in again.errors] == [str(e) for e in first.errors]  # the same bad cells, nothing more
