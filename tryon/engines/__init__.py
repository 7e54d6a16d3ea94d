"""Try-on engines: one protocol, chosen by the `tryon_engine` setting.

`try_on(person, garment, category, options) -> TryOnResult`: the person photo with the garment
on them, the garment's mask in that photo, timings, and the engine's id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from PIL import Image
from shopagent.errors import ShopError


class TryOnError(ShopError):
    """A try-on we cannot do with these inputs; the message says what to change."""

    code = "tryon_refused"


class ModelMissing(TryOnError):
    """The engine's weights are not on this machine."""

    code = "not_ready"


@dataclass
class TryOnOptions:
    size: str | None = None  # the size label shown; None: the garment's middle size
    sizes: tuple[str, ...] = ()  # the product's sizes, smallest first (a larger one sits looser)
    # the chosen size's garment width over the body's, per region ("chest", "waist", "hip"), from the size
    # chart and the body's measurements (tryon.fit); empty: unknown, the size steps above apply instead
    fit: dict[str, float] = field(default_factory=dict)


@dataclass
class TryOnResult:
    image: Image.Image
    mask: np.ndarray = field(repr=False)  # where the garment is in the result, bool
    timings: dict[str, float]  # ms per stage
    engine: str
    notes: list[str] = field(default_factory=list)  # what the shopper should know (their own sleeves show, ...)


class TryOnEngine(Protocol):
    id: str

    def try_on(self, person: Image.Image, garment: Image.Image, category: str,
               options: TryOnOptions | None = None) -> TryOnResult: ...
