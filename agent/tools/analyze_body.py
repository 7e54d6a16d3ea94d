from __future__ import annotations

from agent.tools.context import current
from agent.tools.registry import tool
from tryon.body import analyze


@tool()
def analyze_body(photo_id: str = "latest", height_cm: float | None = None) -> dict:
    """Read body proportions from the shopper's photo; with their height, estimate chest, waist and hip in cm.

    Args:
        photo_id: The shopper's photo ("latest" for the newest).
        height_cm: The shopper's height in cm; without it only proportions are given.
    """
    ctx = current()
    photo, image = ctx.image(photo_id)
    body = analyze(image)
    out = {"photo_id": photo, **body.as_dict()}
    if height_cm is not None:
        out["measurements_cm"] = {k: {"value": v.value, "plus_minus": v.sd} for k, v in body.estimate(height_cm).items()}
    else:
        out["notes"] = ["give your height in cm for measurements in cm."]
    return out
