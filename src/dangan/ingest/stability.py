"""When is a dropped file ready?  A size/mtime stability tracker.

A file is *ready* when its size and mtime have not changed for the stability
window and it can be opened for reading.  The clock and the ``stat`` function
are injected, so tests drive the tracker without sleeping or real events.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

Clock = Callable[[], float]


@dataclass(frozen=True)
class Signature:
    """What must stay unchanged: size and mtime (ns) of the entry itself (a link is not followed).

    ``regular`` is False for a symbolic link, a FIFO, a socket or a device: such an entry is never
    read, only quarantined (:meth:`dangan.ingest.pipeline.Pipeline.process`).
    """

    size: int
    mtime_ns: int
    regular: bool = True


def file_signature(path: Path) -> Signature | None:
    """The entry's signature (``lstat``: a symbolic link is not followed), or None if it is gone or a folder."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISDIR(st.st_mode):
        return None
    return Signature(st.st_size, st.st_mtime_ns, regular=stat.S_ISREG(st.st_mode))


def can_open(path: Path) -> bool:
    """Whether the file opens for reading (Windows scanners may hold a lock).

    An entry that is not a regular file is never opened (a FIFO would block): it is ready at once.
    """
    sig = file_signature(path)
    if sig is None:
        return False
    if not sig.regular:
        return True
    try:
        with open_regular(path) as fh:
            fh.read(1)
    except OSError:
        return False
    return True


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading only if it is a regular file itself: not through a symbolic link
    (``O_NOFOLLOW``), and never a FIFO or device (checked on the open file, so nothing can be swapped in
    between).  OSError otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "不是普通文件", str(path))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@dataclass
class _Seen:
    sig: Signature
    since: float  # clock time when this signature was first seen


class StabilityTracker:
    """Tracks candidate files until their signature holds for ``window`` seconds.

    Call :meth:`observe` for every event or scan hit, then :meth:`ready` to
    get the files that are stable.  A file that changes restarts its window.
    """

    def __init__(
        self,
        window: float,
        *,
        clock: Clock = time.monotonic,
        stat: Callable[[Path], Signature | None] = file_signature,
        opener: Callable[[Path], bool] = can_open,
    ) -> None:
        self.window = window
        self._clock = clock
        self._stat = stat
        self._opener = opener
        self._seen: dict[Path, _Seen] = {}

    def observe(self, path: Path) -> None:
        """Note that ``path`` exists (or changed); (re)start its window if changed."""
        sig = self._stat(path)
        if sig is None:
            self._seen.pop(path, None)
            return
        prev = self._seen.get(path)
        if prev is None or prev.sig != sig:
            self._seen[path] = _Seen(sig, self._clock())

    def forget(self, path: Path) -> None:
        self._seen.pop(path, None)

    def pending(self) -> list[Path]:
        return sorted(self._seen)

    def ready(self) -> list[Path]:
        """Files whose signature has held for the window and that open for reading.

        Each is re-checked now; a changed file restarts its window.  Returned
        files are removed from the tracker (observe them again to re-track).
        """
        now = self._clock()
        out: list[Path] = []
        for path in sorted(self._seen):
            self.observe(path)
            seen = self._seen.get(path)
            if seen is None or now - seen.since < self.window:
                continue
            if self._opener(path):
                out.append(path)
                del self._seen[path]
        return out

    def next_due(self) -> float | None:
        """Seconds until the earliest tracked file could be ready (None if none)."""
        if not self._seen:
            return None
        now = self._clock()
        return max(0.0, min(s.since + self.window - now for s in self._seen.values()))


def is_settled(sig: Signature, window: float, *, now_ns: int | None = None) -> bool:
    """For ``--once``: a file whose mtime is older than the window is stable."""
    now = time.time_ns() if now_ns is None else now_ns
    return now - sig.mtime_ns >= int(window * 1e9)
