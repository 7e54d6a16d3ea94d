"""Consent that means yes: returns and cart changes happen only when the shopper's own words ask for them.

Each case runs through the chat loop with the rules planner (and the first ones through `shopagent chat`
too), and each asserts what the store holds afterwards, not only what the agent said. The return
window is widened for these tests (the demo's orders are dated; the clock is not), so an order the
tests use could really be returned: a test that passes because returns are impossible proves nothing.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import combinations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from agent.consent import consents
from agent.conversation import UserMessage
from agent.loop import Agent
from agent.planners import Reply, ToolCallRequest
from agent.steps import AnswerStep, ToolResult
from agent.tools.registry import REGISTRY
from index import models as m
from shopagent.cli import app

RETURN = REGISTRY["start_return"].consent
CART = REGISTRY["add_to_cart"].consent
WINDOW_DAYS = 36500
ORDERS_NEEDED = 45
runner = CliRunner()


# ------------------------------------------------------------ helpers


def turn(agent: Agent, conv, text: str) -> list:  # noqa: ANN001
    return list(agent.respond(conv, UserMessage(text)))


def called(events: list, name: str) -> list[ToolResult]:
    """The ToolResults of the calls to name in one turn."""
    return [e for e in events if isinstance(e, ToolResult) and e.name == name]


def answer(events: list) -> str:
    final = events[-1]
    assert isinstance(final, AnswerStep)
    return final.text


def return_state(agent: Agent, order_id: int) -> tuple[str, list[str | None]]:
    """(the order's status, each line's return reason) as the store holds them."""
    with agent.services.store.session() as s:
        order = s.get(m.Order, order_id)
        s.refresh(order)
        return str(order.status), [line.return_reason for line in order.lines]


def return_opened(agent: Agent, order_id: int) -> bool:
    status, reasons = return_state(agent, order_id)
    return status == m.OrderStatus.RETURN_REQUESTED or any(reasons)


def cart_lines(agent: Agent, owner: str) -> list[tuple[int, str, int]]:
    with agent.services.store.session() as s:
        return [(c.product_id, c.size_label, c.quantity)
                for c in s.scalars(select(m.CartItem).where(m.CartItem.owner == owner))]


def env(shop) -> dict[str, str]:  # noqa: ANN001
    return {"SHOPAGENT_DATA_DIR": str(shop.data_dir), "SHOPAGENT_PLANNER_BACKEND": "rules", "COLUMNS": "200",
            "SHOPAGENT_RETURN_WINDOW_DAYS": str(WINDOW_DAYS)}


@pytest.fixture(scope="module")
def orders(shop_agent: Agent) -> list[tuple[int, int]]:
    """(order id, customer id) of delivered orders with every line still open, newest first.

    Each test (and each case) takes its own by position, so a return one opens cannot make another
    pass or fail; the newest are taken, leaving the first delivered order to the tests that pick that one.
    """
    found: list[tuple[int, int]] = []
    with shop_agent.services.store.session() as s:
        rows = s.scalars(select(m.Order).where(m.Order.status == m.OrderStatus.DELIVERED)
                         .order_by(m.Order.id.desc()))
        for order in rows:
            if order.delivered_at and order.lines and all(not line.returned and not line.return_reason
                                                          for line in order.lines):
                found.append((order.id, order.customer_id))
            if len(found) == ORDERS_NEEDED:
                break
    assert len(found) == ORDERS_NEEDED, "the demo shop has too few delivered orders for these tests"
    return found


@pytest.fixture(autouse=True)
def open_window(shop_agent: Agent, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every delivered order of the demo shop can be returned while a test runs."""
    monkeypatch.setattr(shop_agent.services.commerce, "return_window", timedelta(days=WINDOW_DAYS))


@pytest.fixture(scope="module")
def stocked(shop_agent: Agent) -> tuple[int, str]:
    """A product and a size it has in stock (a letter size such as M where there is one)."""
    rows = [r for r in shop_agent.services.table.rows if r.sizes_in_stock]
    for row in rows:
        for size in ("M", "L", "S"):
            if size in row.sizes_in_stock:
                return row.id, size
    return rows[0].id, rows[0].sizes_in_stock[0]


