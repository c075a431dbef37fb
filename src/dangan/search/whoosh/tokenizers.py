"""Whoosh tokenizers over :mod:`dangan.search.analysis` (pickled into the index's schema).

The index is written from terms the analyzer computed (:class:`~dangan.search.whoosh.schema.BigramText`);
these classes are what the schema names, so that Whoosh can still analyse a
string when it is handed one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from whoosh.analysis import Token, Tokenizer

from dangan.search.analysis import RUN_OR_ASCII, ascii_terms, index_terms


class _StreamTokenizer(Tokenizer):
    """Base: turn a list of term texts into whoosh Tokens."""

    def _terms(self, value: str) -> Iterable[str]:
        raise NotImplementedError

    def __call__(  # type: ignore[override]
        self,
        value: str | list,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        terms = self._terms(value if isinstance(value, str) else " ".join(value))
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for i, text in enumerate(terms):
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos + i
            yield t


class BigramTokenizer(_StreamTokenizer):
    """The index terms of :func:`dangan.search.analysis.index_terms`."""

    def _terms(self, value: str) -> Iterable[str]:
        return index_terms(value)


class WordTokenizer(_StreamTokenizer):
    """jieba words.  Not used by the current schema; kept so that an index of
    schema 1 (which pickled it) still opens and is reported as outdated."""

    def _terms(self, value: str) -> Iterable[str]:
        out: list[str] = []
        for m in RUN_OR_ASCII.finditer(value):
            out.extend([m.group(1)] if m.group(1) is not None else ascii_terms(m.group(2)))
        return out
