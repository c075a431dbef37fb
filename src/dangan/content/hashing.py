"""The one streaming SHA-256 of dangan: hash a file, or hash while copying it."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


def stream_sha256(source: BinaryIO, sink: BinaryIO | None = None) -> tuple[str, int]:
    """(hex digest, size) of everything read from ``source``; the bytes also go to ``sink`` if given."""
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink.write(chunk)
    return digest.hexdigest(), size


def sha256_file(path: Path) -> tuple[str, int]:
    """(hex digest, size) of a file, read in chunks."""
    with open(path, "rb") as fh:
        return stream_sha256(fh)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def copy_hashing(src: Path, target: Path) -> tuple[str, int]:
    """Copy ``src`` to ``target`` (fsynced); (digest, size) of the bytes copied."""
    with open(src, "rb") as inp, open(target, "wb") as out:
        result = stream_sha256(inp, out)
        out.flush()
        os.fsync(out.fileno())
    return result
