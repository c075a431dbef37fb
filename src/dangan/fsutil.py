"""Write-then-publish file helpers and safe file names.

Every file dangan produces is written to a temporary name in the target
folder, fsynced, then renamed into place, so a crash never leaves a
half-written file under its real name.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

TMP_PREFIX = ".dangan-tmp-"

_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]+')


def safe_filename(name: str, *, max_len: int = 120) -> str:
    """A file-name component from user text: no separators, no ``..``.

    ``../../x`` becomes ``x``; an empty result becomes ``_``.
    """
    cleaned = _UNSAFE.sub("_", name).strip(" ._")
    cleaned = re.sub(r"_+", "_", cleaned)
    cleaned = cleaned.replace("..", "_")
    return (cleaned[:max_len].strip(" ._")) or "_"


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_writer(target: Path) -> Iterator[BinaryIO]:
    """Yield a binary file; on success it is fsynced and renamed to ``target``.

    On any exception the temporary file is removed and ``target`` is untouched.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=target.suffix, dir=target.parent)
    tmp_path = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
        fsync_dir(target.parent)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def atomic_write_bytes(target: Path, data: bytes) -> None:
    with atomic_writer(target) as fh:
        fh.write(data)


def atomic_copy(src: Path, target: Path) -> None:
    with atomic_writer(target) as out, src.open("rb") as inp:
        shutil.copyfileobj(inp, out, 1024 * 1024)


def unique_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/stem-2.ext`` … if taken."""
    candidate = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{n}{suffix}"
        n += 1
    return candidate