# ------------------------------------------------------------ returns, through the chat loop


def test_a_change_of_mind_opens_no_return(shop_agent: Agent, orders) -> None:  # noqa: ANN001
    order_id, customer = orders[0]
    conv = shop_agent.open("shopper", customer)
    first = turn(shop_agent, conv, f"can I return order {order_id}?")
    assert not called(first, "start_return") and "?" in answer(first)
    second = turn(shop_agent, conv, "no, never mind, show me sneakers")
    assert not any(r.ok for r in called(second, "start_return"))
    assert called(second, "search_products") and all(r.ok for r in called(second, "search_products"))
    status, reasons = return_state(shop_agent, order_id)
    assert status == m.OrderStatus.DELIVERED and reasons and not any(reasons)


@pytest.mark.parametrize(("which", "opening", "refusal"), [
    (1, "I want to return order {n}", "I do NOT want to return order {n}"),
    (9, "can I return order {n}?", "I don't want to return it after all"),
    (10, "I want to return order {n}", "I'm not returning it"),
    (11, "I want to return order {n}", "no longer want to send it back"),
    (12, "I want to return order {n}", "I don't want to"),
    (13, "can I return order {n}?", "not now"),
])
def test_a_refusal_after_the_agents_question_opens_no_return(shop_agent: Agent, orders, which: int,  # noqa: ANN001
                                                              opening: str, refusal: str) -> None:
    order_id, customer = orders[which]
    conv = shop_agent.open("shopper", customer)
    first = turn(shop_agent, conv, opening.format(n=order_id))
    assert not called(first, "start_return")
    question = answer(first)
    assert "?" in question and str(order_id) in question  # the agent asked about this very order
    second = turn(shop_agent, conv, refusal.format(n=order_id))
    assert not any(r.ok for r in called(second, "start_return"))
    assert not return_opened(shop_agent, order_id)


def test_a_request_with_its_reason_opens_a_return(shop_agent: Agent, orders) -> None:  # noqa: ANN001
    order_id, customer = orders[2]
    assert not return_opened(shop_agent, order_id)
    conv = shop_agent.open("shopper", customer)
    events = turn(shop_agent, conv, f"return order {order_id}, reason too small")
    results = called(events, "start_return")
    assert results and results[0].ok, results
    status, reasons = return_state(shop_agent, order_id)
    assert status == m.OrderStatus.RETURN_REQUESTED and reasons and all(r == "too small" for r in reasons)


def test_the_reason_answering_the_agents_question_opens_a_return(shop_agent: Agent, orders) -> None:  # noqa: ANN001
    order_id, customer = orders[3]
    conv = shop_agent.open("shopper", customer)
    first = turn(shop_agent, conv, f"I want to return order {order_id}")
    assert not called(first, "start_return") and "?" in answer(first)
    assert not return_opened(shop_agent, order_id)
    second = turn(shop_agent, conv, "too small")
    results = called(second, "start_return")
    assert results and results[0].ok, results
    status, reasons = return_state(shop_agent, order_id)
    assert status == m.OrderStatus.RETURN_REQUESTED and all(r == "too small" for r in reasons)


def test_no_longer_fits_is_a_reason_not_a_refusal(shop_agent: Agent, orders) -> None:  # noqa: ANN001
    order_id, customer = orders[4]
    conv = shop_agent.open("shopper", customer)
    assert "?" in answer(turn(shop_agent, conv, f"I want to return order {order_id}"))
    results = called(turn(shop_agent, conv, "no longer fits"), "start_return")
    assert results and results[0].ok, results
    assert return_opened(shop_agent, order_id)


# ------------------------------------------------------------ the cart, through the chat loop


