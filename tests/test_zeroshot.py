"""Zero-shot category and colour over the taxonomy, through a tiny open_clip model loaded the real way."""

from __future__ import annotations


import numpy as np
import pytest
from PIL import Image

from index.render import GarmentSpec, render_garment
from index.taxonomy import load_taxonomy
from index.vocab import COLOURS
from retrieval.embedders.open_clip import OpenClipEmbedder
from retrieval.zeroshot import COLOUR_FLOOR, ZeroShotRecogniser, softmax, zero_shot_for
from tiny_clip import build_tiny_clip

TAXONOMY = load_taxonomy()


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> OpenClipEmbedder:
    return OpenClipEmbedder(f"local-dir:{build_tiny_clip(tmp_path_factory.mktemp('tiny-clip'))}")


def _shot(colour: str, category: str) -> Image.Image:
    return render_garment(GarmentSpec(category=category, colour=COLOURS[colour], secondary=COLOURS["white"],
                                      pattern="solid", seed=3))[0]


IMAGES = [("red", "jeans"), ("blue", "sneaker"), ("black", "dress")]


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _text_rows(names: tuple[str, ...], chosen: dict[str, np.ndarray], seed: int = 0) -> np.ndarray:
    """Unit rows, one per name: the chosen ones as given, the others random and orthogonal to every chosen one."""
    basis = np.linalg.qr(np.stack(list(chosen.values())).T)[0]  # orthonormal columns spanning the chosen rows
    others = np.random.default_rng(seed).normal(size=(len(names), basis.shape[0]))
    others = _unit(others - (others @ basis) @ basis.T)
    return np.stack([chosen[n] if n in chosen else others[i] for i, n in enumerate(names)]).astype(np.float32)


def test_the_prompts_come_from_the_taxonomy() -> None:
    recogniser = ZeroShotRecogniser(object(), TAXONOMY)  # type: ignore[arg-type]  # prompts need no model
    assert recogniser.categories == tuple(TAXONOMY.categories) and recogniser.colours == tuple(TAXONOMY.colours)
    assert recogniser.category_prompts["dress"] == ["a photo of a dress", "a photo of a gown", "a photo of a frock"]
    assert recogniser.category_prompts["t-shirt"][:2] == ["a photo of a t-shirt", "a photo of a tee"]  # not "tshirt"
    assert all(1 <= len(p) <= 3 for p in recogniser.category_prompts.values())
    assert recogniser.colour_prompts["navy"] == "a photo of a navy garment"
    assert recogniser.colour_prompts["multi"] == "a photo of a multicoloured garment"


def test_recognises_taxonomy_values_with_probabilities(embedder: OpenClipEmbedder) -> None:
    found = embedder.zero_shot.recognise([_shot(c, k) for c, k in IMAGES])
    assert len(found) == len(IMAGES)
    for shot in found:
        assert shot.category in TAXONOMY.categories and shot.family == TAXONOMY.categories[shot.category].family
        assert 1 / len(TAXONOMY.categories) <= shot.category_confidence <= 1
        assert 1 <= len(shot.colours) <= 3 and shot.colour == shot.colours[0][0]
        assert all(name in TAXONOMY.colours and 0 <= p <= 1 for name, p in shot.colours)
        probs = [p for _, p in shot.colours]
        assert probs == sorted(probs, reverse=True) and all(p >= COLOUR_FLOOR for p in probs[1:])
    assert embedder.zero_shot.recognise([]) == []
    assert embedder.zero_shot.category_vectors.shape == (len(TAXONOMY.categories), embedder.dim)
    assert embedder.zero_shot.colour_vectors.shape == (len(TAXONOMY.colours), embedder.dim)


def test_one_recogniser_per_model_and_none_for_other_embedders(embedder: OpenClipEmbedder) -> None:
    assert embedder.zero_shot is embedder.zero_shot is zero_shot_for(embedder)
    assert zero_shot_for(object()) is None


