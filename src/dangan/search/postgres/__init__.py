"""The company-wide search backend: the catalogue's PostgreSQL database, one table ``search_docs``.

Each entry stores the filter fields, the title, the searchable metadata, the
text, and two ``tsvector`` columns of the analysis every backend shares
(:mod:`dangan.search.analysis`: CJK bigrams, run edges, ASCII/digit tokens),
indexed with GIN.  A search is three steps in SQL:

1. match: the compiled tree (:mod:`.compile`) as one condition; the total and
   the facet counts come from one ``GROUP BY category, year, status`` over it;
2. candidates: every match when there are at most :data:`RANK_ALL`, otherwise
   the matches where a scored term is frequent (its frequency marks, see
   :mod:`.terms`) and those with a query word in the title;
3. rank: BM25 over the words' terms (idf from document frequencies, kept for
   :data:`STATS_TTL` seconds) plus the title bonus, ties by archival code — the
   same scoring as the Whoosh backend.

Nothing is written under the workspace's ``index/``: every node searches the
same table.  A rebuild fills a new table and swaps it in one transaction.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row

from dangan.config import mask_password
from dangan.errors import SearchIndexError
from dangan.search.analysis import ANALYSIS_VERSION, Analyzer, as_written, bigrams, is_cjk
from dangan.search.backend import Documents, Progress, RebuildResult
from dangan.search.documents import (
    FILTER_FIELDS,
    IndexDocument,
    fingerprint,
    index_text,
    metadata,
    searchable_metadata,
)
from dangan.search.postgres import terms as tv
from dangan.search.postgres.compile import compile_node, word_tsquery
from dangan.search.query import AsWritten, Filters, Node, describe, filter_node, positive_words, split_checks
from dangan.search.results import FACETS, Hit, SearchResults, facet_counts, snippet

SCHEMA_VERSION = 1
K1, B = 1.2, 0.75  # BM25, as the Whoosh backend
TITLE_BOOST = 1.5
COMMON = 0.5  # terms in more than this share of the documents are not scored when rarer ones exist
RANK_ALL = 1000  # score every match up to this many; above, the promising ones
VERIFY_ALL = 500  # as-written checks on every match up to this many; above, on the results shown
STATS_TTL = 300.0  # seconds document frequencies and the average length are reused
LOCK_KEY = (0x64616E67, 2)  # the rebuild lock (dangan's two-int advisory key space)
#: The planner does not count the cost of reading each row's term vector (TOASTed, kilobytes) and chose a
#: sequential scan for common words: 15.5 s for one count at 100,000 documents, 0.77 s through the GIN index.
PLANNER_OPTIONS = "-c enable_seqscan=off"

COLUMNS = (*FILTER_FIELDS, "fingerprint", "title", "meta", "body", "terms", "title_terms", "len")
_FIELDS_SQL = ", ".join(f'"{c}"' for c in COLUMNS)


def table_sql(name: str) -> str:
    fields = ", ".join(f'"{f}" text NOT NULL' for f in FILTER_FIELDS if f != "code")
    return (f'CREATE TABLE {name} (code text PRIMARY KEY, {fields}, fingerprint text NOT NULL, title text NOT NULL, '
            "meta text NOT NULL, body text NOT NULL, terms tsvector NOT NULL, title_terms tsvector NOT NULL, "
            "len integer NOT NULL)")


def index_sql(name: str) -> list[str]:
    return [f"CREATE INDEX {name}_terms ON {name} USING gin (terms)",
            f"CREATE INDEX {name}_title ON {name} USING gin (title_terms)",
            f'CREATE INDEX {name}_category_year ON {name} (category, "year")',
            f'CREATE INDEX {name}_date ON {name} ("date")']


def entry_row(doc: IndexDocument, analyzer: Analyzer) -> tuple[Any, ...]:
    """The column values of ``doc`` in :data:`COLUMNS` order."""
    fields = metadata(doc.record)
    terms, length = tv.tsvector_literal(analyzer.index_terms(index_text(doc)))
    title_terms, _ = tv.tsvector_literal(analyzer.index_terms(doc.title))
    return (*(fields[f] for f in FILTER_FIELDS), fingerprint(doc), doc.title,
            searchable_metadata(doc.record), doc.content or "", terms, title_terms, length)


class PostgresBackend:
    """A :class:`~dangan.search.backend.SearchBackend` on PostgreSQL (the catalogue's database)."""

    def __init__(self, url: str, *, analyzer: Analyzer | None = None, pool_size: int = 2) -> None:
        self.url = url
        self.analyzer = analyzer or Analyzer()
        self.pool_size = pool_size
        self._pool: Any = None
        self._guard = threading.Lock()
        self._stats: dict[str, tuple[float, float]] = {}  # key → (value, when)
        self._exists = self._current = False

    # ------------------------------------------------------------ connections

    def _get_pool(self) -> Any:
        with self._guard:
            if self._pool is None:
                from psycopg_pool import ConnectionPool

                self._pool = ConnectionPool(self.url, min_size=1, max_size=max(1, self.pool_size), open=False,
                                            name="dangan-search", timeout=60,
                                            kwargs={"autocommit": True, "row_factory": dict_row,
                                                    "options": PLANNER_OPTIONS})
                self._pool.open(wait=False)
            return self._pool

    @contextlib.contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        try:
            with self._get_pool().connection() as conn:
                yield conn
        except SearchIndexError:
            raise
        except (psycopg.Error, OSError) as e:
            text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise SearchIndexError(f"检索数据库 {mask_password(self.url)} 出错：{mask_password(text)}") from e
        except Exception as e:
            if type(e).__name__ == "PoolTimeout":
                raise SearchIndexError(f"检索数据库 {mask_password(self.url)} 没有可用的连接：{e}") from e
            raise

    def close(self) -> None:
        self._exists = self._current = False
        with self._guard:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    # ------------------------------------------------------------ schema

    def needs_rebuild(self) -> bool:
        if self._current:  # seen current by this process: a filing need not ask again each time
            return False
        with self._conn() as conn:
            if conn.execute("SELECT to_regclass('search_meta') IS NOT NULL AS ok").fetchone()["ok"] is False:  # type: ignore[index]
                return True
            row = conn.execute("SELECT version, analysis FROM search_meta").fetchone()
        self._current = row is not None and (row["version"], row["analysis"]) == (SCHEMA_VERSION, ANALYSIS_VERSION)
        return not self._current

    def _ensure(self, conn: psycopg.Connection[Any]) -> None:
        """An empty index when there is none (an outdated one is left to :meth:`rebuild`)."""
        if self._exists:
            return
        if not conn.execute("SELECT to_regclass('search_docs') IS NOT NULL AS ok").fetchone()["ok"]:  # type: ignore[index]
            conn.execute("SELECT pg_advisory_lock(%s, %s)", LOCK_KEY)  # before the transaction: see schema.migrate
            try:
                with conn.transaction():
                    if not conn.execute("SELECT to_regclass('search_docs') IS NOT NULL AS ok").fetchone()["ok"]:  # type: ignore[index]
                        conn.execute(table_sql("search_docs"))  # type: ignore[arg-type]
                        for sql in index_sql("search_docs"):
                            conn.execute(sql)  # type: ignore[arg-type]
                        self._write_meta(conn)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s, %s)", LOCK_KEY)
        self._exists = True  # this process need not look again

    @staticmethod
    def _write_meta(conn: psycopg.Connection[Any]) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS search_meta (one boolean PRIMARY KEY DEFAULT true CHECK (one), "
                     "version integer NOT NULL, analysis integer NOT NULL)")
        conn.execute("INSERT INTO search_meta (version, analysis) VALUES (%s, %s) ON CONFLICT (one) DO UPDATE "
                     "SET version = excluded.version, analysis = excluded.analysis", (SCHEMA_VERSION, ANALYSIS_VERSION))

    # ------------------------------------------------------------ writing

    def index(self, docs: Sequence[IndexDocument]) -> None:
        rows = [entry_row(IndexDocument(*d), self.analyzer) for d in docs]
        if not rows:
            return
        values = ", ".join(f"%s{'::tsvector' if c in ('terms', 'title_terms') else ''}" for c in COLUMNS)
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in COLUMNS if c != "code")
        with self._conn() as conn:
            self._ensure(conn)
            with conn.transaction(), conn.cursor() as cur:
                conn.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", LOCK_KEY)  # not during a rebuild
                cur.executemany(f"INSERT INTO search_docs ({_FIELDS_SQL}) VALUES ({values}) "  # type: ignore[arg-type]
                                f"ON CONFLICT (code) DO UPDATE SET {updates}", rows)

    def delete(self, codes: Sequence[str]) -> None:
        if not codes:
            return
        with self._conn() as conn:
            if conn.execute("SELECT to_regclass('search_docs') IS NOT NULL AS ok").fetchone()["ok"]:  # type: ignore[index]
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", LOCK_KEY)
                    conn.execute("DELETE FROM search_docs WHERE code = ANY(%s)", (list(codes),))

    def rebuild(self, documents: Documents | Callable[[], Documents], *, progress: Progress | None = None,
                processes: int | None = None) -> RebuildResult:
        """Fill a new table (COPY), index it, and swap it for the old one, all in one transaction."""
        count = 0
        try:
            with self._conn() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", LOCK_KEY)
                conn.execute("DROP TABLE IF EXISTS search_docs_new")
                conn.execute(table_sql("search_docs_new"))  # type: ignore[arg-type]
                docs = documents() if callable(documents) else documents
                with conn.cursor().copy(f"COPY search_docs_new ({_FIELDS_SQL}) FROM STDIN") as copy:  # type: ignore[arg-type]
                    for d in docs:
                        copy.write_row(entry_row(IndexDocument(*d), self.analyzer))
                        count += 1
                        if progress and count % 1000 == 0:
                            progress(1000)
                if progress and count % 1000:
                    progress(count % 1000)
                for sql in index_sql("search_docs_new"):
                    conn.execute(sql)  # type: ignore[arg-type]
                conn.execute("DROP TABLE IF EXISTS search_docs")
                conn.execute("ALTER TABLE search_docs_new RENAME TO search_docs")
                for suffix in ("terms", "title", "category_year", "date"):
                    conn.execute(f"ALTER INDEX search_docs_new_{suffix} RENAME TO search_docs_{suffix}")  # type: ignore[arg-type]
                self._write_meta(conn)
            with self._conn() as conn:
                conn.execute("ANALYZE search_docs")
        except SearchIndexError:
            raise
        except Exception as e:
            raise SearchIndexError(f"重建索引失败：{type(e).__name__}: {mask_password(str(e))}") from e
        self._stats.clear()
        self._exists = self._current = True
        return RebuildResult(count, f"{mask_password(self.url.split('?', 1)[0])} 表 search_docs")

    # ------------------------------------------------------------ reading

    def fingerprints(self) -> dict[str, str]:
        with self._conn() as conn:
            self._ensure(conn)
            return {r["code"]: r["fingerprint"] for r in conn.execute("SELECT code, fingerprint FROM search_docs")}

    def search(self, query: Node, filters: Filters | None = None, *, limit: int = 10,
               offset: int = 0) -> SearchResults:
        """As-written checks joined to the root by ANDs are applied in SQL when there are at most
        :data:`VERIFY_ALL` matches; with more, on the ranked results shown (totals then count the
        words' matches), as the Whoosh backend does."""
        limit, offset = max(1, limit), max(0, offset)
        rest, checks = split_checks(query)
        cond, params = compile_node(rest)
        flt = filter_node(filters, self.analyzer)
        if flt is not None:
            fsql, fparams = compile_node(flt)
            cond, params = f"{cond} AND {fsql}", params + fparams
        words = positive_words(query)
        with self._conn() as conn:
            self._ensure(conn)
            groups = self._groups(conn, cond, params)
            if checks and sum(g["n"] for g in groups) <= VERIFY_ALL:
                checked = [compile_node(AsWritten(c)) for c in checks]
                cond = " AND ".join([cond, *(c for c, _ in checked)])
                params = params + [p for _, ps in checked for p in ps]
                groups, checks = self._groups(conn, cond, params), []
            total = sum(g["n"] for g in groups)
            rows = self._shown(conn, cond, params, words, total, offset + limit, checks)[offset:] if total else []
        facets = {key: _sum_by(groups, key) for key in FACETS}
        return SearchResults(total, [_hit(r, words) for r in rows], facets, describe(query))

    @staticmethod
    def _groups(conn: psycopg.Connection[Any], cond: str, params: list[Any]) -> list[dict[str, Any]]:
        return conn.execute(f"SELECT category, \"year\", status, count(*) AS n FROM search_docs d WHERE {cond} "  # type: ignore[arg-type]
                            "GROUP BY category, \"year\", status", params).fetchall()

    def _shown(self, conn: psycopg.Connection[Any], cond: str, params: list[Any], words: list[str], total: int,
               n: int, checks: list[str]) -> list[dict[str, Any]]:
        """The best ``n`` matches; with ``checks``, the best that hold every piece as written."""
        if not checks:
            return self._ranked(conn, cond, params, words, total, n)
        patterns = [as_written(c) for c in checks]
        want = n * 4
        rows = self._ranked(conn, cond, params, words, total, want)
        kept = [r for r in rows if all(p.search(f"{r['meta'] or r['title']}\n{r['body']}") for p in patterns)]
        if len(kept) >= n or len(rows) < want:
            return kept[:n]
        # the pieces are rare among the words' matches: check them in SQL over every match, once
        checked = [compile_node(AsWritten(c)) for c in checks]
        exact = " AND ".join([cond, *(c for c, _ in checked)])
        return self._ranked(conn, exact, params + [p for _, ps in checked for p in ps], words, RANK_ALL + 1, n)

    # -- ranking

    def _ranked(self, conn: psycopg.Connection[Any], cond: str, params: list[Any], words: list[str], total: int,
                n: int) -> list[dict[str, Any]]:
        scored = self._useful(conn, words)
        bonus = [(w, TITLE_BOOST * sum(idf for t, idf in scored if t in _terms(w))) for w in words
                 if any(t in _terms(w) for t, _ in scored)]
        stored = "d.code, d.title, d.meta, d.body, d.category, d.\"year\", d.\"date\", d.status, d.period, d.form, d.unit, " \
                 "d.room, d.doc_number"
        if not scored:
            return conn.execute(f"SELECT {stored} FROM search_docs d WHERE {cond} ORDER BY d.code LIMIT %s",  # type: ignore[arg-type]
                                [*params, n]).fetchall()
        avg = self._stat(conn, "avg_len", "SELECT coalesce(avg(len), 1) AS v FROM search_docs") or 1.0
        where, wparams = cond, list(params)
        if total > RANK_ALL:
            ids = self._candidates(conn, cond, params, scored, bonus, n)
            where, wparams = "d.code = ANY(%s)", [ids]
        lexemes = [t for t, _ in scored]
        bonus_sql = "".join(f" + CASE WHEN d.title_terms @@ %s::tsquery THEN {float(w)} ELSE 0 END" for _, w in bonus)
        sql = (f"SELECT {stored}, (SELECT coalesce(sum(w.idf * cardinality(u.positions) * {K1 + 1} / "
               f"(cardinality(u.positions) + {K1} * (1 - {B} + {B} * d.len / %s))), 0) "
               "FROM unnest(ts_filter(setweight(d.terms, 'A', %s::text[]), '{a}')) u "
               "JOIN unnest(%s::text[], %s::float8[]) AS w(lex, idf) ON w.lex = u.lexeme)"
               f"{bonus_sql} AS score FROM search_docs d WHERE {where} ORDER BY score DESC, d.code LIMIT %s")
        args = [avg, lexemes, lexemes, [idf for _, idf in scored], *[word_tsquery(w) for w, _ in bonus],
                *wparams, n]
        return conn.execute(sql, args).fetchall()  # type: ignore[arg-type]

    def _candidates(self, conn: psycopg.Connection[Any], cond: str, params: list[Any],
                    scored: list[tuple[str, float]], bonus: list[tuple[str, float]], n: int) -> list[str]:
        """At most about RANK_ALL matches that can outrank the rest: frequent terms, title matches."""
        share = max(n, RANK_ALL // max(1, len(scored) + len(bonus)))
        out: set[str] = set()
        for term, _ in scored:
            chosen: set[str] = set()
            for tf in tv.TF_MARKS:
                if len(chosen) >= share:
                    break
                rows = conn.execute(f"SELECT d.code FROM search_docs d WHERE {cond} AND d.terms @@ %s::tsquery "  # type: ignore[arg-type]
                                    "LIMIT %s", [*params, tv.mark(term, tf), share - len(chosen)]).fetchall()
                chosen.update(r["code"] for r in rows)
            if not chosen:  # the term occurs once in each match: the shortest ones, as BM25 ranks them
                rows = conn.execute(f"SELECT d.code FROM search_docs d WHERE {cond} ORDER BY d.len, d.code "  # type: ignore[arg-type]
                                    "LIMIT %s", [*params, share]).fetchall()
                chosen.update(r["code"] for r in rows)
            out |= chosen
        for word, _ in bonus:
            rows = conn.execute(f"SELECT d.code FROM search_docs d WHERE {cond} AND d.title_terms @@ %s::tsquery "  # type: ignore[arg-type]
                                "LIMIT %s", [*params, word_tsquery(word), share]).fetchall()
            out.update(r["code"] for r in rows)
        if len(out) < n:
            rows = conn.execute(f"SELECT d.code FROM search_docs d WHERE {cond} ORDER BY d.code LIMIT %s",  # type: ignore[arg-type]
                                [*params, n]).fetchall()
            out.update(r["code"] for r in rows)
        return sorted(out)

    def _useful(self, conn: psycopg.Connection[Any], words: list[str]) -> list[tuple[str, float]]:
        """(term, idf) of the words' terms worth scoring (see the Whoosh engine's rule on common terms)."""
        terms = list(dict.fromkeys(t for w in words for t in _terms(w)))
        if not terms:
            return []
        n_docs = self._stat(conn, "count", "SELECT count(*) AS v FROM search_docs") or 0.0
        dfs = {t: self._stat(conn, "df:" + t, "SELECT count(*) AS v FROM search_docs d WHERE d.terms @@ %s::tsquery",
                             [tv.quote(t)]) for t in terms}
        limit = COMMON * max(1.0, n_docs)
        rare = [t for t in terms if dfs[t] <= limit] or terms
        idf = {t: math.log(1 + (n_docs - dfs[t] + 0.5) / (dfs[t] + 0.5)) if dfs[t] else 0.0 for t in rare}
        return [(t, idf[t]) for t in rare if idf[t] > 0]

    def _stat(self, conn: psycopg.Connection[Any], key: str, sql: str, params: list[Any] | None = None) -> float:
        now = time.monotonic()
        got = self._stats.get(key)
        if got is not None and now - got[1] < STATS_TTL:
            return got[0]
        row = conn.execute(sql, params or []).fetchone()  # type: ignore[arg-type]
        value = float(row["v"] or 0.0) if row else 0.0
        self._stats[key] = (value, now)
        return value


def _terms(word: str) -> list[str]:
    return (bigrams(word) or [word]) if is_cjk(word) else [word]


def _sum_by(groups: list[dict[str, Any]], key: str) -> dict[str, int]:
    sums: dict[str, int] = {}
    for g in groups:
        sums[g[key]] = sums.get(g[key], 0) + int(g["n"])
    return facet_counts(sums)


def _hit(r: dict[str, Any], words: list[str]) -> Hit:
    return Hit(
        archival_code=r["code"], title=r["title"], score=round(float(r.get("score") or 0.0), 4),
        snippet=snippet(r["body"] or r["title"], words), date=r["date"], year=r["year"], category=r["category"],
        status=r["status"], period=r["period"], form=r["form"], unit=r["unit"] or r["room"],
        doc_number=r["doc_number"],
    )
