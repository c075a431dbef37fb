"""The Whoosh schema and the mapping from an IndexDocument to Whoosh fields."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.system import pack_uint

from dangan.search.analysis import index_terms
from dangan.search.documents import IndexDocument, fingerprint, index_text, metadata, searchable_metadata
from dangan.search.whoosh.tokenizers import BigramTokenizer

#: Bump when the schema changes: an index of another version is rebuilt.
#: 2: no jieba ``words`` field, no positions (``content``/``title`` store
#: frequencies only), ``meta`` stored for exact-substring checks.
#: 3: ``status`` is a column too (the status facet).
SCHEMA_VERSION = 3


class BigramText(TEXT):
    """A TEXT field of term frequencies: :func:`~dangan.search.analysis.index_terms` counted.

    Indexed without Whoosh's Token objects (the per-token Python work was most
    of the indexing time), in the writer's process: a two-process rebuild
    analyses on both cores.  A list of terms is counted as it is.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(analyzer=BigramTokenizer(), phrase=False, **kwargs)

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:  # type: ignore[override]
        counts = Counter(index_terms(value) if isinstance(value, str) else value)
        fb = self.format.field_boost
        for word, freq in counts.items():
            yield word.encode("utf-8"), freq, freq * fb, pack_uint(freq)


def make_schema() -> Schema:
    """The schema of the search index (one document per archival code)."""
    return Schema(
        code=ID(stored=True, unique=True, sortable=True),
        # Term frequencies without positions: a word is matched as the AND of its
        # bigrams, and checked as written against ``meta``/``body``.
        title=BigramText(stored=True),
        content=BigramText(),
        body=STORED(),
        meta=STORED(),
        category=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        date=ID(stored=True, sortable=True),
        period=ID(stored=True),
        status=ID(stored=True, sortable=True),
        form=ID(stored=True),
        building=ID(stored=True),
        unit=ID(stored=True),
        room=ID(stored=True),
        doc_number=ID(stored=True),
        source=ID(stored=True),
        fingerprint=ID(stored=True, sortable=True),
    )


def whoosh_fields(doc: IndexDocument) -> dict[str, Any]:
    """The keyword arguments of ``add_document``/``update_document`` for ``doc``.

    A disposed record keeps its metadata only: its text is neither indexed nor stored.
    The title and content are analysed by :class:`BigramText`.
    """
    fields: dict[str, Any] = metadata(doc.record)
    fields.update(
        title=doc.title,
        content=index_text(doc),
        body=doc.content or "",
        meta=searchable_metadata(doc.record),
        fingerprint=fingerprint(doc),
    )
    return fields
