"""Opening images: 16-bit and 32-bit greyscale are scaled to 8 bits, not clipped to white."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from index.images import ImageError, open_image


def _gradient(top: int, dtype: type) -> np.ndarray:
    """A horizontal mid-grey gradient from 25% to 75% of `top`, 256 x 128."""
    row = np.linspace(0.25 * top, 0.75 * top, 256)
    return np.tile(np.rint(row).astype(dtype), (128, 1))


def test_16_bit_greyscale_png_keeps_its_brightness(tmp_path) -> None:  # noqa: ANN001
    Image.fromarray(_gradient(65535, np.uint16)).save(tmp_path / "grey16.png")
    assert Image.open(tmp_path / "grey16.png").mode == "I;16"
    image = open_image(tmp_path / "grey16.png")
    pixels = np.asarray(image, dtype=np.float64)
    assert image.mode == "RGB" and image.size == (256, 128)
    assert pixels.mean() == pytest.approx(127.5, abs=2)  # mid-grey, not almost white (254 before)
    assert pixels[:, 0].mean() == pytest.approx(64, abs=2) and pixels[:, -1].mean() == pytest.approx(191, abs=2)
    assert np.all(pixels[..., 0] == pixels[..., 1])  # still grey


@pytest.mark.parametrize("top", [4095, 65535, 1_000_000])
def test_32_bit_greyscale_is_scaled_by_its_range(top: int) -> None:
    data = io.BytesIO()
    Image.fromarray(_gradient(top, np.int32)).save(data, format="TIFF")
    image = open_image(data.getvalue())
    mean = np.asarray(image, dtype=np.float64).mean()
    assert 0.4 * 255 < mean < 0.8 * 255  # the brightest pixel is white, the rest in proportion


def test_8_bit_images_are_unchanged() -> None:
    data = io.BytesIO()
    Image.fromarray(_gradient(255, np.uint8)).save(data, format="PNG")
    assert np.asarray(open_image(data.getvalue()))[:, :, 0].tolist() == _gradient(255, np.uint8).tolist()
    data = io.BytesIO()
    Image.fromarray(_gradient(255, np.int32)).save(data, format="TIFF")  # "I" with 8-bit values
    assert np.asarray(open_image(data.getvalue())).mean() == pytest.approx(127.5, abs=1)


def _jpeg(size: tuple[int, int], **save: object) -> bytes:
    data = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(
        data, format="JPEG", **save)
    return data.getvalue()


def test_a_draft_decodes_a_big_jpeg_at_a_reduced_scale_never_below_the_side_asked() -> None:
    assert open_image(_jpeg((2048, 1536)), draft=256).size == (256, 192)  # 1/8 scale
    assert open_image(_jpeg((1000, 700)), draft=256).size == (500, 350)  # 1/2: 1/4 would be 250 < 256
    assert open_image(_jpeg((400, 300)), draft=256).size == (400, 300)  # under twice the side: decoded whole
    assert open_image(_jpeg((2048, 1536))).size == (2048, 1536)  # no draft, no reduction
    png = io.BytesIO()
    Image.new("RGB", (2048, 1536), "red").save(png, format="PNG")
    assert open_image(png.getvalue(), draft=256).size == (2048, 1536)  # only JPEG decoders can


def test_a_draft_keeps_the_orientation_and_the_size_checks() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees
    assert open_image(_jpeg((2048, 1024), exif=exif), draft=256).size == (128, 256)
    assert open_image(_jpeg((1000, 70)), draft=256).size == (500, 35)  # 70 px is enough: checked before the draft
    with pytest.raises(ImageError, match="at least 64 px"):
        open_image(_jpeg((1000, 60)), draft=256)
