"""The app's side of the search seam: opening the index, the listener, search, rebuild, drift check.

Everything the application needs from :mod:`dangan.search` goes through this
module, so the search package can change its inside (another backend, its
own query tree) with one place to follow here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dangan.config import Workspace

if TYPE_CHECKING:
    from dangan.archive.model import ArchiveEvent, Record
    from dangan.archive.service import Archive
    from dangan.archive.verify import Problem

Documents = Iterable[tuple["Record", str | None]]

INDEX_CHECK_NAME = "全文索引与目录一致"


def _log() -> Any:
    import logging  # not at start-up: a search process never logs

    return logging.getLogger(__name__)


def open_index(ws: Workspace) -> Any:
    from dangan.search import open_backend

    return open_backend(ws)


@dataclass
class CatchUp:
    """What a catch-up did: entries (re)indexed because they were missing or stale, entries removed."""

    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    rebuilt: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.missing or self.stale or self.extra or self.rebuilt)

    def notice(self) -> str:
        if self.rebuilt:
            return "全文索引不存在或格式过时，已按档案目录重建"
        parts = [f"{label} {len(codes)} 件" for label, codes in
                 (("缺少", self.missing), ("过期", self.stale), ("多出", self.extra)) if codes]
        return f"全文索引与档案目录不一致（{'，'.join(parts)}），已自动补齐"


CATCH_UP_BATCH = 500


def catch_up(index: Any, documents: Callable[[], Documents]) -> CatchUp:
    """Bring the index level with the catalogue by fingerprint: what is missing or stale is indexed,
    what the catalogue does not have is removed; nothing else is rewritten (not a rebuild).

    One pass over the catalogue (the texts are read once); SearchIndexError if the index cannot be read
    or written.
    """
    from dangan.search import IndexDocument, fingerprint

    if index.needs_rebuild():
        index.rebuild(documents)
        return CatchUp(rebuilt=True)
    stored = index.fingerprints()
    result = CatchUp()
    pending: list[Any] = []
    seen: set[str] = set()
    for item in documents():
        doc = IndexDocument(*item)
        seen.add(doc.code)
        have = stored.get(doc.code)
        if have == fingerprint(doc):
            continue
        (result.missing if have is None else result.stale).append(doc.code)
        pending.append(doc)
        if len(pending) >= CATCH_UP_BATCH:
            index.index(pending)
            pending = []
    if pending:
        index.index(pending)
    result.extra = sorted(set(stored) - seen)
    if result.extra:
        index.delete(result.extra)
    return result


class LazyIndexer:
    """The archive listener that keeps the index in step; the index opens at the first event.

    When a write fails, the drift is repaired at once by :func:`catch_up` (a lock held too long by
    another writer, say); if that fails too the error stands (the archive reports it) and
    :attr:`behind` stays set, so a long-running process (the watcher) catches up later.
    """

    def __init__(self, archive: Callable[[], Archive], backend: Callable[[], Any]) -> None:
        self._archive = archive
        self._backend = backend
        self._real: Any = None
        self.behind = False
        self.notices: list[str] = []

    def catch_up(self) -> CatchUp:
        result = catch_up(self._backend(), self._archive().iter_index_documents)
        self.behind = False
        return result

    def _indexer(self) -> Any:
        if self._real is None:
            from dangan.search import SearchIndexer

            archive = self._archive()
            self._real = SearchIndexer(self._backend(), documents=archive.iter_index_documents,
                                       text_of=archive.text_of)
        return self._real

    def on_archive_event(self, event: ArchiveEvent, record: Record, text: str | None) -> None:
        self.on_archive_events([(event, record, text)])

    def on_archive_events(self, batch: list[tuple[ArchiveEvent, Record, str | None]]) -> None:
        try:
            self._indexer().on_archive_events(batch)
        except Exception as first:
            _log().warning("index write failed (%s): catching up by fingerprint", first)
            self.behind = True
            try:
                self.catch_up()
            except Exception as again:  # noqa: BLE001 - the first error is the one reported
                _log().warning("catch-up failed too: %r", again)
                raise first from None
            else:
                self.notices.append(f"全文索引写入失败一次（{type(first).__name__}: {first}），已按档案目录补齐")


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
