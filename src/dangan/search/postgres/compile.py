"""The query tree (:mod:`dangan.search.query`) compiled to a SQL condition on ``search_docs`` (pure).

Words become ``@@`` tests of the stored term vectors (a CJK piece needs all of
its bigrams, as in the Whoosh backend), an :class:`~dangan.search.query.AsWritten`
becomes a regular expression on the stored text (PostgreSQL's own regex
engine, with the pattern of :func:`~dangan.search.analysis.as_written`), and
fields and ranges become comparisons of their columns.  Every check is exact
in SQL, so totals and facets count true matches only.
"""

from __future__ import annotations

from typing import Any

from dangan.search import query as T
from dangan.search.analysis import RUN_OR_ASCII, as_written, bigrams, is_cjk
from dangan.search.documents import FILTER_FIELDS
from dangan.search.postgres import terms as tv

Sql = tuple[str, list[Any]]

TEXT_COLUMNS = {T.TEXT: "terms", T.TITLE: "title_terms"}
#: The text an AsWritten is checked against: searchable metadata (or the title), then the content.
CHECKED_TEXT = "(coalesce(nullif(d.meta, ''), d.title) || E'\\n' || d.body)"


def compile_node(node: T.Node) -> Sql:
    if isinstance(node, T.Word):
        return word_sql(TEXT_COLUMNS[node.field], node.text, edge=node.edge)
    if isinstance(node, T.AsWritten):
        return f"{CHECKED_TEXT} ~ %s", [as_written(node.text).pattern]
    if isinstance(node, T.Field):
        column = _column(node.name)
        if node.prefix:
            return f"starts_with({column}, %s)", [node.value]
        return f"{column} = %s", [node.value]
    if isinstance(node, T.Range):
        column = _column(node.name)
        parts, params = [], []
        if node.low is not None:
            parts.append(f"{column} >= %s")
            params.append(node.low)
        if node.high is not None:
            parts.append(f"{column} <= %s")
            params.append(node.high)
        return (" AND ".join(parts) or "true"), params
    if isinstance(node, T.And | T.Or):
        if not node.children:
            return ("true" if isinstance(node, T.And) else "false"), []
        compiled = [compile_node(c) for c in node.children]
        joiner = " AND " if isinstance(node, T.And) else " OR "
        return "(" + joiner.join(s for s, _ in compiled) + ")", [p for _, ps in compiled for p in ps]
    if isinstance(node, T.Not):
        sql, params = compile_node(node.child)
        return f"NOT coalesce({sql}, false)", params
    if isinstance(node, T.Everything):
        return "true", []
    if isinstance(node, T.Nothing):
        return "false", []
    raise TypeError(f"not a query node: {node!r}")


def word_tsquery(text: str, *, edge: bool = False) -> str | None:
    """The tsquery of one piece (None: nothing can match it)."""
    if is_cjk(text):
        if len(text) == 1:
            return tv.quote(text) if edge else tv.prefix(text)  # the term, or any bigram it starts
        if len(text) == 2:
            return tv.quote(text)
        return tv.all_of(bigrams(text))
    parts = [m.group(0) for m in RUN_OR_ASCII.finditer(text)]
    if len(parts) == 1 and parts[0].lower() == text.lower() and not is_cjk(parts[0]):
        return tv.quote(text.lower())
    subs = [word_tsquery(p if is_cjk(p) else p.lower(), edge=edge) for p in parts]
    if not subs or any(s is None for s in subs):
        return None
    return " & ".join(f"({s})" for s in subs if s)


def word_sql(column: str, text: str, *, edge: bool = False) -> Sql:
    q = word_tsquery(text, edge=edge)
    if q is None:
        return "false", []
    return f"d.{column} @@ %s::tsquery", [q]


def _column(name: str) -> str:
    if name not in FILTER_FIELDS:
        raise ValueError(f"not a stored field: {name!r}")
    return f'd."{name}"'
