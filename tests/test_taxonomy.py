"""The taxonomy file and its mapper: merchants' words onto categories, colours, patterns, genders, sizes."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

from index import vocab
from index.taxonomy import DEFAULT_PATH, TaxonomyError, load_taxonomy
from shopagent.errors import ShopError, code_of


@pytest.fixture(scope="module")
def t():
    return load_taxonomy()


# ---------------------------------------------------------------- categories by synonym


@pytest.mark.parametrize("text, category, family", [
    ("Tees", "t-shirt", "tops"),
    ("T-Shirt", "t-shirt", "tops"),
    ("Polo", "polo", "tops"),
    ("Polo Shirts", "polo", "tops"),
    ("Blouse", "blouse", "tops"),
    ("Top", "top", "tops"),
    ("Undershirt", "tank top", "tops"),
    ("Camisole", "tank top", "tops"),
    ("Hat", "hat", "accessories"),
    ("Body", "bodysuit", "tops"),
    ("Longsleeve", "longsleeve", "tops"),
    ("Women's Slim Fit Jeans", "jeans", "bottoms"),
    ("T-Shirt Dress", "dress", "dresses"),  # the head noun is last
    ("Dress Shirt", "shirt", "tops"),
    ("Tank Top", "tank top", "tops"),  # the longer match at the same end
    ("Sweater", "pullover", "tops"),
    ("Jumper", "pullover", "tops"),
    ("Pants", "trousers", "bottoms"),
    ("Trainers", "sneaker", "footwear"),
    ("Tote", "bag", "accessories"),
    ("Shoulder Bags", "bag", "accessories"),
    ("Dresses", "dress", "dresses"),
    ("Hoodies", "hoodie", "tops"),
    ("Bodies", "bodysuit", "tops"),
    ("Röcke", "skirt", "bottoms"),  # accents folded
    ("Jacken", "jacket", "outerwear"),  # German plural
    ("Chemisier", "blouse", "tops"),
    ("Playsuits & Jumpsuits", "jumpsuit", "dresses"),  # alternatives that agree
])
def test_merchant_words_map_by_synonym(t, text, category, family):
    match = t.map_category(text)
    assert (match.category, match.family, match.source, match.score) == (category, family, "synonym", 1.0)
    assert match.text == text and match.via


def test_long_sleeve_tops_find_a_tops_category(t):
    match = t.map_category("Long Sleeve Tops")
    assert match.family == "tops" and match.category in t.families["tops"].categories
    assert t.map_category("Long Sleeve Polo").category == "polo"  # "long sleeve" alone is no category


def test_a_google_path_names_the_tops_family(t):
    path = "Apparel & Accessories > Clothing > Shirts & Tops"
    for match in (t.map_category("", path), t.map_category(path)):
        assert (match.category, match.family, match.source) == ("other", "tops", "family")


def test_the_deepest_level_of_a_path_decides(t):
    match = t.map_category("", "Apparel & Accessories > Clothing > Outerwear > Coats & Jackets > Jackets")
    assert (match.category, match.family) == ("jacket", "outerwear")
    assert t.map_category("", "Apparel & Accessories > Clothing").family == ""  # generic levels say nothing


def test_a_family_word_alone_gives_the_family(t):
    for text, family in (("Shoes", "footwear"), ("Tops", "tops"), ("Outerwear", "outerwear"),
                         ("Accessories", "accessories"), ("Oberteile", "tops")):
        match = t.map_category(text)
        assert (match.category, match.family, match.source) == ("other", family, "family")


def test_the_path_refines_a_family_the_text_named(t):
    match = t.map_category("Tops", "Apparel & Accessories > Clothing > Shirts & Tops > T-Shirts")
    assert (match.category, match.family, match.source) == ("t-shirt", "tops", "synonym")
    match = t.map_category("Basics", "Apparel & Accessories > Clothing > Skirts")
    assert (match.category, match.family) == ("skirt", "bottoms")
    # the merchant's own category word wins over the path
    assert t.map_category("Hoodie", "Apparel & Accessories > Shoes").category == "hoodie"


def test_alternatives_of_different_families_are_no_answer(t):
    assert t.map_category("Shoes & Bags").family == ""


@pytest.mark.parametrize("text", ["Gift Card", "zzqx", "", "Apparel", "Sale > New In"])
def test_nonsense_is_other_with_no_family(t, text):
    match = t.map_category(text)
    assert (match.category, match.family, match.source, match.score) == ("other", "", "none", 0.0)


# ---------------------------------------------------------------- the embedding fallback


def trigram_embed(texts: list[str]) -> np.ndarray:
    """A tiny deterministic text embedder: hashed character trigrams, unit rows."""
    out = np.zeros((len(texts), 512), np.float32)
    for row, text in enumerate(texts):
        padded = f"  {text.lower()} "
        for i in range(len(padded) - 2):
            out[row, zlib.crc32(padded[i:i + 3].encode()) % 512] += 1
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


def test_the_embedder_finds_the_nearest_synonym_when_no_word_matches(t):
    calls: list[int] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return trigram_embed(texts)

    assert t.map_category("Sneakerz").source == "none"  # no word matches without the embedder
    match = t.map_category("Sneakerz", embed=embed)
    assert (match.category, match.family, match.source) == ("sneaker", "footwear", "embedding")
    assert 0.65 <= match.score < 1 and match.via.startswith("sneaker")
    assert t.map_category("Cardigann", embed=embed).category == "cardigan"
    assert len(calls) == 3 and calls[0] > 100 and calls[1:] == [1, 1]  # the table is embedded once


def test_the_embedder_below_the_threshold_is_no_answer(t):
    match = t.map_category("qqqq xxxx", embed=trigram_embed)
    assert (match.category, match.family, match.source) == ("other", "", "none")
    assert t.map_category("Sneakerz", embed=trigram_embed, threshold=0.99).source == "none"


def test_a_synonym_is_taken_before_the_embedder_is_asked(t):
    def refuse(texts: list[str]) -> np.ndarray:
        raise AssertionError("not needed")

    assert t.map_category("Tees", embed=refuse).source == "synonym"
    assert t.map_category("Shoes", embed=refuse).source == "family"


# ---------------------------------------------------------------- colours, patterns, genders


@pytest.mark.parametrize("name, family", [
    ("Charcoal", "grey"), ("Anthracite", "grey"), ("Heather Grey", "grey"), ("Cream", "white"),
    ("Off-White", "white"), ("Ivory", "white"), ("Ecru", "beige"), ("Khaki", "beige"), ("Camel", "beige"),
    ("Mustard", "yellow"), ("Forest Green", "green"), ("Sage", "green"), ("Mint", "green"), ("Wine", "burgundy"),
    ("Maroon", "burgundy"), ("Multi", "multi"), ("Multicolor", "multi"), ("Multi-Colour", "multi"),
    ("Schwarz", "black"), ("Noir", "black"), ("Negro", "black"), ("Nero", "black"), ("Bleu Marine", "navy"),
    ("Navy Blue", "navy"), ("Black Denim", "black"), ("Dunkelgrün", "green"), ("Light Blue", "light blue"),
    ("Weiß", "white"),
])
def test_colour_names_map_to_families(t, name, family):
    assert t.map_colour(name) == family


def test_several_colours_in_order_without_repeats(t):
    assert t.map_colours(["Black/White"]) == ["black", "white"]
    assert t.map_colours(["navy & white", "White", "Sunset"]) == ["navy", "white"]
    assert t.map_colour("Black/White") == "black"
    assert t.map_colour("Sunset") is None and t.map_colour("") is None


def test_colour_families_keep_the_rendered_srgb(t):
    assert t.colours["multi"] is None
    assert "multi" not in vocab.COLOURS
    assert vocab.COLOURS == {k: v for k, v in t.colours.items() if v is not None}
    assert vocab.COLOURS["navy"] == (30, 40, 82) and len(vocab.COLOURS) == 17


@pytest.mark.parametrize("text, pattern", [
    ("Striped", "stripes"), ("Breton stripe", "stripes"), ("Plaid", "checks"), ("Gingham", "checks"),
    ("Polka Dot", "dots"), ("Floral Print", "print"), ("Camo", "print"), ("Plain", "solid"), ("uni", "solid"),
    ("gestreift", "stripes"), ("à pois", "dots"),
    ("herringbone", None), ("", None), ("Cotton", None),
])
def test_patterns_and_unknown_stays_unknown(t, text, pattern):
    assert t.map_pattern(text) == pattern


@pytest.mark.parametrize("text, gender", [
    ("Women's", "women"), ("female", "women"), ("Ladies", "women"), ("Damen", "women"), ("Femme", "women"),
    ("W", "women"), ("Mens", "men"), ("MALE", "men"), ("Herren", "men"), ("Homme", "men"), ("m", "men"),
    ("Unisex", "unisex"), ("Men & Women", "unisex"), ("", "unisex"), ("kids", "unisex"), ("zzz", "unisex"),
])
def test_genders(t, text, gender):
    assert t.map_gender(text) == gender


# ---------------------------------------------------------------- size systems


@pytest.mark.parametrize("given, system", [
    ("EU", "EU"), ("eu", "EU"), ("Europe", "EU"), ("DE", "EU"), ("US", "US"), ("usa", "US"), ("UK", "UK"),
    ("GB", "UK"), ("IT", "IT"), ("FR", "FR"), ("JP", "JP"), ("One Size", "one_size"), ("INT", "letter"),
])
def test_the_feeds_own_size_system_word_is_normalised(t, given, system):
    assert t.size_system_of(["36", "38"], given) == system


@pytest.mark.parametrize("labels, system", [
    (["XS", "S", "M", "L", "XL"], "letter"),
    (["2XL", "XXXL", "S/M"], "letter"),
    (["One Size"], "one_size"), (["OS"], "one_size"), (["Einheitsgröße"], "one_size"),
    (["Taille unique"], "one_size"),
    (["W32/L34", "W30/L32"], "waist"), (["W30", "W32"], "waist"), (["30/32", "32/32", "34/32"], "waist"),
    (["EU 42", "EU 43"], "EU"), (["UK 8", "UK 10"], "UK"),
    (["36", "38", "40", "42"], "EU"),
    (["40", "41", "42.5", "43"], "eu_shoe"),
    ([], ""), (["??"], ""),
])
def test_size_systems_guessed_from_labels(t, labels, system):
    assert t.size_system_of(labels) == system


def test_an_unknown_given_word_falls_back_to_the_labels(t):
    assert t.size_system_of(["S", "M"], "whatever") == "letter"
    assert t.size_system_of(["??"], "asian") == "ASIAN"


# ---------------------------------------------------------------- the file


DEMO = {  # the demo categories' fields before the taxonomy existed: sizing and try-on rely on them
    "t-shirt": ("top", "letter", ("chest",)), "trousers": ("bottom", "waist", ("waist", "hip")),
    "pullover": ("top", "letter", ("chest",)), "dress": ("dress", "letter", ("chest", "waist", "hip")),
    "coat": ("outer", "letter", ("chest",)), "sandal": ("shoes", "eu_shoe", ("foot",)),
    "shirt": ("top", "letter", ("chest",)), "sneaker": ("shoes", "eu_shoe", ("foot",)),
    "bag": ("bag", "one_size", ()), "ankle-boot": ("shoes", "eu_shoe", ("foot",)),
    "skirt": ("bottom", "letter", ("waist", "hip")), "jeans": ("bottom", "waist", ("waist", "hip")),
    "shorts": ("bottom", "letter", ("waist", "hip")), "hoodie": ("top", "letter", ("chest",)),
    "jacket": ("outer", "letter", ("chest",)),
}


def test_the_demo_categories_keep_their_sizing_fields(t):
    assert list(vocab.CATEGORIES) == list(DEMO)
    for name, (group, system, measures) in DEMO.items():
        info, cat = t.categories[name], vocab.CATEGORIES[name]
        assert (info.group, info.size_system, info.fit_measures) == (group, system, measures)
        assert (cat.group, cat.size_system, cat.fit_measures) == (group, system, measures)
    assert vocab.PATTERNS == t.patterns == ("solid", "stripes", "checks", "dots", "print")


def test_every_category_has_a_family_and_the_accessors_list_the_words(t):
    assert {"tops", "bottoms", "dresses", "outerwear", "footwear", "accessories"} <= set(t.families)
    for fam in t.families.values():
        assert all(t.categories[c].family == fam.name for c in fam.categories)
    assert t.category_words()["tee"] == "t-shirt" and t.category_words()["trainers"] == "sneaker"
    assert t.family_words()["oberteile"] == "tops"
    assert t.colour_words()["charcoal"] == "grey" and t.pattern_words()["plaid"] == "checks"
    assert t.gender_words()["damen"] == "women"
    assert load_taxonomy() is load_taxonomy() is load_taxonomy(DEFAULT_PATH)


def _shop_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shop-taxonomy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


SMALL = """
families:
  tops:
    synonyms: [tops]
    categories:
      tee: {group: top, size_system: letter, fit_measures: [chest], synonyms: [t-shirt, shirt]}
