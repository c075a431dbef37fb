"""The embedded search backend: a Whoosh index in the workspace's ``index/`` folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dangan.errors import SearchIndexError
from dangan.search.analysis import Analyzer, as_written
from dangan.search.backend import Documents, Progress, RebuildResult
from dangan.search.documents import IndexDocument
from dangan.search.query import Filters, Node, describe, filter_node, positive_words, split_checks
from dangan.search.results import Hit, SearchResults, facet_counts, snippet
from dangan.search.whoosh.compile import compile_node, plan
from dangan.search.whoosh.engine import Engine, stored_text
from dangan.search.whoosh.rebuild import rebuild
from dangan.search.whoosh.schema import whoosh_fields
from dangan.search.whoosh.store import WRITER_TIMEOUT, IndexStore

#: Pieces that must appear as written are checked on every match of a segment
#: with at most this many matches; otherwise on the results shown only.
VERIFY_ALL = 500


class WhooshBackend:
    """A :class:`~dangan.search.backend.SearchBackend` on a Whoosh index (generations under ``root``).

    Cheap to make: files are opened on first use, and the searcher is kept
    open between searches until :meth:`close`.
    """

    def __init__(self, root: Path, *, analyzer: Analyzer | None = None, processes: int | None = None,
                 writer_timeout: float = WRITER_TIMEOUT) -> None:
        self.store = IndexStore(root, writer_timeout=writer_timeout)
        self.analyzer = analyzer or Analyzer()
        self.processes = processes  # rebuild writers (None: one per core, at most 2)

    @property
    def root(self) -> Path:
        return self.store.root

    # ------------------------------------------------------------ writing

    def index(self, docs: Sequence[IndexDocument]) -> None:
        fields = [whoosh_fields(IndexDocument(*d)) for d in docs]
        if not fields:
            return
        # a disposed record's entry replaces the one with its text: the segment holding that text is
        # rewritten at the commit, so the text is gone from the index files when disposal reports success
        from dangan.archive.model import Status  # not at start-up: a search process writes nothing

        purge = any(IndexDocument(*d).record.status == Status.DISPOSED for d in docs)
        with self.store.writer(ensure=self._create_if_missing, purge=purge) as w:
            for f in fields:
                w.update_document(**f)

    def delete(self, codes: Sequence[str]) -> None:
        if not codes or not self.store.exists():
            return
        with self.store.writer(purge=True) as w:
            for code in codes:
                w.delete_by_term("code", code)

    def _create_if_missing(self) -> None:
        """An empty index when there is none (an index of an older schema is left to :meth:`rebuild`)."""
        with self.store.rebuild_lock():
            if not self.store.exists():
                gen, _ = self.store.new_generation()
                self.store.publish(gen)

    def rebuild(self, documents: Documents | Callable[[], Documents], *, progress: Progress | None = None,
                processes: int | None = None) -> RebuildResult:
        return rebuild(self.store, documents, progress=progress,
                       processes=self.processes if processes is None else processes)

    def needs_rebuild(self) -> bool:
        return not self.store.exists() or self.store.outdated()

    # ------------------------------------------------------------ reading

    def search(self, query: Node, filters: Filters | None = None, *, limit: int = 10,
               offset: int = 0) -> SearchResults:
        limit, offset = max(1, limit), max(0, offset)
        rest, checks = split_checks(query)
        words = positive_words(query)
        flt = filter_node(filters, self.analyzer)
        try:
            with self.store.engine() as engine:
                verify = _verifier(engine, checks) if checks else None
                matches, total, facets = engine.evaluate(
                    plan(rest, words), compile_node(flt) if flt is not None else None,
                    limit=offset + limit, verify=verify, verify_all=VERIFY_ALL)
                hits = [_hit(engine.searcher.stored_fields(m.docnum), m.score, words) for m in matches[offset:]]
        except SearchIndexError:
            raise
        except Exception as e:
            raise SearchIndexError(f"检索失败：{type(e).__name__}: {e}", path=self.root) from e
        return SearchResults(total, hits, {k: facet_counts(v) for k, v in facets.items()}, describe(query))

    def fingerprints(self) -> dict[str, str]:
        with self.store.searcher() as s:
            reader = s.reader()
            if reader.doc_count_all() == 0:  # no segment yet: whoosh's empty reader has no columns
                return {}
            codes = reader.column_reader("code")
            fps = reader.column_reader("fingerprint")
            return {codes[n]: fps[n] for n in reader.all_doc_ids()}

    def close(self) -> None:
        self.store.close()


def _verifier(engine: Engine, pieces: list[str]) -> Callable[[int], bool]:
    """docnum → whether the entry's stored text holds every piece as written."""
    patterns = [as_written(p) for p in pieces]

    def ok(docnum: int) -> bool:
        text = stored_text(engine.searcher.stored_fields(docnum))
        return all(p.search(text) for p in patterns)

    return ok


def _hit(r: dict[str, Any], score: float | None, words: list[str]) -> Hit:
    body = r.get("body") or ""
    return Hit(
        archival_code=r["code"],
        title=r.get("title", ""),
        score=round(float(score or 0.0), 4),
        snippet=snippet(body or r.get("title", ""), words),
        date=r.get("date", ""),
        year=r.get("year", ""),
        category=r.get("category", ""),
        status=r.get("status", ""),
        period=r.get("period", ""),
        form=r.get("form", ""),
        unit=r.get("unit", "") or r.get("room", ""),
        doc_number=r.get("doc_number", ""),
    )
