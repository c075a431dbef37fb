"""The quarantine: files that could not be processed, with the reason why.

A quarantined file is moved (never deleted) into the quarantine folder, next
to ``<name>.reason.txt`` giving the time, the error in words and the technical
detail.  ``dangan watch --retry-quarantine`` puts them through the pipeline
again.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from dangan.fsutil import TMP_PREFIX, atomic_write_bytes, fsync_dir, unique_path
from dangan.names import readable

REASON_SUFFIX = ".reason.txt"


@dataclass(frozen=True)
class QuarantineEntry:
    path: Path  # the quarantined file
    reason: Path  # its reason file
    origin: str  # where it came from (first line "来源：")


def reason_path(path: Path) -> Path:
    return path.with_name(path.name + REASON_SUFFIX)


def reason_text(*, origin: Path, message: str, detail: str | None, when: dt.datetime) -> str:
    """The reason file's text (pure).  Every value is one line (:func:`~dangan.names.readable`): a newline
    in a file name cannot start a line of its own, such as a second 来源：."""
    lines = [
        f"来源：{readable(origin)}",
        f"时间：{when.isoformat(timespec='seconds')}",
        f"原因：{readable(message)}",
        f"技术细节：{readable(detail or '（无）')}",
        "",
        "处理办法：修正或重新扫描后放回监视目录；或运行 dangan watch --retry-quarantine 重试。",
        "",
    ]
    return "\n".join(lines)


def move_file(src: Path, target: Path) -> None:
    """Move ``src`` to ``target`` (same file system: rename; else copy, fsync, unlink)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(src, target)
    except OSError:
        tmp = target.with_name(TMP_PREFIX + target.name)
        if os.path.islink(src):  # the link itself, never what it points to
            os.symlink(os.readlink(src), tmp)
        else:
            shutil.copy2(src, tmp, follow_symlinks=False)  # a FIFO or device raises: it stays where it is
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
        src.unlink()
    fsync_dir(target.parent)


REASON_ROOM = len(".reason.txt") + 8  # the reason file's suffix and unique_path's "-NN"


def fitting_name(name: str, *, limit: int = 255) -> str:
    """``name``, with its stem shortened if needed so ``<name>.reason.txt`` fits the file-name limit.

    The full original name is kept in the reason file (来源：…).
    """
    stem, suffix = Path(name).stem, Path(name).suffix
    while len(os.fsencode(stem + suffix)) > limit - REASON_ROOM and stem:
        stem = stem[:-1]
    return stem + suffix


def quarantine(
    src: Path,
    folder: Path,
    *,
    message: str,
    detail: str | None = None,
    now: dt.datetime | None = None,
) -> QuarantineEntry:
    """Move ``src`` into ``folder`` and write its reason file.  Returns the entry.

    The reason is written first, so a crash in between leaves the file in the
    inbox (to be retried) and at worst a stray reason file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = unique_path(folder, fitting_name(src.name))  # a reason without its file (crash) is overwritten
    when = now or dt.datetime.now().astimezone()
    text = reason_text(origin=src, message=message, detail=detail, when=when)
    atomic_write_bytes(reason_path(target), text.encode("utf-8"))
    move_file(src, target)
    return QuarantineEntry(target, reason_path(target), readable(src))


PARTIAL_AGE = 600.0  # seconds: no copy into the quarantine takes this long


def clear_partial(folder: Path, *, now: float | None = None) -> list[Path]:
    """Remove copies a crash left half-written in the quarantine (``.dangan-tmp-*``, older than
    :data:`PARTIAL_AGE`): their source is still where it was (it is removed only after the copy is in
    place), and a reason file is written again.  Returns what was removed."""
    import time

    if not folder.is_dir():
        return []
    now = time.time() if now is None else now
    removed = []
    for p in folder.glob(TMP_PREFIX + "*"):
        try:
            if p.is_file() and now - p.lstat().st_mtime > PARTIAL_AGE:
                p.unlink()
                removed.append(p)
        except FileNotFoundError:
            continue
    return removed


def read_origin(reason: Path) -> str | None:
    try:
        first = reason.read_text(encoding="utf-8").splitlines()[0]
    except (OSError, IndexError, UnicodeDecodeError):
        return None
    return first.removeprefix("来源：") if first.startswith("来源：") else None


def entries(folder: Path) -> list[QuarantineEntry]:
    """Quarantined files (those with a reason file), oldest name first."""
    if not folder.is_dir():
        return []
    out = []
    for reason in sorted(folder.glob("*" + REASON_SUFFIX)):
        f = reason.with_name(reason.name[: -len(REASON_SUFFIX)])
        if os.path.lexists(f):  # a quarantined link is listed too (never followed)
            out.append(QuarantineEntry(f, reason, read_origin(reason) or ""))
    return out


def release(entry: QuarantineEntry) -> None:
    """Forget an entry's reason once its file has left the quarantine."""
    if not os.path.lexists(entry.path):
        entry.reason.unlink(missing_ok=True)


def rewrite_reason(path: Path, *, message: str, detail: str | None, now: dt.datetime | None = None) -> None:
    """Refresh the reason of a file that is already in quarantine (a failed retry)."""
    reason = reason_path(path)
    origin = read_origin(reason) or str(path)
    when = now or dt.datetime.now().astimezone()
    text = reason_text(origin=Path(origin), message=message, detail=detail, when=when)
    atomic_write_bytes(reason, text.encode("utf-8"))