colours:
  black: {rgb: [0, 0, 0], words: [black]}
patterns:
  solid: [plain]
genders:
  unisex: [unisex]
size_systems:
  letter: {words: [letter], labels: [s, m, l]}
  waist: {words: [waist]}
  eu_shoe: {words: []}
  one_size: {words: [one size]}
"""


def test_a_shop_may_load_its_own_file(t, tmp_path):
    own = load_taxonomy(_shop_file(tmp_path, SMALL))
    assert own is not t and list(own.categories) == ["tee"]
    assert own.map_category("Shirts").category == "tee"
    assert own.map_colour("Black") == "black" and own.map_gender("women") == "unisex"


@pytest.mark.parametrize("text, says", [
    ("families: [tops\n", "line"),  # YAML that does not parse
    ("- just a list\n", "the top level"),
    (SMALL.replace("group: top", "group: torso"), "families.tops.categories.tee.group: 'torso' is not one of"),
    (SMALL.replace("size_system: letter,", "size_system: metric,"), "size_system"),
    (SMALL.replace("fit_measures: [chest]", "fit_measures: [neck]"), "fit_measures"),
    (SMALL.replace("synonyms: [t-shirt, shirt]", "synonyms: [t-shirt, tops]"), "'tops' already names"),
    (SMALL.replace("rgb: [0, 0, 0]", "rgb: [0, 0, 300]"), "colours.black.rgb"),
    (SMALL.replace("patterns:\n  solid: [plain]\n", ""), "the section 'patterns' is missing"),
    (SMALL.replace("  unisex: [unisex]", "  women: [women]"), "'unisex' is missing"),
    (SMALL.replace("  solid: [plain]", "  solid: [plain, 42]"), "patterns.solid"),
])
def test_a_malformed_file_is_a_typed_error_naming_file_and_place(tmp_path, text, says):
    path = _shop_file(tmp_path, text)
    with pytest.raises(TaxonomyError) as raised:
        load_taxonomy(path)
    assert isinstance(raised.value, ShopError) and code_of(raised.value) == "taxonomy_invalid"
    assert str(path) in str(raised.value) and says in str(raised.value)


def test_a_missing_file_is_the_same_typed_error(tmp_path):
    with pytest.raises(TaxonomyError, match="cannot read it"):
        load_taxonomy(tmp_path / "nope.yaml")
