"""Opening images: 16-bit and 32-bit greyscale are scaled to 8 bits, not clipped to white."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from index.images import open_image


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