def test_a_size_as_the_answer_adds_to_the_cart(shop_agent: Agent, stocked) -> None:  # noqa: ANN001
    product, size = stocked
    conv = shop_agent.open("shopper", None)
    owner = f"session:{conv.key}"
    first = turn(shop_agent, conv, f"add #{product} to my cart")
    assert not called(first, "add_to_cart") and "size" in answer(first).lower() and "?" in answer(first)
    assert cart_lines(shop_agent, owner) == []
    second = turn(shop_agent, conv, size)
    results = called(second, "add_to_cart")
    assert results and results[0].ok, results
    assert cart_lines(shop_agent, owner) == [(product, size, 1)]


@pytest.mark.parametrize("reply", ["show me sneakers", "no, never mind", "don't add it", "I changed my mind",
                                   "ok, show me sneakers instead"])
def test_a_new_request_or_refusal_adds_nothing(shop_agent: Agent, stocked, reply: str) -> None:  # noqa: ANN001
    product, _ = stocked
    conv = shop_agent.open("shopper", None)
    owner = f"session:{conv.key}"
    first = turn(shop_agent, conv, f"add #{product} to my cart")
    assert "?" in answer(first)
    second = turn(shop_agent, conv, reply)
    assert not any(r.ok for r in called(second, "add_to_cart"))
    if "sneakers" in reply:
        assert called(second, "search_products")
    assert cart_lines(shop_agent, owner) == []


# ------------------------------------------------------------ a planner that acts whatever the shopper says


class Eager:
    """A planner (as a language model might misbehave) that asks its question, then calls the tool on any answer."""

    name = "eager"

    def __init__(self, question: str, tool: str, arguments: dict) -> None:
        self.question, self.tool, self.arguments = question, tool, arguments

    def step(self, conv, system: str, tools: list[dict]):  # noqa: ANN001, ANN201
        if conv.messages[-1]["role"] == "tool":
            yield Reply("Done.")
        elif sum(msg["role"] == "user" for msg in conv.messages) == 1:
            yield Reply(self.question)
        else:
            yield Reply(calls=[ToolCallRequest(self.tool, dict(self.arguments))])


ANSWERS = [("no, never mind, show me sneakers", False), ("I do NOT want to return order {n}", False),
           ("I'm not returning it", False), ("I don't want to", False), ("not now", False),
           ("sure, but not now", False), ("ok, show me sneakers instead", False), ("cancel that", False),
           ("sure, later", False), ("ok I'll think about it", False),
           ("too small", True), ("yes", True), ("no longer fits", True)]


@pytest.mark.parametrize(("which", "reply", "allowed"), [(14 + i, r, a) for i, (r, a) in enumerate(ANSWERS)],
                         ids=[r for r, _ in ANSWERS])
def test_the_guard_holds_whatever_the_planner_calls(shop_agent: Agent, orders, which: int, reply: str,  # noqa: ANN001
                                                    allowed: bool) -> None:
    """The last line of defence: start_return runs only on the shopper's consent, not on the planner's say-so."""
    order_id, customer = orders[which]
    agent = Agent(shop_agent.services, Eager(f"Why are you returning order {order_id}?", "start_return",
                                             {"order_id": order_id, "reason": "too small"}))
    conv = agent.open("shopper", customer)
    turn(agent, conv, f"I want to return order {order_id}")
    results = called(turn(agent, conv, reply.format(n=order_id)), "start_return")
    assert len(results) == 1
    if allowed:
        assert results[0].ok, results
    else:
        assert results[0].error["code"] == "needs_consent"
    assert return_opened(shop_agent, order_id) is allowed


@pytest.mark.parametrize(("reply", "allowed"), [("show me sneakers", False), ("no thanks", False),
                                                ("don't add it", False), ("I changed my mind", False),
                                                ("not yet", False), ("ok thanks", False),
                                                ("yes, but let me check the size chart first", False),
                                                ("M", True), ("yes please", True),
                                                ("go ahead", True)])
