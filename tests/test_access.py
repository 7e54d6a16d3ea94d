"""Access rules live in the domain and hold through every door: the chat loop, the CLI and the copilot's HTTP API.

The rule under test (index/commerce.py, Commerce.start_return): staff start a return only for the
customer they are helping, and only with the lead role; any other role is told a lead must confirm.
"""

from __future__ import annotations

import httpx
import pytest
from conftest import STAFF_PASSWORD
from sqlalchemy import select
from typer.testing import CliRunner

from agent.conversation import UserMessage
from agent.loop import Agent
from agent.services import Services
from agent.steps import ToolResult
from index import models as m


@pytest.fixture(scope="module")
def orders(shop_agent: Agent) -> list[tuple[int, int]]:
    """(order id, customer id) of delivered orders with every line open, oldest first, one customer each
    (other test modules take the newest and the very first)."""
    found: dict[int, int] = {}
    with shop_agent.services.store.session() as s:
        for order in s.scalars(select(m.Order).where(m.Order.status == m.OrderStatus.DELIVERED).order_by(m.Order.id)):
            if order.lines and all(not line.return_reason for line in order.lines):
                found.setdefault(order.customer_id, order.id)
    pairs = [(order, customer) for customer, order in found.items()]
    assert len(pairs) >= 12
    return pairs[2:12]


@pytest.fixture(scope="module")
def agent(shop_agent: Agent) -> Agent:
    """The shop's agent over explicitly built services whose return window is open for every demo order."""
    settings = shop_agent.settings.model_copy(update={"return_window_days": 36500})
    services = Services(shop_agent.services.store, settings, search=shop_agent.services.search)
    return Agent(services, shop_agent.planner, shop_agent.planner_note)


def returned(agent: Agent, order_id: int) -> bool:
    with agent.services.store.session() as s:
        order = s.get(m.Order, order_id)
        return order.status == m.OrderStatus.RETURN_REQUESTED or any(line.return_reason for line in order.lines)


def start_return_results(agent: Agent, role: str, customer: int, text: str) -> list[ToolResult]:
    conv = agent.open("staff", customer, staff_role=role)
    items = list(agent.respond(conv, UserMessage(text)))
    return [i for i in items if isinstance(i, ToolResult) and i.name == "start_return"]


def test_an_agent_role_cannot_start_a_return_a_lead_can(agent: Agent, orders) -> None:  # noqa: ANN001
    (order, customer), (order2, customer2) = orders[0], orders[1]
    [refused] = start_return_results(agent, "agent", customer, f"return order {order}, reason too small")
    assert refused.error["code"] == "needs_lead" and "lead" in refused.error["message"]
    assert not returned(agent, order)
    [done] = start_return_results(agent, "lead", customer2, f"return order {order2}, reason too small")
    assert done.ok and returned(agent, order2)


def test_staff_act_only_on_the_orders_of_the_customer_they_help(agent: Agent, orders) -> None:  # noqa: ANN001
    (order, owner), (_, helped) = orders[2], orders[3]
    assert owner != helped
    [refused] = start_return_results(agent, "lead", helped, f"return order {order}, reason too small")
    assert refused.error["code"] == "not_found" and not returned(agent, order)


def test_a_staff_conversation_without_a_role_is_the_least_one(agent: Agent, orders) -> None:  # noqa: ANN001
    order, customer = orders[4]
    conv = agent.open("staff", customer)
    assert conv.staff_role == "agent"
    list(agent.respond(conv, UserMessage(f"return order {order}, reason too small")))
    assert not returned(agent, order)


def test_the_cli_reproduction_is_refused(shop, agent: Agent, orders) -> None:  # noqa: ANN001
    """`chat --staff --customer 17 -m "return order 2416, reason too small"`, with 2416 another customer's."""
    from shopagent.cli import app

    (order, owner), (_, helped) = orders[5], orders[6]
    env = {"SHOPAGENT_DATA_DIR": str(shop.data_dir), "SHOPAGENT_PLANNER_BACKEND": "rules", "COLUMNS": "200",
           "SHOPAGENT_RETURN_WINDOW_DAYS": "36500"}
    other = CliRunner().invoke(app, ["chat", "--staff", "--customer", str(helped), "-m",
                                     f"return order {order}, reason too small"], env=env)
    assert other.exit_code == 0, other.output
    assert not returned(agent, order)
    own = CliRunner().invoke(app, ["chat", "--staff", "--customer", str(owner), "-m",
                                   f"return order {order}, reason too small"], env=env)
    assert own.exit_code == 0 and "lead" in own.output and not returned(agent, order)  # the least role by default
    lead = CliRunner().invoke(app, ["chat", "--staff", "--role", "lead", "--customer", str(owner), "-m",
                                    f"return order {order}, reason too small"], env=env)
    assert lead.exit_code == 0 and returned(agent, order), lead.output
    boss = CliRunner().invoke(app, ["chat", "--staff", "--role", "boss", "--customer", str(owner), "-m", "hi"], env=env)
    assert boss.exit_code == 1 and "unknown staff role" in boss.output


def test_the_copilot_chat_follows_the_same_rule(ui_server: str, agent: Agent, orders) -> None:  # noqa: ANN001
    from gradio_client import Client

    (order, customer), (_, helped) = orders[7], orders[8]
    sam = Client(f"{ui_server}/staff/", auth=("sam", STAFF_PASSWORD), verbose=False)  # role agent
    history, _ = sam.predict(f"start a return for order {order}, reason: too small", [], customer, api_name="/ask")
    assert any("lead" in str(msg.get("content")) for msg in history) and not returned(agent, order)
    lena = Client(f"{ui_server}/staff/", auth=("lena", STAFF_PASSWORD), verbose=False)  # a lead, wrong customer
    history, _ = lena.predict(f"start a return for order {order}, reason: too small", [], helped, api_name="/ask")
    assert any("no order" in str(msg.get("content")) for msg in history) and not returned(agent, order)
    with httpx.Client(base_url=ui_server) as raw:  # and no login, no copilot at all
        assert raw.get("/staff/config").status_code == 401
