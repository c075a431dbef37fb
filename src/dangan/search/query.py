"""Query parsing, filters, facets and snippets.

Syntax: words are AND-ed; ``OR`` between two terms; ``NOT x`` or ``-x``;
``"…"`` for an exact phrase; ``field:value`` for the fields in
:data:`~dangan.search.schema.FILTER_FIELDS` (and ``title:``).

A Chinese word must occur as written: ``欧阳喆`` needs both bigrams 欧阳 and
阳喆 (never "欧阳 or 阳喆"), and a word of three or more characters is then
checked as a substring of the record's text (all matches when there are few,
the results shown otherwise; see :data:`VERIFY_ALL`).  Unquoted runs are first
cut into words by jieba, so ``装修违规`` means ``装修 违规`` (both, anywhere in
the document).  Matching and ranking run in :mod:`dangan.search.engine`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as Q

from dangan.errors import SearchIndexError
from dangan.search import analysis
from dangan.search.engine import Bonus, Engine, Plan, ScoredTerm
from dangan.search.index import SearchIndex
from dangan.search.schema import FILTER_FIELDS, STATUS_LABELS

_ITEM = re.compile(
    r'(?P<neg>[-－])?(?:(?P<field>[A-Za-z_]+)[:：])?'
    r'(?:"(?P<q1>[^"]*)"?|“(?P<q2>[^”]*)”?|(?P<word>[^\s"“]+))'
)
_OPERATORS = {"OR", "AND", "NOT", "或", "且", "非"}
_STATUS_CODES = {v: k for k, v in STATUS_LABELS.items()}
HIGHLIGHT = ("【", "】")
_C = analysis._CJK
_ANCHORED = re.compile(f"(?<=[A-Za-z0-9])([{_C}])(?![{_C}])|(?<![{_C}])([{_C}])(?=[A-Za-z0-9])")
#: Words of 3+ characters are checked as substrings of every match when a
#: segment has at most this many matches; otherwise only the results shown.
VERIFY_ALL = 500
#: A word found in the title adds this many times its BM25 idf to the score.
TITLE_BOOST = 1.5


@dataclass
class Filters:
    """The options of ``dangan search`` besides the query text."""

    category: str | None = None
    year: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    unit: str | None = None
    form: str | None = None
    period: str | None = None
    status: str | None = None


@dataclass
class Hit:
    archival_code: str
    title: str
    score: float
    snippet: str
    date: str
    year: str
    category: str
    status: str
    period: str
    form: str
    unit: str
    doc_number: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SearchResults:
    query: str
    understood: str  # the query as the analyser understood it
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "understood": self.understood,
            "total": self.total,
            "results": [h.to_dict() for h in self.hits],
            "facets": self.facets,
        }


@dataclass
class Parsed:
    """A parsed query: the whoosh query, its description and the literal terms to highlight."""

    query: Q.Query
    understood: str
    terms: list[str]  # positive pieces: highlighted, and they rank the matches
    exact: list[str] = field(default_factory=list)  # required CJK pieces of 3+ characters


# ---------------------------------------------------------------- text → whoosh query


def substring_query(fieldname: str, text: str) -> Q.Query:
    """Documents whose field contains the CJK string ``text`` contiguously."""
    if len(text) == 1:
        return Q.Or([Q.Term(fieldname, text), Q.Prefix(fieldname, text)])
    if len(text) == 2:
        return Q.Term(fieldname, text)
    return Q.And([Q.Term(fieldname, b) for b in dict.fromkeys(bigrams(text))])


def bigrams(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)]


def query_pieces(text: str, *, exact: bool) -> list[str]:
    """The literal pieces a document must contain for ``text``.

    CJK runs are cut by jieba (unless ``exact``); single characters stay
    attached to a neighbour, so an unknown name (欧阳/喆) is kept whole.
    """
    pieces: list[str] = []
    for m in analysis._RUN_OR_ASCII.finditer(text):
        if m.group(1) is None:
            pieces.append(m.group(2).lower())
        elif exact or len(m.group(1)) <= 2:
            pieces.append(m.group(1))
        else:
            pieces.extend(_merge_singles(analysis.cut_words(m.group(1))))
    return pieces


def _merge_singles(words: list[str]) -> list[str]:
    out: list[str] = []
    pending = ""
    for w in words:
        if len(w) == 1:
            if out and not pending:
                out[-1] += w
            else:
                pending += w
            continue
        out.append(pending + w)
        pending = ""
    if pending:
        if out:
            out[-1] += pending
        else:
            out.append(pending)
    return out


def _piece_query(piece: str, anchored: set[str]) -> Q.Query:
    if piece in anchored:
        return Q.Term("content", piece)
    if analysis.is_cjk(piece):
        return substring_query("content", piece)
    return Q.Term("content", piece)


def anchored_singles(text: str) -> set[str]:
    """Single Chinese characters written next to a letter or digit (栋 and 室 in 3栋1201室).

    Next to a non-Chinese character a character starts or ends its run, and
    the edges of every run are indexed as single-character terms: so such a
    piece needs one term, not the union of every bigram it starts (which
    made room-number queries the slowest).
    """
    return {m.group(1) or m.group(2) for m in _ANCHORED.finditer(text)}


def text_query(text: str, *, exact: bool = False) -> tuple[Q.Query | None, list[str]]:
    """The pieces of ``text`` AND-ed (ranking is added by :func:`plan`)."""
    pieces = query_pieces(text, exact=exact)
    if not pieces:
        return None, []
    anchored = anchored_singles(text)
    required = [_piece_query(p, anchored) for p in pieces]
    return (required[0] if len(required) == 1 else Q.And(required)), pieces


def plan(parsed: Parsed) -> Plan:
    """Rank by BM25 of the positive pieces' terms, plus a bonus for pieces in the title."""
    scored: dict[str, ScoredTerm] = {}
    bonus: list[Bonus] = []
    for p in dict.fromkeys(parsed.terms):
        terms = (bigrams(p) or [p]) if analysis.is_cjk(p) else [p]
        for t in terms:
            scored.setdefault(t, ScoredTerm("content", t))
        title = substring_query("title", p) if analysis.is_cjk(p) else Q.Term("title", p)
        bonus.append(Bonus(title, tuple(terms), TITLE_BOOST))
    return Plan(parsed.query, list(scored.values()), bonus)


