"""Reading catalogue rows into :class:`Record` objects, and record digests."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from dangan.archive.model import FileRole, Record, Source, Status, StoredFile

REQUIRED_FIELDS = ("title", "author", "date", "category", "period", "security", "source")


def load_records(conn: sqlite3.Connection, where: str = "1", params: tuple[Any, ...] = ()) -> list[Record]:
    """Records matching ``where`` (SQL over table alias ``r``), with files and metadata, by id."""
    rows = conn.execute(f"SELECT r.* FROM records r WHERE {where} ORDER BY r.id", params).fetchall()
    if not rows:
        return []
    files: dict[int, list[StoredFile]] = {}
    for f in conn.execute(
        f"SELECT f.* FROM files f JOIN records r ON r.id = f.record_id WHERE {where} ORDER BY f.id", params
    ):
        files.setdefault(f["record_id"], []).append(_stored_file(f))
    meta: dict[int, dict[str, str]] = {}
    for m in conn.execute(
        f"SELECT m.* FROM meta m JOIN records r ON r.id = m.record_id WHERE {where} ORDER BY m.key", params
    ):
        meta.setdefault(m["record_id"], {})[m["key"]] = m["value"]
    return [_record(r, files.get(r["id"], []), meta.get(r["id"], {})) for r in rows]


def _stored_file(row: sqlite3.Row) -> StoredFile:
    return StoredFile(
        role=FileRole(row["role"]),
        path=row["path"],
        sha256=row["sha256"],
        size=row["size"],
        format=row["format"],
        page_count=row["page_count"],
        original_name=row["original_name"],
        destroyed=bool(row["destroyed"]),
    )


def _record(row: sqlite3.Row, files: list[StoredFile], meta: dict[str, str]) -> Record:
    return Record(
        id=row["id"],
        archival_code=row["archival_code"],
        title=row["title"],
        doc_number=row["doc_number"],
        author=row["author"],
        date=dt.date.fromisoformat(row["date"]),
        year=row["year"],
        category=row["category"],
        period=row["period"],
        security=row["security"],
        source=Source(row["source"]),
        status=Status(row["status"]),
        building=row["building"],
        unit=row["unit"],
        room=row["room"],
        form_id=row["form_id"],
        form_data=json.loads(row["form_data"]) if row["form_data"] else None,
        meta=meta,
        needs_review=bool(row["needs_review"]),
        text_source=row["text_source"],
        filed_at=dt.datetime.fromisoformat(row["filed_at"]),
        files=files,
        disposed_at=dt.datetime.fromisoformat(row["disposed_at"]) if row["disposed_at"] else None,
    )


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
