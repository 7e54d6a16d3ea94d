"""Try-on: the warp engine on a real photo, the diffusion engine's real code on a tiny pipeline, the cache."""

from __future__ import annotations

from pathlib import Path

import cv2
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
from tryon.worn import head_region

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


def _torso_region(found) -> np.ndarray:  # noqa: ANN001 (tryon.body.Pose)
    """Shoulders to hips (the pose's polygon) within the person's silhouette."""
    lm = found.landmarks
    polygon = np.round(lm[[11, 12, 24, 23], :2]).astype(np.int32)
    region = np.zeros(found.mask.shape, np.uint8)
    cv2.fillPoly(region, [polygon], 1)
    return region.astype(bool) & found.mask


@pytest.mark.parametrize("category", ["t-shirt", "shirt", "pullover"])
def test_a_top_covers_the_torso_and_nothing_of_the_head(person: Image.Image, category: str) -> None:
    found = pose(person)
    result = WarpEngine().try_on(person, shot(category), category)
    torso = _torso_region(found)
    assert (result.mask & torso).sum() >= 0.85 * torso.sum()
    assert not (result.mask & head_region(found)).any()
    around = ndimage.binary_dilation(found.mask, iterations=int(0.03 * found.mask.shape[0]))
    assert (result.mask & ~around).sum() <= 0.1 * result.mask.sum()  # spill outside the silhouette


def test_sleeves_follow_the_arms(person: Image.Image) -> None:
    found = pose(person)
    lm = found.landmarks
    result = WarpEngine().try_on(person, shot("pullover"), "pullover")
    for shoulder, elbow in ((11, 13), (12, 14)):
        upper_arm = ((lm[shoulder, :2] + lm[elbow, :2]) / 2).astype(int)
        assert result.mask[upper_arm[1], upper_arm[0]], (shoulder, upper_arm)


def test_a_size_the_chart_says_is_loose_is_drawn_wider(person: Image.Image) -> None:
    engine, garment = WarpEngine(), shot("t-shirt")
    fits = {ratio: engine.try_on(person, garment, "t-shirt", TryOnOptions("L", ("M", "L"), {"chest": ratio,
                                                                                           "waist": ratio}))
            for ratio in (0.9, 1.0, 1.2)}
    areas = {ratio: r.mask.sum() for ratio, r in fits.items()}
    assert areas[1.2] > 1.05 * areas[1.0]
    assert areas[0.9] >= 0.97 * areas[1.0]  # too small stretches over the body: never narrower than it