def test_the_cart_guard_holds_whatever_the_planner_calls(shop_agent: Agent, stocked, reply: str,  # noqa: ANN001
                                                         allowed: bool) -> None:
    product, size = stocked
    agent = Agent(shop_agent.services, Eager("Which size should I add?", "add_to_cart",
                                             {"product_id": product, "size": size}))
    conv = agent.open("shopper", None)
    turn(agent, conv, f"add #{product} to my cart")
    results = called(turn(agent, conv, reply), "add_to_cart")
    assert len(results) == 1 and results[0].ok is allowed, results
    assert cart_lines(shop_agent, f"session:{conv.key}") == ([(product, size, 1)] if allowed else [])


class Direct:
    """A planner that calls the tool at once on every message, whatever the shopper says."""

    name = "direct"

    def __init__(self, tool: str, arguments: dict) -> None:
        self.tool, self.arguments = tool, arguments

    def step(self, conv, system: str, tools: list[dict]):  # noqa: ANN001, ANN201
        if conv.messages[-1]["role"] == "tool":
            yield Reply("Done.")
        else:
            yield Reply(calls=[ToolCallRequest(self.tool, dict(self.arguments))])


RETURN_WORDS = [("what is your return policy?", False), ("is it too late to return order {n}?", False),
                ("I returned order {n} last week, where is my refund?", False),
                ("it's too small but no refund needed, I'll keep it", False),
                ("please hold off on the return", False), ("It doesn't fit, please return order {n}", True),
                ("I don't like it, please return order {n}", True), ("No problem, please return order {n}", True)]


@pytest.mark.parametrize(("which", "words", "allowed"), [(30 + i, w, a) for i, (w, a) in enumerate(RETURN_WORDS)],
                         ids=[w for w, _ in RETURN_WORDS])
def test_a_question_or_report_is_no_request_but_a_request_with_its_reason_is(shop_agent: Agent, orders,  # noqa: ANN001
                                                                             which: int, words: str,
                                                                             allowed: bool) -> None:
    """Words naming a return that ask about it, report it or put it off open none, even when the planner calls;
    a negation describing the garment ("It doesn't fit, please return ...") does not stop the request."""
    order_id, customer = orders[which]
    agent = Agent(shop_agent.services, Direct("start_return", {"order_id": order_id, "reason": "doesn't fit"}))
    conv = agent.open("shopper", customer)
    results = called(turn(agent, conv, words.format(n=order_id)), "start_return")
    assert len(results) == 1
    if allowed:
        assert results[0].ok, results
    else:
        assert results[0].error["code"] == "needs_consent"
    assert return_opened(shop_agent, order_id) is allowed


def test_the_return_policy_question_opens_no_return_with_the_rules_planner(shop_agent: Agent,
                                                                          orders) -> None:  # noqa: ANN001
    order_id, customer = orders[38]
    conv = shop_agent.open("shopper", customer)
    events = turn(shop_agent, conv, "what is your return policy?")
    assert not any(r.ok for r in called(events, "start_return"))
    status, reasons = return_state(shop_agent, order_id)
    assert status == m.OrderStatus.DELIVERED and reasons and not any(reasons)


def test_a_request_after_a_negated_reason_opens_a_return_with_the_rules_planner(shop_agent: Agent,  # noqa: ANN001
                                                                                orders) -> None:
    """"I don't like it" is the reason, not a refusal: the rules planner opens the return it asks for."""
    order_id, customer = orders[39]
    conv = shop_agent.open("shopper", customer)
    results = called(turn(shop_agent, conv, f"I don't like it, please return order {order_id}"), "start_return")
    assert results and results[0].ok, results
    assert return_state(shop_agent, order_id)[0] == m.OrderStatus.RETURN_REQUESTED


def test_a_yes_about_one_order_returns_no_other(shop_agent: Agent, orders) -> None:  # noqa: ANN001
    # two orders of one customer, so that only consent stops the return of the other
    (asked, customer), (other, _) = next((a, b) for a, b in combinations(orders[40:], 2) if a[1] == b[1])
    agent = Agent(shop_agent.services, Eager(f"Why are you returning order {asked}?", "start_return",
                                             {"order_id": other, "reason": "too small"}))
    conv = agent.open("shopper", customer)
    turn(agent, conv, f"I want to return order {asked}")
    results = called(turn(agent, conv, "yes"), "start_return")
    assert len(results) == 1 and results[0].error["code"] == "needs_consent", results
    assert not return_opened(shop_agent, other) and not return_opened(shop_agent, asked)


