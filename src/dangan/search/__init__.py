"""Full-text search of the archive, behind one interface.

The seam (what the app and every front end use)::

    backend = open_backend(ws)                        # a SearchBackend (Whoosh, embedded)
    results = search(backend, "3栋1201 装修违规", Filters(year=2026), limit=10)
    # = backend.search(parse(text, analyzer=backend.analyzer), filters, limit=, offset=)
    backend.index([IndexDocument(record, text), ...])  # add/replace in one commit
    backend.rebuild(documents, progress=callback) -> RebuildResult
    check(backend, documents) -> DriftReport
    SearchIndexer(backend, text_of=..., documents=...)  # the ArchiveListener

Importing this package is cheap: no engine (Whoosh) and no dictionary is
loaded until a backend is opened and used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dangan.config import Workspace
    from dangan.search.analysis import Analyzer
    from dangan.search.backend import Documents, Progress, RebuildResult, SearchBackend
    from dangan.search.documents import STATUS_LABELS, IndexDocument, fingerprint
    from dangan.search.drift import DriftReport, check
    from dangan.search.indexer import SearchIndexer
    from dangan.search.query import Filters, Node, describe, parse
    from dangan.search.results import HIGHLIGHT, Hit, SearchResults, Snippet

_EXPORTS = {
    "Analyzer": "dangan.search.analysis",
    "Documents": "dangan.search.backend",
    "Progress": "dangan.search.backend",
    "RebuildResult": "dangan.search.backend",
    "SearchBackend": "dangan.search.backend",
    "DriftReport": "dangan.search.drift",
    "check": "dangan.search.drift",
    "IndexDocument": "dangan.search.documents",
    "STATUS_LABELS": "dangan.search.documents",
    "fingerprint": "dangan.search.documents",
    "SearchIndexer": "dangan.search.indexer",
    "Filters": "dangan.search.query",
    "Node": "dangan.search.query",
    "describe": "dangan.search.query",
    "parse": "dangan.search.query",
    "HIGHLIGHT": "dangan.search.results",
    "Hit": "dangan.search.results",
    "SearchResults": "dangan.search.results",
    "Snippet": "dangan.search.results",
}

__all__ = [
    "HIGHLIGHT",
    "STATUS_LABELS",
    "Analyzer",
    "Documents",
    "DriftReport",
    "Filters",
    "Hit",
    "IndexDocument",
    "Node",
    "Progress",
    "RebuildResult",
    "SearchBackend",
    "SearchIndexer",
    "SearchResults",
    "Snippet",
    "check",
    "describe",
    "fingerprint",
    "open_backend",
    "parse",
    "search",
]


def open_backend(ws: Workspace) -> SearchBackend:
    """The workspace's search backend: PostgreSQL when ``[database] url`` is set (the catalogue's database;
    nothing is written in ``index/``), else the embedded Whoosh index in ``index/``.  Opens nothing yet."""
    from dangan.config import resolve_inside
    from dangan.search.analysis import Analyzer

    user_dict = ws.config.settings.search.user_dict
    analyzer = Analyzer(user_dict=resolve_inside(ws.root, user_dict) if user_dict else None)
    if ws.database_url:
        from dangan.search.postgres import PostgresBackend

        return PostgresBackend(ws.database_url, analyzer=analyzer)
    from dangan.search.whoosh import WhooshBackend

    return WhooshBackend(ws.index_dir, analyzer=analyzer)


def search(backend: SearchBackend, text: str, filters: Filters | None = None, *, limit: int = 10,
           offset: int = 0) -> SearchResults:
    """Parse ``text`` with the backend's analyzer and search it.

    A blank ``text`` searches everything (within ``filters``); a text made only of operators or
    punctuation (``NOT``, ``"``, ``*``, ``:``) raises :class:`~dangan.errors.QueryError` rather than
    returning every record.
    """
    from dataclasses import replace

    from dangan.errors import QueryError
    from dangan.search.query import Everything, parse

    node = parse(text, analyzer=backend.analyzer)
    if text.strip() and isinstance(node, Everything):
        raise QueryError(f"检索式「{text.strip()}」中没有可检索的词（只有运算符或标点）：请输入要找的字词，如 噪音投诉")
    results = backend.search(node, filters, limit=limit, offset=offset)
    return replace(results, query=text)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dangan.search' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
