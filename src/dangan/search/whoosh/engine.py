"""Set-at-a-time evaluation of a parsed query on the index's segments.

Whoosh's collector walks every matching document through Python matcher
objects, scores it and feeds it to the facet counters: at 10,000 documents
a common word (matching 80 % of them) took 250–800 ms, and the time grows
with the number of matches.  Here the same query is evaluated on whole
posting lists instead:

* a term's posting list is read block by block (``ids`` and ``weights``
  come out of whoosh's block pickles, delta-decoded with
  ``itertools.accumulate``), and turned into a ``set``;
* ``And``/``Or``/``AndNot``/``Not`` become set operations, ``Prefix`` and
  ``TermRange`` the union of their terms;
* the category, year and status columns and the BM25 length norms are read once per
  segment and kept with the searcher, so facet counts are one ``Counter``;
* BM25 (plus a bonus for query words in the title) is computed only for
  the documents that can be in the top results: all matches when there are
  at most :data:`RANK_ALL` per segment, otherwise about that many chosen by
  highest term frequency and title match (:func:`_promising`); terms in
  over half of the documents are not scored when rarer ones exist.

Measured (bench/bench_search.py, 2 loaded cores, 71 queries × 5): at 10,000
documents p50 6 ms / p95 12 ms, at 100,000 p50 23 ms / p95 77 ms on a kept
open index (the collector path took p50 230 ms / p95 762 ms at 10,000).

Everything works per segment (local document numbers) and is merged at the
end, so a multi-segment index (a two-process rebuild) needs no merge.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from whoosh import query as Q
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from dangan.search.analysis import as_written
from dangan.search.results import FACETS as RESULT_FACETS

#: BM25 parameters (whoosh's defaults).
K1 = 1.2
B = 0.75
#: Score every match when there are at most this many (per segment).
RANK_ALL = 2000
#: Terms in more than this share of the documents are not scored (see Engine._useful).
COMMON = 0.5
#: Columns counted for facets (each is a sortable column of the schema).
FACETS = RESULT_FACETS


@dataclass(frozen=True)
class ScoredTerm:
    """A term that adds BM25 to a document's score (``boost`` × BM25)."""

    fieldname: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Bonus:
    """A match that also matches ``query`` gets ``boost`` × the idf of ``terms`` (in ``content``)."""

    query: Any  # Q.Query | Checked
    terms: tuple[str, ...]
    boost: float


@dataclass(frozen=True)
class Checked:
    """The documents of ``query`` whose text holds every piece as written (an AsWritten in the tree)."""

    query: Any  # Q.Query | Checked
    pieces: tuple[str, ...]


@dataclass
class Plan:
    """What to evaluate: the matching query and what ranks the matches."""

    query: Any  # Q.Query | Checked
    scored: list[ScoredTerm] = field(default_factory=list)
    bonus: list[Bonus] = field(default_factory=list)


@dataclass
class Match:
    """One matching document and its score."""

    docnum: int  # global document number (searcher.stored_fields)
    score: float


class SegmentData:
    """Per-segment columns read once: facet values and BM25 length norms."""

    def __init__(self, leaf: Any, avg_lengths: dict[str, float]) -> None:
        self.doc_count_all = leaf.doc_count_all()
        self.live = None if not leaf.has_deletions() else set(leaf.all_doc_ids())
        # raw UTF-8 column values: no per-document str conversion when the index is opened
        self.facets = {name: list(leaf.column_reader(name, translate=False)) for name in FACETS}
        self.codes = list(leaf.column_reader("code", translate=False))  # ties are broken by archival code
        self.leaf = leaf
        self._avg = avg_lengths
        self._norms: dict[str, list[float]] = {}

    def norms(self, fieldname: str) -> list[float]:
        """``K1 * (1 - B + B * length / average)`` for every document."""
        norms = self._norms.get(fieldname)
        if norms is None:
            avg = self._avg.get(fieldname) or 1.0
            table = [K1 * (1 - B + B * byte_to_length(b) / avg) for b in range(256)]
            lengths = self.leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            norms = [table[b] for b in lengths] if lengths is not None else [K1] * self.doc_count_all
            self._norms[fieldname] = norms
        return norms

    def all_docs(self) -> set[int]:
        return set(range(self.doc_count_all)) if self.live is None else set(self.live)

    def holds(self, docnum: int, patterns: list[re.Pattern[str]]) -> bool:
        """Whether the stored text of ``docnum`` matches every pattern."""
        return all(p.search(stored_text(self.leaf.stored_fields(docnum))) for p in patterns)


