"""The query tree, the query syntax that produces it, and the filters.

Syntax: words are AND-ed; ``OR`` between two terms; ``NOT x`` or ``-x``;
``"…"`` for an exact phrase; ``field:value`` for the fields in
:data:`~dangan.search.documents.FILTER_FIELDS` (and ``title:``).

A query becomes a tree of the dataclasses below; a backend compiles the
tree (:mod:`dangan.search.whoosh.compile` for Whoosh).  What the nodes mean:

* :class:`Word` — the document's text (title, metadata and content; or the
  title only) contains this piece: a CJK piece contiguously (all of its
  bigrams; one character: anywhere), an ASCII token as a token.  ``edge``: a
  single Chinese character the query wrote next to a letter or digit (栋 in
  3栋1201), which starts or ends a run of Chinese in the document too, so
  it matches the single-character term only.
* :class:`AsWritten` — the text holds this string as written (whitespace
  between characters allowed, not inside a longer number): a Chinese word of
  3+ characters, or a unit such as 4栋1002室.  It refines the words beside
  it in an :class:`And`.  When it is joined to the root by :class:`And`
  nodes alone (:func:`split_checks`), a backend may check it on the results
  it shows only when there are very many matches; elsewhere it is exact.
* :class:`Field` — a stored field equals ``value`` (or starts with it).
* :class:`Range` — a stored field lies between ``low`` and ``high`` (inclusive).
* :class:`And`, :class:`Or`, :class:`Not`, :class:`Everything`, :class:`Nothing`.

An unspaced run of Chinese is cut into words (``装修违规`` means ``装修 违规``,
both anywhere); a quoted phrase is kept whole.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from dangan.search import analysis
from dangan.search.analysis import Analyzer
from dangan.search.documents import FILTER_FIELDS, STATUS_CODES, STATUS_LABELS

TEXT = "text"  # title, searchable metadata and content
TITLE = "title"


@dataclass(frozen=True)
class Word:
    """The text (or the title only) contains this piece (see the module's notes on CJK pieces and ``edge``)."""

    text: str
    field: str = TEXT
    edge: bool = False


@dataclass(frozen=True)
class AsWritten:
    """The text holds this string as written (whitespace between characters allowed)."""

    text: str


@dataclass(frozen=True)
class Field:
    """A stored field equals ``value`` (or starts with it, with ``prefix``)."""

    name: str
    value: str
    prefix: bool = False


@dataclass(frozen=True)
class Range:
    """A stored field lies between ``low`` and ``high`` (inclusive; None: open)."""

    name: str
    low: str | None
    high: str | None


@dataclass(frozen=True)
class And:
    """Every child matches."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """At least one child matches."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """The child does not match."""

    child: Node


@dataclass(frozen=True)
class Everything:
    """Every entry (a query made only of filters)."""

    pass


@dataclass(frozen=True)
class Nothing:
    """No entry (e.g. ``title:`` with nothing searchable after it)."""

    pass


Node = Word | AsWritten | Field | Range | And | Or | Not | Everything | Nothing


@dataclass(frozen=True)
class Filters:
    """The options of a search besides the query text."""

    category: str | None = None
    year: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    unit: str | None = None
    form: str | None = None
    period: str | None = None
    status: str | None = None  # a code (active, held, disposed) or its label (在库, 冻结, 已销毁)


# ---------------------------------------------------------------- text → tree

_ITEM = re.compile(
    r'(?P<neg>[-－])?(?:(?P<field>[A-Za-z_]+)[:：])?'
    r'(?:"(?P<q1>[^"]*)"?|“(?P<q2>[^”]*)”?|(?P<word>[^\s"“]+))'
)
_OR = {"OR", "或"}
_NOT = {"NOT", "非"}
_OPERATORS = _OR | _NOT | {"AND", "且"}


def parse(text: str, *, analyzer: Analyzer | None = None) -> Node:
    """The query tree of ``text`` (an AND of its items); :class:`Everything` when it has none.

    ``analyzer``: the backend's (its dictionary cuts the runs of Chinese); by default one with none.
    """
    analyzer = analyzer or Analyzer()
    groups: list[list[Node]] = []  # AND of OR-groups
    negated: list[Node] = []
    join_or = negate_next = False
    for m in _ITEM.finditer(text):
        raw = m.group(0)
        if raw in _OPERATORS:
            join_or, negate_next = raw in _OR, raw in _NOT
            continue
        negate = bool(m.group("neg")) or negate_next
        join = join_or and bool(groups) and not negate
        item = _item(m, analyzer, checked=not negate and not join)
        if item is None:
            continue
        join_or = negate_next = False
        if negate:
            negated.append(item)
        elif join:
            groups[-1].append(_unchecked(item))  # an OR group: no single piece is required as written
            groups[-1][0] = _unchecked(groups[-1][0])
        else:
            groups.append([item])
    parts: list[Node] = [g[0] if len(g) == 1 else Or(tuple(g)) for g in groups]
    parts += [Not(n) for n in negated]
    if not parts:
        return Everything()
    if not groups:
        parts.insert(0, Everything())
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def _item(m: re.Match[str], analyzer: Analyzer, *, checked: bool) -> Node | None:
    fname = (m.group("field") or "").lower()
    phrase = m.group("q1") if m.group("q1") is not None else m.group("q2")
    value = phrase if phrase is not None else (m.group("word") or "")
    if fname and fname in (*FILTER_FIELDS, TITLE):
        return field_node(fname, value.strip(), analyzer)
    if fname:  # not a field we know: search the text as written
        value = f"{m.group('field')}:{value}"
    pieces = analyzer.pieces(value, exact=phrase is not None)
    if not pieces:
        return None
    edges = analysis.edge_characters(value)
    nodes: list[Node] = [Word(p, edge=p in edges) for p in pieces]
    if checked:
        units = analysis.UNIT.findall(value) if phrase is None and not m.group("field") else []
        nodes += [AsWritten(p) for p in dict.fromkeys([*filter(analysis.needs_check, pieces), *units])]
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))


def _unchecked(node: Node) -> Node:
    if isinstance(node, And):
        kept = tuple(c for c in node.children if not isinstance(c, AsWritten))
        return kept[0] if len(kept) == 1 else And(kept)
    return node


def field_node(name: str, value: str, analyzer: Analyzer | None = None) -> Node:
    """``field:value`` — exact for stored fields; prefix for dates (``date:2026-03``); words for title."""
    analyzer = analyzer or Analyzer()
    if name == TITLE:
        words: list[Node] = [Word(p, field=TITLE) for p in analyzer.pieces(value, exact=False)]
        if not words:
            return Nothing()
        return words[0] if len(words) == 1 else And(tuple(words))
    if name == "date":
        return Field("date", value, prefix=True)
    if name == "status":
        return Field("status", STATUS_CODES.get(value, value))
    if name == "period":
        return Field("period", value.upper())
    return Field(name, value)


def filter_node(f: Filters | None, analyzer: Analyzer | None = None) -> Node | None:
    """The filters as a tree (None: no filter).  The unit filter also matches the unit as written in the text."""
    if f is None:
        return None
    analyzer = analyzer or Analyzer()
    parts: list[Node] = []
    if f.category:
        parts.append(Field("category", f.category))
    if f.year:
        parts.append(Field("year", str(f.year)))
    if f.date_from or f.date_to:
        parts.append(Range("date", f.date_from.isoformat() if f.date_from else None,
                           f.date_to.isoformat() if f.date_to else None))
    if f.unit:
        edges = analysis.edge_characters(f.unit)
        words = [Word(p, edge=p in edges) for p in analyzer.pieces(f.unit, exact=True)]
        alts: list[Node] = [Field("unit", f.unit), Field("room", f.unit)]
        if words:
            alts.append(words[0] if len(words) == 1 else And(tuple(words)))
        parts.append(Or(tuple(alts)))
    if f.form:
        parts.append(Field("form", f.form))
    if f.period:
        parts.append(Field("period", f.period.upper()))
    if f.status:
        parts.append(Field("status", STATUS_CODES.get(f.status, f.status)))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(tuple(parts))


# ---------------------------------------------------------------- reading a tree


def walk(node: Node, *, negated: bool = False) -> Iterator[tuple[Node, bool]]:
    """Every node with whether it lies under a :class:`Not`."""
    yield node, negated
    if isinstance(node, And | Or):
        for c in node.children:
            yield from walk(c, negated=negated)
    elif isinstance(node, Not):
        yield from walk(node.child, negated=not negated)


def positive_words(node: Node) -> list[str]:
    """The pieces a match is ranked and highlighted by: text words not under a NOT, in order."""
    out = [n.text for n, neg in walk(node) if isinstance(n, Word) and n.field == TEXT and not neg]
    return list(dict.fromkeys(out))


def split_checks(node: Node) -> tuple[Node, list[str]]:
    """(the tree without them, the texts) of the :class:`AsWritten` nodes joined to the root by ANDs.

    Those may be checked after matching, on the results only when there are
    many; an AsWritten anywhere else stays in the tree.
    """
    if isinstance(node, AsWritten):
        return Everything(), [node.text]
    if not isinstance(node, And):
        return node, []
    kept: list[Node] = []
    checks: list[str] = []
    for c in node.children:
        rest, found = split_checks(c)
        checks += found
        if not isinstance(rest, Everything) or not found:
            kept.append(rest)
    if not kept:
        return Everything(), checks
    return (kept[0] if len(kept) == 1 else And(tuple(kept))), checks


def describe(node: Node, *, top: bool = True) -> str:
    """The tree as a clerk reads it: 「装修」 且 「违规」, (「噪音」 或 「噪声」), 非 「电梯」."""
    if isinstance(node, Word):
        return f"{node.field}:「{node.text}」" if node.field != TEXT else f"「{node.text}」"
    if isinstance(node, Field):
        value = STATUS_LABELS.get(node.value, node.value) if node.name == "status" else node.value
        return f"{node.name}:{value}{'*' if node.prefix else ''}"
    if isinstance(node, Range):
        return f"{node.name}:{node.low or ''}…{node.high or ''}"
    if isinstance(node, And):
        shown = [c for c in node.children if not isinstance(c, AsWritten | Everything)]
        if not shown:
            return "（全部）"
        return (" 且 " if top else "+").join(describe(c, top=False) for c in shown)
    if isinstance(node, Or):
        return "(" + " 或 ".join(describe(c, top=False) for c in node.children) + ")"
    if isinstance(node, Not):
        return f"非 {describe(node.child, top=False)}"
    if isinstance(node, AsWritten):
        return f"「{node.text}」"
    if isinstance(node, Nothing):
        return "（无）"
    return "（全部）"
