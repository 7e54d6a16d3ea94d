"""Shoppers' photos are personal data: stored stripped, kept for the retention period, then gone.

- Stored re-encoded from pixels (orientation applied first), so no EXIF survives: no GPS, no
  camera serial, no original timestamp. The file is named by its content hash, in
  `data_dir/photos/`, and nowhere else.
- Each photo has a row with its expiry (`photo_retention_days` after upload). `purge()`
  deletes expired photos (and files no row knows); `forget_customer()` deletes everything a
  customer uploaded, on request. With a retention of 0 days nothing is kept: the caller uses
  the image in memory and `save` stores nothing.
- Paths and pixels are never logged; callers refer to a photo by its id. A photo id is 32
  lowercase hex digits; `path_of(id)` is its file and `results_of(id)` its try-on folder, and
  both refuse anything else, so an id from outside can never name a path.
- Try-on results made from a photo live in `data_dir/tryon-cache/<photo id>/` and are deleted
  with the photo.
- A photo's id hashes its owner with its pixels, so each owner has a copy of their own and
  `forget_customer()` finds theirs even when a guest sent the same picture before.
- The web server's short-lived copies (`data_dir/web-files/`, index/webfiles.py) are swept by
  `purge()` when older than `web_file_minutes` and emptied by `forget_customer()`.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import Image
from sqlalchemy import delete, select

from index import models as m
from index.images import MAX_BYTES, MAX_PIXELS, open_image
from index.webfiles import WEB_DIR, sweep_folder
from index.store import Store
from shopagent.settings import Settings

PHOTO_DIR = "photos"
TRYON_CACHE_DIR = "tryon-cache"  # try-on results, one folder per photo id: they go when the photo goes
ID_LENGTH = 32  # hex digits of the sha256 of (owner, pixels) that name a photo
PHOTO_ID = re.compile(f"[0-9a-f]{{{ID_LENGTH}}}")


@dataclass
class StoredPhoto:
    id: str
    image: Image.Image
    kept_until: datetime | None  # None: not kept (retention 0)


class PhotoStore:
    def __init__(self, store: Store, data_dir: Path, retention_days: int, max_bytes: int = MAX_BYTES,
                 max_pixels: int = MAX_PIXELS, web_file_minutes: float = 15.0) -> None:
        self.store = store
        self.folder = data_dir / PHOTO_DIR
        self.data_dir = data_dir
        self.retention_days = retention_days
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.web_file_s = web_file_minutes * 60

    @classmethod
    def from_settings(cls, store: Store, settings: Settings) -> PhotoStore:
        return cls(store, settings.data_dir, settings.photo_retention_days,
                   max_bytes=int(settings.upload_max_mb * 1024 * 1024),
                   max_pixels=int(settings.upload_max_megapixels * 1_000_000),
                   web_file_minutes=settings.web_file_minutes)

    def path_of(self, photo_id: str) -> Path:
        """The stored file of a photo (which may not exist: not kept, or gone); ValueError for a non-id."""
        return self.folder / f"{check_id(photo_id)}.jpg"

    def results_of(self, photo_id: str) -> Path:
        """The folder of a photo's try-on results; ValueError for a non-id."""
        return self.data_dir / TRYON_CACHE_DIR / check_id(photo_id)

    def save(self, source: str | Path | bytes, customer_id: int | None = None,
             now: datetime | None = None) -> StoredPhoto:
        """Decode (checked against the upload limits, upright), strip, and keep for the retention period."""
        image = open_image(source, max_bytes=self.max_bytes, max_pixels=self.max_pixels)
        clean = io.BytesIO()
        image.save(clean, format="JPEG", quality=92)  # pixels only: no EXIF, ICC or comments are written
        data = clean.getvalue()
        # One copy per owner: a guest's earlier upload of the same picture never hides a customer's from purge.
        photo_id = hashlib.sha256(f"{customer_id or 'guest'}:".encode() + data).hexdigest()[:ID_LENGTH]
        if self.retention_days == 0:
            return StoredPhoto(photo_id, image, None)
        now = now or datetime.now(timezone.utc)
        expires = now + timedelta(days=self.retention_days)
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path_of(photo_id)
        path.write_bytes(data)
        with self.store.session() as s:
            row = s.get(m.PhotoUpload, photo_id)
            if row is None:
                s.add(m.PhotoUpload(id=photo_id, customer_id=customer_id, path=f"{PHOTO_DIR}/{path.name}",
                                    created_at=now, expires_at=expires))
            else:
                row.expires_at = max(m.aware(row.expires_at), expires)
        return StoredPhoto(photo_id, Image.open(io.BytesIO(data)), expires)

    def purge(self, now: datetime | None = None) -> int:
        """Delete expired photos and stray files; returns how many files went."""
        now = now or datetime.now(timezone.utc)
        with self.store.session() as s:
            expired = s.scalars(select(m.PhotoUpload).where(m.PhotoUpload.expires_at <= now)).all()
            gone = self._delete(s, expired)
            known = {Path(p).name for p in s.scalars(select(m.PhotoUpload.path))}
        for stray in self.folder.glob("*") if self.folder.is_dir() else []:
            if stray.name not in known:
                stray.unlink(missing_ok=True)
                gone += 1
        cache = self.data_dir / TRYON_CACHE_DIR
        for results in cache.iterdir() if cache.is_dir() else []:
            if f"{results.name}.jpg" not in known:
                shutil.rmtree(results, ignore_errors=True)
                gone += 1
        return gone + sweep_folder(self.data_dir / WEB_DIR, self.web_file_s)

    def forget_customer(self, customer_id: int) -> int:
        """Delete every photo a customer uploaded (their request, or their account's deletion), and empty
        the web server's short-lived files, where copies handed to their browser may still lie."""
        with self.store.session() as s:
            rows = s.scalars(select(m.PhotoUpload).where(m.PhotoUpload.customer_id == customer_id)).all()
            gone = self._delete(s, rows)
        sweep_folder(self.data_dir / WEB_DIR, 0)
        return gone

    def _delete(self, s, rows: list[m.PhotoUpload]) -> int:  # noqa: ANN001
        for row in rows:
            (self.data_dir / row.path).unlink(missing_ok=True)
            shutil.rmtree(self.data_dir / TRYON_CACHE_DIR / row.id, ignore_errors=True)
        if rows:
            s.execute(delete(m.PhotoUpload).where(m.PhotoUpload.id.in_([r.id for r in rows])))
        return len(rows)


def check_id(photo_id: str) -> str:
    """photo_id itself when it is a photo id (32 lowercase hex digits), else a ValueError saying so."""
    if not isinstance(photo_id, str) or not PHOTO_ID.fullmatch(photo_id):
        raise ValueError(f"{str(photo_id)[:40]!r} is not a photo id; a photo id is the {ID_LENGTH} hex digits "
                         "the photo store gave when the photo was saved.")
    return photo_id
