"""Category and colour of a garment photo from an open_clip model's text prompts over the taxonomy.

The project's own attribute net (retrieval/attributes.py) knows the 23 classes it was trained on.
With real image-text weights on this machine the shop's whole taxonomy can be read zero-shot
instead: every category becomes a few prompts ("a photo of a {word}", a few of its
words averaged, as in the CLIP paper's prompt ensembling), every colour family one prompt ("a
photo of a {colour} garment"), and an image takes the softmax of its cosines to them, scaled by
the model's own logit scale. Nothing is trained, so a shop's taxonomy file works as it is.

The text vectors are computed once per recogniser, on first use; `OpenClipEmbedder.zero_shot`
keeps one recogniser per loaded model. `classify` takes image vectors already computed (the
indexer has them), `recognise` takes the images.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from PIL import Image

from index.taxonomy import MULTI, Taxonomy, load_taxonomy, normalise
from retrieval.attributes import GarmentAttributes

if TYPE_CHECKING:
    from retrieval.embedders import Embedder

CATEGORY_TEMPLATE = "a photo of a {}"
COLOUR_TEMPLATE = "a photo of a {} garment"
WORDS_PER_CATEGORY = 3  # the category's name and up to two synonyms that are not spellings of a word already taken
SAME_WORD = 0.75  # difflib ratio of two words' letters at or above which one is a spelling of the other
# A colour after the first is kept only at or above this probability. A floor, not a measured value:
# index/products.py CONFIDENT decides which colours search believes.
COLOUR_FLOOR = 0.15
MAX_COLOURS = 3
MAX_LOGIT_SCALE = 100.0  # CLIP clamps its learned scale here
COLOUR_WORDS = {MULTI: "multicoloured"}  # a colour family whose name reads badly in the prompt


class ImageTextModel(Protocol):
    """What the recogniser needs: OpenClipEmbedder has it (unit vectors in one space, the torch model)."""

    model: Any  # has logit_scale (the log of the softmax temperature's inverse), as open_clip's models do

    def encode_texts(self, texts: list[str]) -> np.ndarray: ...

    def encode_images(self, images: list[Image.Image]) -> np.ndarray: ...


@dataclass(frozen=True)
class ZeroShot:
    """What the prompts say about one image; each colour with its probability, the likeliest first."""

    category: str
    category_confidence: float
    family: str
    colours: list[tuple[str, float]]

    @property
    def colour(self) -> str:
        return self.colours[0][0] if self.colours else ""


def _letters(word: str) -> str:
    return normalise(word).replace(" ", "")


def prompt_words(name: str, synonyms: Sequence[str], limit: int = WORDS_PER_CATEGORY) -> list[str]:
    """The name and the first synonyms that are new words, not another spelling ("tee", not "tshirt")."""
    taken = [name]
    for word in synonyms:
        if len(taken) >= limit:
            break
        if all(SequenceMatcher(None, _letters(word), _letters(t)).ratio() < SAME_WORD for t in taken):
            taken.append(word)
    return taken


def category_prompts(taxonomy: Taxonomy, limit: int = WORDS_PER_CATEGORY) -> dict[str, list[str]]:
    """Category -> its prompts, in the taxonomy's order."""
    return {name: [CATEGORY_TEMPLATE.format(w) for w in prompt_words(name, info.synonyms, limit)]
            for name, info in taxonomy.categories.items()}


def colour_prompts(taxonomy: Taxonomy) -> dict[str, str]:
    """Colour family -> its prompt, in the taxonomy's order ('multi' included)."""
    return {name: COLOUR_TEMPLATE.format(COLOUR_WORDS.get(name, name)) for name in taxonomy.colours}


