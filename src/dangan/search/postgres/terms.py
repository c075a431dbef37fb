"""The analysis of :mod:`dangan.search.analysis` as PostgreSQL ``tsvector`` and ``tsquery`` literals (pure).

An entry's terms are stored as a ``tsvector`` built from
:meth:`~dangan.search.analysis.Analyzer.index_terms` (the ``simple`` way: no
stemming, no stop words), each lexeme with as many positions as it occurs
(its term frequency, which BM25 reads back).  A term that occurs often also
gets *frequency marks*, lexemes ``term~2``, ``term~4``, … (``~`` never occurs
in a term): the GIN index then finds the documents where a word is frequent
without reading every match, which is how large result sets are ranked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

#: A document with a term at least this often gets the mark ``term~N`` (highest first).
TF_MARKS = (16, 8, 4, 2)
MARK = "~"
MAX_POSITIONS = 255  # PostgreSQL keeps at most 256 positions per lexeme
MAX_LEXEME_BYTES = 1000  # PostgreSQL refuses lexemes over 2047 bytes; such a token is not a word


def quote(lexeme: str) -> str:
    """A lexeme quoted for tsvector/tsquery input."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(terms: Iterable[str]) -> tuple[str, int]:
    """(tsvector input text, number of terms) for the terms of a text, with repetitions."""
    counts = Counter(t for t in terms if len(t.encode("utf-8")) <= MAX_LEXEME_BYTES)
    parts = []
    for term, tf in counts.items():
        n = min(tf, MAX_POSITIONS)
        parts.append(f"{quote(term)}:{','.join(map(str, range(1, n + 1)))}")
        parts.extend(quote(f"{term}{MARK}{mark}") for mark in TF_MARKS if tf >= mark)
    return " ".join(parts), sum(counts.values())


def all_of(lexemes: Iterable[str]) -> str:
    """A tsquery matching documents holding every lexeme."""
    return " & ".join(quote(x) for x in dict.fromkeys(lexemes)) or quote("")


def prefix(lexeme: str) -> str:
    return quote(lexeme) + ":*"


def mark(term: str, tf: int) -> str:
    return quote(f"{term}{MARK}{tf}")
