"""The index schema and the mapping from a catalogue Record to an index document."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from whoosh.analysis import Analyzer
from whoosh.fields import ID, STORED, TEXT, Schema

from dangan.archive.model import Record
from dangan.search.analysis import BigramTokenizer, PreTokenized, WordTokenizer, analyse

#: Bump when the schema or the analysis changes: every entry becomes stale.
SCHEMA_VERSION = 1

#: Fields a user can name in a query (``category:TS``) or filter on.
FILTER_FIELDS: tuple[str, ...] = (
    "code", "category", "year", "date", "period", "status", "form", "building", "unit", "room",
    "doc_number", "source",
)

STATUS_LABELS = {"active": "在库", "held": "冻结", "disposed": "已销毁"}


def bigram_analyzer() -> Analyzer:
    return BigramTokenizer()


def word_analyzer() -> Analyzer:
    return WordTokenizer()


def make_schema() -> Schema:
    """The schema of the search index (one document per archival code)."""
    return Schema(
        code=ID(stored=True, unique=True, sortable=True),
        title=TEXT(analyzer=bigram_analyzer(), stored=True, phrase=True, field_boost=2.0),
        content=TEXT(analyzer=bigram_analyzer(), phrase=True),
        words=TEXT(analyzer=word_analyzer(), phrase=False),
        body=STORED(),
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


def document_for(record: Record, text: str | None, tokens: Any = None) -> dict[str, Any]:
    """The whoosh document for ``record``.

    ``text`` is None for a disposed record: only its metadata is indexed, and
    its content is neither indexed nor stored.  ``tokens`` is the output of
    :func:`~dangan.search.analysis.analyse` on :func:`index_text`, when it was
    computed in another process.
    """
    if record.status == "disposed":
        text = None
    full = index_text(record, text)
    content, words = tokens if tokens is not None else analyse(full)
    doc: dict[str, Any] = _metadata(record)
    doc.update(
        title=record.title,
        content=PreTokenized(content),
        words=list(words),  # a list of strings is indexed as is
        body=text or "",
        fingerprint=fingerprint(record, text),
    )
    return doc


def index_text(record: Record, text: str | None) -> str:
    """The text analysed for the ``content`` and ``words`` fields."""
    meta = searchable_metadata(record)
    return f"{meta}\n{text}" if text else meta
