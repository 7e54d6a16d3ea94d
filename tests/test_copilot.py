"""The staff copilot behind its login, and the one server that serves both pages."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from agent.conversation import UserMessage
from agent.loop import Agent
from index import models as m
from shopagent.staff import account_entry, role_of

PASSWORD = "correct horse 1"  # the ui_server fixture's accounts: lena (lead) and sam (agent)


def staff(url: str, name: str):  # noqa: ANN201
    from gradio_client import Client

    return Client(f"{url}/staff/", auth=(name, PASSWORD), verbose=False)


def test_passwords(shop_agent: Agent) -> None:
    settings = shop_agent.settings.model_copy(update={"staff_accounts": {"lena": account_entry("lead", PASSWORD)}})
    assert role_of(settings, "lena", PASSWORD) == "lead"
    assert role_of(settings, "lena", "wrong") is None and role_of(settings, "nobody", PASSWORD) is None
    with pytest.raises(ValueError, match="8 characters"):
        account_entry("agent", "short")
    assert PASSWORD not in account_entry("agent", PASSWORD)


def test_the_staff_page_refuses_without_a_login(ui_server: str) -> None:
    from gradio_client import Client

    assert httpx.get(f"{ui_server}/staff/config").status_code == 401
    assert httpx.post(f"{ui_server}/staff/login/", data={"username": "lena", "password": "nope"}).status_code >= 400
    with pytest.raises(Exception):  # noqa: B017 (gradio_client raises different errors across versions)
        Client(f"{ui_server}/staff/", verbose=False)
    assert httpx.get(f"{ui_server}/config").status_code == 200  # the shopper's page is public


def test_lookup_draft_send_and_roles(ui_server: str, shop_agent: Agent) -> None:
    with shop_agent.services.store.session() as s:
        order = s.scalars(select(m.Order).where(m.Order.status == m.OrderStatus.DELIVERED)).first()
        customer, order_id = order.customer_id, order.id
    shopper = shop_agent.open("shopper", customer)
    list(shop_agent.respond(shopper, UserMessage("where is my order?")))
    lead = staff(ui_server, "lena")
    history, reply = lead.predict("draft a reply about the order status", [], customer, api_name="/ask")
    assert any(m_.get("metadata", {}).get("title") == "🔧 draft_reply" for m_ in history)
    assert reply.startswith("Hi ")
    live, cleared = lead.predict(reply + " (checked)", customer, api_name="/send")
    assert "(checked)" in live and "Customer care" in live and cleared == ""
    with pytest.raises(Exception, match="confirm"):  # noqa: B017
        lead.predict(order_id, "too small", False, [], customer, api_name="/start_return")
    assert order_state(shop_agent, order_id) == (m.OrderStatus.DELIVERED, False)
    # an agent-role member with the tick: the domain refuses (needs_lead), the copilot shows why, nothing changes
    history, _ = staff(ui_server, "sam").predict(order_id, "too small", True, [], customer,
                                                 api_name="/start_return")
    boxes = return_boxes(history)
    assert len(boxes) == 1 and "failed: starting a return needs the lead role" in boxes[0], history
    assert order_state(shop_agent, order_id) == (m.OrderStatus.DELIVERED, False)
    # the lead with the tick gets past the role rule: start_return runs for her (the policy has the last word)
    history, _ = lead.predict(order_id, "too small", True, [], customer, api_name="/start_return")
    boxes = return_boxes(history)
    assert len(boxes) == 1 and "lead role" not in boxes[0], history
    assert ("\n\ndone" in boxes[0]) == (order_state(shop_agent, order_id)[0] == m.OrderStatus.RETURN_REQUESTED)


def return_boxes(history: list) -> list[str]:
    """The text of the copilot's start_return tool boxes in a returned chat history."""
    def text(content: str | list) -> str:  # gradio_client gives a message's content as text parts
        return content if isinstance(content, str) else "".join(part.get("text") or "" for part in content)

    return [text(msg["content"]) for msg in history
            if (msg.get("metadata") or {}).get("title") == "🔧 start_return"]


def order_state(agent: Agent, order_id: int) -> tuple[str, bool]:
    """(the order's status, whether any line has a return reason) as the store holds them."""
    with agent.services.store.session() as s:
        order = s.get(m.Order, order_id)
        return order.status, any(line.return_reason for line in order.lines)


def test_find_a_customer(ui_server: str, shop_agent: Agent) -> None:
    commerce = shop_agent.services.commerce
    with shop_agent.services.store.session() as s:
        someone = s.scalars(select(m.Customer).order_by(m.Customer.id)).first()
        name, email, cid = someone.name, someone.email, someone.id
    assert (cid, name, email) in commerce.find_customers(name.split()[0].lower())
    assert commerce.find_customers(str(cid)) == [(cid, name, email)] and commerce.find_customers("  ") == []
    found = staff(ui_server, "sam").predict(email.split("@")[0], api_name="/find_customer")
    assert [cid] == [value for _, value in found["choices"]]


def test_staff_password_prints_a_settings_line() -> None:
    from typer.testing import CliRunner

    from shopagent.cli import app

    result = CliRunner().invoke(app, ["staff-password", "kim", "--role", "lead"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("kim = "))
    entry = line.split(" = ", 1)[1].strip('"')
    assert entry.startswith("lead:pbkdf2_sha256$") and PASSWORD not in entry
    short = CliRunner().invoke(app, ["staff-password", "kim"], input="abc\nabc\n")
    assert short.exit_code == 1 and "8 characters" in short.output
