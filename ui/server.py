"""One web server: the shopper's chat at /, the staff copilot at /staff behind a login."""

from __future__ import annotations

import gradio as gr
from fastapi import FastAPI

from agent.loop import Agent
from shopagent.staff import role_of
from ui.copilot import build_copilot_app
from ui.shopper import build_shopper_app


def build_server(agent: Agent, concurrency: int = 2) -> FastAPI:
    settings = agent.settings
    app = FastAPI()
    copilot = build_copilot_app(agent).queue(default_concurrency_limit=concurrency)
    app = gr.mount_gradio_app(app, copilot, path="/staff",
                              auth=lambda name, password: role_of(settings, name, password) is not None,
                              auth_message="Customer-care staff only. Accounts are set in staff_accounts.",
                              show_error=False)
    shopper = build_shopper_app(agent).queue(default_concurrency_limit=concurrency)
    return gr.mount_gradio_app(app, shopper, path="", allowed_paths=[str(settings.data_dir)], show_error=False)
