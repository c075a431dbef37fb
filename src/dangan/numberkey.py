"""The workspace's number key: the secret of the keyed terms that let a full phone, ID or card number find
its record although only the masked number is stored (:mod:`dangan.masking`).

Kept in ``.dangan/number.key`` (32 random bytes, mode 600), never in the index or the catalogue: the
index holds HMAC terms that cannot be turned back into numbers without it.  Made at first use.
Workspaces sharing one PostgreSQL archive must hold the same key file (copy it to each).
"""

from __future__ import annotations

import os
from pathlib import Path

KEY_NAME = "number.key"
KEY_BYTES = 32


def key_path(state_dir: Path) -> Path:
    return state_dir / KEY_NAME


def load_key(state_dir: Path) -> bytes:
    """The key in ``state_dir`` (made, readable by the owner only, if there is none)."""
    path = key_path(state_dir)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        state_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it meanwhile
            return path.read_bytes()
        try:
            data = os.urandom(KEY_BYTES)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    return data
