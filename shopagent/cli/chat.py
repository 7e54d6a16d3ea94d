"""Talking to the agent: the terminal chat, the web pages, and copilot logins."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.text import Text

from eval.photos import IMAGE_SUFFIXES
from shopagent.cli.common import console, err, fail, load_settings, note, one_line_errors, open_agent


def split_images(line: str) -> tuple[str, list[Path]]:
    """A chat line's words and the image files it names (any word that is an existing image path)."""
    words, images = [], []
    for word in line.split():
        path = Path(word.strip("'\"")).expanduser()
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
            images.append(path)
        else:
            words.append(word)
    return " ".join(words), images


def print_turn(stream) -> None:  # noqa: ANN001 (agent.steps.StreamItem objects, as Agent.respond yields them)
    """The answer on stdout as it is written; tool calls, failed tools and notices dim on stderr."""
    from agent.steps import AnswerDelta, AnswerStep, NoticeStep, ToolCall, ToolResult

    streamed = ""
    for item in stream:
        if isinstance(item, AnswerDelta):
            streamed += item.text
            console.print(item.text, end="", highlight=False, markup=False)
        elif isinstance(item, ToolCall):
            note(f"→ {item.name}({', '.join(f'{k}={v!r}' for k, v in item.arguments.items())})")
        elif isinstance(item, ToolResult) and not item.ok:
            note(f"  ✗ {item.error['message']}")
        elif isinstance(item, NoticeStep):
            err.print(Text(item.text, style="yellow"), highlight=False)
        elif isinstance(item, AnswerStep):
            if streamed:
                console.print()
            if item.text.strip() != streamed.strip():
                console.print(item.text, highlight=False, markup=False)


def chat(
    customer: Annotated[Optional[int], typer.Option(help="Signed-in customer id (orders, cart, size history).")] = None,
    staff: Annotated[bool, typer.Option("--staff", help="Copilot mode for customer-service staff "
                                                        "(needs --customer).")] = False,
    session: Annotated[Optional[str], typer.Option(help="Resume the conversation with this key.")] = None,
    message: Annotated[Optional[list[str]], typer.Option("--message", "-m", help="Send these messages in order "
                                                         "and exit, instead of the interactive prompt.")] = None,
    planner: Annotated[Optional[str], typer.Option(help="Planner backend for this run: auto, transformers, "
                                                        "openai or rules (default: the settings).")] = None,
    role: Annotated[str, typer.Option(help="With --staff: your role, agent or lead (only a lead may start "
                                           "returns).")] = "agent",
) -> None:
    """Chat with the agent in the terminal. Name an image file anywhere in a line to attach it.

    Example: `shopagent chat --customer 5`, then `like this but in navy ~/photos/shirt.jpg`.
    Type /quit to leave; the session key printed at the start resumes it with --session.
    """
    from agent.conversation import UserMessage
    from agent.loop import AgentError

    agent = open_agent(load_settings(planner_backend=planner))
    with one_line_errors():
        conv = agent.open("staff" if staff else "shopper", customer, session, staff_role=role if staff else None)
    note(f"session {conv.key} ({conv.persona}{f', customer {customer}' if customer is not None else ', guest'})")
    lines = iter(message) if message else None
    while True:
        if lines is not None:
            line = next(lines, None)
            if line is None:
                break
            console.print(f"[bold]> {line}[/]", highlight=False)
        else:
            try:
                line = console.input("[bold]> [/]")
            except (EOFError, KeyboardInterrupt):
                break
        if line.strip() in ("/quit", "/exit"):
            break
        text, images = split_images(line)
        if not text and not images:
            continue
        try:
            print_turn(agent.respond(conv, UserMessage(text, images)))
        except AgentError as exc:
            err.print(Text(str(exc), style="red"), highlight=False)


def ui(
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 exposes it to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 7860,
    concurrency: Annotated[int, typer.Option(help="Turns worked on at once (Gradio's queue).")] = 2,
    forwarded_allow_ips: Annotated[str, typer.Option(help="Proxies whose X-Forwarded-For/-Proto are believed "
                                                          "(comma-separated addresses): set your reverse proxy's, "
                                                          "so login throttling sees each client's address.")
                                   ] = "127.0.0.1",
) -> None:
    """The shopper's chat at / and the staff copilot at /staff (login from staff_accounts), in the browser."""
    import uvicorn

    from ui.server import build_server

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    settings = load_settings()
    agent = open_agent(settings)
    if not settings.staff_accounts:
        err.print("[yellow]no staff_accounts set: the copilot at /staff lets no one in "
                  "(make one with `shopagent staff-password NAME`).[/]", highlight=False)
    console.print(f"shopagent: shoppers on http://{host}:{port}/ , staff on http://{host}:{port}/staff",
                  highlight=False)
    uvicorn.run(build_server(agent, concurrency), host=host, port=port, log_level="warning", proxy_headers=True,
                forwarded_allow_ips=forwarded_allow_ips)


def staff_password(
    name: Annotated[str, typer.Argument(help="The staff member's login name.")],
    role: Annotated[str, typer.Option(help="agent (look up, draft, send) or lead (also start returns).")] = "agent",
) -> None:
    """Make a copilot login: prints the lines to add to shopagent.toml (the staff_accounts table)."""
    from shopagent.staff import account_entry, toml_entry

    password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        entry = account_entry(role, password)
    except ValueError as exc:
        raise fail(str(exc)) from None
    typer.echo(toml_entry(name, entry))  # plain: a line to copy must not be wrapped
