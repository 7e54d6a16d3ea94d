"""Embedders: texts and images into one L2-normalised float32 space, chosen by the settings.

`load_embedder(settings)` returns the embedder in force and a note saying why (shown by the CLI
and the UI): open_clip when its weights are on this machine, else the builtin embedder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from PIL import Image

from shopagent.hub import ModelNotFound, find_local_model, resolve_device
from shopagent.settings import Settings


class Embedder(Protocol):
    id: str  # names the model and its weights: an index built with another id is refused
    dim: int

    def encode_texts(self, texts: list[str]) -> np.ndarray: ...

    def encode_images(self, images: list[Image.Image]) -> np.ndarray: ...


@dataclass
class LoadedEmbedder:
    embedder: Embedder
    note: str  # what is in use and, on a fallback, why


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def load_embedder(settings: Settings) -> LoadedEmbedder:
    """The embedder the settings ask for; `auto` falls back to the builtin one and says so."""
    from retrieval.embedders.builtin import BuiltinEmbedder
    from retrieval.embedders.open_clip import OpenClipEmbedder, open_clip_weights_present

    device = resolve_device(settings.device)
    if settings.embedder == "builtin":
        embedder = BuiltinEmbedder.from_settings(settings)
        return LoadedEmbedder(embedder, f"builtin embedder {embedder.id} (embedder=builtin)")
    if settings.embedder == "open_clip" or open_clip_weights_present(settings.image_model):
        if not open_clip_weights_present(settings.image_model):
            raise ModelNotFound(settings.image_model, "image_model")
        embedder = OpenClipEmbedder(settings.image_model, device=device)
        return LoadedEmbedder(embedder, f"open_clip {settings.image_model} on {device}")
    embedder = BuiltinEmbedder.from_settings(settings)
    return LoadedEmbedder(embedder, f"{settings.image_model} (image_model) is not on this machine; "
                                    f"using the builtin embedder {embedder.id}")


class TextSimilarity:
    """Texts to unit vectors with the settings' text model, loaded on first use: an import whose category
    words all match a synonym never pays the few seconds MiniLM takes to load."""

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id
        self._model = None

    def __call__(self, texts: list[str]) -> np.ndarray:
        if self._model is None:
            from retrieval.embedders.builtin import load_text_model

            self._model, _ = load_text_model(self.model_id)
        return normalise(self._model.encode(texts, batch_size=64, convert_to_numpy=True, show_progress_bar=False))


__all__ = ["Embedder", "LoadedEmbedder", "TextSimilarity", "load_embedder", "normalise", "resolve_device",
           "find_local_model"]