def field_query(name: str, value: str) -> Q.Query:
    """``field:value`` — exact for IDs; prefix for dates (``date:2026-03``); text for title."""
    if name == "title":
        pieces = query_pieces(value, exact=False)
        parts = [substring_query("title", p) if analysis.is_cjk(p) else Q.Term("title", p) for p in pieces]
        return Q.And(parts) if parts else Q.NullQuery
    if name == "date":
        return Q.Prefix("date", value)
    if name == "status":
        return Q.Term("status", _STATUS_CODES.get(value, value))
    if name == "period":
        return Q.Term("period", value.upper())
    return Q.Term(name, value)


# ---------------------------------------------------------------- parsing


def parse(text: str) -> Parsed:
    """Parse the query syntax into a whoosh query (AND by default)."""
    groups: list[list[tuple[bool, Q.Query, str]]] = []  # AND of OR-groups of (negated, query, label)
    terms: list[str] = []
    exact_of: dict[int, list[str]] = {}  # group → its CJK pieces of 3+ characters
    join_or = negate_next = False
    for m in _ITEM.finditer(text):
        raw = m.group(0)
        if raw in _OPERATORS:
            join_or = raw in ("OR", "或")
            negate_next = raw in ("NOT", "非")
            continue
        negated = bool(m.group("neg")) or negate_next
        pieces: list[str] = []
        item = _item_query(m, pieces)
        if item is None:
            continue
        if not negated:
            terms.extend(pieces)
        entry = (negated, item[0], item[1])
        if join_or and groups and not negated:
            groups[-1].append(entry)
            exact_of[len(groups) - 1] = []  # an OR group: no single piece is required
        else:
            groups.append([entry])
            exact_of[len(groups) - 1] = [] if negated else _exact_pieces(m, pieces)
        join_or = negate_next = False
    exact = [p for ps in exact_of.values() for p in ps]
    return _combine(groups, terms, exact)


