"""The server's signing key: the setting when given, else a random key kept beside the data.

Cookies and short-lived links are signed with it; losing it only signs everyone out.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from shopagent.settings import Settings

KEY_FILE = "secret.key"


def secret_key(settings: Settings) -> bytes:
    given = settings.secret_key.get_secret_value()
    if given:
        return given.encode()
    path = Path(settings.data_dir) / KEY_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