def stored_text(stored: dict[str, Any]) -> str:
    """The text a word is checked against: searchable metadata (or title), then the content."""
    return f"{stored.get('meta') or stored.get('title', '')}\n{stored.get('body') or ''}"


class Engine:
    """Evaluates plans on one searcher; keep it as long as the searcher."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        reader = searcher.reader()
        # an index with no segment yet has an EmptyReader, which has no leaves
        self.leaves = list(reader.leaf_readers()) if reader.doc_count_all() else []
        self.doc_count = max(1, searcher.doc_count_all())
        avg = {name: searcher.avg_field_length(name, 1.0) for name in ("content", "title")}
        self.segments = [SegmentData(leaf, avg) for leaf, _ in self.leaves]

    # ------------------------------------------------------------ matching

    def evaluate(
        self,
        plan: Plan,
        flt: Any,
        *,
        limit: int,
        verify: Callable[[int], bool] | None = None,
        verify_all: int = 0,
    ) -> tuple[list[Match], int, dict[str, dict[str, int]]]:
        """Top ``limit`` matches, the total and the facet counts.

        ``verify`` (a global docnum → bool check) removes false matches: from
        all of a segment's matches when there are at most ``verify_all``, and
        otherwise from the ranked results only.
        """
        scored = self._useful(plan.scored)
        bonus = [b for b in plan.bonus if any(t.text in b.terms for t in scored if t.fieldname == "content")]
        plan = Plan(plan.query, scored, bonus)
        top: list[tuple[float, bytes, int]] = []
        total = 0
        facets: dict[str, Counter[bytes]] = {name: Counter() for name in FACETS}
        for (leaf, offset), seg in zip(self.leaves, self.segments, strict=True):
            postings = _Postings(leaf, ((t.fieldname, t.text) for t in scored))
            docs = _docs(plan.query, postings, seg)
            if flt is not None and docs:
                docs &= _docs(flt, postings, seg)
            if seg.live is not None:
                docs &= seg.live
            check = verify
            if verify is not None and len(docs) <= verify_all:
                docs = {d for d in docs if verify(offset + d)}
                check = None
            if not docs:
                continue
            total += len(docs)
            for name in FACETS:
                facets[name].update(map(seg.facets[name].__getitem__, docs))
            local = None if check is None else _shifted(check, offset)
            for score, docnum in self._rank(plan, docs, postings, seg, limit, local):
                top.append((-score, seg.codes[docnum], offset + docnum))
        best = heapq.nsmallest(limit, top)
        matches = [Match(docnum, -neg) for neg, _, docnum in best]
        return matches, total, {name: {k.decode("utf-8"): v for k, v in c.items()} for name, c in facets.items()}

    def docs(self, q: Any) -> list[int]:
        """Global document numbers matching ``q`` (unranked)."""
        out: list[int] = []
        for (leaf, offset), seg in zip(self.leaves, self.segments, strict=True):
            docs = _docs(q, _Postings(leaf), seg)
            if seg.live is not None:
                docs &= seg.live
            out.extend(offset + d for d in sorted(docs))
        return out

    # ------------------------------------------------------------ ranking

    def _useful(self, scored: list[ScoredTerm]) -> list[ScoredTerm]:
        """The scored terms worth reading: those in at most :data:`COMMON` of the documents.

        A term in most documents adds almost nothing to BM25 (idf ≈ 0.1 at
        90 %) but costs a full posting list; it is kept only if every term
        is that common.
        """
        limit = COMMON * self.doc_count
        rare = [t for t in scored if self.searcher.doc_frequency(t.fieldname, t.text) <= limit]
        return rare or scored

    def idf(self, fieldname: str, text: str) -> float:
        df = self.searcher.doc_frequency(fieldname, text)
        return math.log(1 + (self.doc_count - df + 0.5) / (df + 0.5)) if df else 0.0

    def _rank(
        self,
        plan: Plan,
        docs: set[int],
        postings: _Postings,
        seg: SegmentData,
        limit: int,
        verify: Callable[[int], bool] | None,
    ) -> list[tuple[float, int]]:
        """The best ``limit`` (score, docnum) pairs of this segment's ``docs``."""
        weighted = []
        for t in plan.scored:
            idf = self.idf(t.fieldname, t.text) * t.boost
            if idf > 0:
                weighted.append((idf, postings.weights(t.fieldname, t.text), seg.norms(t.fieldname)))
        bonus = [
            (_docs(b.query, postings, seg) & docs, b.boost * sum(self.idf("content", t) for t in b.terms))
            for b in plan.bonus
        ]
        candidates = docs if len(docs) <= RANK_ALL else _promising(docs, weighted, bonus, limit, seg.codes)
        codes = seg.codes
        scores = []
        for d in candidates:
            s = 0.0
            for idf, tf, norms in weighted:
                w = tf.get(d)
                if w:
                    s += idf * w * (K1 + 1) / (w + norms[d])
            for members, w in bonus:
                if d in members:
                    s += w
            scores.append((-s, codes[d], d))
        if verify is None:
            return [(-s, d) for s, _, d in heapq.nsmallest(limit, scores)]
        out: list[tuple[float, int]] = []
        for s, _, d in sorted(scores):
            if verify(d):
                out.append((-s, d))
                if len(out) == limit:
                    break
        return out


