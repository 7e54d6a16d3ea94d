"""The photos of people the benchmarks and scripted dialogues use when none are given."""

from __future__ import annotations

from pathlib import Path

from shopagent.errors import ShopError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")


class NoPhotos(ShopError):
    """A folder given for photos of people holds none."""

    code = "no_photos"


def sample_person_photo() -> Path:
    """scikit-image's astronaut: one person facing the camera, waist up (a full-body rule refuses it)."""
    import skimage

    return Path(skimage.__file__).parent / "data" / "astronaut.png"


def person_photos(folder: Path | None = None) -> list[Path]:
    """The image files in folder, those with "person" in the name when there are any; without a
    folder, the sample photo. NoPhotos when the folder holds no images."""
    if folder is None:
        return [sample_person_photo()]
    images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES) if folder.is_dir() else []
    if not images:
        raise NoPhotos(f"no photos in {folder}: give a folder of {', '.join(IMAGE_SUFFIXES)} files.")
    return [p for p in images if "person" in p.name] or images
