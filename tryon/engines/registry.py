"""Engines by name (the `tryon_engine` setting)."""

from __future__ import annotations

from shopagent.settings import Settings
from tryon.engines import TryOnEngine, TryOnError

ENGINES = ("warp", "diffusion")


def load_engine(name: str, settings: Settings) -> TryOnEngine:
    if name == "warp":
        from tryon.engines.warp import WarpEngine

        return WarpEngine()
    if name == "diffusion":
        from tryon.engines.diffusion import DiffusionEngine

        return DiffusionEngine.from_settings(settings)
    raise TryOnError(f"unknown try-on engine {name!r}; one of {', '.join(ENGINES)}.")
