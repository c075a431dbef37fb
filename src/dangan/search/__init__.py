"""Full-text search of the archive: a Chinese-aware Whoosh index that follows the catalogue.

Public API::

    index = SearchIndex(ws)
    search(index, "3栋1201 装修违规", Filters(year=2026), limit=10) -> SearchResults
    rebuild(index, documents, progress=callback) -> RebuildResult
    check(index, documents) -> DriftReport
    SearchIndexer(ws)   # the ArchiveListener
"""

from dangan.search.check import DriftReport, check
from dangan.search.index import SearchIndex
from dangan.search.indexer import SearchIndexer, catalogue_documents
from dangan.search.query import Filters, Hit, SearchResults, search
from dangan.search.rebuild import RebuildResult, rebuild

__all__ = [
    "DriftReport",
    "Filters",
    "Hit",
    "RebuildResult",
    "SearchIndex",
    "SearchIndexer",
    "SearchResults",
    "catalogue_documents",
    "check",
    "rebuild",
    "search",
]
