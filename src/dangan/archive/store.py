"""The file store under ``archive/``: layout, publish, temporary area, orphans.

Layout (derived from metadata, never from user file names)::

    archive/catalog.sqlite
    archive/files/<year>/<period>/<category>/<archival code><suffix>
                                             <code>-att-<n><suffix>     attachments (e.g. the DOCX)
                                             <code>-signed-<n><suffix>  scans of the signed copy
    archive/tmp/        temporary copies and filing journals, named <host>~<pid>~<random>; emptied by
                        reconcile when one is stale (its process on this host is gone, or it is old)
    archive/orphans/    files found without a catalogue row, moved aside by reconcile

Files are written to ``tmp/``, fsynced, hash-checked and renamed into place
while the catalogue's write lock is held; the row is committed afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from dangan.clock import SYSTEM, Clock
from dangan.content.hashing import copy_hashing
from dangan.errors import ArchiveError
from dangan.fsutil import fsync_dir

CATALOG_NAME = "catalog.sqlite"
SPOOL = "spool"  # files waiting in the intake queue: spool/<job key>/<original name>
#: A temporary file older than this is stale whoever wrote it (no filing transaction lasts this long).
STALE_AFTER_SECONDS = 6 * 3600
HOST = re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname()) or "localhost"


#: The names dangan gives its temporary files: ``<host>~<pid>~<uuid hex><suffix>``, and dangan 0.1's
#: ``<pid>-<uuid hex><suffix>``.  Anything else in tmp/ was put there by someone else.
OWN_TEMP_NAME = re.compile(r"^(?:[A-Za-z0-9._-]+~\d+~[0-9a-f]+|\d+-[0-9A-Za-z]+)(?:\.[A-Za-z0-9]+)*$")


def is_own_temp(path: Path) -> bool:
    """Whether ``path`` (in tmp/) is named as dangan names its temporary files (see :data:`OWN_TEMP_NAME`)."""
    return bool(OWN_TEMP_NAME.match(path.name))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale_temp(path: Path, *, now: float | None = None) -> bool:
    """Whether a temporary file's filing is over: its process on this host is gone, or it is old.

    A file of another host is judged by age only (its process cannot be seen from here); a name in
    dangan 0.1's form (``<pid>-<random>``) always is stale.
    """
    host, sep, rest = path.name.partition("~")
    if not sep:
        return True
    try:
        age = (time.time() if now is None else now) - path.lstat().st_mtime
    except FileNotFoundError:
        return False
    if age > STALE_AFTER_SECONDS:
        return True
    pid = rest.split("~", 1)[0]
    return host == HOST and pid.isdigit() and not _alive(int(pid))


class Store:
    def __init__(self, root: Path, *, clock: Clock = SYSTEM) -> None:
        self.root = root
        self.clock = clock
        self.files_dir = root / "files"
        self.tmp_dir = root / "tmp"
        self.orphans_dir = root / "orphans"
        self.catalog_path = root / CATALOG_NAME

    def ensure(self) -> None:
        for d in (self.root, self.files_dir, self.tmp_dir):
            d.mkdir(parents=True, exist_ok=True)

    # -- paths -------------------------------------------------------------

    @staticmethod
    def rel_path(*, year: int, period: str, category: str, name: str) -> str:
        """Relative path (to the archive folder) of a stored file."""
        return f"files/{year:04d}/{period}/{category}/{name}"

    def abs(self, rel: str) -> Path:
        path = (self.root / rel).resolve()
        if self.root.resolve() not in path.parents:
            raise ArchiveError(f"存储路径 {rel} 超出了档案库", path=rel)
        return path

    # -- writing -----------------------------------------------------------

    def new_temp(self, suffix: str = "") -> Path:
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        return self.tmp_dir / f"{HOST}~{os.getpid()}~{uuid.uuid4().hex}{suffix}"

    def copy_to_temp(self, src: Path, *, expected_sha256: str) -> Path:
        """Copy ``src`` into tmp/, fsync it, and check the copy's hash."""
        tmp = self.new_temp(".part")
        try:
            digest, _ = copy_hashing(src, tmp)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise ArchiveError(f"复制文件到档案库失败：{e.strerror or e}", path=src) from e
        if digest != expected_sha256:
            tmp.unlink(missing_ok=True)
            raise ArchiveError("文件在归档过程中被改动（哈希不符），请稍后重试", path=src)
        return tmp

    def publish(self, tmp: Path, rel: str) -> Path:
        """Rename a checked temp file to its final place.

        A file already at that place has no catalogue row (the caller holds
        the write lock and checked the code is free): it is left over from a
        crashed filing, and is moved to orphans/ rather than overwritten.
        """
        target = self.abs(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            self.move_to_orphans(target)
        os.rename(tmp, target)
        return target

    def move_to_orphans(self, path: Path) -> Path:
        stamp = self.clock.now().strftime("%Y%m%d-%H%M%S")
        dest_dir = self.orphans_dir / stamp
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / path.name
        n = 2
        while dest.exists():
            dest = dest_dir / f"{path.stem}-{n}{path.suffix}"
            n += 1
        os.rename(path, dest)
        return dest

    @staticmethod
    def sync_dirs(paths: Iterable[Path]) -> None:
        for d in {p.parent for p in paths}:
            fsync_dir(d)

    def destroy(self, rel: str) -> bool:
        """Remove a stored file's content (disposal).  True if it existed."""
        path = self.abs(rel)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        fsync_dir(path.parent)
        return True

    # -- scanning ----------------------------------------------------------

    def temp_entries(self) -> list[Path]:
        if not self.tmp_dir.is_dir():
            return []
        return sorted(self.tmp_dir.iterdir())

    def stale_temp_entries(self) -> list[Path]:
        """Temporary files left by a filing that died (see :func:`is_stale_temp`), and files not dangan's."""
        return [p for p in self.temp_entries() if not is_own_temp(p) or is_stale_temp(p)]

    def clear_temp(self) -> list[Path]:
        """Remove dangan's stale temporary files (a live process's — an upload being queued — stay).

        Files in tmp/ that dangan did not name are not its to remove: :meth:`foreign_temp_entries`."""
        removed = []
        for p in self.stale_temp_entries():
            if not is_own_temp(p):
                continue
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            removed.append(p)
        return removed

    def foreign_temp_entries(self) -> list[Path]:
        """What lies in tmp/ under a name dangan never gives (put there by hand, or hidden)."""
        return [p for p in self.temp_entries() if not is_own_temp(p)]

    def walk_files(self) -> list[str]:
        """Relative paths of every file under files/."""
        out: list[str] = []
        if not self.files_dir.is_dir():
            return out
        root = str(self.root)
        for dirpath, _dirs, names in os.walk(self.files_dir):
            rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
            out.extend(f"{rel_dir}/{n}" for n in names)
        return out

    def unexpected_entries(self) -> list[str]:
        """Files directly in archive/ (or unknown folders) that the store does not manage."""
        known = {CATALOG_NAME, f"{CATALOG_NAME}-wal", f"{CATALOG_NAME}-shm", f"{CATALOG_NAME}-journal",
                 "files", "tmp", "orphans", "audit-anchor.jsonl", SPOOL, f"{CATALOG_NAME}.queue-locks"}
        out: list[str] = []
        if not self.root.is_dir():
            return out
        for entry in self.root.iterdir():
            if entry.name in known:
                continue
            if entry.is_dir():
                out.extend(str(p.relative_to(self.root)) for p in entry.rglob("*") if p.is_file())
            else:
                out.append(entry.name)
        return sorted(out)

    def orphan_files(self) -> list[str]:
        if not self.orphans_dir.is_dir():
            return []
        return sorted(str(p.relative_to(self.root)) for p in self.orphans_dir.rglob("*") if p.is_file())

