"""Worn garments: regions on a real photo (scikit-image's astronaut, cut at the waist), product shots that
show no one, and the body/colour rules on a drawn person whose every landmark is known."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from skimage import data

from tryon.body import L_HIP, L_SHOULDER, NOSE, R_HIP, R_SHOULDER, WORK_SIDE, Pose
from tryon.worn import PARTS, is_person_photo, worn_region, worn_regions

MOUTH = (9, 10)


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    return Image.fromarray(data.astronaut())


@pytest.fixture(scope="module")
def found(astronaut: Image.Image) -> Pose:
    pose = is_person_photo(astronaut)
    assert pose is not None and pose.size == astronaut.size  # 512 px: analysed at its own size
    return pose


def test_the_top_on_a_real_photo_is_the_suit_below_the_face(astronaut: Image.Image, found: Pose) -> None:
    top = worn_region(astronaut, "top", found)
    assert top is not None and top.mask.shape == (512, 512) and top.mask.dtype == bool
    lm = found.landmarks
    shoulders = min(lm[L_SHOULDER, 1], lm[R_SHOULDER, 1])
    torso = (lm[L_HIP, 1] + lm[R_HIP, 1]) / 2 - (lm[L_SHOULDER, 1] + lm[R_SHOULDER, 1]) / 2
    rows = np.nonzero(top.mask.any(axis=1))[0]
    assert rows.min() >= shoulders - 0.1 * torso  # nothing of the head
    for i in (NOSE, *MOUTH):
        x, y = lm[i, :2].astype(int)
        assert not top.mask[max(0, y - 10):y + 10, max(0, x - 10):x + 10].any()
    assert (top.mask & found.mask).sum() >= 0.99 * top.mask.sum()  # the person, not the flag or the shuttle
    # the suit between the shoulders, from the collar down to the frame's edge (hips out of the frame)
    left, right = sorted((int(lm[L_SHOULDER, 0]), int(lm[R_SHOULDER, 0])))
    torso_px = found.mask[int(shoulders):, left:right]
    assert top.mask[int(shoulders):, left:right][torso_px].mean() > 0.9
    assert 0.2 < top.share < 0.6
    x0, y0, x1, y1 = top.box
    assert top.mask[y0:y1, x0:x1].sum() == top.mask.sum() and top.mask[y0, x0:x1].any() and top.mask[y1 - 1].any()


def test_a_waist_up_photo_has_no_bottoms_nor_shoes(astronaut: Image.Image, found: Pose) -> None:
    bottom = worn_region(astronaut, "bottom", found)
    assert bottom is None or bottom.share < 0.05
    assert worn_region(astronaut, "shoes", found) is None
    assert worn_region(astronaut, "dress", found) is None  # a dress needs the hips seen
    assert set(worn_regions(astronaut, found)) == {"top"}


def test_masks_come_back_at_the_photos_size(astronaut: Image.Image, found: Pose) -> None:
    big = astronaut.resize((1200, 1200), Image.Resampling.BICUBIC)
    assert max(big.size) > WORK_SIDE
    top = worn_region(big, "top")  # its own pose, found at the analysed size (WORK_SIDE)
    assert top is not None and top.mask.shape == (1200, 1200)
    small = worn_region(astronaut, "top", found)
    assert top.share == pytest.approx(small.share, abs=0.02)
    assert np.allclose(np.array(top.box) * 512 / 1200, small.box, atol=8)


def test_product_shots_and_upside_down_skeletons_are_not_people(astronaut: Image.Image) -> None:
    shot = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(shot).rectangle((150, 200, 450, 650), fill=(30, 60, 160))
    assert is_person_photo(shot) is None
    assert worn_regions(shot) == {} and worn_region(shot, "top") is None
    # MediaPipe still finds the astronaut upside down (tests/test_body.py); so it reads a skeleton into a
    # face printed on a t-shirt. Such a pose is not a person wearing something.
    assert is_person_photo(astronaut.rotate(180)) is None


def test_unknown_part() -> None:
    with pytest.raises(ValueError, match="top, bottom, dress, shoes, outerwear"):
        worn_region(Image.new("RGB", (64, 64)), "hat", None)
    assert PARTS == ("top", "bottom", "dress", "shoes", "outerwear")


# ---------------------------------------------------------------- a drawn person, landmarks known

W, H = 400, 800
SHOULDER_Y, HIP_Y, ANKLE_Y = 160, 400, 700


def drawn(top: tuple, bottom: tuple, waist: int, nose_y: int = 80) -> tuple[Image.Image, Pose]:
    """A standing figure on white: a block body from the neck to the feet, coloured `top` above row
    `waist` and `bottom` below it, a head above (or bowed onto the chest, nose at `nose_y`); the pose
    that MediaPipe would give it."""
    bow = nose_y - 80
    lm = np.zeros((33, 4))
    lm[:, 3] = 1.0
    points = {0: (200, 80 + bow), 7: (225, 75 + bow), 8: (175, 75 + bow), 9: (210, 100 + bow), 10: (190, 100 + bow),
              11: (250, SHOULDER_Y), 12: (150, SHOULDER_Y), 13: (265, 280), 14: (135, 280),
              23: (225, HIP_Y), 24: (175, HIP_Y), 25: (225, 550), 26: (175, 550),
              27: (225, ANKLE_Y), 28: (175, ANKLE_Y), 29: (222, 715), 30: (178, 715), 31: (232, 740), 32: (168, 740)}
    for i, xy in points.items():
        lm[i, :2] = xy
    lm[[15, 16, 17, 18, 19, 20, 21, 22], 3] = 0.1  # hands hidden
    image = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((140, 140, 260, waist - 1), fill=top)
    draw.rectangle((140, waist, 260, 750), fill=bottom)
    draw.ellipse((165, 20 + bow, 235, 115 + bow), fill=(200, 160, 130))  # the chin 35 px below the nose
    mask = np.asarray(image.convert("L")) < 250
    return image, Pose(lm, mask, (W, H), 1)


def test_the_top_ends_where_the_bottoms_colour_begins() -> None:
    image, found = drawn((230, 230, 230), (40, 60, 140), waist=330)  # a short white top, high-waisted jeans
    top, bottom = worn_region(image, "top", found), worn_region(image, "bottom", found)
    assert top.box[3] == 330 and bottom.box[1] == 330
    assert not (top.mask & bottom.mask).any()
    assert top.box[1] >= SHOULDER_Y - 0.1 * (HIP_Y - SHOULDER_Y)  # the head stays out
    assert bottom.box[3] <= 750 and bottom.box[3] > ANKLE_Y


def test_a_bare_midriff_belongs_to_neither() -> None:
    image, found = drawn((230, 230, 230), (40, 60, 140), waist=300)  # a crop top
    ImageDraw.Draw(image).rectangle((140, 300, 260, 339), fill=(200, 160, 130))  # skin, then the jeans at 340
    top, bottom = worn_region(image, "top", found), worn_region(image, "bottom", found)
    assert top.box[3] == 300 and bottom.box[1] == 340


def test_a_logo_on_the_chest_is_not_a_hem() -> None:
    image, found = drawn((240, 240, 240), (40, 60, 140), waist=420)  # a long white tee over the jeans
    ImageDraw.Draw(image).rectangle((150, 240, 250, 300), fill=(10, 10, 10))  # a black print on the chest
    top, bottom = worn_region(image, "top", found), worn_region(image, "bottom", found)
    assert top.box[3] == 420 and bottom.box[1] == 420


def test_sleeves_go_down_to_the_wrists() -> None:
    image, found = drawn((230, 230, 230), (40, 60, 140), waist=300)
    draw = ImageDraw.Draw(image)
    for shoulder, elbow, wrist, knuckles in ((11, 13, 15, (17, 19, 21)), (12, 14, 16, (18, 20, 22))):
        x = found.landmarks[elbow, 0] + (20 if found.landmarks[elbow, 0] > 200 else -20)
        found.landmarks[wrist] = (x, 420, 0, 1.0)
        found.landmarks[list(knuckles)] = (x, 450, 0, 1.0)
        points = [tuple(found.landmarks[i, :2]) for i in (shoulder, elbow, wrist)]
        draw.line(points, fill=(230, 230, 230), width=16)
    found.mask = np.asarray(image.convert("L")) < 250
    top = worn_region(image, "top", found)
    right_arm = top.mask[300:400, 262:]  # below the hem, outside the body
    assert top.box[3] > 300 and right_arm.sum() > 0.8 * found.mask[300:400, 262:].sum() > 0
    bottom = worn_region(image, "bottom", found)
    assert not bottom.mask[:, 262:].any() and not bottom.mask[:, :138].any()  # arms are not the trousers


def test_one_colour_from_neck_to_hem_keeps_the_bodys_lines() -> None:
    image, found = drawn((150, 30, 40), (150, 30, 40), waist=330)  # a dress: no colour split
    top, dress = worn_region(image, "top", found), worn_region(image, "dress", found)
    assert HIP_Y <= top.box[3] <= HIP_Y + 0.1 * (HIP_Y - SHOULDER_Y)
    assert dress.box[3] > ANKLE_Y and dress.share > top.share
    shoes = worn_region(image, "shoes", found)
    assert shoes is not None and shoes.box[1] >= ANKLE_Y - 0.2 * (HIP_Y - SHOULDER_Y)


def test_a_bowed_head_stays_out_of_the_top() -> None:
    image, found = drawn((230, 230, 230), (40, 60, 140), waist=330, nose_y=150)  # the chin below the collar line
    top = worn_region(image, "top", found)
    face = np.asarray(image)[..., 0] == 200
    assert top is not None and face[140:].any() and not (top.mask & face).any()


def test_hands_over_the_trousers_are_left_out() -> None:
    image, found = drawn((230, 230, 230), (40, 60, 140), waist=330)
    for wrist, knuckles, x in ((15, (17, 19, 21), 250), (16, (18, 20, 22), 150)):
        found.landmarks[wrist] = (x, 420, 0, 1.0)
        found.landmarks[list(knuckles)] = (x, 455, 0, 1.0)
        ImageDraw.Draw(image).ellipse((x - 15, 440, x + 15, 500), fill=(200, 160, 130))
    bottom = worn_region(image, "bottom", found)
    hands = np.asarray(image)[..., 0] == 200
    assert hands[400:].any() and bottom is not None and not (bottom.mask & hands).any()


def test_what_is_not_seen_gives_no_region() -> None:
    image, found = drawn((230, 230, 230), (40, 60, 140), waist=330)
    found.landmarks[[23, 24], 3] = 0.2  # hips hidden
    assert worn_region(image, "bottom", found) is None and worn_region(image, "dress", found) is None
    found.landmarks[[31, 32], 1] = H + 40  # toes below the frame
    assert worn_region(image, "shoes", found) is None
    found.landmarks[[11, 12], 3] = 0.1
    assert worn_region(image, "top", found) is None and worn_region(image, "outerwear", found) is None


def test_long_hair_over_the_shoulders_is_found_and_a_dark_top_is_not() -> None:
    from tryon.worn import hair_region

    image, found = drawn((20, 20, 20), (40, 60, 140), waist=400)  # a black top
    draw = ImageDraw.Draw(image)
    draw.ellipse((160, 12, 240, 60), fill=(90, 55, 30))  # brown hair on the crown...
    draw.rectangle((150, 40, 172, 230), fill=(90, 55, 30))  # ...falling over the shoulder, in front of the top
    draw.ellipse((165, 40, 235, 115), fill=(200, 160, 130))  # the face over it
    found.mask = np.asarray(image.convert("L")) < 250
    hair = hair_region(found, image)
    assert hair[200, 160] and hair[150, 165]  # the lock over the shoulder
    assert not hair[250:, :].any() and not hair[200, 200]  # nothing of the black top: another colour
    bald, pose_bald = drawn((20, 20, 20), (40, 60, 140), waist=400)
    assert not hair_region(pose_bald, bald).any()  # no hair above the face: none in front


def _with_arms(sleeve: tuple | None, cuff: str) -> tuple[Image.Image, Pose]:
    """The drawn figure with arms hanging beside it, bare (skin) except for a sleeve to the elbow or the wrist."""
    image, found = drawn((40, 60, 140), (20, 20, 20), waist=400)
    lm = found.landmarks
    lm[[15, 16], :2] = [[280, 390], [120, 390]]
    lm[[15, 16], 3] = 1.0
    draw = ImageDraw.Draw(image)
    skin = (200, 160, 130)
    for shoulder, elbow, wrist in ((11, 13, 15), (12, 14, 16)):
        points = [tuple(lm[i, :2]) for i in (shoulder, elbow, wrist)]
        draw.line(points, fill=skin, width=26)
        if sleeve is not None:
            draw.line(points[:2] if cuff == "elbow" else points, fill=sleeve, width=30)
    found.mask = np.asarray(image.convert("L")) < 250
    return image, found


def test_sleeves_are_read_off_bare_skin_on_the_arms() -> None:
    from tryon.worn import sleeve_length

    assert sleeve_length(*reversed(_with_arms(None, ""))) == "none"
    assert sleeve_length(*reversed(_with_arms((40, 60, 140), "elbow"))) == "short"
    assert sleeve_length(*reversed(_with_arms((40, 60, 140), "wrist"))) == "long"
    image, found = drawn((40, 60, 140), (20, 20, 20), waist=400)
    assert sleeve_length(found, image) is None  # the wrists are not seen
