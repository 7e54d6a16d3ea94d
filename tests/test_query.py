"""Query understanding: what a shopper's words become, and the queries we refuse."""

from __future__ import annotations

import pytest

from retrieval.query import QueryError, parse_query

BRANDS = ["Nordlys", "Calle Verde"]


def test_navy_linen_shirt_under_60() -> None:
    q = parse_query("navy linen shirt under 60", BRANDS)
    f = q.filters
    assert (f.categories, f.colours, f.materials, f.price_max) == ({"shirt"}, {"navy"}, {"linen"}, 60)
    assert set(q.semantic_text.split()) == {"navy", "linen", "shirt"}


@pytest.mark.parametrize(("text", "field", "value"), [
    ("dresses between 30 and 80 euros", "price_min", 30),
    ("dresses between 30 and 80 euros", "price_max", 80),
    ("boots over €100", "price_min", 100),
    ("jeans W32", "size", "W32"),
    ("a red t-shirt in M", "size", "M"),
    ("sneakers size 42", "size", "42"),
    ("women's floral maxi dress", "gender", "women"),
    ("hoodie in stock", "in_stock", True),
])
def test_scalars(text: str, field: str, value: object) -> None:
    assert getattr(parse_query(text, BRANDS).filters, field) == value


def test_synonyms_map_to_the_catalog_vocabulary() -> None:
    f = parse_query("grey plaid trainers and a maroon jumper", BRANDS).filters
    assert f.colours == {"grey", "burgundy"} and f.patterns == {"checks"} and f.categories == {"sneaker", "pullover"}


def test_negations_exclude_and_leave_the_embedded_text() -> None:
    q = parse_query("sneakers not white, without stripes, no leather from Calle Verde", BRANDS)
    f = q.filters
    assert f.exclude_colours == {"white"} and f.exclude_patterns == {"stripes"} and f.exclude_materials == {"leather"}
    assert f.brands == {"Calle Verde"} and not f.colours
    assert "white" not in q.semantic_text and "leather" not in q.semantic_text


def test_longer_is_an_edit() -> None:
    assert parse_query("like this but longer").length_change == 1
    assert parse_query("shorter please").length_change == -1


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"),
    ("   ", "empty"),
    ("синее льняное платье", "English"),
    ("je voudrais quelque chose de joli", "not English"),
    ("dress size Q", "size 'q'"),
    ("coat over 200 under 100", "price range is empty"),
])
def test_queries_we_refuse_say_why(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(text, BRANDS)


def test_style_words_are_fits_and_can_be_negated() -> None:
    assert parse_query("skinny jeans").filters.fits == {"slim"}
    assert parse_query("an oversized hoodie").filters.fits == {"relaxed"}
    baggy = parse_query("jeans, but not baggy").filters
    assert baggy.exclude_fits == {"relaxed"} and baggy.categories == {"jeans"}
    assert parse_query("trousers, not skinny").filters.exclude_fits == {"slim"}