#: A unit written as in 3栋1201室, 12幢2单元0403, 5号楼1502: numbers joined by unit characters.
_UNIT = re.compile(r"[0-9]+(?:(?:号楼|单元|[栋幢座楼层室户号])[0-9]+)+(?:室|户|号)?")


def _exact_pieces(m: re.Match[str], pieces: list[str]) -> list[str]:
    """What the text must hold as written: CJK pieces of 3+ characters, and a word that mixes
    digits and Chinese (a unit such as 4栋1002室, which must not match 14栋 or 10栋1002室)."""
    exact = [p for p in pieces if len(p) > 2 and analysis.is_cjk(p)]
    word = m.group("word")
    if word and not m.group("field"):
        exact += _UNIT.findall(word)
    return exact


def _item_query(m: re.Match[str], terms: list[str]) -> tuple[Q.Query, str] | None:
    fname = (m.group("field") or "").lower()
    phrase = m.group("q1") if m.group("q1") is not None else m.group("q2")
    value = phrase if phrase is not None else (m.group("word") or "")
    if fname and fname in (*FILTER_FIELDS, "title"):
        return field_query(fname, value.strip()), f"{fname}:{value.strip()}"
    if fname:  # not a field we know: search the text as written
        value = f"{m.group('field')}:{value}"
    q, pieces = text_query(value, exact=phrase is not None)
    if q is None:
        return None
    terms.extend(pieces)
    label = "+".join(f"「{p}」" for p in pieces)
    return q, (f'"{label}"' if phrase is not None and len(pieces) > 1 else label)


def _combine(groups: list[list[tuple[bool, Q.Query, str]]], terms: list[str], exact: list[str]) -> Parsed:
    positives: list[Q.Query] = []
    negatives: list[Q.Query] = []
    labels: list[str] = []
    for group in groups:
        if group[0][0]:
            negatives.append(group[0][1])
            labels.append(f"非 {group[0][2]}")
        elif len(group) == 1:
            positives.append(group[0][1])
            labels.append(group[0][2])
        else:
            positives.append(Q.Or([g[1] for g in group]))
            labels.append("(" + " 或 ".join(g[2] for g in group) + ")")
    if not positives and not negatives:
        return Parsed(Q.Every(), "（全部）", terms, exact)
    base: Q.Query = Q.And(positives) if len(positives) > 1 else (positives[0] if positives else Q.Every())
    if negatives:
        base = Q.AndNot(base, Q.Or(negatives))
    return Parsed(base, " 且 ".join(labels), terms, exact)


# ---------------------------------------------------------------- filters


def filter_query(f: Filters) -> Q.Query | None:
    parts: list[Q.Query] = []
    if f.category:
        parts.append(Q.Term("category", f.category))
    if f.year:
        parts.append(Q.Term("year", str(f.year)))
    if f.date_from or f.date_to:
        lo = f.date_from.isoformat() if f.date_from else None
        hi = f.date_to.isoformat() if f.date_to else None
        parts.append(Q.TermRange("date", lo, hi))
    if f.unit:
        unit_text, _ = text_query(f.unit, exact=True)
        alts: list[Q.Query] = [Q.Term("unit", f.unit), Q.Term("room", f.unit)]
        parts.append(Q.Or([*alts, unit_text] if unit_text is not None else alts))
    if f.form:
        parts.append(Q.Term("form", f.form))
    if f.period:
        parts.append(Q.Term("period", f.period.upper()))
    if f.status:
        parts.append(Q.Term("status", _STATUS_CODES.get(f.status, f.status)))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Q.And(parts)


# ---------------------------------------------------------------- snippets