def logit_scale_of(model: Any) -> float:
    """The model's learned softmax scale (exp of logit_scale), clamped as CLIP does; 100 when it has none.

    SigLIP models also have a logit_bias: it is the same for every prompt, so a softmax ignores it."""
    scale = getattr(model, "logit_scale", None)
    if scale is None:
        return MAX_LOGIT_SCALE
    log_scale = float(scale.detach()) if hasattr(scale, "detach") else float(scale)  # a torch Parameter
    return min(float(np.exp(log_scale)), MAX_LOGIT_SCALE)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large logits."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


class ZeroShotRecogniser:
    """Category (with family) and colour families of garment photos, by prompts over a taxonomy."""

    def __init__(self, embedder: ImageTextModel, taxonomy: Taxonomy | None = None, *,
                 colour_floor: float = COLOUR_FLOOR, max_colours: int = MAX_COLOURS) -> None:
        self.embedder = embedder
        self.taxonomy = taxonomy or load_taxonomy()
        self.colour_floor = colour_floor
        self.max_colours = max_colours
        self.category_prompts = category_prompts(self.taxonomy)
        self.colour_prompts = colour_prompts(self.taxonomy)
        self.categories = tuple(self.category_prompts)
        self.colours = tuple(self.colour_prompts)

    @cached_property
    def category_vectors(self) -> np.ndarray:
        """One unit vector per category: the mean of its prompts' vectors (computed once, all in one call)."""
        sizes = [len(ps) for ps in self.category_prompts.values()]
        vectors = self.embedder.encode_texts([p for ps in self.category_prompts.values() for p in ps])
        return _unit(np.stack([group.mean(axis=0) for group in np.split(vectors, np.cumsum(sizes)[:-1])]))

    @cached_property
    def colour_vectors(self) -> np.ndarray:
        """One unit vector per colour family (computed once)."""
        return _unit(self.embedder.encode_texts(list(self.colour_prompts.values())))

    @cached_property
    def scale(self) -> float:
        return logit_scale_of(self.embedder.model)

    def recognise(self, images: list[Image.Image]) -> list[ZeroShot]:
        """One ZeroShot per image, in order."""
        if not images:
            return []
        return self.classify(self.embedder.encode_images(images))

    def classify(self, image_vectors: np.ndarray) -> list[ZeroShot]:
        """One ZeroShot per row of image vectors from the same model (the indexer's, reused)."""
        vectors = _unit(np.atleast_2d(image_vectors))
        category_probs = softmax(self.scale * vectors @ self.category_vectors.T)
        colour_probs = softmax(self.scale * vectors @ self.colour_vectors.T)
        return [self._one(c, k) for c, k in zip(category_probs, colour_probs)]

    def _one(self, category_probs: np.ndarray, colour_probs: np.ndarray) -> ZeroShot:
        best = int(np.argmax(category_probs))
        category = self.categories[best]
        return ZeroShot(category, float(category_probs[best]), self.taxonomy.categories[category].family,
                        self._colours(colour_probs))

    def _colours(self, probs: np.ndarray) -> list[tuple[str, float]]:
        """The likeliest colour always, then the next ones at or above the floor, up to max_colours."""
        order = np.argsort(-probs)[:self.max_colours]
        return [(self.colours[i], float(probs[i])) for rank, i in enumerate(order)
                if rank == 0 or probs[i] >= self.colour_floor]


def zero_shot_for(embedder: Embedder) -> ZeroShotRecogniser | None:
    """The embedder's recogniser when it is an open_clip model (image-text weights); else None.

    The builtin embedder's image vectors are built from the attribute net's own caption, so prompts
    would only read that net's answer back: the net stays in charge there."""
    from retrieval.embedders.open_clip import OpenClipEmbedder

    return embedder.zero_shot if isinstance(embedder, OpenClipEmbedder) else None


def with_zero_shot(attrs: GarmentAttributes, read: ZeroShot) -> GarmentAttributes:
    """The attribute net's reading with the category and colours the prompts gave (pattern and vectors kept)."""
    return replace(attrs, category=read.category, category_confidence=read.category_confidence,
                   colours=list(read.colours) or attrs.colours)
