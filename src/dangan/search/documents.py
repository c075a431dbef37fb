"""What an index entry is made of: a catalogue record and its text, seen the same by every backend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from dangan.masking import NUMBER_KEYS_META, mask_text
from dangan.search.analysis import ANALYSIS_VERSION

if TYPE_CHECKING:  # a search reads no record: the model is loaded where entries are made
    from dangan.archive.model import Record

#: Fields a user can name in a query (``category:TS``) or filter on; every backend stores them.
FILTER_FIELDS: tuple[str, ...] = (
    "code", "category", "year", "date", "period", "status", "form", "building", "unit", "room",
    "doc_number", "source",
)

STATUS_LABELS = {"active": "在库", "held": "冻结", "disposed": "已销毁", "lent": "借出"}
STATUS_CODES = {v: k for k, v in STATUS_LABELS.items()}


class IndexDocument(NamedTuple):
    """One entry to index: the record, and its full text (None: none, or disposed)."""

    record: Record
    text: str | None

    @property
    def code(self) -> str:
        return self.record.archival_code

    @property
    def content(self) -> str | None:
        """The text that may be indexed, its phone, ID and card numbers masked (text filed before dangan
        masked at filing is masked here too); none for a disposed record (only its metadata stays), nor for a
        reclassified one (its text is found under the code it was filed again as)."""
        from dangan.archive.model import Status

        if self.record.status == Status.DISPOSED or self.record.superseded_by:
            return None
        return mask_text(self.text) if self.text else self.text

    @property
    def title(self) -> str:
        """The record's title as indexed and shown by search (masked)."""
        return mask_text(self.record.title)


def metadata(record: Record) -> dict[str, str]:
    """The values of :data:`FILTER_FIELDS` (all strings; "" when unset)."""
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


def fingerprint(doc: IndexDocument) -> str:
    """What the entry was made from: metadata, status, title and a hash of the text.

    A backend stores it with the entry; :func:`dangan.search.drift.check`
    compares it with the catalogue's (the drift check).
    """
    import hashlib
    import json

    text = doc.content
    data: dict[str, Any] = metadata(doc.record)
    data["title"] = doc.title
    data["author"] = doc.record.author
    data["text"] = hashlib.sha1(text.encode("utf-8")).hexdigest() if text else None
    data["v"] = ANALYSIS_VERSION
    raw = json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha1(raw).hexdigest()


def searchable_metadata(record: Record) -> str:
    """Metadata that content search also matches: title, 文号, unit, author."""
    parts = [record.title, record.doc_number, record.building, record.unit, record.room, record.author]
    return mask_text("\n".join(p for p in parts if p))


def index_text(doc: IndexDocument) -> str:
    """The text analysed for content search: the searchable metadata, then the text, then the keyed terms
    of the full phone, ID and card numbers it had (:mod:`dangan.masking`: stored and shown masked, found
    by the full number).  A disposed record keeps none of them."""
    meta = searchable_metadata(doc.record)
    text = doc.content
    if text is None:
        return meta
    keys = (doc.record.meta or {}).get(NUMBER_KEYS_META, "")
    return f"{meta}\n{text}\n{keys}" if keys else f"{meta}\n{text}"
