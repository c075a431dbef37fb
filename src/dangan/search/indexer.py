"""The ArchiveListener that keeps a search backend in step with the catalogue.

It reads nothing by itself: the app hands it the catalogue's ``documents``
(every record with its text, for a first build) and ``text_of`` (one
record's text), so the search package never opens an archive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dangan.archive.model import ArchiveEvent, Record, Status
from dangan.errors import DanganError, SearchIndexError
from dangan.search.backend import Documents, SearchBackend
from dangan.search.documents import IndexDocument

#: Events that change metadata only: if no text comes with them, the record's text is looked up.
_METADATA_ONLY = {ArchiveEvent.HOLD, ArchiveEvent.RELEASE, ArchiveEvent.EXTEND}


class SearchIndexer:
    """Follows the archive: filing indexes, hold/release/extend update, disposal drops the text.

    Errors are never swallowed: a failed write raises SearchIndexError, so the
    archive reports it and the drift check shows the entry.
    """

    def __init__(
        self,
        backend: SearchBackend,
        *,
        text_of: Callable[[str], str | None],
        documents: Callable[[], Documents],
    ) -> None:
        self.backend = backend
        self._text_of = text_of
        self._documents = documents

    def on_archive_event(self, event: ArchiveEvent, record: Record, text: str | None) -> None:
        self.on_archive_events([(event, record, text)])

    def on_archive_events(self, batch: Sequence[tuple[ArchiveEvent, Record, str | None]]) -> None:
        """Index a whole batch of archive events in one commit."""
        docs = [
            IndexDocument(record, self._text_after(event, record, text))
            for event, record, text in batch
            if event != ArchiveEvent.DUPLICATE
        ]
        if docs:
            self.index(docs)

    def _text_after(self, event: ArchiveEvent, record: Record, text: str | None) -> str | None:
        if record.status == Status.DISPOSED or event == ArchiveEvent.DISPOSED:
            return None
        if text is None and event in _METADATA_ONLY:
            return self._text_of(record.archival_code)
        return text

    def index(self, docs: Sequence[IndexDocument]) -> None:
        """Add or replace entries in one commit; a missing or outdated index is first built from the catalogue."""
        try:
            if self.backend.needs_rebuild():
                self.backend.rebuild(self._documents)
            self.backend.index(docs)
        except DanganError:
            raise
        except Exception as e:
            codes = "、".join(d.code for d in docs[:5])
            raise SearchIndexError(
                f"档案 {codes}{' 等' if len(docs) > 5 else ''} 未能写入全文索引：{type(e).__name__}: {e}"
            ) from e
