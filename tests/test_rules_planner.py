"""The offline planner: intents from new phrasings, every slot, references across turns."""

from __future__ import annotations

import pytest

from agent.conversation import Conversation
from agent.planners import slots as sl
from agent.steps import ActionStep, AnswerStep, ToolCall, ToolResult, UserStep

# New phrasings (none is an exemplar): utterance, persona, expected intent.
UTTERANCES = [
    ("looking for a black leather jacket", "shopper", "search"),
    ("have you got any floral summer dresses under 70?", "shopper", "search"),
    ("grey hoodie from Nordlys in size L", "shopper", "search"),
    ("something a bit cheaper please", "shopper", "refine"),
    ("how about in green", "shopper", "refine"),
    ("more like the third one but in navy", "shopper", "similar"),
    ("can you find me something that looks like this", "shopper", "similar"),
    ("what fabric is the first one", "shopper", "details"),
    ("give me more details on that one", "shopper", "details"),
    ("compare number 1 with number 2", "shopper", "compare"),
    ("which of these two is better", "shopper", "compare"),
    ("what are the reviews like for it", "shopper", "reviews"),
    ("do reviewers say it runs small?", "shopper", "reviews"),
    ("which size would fit me best", "shopper", "size"),
    ("I'm 182 cm tall, should I get M or L", "shopper", "size"),
    ("estimate my measurements from my photo", "shopper", "body"),
    ("what do you suggest for me", "shopper", "recommend"),
    ("anything you think I'd like?", "shopper", "recommend"),
    ("please add the second one in size M to my basket", "shopper", "add_to_cart"),
    ("I'll buy it in L", "shopper", "add_to_cart"),
    ("show me what's in my shopping cart", "shopper", "view_cart"),
    ("has my order shipped yet", "shopper", "order_status"),
    ("where's my parcel, order 44", "shopper", "order_status"),
    ("I'd like a refund for order 12, it was damaged", "shopper", "start_return"),
    ("I need to send back the shoes from order 7", "shopper", "start_return"),
    ("can I see how it looks on me", "shopper", "tryon"),
    ("hello!", "shopper", "greeting"),
    ("thank you so much", "shopper", "thanks"),
    ("what can this assistant do?", "shopper", "help"),
    ("give me an overview of this customer", "staff", "customer_history"),
    ("write a reply to her about the late delivery", "staff", "draft_reply"),
    ("draft an answer explaining the return", "staff", "draft_reply"),
]


@pytest.fixture(scope="module")
def planner(shop_agent):  # noqa: ANN001, ANN201
    return shop_agent.planner


@pytest.mark.parametrize(("text", "persona", "expected"), UTTERANCES)
def test_intent(planner, text: str, persona: str, expected: str) -> None:  # noqa: ANN001
    assert planner.intent(text, persona)[0] == expected


def test_intents_cover_every_tool_facing_intent(planner) -> None:  # noqa: ANN001
    from agent.planners.rules import INTENTS

    assert {u[2] for u in UTTERANCES} == set(INTENTS)


def test_a_photo_alone_means_find_similar(planner) -> None:  # noqa: ANN001
    assert planner.intent("", "shopper", has_photo=True)[0] == "similar"


STATE = sl.State(shown=[{"product_id": 11, "price": 40.0}, {"product_id": 22, "price": 60.0},
                        {"product_id": 33, "price": 80.0}], focus=None, last_query="navy linen shirt under 60")


@pytest.mark.parametrize(("text", "ids"), [
    ("the second one", [22]), ("tell me about the 3rd", [33]), ("the last one", [33]), ("number 1 please", [11]),
    ("compare 1 and 3", [11, 33]), ("compare the first and the second", [11, 22]), ("what about #57", [57]),
    ("the seventh one", []),
])
def test_references(text: str, ids: list[int]) -> None:
    assert sl.references(text, STATE) == ids


def test_focus_falls_back_to_the_product_in_focus_then_the_top_result() -> None:
    assert sl.focus("what do people say about it", STATE) == 11
    assert sl.focus("and that one", sl.State(shown=STATE.shown, focus=22)) == 22
    assert sl.focus("it", sl.State()) is None


@pytest.mark.parametrize(("text", "value"), [
    ("I'm 178 cm", 178.0), ("I am 1.65 m tall", 165.0), ("5'10", 177.8), ("6 ft", 182.9), ("no height", None),
])
def test_height(text: str, value: float | None) -> None:
    assert sl.height_cm(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("add it in M", "M"), ("size xl please", "XL"), ("the W32 one", "W32"), ("in 42", "42"),
    ("I'm a m", None), ("take 2 of them", None),
])
def test_size(text: str, value: str | None) -> None:
    assert sl.size_label(text) == value


def test_other_slots() -> None:
    assert sl.order_id("where is order 123?") == 123 and sl.order_id("order #45") == 45
    assert sl.order_id("where is my order") is None
    assert sl.quantity("two pairs please") == 2 and sl.quantity("add it") == 1
    assert sl.return_reason("it is way too tight") == "too small"
    assert sl.return_reason("the seam is torn") == "damaged"
    assert sl.return_reason("just because") is None
    parsed = sl.catalog_slots("red Nordlys dress under 80 in M", ("Nordlys",))
    f = parsed.filters
    assert f.categories == {"dress"} and f.colours == {"red"} and f.brands == {"Nordlys"} and f.price_max == 80
    assert f.size == "M"


def test_refine_replaces_colour_and_price() -> None:
    assert sl.refine("navy linen shirt under 60", "what about in white?") == "linen shirt under 60 white"
    assert sl.refine("navy linen shirt under 60", "any under 40") == "navy linen shirt under 40"


def test_state_is_rebuilt_from_tool_results() -> None:
    conv = Conversation("k")
    conv.steps = [
        UserStep("red dress"),
        ActionStep("", [ToolResult(ToolCall("c1", "search_products", {"query": "red dress"}),
                                   result={"results": [{"product_id": 5}, {"product_id": 6}]})]),
        AnswerStep("Here are two."),
        UserStep("tell me about the second"),
        ActionStep("", [ToolResult(ToolCall("c2", "get_product", {"product_id": 6}),
                                   result={"product": {"product_id": 6}})]),
        AnswerStep("It is red."),
    ]
    state = sl.state_of(conv)
    assert [c["product_id"] for c in state.shown] == [5, 6] and state.focus == 6 and state.last_query == "red dress"
