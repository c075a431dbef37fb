"""Wiring: the archive with the listeners that follow it.

The CLI and the watcher get their Archive from here, so filing, holds and
disposal always reach the search index.  Library code that needs only the
catalogue may construct ``Archive`` directly.
"""

from __future__ import annotations

from dangan.config import Workspace


def listeners_for(ws: Workspace) -> list:
    """The ArchiveListeners attached to every archive opened by the CLI."""
    listeners: list = []
    # SEARCH: the search issue appends its index listener here.
    from dangan.search.indexer import SearchIndexer

    listeners.append(SearchIndexer(ws))
    return listeners


def extra_verifiers(ws: Workspace) -> list:
    """Checks that ``dangan verify`` runs besides the archive's own.

    Each is a callable returning ``(name, ok, problems)``.
    """
    from dangan.search.verify import index_verifier

    return [index_verifier(ws)]


def open_archive(ws: Workspace):  # -> dangan.archive.service.Archive
    from dangan.archive.service import Archive

    return Archive(ws, listeners=listeners_for(ws))
