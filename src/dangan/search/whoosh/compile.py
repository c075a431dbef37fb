"""The query tree (:mod:`dangan.search.query`) compiled to Whoosh queries and a ranking plan."""

from __future__ import annotations

from whoosh import query as Q

from dangan.search import query as T
from dangan.search.analysis import RUN_OR_ASCII, bigrams, is_cjk
from dangan.search.whoosh.engine import Bonus, Checked, Plan, ScoredTerm

#: A word found in the title adds this many times its BM25 idf to the score.
TITLE_BOOST = 1.5
#: Tree field → Whoosh field of the analysed text.
_TEXT_FIELDS = {T.TEXT: "content", T.TITLE: "title"}


def compile_node(node: T.Node) -> Q.Query | Checked:
    """The Whoosh query of ``node`` (an AsWritten becomes a :class:`Checked` of what it refines)."""
    if isinstance(node, T.Word):
        return word_query(_TEXT_FIELDS[node.field], node.text, edge=node.edge)
    if isinstance(node, T.AsWritten):
        return Checked(Q.Every(), (node.text,))
    if isinstance(node, T.Field):
        return Q.Prefix(node.name, node.value) if node.prefix else Q.Term(node.name, node.value)
    if isinstance(node, T.Range):
        return Q.TermRange(node.name, node.low, node.high)
    if isinstance(node, T.And):
        checks = tuple(c.text for c in node.children if isinstance(c, T.AsWritten))
        rest = [compile_node(c) for c in node.children if not isinstance(c, T.AsWritten)]
        base: Q.Query | Checked = (rest[0] if len(rest) == 1 else Q.And(rest)) if rest else Q.Every()
        return Checked(base, checks) if checks else base
    if isinstance(node, T.Or):
        return Q.Or([compile_node(c) for c in node.children]) if node.children else Q.NullQuery
    if isinstance(node, T.Not):
        return Q.Not(compile_node(node.child))
    if isinstance(node, T.Everything):
        return Q.Every()
    if isinstance(node, T.Nothing):
        return Q.NullQuery
    raise TypeError(f"not a query node: {node!r}")


def word_query(fieldname: str, text: str, *, edge: bool = False) -> Q.Query:
    """Documents whose field holds ``text``: a CJK piece by its bigrams, an ASCII token as itself."""
    if is_cjk(text):
        if len(text) == 1:
            return Q.Term(fieldname, text) if edge else Q.Or([Q.Term(fieldname, text), Q.Prefix(fieldname, text)])
        if len(text) == 2:
            return Q.Term(fieldname, text)
        return Q.And([Q.Term(fieldname, b) for b in dict.fromkeys(bigrams(text))])
    parts = [m.group(0).lower() for m in RUN_OR_ASCII.finditer(text)]
    if len(parts) == 1 and parts[0] == text:
        return Q.Term(fieldname, text)
    if not parts:
        return Q.NullQuery
    subs = [word_query(fieldname, p, edge=edge) for p in parts]
    return subs[0] if len(subs) == 1 else Q.And(subs)


def plan(node: T.Node, words: list[str]) -> Plan:
    """Match ``node``; rank by BM25 of the words' terms, plus a bonus for words in the title."""
    scored: dict[str, ScoredTerm] = {}
    bonus: list[Bonus] = []
    for w in words:
        terms = (bigrams(w) or [w]) if is_cjk(w) else [w]
        for t in terms:
            scored.setdefault(t, ScoredTerm("content", t))
        bonus.append(Bonus(word_query("title", w), tuple(terms), TITLE_BOOST))
    return Plan(compile_node(node), list(scored.values()), bonus)
