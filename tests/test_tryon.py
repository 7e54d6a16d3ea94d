"""Try-on: the warp engine on a real photo, the diffusion engine's real code on a tiny pipeline, the cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import skimage
from PIL import Image
from scipy import ndimage
from skimage.color import deltaE_ciede2000, rgb2lab
from skimage.metrics import structural_similarity

from index.render import GarmentSpec, render_garment
from index.vocab import COLOURS
from shopagent.settings import Settings
from tiny_inpaint import build_tiny_inpaint
from tryon.body import pose
from tryon.engines import ModelMissing, TryOnError, TryOnOptions
from tryon.agnostic import agnostic_mask
from tryon.engines.diffusion import DiffusionEngine
from tryon.engines.warp import WarpEngine

ASTRONAUT = Path(skimage.__file__).parent / "data" / "astronaut.png"  # a real photo, cropped at the waist
TOPS = ("t-shirt", "shirt", "pullover", "hoodie", "jacket", "coat")


def shot(category: str, colour: str = "red", **attributes: str) -> Image.Image:
    return render_garment(GarmentSpec(category, COLOURS[colour], COLOURS["white"], "solid", attributes=attributes,
                                      seed=1))[0]


@pytest.fixture(scope="module")
def person() -> Image.Image:
    return Image.open(ASTRONAUT).convert("RGB")


@pytest.mark.parametrize("category", TOPS)
def test_warp_puts_each_top_on_a_real_photo(person: Image.Image, category: str) -> None:
    result = WarpEngine().try_on(person, shot(category), category, TryOnOptions("M", ("S", "M", "L")))
    before, after = np.asarray(person), np.asarray(result.image)
    assert after.shape == before.shape and result.engine == "warp" and 0.1 < result.mask.mean() < 0.6
    keep = ~ndimage.binary_dilation(result.mask, iterations=4)  # outside the garment and its feathered edge
    ssim = structural_similarity(before[..., 1] * keep, after[..., 1] * keep, data_range=255)
    assert ssim >= 0.98, ssim  # the photo outside the garment is untouched
    inside = rgb2lab(after[result.mask][None].astype(np.uint8))[0]
    wanted = rgb2lab(np.array([[COLOURS["red"]]], np.uint8))[0, 0]
    assert np.median(deltaE_ciede2000(inside, np.broadcast_to(wanted, inside.shape))) < 20  # still red, shaded


def test_a_larger_size_sits_looser(person: Image.Image) -> None:
    engine, garment, sizes = WarpEngine(), shot("t-shirt"), ("XS", "S", "M", "L", "XL")
    areas = [engine.try_on(person, garment, "t-shirt", TryOnOptions(size, sizes)).mask.sum() for size in ("S", "XL")]
    assert areas[1] > 1.1 * areas[0]
    with pytest.raises(TryOnError, match="no size XXL"):
        engine.try_on(person, garment, "t-shirt", TryOnOptions("XXL", sizes))


@pytest.mark.parametrize(("category", "needs"), [("jeans", "down to the knees"), ("dress", "down to the knees"),
                                                 ("skirt", "down to the knees")])
def test_the_photo_must_show_what_the_garment_covers(person: Image.Image, category: str, needs: str) -> None:
    with pytest.raises(TryOnError, match=needs):
        WarpEngine().try_on(person, shot(category), category)


def test_bad_inputs(person: Image.Image) -> None:
    engine = WarpEngine()
    with pytest.raises(TryOnError, match="could not find a person"):
        engine.try_on(shot("coat", "navy"), shot("t-shirt"), "t-shirt")
    busy = Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 240, 3), dtype=np.uint8))
    with pytest.raises(TryOnError, match="plain background"):
        engine.try_on(person, busy, "t-shirt")
    with pytest.raises(TryOnError, match="cannot be tried on"):
        engine.try_on(person, shot("sneaker"), "sneaker")


@pytest.fixture(scope="module")
def tiny_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_inpaint(tmp_path_factory.mktemp("tiny-inpaint"))


def test_diffusion_engine_runs_its_real_code(person: Image.Image, tiny_pipeline: Path) -> None:
    settings = Settings(tryon_base_model=str(tiny_pipeline), tryon_attn_weights="", tryon_steps=2, tryon_height=64,
                        tryon_width=48, device="cpu")
    engine = DiffusionEngine.from_settings(settings)
    result = engine.try_on(person, shot("t-shirt"), "t-shirt")
    before, after = np.asarray(person), np.asarray(result.image)
    assert after.shape == before.shape and result.engine == "diffusion" and result.mask.any()
    assert (after[~result.mask] == before[~result.mask]).all()  # only the masked region is repainted
    again = engine.try_on(person, shot("t-shirt"), "t-shirt")
    assert (np.asarray(again.image) == after).all()  # the seed makes it repeatable


def test_noncommercial_weights_need_the_flag(tiny_pipeline: Path) -> None:
    settings = Settings(tryon_base_model=str(tiny_pipeline), tryon_attn_weights="zhengchong/CatVTON", device="cpu")
    with pytest.raises(TryOnError, match="non-commercial"):
        DiffusionEngine.from_settings(settings)
    with pytest.raises(ModelMissing, match="not on this machine"):
        DiffusionEngine.from_settings(Settings(tryon_base_model="/nowhere/sd-inpainting", device="cpu"))


def test_agnostic_mask_covers_the_torso_not_the_head(person: Image.Image) -> None:
    found = pose(person)
    mask = agnostic_mask(found, "top")
    lm = found.landmarks
    nose = lm[0, :2].astype(int)
    chest = ((lm[11, :2] + lm[12, :2]) / 2 + [0, 30]).astype(int)
    assert not mask[nose[1], nose[0]] and mask[chest[1], chest[0]]


def test_the_spline_pass_widens_a_garment_narrower_than_the_body() -> None:
    from tryon.engines.warp import fit_to_body
    from tryon.garment import Garment

    h, w = 500, 400
    warped = np.zeros((h, w, 4), np.uint8)
    warped[100:400, 150:250] = (200, 0, 0, 255)  # a garment 100 px wide
    person = np.zeros((h, w), bool)
    person[80:480, 90:310] = True  # a body 220 px wide under it
    marks = {"left_shoulder": (150, 100), "right_shoulder": (249, 100), "left_waist": (150, 280),
             "right_waist": (249, 280), "left_hem": (150, 399), "right_hem": (249, 399)}
    lm = np.zeros((33, 4))
    lm[23], lm[24] = (300, 400, 0, 1), (100, 400, 0, 1)  # hip joints 200 px apart
    out = fit_to_body(warped, Garment(warped, "t-shirt", "top", marks), np.eye(3), person, 1.0, lm)
    widths = {y: int((out[y, :, 3] > 127).sum()) for y in (280, 390)}
    assert all(v > 200 for v in widths.values()), widths
    assert out[110, :, 3].sum() < 1.3 * warped[110, :, 3].sum()  # the shoulders stay where they were
