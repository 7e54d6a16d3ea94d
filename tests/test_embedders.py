"""Embedders: a tiny open_clip model through the real loading path, and the builtin embedder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from index.render import GarmentSpec, render_garment
from index.vocab import COLOURS
from retrieval.embedders import load_embedder
from retrieval.embedders.open_clip import OpenClipEmbedder
from shopagent.hub import ModelNotFound
from shopagent.settings import Settings
from tiny_clip import build_tiny_clip


@pytest.fixture(scope="module")
def tiny_clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_clip(tmp_path_factory.mktemp("tiny-clip"))


def _shot(colour: str, category: str = "dress") -> Image.Image:
    return render_garment(GarmentSpec(category=category, colour=COLOURS[colour], secondary=COLOURS["white"],
                                      pattern="solid", seed=3))[0]


def test_open_clip_loads_from_a_local_folder(tiny_clip_dir: Path) -> None:
    embedder = OpenClipEmbedder(f"local-dir:{tiny_clip_dir}")
    texts = embedder.encode_texts(["a red dress", "blue jeans", "a red dress"])
    images = embedder.encode_images([_shot("red"), _shot("blue")])
    assert texts.shape == (3, 32) and images.shape == (2, 32) and embedder.dim == 32
    assert texts.dtype == np.float32 and np.allclose(np.linalg.norm(images, axis=1), 1, atol=1e-5)
    assert np.allclose(texts[0], texts[2]) and not np.allclose(texts[0], texts[1])
    assert embedder.id == f"open_clip/local-dir:{tiny_clip_dir}"


def test_settings_pick_open_clip_when_its_weights_are_here(tiny_clip_dir: Path) -> None:
    loaded = load_embedder(Settings(image_model=str(tiny_clip_dir), embedder="auto"))
    assert isinstance(loaded.embedder, OpenClipEmbedder) and "open_clip" in loaded.note


def test_open_clip_asked_for_but_missing_fails_with_the_id(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="nobody/no-such-clip"):
        load_embedder(Settings(image_model="hf-hub:nobody/no-such-clip", embedder="open_clip"))


def test_auto_falls_back_to_builtin_and_says_so(tmp_path: Path) -> None:
    loaded = load_embedder(Settings(image_model="hf-hub:nobody/no-such-clip", data_dir=tmp_path))
    assert loaded.embedder.id.startswith("builtin/") and "not on this machine" in loaded.note


def test_builtin_puts_words_near_the_matching_image(tmp_path: Path) -> None:
    embedder = load_embedder(Settings(embedder="builtin", data_dir=tmp_path)).embedder
    images = embedder.encode_images([_shot("red"), _shot("blue", "sneaker")])
    texts = embedder.encode_texts(["red dress", "blue sneakers"])
    assert images.shape == (2, embedder.dim) and np.allclose(np.linalg.norm(images, axis=1), 1, atol=1e-5)
    similarity = texts @ images.T
    assert similarity[0, 0] > similarity[0, 1] and similarity[1, 1] > similarity[1, 0]
    same = embedder.encode_images([_shot("red").resize((300, 375))])[0]
    assert same @ images[0] > same @ images[1]  # image to image: the same garment is nearest
