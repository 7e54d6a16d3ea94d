"""Files a browser may fetch or send back: each belongs to the browser session it was made for.

The web server's uploads and the private pictures it hands out (a shopper's stripped photo, a
try-on) live in one folder of the data directory, `web-files/`, which is also Gradio's cache
(GRADIO_TEMP_DIR). The rules:

1. A file in the folder is readable over HTTP only by the browser session (a random cookie)
   that uploaded it or was given it. Everything else in the data directory is never served.
2. A path a browser sends as input is accepted only when that same session uploaded it and no
   turn has used it yet. The turn that reads an upload deletes it: the original of a photo
   (with its EXIF) never outlives the turn; the stripped copy lives in the photo store.
3. Nothing stays longer than `ttl_s`: each turn sweeps older files, a restart or a purge
   empties the folder.
"""

from __future__ import annotations

import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from shopagent.errors import ShopError

WEB_DIR = "web-files"
COOKIE = "shopagent_web"  # the browser session's id


class WebFileRefused(ShopError):
    """A browser named a file it did not upload (or one already used)."""

    code = "web_file_refused"


@dataclass
class _Entry:
    owners: set[str]  # Gradio names an upload by its content: two browsers sending the same bytes share it
    upload: bool
    created: float

    def owned_by(self, owner: str | None) -> bool:
        return bool(owner) and any(secrets.compare_digest(o, owner) for o in self.owners)


class WebFiles:
    def __init__(self, folder: Path, ttl_s: float, clock: Callable[[], float] = time.time) -> None:
        self.folder = Path(folder).resolve()
        self.ttl_s = ttl_s
        self.clock = clock
        self._files: dict[Path, _Entry] = {}
        self._lock = threading.Lock()

    @staticmethod
    def new_owner() -> str:
        """A browser session's secret id (the cookie's value)."""
        return secrets.token_urlsafe(24)

    def _inside(self, path: str | Path) -> Path | None:
        resolved = Path(path).resolve()
        return resolved if self.folder in resolved.parents else None

    def holds(self, path: str | Path) -> bool:
        """Whether the path lies in the web folder (where these rules apply)."""
        return self._inside(path) is not None

    def add_uploads(self, owner: str, paths: Iterable[str | Path]) -> None:
        """Files this session just uploaded."""
        now = self.clock()
        with self._lock:
            for path in paths:
                inside = self._inside(path)
                if inside is None:
                    continue
                entry = self._files.get(inside)
                if entry is not None and entry.upload:
                    entry.owners.add(owner)
                    entry.created = now
                else:
                    self._files[inside] = _Entry({owner}, True, now)

    def may_read(self, owner: str | None, path: str | Path) -> bool:
        inside = self._inside(path)
        with self._lock:
            entry = self._files.get(inside) if inside else None
        return entry is not None and entry.owned_by(owner) and self.clock() - entry.created < self.ttl_s

    def take_uploads(self, owner: str | None, paths: Iterable[str | Path]) -> list[Path]:
        """The session's own, unused uploads among paths; any other path is refused."""
        taken = []
        for path in paths:
            inside = self._inside(path)
            with self._lock:
                entry = self._files.get(inside) if inside else None
            if entry is None or not entry.upload or not entry.owned_by(owner):
                raise WebFileRefused("that file was not uploaded in this browser session; attach the photo again.")
            taken.append(inside)
        return taken

    def consume(self, owner: str, paths: Iterable[Path]) -> None:
        """Delete uploads a turn has read (with their folder, which Gradio made for them), unless another
        browser sent the same bytes and has not used its copy yet."""
        with self._lock:
            for path in paths:
                entry = self._files.get(path)
                if entry is not None:
                    entry.owners.discard(owner)
                    if entry.owners:
                        continue
                    del self._files[path]
                path.unlink(missing_ok=True)
                if path.parent != self.folder and not any(path.parent.iterdir()):
                    path.parent.rmdir()

    def publish(self, owner: str, source: Path, name: str = "image.jpg") -> Path:
        """A private copy of a file for one session, under an unguessable folder name."""
        target = self.folder / secrets.token_hex(16) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        with self._lock:
            self._files[target] = _Entry({owner}, False, self.clock())
        return target

    def sweep(self) -> int:
        """Delete what is older than ttl_s (known or not); returns how many files went."""
        with self._lock:
            cutoff = self.clock() - self.ttl_s
            for path in [p for p, e in self._files.items() if e.created < cutoff]:
                del self._files[path]
        return sweep_folder(self.folder, self.ttl_s)

    def clear(self) -> int:
        with self._lock:
            self._files.clear()
        return sweep_folder(self.folder, 0)


def sweep_folder(folder: Path, max_age_s: float) -> int:
    """Delete files in folder older than max_age_s (0: all), and the folders they leave empty."""
    if not folder.is_dir():
        return 0
    cutoff = time.time() - max_age_s
    gone = 0
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        try:
            if path.is_file() and (max_age_s == 0 or path.stat().st_mtime < cutoff):
                path.unlink()
                gone += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        except FileNotFoundError:
            continue
    return gone