CART_WORDS = [("where is my order?", False), ("what's in my cart?", False), ("I didn't order this", False),
              ("I can't afford to buy it", False), ("I'll take a look later", False),
              ("Not sure about L, add #{p} in {size} to my cart", True)]


@pytest.mark.parametrize(("words", "allowed"), CART_WORDS, ids=[w for w, _ in CART_WORDS])
def test_the_cart_takes_only_what_is_asked_for(shop_agent: Agent, stocked, words: str,  # noqa: ANN001
                                               allowed: bool) -> None:
    product, size = stocked
    agent = Agent(shop_agent.services, Direct("add_to_cart", {"product_id": product, "size": size}))
    conv = agent.open("shopper", None)
    results = called(turn(agent, conv, words.format(p=product, size=size)), "add_to_cart")
    assert len(results) == 1 and results[0].ok is allowed, results
    assert cart_lines(shop_agent, f"session:{conv.key}") == ([(product, size, 1)] if allowed else [])


# ------------------------------------------------------------ the same through `shopagent chat`


def cli(shop, customer: int, *messages: str):  # noqa: ANN001, ANN201
    args = ["chat", "--customer", str(customer)]
    for text in messages:
        args += ["-m", text]
    result = runner.invoke(app, args, env=env(shop))
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_a_change_of_mind_opens_no_return(shop, shop_agent: Agent, orders) -> None:  # noqa: ANN001
    order_id, customer = orders[5]
    out = cli(shop, customer, f"can I return order {order_id}?", "no, never mind, show me sneakers")
    assert "→ search_products(" in out.split("never mind")[1]
    assert "→ start_return(" not in out or "✗" in out.split("→ start_return(")[1].split("→")[0]
    assert not return_opened(shop_agent, order_id)


def test_cli_a_refusal_opens_no_return(shop, shop_agent: Agent, orders) -> None:  # noqa: ANN001
    order_id, customer = orders[6]
    out = cli(shop, customer, f"I want to return order {order_id}", f"I do NOT want to return order {order_id}")
    assert "?" in out.split("I do NOT")[0]
    assert not return_opened(shop_agent, order_id)


def test_cli_a_request_with_its_reason_opens_a_return(shop, shop_agent: Agent, orders) -> None:  # noqa: ANN001
    """The control for the two above: through the same command, a real request does open a return."""
    order_id, customer = orders[7]
    out = cli(shop, customer, f"return order {order_id}, reason too small")
    assert "→ start_return(" in out
    assert return_state(shop_agent, order_id)[0] == m.OrderStatus.RETURN_REQUESTED


def test_cli_the_reason_as_an_answer_opens_a_return(shop, shop_agent: Agent, orders) -> None:  # noqa: ANN001
    order_id, customer = orders[8]
    cli(shop, customer, f"I want to return order {order_id}", "too small")
    assert return_state(shop_agent, order_id)[0] == m.OrderStatus.RETURN_REQUESTED


# ------------------------------------------------------------ the rules themselves

CART_QUESTION = ("add #12 to my cart", "In stock: S, M, L. Which size should I add?")
RETURN_QUESTION = ("I want to return order 5", "Why are you returning order 5: too small, too large, damaged, "
                   "or something else?")
OTHER_QUESTION = ("tell me about #12", "Would you like to see what reviewers say about its fit?")
AFFIRMATIVES = ["yes", "go ahead", "please do", "yes please", "sure"]
REFUSALS = ["no", "nope", "no thanks", "never mind", "cancel that", "don't add it", "I changed my mind",
            "ok, show me sneakers instead", "no, never mind, show me sneakers"]


@pytest.mark.parametrize("words", AFFIRMATIVES)
@pytest.mark.parametrize(("action", "context"), [(CART, CART_QUESTION), (RETURN, RETURN_QUESTION)],
                         ids=["cart", "return"])
