"""Pick the planner the settings ask for and assemble an agent over the shop's services."""

from __future__ import annotations

from agent.loop import Agent
from agent.planners import Planner
from agent.services import Services
from index.store import Store
from shopagent.hub import find_local_model
from shopagent.settings import Settings


class PlannerUnavailable(RuntimeError):
    """The configured planner cannot run here; the message says what to install or set."""


def rules_planner(services: Services) -> Planner:
    from agent.planners.rules import RulesPlanner
    from retrieval.embedders.builtin import load_text_model

    encoder, _ = load_text_model(services.settings.text_model)
    return RulesPlanner(encoder, services.table.brands)


def load_planner(settings: Settings, services: Services) -> tuple[Planner, str]:
    """The planner and a line saying which one runs and why."""
    backend = settings.planner_backend
    if backend == "openai":
        from agent.planners.openai_compat import OpenAIPlanner

        return OpenAIPlanner.from_settings(settings), f"planner: {settings.openai_model} at {settings.openai_base_url}"
    if backend in ("transformers", "auto"):
        path = find_local_model(settings.planner_model)
        if path is not None:
            from agent.planners.transformers_vlm import TransformersPlanner

            return TransformersPlanner.load(str(path), settings), f"planner: {settings.planner_model} (transformers)"
        if backend == "transformers":
            raise PlannerUnavailable(f"planner_model {settings.planner_model} is not on this machine; download it "
                                     f"(huggingface-cli download {settings.planner_model}) or set "
                                     "planner_backend = \"rules\".")
        return rules_planner(services), (f"planner: rules (offline default; {settings.planner_model} is not "
                                         "on this machine)")
    return rules_planner(services), "planner: rules"


def build_agent(settings: Settings, store: Store | None = None) -> Agent:
    store = store or Store(settings.db_url)
    store.migrate()
    services = Services(store, settings)
    planner, note = load_planner(settings, services)
    return Agent(services, planner, note)
