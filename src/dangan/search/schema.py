"""The index schema and the mapping from a catalogue Record to an index document."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Analyzer
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.system import pack_uint

from dangan.archive.model import Record
from dangan.search.analysis import BigramTokenizer, bigram_terms

#: Bump when the schema or the analysis changes: every entry becomes stale.
#: 2: no jieba ``words`` field, no positions (``content``/``title`` store
#: frequencies only), ``meta`` stored for exact-substring checks.
SCHEMA_VERSION = 2

#: Fields a user can name in a query (``category:TS``) or filter on.
FILTER_FIELDS: tuple[str, ...] = (
    "code", "category", "year", "date", "period", "status", "form", "building", "unit", "room",
    "doc_number", "source",
)

STATUS_LABELS = {"active": "在库", "held": "冻结", "disposed": "已销毁"}


def bigram_analyzer() -> Analyzer:
    return BigramTokenizer()


class BigramText(TEXT):
    """A TEXT field of bigram frequencies, indexed without whoosh's Token objects.

    Indexes exactly what :class:`~dangan.search.analysis.BigramTokenizer`
    gives (the analyzer still serves queries and highlighting), counted with
    a ``Counter``: the per-token Python work was most of the indexing time.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(analyzer=bigram_analyzer(), phrase=False, **kwargs)

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:  # type: ignore[override]
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        fb = self.format.field_boost
        for word, freq in Counter(bigram_terms(value)).items():
            yield word.encode("utf-8"), freq, freq * fb, pack_uint(freq)


def make_schema() -> Schema:
    """The schema of the search index (one document per archival code)."""
    return Schema(
        code=ID(stored=True, unique=True, sortable=True),
        # Bigram postings without positions: a word is matched as the AND of its
        # bigrams, and checked as a substring of ``meta``/``body`` (query.py).
        title=BigramText(stored=True),
        content=BigramText(),
        body=STORED(),
        meta=STORED(),
        category=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        date=ID(stored=True, sortable=True),
        period=ID(stored=True),
        status=ID(stored=True),
        form=ID(stored=True),
        building=ID(stored=True),
        unit=ID(stored=True),
        room=ID(stored=True),
        doc_number=ID(stored=True),
        source=ID(stored=True),
        fingerprint=ID(stored=True, sortable=True),
    )


def _metadata(record: Record) -> dict[str, str]:
    return {
        "code": record.archival_code,
        "category": record.category or "",
        "year": str(record.year),
        "date": record.date.isoformat(),
        "period": record.period or "",
        "status": str(record.status),
        "form": record.form_id or "",
        "building": record.building or "",
        "unit": record.unit or "",
        "room": record.room or "",
        "doc_number": record.doc_number or "",
        "source": str(record.source),
    }


def fingerprint(record: Record, text: str | None) -> str:
    """What the entry was made from: metadata, status, title and a hash of the text."""
    if record.status == "disposed":
        text = None
    data: dict[str, Any] = _metadata(record)
    data["title"] = record.title
    data["author"] = record.author
    data["text"] = hashlib.sha1((text or "").encode("utf-8")).hexdigest() if text else None
    data["v"] = SCHEMA_VERSION
    raw = json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha1(raw).hexdigest()


def searchable_metadata(record: Record) -> str:
    """Metadata that content search should also match: title, 文号, unit, author."""
    parts = [record.title, record.doc_number, record.building, record.unit, record.room, record.author]
    return "\n".join(p for p in parts if p)


def document_for(record: Record, text: str | None) -> dict[str, Any]:
    """The whoosh document for ``record``.

    ``text`` is None for a disposed record: only its metadata is indexed, and
    its content is neither indexed nor stored.
    """
    if record.status == "disposed":
        text = None
    doc: dict[str, Any] = _metadata(record)
    doc.update(
        title=record.title,
        content=index_text(record, text),
        body=text or "",
        meta=searchable_metadata(record),
        fingerprint=fingerprint(record, text),
    )
    return doc


def index_text(record: Record, text: str | None) -> str:
    """The text analysed for the ``content`` field (metadata, then the text)."""
    meta = searchable_metadata(record)
    return f"{meta}\n{text}" if text else meta
