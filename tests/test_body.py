"""Body features: the real-photo path (scikit-image's astronaut), bad photos, and the measurement model."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from skimage import data
from typer.testing import CliRunner

from index.images import ImageError, open_image
from shopagent.cli import app
from tryon.body import BodyFeatures, PhotoError, analyze, ellipse_perimeter, width_from_circumference

runner = CliRunner()


def test_real_photo_cropped_above_the_hips_is_refused_with_advice() -> None:
    with pytest.raises(PhotoError, match="cropped above the hips.*head to feet is best"):
        analyze(Image.fromarray(data.astronaut()))


@pytest.mark.parametrize("angle", [90, -90, 180])
def test_a_photo_on_its_side_or_upside_down_is_refused_not_measured(angle: int) -> None:
    from tryon.body import pose

    rotated = Image.fromarray(data.astronaut()).rotate(angle, expand=True)
    pose(rotated)  # MediaPipe finds the person even so: the orientation check is what refuses it
    with pytest.raises(PhotoError, match="on its side \\(or upside down\\): rotate it"):
        analyze(rotated)


def test_upright_rule() -> None:
    from tryon.body import _check_upright

    upright = _landmarks(550, 850)
    _check_upright(upright)
    sideways = upright[:, [1, 0, 2, 3]]  # x and y swapped: the torso runs across the frame
    upside_down = upright.copy()
    upside_down[:, 1] = 1000 - upside_down[:, 1]
    for lm in (sideways, upside_down):
        with pytest.raises(PhotoError, match="on its side"):
            _check_upright(lm)


def test_no_person() -> None:
    with pytest.raises(PhotoError, match="could not find a person"):
        analyze(Image.new("RGB", (600, 800), (200, 190, 180)))


def test_several_people() -> None:
    one = Image.fromarray(data.astronaut())
    two = Image.new("RGB", (1024, 512))
    two.paste(one, (0, 0))
    two.paste(one, (512, 0))
    with pytest.raises(PhotoError, match="several people|faces"):
        analyze(two)


def test_files_that_are_not_usable_images(tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "note.jpg").write_text("not an image")
    with pytest.raises(ImageError, match="not an image"):
        open_image(tmp_path / "note.jpg")
    Image.new("RGB", (40, 40)).save(tmp_path / "tiny.png")
    with pytest.raises(ImageError, match="at least 64"):
        open_image(tmp_path / "tiny.png")


def test_the_measurement_model_round_trips() -> None:
    assert ellipse_perimeter(30, 30) == pytest.approx(np.pi * 30)
    width = width_from_circumference(92.0, 0.72)
    assert ellipse_perimeter(width, 0.72 * width) == pytest.approx(92.0)
    cm_per_px = 170 / 1000
    widths = {"chest": width_from_circumference(96, 0.72) / cm_per_px,
              "waist": width_from_circumference(80, 0.78) / cm_per_px,
              "hip": width_from_circumference(100, 0.76) / cm_per_px}
    features = BodyFeatures(np.zeros((33, 4)), np.zeros((2, 2), bool), (800, 1000), "full body", True, True,
                            widths, 1000.0, {})
    estimate = features.estimate(170)
    assert estimate["chest"].value == pytest.approx(96, abs=0.1) and estimate["chest"].sd == pytest.approx(4.8)
    assert estimate["waist"].value == pytest.approx(80, abs=0.1) and estimate["hip"].source == "photo"
    with pytest.raises(ValueError, match="not an adult"):
        features.estimate(17)


def test_cli_body_refuses_clearly(tmp_path) -> None:  # noqa: ANN001
    Image.fromarray(data.astronaut()).save(tmp_path / "astronaut.png")
    result = runner.invoke(app, ["body", str(tmp_path / "astronaut.png"), "--height", "165"], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "cropped above the hips" in result.output and "Traceback" not in result.output


def _landmarks(left_shoulder_x: float, knee_y: float) -> np.ndarray:
    """A standing (or seated) skeleton in pixels: shoulders at y=300, hips at y=600."""
    from tryon.body import L_HIP, L_KNEE, L_SHOULDER, R_HIP, R_KNEE, R_SHOULDER

    lm = np.zeros((33, 4))
    lm[:, 3] = 1.0
    lm[L_SHOULDER, :2], lm[R_SHOULDER, :2] = (left_shoulder_x, 300), (800 - left_shoulder_x, 300)
    lm[L_HIP, :2], lm[R_HIP, :2] = (470, 600), (330, 600)
    lm[L_KNEE, :2], lm[R_KNEE, :2] = (460, knee_y), (340, knee_y)
    return lm


def test_back_view_and_side_view_rules() -> None:
    from tryon.body import _check_view

    assert _check_view(_landmarks(550, 850), n_faces=1) is True
    with pytest.raises(PhotoError, match="from the back"):
        _check_view(_landmarks(250, 850), n_faces=0)  # left shoulder on the image's left, no face
    with pytest.raises(PhotoError, match="turned to the side"):
        _check_view(_landmarks(450, 850), n_faces=1)  # shoulders 100 px apart over a 300 px torso


def test_seated_rule() -> None:
    from tryon.body import _check_standing

    _check_standing(_landmarks(550, 850))
    with pytest.raises(PhotoError, match="sitting"):
        _check_standing(_landmarks(550, 640))  # knees about as high as the hips
