"""The app's side of the search seam: opening the index, the listener, search, rebuild, drift check.

Everything the application needs from :mod:`dangan.search` goes through this
module, so the search package can change its inside (another backend, its
own query tree) with one place to follow here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from dangan.archive.model import ArchiveEvent, Record
from dangan.config import Workspace

if TYPE_CHECKING:
    from dangan.archive.service import Archive
    from dangan.archive.verify import Problem

Documents = Iterable[tuple[Record, str | None]]

INDEX_CHECK_NAME = "全文索引与目录一致"


def open_index(ws: Workspace) -> Any:
    from dangan.search import open_backend

    return open_backend(ws)


class LazyIndexer:
    """The archive listener that keeps the index in step; the index opens at the first event."""

    def __init__(self, archive: Callable[[], Archive], backend: Callable[[], Any]) -> None:
        self._archive = archive
        self._backend = backend
        self._real: Any = None

    def _indexer(self) -> Any:
        if self._real is None:
            from dangan.search import SearchIndexer

            archive = self._archive()
            self._real = SearchIndexer(self._backend(), documents=archive.iter_index_documents,
                                       text_of=archive.text_of)
        return self._real

    def on_archive_event(self, event: ArchiveEvent, record: Record, text: str | None) -> None:
        self._indexer().on_archive_event(event, record, text)

    def on_archive_events(self, batch: list[tuple[ArchiveEvent, Record, str | None]]) -> None:
        self._indexer().on_archive_events(batch)


def ensure_index(index: Any, documents: Callable[[], Documents]) -> None:
    """Build the index if there is none (or it has an older schema): search must see the catalogue."""
    if index.needs_rebuild():
        index.rebuild(documents)


def search(index: Any, text: str, filters: Any, *, limit: int, offset: int = 0) -> Any:
    from dangan.search import search as run

    return run(index, text, filters, limit=limit, offset=offset)


def make_filters(**values: Any) -> Any:
    from dangan.search import Filters

    return Filters(**values)


def rebuild(index: Any, documents: Callable[[], Documents], *, progress: Callable[[int], None] | None,
            processes: int | None) -> Any:
    return index.rebuild(documents, progress=progress, processes=processes)


def check(index: Any, documents: Documents) -> Any:
    from dangan.search import check as run

    return run(index, documents)


class IndexCheck:
    """The index's part of 四性检测: every catalogue record is in the index, up to date."""

    name = INDEX_CHECK_NAME
    property = "完整性"

    def __init__(self, index: Any, documents: Callable[[], Documents]) -> None:
        self.index = index
        self.documents = documents

    def __call__(self) -> Iterator[Problem]:
        from dangan.archive.verify import Problem

        report = check(self.index, self.documents())
        if report.problem:
            yield Problem(self.name, f"索引不可用：{report.problem}")
        for label, codes in (("索引缺失该件", report.missing), ("索引内容过期", report.stale),
                             ("索引中有目录以外的条目", report.extra)):
            for c in codes:
                yield Problem(self.name, f"{label}，请运行 dangan index rebuild", code=c)
