"""The ArchiveListener that keeps the index in step with the catalogue."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from dangan.archive.model import ArchiveEvent, Record, Status
from dangan.config import Workspace
from dangan.errors import DanganError, SearchIndexError
from dangan.search.index import SearchIndex
from dangan.search.schema import document_for

Documents = Iterable[tuple[Record, str | None]]

#: Events after which the text may not be passed along: the stored text is kept.
_METADATA_ONLY = {ArchiveEvent.HOLD, ArchiveEvent.RELEASE, ArchiveEvent.EXTEND}


def catalogue_documents(ws: Workspace) -> Documents:
    """Every (record, text) of the workspace's catalogue, for rebuild and check."""
    from dangan.archive.service import Archive

    return Archive.open(ws).iter_index_documents()


def catalogue_text(ws: Workspace, code: str) -> str | None:
    from dangan.archive.service import Archive

    with Archive.open(ws) as archive:
        return archive.text_of(code)


class SearchIndexer:
    """Follows the archive: filing indexes, hold/release/extend update, disposal drops the text.

    Errors are never swallowed: a failed write raises SearchIndexError, so the
    archive reports it and ``dangan index check`` shows the entry as drift.
    """

    def __init__(
        self,
        ws: Workspace,
        *,
        index: SearchIndex | None = None,
        documents: Callable[[], Documents] | None = None,
        text_of: Callable[[str], str | None] | None = None,
    ) -> None:
        self.ws = ws
        self.index = index or SearchIndex(ws)
        self._documents = documents or (lambda: catalogue_documents(ws))
        self._text_of = text_of or (lambda code: catalogue_text(ws, code))

    def on_archive_event(self, event: ArchiveEvent, record: Record, text: str | None) -> None:
        self.on_archive_events([(event, record, text)])

    def on_archive_events(self, batch: Sequence[tuple[ArchiveEvent, Record, str | None]]) -> None:
        """Index a whole batch of archive events in one writer (one commit)."""
        entries = [
            (record, self._text_after(event, record, text))
            for event, record, text in batch
            if event != ArchiveEvent.DUPLICATE
        ]
        if entries:
            self.index_records(entries)

    def _text_after(self, event: ArchiveEvent, record: Record, text: str | None) -> str | None:
        if record.status == Status.DISPOSED or event == ArchiveEvent.DISPOSED:
            return None
        if text is None and event in _METADATA_ONLY:
            return self._current_text(record.archival_code)
        return text

    def index_record(self, record: Record, text: str | None) -> None:
        """Add or replace the entry of ``record``."""
        self.index_records([(record, text)])

    def index_records(self, entries: Sequence[tuple[Record, str | None]]) -> None:
        """Add or replace the entries of several records in one commit."""
        docs = [document_for(record, text) for record, text in entries]
        try:
            with self.index.writer(ensure=self.rebuild) as w:
                for doc in docs:
                    w.update_document(**doc)
        except DanganError:
            raise
        except Exception as e:
            codes = "、".join(record.archival_code for record, _ in entries[:5])
            raise SearchIndexError(
                f"档案 {codes}{' 等' if len(entries) > 5 else ''} 未能写入全文索引：{type(e).__name__}: {e}",
                path=self.index.root,
            ) from e

    def rebuild(self) -> None:
        from dangan.search.rebuild import rebuild

        rebuild(self.index, self._documents, processes=0)

    def _current_text(self, code: str) -> str | None:
        """The text already in the index (or, failing that, from the catalogue)."""
        if self.index.exists():
            with self.index.searcher() as s:
                stored = s.document(code=code)
            if stored is not None and stored.get("body"):
                return stored["body"]
        return self._text_of(code)
