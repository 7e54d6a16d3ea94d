"""How a size sits on a body (tryon.fit): the words and ratios on hand-made charts, and through describe_look."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from agent.tools import ToolContext, run_tool
from index import models as m
from tryon.fit import (LOOSE_BEYOND_CM, SNUG_WITHIN_CM, RegionFit, UnknownSize, fit_ratios, fit_sentence, fit_word,
                       fit_words, region_fits, size_row)
from tryon.sizing import ChartRow, Measurement

# a dress chart: M is cut for a 96 cm chest, 80 cm waist and 104 cm hips
CHART = [ChartRow("S", 0, {"chest": (88, 94), "waist": (72, 78), "hip": (96, 102)}),
         ChartRow("M", 1, {"chest": (93, 99), "waist": (77, 83), "hip": (101, 107)}),
         ChartRow("L", 2, {"chest": (98, 104), "waist": (82, 88), "hip": (106, 112)})]


def body(**cm: float) -> dict[str, Measurement]:
    return {k: Measurement(v) for k, v in cm.items()}


def test_the_word_is_read_against_the_range() -> None:
    assert fit_word(96, 93, 99) == "fits"  # the middle
    assert fit_word(99 - SNUG_WITHIN_CM, 93, 99) == "snug"  # the top centimetre
    assert fit_word(101, 93, 99) == "snug"  # above the range
    assert fit_word(93 - LOOSE_BEYOND_CM, 93, 99) == "fits"  # a little under the range: the ease takes it
    assert fit_word(93 - LOOSE_BEYOND_CM - 0.1, 93, 99) == "loose"


def test_words_and_ratios_per_region() -> None:
    m_row = size_row(CHART, "m")
    fits = region_fits(m_row, body(chest=99, waist=74, hip=104))
    assert [(f.region, f.word) for f in fits] == [("chest", "snug"), ("waist", "loose"), ("hip", "fits")]
    assert fit_ratios(fits) == {"chest": 0.97, "waist": 1.08, "hip": 1.0}  # 96/99, 80/74, 104/104
    assert fits[1].nominal_cm == 80 and fits[1].garment_width_over_body == pytest.approx(80 / 74)
    assert fit_words("M", fits) == "M is snug at the chest; it sits loose at the waist and fits at the hips"
    assert fit_words("M", fits[:2]) == "M is snug at the chest; it sits loose at the waist"
    assert fit_words("M", region_fits(m_row, body(chest=96, waist=80, hip=104))) == \
        "M fits at the chest, waist and hips"
    assert fit_words("L", region_fits(size_row(CHART, "L"), body(chest=96, waist=79, hip=103))) == \
        "L fits at the chest; it sits loose at the waist and hips"  # 96 is 2 cm under L's chest: the ease takes it
    assert fit_words("S", region_fits(size_row(CHART, "S"), body(chest=96, waist=79, hip=103))) == \
        "S is snug at the chest, waist and hips"


def test_only_regions_both_sides_have() -> None:
    top = ChartRow("M", 1, {"chest": (93, 99)})  # a t-shirt's chart has no waist or hips
    fits = region_fits(top, body(chest=90.5, waist=80, hip=104))
    assert [f.region for f in fits] == ["chest"] and fit_words("M", fits) == "M sits loose at the chest"
    assert region_fits(CHART[1], body(waist=80)) == [RegionFit("waist", 80, (77, 83), "fits")]
    assert region_fits(CHART[1], {}) == [] and fit_words("M", []) == "" and fit_sentence("M", []) == ""
    assert fit_ratios([]) == {}


def test_a_photo_estimate_is_said_to_be_one() -> None:
    fits = region_fits(CHART[1], {"chest": Measurement(96), "waist": Measurement(85, 4, "photo")})
    assert fit_sentence("M", fits) == \
        "M fits at the chest; it is snug at the waist (your waist estimated from your photo)."
    assert fit_sentence("M", fits[:1]) == "M fits at the chest."


def test_a_size_not_in_the_chart_names_the_sizes() -> None:
    with pytest.raises(UnknownSize, match="this dress comes in S, M, L; there is no size XXL") as caught:
        size_row(CHART, "XXL", "this dress")
    assert caught.value.code == "unknown_size"


# ---------------------------------------------------------------- through describe_look


def a_measured_customer_and_dress(store) -> tuple[int, int, dict[str, float], list[ChartRow]]:  # noqa: ANN001
    """A dress whose chart has chest, waist and hips, and a customer with all three on record whose chest
    its smallest size holds tight (the top centimetre or above) and its largest loose (over 2 cm under)."""
    from tryon.size_advisor import SizeAdvisor

    with store.session() as s:
        dress = s.scalars(select(m.Product).where(m.Product.category == "dress").order_by(m.Product.id)).first().id
        stated = (m.Customer.chest_cm.is_not(None), m.Customer.waist_cm.is_not(None), m.Customer.hip_cm.is_not(None))
        customers = s.scalars(select(m.Customer).where(*stated).order_by(m.Customer.id)).all()
        measured = [(c.id, {"chest": c.chest_cm, "waist": c.waist_cm, "hip": c.hip_cm}) for c in customers]
    chart = SizeAdvisor(store).chart_for(dress)
    (_, small_top), (large_bottom, _) = chart[0].ranges["chest"], chart[-1].ranges["chest"]
    customer, cm = next((c, cm) for c, cm in measured if small_top - 1 <= cm["chest"] < large_bottom - 2)
    return customer, dress, cm, chart


def test_describe_look_says_where_the_size_sits(shop_agent) -> None:  # noqa: ANN001
    customer, dress, measured, chart = a_measured_customer_and_dress(shop_agent.services.store)
    sizes = [r.size_label for r in chart]
    ctx = ToolContext(shop_agent.services, "shopper", customer, "test-fit", {})
    said = {}
    for size in (sizes[0], sizes[-1]):
        out = run_tool("describe_look", {"product_id": dress, "size": size.lower()}, ctx)
        assert out.ok, out.error
        fits = region_fits(size_row(chart, size), body(**measured))
        assert out.result["fit"].startswith(fit_words(size, fits) + "; ")
        assert out.result["fit_by_region"] == {f.region: f.word for f in fits}
        said[size] = out.result["fit"]
    assert said[sizes[0]].startswith(f"{sizes[0]} is snug at the chest") and "smaller than the" in said[sizes[0]]
    assert "sits loose at the chest" in said[sizes[-1]] and "larger than the" in said[sizes[-1]]
    print(*said.values(), sep="\n")
    unknown = run_tool("describe_look", {"product_id": dress, "size": "XXXXL"}, ctx)
    assert unknown.error["code"] == "unknown_size" and f"comes in {', '.join(sizes)}" in unknown.error["message"]
    anonymous = run_tool("describe_look", {"product_id": dress, "size": sizes[1]},
                         ToolContext(shop_agent.services, "shopper", None, "test-fit-anon", {}))
    assert anonymous.result["fit"].startswith(f"shown in {sizes[1]}; tell me your height")
