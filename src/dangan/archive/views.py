"""Views of a record: the JSON-ready dict (``--json``, the web API) and the required-metadata check."""

from __future__ import annotations

from typing import Any

from dangan.archive.model import Record

REQUIRED_FIELDS = ("title", "author", "date", "category", "period", "security", "source")


def record_to_dict(record: Record) -> dict[str, Any]:
    """A JSON-ready view of a record (the ``--json`` output; digests are :mod:`dangan.archive.digest`)."""
    original = record.original
    return {
        "archival_code": record.archival_code,
        "title": record.title,
        "doc_number": record.doc_number,
        "author": record.author,
        "date": record.date.isoformat(),
        "year": record.year,
        "category": record.category,
        "period": record.period,
        "security": record.security,
        "source": str(record.source),
        "status": str(record.status),
        "building": record.building,
        "unit": record.unit,
        "room": record.room,
        "form_id": record.form_id,
        "form_data": record.form_data,
        "meta": dict(record.meta),
        "needs_review": record.needs_review,
        "text_source": record.text_source,
        "filed_at": record.filed_at.isoformat(),
        "disposed_at": record.disposed_at.isoformat() if record.disposed_at else None,
        "sha256": original.sha256 if original else None,
        "path": original.path if original else None,
        "format": original.format if original else None,
        "size": original.size if original else None,
        "page_count": original.page_count if original else None,
        "original_name": original.original_name if original else None,
        "files": [
            {
                "role": str(f.role),
                "path": f.path,
                "sha256": f.sha256,
                "size": f.size,
                "format": f.format,
                "page_count": f.page_count,
                "original_name": f.original_name,
                "destroyed": f.destroyed,
            }
            for f in record.files
        ],
    }


def missing_required(record: Record) -> list[str]:
    """Names of required metadata (GB/T 18894 minimum) that are empty."""
    missing = [name for name in REQUIRED_FIELDS if not str(getattr(record, name) or "").strip()]
    original = record.original
    if original is None:
        missing.append("files")
    else:
        for name in ("format", "original_name", "sha256"):
            if not getattr(original, name):
                missing.append(name)
    return missing