def test_an_affirmative_to_a_question_naming_the_action_consents(action, context, words: str) -> None:  # noqa: ANN001
    assert consents(action, words, *context)


@pytest.mark.parametrize("words", AFFIRMATIVES)
@pytest.mark.parametrize(("action", "context"), [
    (CART, OTHER_QUESTION), (RETURN, OTHER_QUESTION), (CART, ("", "")), (RETURN, ("", "")),
    (RETURN, CART_QUESTION), (CART, ("add #12 to my cart", "Added. Anything else.")),
], ids=["cart-other-question", "return-other-question", "cart-no-question", "return-no-question",
        "return-after-a-cart-question", "cart-no-question-mark"])
def test_an_affirmative_to_anything_else_consents_to_nothing(action, context, words: str) -> None:  # noqa: ANN001
    assert not consents(action, words, *context)


@pytest.mark.parametrize("words", REFUSALS)
@pytest.mark.parametrize(("action", "context"), [(CART, CART_QUESTION), (RETURN, RETURN_QUESTION)],
                         ids=["cart", "return"])
def test_a_refusal_or_a_new_request_never_consents(action, context, words: str) -> None:  # noqa: ANN001
    assert not consents(action, words, *context)


DETAILS = [
    (RETURN, "no longer fits", ("I want to return order 5", "Why are you returning order 5?"), True),
    (RETURN, "too small", RETURN_QUESTION, True),
    (RETURN, "too small", ("show me order 5", "Why are you returning order 5?"), False),  # nobody asked
    (RETURN, "I'm not returning it", RETURN_QUESTION, False),
    (RETURN, "I'm not returning it", ("I want to return order 5", "Why do you want to return order 5?"), False),
    (RETURN, "I do NOT want to return order 5", RETURN_QUESTION, False),
    (RETURN, "return order 5, reason too small", ("", ""), True),
    (RETURN, "I'd like to return order 5, it is too small", ("", ""), True),
    (RETURN, "doesn't fit", RETURN_QUESTION, True),
    (RETURN, "I don't want to", RETURN_QUESTION, False),
    (RETURN, "I don't think so", RETURN_QUESTION, False),
    (RETURN, "not now", RETURN_QUESTION, False),
    (RETURN, "sure, but not now", RETURN_QUESTION, False),
    (CART, "M", CART_QUESTION, True),
    (CART, "not yet", CART_QUESTION, False),
    (CART, "ok, but I don't want to", CART_QUESTION, False),
    (CART, "M", ("show me #12", "In stock: S, M, L. Which size should I add?"), False),
    (CART, "add #12 in M", ("", ""), True),
    (CART, "don't add it", ("", ""), False),
    (CART, "please don't put it in my cart", ("", ""), False),
    (CART, "show me sneakers", CART_QUESTION, False),
    # nothing asked for: a question about the action, a report, a negation, a putting off
    (CART, "where is my order?", ("", ""), False),
    (CART, "what's in my cart?", ("", ""), False),
    (CART, "I didn't order this", ("", ""), False),
    (CART, "I ordered it yesterday", ("", ""), False),
    (CART, "I can't afford to buy it", ("", ""), False),
    (CART, "I'll take a look later", ("", ""), False),
    (CART, "show my basket", ("", ""), False),
    (CART, "add it later", ("", ""), False),
    (CART, "ok thanks", CART_QUESTION, False),
    (CART, "yes, but let me check the size chart first", CART_QUESTION, False),
    (RETURN, "what is your return policy?", ("", ""), False),
    (RETURN, "tell me about your return policy", ("", ""), False),
    (RETURN, "how do I get a refund for my order", ("", ""), False),
    (RETURN, "is it too late to return order 5?", ("", ""), False),
    (RETURN, "I returned order 5 last week, where is my refund?", ("", ""), False),
    (RETURN, "I returned it last week", RETURN_QUESTION, False),
    (RETURN, "I already asked you to return order 5", ("", ""), False),
    (RETURN, "it's too small but no refund needed, I'll keep it", ("", ""), False),
    (RETURN, "please hold off on the return", ("", ""), False),
    (RETURN, "sure, later", RETURN_QUESTION, False),
    (RETURN, "ok I'll think about it", RETURN_QUESTION, False),
    (RETURN, "never mind, return order 5", ("", ""), False),
    (RETURN, "no, never mind, show me sneakers", RETURN_QUESTION, False),
    # real requests: a negation reaches only within its clause; a leading no/wait followed by the request
    (RETURN, "It doesn't fit, please return order 5", ("", ""), True),
    (RETURN, "I don't like it, please return order 5", ("", ""), True),
    (RETURN, "I never wore it, please return order 5", ("", ""), True),
    (RETURN, "No problem, please return order 5", ("", ""), True),
    (RETURN, "Wait, I meant: return order 6", RETURN_QUESTION, True),
    (RETURN, "refund order 409, I changed my mind", ("", ""), True),
    (RETURN, "it arrived later than promised", RETURN_QUESTION, True),
    (CART, "Not sure about L, add #12 in M to my cart", ("", ""), True),
    (CART, "I'll take it in L", ("", ""), True),
    (CART, "put it in my basket", ("", ""), True),
    (CART, "M, thanks", CART_QUESTION, True),
    # a polite request phrased as a question is a request; the agent still asks what is missing
    (RETURN, "can I return order 549?", ("", ""), True),
    (RETURN, "can you return order 5?", ("", ""), True),
    (RETURN, "could I get a refund for order 5?", ("", ""), True),
    (CART, "could you add #12 in M to my cart?", ("", ""), True),
    (RETURN, "could you explain the return policy?", ("", ""), False),
    (RETURN, "can you tell me how to return order 5?", ("", ""), False),
]