def snippet(body: str, terms: Iterable[str], *, width: int = 90) -> str:
    """A window of ``body`` around the first matched term, each match in 【】."""
    text = re.sub(r"\s+", " ", body).strip()
    if not text:
        return ""
    lowered = text.lower()
    spans = _match_spans(lowered, [t.lower() for t in terms if t])
    if not spans:
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, spans[0][0] - width // 4)
    end = min(len(text), start + width)
    out: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for a, b in spans:
        if a < cursor or b > end:
            continue
        out += [text[cursor:a], HIGHLIGHT[0], text[a:b], HIGHLIGHT[1]]
        cursor = b
    out += [text[cursor:end], "…" if end < len(text) else ""]
    return "".join(out)


def _match_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for t in sorted(set(terms), key=len, reverse=True):
        pattern = re.escape(t) if analysis.is_cjk(t) else rf"(?<![a-z0-9]){re.escape(t)}(?![a-z0-9])"
        for m in re.finditer(pattern, text):
            if not any(a < m.end() and m.start() < b for a, b in spans):
                spans.append((m.start(), m.end()))
    return _merge_adjacent(sorted(spans))


def _merge_adjacent(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and out[-1][1] == a:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


# ---------------------------------------------------------------- search


def search(index: SearchIndex, text: str, filters: Filters | None = None, *, limit: int = 10) -> SearchResults:
    """Ranked results for ``text`` with facet counts per category and year."""
    parsed = parse(text)
    flt = filter_query(filters or Filters())
    limit = max(1, limit)
    try:
        with index.engine() as engine:
            verify = _verifier(engine, parsed.exact) if parsed.exact else None
            matches, total, facets = engine.evaluate(plan(parsed), flt, limit=limit, verify=verify, verify_all=VERIFY_ALL)
            hits = [_hit(engine.searcher.stored_fields(m.docnum), m.score, parsed.terms) for m in matches]
    except SearchIndexError:
        raise
    except Exception as e:
        raise SearchIndexError(f"检索失败：{type(e).__name__}: {e}", path=index.root) from e
    return SearchResults(text, parsed.understood, total, hits, {k: _counts(v) for k, v in facets.items()})


def _verifier(engine: Engine, pieces: list[str]):
    """docnum → whether the record's indexed text holds every piece as written.

    Whitespace is ignored (PDF tables break lines inside a cell), and a piece
    that starts or ends with a digit must not continue a longer number there
    (4栋 is not in 14栋).
    """
    patterns = [_as_written(p) for p in pieces]

    def ok(docnum: int) -> bool:
        stored = engine.searcher.stored_fields(docnum)
        text = f"{stored.get('meta') or stored.get('title', '')}\n{stored.get('body') or ''}"
        return all(p.search(text) for p in patterns)

    return ok


def _as_written(piece: str) -> re.Pattern[str]:
    """``piece`` with any whitespace between its characters, not inside a longer number."""
    chars = [c for c in piece if not c.isspace()]
    head = "(?<![0-9])" if chars[:1] and chars[0].isdigit() else ""
    tail = "(?![0-9])" if chars[-1:] and chars[-1].isdigit() else ""
    return re.compile(head + r"\s*".join(re.escape(c) for c in chars) + tail)


def _counts(groups: dict[Any, Any]) -> dict[str, int]:
    return dict(sorted(((str(k), int(v)) for k, v in groups.items()), key=lambda kv: (-kv[1], kv[0])))


def _hit(r: Any, score: float | None, terms: list[str]) -> Hit:
    body = r.get("body") or ""
    status = r.get("status", "")
    snip = snippet(body, terms) if body else snippet(r.get("title", ""), terms)
    if status == "disposed":
        snip = f"（已销毁，仅保留目录信息）{snip}"
    return Hit(
        archival_code=r["code"],
        title=r.get("title", ""),
        score=round(float(score or 0.0), 4),
        snippet=snip,
        date=r.get("date", ""),
        year=r.get("year", ""),
        category=r.get("category", ""),
        status=status,
        period=r.get("period", ""),
        form=r.get("form", ""),
        unit=r.get("unit", "") or r.get("room", ""),
        doc_number=r.get("doc_number", ""),
    )
