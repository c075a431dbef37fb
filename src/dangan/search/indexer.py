"""The ArchiveListener that keeps the index in step with the catalogue."""

from __future__ import annotations

from collections.abc import Callable, Iterable

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

    return Archive(ws).iter_index_documents()


def catalogue_text(ws: Workspace, code: str) -> str | None:
    from dangan.archive.service import Archive

    return Archive(ws).text_of(code)


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
        if event == ArchiveEvent.DUPLICATE:
            return
        if record.status == Status.DISPOSED or event == ArchiveEvent.DISPOSED:
            text = None
        elif text is None and event in _METADATA_ONLY:
            text = self._current_text(record.archival_code)
        self.index_record(record, text)

    def index_record(self, record: Record, text: str | None) -> None:
        """Add or replace the entry of ``record``."""
        doc = document_for(record, text)
        try:
            with self.index.writer(ensure=self.rebuild) as w:
                w.update_document(**doc)
        except DanganError:
            raise
        except Exception as e:
            raise SearchIndexError(
                f"档案 {record.archival_code} 未能写入全文索引：{type(e).__name__}: {e}", path=self.index.root
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