@pytest.mark.parametrize(("action", "words", "context", "expected"), DETAILS,
                         ids=[f"{'cart' if a is CART else 'return'}-{w}-{'after ' + c[1][:20] if c[1] else 'alone'}"
                              for a, w, c, _ in DETAILS])
def test_details_and_negations(action, words: str, context: tuple[str, str], expected: bool) -> None:  # noqa: ANN001
    assert consents(action, words, *context) is expected


NUMBERS = [
    (RETURN, "yes", RETURN_QUESTION, {5}, True),
    (RETURN, "yes", RETURN_QUESTION, {6}, False),  # a yes about order 5 is no yes for order 6
    (RETURN, "too small", RETURN_QUESTION, {6}, False),
    (RETURN, "Wait, I meant: return order 6", RETURN_QUESTION, {6}, True),
    (RETURN, "Wait, I meant: return order 6", RETURN_QUESTION, {5}, False),
    (RETURN, "return order 5, reason too small", ("", ""), {5}, True),
    (RETURN, "return order 5, reason too small", ("", ""), {7}, False),
    (RETURN, "please return order 5 and 6", ("", ""), {6}, True),
    (RETURN, "6", ("I want to return an item", "Which order do you want to return?"), {6}, True),
    (RETURN, "6", ("I want to return an item", "Which order do you want to return?"), {7}, False),
    (CART, "M", CART_QUESTION, {12}, True),  # the product named in the request the answer continues
    (CART, "M", CART_QUESTION, {13}, False),
    (CART, "Not sure about L, add #12 in M to my cart", ("", ""), {12}, True),
    (CART, "add product 12 in M", ("", ""), {13}, False),
    (CART, "add the second one in M", ("", ""), {13}, True),  # no number named: the planner resolves it
]


@pytest.mark.parametrize(("action", "words", "context", "ids", "expected"), NUMBERS,
                         ids=[f"{'cart' if a is CART else 'return'}-{w}-{sorted(i)}" for a, w, _, i, _ in NUMBERS])
def test_consent_is_for_the_numbers_named(action, words: str, context: tuple[str, str], ids: set[int],  # noqa: ANN001
                                          expected: bool) -> None:
    assert consents(action, words, *context, ids=ids) is expected
