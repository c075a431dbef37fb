"""The search backend interface: what the app, the indexer and the drift check ask of an engine.

A backend keeps one entry per archival code, made from an
:class:`~dangan.search.documents.IndexDocument`, and answers query trees
(:mod:`dangan.search.query`) with :class:`~dangan.search.results.SearchResults`.
It analyses text with :mod:`dangan.search.analysis` (its :attr:`analyzer`)
so that every backend finds the same documents.  The contract suite in
``tests/contracts/test_search_backend.py`` states the behaviour; every
backend runs all of it.  The embedded one is :mod:`dangan.search.whoosh`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from dangan.search.analysis import Analyzer
from dangan.search.documents import IndexDocument
from dangan.search.query import Filters, Node
from dangan.search.results import SearchResults

#: (record, text) pairs; IndexDocument is one, and so is what ``Archive.iter_index_documents`` yields.
Documents = Iterable[IndexDocument] | Iterable[tuple]
Progress = Callable[[int], None]  # called with the number of documents just indexed


@dataclass(frozen=True)
class RebuildResult:
    """What a rebuild made: how many entries, and where the new index lives."""

    documents: int  # entries in the new index
    location: str  # where it lives (a folder, a table), for messages


@runtime_checkable
class SearchBackend(Protocol):
    """An index of the catalogue.  Errors are :class:`~dangan.errors.SearchIndexError`, never swallowed."""

    analyzer: Analyzer

    def index(self, docs: Sequence[IndexDocument]) -> None:
        """Add or replace the entries of ``docs`` in one commit: all of them are visible afterwards, or none.

        A disposed record's entry keeps its metadata only; its text is neither indexed nor stored.
        """

    def delete(self, codes: Sequence[str]) -> None:
        """Remove the entries of these archival codes (unknown codes are ignored), in one commit."""

    def search(self, query: Node, filters: Filters | None = None, *, limit: int = 10,
               offset: int = 0) -> SearchResults:
        """The matches of ``query`` within ``filters``, best first: hits ``offset`` … ``offset + limit``,
        the total number of matches and the facet counts (:data:`~dangan.search.results.FACETS`: category, year, status) over all
        of them, every value that has matches."""

    def fingerprints(self) -> dict[str, str]:
        """archival code → :func:`~dangan.search.documents.fingerprint` of every entry (the drift check)."""

    def rebuild(self, documents: Documents | Callable[[], Documents], *,
                progress: Progress | None = None, processes: int | None = None) -> RebuildResult:
        """Replace the whole index by ``documents``; until it succeeds the old index stays as it was.

        ``documents`` may be a callable, read only once the backend holds its
        rebuild lock (no write slips between reading the catalogue and the switch).
        ``processes``: worker processes where the backend can use them (None: its default).
        """

    def needs_rebuild(self) -> bool:
        """True when there is no index yet, or one of an older format: :meth:`rebuild` before searching."""

    def close(self) -> None:
        """Release what the backend keeps open (files, connections).  It may be used again afterwards."""