def test_text_vectors_average_each_category_prompts_and_are_computed_once(
        embedder: OpenClipEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    encode = embedder.encode_texts
    monkeypatch.setattr(embedder, "encode_texts", lambda texts: calls.append(texts) or encode(texts))
    recogniser = ZeroShotRecogniser(embedder)
    images = [_shot(c, k) for c, k in IMAGES]
    first = recogniser.recognise(images)
    assert len(calls) == 2  # all category prompts in one call, all colour prompts in another
    assert recogniser.recognise(images) == first and len(calls) == 2
    dress = recogniser.categories.index("dress")
    expected = _unit(encode(recogniser.category_prompts["dress"]).mean(axis=0))
    assert np.allclose(recogniser.category_vectors[dress], expected, atol=1e-5)
    assert np.allclose(np.linalg.norm(recogniser.category_vectors, axis=1), 1, atol=1e-5)


def test_the_category_whose_prompts_match_the_image_wins(embedder: OpenClipEmbedder) -> None:
    recogniser = ZeroShotRecogniser(embedder)
    images = [_shot("red", "jeans"), _shot("blue", "sneaker")]
    vectors = embedder.encode_images(images)
    recogniser.category_vectors = _text_rows(recogniser.categories, {"jeans": vectors[0], "sneaker": vectors[1]})
    jeans, sneaker = recogniser.recognise(images)
    assert (jeans.category, jeans.family) == ("jeans", "bottoms")
    assert (sneaker.category, sneaker.family) == ("sneaker", "footwear")
    # the confidence is the softmax of the cosines times the model's own scale (1/0.07 when untrained)
    assert recogniser.scale == pytest.approx(1 / 0.07, rel=1e-4)
    cosines = vectors[0] @ recogniser.category_vectors.T
    assert jeans.category_confidence == pytest.approx(float(softmax(recogniser.scale * cosines).max()), rel=1e-4)


def test_colours_are_the_likeliest_then_those_above_the_floor(embedder: OpenClipEmbedder) -> None:
    recogniser = ZeroShotRecogniser(embedder)
    image = _shot("navy", "shirt")
    v = embedder.encode_images([image])[0]
    tilt = _text_rows(("x",), {"v": v})[0]  # a unit vector orthogonal to v
    near = _unit(0.95 * v + np.sqrt(1 - 0.95 ** 2) * tilt)  # cosine 0.95 with the image
    recogniser.colour_vectors = _text_rows(recogniser.colours, {"navy": v, "white": near})
    (shot,) = recogniser.recognise([image])
    logits = np.zeros(len(recogniser.colours))
    logits[[recogniser.colours.index("navy"), recogniser.colours.index("white")]] = [1.0, 0.95]
    probs = softmax(recogniser.scale * logits)  # every other colour: cosine 0, far below the floor
    assert [name for name, _ in shot.colours] == ["navy", "white"]
    assert [p for _, p in shot.colours] == pytest.approx(sorted(probs, reverse=True)[:2], rel=1e-3)
    strict = ZeroShotRecogniser(embedder, colour_floor=0.99)
    strict.colour_vectors = recogniser.colour_vectors
    assert [name for name, _ in strict.recognise([image])[0].colours] == ["navy"]  # the likeliest is always there


def test_search_reads_category_and_colours_by_prompts_and_keeps_the_nets_pattern(
        embedder: OpenClipEmbedder) -> None:
    """With image-text weights, a photo's category and colours come from the prompts; on a worn garment, from
    its crop. The attribute net still gives the pattern."""
    from retrieval.attributes import PACKAGED_WEIGHTS, AttributeModel, garment_crop
    from retrieval.search import SearchService

    net = AttributeModel.load(PACKAGED_WEIGHTS)
    service = SearchService(None, None, embedder, net)  # type: ignore[arg-type]  # reading needs no catalog
    shot = _shot("navy", "t-shirt")
    read, prompts, own = service._read(shot, None), embedder.zero_shot.recognise([shot])[0], net.recognize(shot)
    assert (read.category, read.colours) == (prompts.category, list(prompts.colours))
    assert read.pattern == own.pattern and np.allclose(read.shape_vector, own.shape_vector)
    mask = np.zeros((shot.height, shot.width), bool)
    mask[: shot.height // 2] = True
    cropped = embedder.zero_shot.recognise([garment_crop(shot, mask)])[0]
    assert service._read(shot, mask).category_confidence == pytest.approx(cropped.category_confidence, abs=1e-5)


def test_index_build_stores_what_the_prompts_read_from_each_image(embedder: OpenClipEmbedder) -> None:
    """The indexer's image vectors are reused: the attributes handed to enrichment carry the prompts' category and
    colours, the net's pattern; a product without an image keeps None."""
    from retrieval.attributes import PACKAGED_WEIGHTS, AttributeModel, prepare
    from retrieval.indexer import ImageRead, embed_batch

    net = AttributeModel.load(PACKAGED_WEIGHTS)
    shots = [_shot("red", "dress"), _shot("navy", "jeans")]
    reads = [ImageRead(shot, prepare(shot)) for shot in shots] + [None]
    attributes = net.recognize_many(shots) + [None]
    text = np.zeros((3, embedder.dim), np.float32)
    embed_batch(embedder, text, reads, attributes)
    prompts = embedder.zero_shot.recognise(shots)
    assert [a.category for a in attributes[:2]] == [p.category for p in prompts]
    assert [a.colours for a in attributes[:2]] == [list(p.colours) for p in prompts]
    assert [a.pattern for a in attributes[:2]] == [a.pattern for a in net.recognize_many(shots)]
    assert attributes[2] is None
