"""Opening images from outside (catalog files, shoppers) without trusting them."""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from shopagent.errors import ShopError

MAX_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 7700 x 5200; a decompression bomb is refused before it is decoded
MIN_SIDE = 64
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")


class ImageError(ShopError):
    """An image we will not use, with the reason a person can act on."""

    code = "bad_image"


def open_image(source: str | Path | bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS,
               min_side: int = MIN_SIDE, draft: int | None = None) -> Image.Image:
    """Decode an image fully, upright (EXIF orientation applied, metadata dropped), as RGB.

    draft: the longest side the caller will use. A JPEG is then decoded at 1/2, 1/4 or 1/8 scale where
    its longest side stays at least that (the decoder skips the detail, several times faster on big photos).
    """
    name = "image" if isinstance(source, bytes) else str(source)
    data = source if isinstance(source, bytes) else _read(Path(source), max_bytes)
    if len(data) > max_bytes:
        raise ImageError(f"{name} is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in FORMATS:
                raise ImageError(f"{name} is {probe.format}; use one of {', '.join(FORMATS)}.")
            width, height = probe.size
            if width * height > max_pixels:
                raise ImageError(f"{name} is {width}x{height} pixels; the limit is {max_pixels / 1e6:.0f} megapixels.")
            probe.verify()
            image = Image.open(io.BytesIO(data))
            if min(width, height) < min_side:
                raise ImageError(f"{name} is {width}x{height} pixels; it needs at least {min_side} px a side.")
            if draft and image.format == "JPEG" and max(width, height) > 2 * draft:
                scale = draft / max(width, height)
                image.draft(image.mode, (math.ceil(width * scale), math.ceil(height * scale)))
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(f"{name} is not an image we can read ({type(exc).__name__}); use a JPEG or PNG file.") from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError(f"{name} is damaged or truncated ({exc}); export it again as JPEG or PNG.") from None
    image = ImageOps.exif_transpose(image)
    return _to_8bit(image).convert("RGB")


def _to_8bit(image: Image.Image) -> Image.Image:
    """16-bit and 32-bit greyscale scaled to 8 bits (converting them to RGB directly clips at 255)."""
    if not image.mode.startswith(("I", "F")):
        return image
    values = np.nan_to_num(np.asarray(image, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if image.mode.startswith("I;16"):
        top = 65535.0
    else:  # "I" (32-bit integer) or "F" (float): by the image's own range
        top = float(values.max())
        if image.mode == "F" and 0 < top <= 1.0:
            top = 1.0
        elif top <= 255:
            top = 255.0
    scaled = values * (255.0 / top)
    return Image.fromarray(np.clip(np.rint(scaled), 0, 255).astype(np.uint8))


def _read(path: Path, max_bytes: int) -> bytes:
    if not path.is_file():
        raise ImageError(f"{path} does not exist.")
    size = path.stat().st_size
    if size > max_bytes:
        raise ImageError(f"{path} is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB.")
    return path.read_bytes()
