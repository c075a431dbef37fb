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


def verify_checks_for(ws: Workspace) -> list:
    """Extra checks that ``dangan verify`` runs: ``check(archive) -> [Problem]``."""
    from dangan.search.verify import IndexCheck

    return [IndexCheck(ws)]


def open_archive(ws: Workspace):  # -> dangan.archive.service.Archive
    from dangan.archive.service import Archive

    return Archive(ws, listeners=listeners_for(ws))
