"""Helpers for the search tests: Records made directly, without the archive."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from dangan.archive.model import Record, Source, Status


def make_record(
    n: int,
    title: str,
    *,
    category: str = "TS",
    date: dt.date = dt.date(2026, 3, 1),
    period: str = "D10",
    status: Status = Status.ACTIVE,
    unit: str | None = None,
    form_id: str | None = None,
    doc_number: str | None = None,
) -> Record:
    return Record(
        id=n,
        archival_code=f"Z001-{date.year}-{period}-{category}-{n:04d}",
        title=title,
        doc_number=doc_number,
        author="示例花园客服中心",
        date=date,
        year=date.year,
        category=category,
        period=period,
        security="无",
        source=Source.MANUAL,
        status=status,
        building=None,
        unit=unit,
        room=None,
        form_id=form_id,
        form_data=None,
        meta={},
        needs_review=False,
        text_source="txt",
        filed_at=dt.datetime(2026, 3, 1, 9, 0),
        files=[],
    )


def with_status(record: Record, status: Status) -> Record:
    return replace(record, status=status)
