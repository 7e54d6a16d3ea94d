"""The staff copilot, behind a login: a customer's live conversation, the agent's help, suggested replies.

Thin like the shopper's page: lookups, drafts and returns are messages to the agent in the staff
persona, with the signed-in member's role; sending a reply stores it in the customer's
conversation. The button asks for a confirmation tick; who may start a return (the `lead` role,
for the customer being helped) is the domain's rule (index/commerce.py), the same for the
button and the chat.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

import gradio as gr

from agent.conversation import UserMessage
from agent.loop import Agent, AgentError
from agent.steps import AnswerStep, ToolCall, ToolResult
from shopagent.staff import role_named
from ui.shopper import tool_message


SPEAKERS = {"user": "Customer", "staff": "Customer care"}


def live_view(agent: Agent, customer: int) -> tuple[str, str]:
    """(conversation key, HTML) of the customer's newest shopper conversation.

    Every message is escaped and shown as plain text in a box of its own: what a shopper types
    (Markdown, images, links, a forged "Customer care:" line) can never pass for anything else."""
    found = agent.log.latest(customer)
    if found is None:
        return "", f"<p>Customer {int(customer)} has no conversation yet.</p>"
    key, messages = found
    lines = [f'<div class="live-{role}" style="white-space:pre-wrap;margin:.3em 0"><b>{SPEAKERS.get(role, "Assistant")}'
             f":</b> {html.escape(text)}</div>" for role, text in messages[-12:]]
    return key, "\n".join(lines)


class CopilotSession:
    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    def ask(self, text: str, history: list, key: str, customer: float | None, request: gr.Request
            ) -> Iterator[tuple]:
        """Stream (history, key, suggested reply) for a staff message about the assisted customer."""
        history = list(history or [])
        if customer in (None, ""):
            history.append(gr.ChatMessage(role="assistant", content="Pick the customer first (their id)."))
            yield history, key, gr.skip()
            return
        role = role_named(self.agent.settings, request.username)  # the rules on it live in the domain
        try:
            try:
                conv = self.agent.open("staff", int(customer), key or None, staff_role=role)
            except AgentError:
                conv = self.agent.open("staff", int(customer), staff_role=role)  # another customer: a new conversation
        except AgentError as exc:
            history.append(gr.ChatMessage(role="assistant", content=str(exc)))
            yield history, key, gr.skip()
            return
        history.append(gr.ChatMessage(role="user", content=text))
        started: dict = {}
        draft = gr.skip()
        try:
            for item in self.agent.respond(conv, UserMessage(text)):
                if isinstance(item, ToolCall):
                    history.append(tool_message(item, started))
                elif isinstance(item, ToolResult):
                    tool_message(item, started)
                    if item.name == "draft_reply" and item.ok:
                        draft = item.result["draft"]
                elif isinstance(item, AnswerStep):
                    history.append(gr.ChatMessage(role="assistant", content=item.text))
                yield history, conv.key, draft
        except AgentError as exc:
            history.append(gr.ChatMessage(role="assistant", content=str(exc)))
            yield history, conv.key, draft

    def send(self, reply: str, customer: float | None, request: gr.Request) -> tuple[str, str]:
        if customer in (None, "") or not reply.strip():
            raise gr.Error("Pick the customer and write the reply first.")
        key, _ = live_view(self.agent, int(customer))
        if not key:
            raise gr.Error("This customer has no conversation to reply in.")
        self.agent.log.add_staff_reply(key, reply.strip(), request.username or "staff")
        return live_view(self.agent, int(customer))[1], ""

    def start_return(self, order: float | None, reason: str, confirmed: bool, history: list, key: str,
                     customer: float | None, request: gr.Request) -> Iterator[tuple]:
        if not confirmed:
            raise gr.Error("Tick 'I confirm' first: a return refunds the customer.")
        if order in (None, "") or not reason.strip():
            raise gr.Error("Give the order number and the reason.")
        yield from self.ask(f"start a return for order {int(order)}, reason: {reason.strip()}", history, key,
                            customer, request)


def build_copilot_app(agent: Agent) -> gr.Blocks:
    session = CopilotSession(agent)
    with gr.Blocks(title="shopagent copilot") as app:
        gr.Markdown("# Customer-care copilot")
        key = gr.State("")
        with gr.Row():
            with gr.Column(scale=2):
                search = gr.Textbox(label="Find a customer (name, e-mail or id)", elem_id="find-customer")
                matches = gr.Dropdown(label="Matches", choices=[], elem_id="matches")
                customer = gr.Number(label="Customer id", precision=0, elem_id="customer")
                load = gr.Button("Load the customer", variant="primary")
                live = gr.HTML("", label="Live conversation", elem_id="live")
                reply = gr.Textbox(label="Suggested reply (edit, then send)", lines=6, elem_id="reply")
                send = gr.Button("Send to customer")
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Copilot", height=480, elem_id="copilot-chat")
                ask = gr.Textbox(label="Ask the copilot", placeholder="customer overview · draft a reply about the "
                                 "order · where is order 12?", elem_id="ask")
                with gr.Accordion("Order actions", open=False):
                    order = gr.Number(label="Order number", precision=0)
                    reason = gr.Textbox(label="Return reason")
                    confirm = gr.Checkbox(label="I confirm this return")
                    do_return = gr.Button("Start return", variant="stop")
        load.click(lambda c: live_view(agent, int(c))[1] if c not in (None, "") else "", customer, live,
                   api_name="live").then(session.ask, [gr.State("customer overview"), chat, key, customer],
                                         [chat, key, reply], api_name="overview")
        search.submit(lambda q: gr.Dropdown(choices=[(f"{n} <{e}> (#{i})", i) for i, n, e in
                                                    agent.services.commerce.find_customers(q)], value=None),
                      search, matches, api_name="find_customer")
        matches.change(lambda i: i, matches, customer, api_name=False)
        ask.submit(session.ask, [ask, chat, key, customer], [chat, key, reply], api_name="ask")
        send.click(session.send, [reply, customer], [live, reply], api_name="send")
        do_return.click(session.start_return, [order, reason, confirm, chat, key, customer], [chat, key, reply],
                        api_name="start_return")
    return app