def _shifted(check: Callable[[int], bool], offset: int) -> Callable[[int], bool]:
    """``check`` on global document numbers, for the local ones of a segment at ``offset``."""
    def local(d: int) -> bool:
        return check(offset + d)

    return local


def _shortest_first(norms: list[float], codes: list[bytes]) -> Callable[[int], tuple[float, bytes]]:
    def key(d: int) -> tuple[float, bytes]:
        return norms[d], codes[d]

    return key


def _promising(docs: set[int], weighted: list, bonus: list, limit: int, codes: list[bytes]) -> set[int]:
    """At most about :data:`RANK_ALL` matches that can outrank the rest.

    Per scored term, the matches with its highest frequencies (the threshold
    is raised until they fit the term's share); a bonus set (title matches)
    when it fits too, else its members among those.  Topped up in
    archival-code order if fewer than ``limit``.
    """
    share = max(limit, RANK_ALL // max(1, len(weighted) + len(bonus)))
    out: set[int] = set()
    for _, tf, norms in weighted:
        counts = Counter(tf.values())
        threshold, kept = math.inf, 0
        for w in sorted(counts, reverse=True):
            if kept and (w <= 1 or kept + counts[w] > share):
                break
            threshold, kept = w, kept + counts[w]  # the top frequency is always taken
        chosen = [d for d, w in tf.items() if w >= threshold and d in docs]
        if len(chosen) > share:  # shortest first, as BM25 ranks equal frequencies
            chosen = heapq.nsmallest(share, chosen, key=_shortest_first(norms, codes))
        out.update(chosen)
    for members, _ in bonus:
        out |= members if len(members) <= share else members & out
    if len(out) < limit:
        out.update(heapq.nsmallest(limit, docs - out, key=codes.__getitem__))
    return out


# ---------------------------------------------------------------- postings


class _Postings:
    """Posting lists of one segment, read once per search.

    ``ids`` reads only the document numbers (matching); ``weights`` also the
    term frequencies (ranking), for the few terms that are scored.
    """

    def __init__(self, leaf: Any, scored: Iterable[tuple[str, str]] = ()) -> None:
        self.leaf = leaf
        self.scored = set(scored)  # read with their weights the first time
        self._ids: dict[tuple[str, Any], set[int]] = {}
        self._tf: dict[tuple[str, Any], dict[int, float]] = {}

    def ids(self, fieldname: str, text: str | bytes) -> set[int]:
        key = (fieldname, text)
        hit = self._ids.get(key)
        if hit is None:
            if key in self.scored:
                hit = self._ids[key] = set(self.weights(fieldname, text))
            else:
                hit = self._ids[key] = set(_read(self.leaf, fieldname, text, weights=False)[0])
        return hit

    def weights(self, fieldname: str, text: str | bytes) -> dict[int, float]:
        """docnum → term frequency."""
        key = (fieldname, text)
        hit = self._tf.get(key)
        if hit is None:
            ids, weights = _read(self.leaf, fieldname, text, weights=True)
            hit = self._tf[key] = dict(zip(ids, weights, strict=True))
        return hit


def _read(leaf: Any, fieldname: str, text: str | bytes, *, weights: bool) -> tuple[list[int], list[float]]:
    try:
        m = leaf.postings(fieldname, text)
    except TermNotFound:
        return [], []
    ids: list[int] = []
    ws: list[float] = []
    if isinstance(m, W3LeafMatcher) and not m._byteids:
        while m.is_active():
            if m._data is None:
                m._read_data()
            ids.extend(accumulate(m._data[0]))
            if weights:
                w = m._data[1]  # None: all 1.0; a float: all that; else an array
                if w is None or isinstance(w, float):
                    ws.extend([1.0 if w is None else w] * m._blocklength)
                else:
                    ws.extend(w)
            m._next_block()
    else:
        while m.is_active():
            ids.append(m.id())
            if weights:
                ws.append(m.weight())
            m.next()
    return ids, ws


def _docs(q: Any, postings: _Postings, seg: SegmentData) -> set[int]:
    """The local document numbers of one segment matching ``q`` (deletions not removed)."""
    if isinstance(q, Checked):
        patterns = [as_written(p) for p in q.pieces]
        return {d for d in _docs(q.query, postings, seg) if seg.holds(d, patterns)}
    if isinstance(q, Q.Term):
        return postings.ids(q.fieldname, q.text)
    if isinstance(q, Q.And):
        return _intersect([_docs(s, postings, seg) for s in q.subqueries])
    if isinstance(q, Q.Or):
        out: set[int] = set()
        for s in q.subqueries:
            out |= _docs(s, postings, seg)
        return out
    if isinstance(q, Q.AndNot):
        pos = _docs(q.a, postings, seg)
        return pos - _docs(q.b, postings, seg) if pos else pos
    if isinstance(q, Q.AndMaybe):
        return _docs(q.a, postings, seg)
    if isinstance(q, Q.Not):
        return seg.all_docs() - _docs(q.query, postings, seg)
    if isinstance(q, Q.Every):
        return seg.all_docs()
    if q is Q.NullQuery or isinstance(q, type(Q.NullQuery)):
        return set()
    if isinstance(q, Q.MultiTerm):  # Prefix, TermRange, Wildcard …
        out = set()
        for btext in q._btexts(postings.leaf):
            out |= postings.ids(q.fieldname, btext)
        return out
    raise TypeError(f"query type not supported by the search engine: {type(q).__name__}")


def _intersect(sets: Iterable[set[int]]) -> set[int]:
    ordered = sorted(sets, key=len)
    if not ordered:
        return set()
    out = set(ordered[0])
    for s in ordered[1:]:
        if not out:
            break
        out &= s
    return out
