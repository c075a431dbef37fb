"""The Whoosh index on disk: generations, locks, the writer context manager, the kept-open engine.

Layout of the workspace's ``index/`` folder::

    index/
      CURRENT          name of the live generation (written atomically)
      .rebuild.lock    flock: shared while writing, exclusive while rebuilding
      g-<ns>-<pid>/    whoosh files of one generation

A rebuild builds a new generation next to the live one and then switches
``CURRENT``, so a failed rebuild never leaves the workspace without an index.
Writers take the shared lock, then the whoosh write lock with retry and
backoff, so the CLI and the watcher can write at the same time.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import FileIndex, LockError
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from dangan.errors import SearchIndexError
from dangan.fsutil import atomic_write_bytes
from dangan.search.whoosh.engine import Engine
from dangan.search.whoosh.schema import SCHEMA_VERSION, make_schema

CURRENT = "CURRENT"
LOCK_NAME = ".rebuild.lock"
GEN_PREFIX = "g-"
WRITER_TIMEOUT = 120.0


class IndexStore:
    """The index folder of one workspace.  Cheap to make; opens files on use."""

    def __init__(self, root: Path, *, writer_timeout: float = WRITER_TIMEOUT) -> None:
        self.root = root
        self.writer_timeout = writer_timeout
        self._engine: tuple[Path | None, Engine] | None = None
        self._engine_lock = threading.RLock()

    # ------------------------------------------------------------ generations

    def current_dir(self) -> Path | None:
        """The live generation folder, or None if there is no index yet."""
        try:
            name = (self.root / CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise SearchIndexError(f"无法读取索引指针：{e}", path=self.root / CURRENT) from e
        if not name.startswith(GEN_PREFIX) or "/" in name:
            raise SearchIndexError("索引指针文件已损坏，请运行 dangan index rebuild", path=self.root / CURRENT)
        return self.root / name

    def exists(self) -> bool:
        d = self.current_dir()
        return d is not None and whoosh_index.exists_in(str(d))

    def outdated(self) -> bool:
        """True if the live generation was built with an older schema (rebuild it)."""
        d = self.current_dir()
        return d is not None and d.is_dir() and _version(d) != SCHEMA_VERSION

    def open(self) -> FileIndex:
        """Open the live generation; SearchIndexError if missing, old or corrupt."""
        d = self.current_dir()
        if d is None or not d.is_dir():
            raise SearchIndexError("还没有全文索引，请运行 dangan index rebuild", path=self.root)
        try:
            ix = whoosh_index.open_dir(str(d))
        except Exception as e:  # whoosh raises many kinds on damaged files
            raise SearchIndexError(f"全文索引无法打开（{type(e).__name__}: {e}），请运行 dangan index rebuild", path=d) from e
        if ix.schema.names() != make_schema().names() or _version(d) != SCHEMA_VERSION:
            raise SearchIndexError("全文索引的格式已过时，请运行 dangan index rebuild", path=d)
        return ix

    def new_generation(self) -> tuple[Path, FileIndex]:
        """An empty index in a fresh generation folder (not yet live)."""
        self.root.mkdir(parents=True, exist_ok=True)
        d = self.root / f"{GEN_PREFIX}{time.time_ns()}-{os.getpid()}"
        try:
            d.mkdir()
            (d / "VERSION").write_text(str(SCHEMA_VERSION), encoding="utf-8")
            return d, whoosh_index.create_in(str(d), make_schema())
        except OSError as e:
            raise SearchIndexError(f"无法创建索引目录：{e}", path=d) from e

    def publish(self, gen: Path) -> None:
        """Make ``gen`` the live generation and remove the others."""
        try:
            atomic_write_bytes(self.root / CURRENT, gen.name.encode("utf-8"))
        except OSError as e:
            raise SearchIndexError(f"无法切换到新索引：{e}", path=self.root) from e
        for other in self.root.glob(f"{GEN_PREFIX}*"):
            if other != gen and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)

    def discard(self, gen: Path) -> None:
        shutil.rmtree(gen, ignore_errors=True)

    # ------------------------------------------------------------ locking

    @contextlib.contextmanager
    def _flock(self, mode: int, timeout: float | None) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _acquire(fd, mode, timeout, what="索引正在重建")
            yield
        finally:
            os.close(fd)  # releases the flock

    def rebuild_lock(self) -> contextlib.AbstractContextManager[None]:
        """Exclusive: no writer runs while a rebuild reads the catalogue and switches."""
        return self._flock(fcntl.LOCK_EX, self.writer_timeout)

    # ------------------------------------------------------------ writing / reading

    @contextlib.contextmanager
    def writer(self, *, ensure: Callable[[], None] | None = None, purge: bool = False) -> Iterator[SegmentWriter]:
        """A whoosh writer on the live index: committed on success, cancelled on error.

        ``purge``: every segment holding deleted entries is rewritten without them at the commit
        (:func:`purge_deleted`), so what was deleted or replaced is gone from the files, not only marked.

        Retries with backoff while another process holds the write lock, for up
        to ``writer_timeout`` seconds, then raises SearchIndexError.  ``ensure``
        is called (under no lock) when there is no index, or one of an older
        schema, to rebuild it.
        """
        if ensure is not None and (not self.exists() or self.outdated()):
            ensure()
        with self._flock(fcntl.LOCK_SH, self.writer_timeout):
            ix = self.open()
            w = _writer_with_backoff(ix, self.writer_timeout)
            try:
                yield w
            except BaseException:
                w.cancel()
                raise
            try:
                w.commit(mergetype=purge_deleted) if purge else w.commit()
            except Exception as e:
                raise SearchIndexError(f"写入全文索引失败：{type(e).__name__}: {e}", path=self.root) from e

    @contextlib.contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """A searcher on the live index (retried once if a rebuild switched under it)."""
        _, s = self._open_searcher()
        try:
            yield s
        finally:
            s.close()

    @contextlib.contextmanager
    def engine(self) -> Iterator[Engine]:
        """The search engine on the live index, kept open between searches.

        Reopened when a rebuild switched generations or a writer committed
        (``Searcher.up_to_date``).  Used under a lock: whoosh's file readers
        are not thread-safe.
        """
        with self._engine_lock:
            yield self._current_engine()

    def _open_searcher(self) -> tuple[Path | None, Searcher]:
        """(generation folder, searcher), retried once if a rebuild switched generations meanwhile."""
        for attempt in (1, 2):
            d = self.current_dir()
            try:
                return d, self.open().searcher()
            except (OSError, SearchIndexError):
                if attempt == 2:
                    raise
                time.sleep(0.2)
        raise AssertionError("unreachable")

    def _current_engine(self) -> Engine:
        d = self.current_dir()
        cached = self._engine
        if cached is not None and cached[0] == d:
            try:
                if cached[1].searcher.up_to_date():
                    return cached[1]
            except (OSError, SearchIndexError):
                pass
        self.close()
        d, s = self._open_searcher()
        engine = Engine(s)
        self._engine = (d, engine)
        return engine

    def close(self) -> None:
        """Close the kept searcher (if any)."""
        with self._engine_lock:
            if self._engine is not None:
                self._engine[1].searcher.close()
                self._engine = None

    def open_or_rebuild(self, rebuild: Callable[[], Any]) -> FileIndex:
        """Open the index; if it is missing, old or corrupt, rebuild it first."""
        try:
            return self.open()
        except SearchIndexError:
            rebuild()
            return self.open()


def purge_deleted(writer: SegmentWriter, segments: list[Any]) -> list[Any]:
    """A whoosh merge policy: the segments with deleted documents are merged into the new one (which
    copies only the live documents), the others are left as they are, then whoosh's usual merge of
    small segments.  Whoosh otherwise keeps a deleted document's terms and stored text in its segment
    until that segment happens to be merged."""
    from whoosh.reading import SegmentReader
    from whoosh.writing import MERGE_SMALL

    keep = []
    for seg in segments:
        if seg.has_deletions():
            reader = SegmentReader(writer.storage, writer.schema, seg)
            try:
                writer.add_reader(reader)
            finally:
                reader.close()
        else:
            keep.append(seg)
    return list(MERGE_SMALL(writer, keep))


def _version(d: Path) -> int | None:
    try:
        return int((d / "VERSION").read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def _backoff(timeout: float) -> Iterator[float]:
    """Sleep times: 10 ms doubling to 0.5 s, with jitter, until ``timeout`` has passed."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while time.monotonic() < deadline:
        yield delay * (0.5 + random.random())
        delay = min(delay * 2, 0.5)


def _writer_with_backoff(ix: FileIndex, timeout: float) -> SegmentWriter:
    for pause in _backoff(timeout):
        try:
            return ix.writer()
        except LockError:
            time.sleep(pause)
    try:
        return ix.writer()
    except LockError as e:
        raise SearchIndexError(f"全文索引被其他进程占用超过 {timeout:.0f} 秒，写入失败", path=ix.storage.folder) from e


def _acquire(fd: int, mode: int, timeout: float | None, *, what: str) -> None:
    for pause in _backoff(timeout if timeout is not None else 1e9):
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            time.sleep(pause)
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError as e:
        raise SearchIndexError(f"{what}，等待超过 {timeout:.0f} 秒") from e
