"""Grounding: citations by id or SKU, whatever the SKU format, are kept only when a tool returned them."""

from __future__ import annotations

import pytest

from agent.grounding import SkuIndex, ground

CATALOGS = {
    "demo": {"NOR-DRS-00012": 12, "BRA-TSH-00345": 345},
    "imported, lower case": {"tee-0042-blk": 42, "tee-0043-wht": 43},
    "shopify variant style": {"10234-RED-M": 7, "10235-BLU-L": 8},
    "plain numbers and letters": {"SHP12345": 5, "SHP12346": 6},
}


@pytest.mark.parametrize("name", list(CATALOGS))
def test_a_made_up_sku_in_the_catalogs_format_is_removed(name: str) -> None:
    skus = SkuIndex(CATALOGS[name])
    (real, real_id), (other, _) = list(CATALOGS[name].items())
    made_up = real[:-1] + ("9" if real[-1] != "9" else "8") if real[-1].isdigit() else real[:-1] + "Q"
    assert any(c.isdigit() for c in made_up)  # a SKU shape is caught by its digits
    answer = ground(f"Take {real}, it fits well. Or {made_up}, which is cheaper.", {real_id}, skus)
    assert real in answer.text and made_up not in answer.text and answer.removed == [made_up]
    assert answer.cited == [real_id] and "could not confirm" in answer.text
    # a real SKU of the catalog that no tool returned in this conversation is removed too
    assert ground(f"What about {other}?", {real_id}, skus).removed == [other]


def test_ordinary_words_and_numbers_are_not_citations() -> None:
    skus = SkuIndex(CATALOGS["imported, lower case"] | CATALOGS["demo"])
    text = "A T-shirt in size 42 costs 19.99 EUR; order 2416 ships in 2-3 days (UTF-8, A4 paper)."
    answer = ground(text, set(), skus)
    assert answer.text == text and answer.removed == [] and answer.cited == []


def test_ids_are_checked_as_before() -> None:
    answer = ground("Try [#12]. Or [#99999].", {12}, SkuIndex({}))
    assert answer.cited == [12] and answer.removed == ["#99999"] and "#99999" not in answer.text
